"""Stored numbers and degrees of freedom of a dilated cascade, counted from an actual cascade.

Stored: the entries of the ``L`` kernels of ``a^D`` taps with dilations ``a^l``.
Degrees of freedom: the rank of the Jacobian of the map from those kernels to
the cascade's composite kernel (its impulse response), at a random point.  The
composite kernel is built here by convolving the zero-stuffed (dilated) kernels
with ``scipy.signal.convolve``, not with the library.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy.signal import convolve

from kronconv.formulas import kernel_parameter_counts, parameter_table


def _dilate(w: np.ndarray, d: int) -> np.ndarray:
    out = np.zeros(tuple((k - 1) * d + 1 for k in w.shape))
    out[tuple(slice(None, None, d) for _ in w.shape)] = w
    return out


def _composite(ws: list[np.ndarray], a: int) -> np.ndarray:
    h = np.ones((1,) * ws[0].ndim)
    for l, w in enumerate(ws):
        h = convolve(h, _dilate(w, a**l))
    return h


def _jacobian_rank(a: int, L: int, D: int, rng: np.random.Generator) -> tuple[int, int]:
    ws = [rng.standard_normal((a,) * D) for _ in range(L)]
    cols = []
    for l in range(L):
        for idx in np.ndindex(*(a,) * D):
            e = [w.copy() for w in ws]
            e[l] = np.zeros((a,) * D)
            e[l][idx] = 1.0
            cols.append(_composite(e, a).ravel())  # multilinear: the partial derivative
    J = np.array(cols).T
    assert J.shape[0] == (a**L) ** D  # the composite kernel is N^D with N = a^L
    return sum(w.size for w in ws), int(np.linalg.matrix_rank(J))


@pytest.mark.parametrize("a, L, D", [(2, 1, 1), (2, 2, 1), (2, 3, 1), (3, 2, 1), (4, 2, 1), (2, 2, 2),
                                     (3, 2, 2), (2, 3, 2), (3, 3, 2), (2, 2, 3), (3, 2, 3)])
def test_dilated_cascade_counts_equal_stored_entries_and_jacobian_rank(a: int, L: int, D: int) -> None:
    counts = {c.name: c for c in kernel_parameter_counts(a**L, a, 1, D)}
    stored, rank = _jacobian_rank(a, L, D, np.random.default_rng(a * 100 + L * 10 + D))
    assert counts["dilated-cascade"].stored == stored == L * a**D
    assert counts["dilated-cascade"].dof == rank
    # one layer: every entry is free; more: L - 1 scales are redundant
    assert rank == L * (a**D - 1) + 1


def test_parameter_table_rows_carry_the_dilated_cascade_counts() -> None:
    rows = parameter_table([2, 4, 8, 16], factor=2, dims=1)
    assert [(r["dilated-cascade_stored"], r["dilated-cascade_dof"]) for r in rows] == [
        (2, 2), (4, 3), (6, 4), (8, 5)]
    rows = parameter_table([3, 9, 27], factor=3, dims=3)
    assert [(r["dilated-cascade_stored"], r["dilated-cascade_dof"]) for r in rows] == [
        (27, 27), (54, 53), (81, 79)]


def test_symbolic_dilated_cascade_counts_evaluate_to_the_counted_values() -> None:
    c = {x.name: x for x in kernel_parameter_counts("N", "a", "r", "D")}["dilated-cascade"]
    N, a, D = sp.Symbol("N", integer=True, positive=True), sp.Symbol("a", integer=True, positive=True), \
        sp.Symbol("D", integer=True, positive=True)
    syms = {s.name: s for s in c.stored.free_symbols | c.dof.free_symbols}
    for av, L, Dv in [(2, 3, 1), (3, 2, 2), (2, 2, 3)]:
        sub = {syms.get("N", N): av**L, syms.get("a", a): av, syms.get("D", D): Dv}
        assert sp.simplify(c.stored.subs(sub)) == L * av**Dv
        assert sp.simplify(c.dof.subs(sub)) == L * (av**Dv - 1) + 1
