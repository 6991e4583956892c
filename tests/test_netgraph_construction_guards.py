"""Branching graphs refuse malformed nodes and graphs with messages naming the fault, and a graph
constructed directly (not via ``NetGraph.build``) is validated and ordered exactly as ``build`` does."""

from __future__ import annotations

import pytest

from kronconv.errors import InvalidSpec
from kronconv.layers import ConvTranspose
from kronconv.netgraph import NetGraph, NetNode
from kronconv.spec import Conv, Pool


def test_layer_op_without_its_layer_type_is_refused() -> None:
    with pytest.raises(InvalidSpec, match=r"node 'c': op 'conv' needs a Conv layer"):
        NetNode("c", "conv", ("x",), None)
    with pytest.raises(InvalidSpec, match=r"node 'p': op 'pool' needs a Pool layer"):
        NetNode("p", "pool", ("x",), Conv(3, dims=1))
    with pytest.raises(InvalidSpec, match=r"node 't': op 'convt' needs a ConvTranspose layer"):
        NetNode("t", "convt", ("x",), Conv(3, dims=1))


def test_empty_node_list_is_refused_as_too_few_nodes() -> None:
    with pytest.raises(InvalidSpec, match=r"a graph needs at least 2 nodes \(an input and one operation\), got 0"):
        NetGraph.build([], dims=1)


def test_cycle_message_names_exactly_the_nodes_left_on_or_after_the_cycle() -> None:
    # x -> a <-> b, and b -> d: Kahn's order reaches x only; a, b and d keep an unmet input.
    nodes = [
        NetNode("x", "input"),
        NetNode("a", "add", ("x", "b")),
        NetNode("b", "conv", ("a",), Conv(3, dims=1)),
        NetNode("d", "conv", ("b",), Conv(1, dims=1)),
    ]
    with pytest.raises(InvalidSpec) as exc:
        NetGraph.build(nodes, dims=1)
    assert str(exc.value) == "the graph has a cycle through node(s) ['a', 'b', 'd']"


def test_in_channel_mismatch_names_the_feeding_node_and_its_channels() -> None:
    nodes = [NetNode("x", "input", channels=3), NetNode("c", "conv", ("x",), Conv(3, in_channels=4, dims=1))]
    with pytest.raises(InvalidSpec) as exc:
        NetGraph.build(nodes, dims=1)
    assert str(exc.value) == "node 'c' expects in_channels=4 but 'x' gives 3"
    tnodes = [NetNode("x", "input", channels=2),
              NetNode("t", "convt", ("x",), ConvTranspose(kernel=2, in_channels=5, out_channels=1, dims=1))]
    with pytest.raises(InvalidSpec, match=r"^node 't' expects in_channels=5 but 'x' gives 2$"):
        NetGraph.build(tnodes, dims=1)


def _shuffled_nodes() -> list[NetNode]:
    """A graph given sinks first, with a dead branch ``dead`` that does not lead to the output ``out``."""
    return [
        NetNode("out", "add", ("c1", "c2")),
        NetNode("dead", "pool", ("c1",), Pool(2, dims=1)),
        NetNode("c2", "conv", ("x",), Conv(3, in_channels=2, out_channels=5, dims=1)),
        NetNode("c1", "conv", ("x",), Conv(1, in_channels=2, out_channels=5, dims=1)),
        NetNode("x", "input", channels=2),
    ]


def test_direct_construction_orders_prunes_and_counts_channels_like_build() -> None:
    nodes = _shuffled_nodes()
    direct = NetGraph(tuple(nodes), "out", 1)
    built = NetGraph.build(nodes, dims=1, output="out")
    # topological order (input first), the dead pool left out and noted, channels per node
    assert [n.id for n in direct.nodes] == ["x", "c2", "c1", "out"]
    assert [n.id for n in direct.nodes] == [n.id for n in built.nodes]
    assert direct.notes == ("ignored 1 node(s) that do not lead to the output 'out': dead",)
    assert direct.notes == built.notes
    assert direct.channels == (2, 5, 5, 5)
    assert direct.input.id == "x"


def test_input_property_is_the_input_node_of_a_longer_graph() -> None:
    g = NetGraph.build(list(reversed(_shuffled_nodes())), dims=1, output="out")
    assert g.input.op == "input"
    assert g.input.id == "x"
    assert g.nodes[-1].id == "out"


def test_direct_construction_runs_the_build_checks() -> None:
    with pytest.raises(InvalidSpec, match=r"exactly 1 'input' node, got 0"):
        NetGraph((NetNode("c", "conv", ("c0",), Conv(3, dims=1)),), "c", 1)
