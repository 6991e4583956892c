"""Path-count limits that fit densely connected networks: a float64 pass bounds the largest count, so
int64 is used wherever it provably suffices, and Python integers only for the nodes that need them."""

from __future__ import annotations

import numpy as np
import pytest

from kronconv.errors import TooLarge
from kronconv.graph import numeric_check, unit_graph
from kronconv.graph.lattice import estimate
from kronconv.netgraph import NetGraph, NetNode
from kronconv.spec import Conv, chain


def _dense_block(layers: int) -> NetGraph:
    """DenseNet-style: every 3-tap convolution reads the concatenation of the input and all earlier outputs."""
    nodes = [NetNode("x", "input")]
    feats = ["x"]
    ch = 1
    for i in range(layers):
        src = feats[0]
        if len(feats) > 1:
            src = f"cat{i}"
            nodes.append(NetNode(src, "concat", tuple(feats)))
        nodes.append(NetNode(f"c{i}", "conv", (src,), Conv(3, padding=1, in_channels=ch, out_channels=1, dims=1)))
        feats.append(f"c{i}")
        ch += 1
    nodes.append(NetNode("out", "concat", tuple(feats)))
    return NetGraph.build(nodes, dims=1)


def test_dense_block_beyond_the_path_bound_runs_exactly_in_int64():
    g = _dense_block(32)
    est = estimate(g)
    assert est.path_bound > 2**62  # the old rule would have needed Python integers (and refused the work)
    ug = unit_graph(g)
    counts = ug.input.counts
    assert counts.dtype == np.int64
    biggest = int(counts.max())
    assert 2**40 < biggest < 2**62
    assert numeric_check(ug).agrees is True  # an independent forward computation, exact
    # exact totals: every one of the 2**32 layer-level paths carries 3**(convs on it) tap paths, and
    # summing over subsets of 32 layers gives (1 + 3)**32 paths in all
    assert ug.summary().total_paths == 4**32


def test_python_integers_only_where_counts_need_them():
    # 70 two-tap layers: C(70, x) reaches 2**66 at the input, while the last layers' counts are tiny
    ug = unit_graph(chain(kernel=2, layers=70, dims=1))
    assert ug.levels[0].counts.dtype == object and ug.levels[-1].counts.dtype == np.int64
    from math import comb

    assert [int(v) for v in ug.input.counts] == [comb(70, x) for x in range(71)]


def test_python_integer_work_is_still_limited():
    from kronconv.graph import lattice

    net = chain(kernel=2, layers=70, dims=1)
    old = lattice.MAX_OBJECT_WORK
    try:
        from kronconv.graph import cone

        cone.MAX_OBJECT_WORK = 10
        with pytest.raises(TooLarge, match=r"path counts reach about 2\*\*6[0-9] > 2\*\*62 .* MAX_OBJECT_WORK=10"):
            unit_graph(net)
    finally:
        cone.MAX_OBJECT_WORK = old
