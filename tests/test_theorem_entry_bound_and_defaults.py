"""The a priori entry bound of the Kronecker-rank report against composed kernels at the extremes of the
kernel range, the default layer count of the hole-free bound, and the default seed of the rank report."""

from __future__ import annotations

import numpy as np
import pytest

from kronconv.polykernel import Layout
from kronconv.theorems import prove
from kronconv.theorems.base_mismatch import (
    composed_kernel,
    prove_kronecker_rank,
    random_kernels,
    rank_entry_bound,
)

GRID = [(L, a, b, D, C) for L in (1, 2, 3) for a in (2, 3) for b in (1, 2, 3) for D in (1, 2) for C in (1, 2)
        if C ** (L + 1) * a ** (D * L) <= 4096]


@pytest.mark.parametrize(("L", "a", "b", "D", "C"), GRID)
def test_no_composed_entry_exceeds_the_entry_bound(L: int, a: int, b: int, D: int, C: int) -> None:
    # kernels in [-3, 3]: all entries 3 give the largest composed entries (no cancellation)
    lay, dil = Layout(a, D, C, L), [b**l for l in range(L)]
    top = np.abs(composed_kernel(lay, dil, [np.full((C, C) + (a,) * D, 3)] * L)).max()
    bound = rank_entry_bound(L, a, D, C)
    assert top <= bound
    for seed in (0, 1):
        assert np.abs(composed_kernel(lay, dil, random_kernels(L, a, D, C, seed))).max() <= bound
    if L == 1 or (L == 2 and D == 1 and b == 1):
        # one layer: the entry itself; two dense 1-D layers: the centre offset a - 1 is reached by a
        # tap pairs, each summing C channel products 3 * 3
        assert top == bound == (3 if L == 1 else 9 * C * a)


def test_hole_free_bound_without_layers_states_the_default_three_layers() -> None:
    p = prove(theorem="hole-free-bound", kernel=3, layers=None)
    assert p.claim["layers"] == 3 and "= 27" in p.statement
    assert p.to_dict() == prove(theorem="hole-free-bound", kernel=3).to_dict()


def test_kronecker_rank_report_defaults_to_seed_zero() -> None:
    default = prove_kronecker_rank(2, 3, 2, 1, 1)
    assert default.claim["seed"] == 0
    assert default.to_dict() == prove_kronecker_rank(2, 3, 2, 1, 1, seed=0).to_dict()
    assert default.to_dict() != prove_kronecker_rank(2, 3, 2, 1, 1, seed=1).to_dict()  # the seed matters
