"""Graph spec files: the order of the ``nodes`` list does not matter (nodes are read in dependency
order), and malformed node entries are refused with the offending key or value named."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.errors import InvalidSpec
from kronconv.netgraph import graph_from_dict


def _spec_nodes() -> list[dict[str, Any]]:
    """Every op, in dependency order; channels change along the way (conv, convt, select, concat)."""
    return [
        {"id": "x", "op": "input", "channels": 2},
        {"id": "c1", "op": "conv", "inputs": ["x"], "kernel": 3, "out_channels": 4},
        {"id": "c2", "op": "conv", "inputs": ["x"], "kernel": 1, "dilation": 1, "out_channels": 4},
        {"id": "sum", "op": "add", "inputs": ["c1", "c2"]},
        {"id": "s", "op": "select", "inputs": ["sum"], "channels": 3},
        {"id": "p", "op": "pool", "inputs": ["s"], "kernel": 2},
        {"id": "t", "op": "convt", "inputs": ["p"], "kernel": 2, "stride": 2, "out_channels": 5},
        {"id": "u", "op": "upsample", "inputs": ["x"], "scale": 1},
        {"id": "cat", "op": "concat", "inputs": ["t", "u"]},
        {"id": "out", "op": "conv", "inputs": ["cat"], "kernel": 1, "out_channels": 1},
    ]


def _summary(data: dict[str, Any]) -> list[tuple[Any, ...]]:
    g = graph_from_dict(data)
    return sorted((n.id, n.op, n.inputs, repr(n.layer), ch) for n, ch in zip(g.nodes, g.channels))


def test_reference_graph_channels() -> None:
    g = graph_from_dict({"dims": 1, "nodes": _spec_nodes()})
    chans = dict(zip((n.id for n in g.nodes), g.channels))
    # input 2; convs to 4; add keeps 4; select 3; pool keeps 3; convt to 5; upsample keeps 2; concat 7; head 1
    assert chans == {"x": 2, "c1": 4, "c2": 4, "sum": 4, "s": 3, "p": 3, "t": 5, "u": 2, "cat": 7, "out": 1}
    assert g.node("t").layer.in_channels == 3
    assert g.node("out").layer.in_channels == 7


@settings(max_examples=40, deadline=None)
@given(st.permutations(range(10)))
def test_node_order_in_the_spec_does_not_change_the_graph(perm: list[int]) -> None:
    nodes = _spec_nodes()
    shuffled = [nodes[i] for i in perm]
    assert _summary({"dims": 1, "nodes": shuffled}) == _summary({"dims": 1, "nodes": nodes})


@pytest.mark.parametrize("first", ["u", "t", "cat", "sum", "c1", "p"])
def test_a_node_listed_before_its_inputs_is_read(first: str) -> None:
    nodes = _spec_nodes()
    moved = [n for n in nodes if n["id"] == first] + [n for n in nodes if n["id"] != first]
    assert _summary({"dims": 1, "nodes": moved}) == _summary({"dims": 1, "nodes": nodes})


def test_inputs_given_as_a_string_are_refused() -> None:
    data = {"dims": 1, "nodes": [{"id": "x", "op": "input"}, {"id": "c", "op": "conv", "inputs": "x", "kernel": 3}]}
    with pytest.raises(InvalidSpec) as exc:
        graph_from_dict(data)
    assert str(exc.value) == "spec: nodes[1]: inputs must be a list of node ids, got 'x'"


def test_unknown_key_on_a_global_node_lists_the_allowed_keys() -> None:
    data = {"dims": 1, "nodes": [{"id": "x", "op": "input"},
                                 {"id": "g", "op": "global", "inputs": ["x"], "kernel": 3}]}
    with pytest.raises(InvalidSpec) as exc:
        graph_from_dict(data)
    assert str(exc.value) == ("spec: nodes[1]: node 'g': unknown key(s) ['kernel']; allowed for 'global': "
                              "['id', 'inputs', 'mode', 'name', 'op']")


@pytest.mark.parametrize("op", ["input", "add", "concat", "select"])
def test_layer_key_on_a_layerless_node_is_refused(op: str) -> None:
    node: dict[str, Any] = {"id": "n", "op": op, "kernel": 3}
    if op == "input":
        nodes = [node, {"id": "c", "op": "conv", "inputs": ["n"], "kernel": 3}]
        idx = 0
    else:
        node["inputs"] = ["x"] if op == "select" else ["c1", "c2"]
        if op == "select":
            node["channels"] = 1
        nodes = [{"id": "x", "op": "input"},
                 {"id": "c1", "op": "conv", "inputs": ["x"], "kernel": 3},
                 {"id": "c2", "op": "conv", "inputs": ["x"], "kernel": 1}, node]
        idx = 3
    with pytest.raises(InvalidSpec) as exc:
        graph_from_dict({"dims": 1, "nodes": nodes})
    assert str(exc.value) == (f"spec: nodes[{idx}]: node 'n': unknown key(s) ['kernel']; "
                              "allowed: ['channels', 'id', 'inputs', 'op']")


def _spec(*nodes: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"dims": 1, **top, "nodes": [{"id": "x", "op": "input"}, *nodes]}


@pytest.mark.parametrize(("data", "message"), [
    (_spec({"id": "c", "op": "conv", "inputs": ["q"], "kernel": 3}), "spec: nodes[1]: unknown input 'q'"),
    (_spec({"id": "c", "op": "conv", "inputs": ["x", "x2"], "kernel": 3}, ),
     "spec: nodes[1]: unknown input 'x2'"),
    (_spec({"id": "y", "op": "conv", "inputs": ["x"], "kernel": 1},
           {"id": "c", "op": "pool", "inputs": ["x", "y"], "kernel": 3}),
     "spec: nodes[2]: node 'c': op 'pool' needs exactly 1 input, got 2"),
    (_spec({"id": "c", "op": "conv", "kernel": 3}), "spec: nodes[1]: node 'c': op 'conv' needs exactly 1 input, got 0"),
    (_spec({"id": "u", "op": "upsample", "inputs": []}), "spec: nodes[1]: node 'u': op 'upsample' needs exactly 1 input, got 0"),
    (_spec({"id": "c", "op": "conv", "inputs": ["x"], "kernel": 3, "channels": 2}),
     "spec: nodes[1]: node 'c': key 'channels' is only for the input node"),
    (_spec({"id": "a", "op": "conv", "inputs": ["x"], "kernel": 3},
           {"id": "m", "op": "add", "inputs": ["x", "a"], "channels": 2}),
     "spec: nodes[2]: node 'm': key 'channels' is only for the input and select nodes"),
    (_spec({"id": "s", "op": "select", "inputs": ["x"]}),
     "spec: nodes[1]: node 's': op 'select' needs 'channels' (how many it keeps)"),
    (_spec({"id": "t", "op": "convt", "inputs": ["x"], "stride": 2}), "spec: nodes[1]: node 't' needs a 'kernel'"),
    (_spec({"id": "c", "op": "conv", "inputs": ["x"], "kernel": 3}, output=3),
     "spec: 'output' must be a node id string, got 3"),
    (_spec({"id": "c", "op": "conv", "inputs": ["x"], "kernel": 3}, name=5),
     "spec: 'name' and 'description' must be strings"),
    (_spec({"id": "y", "op": "input"}, {"id": "m", "op": "add", "inputs": ["x", "y"]}),
     "spec: a graph needs exactly 1 'input' node, got 2 ['x', 'y']"),
    (_spec({"id": "c", "op": "conv", "inputs": ["x"], "kernel": 3}, align="middle"),
     "spec: align must be one of centre, end, start, got 'middle'"),
    (_spec({"id": "a", "op": "add", "inputs": ["x", "b"]}, {"id": "b", "op": "conv", "inputs": ["a"], "kernel": 1}),
     "spec: the graph has a cycle through node 'a'"),
])
def test_bad_graph_specs_name_the_fault(data: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidSpec) as exc:
        graph_from_dict(data)
    assert str(exc.value) == message


def test_channels_follow_input_add_select_and_concat() -> None:
    g = graph_from_dict(_spec({"id": "a", "op": "conv", "inputs": ["x"], "kernel": 1, "out_channels": 3},
                              {"id": "s", "op": "select", "inputs": ["a"], "channels": 2},
                              {"id": "b", "op": "conv", "inputs": ["s"], "kernel": 1, "out_channels": 3},
                              {"id": "m", "op": "add", "inputs": ["a", "b"]},
                              {"id": "cat", "op": "concat", "inputs": ["m", "s", "x"]},
                              {"id": "out", "op": "conv", "inputs": ["cat"], "kernel": 1},
                              in_channels=4))
    chans = dict(zip((n.id for n in g.nodes), g.channels))
    assert chans == {"x": 4, "a": 3, "s": 2, "b": 3, "m": 3, "cat": 3 + 2 + 4, "out": 9}
    assert g.node("a").layer.in_channels == 4
    assert g.node("b").layer.in_channels == 2
    assert g.node("out").layer.in_channels == 9


def test_graph_spec_nesting_limit() -> None:
    def nested(levels: int) -> Any:  # ``levels`` tables, each inside the previous, under one node
        table: Any = {"x": 1}
        for _ in range(levels - 1):
            table = {"x": table}
        return table

    # top table, the nodes list and a node table are levels 1-3: a node key holding 5 more tables is level 8
    at_limit = _spec({"id": "c", "op": "conv", "inputs": ["x"], "kernel": 3, "name": nested(5)})
    with pytest.raises(InvalidSpec) as exc:
        graph_from_dict(at_limit)
    assert "nesting" not in str(exc.value)
    too_deep = _spec({"id": "c", "op": "conv", "inputs": ["x"], "kernel": 3, "name": nested(6)})
    with pytest.raises(InvalidSpec, match=r"^spec: nesting deeper than 8 levels is not allowed$"):
        graph_from_dict(too_deep)
