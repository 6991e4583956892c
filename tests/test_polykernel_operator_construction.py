"""Polynomial operators: the 62-bit monomial limit, size refusals, explicit kernels, exact evaluation.

Expected values come from the documented rules (``symbols_per_layer**layers < 2**62``; a cascade
of ``L`` layers has ``C**(L+1) * a**(D L)`` terms) and from a brute-force Python-integer composition
of the dilated layer kernels, independent of the monomial encoding.
"""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import kronconv.polykernel as pk
from kronconv.errors import TooLarge
from kronconv.kron import dilate
from kronconv.polykernel import (
    Layout,
    cascade_operator,
    compare,
    decode_monomial,
    evaluate_kernel,
    kernel_operator,
    kron_operator,
    layer_operator,
)

# ---------------------------------------------------------------- the 62-bit monomial encoding


@pytest.mark.parametrize(("kernel", "largest"), [(2, 61), (4, 30), (3, 39)])
def test_largest_layer_count_under_the_62_bit_encoding_is_accepted(kernel: int, largest: int) -> None:
    assert kernel**largest < 2**62 <= kernel ** (largest + 1)  # the documented bound, recomputed
    lay = Layout(kernel, 1, 1, largest)
    assert lay.symbols_per_layer == kernel
    top = layer_operator(lay, largest - 1, 1)  # the top layer's digit is exact in int64
    assert top.mono.tolist() == [s * kernel ** (largest - 1) for s in range(kernel)]
    assert decode_monomial(lay, int(top.mono[-1])) == [0] * (largest - 1) + [kernel - 1]
    with pytest.raises(TooLarge, match=rf"{largest + 1} layers of {kernel} symbols overflow the 62-bit"):
        Layout(kernel, 1, 1, largest + 1)


@settings(max_examples=150, deadline=None)
@given(kernel=st.integers(1, 64), dims=st.integers(1, 3), channels=st.integers(1, 64), layers=st.integers(1, 64))
def test_layouts_are_refused_exactly_when_the_monomial_keys_reach_2_to_the_62(
        kernel: int, dims: int, channels: int, layers: int) -> None:
    symbols = channels**2 * kernel**dims
    if symbols**layers < 2**62:
        assert Layout(kernel, dims, channels, layers).symbols_per_layer == symbols
    else:
        with pytest.raises(TooLarge, match="need symbols_per_layer\\*\\*layers < 2\\*\\*62"):
            Layout(kernel, dims, channels, layers)


# ---------------------------------------------------------------- size refusals before any work

_small_layouts = st.tuples(st.integers(1, 3), st.integers(1, 2), st.integers(1, 3), st.integers(1, 3)).filter(
    lambda t: t[2] ** (t[3] + 1) * t[0] ** (t[1] * t[3]) <= 2000)


@settings(max_examples=80, deadline=None)
@given(shape=_small_layouts, limit=st.integers(1, 2500), channel_sum=st.booleans())
def test_operators_are_refused_exactly_above_the_term_limit(shape: tuple[int, int, int, int], limit: int,
                                                             channel_sum: bool) -> None:
    a, D, C, L = shape
    lay = Layout(a, D, C, L)
    cascade_terms = C ** (L + 1) * a ** (D * L)  # one term per channel path and tap tuple
    kron_terms = (C ** (L + 1) if channel_sum else C**2) * a ** (D * L)
    with mock.patch.object(pk, "MAX_TERMS", limit):
        if cascade_terms > limit:  # the exact check always needs the cascade operator
            with pytest.raises(TooLarge, match=f"needs {cascade_terms} terms, above the limit MAX_TERMS = {limit}"):
                kron_operator(lay, channel_sum=channel_sum)
            with pytest.raises(TooLarge, match=f"needs {cascade_terms} terms"):
                cascade_operator(lay, [1] * L)
        else:
            assert kron_operator(lay, channel_sum=channel_sum).size == kron_terms
            assert cascade_operator(lay, [1] * L).size == cascade_terms


def test_kron_operator_per_channel_pair_is_refused_at_the_real_limit() -> None:
    """Two channels, one tap: 2**(L+1) cascade terms; L = 19 reaches MAX_TERMS exactly, L = 20 is refused."""
    assert kron_operator(Layout(1, 1, 2, 19), channel_sum=False).size == 4
    with pytest.raises(TooLarge, match=r"needs 2097152 terms, above the limit MAX_TERMS = 1048576 "
                                       r"\(1-D a=1 allows L <= 19\)"):
        kron_operator(Layout(1, 1, 2, 20), channel_sum=False)


# ---------------------------------------------------------------- explicit kernels


@pytest.mark.parametrize(("origin", "conv", "corr"), [("corner", [0, -2], [0, 2]), ("centre", [1, -1], [-1, 1])])
def test_kernel_operator_reads_taps_with_the_convolution_or_correlation_sign(origin: str, conv: list[int],
                                                                           corr: list[int]) -> None:
    lay = Layout(3, 1, 1, 1, origin)
    kernel = np.array([0, -1, 1])  # symbols 0 and 1 at positions 0 and 2 (-1 and +1 about the centre)
    for correlation, want in ((False, conv), (True, corr)):
        op = kernel_operator(lay, kernel, correlation=correlation)
        assert op.offset.ravel().tolist() == want
        assert op.mono.tolist() == [0, 1]


@settings(max_examples=60, deadline=None)
@given(a=st.integers(1, 3), dims=st.integers(1, 2), centre=st.booleans(), correlation=st.booleans(),
       data=st.data())
def test_kernel_operator_of_a_dilated_index_kernel_is_the_dilated_layer(a: int, dims: int, centre: bool,
                                                                       correlation: bool, data: st.DataObject) -> None:
    if centre and a % 2 == 0:
        a += 1
    d = tuple(data.draw(st.integers(1, 3)) for _ in range(dims))
    lay = Layout(a, dims, 1, 1, "centre" if centre else "corner")
    idx = np.arange(a**dims).reshape((a,) * dims)
    on = dilate(np.ones((a,) * dims, dtype=np.int64), d) == 1
    kernel = np.where(on, dilate(idx, d), -1)
    got = kernel_operator(lay, kernel, correlation=correlation)
    assert compare(got, layer_operator(lay, 0, d, correlation=correlation)).equal
    assert not compare(got, layer_operator(lay, 0, d, correlation=not correlation)).equal or a == 1


# ---------------------------------------------------------------- exact evaluation


def _brute_cascade(ks: list[list], dilations: list[int], C: int, D: int) -> dict:
    """``{(o, i, q): value}`` of the composed convolution kernel, composed in Python integers."""
    w: dict = {(c, c, (0,) * D): 1 for c in range(C)}
    for k, d in zip(ks, dilations):
        nxt: dict = {}
        for (c, i, q), v in w.items():
            for o in range(C):
                for p, kv in np.ndenumerate(np.asarray(k[o][c], dtype=object)):
                    key = (o, i, tuple(qq + d * pp for qq, pp in zip(q, p)))
                    nxt[key] = nxt.get(key, 0) + int(kv) * v
        w = nxt
    return w


@settings(max_examples=60, deadline=None)
@given(a=st.integers(1, 3), dims=st.integers(1, 2), C=st.integers(1, 2), L=st.integers(1, 3),
       magnitude=st.sampled_from([5, 1 << 31, 1 << 40, (1 << 62) - 1]), data=st.data())
@example(a=2, dims=1, C=1, L=3, magnitude=1 << 40, data=None)
def test_evaluate_kernel_is_exact_for_any_integer_size(a: int, dims: int, C: int, L: int, magnitude: int,
                                                       data: st.DataObject | None) -> None:
    if C ** (L + 1) * a ** (dims * L) > 600:
        return
    lay = Layout(a, dims, C, L)
    shape = (C, C) + (a,) * dims
    n = int(np.prod(shape))
    if data is None:
        ks = [np.full(shape, magnitude, dtype=np.int64) for _ in range(L)]
        dil = [1, 2, 4][:L]
    else:
        ks = [np.array(data.draw(st.lists(st.integers(-magnitude, magnitude), min_size=n, max_size=n)),
                       dtype=np.int64).reshape(shape) for _ in range(L)]
        dil = [data.draw(st.integers(1, 3)) for _ in range(L)]
    dense, lo = evaluate_kernel(cascade_operator(lay, dil), ks)
    want = _brute_cascade([k.tolist() for k in ks], dil, C, dims)
    qs = [q for (_, _, q) in want]
    assert lo == tuple(-max(q[k] for q in qs) for k in range(dims))  # offsets are -q for a convolution
    assert dense.shape == (C, C) + tuple(max(q[k] for q in qs) - min(q[k] for q in qs) + 1 for k in range(dims))
    seen = np.zeros(dense.shape, dtype=bool)
    for (o, i, q), v in want.items():
        at = (o, i) + tuple(-qq - low for qq, low in zip(q, lo))
        assert int(dense[at]) == v
        seen[at] = True
    assert all(int(x) == 0 for x in dense[~seen])


def test_evaluate_kernel_is_exact_at_the_most_negative_int64() -> None:
    """Regression: ``np.abs(-2**63)`` is negative in int64, which once chose int64 and wrapped the product to 0."""
    lay = Layout(1, 1, 1, 2)
    dense, lo = evaluate_kernel(cascade_operator(lay, [1, 1]), [np.array([-(2**63)]), np.array([2])])
    assert lo == (0,)
    assert int(dense[0, 0, 0]) == -(2**64)
    dense, _ = evaluate_kernel(cascade_operator(lay, [1, 1]), [np.array([-(2**63)]), np.array([-1])])
    assert int(dense[0, 0, 0]) == 2**63
