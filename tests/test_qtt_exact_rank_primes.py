"""How many primes the exact QTT rank uses: the fewest whose product exceeds the Hadamard bound ``H`` on the
``(r+1)``-minors of a rank-deficient unfolding (the product of the ``r+1`` largest row norms, or column norms,
whichever is smaller).  Both sides are checked with exact integer arithmetic: the product of the primes used
exceeds ``H`` (the rank is proved), and the product of one prime fewer does not (no prime is wasted).
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.qtt import rank_profile
from kronconv.qtt.ranks import PRIMES


def _hadamard_squared(m: np.ndarray, r: int) -> int:
    """H**2 for the (r+1)-minors of an integer matrix, in exact integers (0 if fewer than r+1 nonzero lines)."""
    rows = [int(sum(int(x) * int(x) for x in row)) for row in m.tolist()]
    cols = [int(sum(int(x) * int(x) for x in col)) for col in m.T.tolist()]
    best = None
    for norms2 in (rows, cols):
        top = sorted(norms2, reverse=True)[: r + 1]
        if len(top) < r + 1 or top[-1] == 0:
            return 0
        prod = math.prod(top)
        best = prod if best is None else min(best, prod)
    assert best is not None
    return best


def test_one_prime_decides_a_rank_one_block_up_to_the_largest_bound_below_the_first_prime() -> None:
    # kernel kron((x, x), (1, 1)) with a = 2, L = 2: the unfolding is [[x, x], [x, x]], rank 1, and the
    # Hadamard bound on its 2-minors is (sqrt(2) x)**2 = 2 x**2.  2 * 32767**2 < PRIMES[0] <= 2 * 32768**2.
    p1 = PRIMES[0]
    assert 2 * 32767**2 < p1 <= 2 * 32768**2
    below = rank_profile(np.kron([32767, 32767], [1, 1]), 2, mode="exact")
    assert below.ranks == (1,) and below.primes == (1,)
    above = rank_profile(np.kron([32768, 32768], [1, 1]), 2, mode="exact")
    assert above.ranks == (1,) and above.primes == (2,)


def test_a_block_bound_under_two_primes_needs_two_and_over_them_three() -> None:
    # 2 x**2 below PRIMES[0] * PRIMES[1] (by a relative 2e-4, far above the 1e-9 cover for rounding of the
    # logs): two primes suffice; 2 (x + 1)**2 above it: three are needed
    p12 = PRIMES[0] * PRIMES[1]
    edge = math.isqrt(p12 // 2)
    lo, hi = edge - 10**5, edge + 1
    assert 2 * lo * lo < p12 * (1 - 1e-4) and 2 * hi * hi > p12
    assert rank_profile(np.kron([lo, lo], [1, 1]), 2, mode="exact").primes == (2,)
    assert rank_profile(np.kron([hi, hi], [1, 1]), 2, mode="exact").primes == (3,)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 5), st.data())
def test_primes_used_are_the_fewest_whose_product_beats_the_hadamard_bound(a: int, data: st.DataObject) -> None:
    r = data.draw(st.integers(0, a - 1), label="rank")
    bits = data.draw(st.integers(0, 28), label="bits")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    rng = np.random.default_rng(seed)
    u = rng.integers(-(1 << bits), (1 << bits) + 1, (a, r))
    v = rng.integers(-7, 8, (r, a))
    m = (u @ v).astype(np.int64)
    # a kernel of a**2 taps with a = a, L = 2 has the a x a unfolding rows = coarse digit, cols = fine digit: m
    prof = rank_profile(m.ravel(), a, mode="exact")
    true_rank = sp.Matrix(m.tolist()).rank()
    assert prof.mode == "exact" and prof.ranks == (true_rank,)
    (used,) = prof.primes
    h2 = _hadamard_squared(m, true_rank)
    if h2 == 0:
        assert used == 1  # every (r+1)-minor is zero: the first prime's rank is already exact
        return
    primes = [int(p) for p in PRIMES]
    assert used <= len(primes)
    assert math.prod(primes[:used]) ** 2 > h2  # sound: the primes' product exceeds H
    fewer = math.prod(primes[: used - 1]) ** 2
    assert fewer * 10**6 <= h2 * (10**6 + 1)  # minimal: one prime fewer does not (up to rounding of the logs)


def test_the_built_in_primes_are_the_largest_below_2_31_in_order() -> None:
    # documented: the largest prime below 2**31 and its predecessors (products of two residues fit in int64)
    want = [int(sp.prevprime(2**31))]
    while len(want) < len(PRIMES):
        want.append(int(sp.prevprime(want[-1])))
    assert [int(p) for p in PRIMES] == want
    assert all(sp.isprime(int(p)) for p in PRIMES)
    assert (int(PRIMES[0]) - 1) ** 2 < 2**63


def test_a_matrix_singular_modulo_each_of_the_first_four_primes_has_full_rank() -> None:
    # diag(p1 p2, p3 p4): rank 1 modulo each of the first four primes, rank 2 (full) modulo the fifth
    p = [int(x) for x in PRIMES]
    m = np.diag([p[0] * p[1], p[2] * p[3]]).astype(np.int64)
    prof = rank_profile(m.ravel(), 2, mode="exact")
    assert prof.ranks == (2,) and prof.primes == (5,)
