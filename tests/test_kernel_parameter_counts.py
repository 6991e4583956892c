"""Stored numbers and degrees of freedom of every way to parameterise an ``N^D`` kernel, recomputed.

Degrees of freedom are recomputed as the rank of the Jacobian of the parameterisation at a random
point (NumPy/SciPy): the Kronecker product of ``L`` factors ``a^D``, the actual dilated cascade
(``L`` kernels ``a^D`` with dilations ``a^l``, composed by convolution), and the outer product of
``D`` vectors; stored numbers are the parameters fed to that map.
"""

from __future__ import annotations

from functools import reduce

import numpy as np
import pytest
from scipy.signal import convolve

from kronconv.formulas import kernel_parameter_counts, parameter_table

CASES = [(a, L, D) for D in (1, 2) for a in (2, 3) for L in (1, 2, 3)] + [(2, 1, 3), (2, 2, 3)]


def _jacobian_rank(fn, factors: list[np.ndarray]) -> tuple[int, int]:
    """(rank, parameter count) of the multilinear map ``fn(factors)`` at ``factors``."""
    cols = []
    for i, f in enumerate(factors):
        for idx in np.ndindex(f.shape):
            unit = np.zeros_like(f)
            unit[idx] = 1.0
            cols.append(np.ravel(fn(factors[:i] + [unit] + factors[i + 1:])))
    return int(np.linalg.matrix_rank(np.array(cols).T)), len(cols)


def _kron(factors: list[np.ndarray]) -> np.ndarray:
    return reduce(lambda acc, f: np.kron(f, acc), factors[1:], factors[0])


def _dilated_cascade(factors: list[np.ndarray], a: int) -> np.ndarray:
    """Compose kernels ``factors[l]`` dilated by ``a**l`` on every axis (full convolution)."""
    out = np.ones((1,) * factors[0].ndim)
    for l, f in enumerate(factors):
        dil = a**l
        spread = np.zeros(tuple(dil * (n - 1) + 1 for n in f.shape))
        spread[tuple(slice(None, None, dil) for _ in f.shape)] = f
        out = convolve(out, spread)
    return out


@pytest.mark.parametrize("a, L, D", CASES)
def test_kronecker_and_cascade_counts_equal_the_jacobian_rank(a: int, L: int, D: int) -> None:
    rng = np.random.default_rng(a * 100 + L * 10 + D)
    counts = {c.name: c for c in kernel_parameter_counts(a**L, a, 1, D)}
    factors = [rng.standard_normal((a,) * D) for _ in range(L)]
    cascade = _dilated_cascade(factors, a)
    assert cascade.shape == (a**L,) * D  # the cascade's kernel is N^D
    for name, fn in (("kronecker", _kron), ("dilated-cascade", lambda fs: _dilated_cascade(fs, a))):
        rank, stored = _jacobian_rank(fn, factors)
        assert (counts[name].stored, counts[name].dof) == (stored, rank), name
    n = (a**L) ** D
    assert (counts["full"].stored, counts["full"].dof) == (n, n)


@pytest.mark.parametrize("N, D", [(2, 1), (5, 1), (2, 3), (3, 3), (4, 3)])
def test_rank_one_separable_counts_outside_2d_equal_the_jacobian_rank(N: int, D: int) -> None:
    rng = np.random.default_rng(N * 10 + D)
    counts = {c.name: c for c in kernel_parameter_counts(N, N, 1, D)}
    vectors = [rng.standard_normal(N) for _ in range(D)]
    rank, stored = _jacobian_rank(lambda vs: reduce(np.multiply.outer, vs), vectors)
    assert (counts["separable"].stored, counts["separable"].dof) == (stored, rank)


def test_parameter_table_defaults_are_factor_3_rank_1_in_2d() -> None:
    rows = parameter_table([1, 3, 9, 27])
    for row, L in zip(rows, range(4)):
        n = row["extent"]
        assert n == 3**L
        assert (row["full_stored"], row["full_dof"]) == (n * n, n * n)  # 2-D
        assert (row["kronecker_stored"], row["kronecker_dof"]) == (9 * L, 8 * L + 1)  # factors 3x3
        assert (row["separable_stored"], row["separable_dof"]) == (2 * n, 2 * n - 1)  # rank 1: u v^T
