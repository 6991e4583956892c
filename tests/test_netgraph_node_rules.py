"""Node and graph rules of branching networks: arity per op, one input and one output, the node limit,
alignment names, and the exported forms (spec data, networkx, JSON field report) carrying every node."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from kronconv.errors import InvalidSpec
from kronconv.layers import ConvTranspose, GlobalPool, Upsample
from kronconv.netgraph import (
    MAX_NODES,
    NetGraph,
    NetNode,
    graph_from_dict,
    net_fields,
    node_sizes,
    without_global,
)
from kronconv.spec import MAX_LAYERS, Conv, Pool

C3 = Conv(3, dims=1)


@pytest.mark.parametrize(("node", "message"), [
    (lambda: NetNode("x", "input", ("y",)), "node 'x': op 'input' needs no inputs, got 1"),
    (lambda: NetNode("c", "conv", (), C3), "node 'c': op 'conv' needs exactly 1 input, got 0"),
    (lambda: NetNode("c", "conv", ("a", "b"), C3), "node 'c': op 'conv' needs exactly 1 input, got 2"),
    (lambda: NetNode("s", "select", ("a", "b")), "node 's': op 'select' needs exactly 1 input, got 2"),
    (lambda: NetNode("u", "upsample", (), Upsample(2, dims=1)), "node 'u': op 'upsample' needs exactly 1 input, got 0"),
    (lambda: NetNode("m", "add", ("a",)), "node 'm': op 'add' needs at least 2 inputs, got 1"),
    (lambda: NetNode("m", "concat", ()), "node 'm': op 'concat' needs at least 2 inputs, got 0"),
    (lambda: NetNode("m", "add", ("a", "a")), "node 'm': repeated input in ['a', 'a']"),
    (lambda: NetNode("m", "add", ("a", "b"), C3), "node 'm': op 'add' takes no layer"),
    (lambda: NetNode("x", "input", (), C3), "node 'x': op 'input' takes no layer"),
])
def test_node_arity_and_layer_rules(node: object, message: str) -> None:
    with pytest.raises(InvalidSpec) as exc:
        node()  # type: ignore[operator]
    assert str(exc.value) == message


def test_merges_accept_two_or_more_inputs() -> None:
    assert NetNode("m", "add", ("a", "b")).inputs == ("a", "b")
    assert len(NetNode("m", "concat", tuple(f"n{i}" for i in range(MAX_NODES))).inputs) == MAX_NODES
    assert NetNode("s", "select", ["a"], channels=2).inputs == ("a",)
    assert NetNode("x", "input").inputs == ()


def _chain_nodes(n_layers: int) -> list[NetNode]:
    nodes = [NetNode("x", "input")]
    nodes += [NetNode(f"c{i}", "conv", (nodes[-1].id if i == 0 else f"c{i - 1}",), Conv(1, dims=1))
              for i in range(n_layers)]
    return nodes


def test_node_limit_is_a_full_chain_plus_its_input() -> None:
    assert MAX_NODES == MAX_LAYERS + 1 == 4097
    g = NetGraph.build(_chain_nodes(MAX_LAYERS), dims=1)
    assert len(g) == MAX_NODES
    assert g.output == f"c{MAX_LAYERS - 1}"
    with pytest.raises(InvalidSpec, match=rf"^a graph may have at most {MAX_NODES} nodes, got {MAX_NODES + 1}$"):
        NetGraph.build(_chain_nodes(MAX_LAYERS + 1), dims=1)


def test_one_input_and_one_output() -> None:
    two_inputs = [NetNode("a", "input"), NetNode("b", "input"), NetNode("m", "add", ("a", "b"))]
    with pytest.raises(InvalidSpec, match=r"^a graph needs exactly 1 'input' node, got 2 \['a', 'b'\]$"):
        NetGraph.build(two_inputs, dims=1)
    two_sinks = [NetNode("x", "input"), NetNode("a", "conv", ("x",), C3), NetNode("b", "pool", ("x",), Pool(2, dims=1))]
    with pytest.raises(InvalidSpec) as exc:
        NetGraph.build(two_sinks, dims=1)
    assert str(exc.value) == ("the graph has 2 nodes without successors ['a', 'b']: "
                              "name the one to analyse with 'output'")
    g = NetGraph.build(two_sinks, dims=1, output="b")
    assert [n.id for n in g.nodes] == ["x", "b"]
    with pytest.raises(InvalidSpec, match=r"^output 'z' is not a node id$"):
        NetGraph.build(two_sinks, dims=1, output="z")
    with pytest.raises(InvalidSpec, match=r"^a graph needs at least 2 nodes \(an input and one operation\), got 1$"):
        NetGraph.build(two_sinks, dims=1, output="x")


def test_output_must_depend_on_the_input() -> None:
    nodes = [NetNode("x", "input"), NetNode("c", "conv", ("x",), C3)]
    g = NetGraph.build(nodes, dims=1)
    assert g.notes == ()
    many_dead = nodes + [NetNode(f"d{i}", "conv", ("x",), C3) for i in range(9)] + [NetNode("out", "conv", ("c",), C3)]
    g = NetGraph.build(many_dead, dims=1, output="out")
    assert g.notes == (("ignored 9 node(s) that do not lead to the output 'out': "
                       "d0, d1, d2, d3, d4, d5, d6, d7, ... (9 in all)"),)
    assert [n.id for n in g.nodes] == ["x", "c", "out"]


def test_align_must_be_a_known_rule() -> None:
    nodes = [NetNode("x", "input"), NetNode("c", "conv", ("x",), C3)]
    for align in ("centre", "end", "start"):
        assert NetGraph.build(nodes, dims=1, align=align).align == align
    with pytest.raises(InvalidSpec, match=r"^align must be one of centre, end, start, got 'center'$"):
        NetGraph.build(nodes, dims=1, align="center")


def test_layer_dims_must_match_the_graph() -> None:
    with pytest.raises(InvalidSpec, match=r"^node 'c': layer dims 2 differ from the graph's dims=1$"):
        NetGraph.build([NetNode("x", "input"), NetNode("c", "conv", ("x",), Conv(3, dims=2))], dims=1)


def test_channel_rules_of_select_add_and_concat() -> None:
    base = [NetNode("x", "input", channels=4), NetNode("a", "conv", ("x",), Conv(1, in_channels=4, out_channels=2, dims=1))]
    g = NetGraph.build(base + [NetNode("s", "select", ("x",), channels=4), NetNode("m", "concat", ("a", "s"))], dims=1)
    assert g.channels == (4, 2, 4, 6)
    with pytest.raises(InvalidSpec, match=r"^node 's' \(select\) takes 5 channels but 'x' gives 4$"):
        NetGraph.build(base + [NetNode("s", "select", ("x",), channels=5), NetNode("m", "concat", ("a", "s"))], dims=1)
    with pytest.raises(InvalidSpec, match=r"^node 'm' \(add\) needs equal channels, got \{'a': 2, 'x': 4\}$"):
        NetGraph.build(base + [NetNode("m", "add", ("a", "x"))], dims=1)
    ok = NetGraph.build(base + [NetNode("b", "pool", ("a",), Pool(1, dims=1)), NetNode("m", "add", ("a", "b"))], dims=1)
    assert ok.channels[-1] == 2
    with pytest.raises(InvalidSpec, match=r"^node 'x': channels must be an integer in \[1, 1048576\], got 0$"):
        NetGraph.build([NetNode("x", "input", channels=0), NetNode("c", "conv", ("x",), C3)], dims=1)


def _mixed() -> NetGraph:
    return NetGraph.build([
        NetNode("x", "input", channels=2),
        NetNode("c", "conv", ("x",), Conv(3, dilation=2, padding=2, in_channels=2, out_channels=2, dims=1)),
        NetNode("t", "convt", ("c",), ConvTranspose(2, stride=2, in_channels=2, out_channels=3, dims=1)),
        NetNode("p", "pool", ("t",), Pool(2, dims=1)),
        NetNode("s", "select", ("x",), channels=1),
        NetNode("u", "upsample", ("s",), Upsample(1, dims=1)),
        NetNode("m", "concat", ("p", "u")),
    ], dims=1, name="mixed", align="end")


def test_spec_form_reads_back_the_same_graph() -> None:
    g = _mixed()
    data = g.to_dict()
    assert data["align"] == "end"
    by_id = {n["id"]: n for n in data["nodes"]}
    assert by_id["x"] == {"id": "x", "op": "input", "channels": 2}
    assert by_id["s"] == {"id": "s", "op": "select", "inputs": ["x"], "channels": 1}
    assert by_id["t"]["out_channels"] == 3 and by_id["t"]["stride"] == [2]
    assert by_id["c"]["dilation"] == [2] and "type" not in by_id["c"]
    back = graph_from_dict(json.loads(json.dumps(data)))

    def summary(h: NetGraph) -> dict[str, tuple[object, ...]]:  # layers read back are named after their node
        return {n.id: (n.op, n.inputs, ch, None if n.layer is None else replace(n.layer, name=""))
                for n, ch in zip(h.nodes, h.channels)}

    assert summary(back) == summary(g)
    assert (back.output, back.align, back.name) == ("m", "end", "mixed")
    assert dict(zip((n.id for n in g.nodes), g.channels)) == {"x": 2, "c": 2, "t": 3, "p": 3, "s": 1, "u": 1, "m": 4}
    assert "align" not in NetGraph.build(list(g.nodes), dims=1).to_dict()


def test_networkx_form_has_every_node_edge_and_size() -> None:
    pytest.importorskip("networkx")
    nx_g = _mixed().to_networkx()
    assert sorted(nx_g.edges) == sorted([("x", "c"), ("c", "t"), ("t", "p"), ("x", "s"), ("s", "u"),
                                         ("p", "m"), ("u", "m")])
    assert nx_g.nodes["c"] == {"op": "conv", "channels": 2, "kernel": "3", "dilation": "2", "stride": "1",
                               "padding": "2"}
    assert nx_g.nodes["u"] == {"op": "upsample", "channels": 1, "scale": "1"}
    assert nx_g.nodes["m"] == {"op": "concat", "channels": 4}


def test_successors_and_chain_shape() -> None:
    g = _mixed()
    assert g.successors() == {"x": ["c", "s"], "c": ["t"], "t": ["p"], "p": ["m"], "s": ["u"], "u": ["m"], "m": []}
    assert not g.is_chain
    assert NetGraph.build([NetNode("x", "input"), NetNode("c", "conv", ("x",), C3)], dims=1).is_chain
    assert g.node("t").op == "convt"
    with pytest.raises(InvalidSpec, match=r"^unknown node id 'q'$"):
        g.node("q")


def test_field_report_json_has_exact_numbers() -> None:
    rep = net_fields(NetGraph.build([NetNode("x", "input"), NetNode("c", "conv", ("x",), Conv(3, padding=1, dims=1)),
                                     NetNode("g", "global", ("c",), GlobalPool(dims=1)),
                                     NetNode("r", "upsample", ("g",), Upsample(size=4, dims=1)),
                                     NetNode("m", "add", ("c", "r"))], dims=1))
    data = rep.to_dict()
    assert rep.aligned
    c = rep.field("c")
    assert (c.receptive_field, c.effective_padding, c.centre) == ((3,), (1,), (0,))
    assert rep.field("g").centre == ()
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["c"]["receptive_field"] == 3 and type(nodes["c"]["receptive_field"]) is int
    assert nodes["c"]["effective_padding"] == 1
    assert nodes["g"]["receptive_field"] == "whole input" and nodes["g"]["centre"] == "-"
    assert nodes["m"]["receptive_field"] == "whole input"
    assert data["global_pooling"] == ["g"]
    assert data["effective_padding"] == 1


def test_without_global_keeps_integer_upsampling_and_reports_the_pooled_input() -> None:
    keep = NetGraph.build([NetNode("x", "input"), NetNode("u", "upsample", ("x",), Upsample(2, dims=1)),
                           NetNode("c", "conv", ("u",), C3)], dims=1)
    assert without_global(keep) == (keep, ())
    g = NetGraph.build([NetNode("x", "input"), NetNode("c", "conv", ("x",), C3),
                        NetNode("d", "conv", ("x",), C3),
                        NetNode("g", "global", ("c",), GlobalPool(dims=1))], dims=1, output="g")
    h, notes = without_global(g)
    assert [n.id for n in h.nodes] == ["x", "c"]
    assert notes == (g.notes[0], ("the output 'g' depends on the whole input through the global pooling 'g'; "
                                 "analysed instead: its input 'c'"))
    two = NetGraph.build([NetNode("x", "input"), NetNode("g1", "global", ("x",), GlobalPool(dims=1)),
                          NetNode("g2", "global", ("x",), GlobalPool(dims=1)), NetNode("m", "add", ("g1", "g2"))],
                         dims=1)
    with pytest.raises(InvalidSpec, match=r"^every path to the output 'm' passes through global pooling \(g1, g2\)"):
        without_global(two)


def test_node_sizes_broadcast_one_size_to_every_axis() -> None:
    g = NetGraph.build([NetNode("x", "input"), NetNode("c", "conv", ("x",), Conv([3, 1], dims=2))], dims=2)
    assert node_sizes(g, 7) == node_sizes(g, [7]) == node_sizes(g, (7, 7)) == {"x": (7, 7), "c": (5, 7)}
    with pytest.raises(InvalidSpec, match=r"^input size has 3 axes, the graph has 2$"):
        node_sizes(g, (7, 7, 7))
