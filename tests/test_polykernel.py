"""The exact monomial representation agrees with outside references (SciPy, numpy.kron, SymPy rings)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import convolve

from kronconv.errors import InvalidArgument, TooLarge
from kronconv.kron import dilate
from kronconv.polykernel import (
    MAX_TERMS,
    Layout,
    cascade_operator,
    check_size,
    compare,
    evaluate_kernel,
    kron_operator,
    monomial_expr,
)


def _conv_kernel(op, ks):
    dense, _ = evaluate_kernel(op, ks)
    return dense[(slice(None), slice(None)) + (slice(None, None, -1),) * op.layout.dims]


@settings(deadline=None)
@given(a=st.integers(1, 3), dims=st.integers(1, 3), layers=st.integers(1, 3), base=st.integers(1, 4),
       seed=st.integers(0, 2**31 - 1))
def test_cascade_operator_matches_scipy_convolution_of_dilated_kernels(a, dims, layers, base, seed):
    if (a**dims) ** layers > 20000:
        return
    lay = Layout(a, dims, 1, layers)
    rng = np.random.default_rng(seed)
    ks = [rng.integers(-5, 6, size=(1, 1) + (a,) * dims) for _ in range(layers)]
    dil = [base**l for l in range(layers)]
    want = dilate(ks[0][0, 0], dil[0])
    for k, d in zip(ks[1:], dil[1:]):
        want = convolve(want, dilate(k[0, 0], d), method="direct")
    got = _conv_kernel(cascade_operator(lay, dil), ks)[0, 0]
    assert got.shape == want.shape
    assert np.array_equal(got.astype(np.int64), np.rint(want).astype(np.int64))


@settings(deadline=None)
@given(a=st.integers(1, 3), dims=st.integers(1, 2), layers=st.integers(1, 3), seed=st.integers(0, 2**31 - 1))
def test_kron_operator_matches_numpy_kron(a, dims, layers, seed):
    lay = Layout(a, dims, 1, layers)
    rng = np.random.default_rng(seed)
    ks = [rng.integers(-5, 6, size=(1, 1) + (a,) * dims) for _ in range(layers)]
    want = ks[0][0, 0]
    for k in ks[1:]:
        want = np.kron(k[0, 0], want)  # last layer outer
    assert np.array_equal(_conv_kernel(kron_operator(lay), ks)[0, 0], want)
    rev = ks[-1][0, 0]
    for k in ks[-2::-1]:
        rev = np.kron(k[0, 0], rev)  # first layer outer
    assert np.array_equal(_conv_kernel(kron_operator(lay, order="first-outer"), ks)[0, 0], rev)


def test_composed_polynomials_match_sympy_sparse_ring():
    """Every entry of the composed kernel, as a SymPy ring polynomial, equals the term table."""
    lay = Layout(2, 2, 1, 2)
    names = [str(monomial_expr(lay, 0).args[0])]  # sanity: symbols render
    assert names[0].startswith("k0[")
    syms = [[sp.Symbol(f"k{l}[{i},{j}]") for i in range(2) for j in range(2)] for l in range(2)]
    R, *gens = sp.ring([s for layer in syms for s in layer], sp.ZZ)
    K0 = np.array(gens[:4], dtype=object).reshape(2, 2)
    K1 = np.array(gens[4:], dtype=object).reshape(2, 2)
    dk1 = np.full((3, 3), R(0), dtype=object)
    dk1[::2, ::2] = K1
    comp = np.full((4, 4), R(0), dtype=object)
    for (p, q), v in np.ndenumerate(dk1):
        for (x, y), w in np.ndenumerate(K0):
            comp[p + x, q + y] += v * w
    op = cascade_operator(lay, [1, 2])
    table = {}
    for off, mono in zip(op.offset.tolist(), op.mono.tolist()):
        key = (-off[0], -off[1])
        table[key] = table.get(key, 0) + monomial_expr(lay, mono)
    for (p, q), poly in np.ndenumerate(comp):
        assert sp.expand(poly.as_expr() - table.get((p, q), 0)) == 0


def test_compare_counts_multiplicities_exactly():
    lay = Layout(3, 1, 1, 2)
    c = compare(cascade_operator(lay, [1, 1]), kron_operator(lay))
    assert not c.equal and c.lhs_extent == (5,) and c.rhs_extent == (9,)
    assert c.witness is not None and c.witness[4] != c.witness[5]


def test_size_limit_is_refused_before_work():
    with pytest.raises(TooLarge, match="MAX_TERMS"):
        check_size(Layout(3, 2, 1, 8))
    assert check_size(Layout(3, 2, 1, 6)) <= MAX_TERMS


def test_centre_origin_needs_odd_kernel():
    with pytest.raises(InvalidArgument, match="odd kernel"):
        Layout(4, 2, 1, 2, "centre")


def test_huge_dilations_fall_back_to_row_comparison():
    lay = Layout(3, 2, 1, 3)
    big = cascade_operator(lay, [1, 1 << 20, 1 << 40])
    c = compare(big, kron_operator(lay))
    assert not c.equal and c.witness is not None
    same = compare(big, cascade_operator(lay, [1, 1 << 20, 1 << 40]))
    assert same.equal
