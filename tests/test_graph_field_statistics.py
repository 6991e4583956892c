"""Path-count statistics of a field, the formula field of a window of units, and the HDC rule at K = 2.

References: the input-level path counts of a chain are its impulse response
(``scipy.signal.convolve`` of zero-stuffed all-ones kernels, subsampled by the
strides); statistics are recomputed here with ``numpy``; the field of a window
of units is the union of the windows read, found by brute force.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import convolve

from kronconv.graph import analyse, hdc_for_network, hdc_rule, unit_graph
from kronconv.spec import chain


def _impulse_1d(kernels: list[int], dilations: list[int]) -> np.ndarray:
    h = np.ones(1, dtype=np.int64)
    for k, d in zip(kernels, dilations):
        w = np.zeros((k - 1) * d + 1, dtype=np.int64)
        w[::d] = 1
        h = np.rint(convolve(h.astype(float), w.astype(float))).astype(np.int64)
    return h


@settings(max_examples=40)
@given(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 4)), min_size=1, max_size=4))
def test_summary_statistics_equal_the_weighted_moments_of_the_impulse_response(layers) -> None:
    ks, ds = [k for k, _ in layers], [d for _, d in layers]
    h = _impulse_1d(ks, ds)
    s = unit_graph(chain(kernels=ks, dilations=ds, dims=1)).summary()
    r = len(h)
    pos = np.arange(r)
    assert s.receptive_field == (r,)
    assert s.total_paths == int(h.sum()) == math.prod(ks) and s.max_paths == int(h.max())
    assert s.holes == int((h == 0).sum()) and s.reached == int((h != 0).sum())
    assert s.centre_paths == int(h[(r - 1) // 2])
    origin = s.bbox[0][0]
    assert s.bbox == ((origin, origin + r - 1),)
    mean = np.average(pos, weights=h)
    assert s.mean[0] == pytest.approx(origin + mean, rel=1e-12, abs=1e-12)
    assert s.spread[0] == pytest.approx(math.sqrt(np.average((pos - mean) ** 2, weights=h)), rel=1e-9, abs=1e-12)
    # a uniform field of the same extent: the population standard deviation of 0..r-1
    assert s.spread_uniform[0] == pytest.approx(float(np.std(pos)), rel=1e-12, abs=1e-12)
    assert s.single_path is (bool((h == 1).all()))


@pytest.mark.parametrize("kernels, dilations", [([3, 3], [1, 2]), ([2, 2, 2], [1, 2, 4]), ([4], [1])])
def test_two_dimensional_summary_uses_per_axis_marginals(kernels, dilations) -> None:
    h1 = _impulse_1d(kernels, dilations)
    h = np.outer(h1, h1)
    s = unit_graph(chain(kernels=kernels, dilations=dilations, dims=2)).summary()
    r = len(h1)
    assert s.receptive_field == (r, r) and s.total_paths == int(h.sum())
    assert s.centre_paths == int(h[(r - 1) // 2, (r - 1) // 2])
    assert s.spread_uniform == pytest.approx((float(np.std(np.arange(r))),) * 2, rel=1e-12)
    sd = math.sqrt(np.average((np.arange(r) - np.average(np.arange(r), weights=h1)) ** 2, weights=h1))
    assert s.spread == pytest.approx((sd, sd), rel=1e-9)


def _window_field(kernels: list[int], dilations: list[int], strides: list[int], window: int) -> int:
    """Extent of the input positions read by output units 0 .. window - 1 (unpadded chain), by brute force."""
    units = set(range(window))
    for k, d, s in reversed(list(zip(kernels, dilations, strides))):
        units = {u * s + d * t for u in units for t in range(k)}
    return max(units) - min(units) + 1


@settings(max_examples=40)
@given(st.lists(st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)), min_size=1, max_size=3),
       st.integers(1, 4))
def test_windowed_formula_field_is_the_span_of_the_window(layers, window: int) -> None:
    ks, ds, ss = ([v[i] for v in layers] for i in range(3))
    want = _window_field(ks, ds, ss, window)
    rep = analyse(chain(kernels=ks, dilations=ds, strides=ss, dims=1), window=window, check_numeric=False)
    assert rep.formula_receptive_field == (want,)
    assert rep.summary.receptive_field == (want,)
    assert rep.formula_agrees is True and rep.to_dict()["agrees_with_formula"] is True


def test_windowed_formula_field_of_a_strided_chain_by_hand() -> None:
    # unit u reads [4u, 4u + 6]; units 0..2 read [0, 14]
    rep = analyse(chain(kernel=3, strides=[2], layers=2, dims=1), window=3)
    assert rep.formula_receptive_field == (15,) and rep.formula_agrees is True
    rep = analyse(chain(kernel=3, strides=[2], layers=2, dims=1), window=1)
    assert rep.formula_receptive_field == (7,) and rep.formula_agrees is True


# --------------------------------------------------------------------------- HDC rule with K = 2


def _hdc_m(rates: list[int]) -> list[int]:
    """M_i of Wang et al. 2018, from the paper's recursion."""
    m = [0] * len(rates)
    m[-1] = rates[-1]
    for i in range(len(rates) - 2, -1, -1):
        m[i] = max(m[i + 1] - 2 * rates[i], m[i + 1] - 2 * (m[i + 1] - rates[i]), rates[i])
    return m


@pytest.mark.parametrize("rates, m2, satisfied", [
    ([1, 2, 2], 2, True),    # M_2 = K: the boundary is allowed
    ([1, 3, 3], 3, False),   # M_2 = K + 1
    ([1, 1, 2], 1, True),
    ([1, 2], 2, True),
    ([1, 3], 3, False),
    ([2, 2, 2], 2, False),   # M_2 fine but a common factor 2
])
def test_hdc_rule_at_kernel_two_compares_m2_with_two(rates, m2, satisfied) -> None:
    r = hdc_rule(rates, 2)
    assert [int(v) for v in r.M] == _hdc_m(rates) and int(r.M[1]) == m2
    assert r.m2_ok is (m2 <= 2) and r.satisfied is satisfied


def test_hdc_for_network_keeps_kernel_two_layers_and_reports_k_2() -> None:
    rule, why = hdc_for_network(chain(kernel=2, dilations=[1, 1, 4], dims=1))
    assert why == "" and [int(r) for r in rule.rates] == [1, 1, 4] and int(rule.kernel) == 2
    rule, _ = hdc_for_network(chain(kernels=[2, 1, 2], dilations=[1, 5, 2], dims=1))
    assert [int(r) for r in rule.rates] == [1, 2] and int(rule.kernel) == 2  # the 1-tap layer is left out
    d = analyse(chain(kernel=2, dilations=[1, 1, 4], dims=1)).to_dict()
    # the rule passes (M_2 = 2 <= K) but the graph finds a hole: K = 2 is outside the rule's 3-tap reasoning
    assert d["holes"] == 1 and d["hdc_rule"]["kernel"] == 2 and d["hdc_rule"]["M2"] == 2
    assert d["hdc_rule"]["satisfied"] is True and d["hdc_rule"]["agrees_with_graph"] is False


def _clipped_counts(k: int, layers: int, n: int, unit: int) -> dict[int, int]:
    """Paths from output ``unit`` to each input position of a same-size zero-padded chain, by enumeration."""
    paths = {unit: 1}
    for _ in range(layers):
        nxt: dict[int, int] = {}
        for p, c in paths.items():
            for t in range(k):
                q = p - (k - 1) // 2 + t
                if 0 <= q < n:  # padding positions carry no path
                    nxt[q] = nxt.get(q, 0) + c
        paths = nxt
    return paths


@pytest.mark.parametrize("k, layers, n, unit", [(3, 3, 4, 0), (3, 2, 6, 0), (5, 2, 7, 1), (3, 3, 9, 8)])
def test_centre_and_moments_of_a_field_clipped_by_zero_padding(k, layers, n, unit) -> None:
    want = _clipped_counts(k, layers, n, unit)
    lo, hi = min(want), max(want)
    h = np.array([want.get(p, 0) for p in range(lo, hi + 1)])
    net = chain(kernel=k, paddings=[(k - 1) // 2], layers=layers, dims=1)
    ug = unit_graph(net, input_size=n, unit=unit)
    origin, c = ug.path_counts()
    assert origin == (lo,) and c.tolist() == h.tolist()
    s = ug.summary()
    assert s.centre_paths == int(h[(len(h) - 1) // 2])  # rounded down to a grid position when even
    assert s.spread_uniform[0] == pytest.approx(float(np.std(np.arange(len(h)))), rel=1e-12)
    pos = np.arange(lo, hi + 1)
    assert s.mean[0] == pytest.approx(float(np.average(pos, weights=h)), rel=1e-12)
