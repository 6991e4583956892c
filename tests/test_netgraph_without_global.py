"""``without_global`` drops the paths through global pooling: merges lose those inputs, convolutions
after a shrunken concatenation read the channels that remain, and a merge fed only by global paths
goes with them."""

from __future__ import annotations

import pytest

from kronconv.errors import InvalidSpec
from kronconv.layers import GlobalPool, Upsample
from kronconv.netgraph import NetGraph, NetNode, without_global
from kronconv.spec import Conv


def _gp_branch(src: str = "x") -> list[NetNode]:
    """A global pooling of ``src`` broadcast back to length 5."""
    return [NetNode("gp", "global", (src,), GlobalPool(dims=1)),
            NetNode("up", "upsample", ("gp",), Upsample(size=5, dims=1))]


def test_conv_after_a_concat_that_lost_its_global_branch_reads_the_remaining_channels() -> None:
    nodes = [
        NetNode("x", "input", channels=2),
        NetNode("c1", "conv", ("x",), Conv(1, in_channels=2, out_channels=3, dims=1)),
        NetNode("c2", "conv", ("x",), Conv(3, in_channels=2, out_channels=4, dims=1)),
        *_gp_branch(),
        NetNode("cat", "concat", ("c1", "c2", "up")),
        NetNode("head", "conv", ("cat",), Conv(1, in_channels=9, out_channels=1, dims=1)),
    ]
    g = NetGraph.build(nodes, dims=1)
    assert g.channels[-2:] == (3 + 4 + 2, 1)
    h, notes = without_global(g)
    assert [n.id for n in h.nodes] == ["x", "c1", "c2", "cat", "head"]
    assert h.node("cat").inputs == ("c1", "c2")
    # 3 + 4 channels remain in the concatenation; the head convolution is refitted to read them
    assert h.node("head").layer.in_channels == 7
    assert h.node("head").layer.kernel == (1,)
    assert h.node("c1").layer.in_channels == 2
    assert h.channels == (2, 3, 4, 7, 1)
    assert notes[-1] == ("left out 2 node(s) on paths through global pooling (they see the whole input): gp, up")


def test_grouped_conv_after_a_shrunken_concat_is_refused() -> None:
    nodes = [
        NetNode("x", "input", channels=2),
        NetNode("c1", "conv", ("x",), Conv(1, in_channels=2, out_channels=4, dims=1)),
        *_gp_branch(),
        NetNode("cat", "concat", ("c1", "up")),
        NetNode("head", "conv", ("cat",), Conv(1, in_channels=6, out_channels=2, groups=2, dims=1)),
    ]
    with pytest.raises(InvalidSpec, match=r"node 'head': leaving out the global-pooling branches changes its "
                                          r"input channels, and it is a grouped convolution"):
        without_global(NetGraph.build(nodes, dims=1))


def test_select_nodes_follow_their_input_in_or_out() -> None:
    nodes = [
        NetNode("x", "input", channels=4),
        NetNode("s", "select", ("x",), channels=3),
        *_gp_branch(),
        NetNode("gs", "select", ("up",), channels=2),
        NetNode("c", "conv", ("gs",), Conv(1, in_channels=2, out_channels=3, dims=1)),
        NetNode("sum", "add", ("s", "c")),
    ]
    h, notes = without_global(NetGraph.build(nodes, dims=1))
    assert [n.id for n in h.nodes] == ["x", "s"]
    assert h.output == "s"
    assert h.channels == (4, 3)
    assert notes[-1].endswith("(they see the whole input): c, gp, gs, up")


def test_a_merge_fed_only_by_global_paths_is_dropped_with_them() -> None:
    nodes = [
        NetNode("x", "input"),
        NetNode("c", "conv", ("x",), Conv(3, dims=1)),
        *_gp_branch(),
        NetNode("up2", "upsample", ("gp",), Upsample(size=5, dims=1)),
        NetNode("both", "add", ("up", "up2")),
        NetNode("cat", "concat", ("c", "both")),
    ]
    h, notes = without_global(NetGraph.build(nodes, dims=1))
    assert [n.id for n in h.nodes] == ["x", "c"]
    assert h.output == "c"
    assert notes[-1].endswith("(they see the whole input): both, gp, up, up2")


def test_graph_without_global_pooling_is_returned_unchanged() -> None:
    g = NetGraph.build([NetNode("x", "input"), NetNode("c", "conv", ("x",), Conv(3, dims=1)),
                        NetNode("s", "select", ("c",), channels=1)], dims=1)
    h, notes = without_global(g)
    assert h is g
    assert notes == ()
