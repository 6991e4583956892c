"""A kernel with a NaN or infinite entry is refused by the SVD-based Kronecker tools, naming it."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.errors import InvalidArgument
from kronconv.kronecker import nearest_kronecker, numeric_kronecker_rank

BAD = (math.nan, math.inf, -math.inf)


@settings(max_examples=30, deadline=None)
@given(pos=st.integers(0, 15), bad=st.sampled_from(BAD), func=st.sampled_from([numeric_kronecker_rank, nearest_kronecker]))
def test_a_non_finite_entry_is_refused_naming_it(pos: int, bad: float, func) -> None:
    a = np.arange(16, dtype=float).reshape(4, 4)
    a.flat[pos] = bad
    with pytest.raises(InvalidArgument, match=rf"a must have finite entries, got {bad} \(1 entries are not finite\)"):
        func(a, (2, 2), (2, 2))


def test_finite_entries_still_give_the_rank_of_a_sum_of_two_products() -> None:
    a = np.kron(np.eye(2), np.ones((2, 2))) + np.kron(np.ones((2, 2)), np.diag([1.0, 2.0]))
    assert numeric_kronecker_rank(a, (2, 2), (2, 2)) == 2
    assert nearest_kronecker(np.kron(np.eye(2), np.ones((2, 2))), (2, 2), (2, 2))[2] < 1e-12
