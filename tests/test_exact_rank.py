"""The shared exact-rank routine: its primes, and its modular rank on integer and Python-int matrices."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kronconv.exact_rank import PRIMES_START, _is_prime, _primes, exact_rank, rank_mod_p


def _trial_division(n: int) -> bool:
    if n < 2 or n % 2 == 0:
        return n == 2
    return all(n % f for f in range(3, math.isqrt(n) + 1, 2))


def test_miller_rabin_agrees_with_trial_division_on_small_numbers() -> None:
    assert [n for n in range(20_000) if _is_prime(n)] == [n for n in range(20_000) if _trial_division(n)]


@pytest.mark.parametrize("n", [25_326_001, 3_215_031_751, 2_152_302_898_747, 2**31 - 1, 2**31 - 3, 2_147_483_629])
def test_primality_of_strong_pseudoprimes_and_primes_near_the_start(n: int) -> None:
    # 25326001 fools bases 2, 3, 5; 3215031751 fools 2, 3, 5, 7 (decided by trial division above the bound)
    assert _is_prime(n) == _trial_division(n)


def test_primes_are_the_consecutive_primes_below_the_start() -> None:
    g = _primes()
    got = [next(g) for _ in range(40)]
    want, n = [], PRIMES_START - 1
    while len(want) < 40:
        if _trial_division(n):
            want.append(n)
        n -= 1
    assert got == want
    assert [next(_primes()) for _ in range(2)] == want[:1] * 2  # each generator starts again at the top


@given(st.integers(0, 2**32 - 1), st.integers(1, 30), st.integers(1, 30), st.integers(0, 6),
       st.sampled_from([2, 3, 2_147_483_647]))
def test_rank_mod_p_is_the_same_on_int64_and_python_int_matrices(seed: int, rows: int, cols: int, rank: int,
                                                                  p: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.integers(-4, 5, (rows, rank)) @ rng.integers(-4, 5, (rank, cols))
    a[rng.random(a.shape) < 0.3] = 0  # sparse rows and columns: the elimination skips zero entries
    r = rank_mod_p(a, p)
    assert r == rank_mod_p(a.astype(object), p) == rank_mod_p(a.tolist(), p)
    if p > 2**20:
        assert r == exact_rank(a) == int(np.linalg.matrix_rank(a.astype(float)))
