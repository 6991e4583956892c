"""Every level of a dependency cone equals a brute-force backward walk over ``(node, position)`` pairs.

The reference walks the network backwards from the output unit(s) with Python
dictionaries and Python integers: unit ``u`` of a layer reads ``u s - p + t d``
for every tap ``t``, ``add`` / ``concat`` / ``select`` pass counts on per input,
and on a bounded grid a position outside ``[0, n)`` is dropped (zero padding,
and always for pooling) or mapped by a :func:`numpy.pad` index map (``wrap``,
``reflect``, ``edge``).  No lattices, boxes, dtypes or arrays: whatever the
cone code does to save memory must not change a single count, at any level,
for chains and branching graphs alike.  The explicit networkx graph, the
summary statistics, the work estimate and the numeric cross-check are checked
against the same reference.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections import defaultdict
from fractions import Fraction
from functools import cache

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kronconv.errors import InvalidArgument
from kronconv.graph import (
    estimate,
    graph_path_counts,
    numeric_check,
    numeric_path_counts,
    unit_graph,
)
from kronconv.netgraph import NetGraph, NetNode
from kronconv.spec import Conv, Network, Pool, chain

MODES = ["zeros", "circular", "reflect", "replicate"]

# --------------------------------------------------------------------------- networks


@st.composite
def branching_graphs(draw, dims: int = 1, max_nodes: int = 5, same_size: bool = False) -> NetGraph:
    """A random DAG of conv / pool / add / concat / select nodes (``same_size``: size-preserving layers)."""
    nodes = [NetNode("x", "input")]
    chans = {"x": 1}
    ids = ["x"]
    n_ops = draw(st.integers(1, max_nodes))
    for i in range(n_ops):
        kind = draw(st.sampled_from(["conv", "conv", "pool", "add", "concat", "select"]))
        nid = f"n{i}"
        if kind in ("add", "concat") and len(ids) >= 2:
            srcs = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=3, unique=True))
            if kind == "add":
                srcs = [s for s in srcs if chans[s] == chans[srcs[0]]]
            if len(srcs) >= 2:
                nodes.append(NetNode(nid, kind, tuple(srcs)))
                chans[nid] = chans[srcs[0]] if kind == "add" else sum(chans[s] for s in srcs)
                ids.append(nid)
                continue
            kind = "conv"
        src = draw(st.sampled_from(ids))
        if kind == "select":
            nodes.append(NetNode(nid, "select", (src,), channels=1))
            chans[nid] = 1
        elif kind == "pool":
            k = draw(st.integers(1, 3))
            if same_size:
                k |= 1
                layer = Pool(k, stride=1, padding=k // 2, dims=dims)
            else:
                layer = Pool(k, stride=draw(st.integers(1, 2)), padding=draw(st.integers(0, k // 2)), dims=dims)
            nodes.append(NetNode(nid, "pool", (src,), layer))
            chans[nid] = chans[src]
        else:
            k = tuple(draw(st.integers(1, 3)) for _ in range(dims))
            d = tuple(draw(st.integers(1, 3)) for _ in range(dims))
            if same_size:
                k = tuple(v | 1 for v in k)
                s = (1,) * dims
                p = tuple(dd * (kk - 1) // 2 for kk, dd in zip(k, d))
            else:
                s = tuple(draw(st.integers(1, 2)) for _ in range(dims))
                p = tuple(draw(st.integers(0, 2)) for _ in range(dims))
            layer = Conv(k, dilation=d, stride=s, padding=p, in_channels=chans[src], out_channels=1, dims=dims)
            nodes.append(NetNode(nid, "conv", (src,), layer))
            chans[nid] = 1
        ids.append(nid)
    return NetGraph.build(nodes, dims=dims, output=ids[-1])


@st.composite
def chains(draw, dims: int = 1, max_layers: int = 4):
    """A random chain of convolutions and poolings as a NetGraph."""
    n = draw(st.integers(1, max_layers))
    layers = []
    for _ in range(n):
        if draw(st.integers(0, 4)) == 0:
            k = draw(st.integers(1, 3))
            layers.append(Pool(k, stride=draw(st.integers(1, 3)), padding=draw(st.integers(0, k // 2)), dims=dims))
        else:
            layers.append(Conv(tuple(draw(st.integers(1, 3)) for _ in range(dims)),
                               dilation=tuple(draw(st.integers(1, 4)) for _ in range(dims)),
                               stride=tuple(draw(st.integers(1, 3)) for _ in range(dims)),
                               padding=tuple(draw(st.integers(0, 3)) for _ in range(dims)), dims=dims))
    return chain_graph(layers, dims)


def chain_graph(layers, dims: int) -> NetGraph:
    nodes = [NetNode("x", "input")]
    prev = "x"
    for i, lay in enumerate(layers):
        nodes.append(NetNode(f"l{i}", "pool" if isinstance(lay, Pool) else "conv", (prev,), lay))
        prev = f"l{i}"
    return NetGraph.build(nodes, dims=dims)


# --------------------------------------------------------------------------- the reference


@cache
def _index_map(n: int, mode: str) -> np.ndarray:
    big = 400
    idx = np.arange(n)
    if mode == "zeros":
        return np.pad(idx, (big, big), mode="constant", constant_values=-1)
    return np.pad(idx, (big, big), mode={"circular": "wrap", "reflect": "reflect", "replicate": "edge"}[mode])



def _reads(g, node, u, src, sizes, mode):
    """Each tap ``t`` of ``node``'s layer at unit ``u`` and the position ``x`` of ``src`` it reads (taps
    reading zero padding on a bounded grid left out)."""
    lay = node.layer
    m = "zeros" if isinstance(lay, Pool) else mode
    for t in itertools.product(*(range(k) for k in lay.kernel)):
        x = tuple(u[a] * lay.stride[a] - lay.padding[a] + t[a] * lay.dilation[a] for a in range(g.dims))
        if sizes is not None:
            x = tuple(int(_index_map(sizes[src][a], m)[x[a] + 400]) for a in range(g.dims))
            if min(x) < 0:
                continue
        yield t, x


def node_sizes(g: NetGraph, n_in: tuple[int, ...]) -> list[tuple[int, ...]] | None:
    """Grid size of every node (``None`` when a layer does not fit or a merge's sizes differ)."""
    sizes: list[tuple[int, ...]] = []
    for node in g.nodes:
        if node.op == "input":
            sizes.append(n_in)
        elif node.layer is not None:
            lay, m = node.layer, sizes[g.index(node.inputs[0])]
            out = tuple((m[a] + 2 * lay.padding[a] - lay.dilation[a] * (lay.kernel[a] - 1) - 1) // lay.stride[a] + 1
                        for a in range(g.dims))
            if min(out) < 1:
                return None
            sizes.append(out)
        else:
            got = {sizes[g.index(s)] for s in node.inputs}
            if len(got) != 1:
                return None
            sizes.append(got.pop())
    return sizes


def brute_force(g: NetGraph, unit, window, sizes=None, mode: str = "zeros") -> list[dict[tuple[int, ...], int]]:
    """Paths from every ``(node, position)`` to the output window, by walking the graph backwards."""
    n = len(g.nodes)
    counts: list[dict[tuple[int, ...], int]] = [defaultdict(int) for _ in range(n)]
    for w in itertools.product(*(range(v) for v in window)):
        counts[-1][tuple(u + x for u, x in zip(unit, w))] += 1
    for i in range(n - 1, 0, -1):
        node = g.nodes[i]
        for src_id in node.inputs:
            src = g.index(src_id)
            for u, c in list(counts[i].items()):
                if node.layer is None:
                    counts[src][u] += c
                    continue
                for _, x in _reads(g, node, u, src, sizes, mode):
                    counts[src][x] += c
    return [{p: c for p, c in d.items() if c} for d in counts]


def level_dict(lev) -> dict[tuple[int, ...], int]:
    return {} if lev is None else dict(lev.positions())


def assert_cone_equals_reference(ug, ref) -> None:
    for i, (lev, want) in enumerate(zip(ug.levels, ref)):
        assert level_dict(lev) == want, f"level {i}"
        if lev is not None:  # the array's positions carry the right Python-int values (no overflow)
            assert all(isinstance(c, int) for c in level_dict(lev).values())


# --------------------------------------------------------------------------- cones


@settings(max_examples=60, deadline=None)
@given(branching_graphs(dims=1), st.integers(1, 3), st.integers(-3, 3))
def test_every_level_equals_the_brute_force_walk_1d(g, window, unit):
    ug = unit_graph(g, unit=unit, window=window)
    ref = brute_force(g, (unit,), (window,))
    assert_cone_equals_reference(ug, ref)


@settings(max_examples=30, deadline=None)
@given(branching_graphs(dims=2, max_nodes=4), st.tuples(st.integers(1, 2), st.integers(1, 2)))
def test_every_level_equals_the_brute_force_walk_2d(g, window):
    ug = unit_graph(g, unit=(1, -2), window=window)
    assert_cone_equals_reference(ug, brute_force(g, (1, -2), window))


@settings(max_examples=60, deadline=None)
@given(st.one_of(branching_graphs(dims=1, same_size=True), chains(dims=1)), st.integers(3, 11),
       st.sampled_from(MODES), st.integers(1, 2), st.data())
def test_bounded_levels_equal_the_brute_force_walk_1d(g, n, mode, window, data):
    sizes = node_sizes(g, (n,))
    assume(sizes is not None and sizes[-1][0] >= window)
    unit = data.draw(st.integers(0, sizes[-1][0] - window))
    ug = unit_graph(g, unit=unit, window=window, input_size=n, padding_mode=mode)
    assert_cone_equals_reference(ug, brute_force(g, (unit,), (window,), sizes, mode))
    # the default unit is the centred window
    centred = unit_graph(g, window=window, input_size=n, padding_mode=mode)
    assert centred.unit == ((sizes[-1][0] - window) // 2,)


@settings(max_examples=30, deadline=None)
@given(st.one_of(branching_graphs(dims=2, max_nodes=3, same_size=True), chains(dims=2, max_layers=2)),
       st.sampled_from(MODES), st.data())
def test_bounded_levels_equal_the_brute_force_walk_2d(g, mode, data):
    n_in = (6, 5)
    sizes = node_sizes(g, n_in)
    assume(sizes is not None)
    unit = tuple(data.draw(st.integers(0, m - 1)) for m in sizes[-1])
    ug = unit_graph(g, unit=unit, input_size=n_in, padding_mode=mode)
    assert_cone_equals_reference(ug, brute_force(g, unit, (1, 1), sizes, mode))


@pytest.mark.parametrize("layers", [62, 63, 64, 70])
def test_counts_near_and_beyond_int64_are_exact_at_every_level(layers):
    # 2-tap layers: level l holds binomial(layers - l, x); the input level crosses 2**62 from 63 layers on
    g = chain_graph([Conv(2, dims=1)] * layers, 1)
    ug = unit_graph(g)
    for lev in ug.levels:
        m = layers - lev.index
        assert level_dict(lev) == {(x,): math.comb(m, x) for x in range(m + 1)}
    assert ug.summary().total_paths == 2**layers
    assert ug.summary().max_paths == math.comb(layers, layers // 2)


def test_dense_block_counts_beyond_the_path_bound_are_exact_at_every_level():
    # every conv reads the concatenation of the input and all earlier outputs: counts near 2**50 in int64
    nodes = [NetNode("x", "input")]
    feats = ["x"]
    for i in range(24):
        src = feats[0] if len(feats) == 1 else f"cat{i}"
        if len(feats) > 1:
            nodes.append(NetNode(src, "concat", tuple(feats)))
        nodes.append(NetNode(f"c{i}", "conv", (src,), Conv(3, padding=1, in_channels=len(feats), dims=1)))
        feats.append(f"c{i}")
    nodes.append(NetNode("out", "concat", tuple(feats)))
    g = NetGraph.build(nodes, dims=1)
    ug = unit_graph(g)
    assert_cone_equals_reference(ug, brute_force(g, (0,), (1,)))
    assert ug.summary().total_paths == 4**24


# --------------------------------------------------------------------------- the arrays are tight


@settings(max_examples=60, deadline=None)
@given(branching_graphs(dims=2, max_nodes=4), st.tuples(st.integers(1, 2), st.integers(1, 3)))
def test_cone_arrays_are_the_smallest_lattice_boxes_of_their_positions(g, window):
    # on an unbounded grid every end of a box is reached, and the lattice step of an axis is the gcd of the
    # differences of the reached positions: no cell is spent on a position no path can reach
    ug = unit_graph(g, window=window)
    est = estimate(g, window=window)
    for lev, cells in zip(ug.levels, est.cells):
        if lev is None:
            assert cells == 0
            continue
        assert lev.counts.size == cells
        pos = np.array([p for p, _ in lev.positions()])
        for a in range(g.dims):
            lo, hi = int(pos[:, a].min()), int(pos[:, a].max())
            assert lev.origin[a] == lo
            assert lev.origin[a] + lev.step[a] * (lev.counts.shape[a] - 1) == hi
            if hi > lo:
                assert lev.step[a] == math.gcd(*(int(v) - lo for v in pos[:, a]))


@settings(max_examples=40, deadline=None)
@given(st.one_of(branching_graphs(dims=1, same_size=True), chains(dims=1)), st.integers(3, 9), st.sampled_from(MODES),
       st.data())
def test_estimate_cells_equal_the_built_arrays_on_a_bounded_grid(g, n, mode, data):
    sizes = node_sizes(g, (n,))
    assume(sizes is not None)
    unit = data.draw(st.integers(0, sizes[-1][0] - 1))
    ug = unit_graph(g, unit=unit, input_size=n, padding_mode=mode)
    est = estimate(g, unit=unit, input_size=n, padding_mode=mode)
    assert est.cells == tuple(0 if lev is None else lev.counts.size for lev in ug.levels)
    assert est.work == sum(c * (math.prod(node.layer.kernel) if node.layer is not None else 1)
                           for c, node in zip(est.cells, g.nodes))
    biggest = max(max(level_dict(lev).values(), default=0) for lev in ug.levels)
    assert biggest <= est.path_bound
    assert est.edges >= ug.edge_count()
    # every level is stored at once, so the peak holds at least all of them
    assert est.peak_cells >= sum(est.cells)
    lean = estimate(g, unit=unit, input_size=n, padding_mode=mode, keep_levels=False)
    assert max(est.cells) <= lean.peak_cells <= est.peak_cells


# --------------------------------------------------------------------------- explicit graph, summary, numeric


def reference_edges(g: NetGraph, ref, sizes=None, mode="zeros"):
    """``{(source node, target node): (taps, op)}`` of the explicit graph, from the reference counts."""
    edges: dict = {}
    for i in range(1, len(g.nodes)):
        node = g.nodes[i]
        for u in sorted(ref[i]):
            for src_id in node.inputs:
                src = g.index(src_id)
                if node.layer is None:
                    edges[((src, u), (i, u))] = ([], node.op)
                    continue
                for t, x in _reads(g, node, u, src, sizes, mode):
                    edges.setdefault(((src, x), (i, u)), ([], node.op))[0].append(t)
    return edges


@settings(max_examples=40, deadline=None)
@given(st.one_of(branching_graphs(dims=1, same_size=True), chains(dims=1)), st.one_of(st.none(), st.integers(3, 8)),
       st.sampled_from(MODES))
def test_explicit_graph_equals_the_reference_nodes_and_edges(g, n, mode):
    sizes = None if n is None else node_sizes(g, (n,))
    assume(n is None or sizes is not None)
    ug = unit_graph(g, input_size=n, padding_mode=mode)
    unit = ug.unit
    ref = brute_force(g, unit, (1,), sizes, mode)
    G = ug.to_networkx()
    want_nodes = {(i, p): c for i, d in enumerate(ref) for p, c in d.items()}
    assert {v: d["paths"] for v, d in G.nodes(data=True)} == want_nodes
    assert {v for v, d in G.nodes(data=True) if d["output"]} == {(len(g.nodes) - 1, unit)}
    assert all(d["level"] == v[0] and d["position"] == v[1] and d["node"] == g.nodes[v[0]].id
               for v, d in G.nodes(data=True))
    want = reference_edges(g, ref, sizes, mode)
    got = {(a, b): (d["taps"], d["op"]) for a, b, d in G.edges(data=True)}
    assert got == want
    assert all(d["multiplicity"] == len(d["taps"]) or (d["taps"] == [] and d["multiplicity"] == 1)
               for _, _, d in G.edges(data=True))
    assert graph_path_counts(G) == want_nodes
    # edge_count counts (unit, tap) pairs before folding and dropping
    assert ug.edge_count() == sum(len(ref[i]) * (math.prod(node.layer.kernel) if node.layer is not None
                                                 else len(node.inputs)) for i, node in enumerate(g.nodes))
    if n is None:  # nothing dropped or folded: one tap, one edge
        assert sum(d["multiplicity"] for _, _, d in G.edges(data=True)) == ug.edge_count()


@settings(max_examples=40, deadline=None)
@given(branching_graphs(dims=2, max_nodes=4), st.tuples(st.integers(1, 2), st.integers(1, 2)))
def test_summary_equals_statistics_of_the_reference_field(g, window):
    ug = unit_graph(g, window=window)
    ref = brute_force(g, (0, 0), window)[0]
    s = ug.summary()
    pos = np.array(sorted(ref))
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    shape = tuple(int(v) for v in hi - lo + 1)
    dense = np.zeros(shape, dtype=object)
    for p, c in ref.items():
        dense[tuple(int(v) for v in np.subtract(p, lo))] = c
    origin, counts = ug.path_counts()
    assert origin == tuple(int(v) for v in lo) and np.array_equal(counts, dense)
    assert s.receptive_field == shape
    assert s.bbox == tuple((int(a), int(b)) for a, b in zip(lo, hi))
    assert s.reached == len(ref) and s.holes == dense.size - len(ref)
    zeros = [tuple(int(v) for v in np.add(idx, lo)) for idx in np.argwhere(dense == 0)]
    assert list(s.hole_positions) == zeros[:64]
    assert s.coverage == Fraction(len(ref), dense.size)
    assert s.max_paths == max(ref.values()) and s.total_paths == sum(ref.values())
    assert s.centre_paths == dense[tuple((n - 1) // 2 for n in shape)]
    w = dense.astype(float)
    for a in range(2):
        marg = w.sum(axis=1 - a)
        x = np.arange(len(marg)) + lo[a]
        mean = float(np.average(x, weights=marg))
        assert s.mean[a] == pytest.approx(mean, abs=1e-9)
        assert s.spread[a] == pytest.approx(math.sqrt(float(np.average((x - mean) ** 2, weights=marg))), abs=1e-7)
        assert s.spread_uniform[a] == pytest.approx(float(np.std(np.arange(shape[a]))), abs=1e-12)
    assert s.single_path == (set(ref.values()) == {1} and s.holes == 0)


@settings(max_examples=40, deadline=None)
@given(st.one_of(branching_graphs(dims=2, max_nodes=4, same_size=True), branching_graphs(dims=2, max_nodes=4)),
       st.sampled_from([None, 7]), st.sampled_from(MODES), st.data())
def test_numeric_path_counts_equal_the_reference_and_a_forged_count_is_caught(g, n, mode, data):
    sizes = None if n is None else node_sizes(g, (n, n))
    assume(n is None or sizes is not None)
    ug = unit_graph(g, input_size=n, padding_mode=mode)
    ref = brute_force(g, ug.unit, (1, 1), sizes, mode)[0]
    origin, counts = numeric_path_counts(g, unit=ug.unit, input_size=n, padding_mode=mode)
    got = {tuple(int(o + i) for o, i in zip(origin, idx)): int(counts[idx]) for idx in zip(*np.nonzero(counts))}
    assert got == ref
    assert numeric_check(ug) .agrees is True
    lev = ug.input
    assume(lev is not None)
    forged = lev.counts.copy()
    idx = tuple(data.draw(st.integers(0, m - 1)) for m in forged.shape)
    forged[idx] += data.draw(st.sampled_from([1, -1])) if forged[idx] else 1
    bad = dataclasses.replace(ug, levels=(dataclasses.replace(lev, counts=forged),) + ug.levels[1:])
    res = numeric_check(bad)
    assert res.ran is True and res.agrees is False and res.reason


def test_bounded_merge_of_unequal_sizes_is_refused_naming_the_sizes():
    nodes = [NetNode("x", "input"), NetNode("a", "conv", ("x",), Conv(3, dims=1)),
             NetNode("m", "add", ("x", "a"))]
    g = NetGraph.build(nodes, dims=1)
    with pytest.raises(InvalidArgument, match=r"node 'm' \(add\) needs inputs of equal spatial size, "
                                              r"got \{'x': \[8\], 'a': \[6\]\}"):
        unit_graph(g, input_size=8)


@pytest.mark.parametrize("mode", ["circular", "reflect", "replicate"])
@pytest.mark.parametrize("unit", range(6))
def test_estimate_of_a_merge_of_folded_and_direct_paths_equals_the_built_arrays(mode, unit):
    # x feeds the add directly (one position) and through a padded 3-tap conv; at the units 0 and 5 of
    # the 6-unit output a tap falls off the grid and folds back, so x's array is the whole 6-cell grid;
    # elsewhere it is the 3 positions read
    g = NetGraph.build([NetNode("x", "input"), NetNode("a", "conv", ("x",), Conv(3, padding=1, dims=1)),
                        NetNode("m", "add", ("x", "a"))], dims=1)
    ug = unit_graph(g, unit=unit, input_size=6, padding_mode=mode)
    want = (6 if unit in (0, 5) else 3, 1, 1)
    assert estimate(g, unit=unit, input_size=6, padding_mode=mode).cells == want
    assert tuple(lev.counts.size for lev in ug.levels) == want
    assert_cone_equals_reference(ug, brute_force(g, (unit,), (1,), node_sizes(g, (6,)), mode))


@pytest.mark.parametrize("unit, cells", [(0, 2), (1, 3), (6, 3), (7, 2)])
def test_zero_padding_clips_the_box_at_either_edge_of_the_grid(unit, cells):
    # a 3-tap conv with padding 1 on 8 inputs: the first and last units read one padding position
    net = chain(kernel=3, paddings=[1], dims=1)
    ug = unit_graph(net, unit=unit, input_size=8)
    assert estimate(net, unit=unit, input_size=8).cells == (cells, 1)
    assert ug.input.counts.size == cells
    assert level_dict(ug.input) == {(x,): 1 for x in range(unit - 1, unit + 2) if 0 <= x < 8}


@pytest.mark.parametrize("left, right", [
    (None, Conv(3, dilation=2, padding=1, dims=1)),  # the shortcut sits between the conv's lattice points
    (Conv(2, dilation=2, dims=1), Conv(2, dilation=3, dims=1)),  # lattices 2Z and 3Z merge into Z
    (Conv(3, dilation=4, padding=2, dims=1), Conv(2, dilation=6, padding=1, dims=1)),  # 4Z - 2 and 6Z - 1
    (Conv(3, dilation=2, dims=1), Conv(3, dilation=2, padding=1, dims=1)),  # 2Z and 2Z - 1
])
def test_a_merge_of_different_lattices_keeps_every_position(left, right):
    nodes = [NetNode("x", "input")]
    ins = []
    for name, lay in (("l", left), ("r", right)):
        if lay is None:
            ins.append("x")
        else:
            nodes.append(NetNode(name, "conv", ("x",), lay))
            ins.append(name)
    nodes.append(NetNode("m", "add", tuple(ins)))
    g = NetGraph.build(nodes, dims=1)
    ug = unit_graph(g)
    ref = brute_force(g, (0,), (1,))
    assert_cone_equals_reference(ug, ref)
    assert sum(ref[0].values()) == sum(1 if lay is None else lay.kernel[0] for lay in (left, right))
    assert estimate(g).cells[0] == ug.input.counts.size == max(ref[0])[0] - min(ref[0])[0] + 1


@pytest.mark.parametrize("unit, cells", [(0, (3, 2, 1)), (1, (4, 3, 1)), (7, (3, 2, 1))])
def test_a_clipped_box_feeds_the_next_layer_from_its_first_real_position(unit, cells):
    # two padded 3-tap convs on 8 inputs: the box of layer 1 starts at its first position inside the grid,
    # so the input box is the positions that position's taps read
    net = chain(kernel=3, paddings=[1], layers=2, dims=1)
    ug = unit_graph(net, unit=unit, input_size=8)
    assert estimate(net, unit=unit, input_size=8).cells == cells
    assert tuple(lev.counts.size for lev in ug.levels) == cells
    g = chain_graph(list(net.layers), 1)
    assert_cone_equals_reference(ug, brute_force(g, (unit,), (1,), node_sizes(g, (8,)), "zeros"))


def test_a_one_tap_layer_keeps_the_lattice_of_its_stride():
    # a 1-tap layer of stride 2 read by 2 units touches inputs 0 and 2 only: its dilation plays no part
    ug = unit_graph(Network((Conv(1, dilation=3, stride=2, dims=1),)), window=2)
    assert ug.input.step == (2,) and ug.input.counts.tolist() == [1, 1]
    assert estimate(Network((Conv(1, dilation=3, stride=2, dims=1),)), window=2).cells == (2, 2)
