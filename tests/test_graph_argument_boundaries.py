"""Argument ranges and resource limits of the unit-level graph, checked on both sides of every boundary.

Each limit is exercised at the largest accepted value and the smallest refused
one (the module-level ``MAX_*`` constants are lowered where the real limit
would cost too much), and each refusal must name the bad value or the limit.
Where a limit counts work, the count is recomputed here by hand from the
documented definition.
"""

from __future__ import annotations

import dataclasses
import re

import networkx as nx
import numpy as np
import pytest

from kronconv.errors import InvalidArgument, TooLarge
from kronconv.graph import (
    MAX_GRAPH_EDGES,
    MAX_WINDOW_UNITS,
    cone,
    estimate,
    hdc_for_network,
    hdc_rule,
    impulse,
    kronecker_single_path,
    lattice,
    numeric_check,
    numeric_path_counts,
    string_graph,
    to_dot,
    unit_graph,
    unitgraph,
)
from kronconv.netgraph import NetGraph, NetNode
from kronconv.spec import Conv, Network, chain

NET1 = chain(kernel=3, layers=2, dims=1)

# --------------------------------------------------------------------------- argument ranges


@pytest.mark.parametrize("kwargs", [
    {"unit": -(1 << 30)}, {"unit": 1 << 30}, {"unit": np.int64(5)},
    {"window": 1}, {"window": [2]}, {"input_size": 1 << 30, "unit": 7},
])
def test_largest_accepted_arguments(kwargs):
    ug = unit_graph(NET1, **kwargs)
    unit = int(kwargs.get("unit", 0))
    window = kwargs.get("window", 1)
    window = window[0] if isinstance(window, list) else window
    assert ug.unit == (unit,)
    # two 3-tap layers, no padding: units u .. u + window - 1 read inputs u .. u + 4 + window - 1
    assert ug.summary().bbox == ((unit, unit + 4 + window - 1),)


@pytest.mark.parametrize("kwargs, message", [
    ({"unit": -(1 << 30) - 1}, rf"unit entries must be integers in \[{-(1 << 30)}, {1 << 30}\], got -1073741825"),
    ({"unit": (1 << 30) + 1}, rf"unit entries must be integers in \[{-(1 << 30)}, {1 << 30}\], got 1073741825"),
    ({"unit": True}, r"unit entries must be integers .* got True"),
    ({"unit": 1.0}, r"unit entries must be integers .* got 1\.0"),
    ({"window": 0}, rf"window entries must be integers in \[1, {1 << 30}\], got 0"),
    ({"window": False}, r"window entries must be integers .* got False"),
    ({"input_size": 0}, rf"input_size entries must be integers in \[1, {1 << 30}\], got 0"),
    ({"input_size": (1 << 30) + 1}, r"input_size entries must be integers .* got 1073741825"),
    ({"window": [1, 1]}, r"window has 2 entries \[1, 1\], expected 1 or 1 \(one per axis\)"),
    ({"padding_mode": "wrap", "input_size": 9},
     r"padding_mode must be one of zeros, circular, reflect, replicate, got 'wrap'"),
    ({"padding_mode": "wrap"}, r"padding_mode must be one of"),
])
def test_smallest_refused_arguments(kwargs, message):
    with pytest.raises(InvalidArgument, match=message):
        unit_graph(NET1, **kwargs)
    with pytest.raises(InvalidArgument, match=message):
        estimate(NET1, **kwargs)


def test_a_pair_of_axes_accepts_one_or_two_entries():
    net = chain(kernel=3, layers=1, dims=2)
    assert unit_graph(net, window=2).window == (2, 2)
    assert unit_graph(net, window=[3]).window == (3, 3)
    assert unit_graph(net, window=(1, 2)).window == (1, 2)
    with pytest.raises(InvalidArgument, match=r"expected 1 or 2"):
        unit_graph(net, window=(1, 2, 3))


def test_window_units_limit_on_both_sides():
    net = chain(kernel=1, layers=1, dims=2)
    assert MAX_WINDOW_UNITS == 4096
    assert unit_graph(net, window=(64, 64)).summary().receptive_field == (64, 64)
    with pytest.raises(TooLarge, match=r"window \[64, 65\] has 4160 units; the limit is MAX_WINDOW_UNITS=4096"):
        unit_graph(net, window=(64, 65))
    assert unit_graph(chain(kernel=1, layers=1, dims=1), window=4096).summary().total_paths == 4096
    with pytest.raises(TooLarge, match="MAX_WINDOW_UNITS"):
        unit_graph(chain(kernel=1, layers=1, dims=1), window=4097)


def test_unit_range_on_a_bounded_grid_on_both_sides():
    # two 3-tap layers on 10 inputs: 6 outputs; a window of 2 starts at 0 .. 4
    for u in (0, 4):
        assert unit_graph(NET1, unit=u, window=2, input_size=10).unit == (u,)
    for u in (-1, 5):
        with pytest.raises(InvalidArgument, match=re.escape(
                f"unit [{u}] with window [2] lies outside the output grid [6] on axis 0: need 0 <= unit <= 4")):
            unit_graph(NET1, unit=u, window=2, input_size=10)
    # the whole output grid is one window: centred by default at 0
    assert unit_graph(NET1, window=6, input_size=10).unit == (0,)
    with pytest.raises(InvalidArgument, match="need 0 <= unit <= -1"):
        unit_graph(NET1, window=7, input_size=10)


def test_unit_range_is_checked_per_axis():
    net = chain(kernel=3, layers=1, dims=2)  # 5 x 7 inputs -> 3 x 5 outputs
    assert unit_graph(net, unit=(2, 4), input_size=(5, 7)).summary().bbox == ((2, 4), (4, 6))
    with pytest.raises(InvalidArgument, match=r"on axis 1: need 0 <= unit <= 4"):
        unit_graph(net, unit=(2, 5), input_size=(5, 7))
    with pytest.raises(InvalidArgument, match=r"on axis 0: need 0 <= unit <= 2"):
        unit_graph(net, unit=(3, 0), input_size=(5, 7))


# --------------------------------------------------------------------------- work and memory limits


def test_work_limit_on_both_sides(monkeypatch):
    net = chain(kernel=3, dilations=[1, 2], dims=2)
    # by hand: cells 7x7 (input), 3x3 on the lattice 2Z (layer 1), 1 (output); work = 49*1 + 9*9 + 1*9
    assert estimate(net).work == 49 + 81 + 9
    monkeypatch.setattr(cone, "MAX_WORK", 139)
    assert unit_graph(net).summary().total_paths == 81
    monkeypatch.setattr(cone, "MAX_WORK", 138)
    with pytest.raises(TooLarge, match=r"the cone needs 139 cell-taps of work; the limit is MAX_WORK=138"):
        unit_graph(net)


def test_total_cells_limit_on_both_sides_with_the_keep_levels_hint(monkeypatch):
    net = chain(kernel=3, dilations=[1, 2], dims=2)
    peak = estimate(net).peak_cells
    assert peak >= 49 + 9 + 1  # every level is kept
    monkeypatch.setattr(cone, "MAX_TOTAL_CELLS", peak)
    unit_graph(net)
    monkeypatch.setattr(cone, "MAX_TOTAL_CELLS", peak - 1)
    with pytest.raises(TooLarge, match=rf"the cone would hold {peak} cells at once; the limit is "
                                       rf"MAX_TOTAL_CELLS={peak - 1} .*keep_levels=False keeps only the input level"):
        unit_graph(net)
    lean = estimate(net, keep_levels=False).peak_cells
    assert lean < peak
    monkeypatch.setattr(cone, "MAX_TOTAL_CELLS", lean - 1)
    with pytest.raises(TooLarge, match=r"cells at once") as exc:
        unit_graph(net, keep_levels=False)
    assert "keep_levels=False" not in str(exc.value)
    monkeypatch.setattr(cone, "MAX_TOTAL_CELLS", lean)
    assert unit_graph(net, keep_levels=False).levels[1:] == (None, None)


def test_cells_per_node_limit_on_both_sides(monkeypatch):
    net = chain(kernel=3, dilations=[1, 2], dims=2)
    monkeypatch.setattr(lattice, "MAX_CELLS", 49)
    assert unit_graph(net).input.counts.shape == (7, 7)
    monkeypatch.setattr(lattice, "MAX_CELLS", 48)
    with pytest.raises(TooLarge, match=r"node 'input' would need an array of 49 cells; the limit is MAX_CELLS=48"):
        unit_graph(net)
    assert estimate(net).cells[0] == 49  # the estimate itself never refuses


def test_python_integer_work_limit_on_both_sides(monkeypatch):
    net = chain(kernel=2, layers=70, dims=1)
    monkeypatch.setattr(cone, "MAX_OBJECT_WORK", 0)
    with pytest.raises(TooLarge, match=r"that work \((\d+) cell-taps\)") as exc:
        unit_graph(net)
    work = int(re.search(r"that work \((\d+) cell-taps\)", str(exc.value)).group(1))
    assert 0 < work < estimate(net).work
    monkeypatch.setattr(cone, "MAX_OBJECT_WORK", work)
    assert unit_graph(net).summary().total_paths == 2**70
    monkeypatch.setattr(cone, "MAX_OBJECT_WORK", work - 1)
    with pytest.raises(TooLarge, match=rf"path counts reach about 2\*\*6\d > 2\*\*62 .*MAX_OBJECT_WORK={work - 1}"):
        unit_graph(net)


def test_counts_that_fit_int64_stay_int64_below_the_path_bound():
    # 62 two-tap layers: every count <= C(62, 31) < 2**62 and the bound is 2**62: no Python integers
    ug = unit_graph(chain(kernel=2, layers=62, dims=1))
    assert estimate(chain(kernel=2, layers=62, dims=1)).path_bound == 2**62
    assert all(lev.counts.dtype == np.int64 for lev in ug.levels)
    ug = unit_graph(chain(kernel=2, layers=63, dims=1))  # bound 2**63: a float pass decides; C(63, 31) < 2**62
    assert all(lev.counts.dtype == np.int64 for lev in ug.levels)
    ug = unit_graph(chain(kernel=2, layers=66, dims=1))  # C(66, 33) > 2**62: the input level needs them
    assert ug.input.counts.dtype == object and ug.levels[-1].counts.dtype == np.int64


def test_kronecker_single_path_arguments_and_field_limit(monkeypatch):
    for bad, what in [((1, 2), "a must be an integer >= 2, got 1"), ((True, 2), "a must be an integer >= 2, got True"),
                      ((2.0, 2), "got 2.0"), ((2, 0), "layers must be a positive integer, got 0"),
                      ((2, True), "layers must be a positive integer, got True"), ((2, 1.0), "got 1.0")]:
        with pytest.raises(InvalidArgument, match=re.escape(what)):
            kronecker_single_path(*bad)
    assert kronecker_single_path(2, 1)
    monkeypatch.setattr(cone, "MAX_CELLS", 27)
    assert kronecker_single_path(3, 3)
    with pytest.raises(TooLarge, match=re.escape("the field a**L = 2**5 exceeds MAX_CELLS=27")):
        kronecker_single_path(2, 5)


def test_explicit_graph_edge_limit_on_both_sides(monkeypatch):
    ug = unit_graph(chain(kernel=3, dilations=[1, 2], dims=1))
    n = ug.edge_count()
    assert n == 3 * 3 + 1 * 3  # 3 positions of layer 1 and the output unit, 3 taps each
    assert ug.to_networkx(max_edges=n).number_of_edges() == n
    with pytest.raises(TooLarge, match=rf"has {n} edges; the explicit networkx graph is limited to {n - 1} "
                                       rf"\(MAX_GRAPH_EDGES={MAX_GRAPH_EDGES}\)"):
        ug.to_networkx(max_edges=n - 1)
    assert ug.to_networkx(max_edges=0).number_of_edges() == n  # 0 or less: the module limit
    monkeypatch.setattr(unitgraph, "MAX_GRAPH_EDGES", n - 1)
    with pytest.raises(TooLarge, match=rf"limited to {n - 1} "):
        ug.to_networkx(max_edges=10 * n)  # never above the module limit
    with pytest.raises(TooLarge, match=rf"limited to {n - 1} "):
        ug.to_networkx(max_edges=-5)


def test_dense_view_limit_on_both_sides(monkeypatch):
    lev = unit_graph(chain(kernel=3, dilations=[1, 3, 9], dims=2)).levels[2]  # 3x3 on the lattice 9Z: 19x19 dense
    assert lev.step == (9, 9)
    monkeypatch.setattr(unitgraph, "MAX_CELLS", 361)
    _, dense = lev.dense()
    assert dense.shape == (19, 19) and np.count_nonzero(dense) == 9
    monkeypatch.setattr(unitgraph, "MAX_CELLS", 360)
    with pytest.raises(TooLarge, match=r"bounding box 19x19 has 361 cells; the limit is MAX_CELLS=360"):
        lev.dense()


# --------------------------------------------------------------------------- numeric cross-check limits


def test_numeric_work_limit_of_a_chain_on_both_sides(monkeypatch):
    net = chain(kernel=3, dilations=[1, 2], dims=1)
    # by hand: the response grows 1 -> 3 -> 7 cells; work = 1*3 + 3*3 = 12
    monkeypatch.setattr(impulse, "MAX_NUMERIC_WORK", 12)
    assert numeric_path_counts(net)[1].tolist() == [1, 1, 2, 1, 2, 1, 1]
    monkeypatch.setattr(impulse, "MAX_NUMERIC_WORK", 11)
    with pytest.raises(TooLarge, match=r"more than MAX_NUMERIC_WORK=11 operations"):
        numeric_path_counts(net)
    res = numeric_check(unit_graph(net))
    assert res.ran is False and res.agrees is None and "MAX_NUMERIC_WORK=11" in res.reason
    assert res.to_dict()["reason"] == res.reason


def test_numeric_work_limit_of_a_branching_graph_on_both_sides(monkeypatch):
    g = NetGraph.build([NetNode("x", "input"), NetNode("a", "conv", ("x",), Conv(3, dims=1)),
                        NetNode("m", "add", ("x", "a"))], dims=1)
    # by hand: the input box holds 3 cells (impulses); work = 3 * (3*1 + 1*3 + 1*1) = 21
    monkeypatch.setattr(impulse, "MAX_NUMERIC_WORK", 21)
    origin, counts = numeric_path_counts(g)
    assert origin == (0,) and counts.tolist() == [2, 1, 1]
    monkeypatch.setattr(impulse, "MAX_NUMERIC_WORK", 20)
    with pytest.raises(TooLarge, match=r"would need 21 operations; the limit is MAX_NUMERIC_WORK=20"):
        numeric_path_counts(g)
    assert numeric_check(unit_graph(g)).ran is False


def test_numeric_array_limit_on_both_sides(monkeypatch):
    net = chain(kernel=3, layers=2, dims=2)  # per-axis factors of 5: a 25-cell product
    monkeypatch.setattr(impulse, "MAX_CELLS", 25)
    assert numeric_path_counts(net)[1].shape == (5, 5)
    assert numeric_check(unit_graph(net)).agrees is True
    monkeypatch.setattr(impulse, "MAX_CELLS", 24)
    with pytest.raises(TooLarge, match=r"an array of 25 cells; the limit is MAX_CELLS=24"):
        numeric_path_counts(net)
    res = numeric_check(unit_graph(net))
    assert res.ran is False and res.agrees is None and "MAX_CELLS=24" in res.reason


def test_numeric_check_of_a_chain_with_a_select_node():
    # select (a channel subset) is spatially the identity: the chain's kernels convolve around it
    g = NetGraph.build([NetNode("x", "input"), NetNode("s", "select", ("x",), channels=1),
                        NetNode("a", "conv", ("s",), Conv(3, dilation=2, dims=1))], dims=1)
    assert numeric_path_counts(g) == ((0,), pytest.approx(np.array([1, 0, 1, 0, 1])))
    assert numeric_check(unit_graph(g)).agrees is True


# --------------------------------------------------------------------------- HDC arguments


@pytest.mark.parametrize("rates, message", [
    ([], "needs at least 1 rate, got 0"), ([1, 0, 2], "rates must be positive integers, got 0"),
    ([1, -2], "got -2"), (["3/2"], "got 3/2"),
])
def test_hdc_rule_refuses_rates_that_are_not_positive_integers(rates, message):
    with pytest.raises(InvalidArgument, match=re.escape(message)):
        hdc_rule(rates)


def test_hdc_rule_on_one_rate_uses_m1():
    # with one rate M_1 = r_1 stands in for M_2
    assert hdc_rule([3], 3).m2_ok is True and hdc_rule([4], 3).m2_ok is False
    assert hdc_rule([3], 3).to_dict()["M2"] is None


def test_hdc_for_network_reasons():
    rule, why = hdc_for_network(chain(kernels=[1, 1], dims=1))
    assert rule is None and why == "no layer has a kernel larger than 1"
    rule, why = hdc_for_network(chain(kernels=[3, 5], dims=1))
    assert rule is None and why == "the rule needs one kernel size, got [3, 5]"
    net = Network((Conv((3, 5), dims=2),))
    assert hdc_for_network(net) == (None, "the rule needs the same kernel size and rate on every axis")
    net = Network((Conv(3, dilation=(1, 2), dims=2),))
    assert hdc_for_network(net)[1] == "the rule needs the same kernel size and rate on every axis"


# --------------------------------------------------------------------------- export of big counts


def test_string_graph_writes_counts_beyond_64_bits_as_text():
    G = nx.DiGraph(name="big", unit=[0], window=[1])
    for i, paths in enumerate([2**63 - 1, 2**63, -(2**63) + 1, -(2**63)]):
        G.add_node((0, (i,)), level=0, node="input", position=(i,), paths=paths, output=False)
    H = string_graph(G)
    assert [H.nodes[f"0:{i}"]["paths"] for i in range(4)] == [2**63 - 1, str(2**63), -(2**63) + 1, str(-(2**63))]
    assert H.graph == {"name": "big", "unit": "0", "window": "1"}
    dot = to_dot(H)
    assert f'paths={2**63 - 1},' in dot and f'paths="{2**63}"' in dot


def test_hdc_rule_with_integer_rates_and_a_symbolic_kernel_and_the_reverse():
    import sympy as sp

    r = hdc_rule([1, 2, 5], "k")  # M is numeric, M_2 = 2 <= k is undecided
    assert [int(m) for m in r.M] == [1, 2, 5] and r.m2_ok is None and r.gcd_ok is True and r.satisfied is None
    r = hdc_rule(["a", 2], 3)  # a symbolic rate keeps M symbolic, gcd undecided
    a = sp.Symbol("a", integer=True, positive=True)
    assert r.M[1] == 2 and r.m2_ok is True and r.gcd is None and r.gcd_ok is None and r.satisfied is None
    assert r.M[0].subs(a, 7) == 12 and r.M[0].subs(a, 1) == 1  # max(2 - 2a, 2 - 2(2 - a), a)


def _doubling_graph(first: int, last: int, taps: int = 2) -> NetGraph:
    """x -> D_1 .. D_last with D_i = D_(i-1) + conv1x1(D_(i-1)) (2**i paths), then concat(D_first .. D_last)
    and a ``taps``-tap conv: ``taps`` input positions with sum_(i=first..last) 2**i paths each."""
    nodes = [NetNode("x", "input")]
    prev = "x"
    for i in range(1, last + 1):
        nodes += [NetNode(f"c{i}", "conv", (prev,), Conv(1, dims=1)), NetNode(f"d{i}", "add", (prev, f"c{i}"))]
        prev = f"d{i}"
    ids = tuple(f"d{i}" for i in range(first, last + 1))
    nodes += [NetNode("cat", "concat", ids), NetNode("out", "conv", ("cat",), Conv(taps, in_channels=len(ids), dims=1))]
    return NetGraph.build(nodes, dims=1)


def test_counts_within_the_float_rounding_slack_of_2_to_62_use_python_integers():
    # 2**62 - 2**10 fits int64 with room to spare, but a float64 estimate after W additions is only known to
    # within a factor 1 + 2 W 2**-53 > 2**62 / (2**62 - 2**10): the cone must not trust it
    g = _doubling_graph(10, 61)
    assert estimate(g).path_bound > 2**62  # so the float pass decides
    ug = unit_graph(g)
    assert [int(v) for v in ug.input.counts] == [2**62 - 2**10] * 2
    assert ug.input.counts.dtype == object
    # half as many paths per position (three positions keep the bound above 2**62): the estimate is safe
    g = _doubling_graph(10, 60, taps=3)
    ug = unit_graph(g)
    assert estimate(g).path_bound > 2**62 and [int(v) for v in ug.input.counts] == [2**61 - 2**10] * 3
    assert all(lev.counts.dtype == np.int64 for lev in ug.levels)


def test_layers_the_unit_graph_does_not_model_are_refused_by_name():
    from kronconv.layers import ConvTranspose, GlobalPool, Upsample

    for op, layer, name in [("convt", ConvTranspose(3, stride=2, dims=1), "transposed convolution"),
                            ("upsample", Upsample(2, dims=1), "upsampling"),
                            ("global", GlobalPool(dims=1), "global")]:
        g = NetGraph.build([NetNode("x", "input"), NetNode("r", op, ("x",), layer),
                            NetNode("c", "conv", ("r",), Conv(3, dims=1))], dims=1)
        with pytest.raises(InvalidArgument, match=re.escape(
                f"node 'r' ({op}): the unit-level graph covers conv, pool, add and concat; {name} is not "
                "supported here (`kronconv rf` gives its exact field)")):
            unit_graph(g)


def test_counts_beyond_the_float_range_are_bounded_by_the_path_bound(monkeypatch):
    # 1100 two-tap layers: C(1100, 550) ~ 2**1094 overflows float64, so the largest count is unknown to the
    # float pass; the refusal names the path bound 2**1100 instead (and no overflow warning escapes)
    net = chain(kernel=2, layers=1100, dims=1)
    assert estimate(net).path_bound == 2**1100
    monkeypatch.setattr(cone, "MAX_OBJECT_WORK", 0)
    with pytest.raises(TooLarge, match=r"path counts reach up to 2\*\*1100 > 2\*\*62 and need exact Python integers"):
        unit_graph(net)


def test_numeric_check_of_a_3d_chain_uses_all_three_factors():
    ug = unit_graph(chain(kernels=[(3, 2, 2), (2, 3, 1)], dims=3))
    assert ug.input.counts.shape == (4, 4, 2)
    assert numeric_check(ug).agrees is True
    lev = ug.input
    forged = lev.counts.copy()
    forged[1, 2, 1] += 1
    bad = dataclasses.replace(ug, levels=(dataclasses.replace(lev, counts=forged),) + ug.levels[1:])
    assert numeric_check(bad).agrees is False


def test_numeric_check_compares_every_block_of_rows_of_a_large_field():
    # a 4096 x 512 Kronecker field (one path per position) is compared in blocks of 2048 rows; a count
    # forged in the second block must be found
    layers = [Conv((2, 2 if l < 9 else 1), dilation=(2**l, 2**l if l < 9 else 1), dims=2) for l in range(12)]
    ug = unit_graph(Network(tuple(layers)))
    lev = ug.input
    assert lev.counts.shape == (4096, 512) and numeric_check(ug).agrees is True
    forged = lev.counts.copy()
    forged[3000, 7] = 2
    bad = dataclasses.replace(ug, levels=(dataclasses.replace(lev, counts=forged),) + ug.levels[1:])
    res = numeric_check(bad)
    assert res.agrees is False and res.reason == "path counts differ from the numeric impulse response"


class _BuildStarted(Exception):
    pass


def test_work_limit_is_2_to_the_31_cell_taps(monkeypatch):
    # docs/graph-specs.md: MAX_WORK = 2^31 cell-taps.  One 541609-tap layer read by a window of 3964 units
    # costs 3964 * 541609 + 545572 (input cells, one tap each) = 2**31 exactly: accepted -- the build starts
    # (stopped here, it would take seconds); one tap more costs 2**31 + 3965 and is refused
    def stop(*args, **kwargs):
        raise _BuildStarted

    monkeypatch.setattr(cone, "_sweep", stop)
    net = Network((Conv(541609, dims=1),))
    assert estimate(net, window=3964).work == 2**31
    with pytest.raises(_BuildStarted):
        unit_graph(net, window=3964)
    with pytest.raises(TooLarge, match=rf"the cone needs {2**31 + 3965} cell-taps of work; the limit is "
                                       rf"MAX_WORK={2**31} "):
        unit_graph(Network((Conv(541610, dims=1),)), window=3964)


def test_a_count_forged_where_the_numeric_response_is_empty_is_a_difference():
    # a 1-tap conv with padding 3 on one input: output unit 0 reads only padding, the numeric response is 0
    ug = unit_graph(chain(kernel=1, paddings=[3], dims=1), input_size=1, unit=0)
    assert ug.input is None and numeric_check(ug).agrees is True
    for origin in [(0,), (5,)]:
        forged = unitgraph.Level(0, "input", origin, np.array([1]))
        res = numeric_check(dataclasses.replace(ug, levels=(forged,) + ug.levels[1:]))
        assert (res.ran, res.agrees, res.reason) == (True, False, "path counts differ from the numeric impulse response")


def test_first_zeros_of_an_empty_array_is_an_empty_index_list():
    from kronconv.graph.unitgraph import _first_zeros

    for shape in [(0,), (0, 3), (2, 0, 4)]:
        got = _first_zeros(np.zeros(shape, dtype=np.int64), 5)
        assert got.shape == (0, len(shape)) and got.dtype == np.int64
    assert _first_zeros(np.array(0), 5).shape == (0, 0)  # no axes: no index rows


def test_numeric_array_limit_applies_to_a_1d_chain(monkeypatch):
    # one 2-tap layer dilated by d: the response spans d + 1 cells
    monkeypatch.setattr(impulse, "MAX_CELLS", 1000)
    _, counts = numeric_path_counts(chain(kernel=2, dilations=[999], dims=1))
    assert counts.size == 1000 and int(counts.sum()) == 2 and counts[0] == counts[-1] == 1
    with pytest.raises(TooLarge, match=r"an array of 1001 cells; the limit is MAX_CELLS=1000"):
        numeric_path_counts(chain(kernel=2, dilations=[1000], dims=1))


def test_nodes_outside_the_cone_cost_nothing():
    # output unit 0 of a 1-tap conv with padding 3 on one input reads only padding: no input cells
    net = chain(kernel=1, paddings=[3], dims=1)
    e = estimate(net, unit=0, input_size=1)
    assert e.cells == (0, 1) and e.work == 1
    assert unit_graph(net, unit=0, input_size=1).levels[0] is None


def test_hole_positions_list_the_first_64_holes():
    # docs/graph-specs.md: hole_positions lists the first 64; a 2-tap kernel dilated by 100 has 99 holes
    s = unit_graph(chain(kernel=2, dilations=[100], dims=1)).summary()
    assert s.holes == 99 and s.hole_positions == tuple((x,) for x in range(1, 65))
    s = unit_graph(chain(kernel=2, dilations=[65], dims=1)).summary()
    assert s.holes == 64 and s.hole_positions == tuple((x,) for x in range(1, 65))


def test_explicit_graph_edge_limit_is_500000(monkeypatch):
    # docs/graph-specs.md: MAX_GRAPH_EDGES = 500 000.  A 166667-tap layer read by 3 units has 500 001 edges:
    # refused; 4 units of a 125000-tap layer have 500 000: accepted -- the build starts (stopped here)
    ug = unit_graph(Network((Conv(166667, dims=1),)), window=3)
    assert ug.edge_count() == 500_001
    with pytest.raises(TooLarge, match=r"has 500001 edges; the explicit networkx graph is limited to 500000 "):
        ug.to_networkx()
    ug = unit_graph(Network((Conv(125000, dims=1),)), window=4)
    assert ug.edge_count() == 500_000

    def stop(*args, **kwargs):
        raise _BuildStarted

    monkeypatch.setattr(unitgraph, "_ops", stop)
    with pytest.raises(_BuildStarted):
        ug.to_networkx()


def test_python_integer_work_counts_the_nodes_that_hold_or_receive_python_integers(monkeypatch):
    # 70 two-tap layers: node i holds C(70 - i, x) on 71 - i cells; C(n, n // 2) >= 2**62 for n >= 66, so
    # nodes 0 .. 4 hold Python integers.  Their work: the input node (71 cells, 1 tap) and the layers 1 .. 5
    # that scatter into them ((71 - i) cells, 2 taps): 71 + 2 * (70 + 69 + 68 + 67 + 66) = 751 cell-taps
    import math

    ug = unit_graph(chain(kernel=2, layers=70, dims=1))
    assert [lev.counts.dtype == object for lev in ug.levels[:7]] == [True] * 5 + [False] * 2
    assert math.comb(66, 33) >= 2**62 > math.comb(65, 32)
    monkeypatch.setattr(cone, "MAX_OBJECT_WORK", 750)
    with pytest.raises(TooLarge, match=r"that work \(751 cell-taps\) exceeds MAX_OBJECT_WORK=750"):
        unit_graph(chain(kernel=2, layers=70, dims=1))


@pytest.mark.parametrize("mode", ["circular", "reflect", "replicate"])
@pytest.mark.parametrize("unit, cells", [(0, 8), (1, 3), (6, 3), (7, 8)])
def test_folding_keeps_the_exact_box_of_a_unit_away_from_the_edges(mode, unit, cells):
    # a padded 3-tap conv on 8 inputs: only the first and last units read a padding position, which folds
    # the box onto the whole grid; units 1 .. 6 keep their 3 positions
    net = chain(kernel=3, paddings=[1], dims=1)
    assert estimate(net, unit=unit, input_size=8, padding_mode=mode).cells == (cells, 1)
    assert unit_graph(net, unit=unit, input_size=8, padding_mode=mode).input.counts.size == cells


def test_an_estimate_is_an_immutable_value():
    e = estimate(NET1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.work = 0  # type: ignore[misc]
    assert e == estimate(NET1) and hash(e) == hash(estimate(NET1))
