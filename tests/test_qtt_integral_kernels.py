"""Which kernels count as integer-valued for exact QTT ranks: integer or bool arrays, and finite float arrays
whose entries are all integers, every entry below 2**62 in size (the int64 elimination's headroom)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.errors import InvalidArgument
from kronconv.qtt import exact_rank, rank_profile
from kronconv.qtt.ranks import is_integral, rank_mod_p

BELOW = 2.0**62 - 512  # the largest float64 below 2**62 (spacing 2**9 just below 2**62)


def test_the_float_bound_is_2_62_on_both_sides() -> None:
    assert np.nextafter(2.0**62, 0.0) == BELOW
    for sign in (1.0, -1.0):
        assert is_integral(np.array([0.0, sign * BELOW]))
        assert not is_integral(np.array([0.0, sign * 2.0**62]))


def test_the_integer_bound_is_2_62_on_both_sides() -> None:
    for sign in (1, -1):
        assert is_integral(np.array([0, sign * ((1 << 62) - 1)], dtype=np.int64))
        assert not is_integral(np.array([0, sign * (1 << 62)], dtype=np.int64))
    assert is_integral(np.array([(1 << 62) - 1], dtype=np.uint64))
    assert not is_integral(np.array([1 << 62], dtype=np.uint64))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(-(1 << 61), 1 << 61), min_size=1, max_size=9))
def test_floats_holding_integers_are_integral(values: list[int]) -> None:
    floats = np.array(values, dtype=np.float64)  # rounding an integer to float64 gives an integer
    assert is_integral(floats)
    assert not is_integral(floats + 0.5) or np.all(np.abs(floats) >= 2.0**52)  # x.5 exists only below 2**52


@pytest.mark.parametrize("scale", [1.0, 1e3, 1e9, 2.0**40])
def test_auto_mode_ranks_large_integer_floats_exactly(scale: float) -> None:
    k = np.kron([1.0, 2.0, 3.0], [3.0, 1.0, 4.0]) * scale  # one Kronecker product: rank 1
    prof = rank_profile(k, 3)
    assert prof.mode == "exact" and prof.ranks == (1,) and len(prof.primes) == 1
    half = rank_profile(k + 0.5, 3)
    assert half.mode == "numeric"


def test_exact_rank_refuses_fractional_floats_and_takes_integer_floats() -> None:
    with pytest.raises(InvalidArgument, match="^exact rank needs integer-valued entries$"):
        exact_rank(np.array([[0.5, 1.0], [1.0, 2.0]]))
    with pytest.raises(InvalidArgument, match="^exact rank needs integer-valued entries$"):
        rank_mod_p(np.array([[1.0, 2.0], [3.0, 4.25]]))
    # truncating 0.5 -> 0 would give [[0, 1], [1, 2]], rank 2; the refusal keeps that from happening
    assert exact_rank(np.array([[2.0, 4.0], [1.0, 2.0]])) == 1
    assert exact_rank(np.array([[2.0, 4.0], [1.0, 3.0]])) == 2


def test_exact_rank_of_unsigned_entries_up_to_2_62() -> None:
    top = (1 << 62) - 1
    assert exact_rank(np.array([[top, 0], [0, 1]], dtype=np.uint64)) == 2
    assert exact_rank(np.array([[top, top], [1, 1]], dtype=np.uint64)) == 1
    for big in (1 << 62, (1 << 64) - 1):  # 2**64 - 1 would wrap to -1 as int64
        with pytest.raises(InvalidArgument, match=r"^exact rank needs entries below 2\*\*62 in size$"):
            exact_rank(np.array([[big, 0], [0, 1]], dtype=np.uint64))
    # signed int64 entries at 2**62 and above are exact already: no refusal, the right rank
    assert exact_rank(np.array([[1 << 62, 1 << 62], [1, 1]], dtype=np.int64)) == 1
    assert exact_rank(np.array([[(1 << 63) - 1, 0], [0, 1]], dtype=np.int64)) == 2
