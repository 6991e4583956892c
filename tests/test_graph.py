"""Unit-level dependency graphs: fields, holes, path counts, the HDC rule, limits, export.

Graph, formulas and numerics are tied together: the cone's field equals the
formulas' receptive field, its path counts equal an independent scipy
convolution of dilated all-ones kernels (unbounded grid) or a product of dense
per-layer operator matrices built with ``numpy.pad`` index maps (bounded grid),
and the explicit networkx graph's dynamic programming gives the same counts.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import sys
from fractions import Fraction

import networkx as nx
import numpy as np
import pytest
import scipy.signal
from hypothesis import assume, given
from hypothesis import strategies as st

from kronconv.errors import BackendUnavailable, InvalidArgument, TooLarge
from kronconv.formulas import network_fields
from kronconv.graph import (
    MAX_CELLS,
    MAX_GRAPH_EDGES,
    analyse,
    estimate,
    export_graph,
    graph_path_counts,
    hdc_for_network,
    hdc_rule,
    kronecker_single_path,
    numeric_check,
    plot_path_counts,
    string_graph,
    to_dot,
    unit_graph,
)
from kronconv.spec import Conv, Network, Pool, chain, preset

# --------------------------------------------------------------------------- strategies


@st.composite
def layers_st(draw, dims: int = 1, max_layers: int = 4, pools: bool = True, max_k: int = 4):
    n = draw(st.integers(1, max_layers))
    out = []
    for _ in range(n):
        if pools and draw(st.integers(0, 5)) == 0:
            k = draw(st.integers(1, 3))
            out.append(Pool(k, stride=draw(st.integers(1, 3)), padding=draw(st.integers(0, k // 2)), dims=dims))
        else:
            k = tuple(draw(st.integers(1, max_k)) for _ in range(dims))
            d = tuple(draw(st.integers(1, 4)) for _ in range(dims))
            s = tuple(draw(st.integers(1, 3)) for _ in range(dims))
            p = tuple(draw(st.integers(0, 3)) for _ in range(dims))
            out.append(Conv(k, dilation=d, stride=s, padding=p, dims=dims))
    return Network(tuple(out))


# --------------------------------------------------------------------------- oracles


def scipy_impulse_response(net: Network) -> np.ndarray:
    """Counts of one output unit on an unbounded grid: scipy convolution of all-ones kernels.

    Layer l's all-ones kernel, dilated by d_l * J_{l-1} (its taps in input pixels), convolved
    over all layers -- an independent route through scipy.signal.convolve (n-D).
    """
    dims = net.dims
    jump = [1] * dims
    total = np.ones((1,) * dims, dtype=np.int64)
    for layer in net.layers:
        eff = [layer.dilation[a] * jump[a] for a in range(dims)]
        shape = [eff[a] * (layer.kernel[a] - 1) + 1 for a in range(dims)]
        ker = np.zeros(shape, dtype=np.int64)
        ker[tuple(slice(None, None, e) for e in eff)] = 1
        total = scipy.signal.convolve(total, ker, method="direct")
        jump = [jump[a] * layer.stride[a] for a in range(dims)]
    return total


def dense_operator(layer, n_in: tuple[int, ...], mode: str) -> tuple[np.ndarray, tuple[int, ...]]:
    """The all-ones layer as a dense (out cells x in cells) matrix; boundary via numpy.pad index maps."""
    dims = len(n_in)
    n_out = tuple((n_in[a] + 2 * layer.padding[a] - layer.dilation[a] * (layer.kernel[a] - 1) - 1)
                  // layer.stride[a] + 1 for a in range(dims))
    m = "zeros" if isinstance(layer, Pool) else mode
    big = 200
    maps = []
    for a in range(dims):
        idx = np.arange(n_in[a])
        if m == "zeros":
            padded = np.pad(idx, (big, big), mode="constant", constant_values=-1)
        else:
            padded = np.pad(idx, (big, big), mode={"circular": "wrap", "reflect": "reflect", "replicate": "edge"}[m])
        maps.append(padded)
    A = np.zeros((math.prod(n_out), math.prod(n_in)), dtype=object)
    for u in itertools.product(*(range(n) for n in n_out)):
        row = np.ravel_multi_index(u, n_out)
        for t in itertools.product(*(range(k) for k in layer.kernel)):
            src = [maps[a][u[a] * layer.stride[a] - layer.padding[a] + t[a] * layer.dilation[a] + big]
                   for a in range(dims)]
            if all(s >= 0 for s in src):
                A[row, np.ravel_multi_index(tuple(src), n_in)] += 1
    return A, n_out


def dense_counts(net: Network, n_in: tuple[int, ...], unit: tuple[int, ...], mode: str) -> np.ndarray:
    """Path counts of output unit ``unit`` as a row of the product of dense layer matrices."""
    total = None
    shape = n_in
    for layer in net.layers:
        A, shape = dense_operator(layer, shape, mode)
        total = A if total is None else A.dot(total)
    return total[np.ravel_multi_index(unit, shape)].reshape(n_in)


def embed(origin, counts, box_origin, box_shape) -> np.ndarray:
    full = np.zeros(box_shape, dtype=object)
    sl = tuple(slice(o - b, o - b + n) for o, b, n in zip(origin, box_origin, counts.shape))
    full[sl] = counts
    return full


# --------------------------------------------------------------------------- agreement laws


@given(layers_st(dims=1), st.integers(1, 3))
def test_graph_receptive_field_equals_formula_1d(net, window):
    ug = unit_graph(net, window=window)
    ft = network_fields(net)
    r, j = ft.receptive_field()[0], ft.effective_stride()[0]
    s = ug.summary()
    assert s.receptive_field == (r + (window - 1) * j,)
    assert s.bbox[0][0] == ft.offset()[0]


@given(layers_st(dims=2, max_layers=3))
def test_graph_receptive_field_equals_formula_2d(net):
    s = unit_graph(net).summary()
    assert list(s.receptive_field) == network_fields(net).receptive_field()
    assert [b[0] for b in s.bbox] == network_fields(net).offset()


@given(layers_st(dims=1, max_layers=5))
def test_path_counts_equal_scipy_impulse_response_1d(net):
    origin, counts = unit_graph(net).path_counts()
    ref = scipy_impulse_response(net)
    assert origin == tuple(network_fields(net).offset())
    assert np.array_equal(counts, ref)


@given(layers_st(dims=2, max_layers=3, max_k=3))
def test_path_counts_equal_scipy_impulse_response_2d(net):
    _, counts = unit_graph(net).path_counts()
    assert np.array_equal(counts, scipy_impulse_response(net))


@given(layers_st(dims=1, max_layers=3), st.integers(5, 14), st.sampled_from(["zeros", "circular", "reflect", "replicate"]),
       st.data())
def test_bounded_path_counts_equal_dense_operator_product_1d(net, n, mode, data):
    try:
        ug0 = unit_graph(net, input_size=n, padding_mode=mode)
    except InvalidArgument:
        assume(False)
    assert ug0.unit == ((_out_size(net, (n,))[0] - 1) // 2,)  # the default unit is the centred one
    out_size = _out_size(net, (n,))
    unit = (data.draw(st.integers(0, out_size[0] - 1)),)
    ug = unit_graph(net, unit=unit, input_size=n, padding_mode=mode)
    ref = dense_counts(net, (n,), unit, mode)
    lev = ug.input
    got = np.zeros((n,), dtype=object) if lev is None else embed(*lev.dense(), (0,), (n,))
    assert np.array_equal(got, ref)


@given(layers_st(dims=2, max_layers=2, max_k=3, pools=False), st.sampled_from(["zeros", "circular", "reflect", "replicate"]))
def test_bounded_path_counts_equal_dense_operator_product_2d(net, mode):
    n_in = (7, 6)
    try:
        out_size = _out_size(net, n_in)
    except InvalidArgument:
        assume(False)
    unit = (out_size[0] - 1, 0)
    ug = unit_graph(net, unit=unit, input_size=n_in, padding_mode=mode)
    ref = dense_counts(net, n_in, unit, mode)
    lev = ug.input
    got = np.zeros(n_in, dtype=object) if lev is None else embed(*lev.dense(), (0, 0), n_in)
    assert np.array_equal(got, ref)


def _out_size(net: Network, n_in: tuple[int, ...]) -> tuple[int, ...]:
    size = n_in
    for layer in net.layers:
        size = tuple((size[a] + 2 * layer.padding[a] - layer.dilation[a] * (layer.kernel[a] - 1) - 1)
                     // layer.stride[a] + 1 for a in range(len(size)))
        if min(size) < 1:
            raise InvalidArgument("too small")
    return size


@given(layers_st(dims=1, max_layers=3), st.integers(1, 3))
def test_explicit_networkx_graph_counts_equal_cone_arrays(net, window):
    ug = unit_graph(net, window=window)
    G = ug.to_networkx()
    dp = graph_path_counts(G)
    for lev in ug.levels:
        for pos, cnt in lev.positions():
            assert dp[(lev.index, pos)] == cnt == G.nodes[(lev.index, pos)]["paths"]
    # receptive field = input-layer ancestors of the output units
    outs = [n for n, d in G.nodes(data=True) if d["output"]]
    anc = set().union(*(nx.ancestors(G, o) for o in outs))
    assert {p for (lvl, p) in anc if lvl == 0} == {p for p, _ in ug.input.positions()}


@given(layers_st(dims=1, max_layers=3), st.integers(4, 10), st.sampled_from(["circular", "reflect", "replicate"]))
def test_explicit_graph_counts_with_folding_padding(net, n, mode):
    try:
        ug = unit_graph(net, input_size=n, padding_mode=mode)
    except InvalidArgument:
        assume(False)
    dp = graph_path_counts(ug.to_networkx())
    for pos, cnt in ug.input.positions():
        assert dp[(0, pos)] == cnt


@given(layers_st(dims=2, max_layers=3, max_k=3), st.sampled_from([None, 9]))
def test_numeric_cross_check_agrees(net, size):
    try:
        ug = unit_graph(net, input_size=size)
    except InvalidArgument:
        assume(False)
    assert numeric_check(ug).agrees is True


def test_numeric_cross_check_rejects_wrong_counts():
    ug = unit_graph(chain(kernel=3, dilations=[1, 2], dims=2))
    lev = ug.input
    bad = lev.counts.copy()
    bad[0, 0] += 1
    tampered = dataclasses.replace(ug, levels=(dataclasses.replace(lev, counts=bad),) + ug.levels[1:])
    assert numeric_check(ug).agrees is True
    assert numeric_check(tampered).agrees is False


@given(layers_st(dims=1, max_layers=4), st.sampled_from(["circular", "reflect", "replicate"]))
def test_folding_padding_preserves_total_paths(net, mode):
    # every tap lands on some real position, so the total is the product of the tap counts
    n = 30
    try:
        ug = unit_graph(net, input_size=n, padding_mode=mode)
    except InvalidArgument:
        assume(False)
    expected = 1
    for layer in net.layers:
        expected *= layer.kernel[0]
    if any(isinstance(layer, Pool) and layer.padding[0] for layer in net.layers):
        assert ug.summary().total_paths <= expected  # pooling drops its padding
    else:
        assert ug.summary().total_paths == expected


# --------------------------------------------------------------------------- Kronecker cascade


@given(st.integers(2, 5), st.integers(1, 5))
def test_kronecker_cascade_has_exactly_one_path_per_position(a, L):
    assume(a**L <= 4096)
    assert kronecker_single_path(a, L)
    s = unit_graph(chain(kernel=a, dilations=[a**l for l in range(L)], dims=1)).summary()
    assert s.receptive_field == (a**L,) and s.holes == 0 and s.max_paths == 1 and s.single_path


def test_kronecker_cascade_single_path_in_2d():
    assert kronecker_single_path(3, 3, dims=2)
    assert unit_graph(preset("kronecker:a=3,layers=3")).summary().single_path


@pytest.mark.parametrize("dilations", [[1, 2, 4], [1, 3, 6], [1, 4, 16]])
def test_non_kronecker_schedules_are_not_single_path(dilations):
    # the digit argument needs base-a digits: k=3 with these rates overlaps or leaves holes
    s = unit_graph(chain(kernel=3, dilations=dilations, dims=1)).summary()
    assert not s.single_path


# --------------------------------------------------------------------------- exact known values


def test_gridding_schedule_2_2_2_leaves_every_odd_position():
    s = unit_graph(chain(kernel=3, dilations=[2, 2, 2], dims=1)).summary()
    assert s.receptive_field == (13,)
    assert s.holes == 6 and s.hole_positions == tuple((x,) for x in (1, 3, 5, 7, 9, 11))
    assert s.coverage == Fraction(7, 13)
    # counts are the trinomial coefficients of (1 + x + x^2)^3 on the even positions
    _, c = unit_graph(chain(kernel=3, dilations=[2, 2, 2], dims=1)).path_counts()
    assert c[::2].tolist() == [1, 3, 6, 7, 6, 3, 1]


def test_schedule_1_2_9_has_holes_at_7_8_16_17():
    s = unit_graph(chain(kernel=3, dilations=[1, 2, 9], dims=1)).summary()
    assert s.receptive_field == (25,) and s.hole_positions == ((7,), (8,), (16,), (17,))


def test_exponential_cascade_field_is_2_to_the_i_plus_2_minus_1_without_holes():
    # Yu & Koltun 2015: F_{i+1} has receptive field (2^{i+2} - 1)^2
    for i in range(5):
        net = chain(kernel=3, dilations=[2**l for l in range(i + 1)], dims=2)
        s = unit_graph(net).summary()
        assert s.receptive_field == (2 ** (i + 2) - 1,) * 2 and s.holes == 0


def test_binomial_path_counts_use_exact_integers_beyond_int64():
    # 70 layers of a 2-tap kernel: counts are binomial(70, x), the largest exceeds 2**62
    ug = unit_graph(chain(kernel=2, layers=70, dims=1))
    _, c = ug.path_counts()
    assert c.dtype == object
    assert [int(v) for v in c] == [math.comb(70, x) for x in range(71)]
    assert ug.summary().max_paths == math.comb(70, 35) > 2**62


def test_yu_koltun_basic_preset_covers_its_67_field_and_concentrates_paths():
    s = unit_graph(preset("yu-koltun-basic")).summary()
    assert s.receptive_field == (67, 67) and s.holes == 0
    assert s.total_paths == 9**7  # seven 3x3 layers and a 1x1 layer
    assert s.max_paths == int(scipy_impulse_response(preset("yu-koltun-basic")).max())
    assert s.spread[0] < s.spread_uniform[0]


def test_window_of_units_unions_fields():
    net = chain(kernel=3, strides=[2], layers=2, dims=1)
    ug = unit_graph(net, window=3)
    # unit u sees [4u, 4u + 6]; units 0..2 see [0, 14]
    assert ug.summary().receptive_field == (15,)
    _, c = ug.path_counts()
    ref = sum(np.pad(scipy_impulse_response(net), (4 * u, 8 - 4 * u)) for u in range(3))
    assert np.array_equal(c, ref)


def test_zero_padding_drops_padding_positions_at_the_border():
    ug = unit_graph(chain(kernel=3, paddings=[1], layers=2, dims=1), input_size=3, unit=0)
    origin, c = ug.path_counts()
    assert origin == (0,) and c.tolist() == [2, 2, 1]


# --------------------------------------------------------------------------- HDC rule


def test_hdc_rule_known_schedules():
    r = hdc_rule([1, 2, 5], 3)
    assert [int(m) for m in r.M] == [1, 2, 5] and r.satisfied
    r = hdc_rule([1, 2, 9], 3)
    assert int(r.M[1]) == 5 and r.m2_ok is False and not r.satisfied
    r = hdc_rule([1, 3, 9], 3)
    assert int(r.M[1]) == 3 and r.satisfied
    r = hdc_rule([2, 2, 2], 3)
    assert r.m2_ok is True and r.gcd_ok is False and r.satisfied is False


@pytest.mark.parametrize("rates, kernel, rule_ok, holes", [
    ((1, 2, 5), 3, True, 0), ((1, 2, 9), 3, False, 4), ((1, 3, 9), 3, True, 0), ((2, 2, 2), 3, False, 6),
    # disagreements: the rule is not necessary ...
    ((1, 3, 1), 3, False, 0), ((1, 4, 1), 3, False, 0), ((1, 4, 16), 4, False, 0),
    # ... and not sufficient when r_1 != 1 (the rule never looks at r_1) or K = 2 (its 2 r_i is a 3-tap span)
    ((4, 1), 3, True, 2), ((2, 3), 3, True, 2), ((1, 1, 4), 2, True, 1),
])
def test_hdc_rule_against_holes_found_by_the_graph(rates, kernel, rule_ok, holes):
    assert bool(hdc_rule(rates, kernel).satisfied) is rule_ok
    assert unit_graph(chain(kernel=kernel, dilations=list(rates), dims=1)).summary().holes == holes


@given(st.lists(st.integers(1, 9), min_size=1, max_size=3))
def test_hdc_rule_with_r1_equal_1_and_k3_implies_no_holes(rest):
    # empirical law, found exhaustively for rates <= 9 and up to 4 layers; the graph is the judge
    rates = [1] + rest
    if hdc_rule(rates, 3).satisfied:
        assert unit_graph(chain(kernel=3, dilations=rates, dims=1)).summary().holes == 0


def test_hdc_rule_symbolic_rates():
    import sympy as sp

    r = hdc_rule(["1", "a", "a**2"], "a")
    a = sp.Symbol("a", integer=True, positive=True)
    assert r.M[2] == a**2 and r.m2_ok is None and r.gcd_ok is None
    assert bool(r.M[1].subs(a, 3) <= 3) is True  # a = 3: (1, 3, 9) passes
    assert bool(r.M[1].subs(a, 4) <= 4) is False  # a = 4: fails, yet the Kronecker cascade has no holes
    assert kronecker_single_path(4, 3)


def test_hdc_for_network_uses_effective_rates_and_skips_1x1():
    rule, why = hdc_for_network(chain(kernels=[3, 3, 1, 3], dilations=[1, 1, 1, 2], strides=[1, 2, 1, 1], dims=1))
    assert why == "" and [int(r) for r in rule.rates] == [1, 1, 4]
    assert hdc_for_network(chain(kernels=[3, 5], dims=1))[0] is None


def test_analyse_reports_agreement_and_verdict():
    rep = analyse(chain(kernel=3, dilations=[1, 3, 1], dims=1))
    d = rep.to_dict()
    assert d["holes"] == 0 and d["hdc_rule"]["satisfied"] is False and d["hdc_rule"]["agrees_with_graph"] is False
    assert "DISAGREES" in rep.hdc_verdict()
    assert d["agrees_with_formula"] is True and d["numeric_check"]["agrees"] is True


# --------------------------------------------------------------------------- limits and errors


def test_oversized_cone_is_refused_naming_the_limit():
    net = chain(kernel=3, dilations=[3**l for l in range(10)], dims=2)  # field 59049 x 59049
    with pytest.raises(TooLarge, match="MAX_CELLS"):
        unit_graph(net)
    assert estimate(net).cells[0] == 59049**2 > MAX_CELLS  # estimated without allocating


def test_estimate_matches_built_cone():
    net = chain(kernel=3, dilations=[1, 2, 4], dims=2)
    e = estimate(net)
    ug = unit_graph(net)
    assert e.cells == tuple(lev.counts.size for lev in ug.levels)
    assert ug.summary().total_paths <= e.path_bound


def test_explicit_graph_is_refused_above_the_edge_limit():
    ug = unit_graph(chain(kernel=3, dilations=[1, 2, 4], dims=2))
    with pytest.raises(TooLarge, match="MAX_GRAPH_EDGES"):
        ug.to_networkx(max_edges=10)
    assert ug.edge_count() < MAX_GRAPH_EDGES


@pytest.mark.parametrize("kwargs, match", [
    ({"padding_mode": "mirror", "input_size": 10}, "padding_mode"),
    ({"unit": 50, "input_size": 10}, "outside the output grid"),
    ({"window": [0]}, "window"),
    ({"window": 5000}, "MAX_WINDOW_UNITS"),
    ({"input_size": 2}, "smaller than the dilated kernel"),
    ({"unit": [1, 2, 3]}, "expected 1 or 1"),
])
def test_bad_arguments_are_rejected(kwargs, match):
    with pytest.raises((InvalidArgument, TooLarge), match=match):
        unit_graph(chain(kernel=3, layers=2, dims=1), **kwargs)


# --------------------------------------------------------------------------- export and plot


def test_export_graphml_dot_json_round_trip(tmp_path):
    ug = unit_graph(chain(kernel=3, dilations=[1, 2], dims=2))
    G = ug.to_networkx()
    export_graph(G, "graphml", str(tmp_path / "g.graphml"))
    H = nx.read_graphml(tmp_path / "g.graphml")
    assert H.number_of_nodes() == G.number_of_nodes() and H.number_of_edges() == G.number_of_edges()
    assert H.nodes["0:0,0"]["paths"] == G.nodes[(0, (0, 0))]["paths"]
    export_graph(G, "json", str(tmp_path / "g.json"))
    J = nx.node_link_graph(json.loads((tmp_path / "g.json").read_text()), edges="edges")
    assert J.number_of_edges() == G.number_of_edges()
    export_graph(G, "dot", str(tmp_path / "g.dot"))
    dot = (tmp_path / "g.dot").read_text()
    assert dot.startswith("digraph") and dot.count("->") == G.number_of_edges()
    assert to_dot(string_graph(G)) == dot


def test_export_into_missing_directory_writes_nothing(tmp_path):
    G = unit_graph(chain(kernel=2, layers=1, dims=1)).to_networkx()
    with pytest.raises(InvalidArgument, match="does not exist"):
        export_graph(G, "dot", str(tmp_path / "nope" / "g.dot"))
    with pytest.raises(InvalidArgument, match="export format"):
        export_graph(G, "gexf", str(tmp_path / "g.gexf"))
    assert list(tmp_path.iterdir()) == []


def test_plot_without_matplotlib_raises_backend_unavailable(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(BackendUnavailable, match="pip install"):
        plot_path_counts(unit_graph(chain(kernel=3, layers=2, dims=2)), str(tmp_path / "p.png"))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("dims", [1, 2])
def test_plot_writes_png_when_matplotlib_is_installed(tmp_path, dims):
    pytest.importorskip("matplotlib")
    out = tmp_path / "p.png"
    plot_path_counts(unit_graph(chain(kernel=3, dilations=[2, 2], dims=dims)), str(out))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_keep_levels_false_keeps_only_the_input_level():
    net = chain(kernel=3, dilations=[1, 2, 4], dims=2)
    full, lean = unit_graph(net), unit_graph(net, keep_levels=False)
    assert np.array_equal(full.path_counts()[1], lean.path_counts()[1])
    assert all(lev is None for lev in lean.levels[1:])
    assert estimate(net, keep_levels=False).peak_cells < estimate(net).peak_cells
    with pytest.raises(InvalidArgument, match="keep_levels"):
        lean.to_networkx()


def test_unit_that_sees_only_padding_has_an_empty_field():
    ug = unit_graph(chain(kernel=1, paddings=[3], dims=1), input_size=1, unit=0)
    s = ug.summary()
    assert ug.input is None and s.reached == 0 and s.holes == 0 and s.total_paths == 0
    assert numeric_check(ug).agrees is True


@pytest.mark.parametrize("mode", ["zeros", "circular", "reflect", "replicate"])
def test_exact_integers_on_a_bounded_grid_agree_with_numeric(mode):
    # a path bound beyond 2**62 on a bounded grid: Python integers exactly where the largest count needs
    # them (folding keeps all 2**70 paths on 40 positions; zero padding drops most), int64 otherwise
    ug = unit_graph(chain(kernel=2, layers=70, paddings=[1], dims=1), input_size=40, padding_mode=mode, unit=3)
    biggest = max(int(v) for v in ug.input.counts.ravel())
    assert (ug.input.counts.dtype == object) == (biggest >= 2**62)
    assert (ug.input.counts.dtype == object) == (mode != "zeros")
    assert numeric_check(ug).agrees is True
    total = ug.summary().total_paths
    assert total == 2**70 if mode != "zeros" else 0 < total < 2**70


def test_dilated_cones_are_stored_on_their_lattice():
    # level l of the Kronecker cascade (1, 3, 9) only holds positions on the lattice 3^l Z
    ug = unit_graph(chain(kernel=3, dilations=[1, 3, 9], dims=1))
    assert [lev.step for lev in ug.levels] == [(1,), (3,), (9,), (1,)]
    assert [lev.counts.size for lev in ug.levels] == [27, 9, 3, 1]
    lev = ug.levels[1]
    origin, dense = lev.dense()
    assert [p for p, _ in lev.positions()] == [(origin[0] + 3 * i,) for i in range(9)]
    assert np.count_nonzero(dense) == 9 and dense.size == 25
    # so the largest 2-D Kronecker field costs little more than its input array
    e = estimate(chain(kernel=2, dilations=[2**l for l in range(12)], dims=2))
    assert e.cells[0] == 4096**2 and e.work < 3 * 4096**2


@given(st.integers(0, 2**32 - 1), st.integers(1, 3))
def test_reached_box_and_listed_holes_equal_the_dense_scans(seed, dims) -> None:
    from kronconv.graph.unitgraph import _first_zeros, _reached_box

    rng = np.random.default_rng(seed)
    shape = tuple(int(v) for v in rng.integers(1, 9, dims))
    c = (rng.random(shape) < rng.uniform(0.05, 0.9)).astype(np.int64) * rng.integers(1, 5, shape)
    nz = np.nonzero(c)
    box = _reached_box(c)
    if not c.any():
        assert box is None
    else:
        assert box == [(int(i.min()), int(i.max()) + 1) for i in nz]
    limit = int(rng.integers(1, 10))
    assert np.array_equal(_first_zeros(c, limit), np.argwhere(c == 0)[:limit])


@pytest.mark.parametrize("where", ["inside", "border"])
def test_numeric_check_of_separable_counts_detects_one_changed_count(where) -> None:
    from kronconv.graph.impulse import numeric_check

    ug = unit_graph(chain(kernel=3, dilations=[1, 2, 4], dims=2))
    assert numeric_check(ug).agrees is True
    lev = ug.input
    counts = lev.counts.copy()
    if where == "inside":
        counts[counts.shape[0] // 2, counts.shape[1] // 3] += 1
    else:  # a count added outside the field's box
        counts = np.pad(counts, 1)
        counts[0, 0] = 1
    bad = dataclasses.replace(lev, counts=counts, origin=tuple(o - (where == "border") for o in lev.origin))
    forged = dataclasses.replace(ug, levels=(bad,) + ug.levels[1:])
    res = numeric_check(forged)
    assert res.ran and res.agrees is False and res.reason


@given(st.tuples(st.integers(1, 12), st.integers(1, 12), st.integers(1, 12)), st.integers(2, 7))
def test_hdc_rule_on_integers_equals_the_symbolic_rule_evaluated(rates, k) -> None:
    import sympy as sp

    from kronconv.graph import hdc_rule

    sym_rule = hdc_rule(["a", "b", "c"], "k")
    syms = {str(v): v for r in (*sym_rule.rates, sym_rule.kernel) for v in r.free_symbols}
    subs = {syms["a"]: rates[0], syms["b"]: rates[1], syms["c"]: rates[2], syms["k"]: k}
    fast = hdc_rule(list(rates), k)
    assert tuple(m.subs(subs) for m in sym_rule.M) == fast.M
    assert fast.m2_ok == bool(sp.Le(sym_rule.M[1].subs(subs), k))
