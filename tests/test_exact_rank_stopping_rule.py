"""The exact rank's stopping rule: matrices that vanish modulo the first primes, the Hadamard bound, unsigned
64-bit input, and the work estimate the prover's size limit (and the checker's restatement) rely on."""

from __future__ import annotations

import contextlib
import itertools
import math
import re
from collections.abc import Iterator

import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

import kronconv.exact_rank as er
from kronconv.errors import TooLarge
from kronconv.theorems.base_mismatch import prove_kronecker_rank
from kronconv.verify.limits import _rank_work as checker_rank_work
from kronconv.verify.limits import rank_limits


def _first_primes(k: int) -> list[int]:
    """The ``k`` largest primes below ``2**31``, by SymPy (independent of the module's search)."""
    out, n = [], 2**31
    while len(out) < k:
        n = int(sp.prevprime(n))
        out.append(n)
    return out


@contextlib.contextmanager
def _fresh_prime_cache() -> Iterator[None]:
    """Run with the module's prime cache empty, so that the search for each prime runs again."""
    saved = er._FOUND
    er._FOUND = []
    try:
        yield
    finally:
        er._FOUND = saved


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_a_matrix_that_vanishes_modulo_the_first_k_primes_keeps_its_rank(k: int) -> None:
    # n is 0 modulo each of the first k primes, so the rank over Q shows only from the (k+1)-th prime on.
    n = math.prod(_first_primes(k))
    cases = {((n,),): 1, ((n, 0), (0, n)): 2, ((n, 0), (0, 0), (0, 0)): 1, ((n, n), (n, n)): 1,
             ((0, n, 2 * n), (0, 3 * n, 6 * n), (n, 0, 0)): 2}
    with _fresh_prime_cache():
        for m, rank in cases.items():
            assert er.exact_rank([list(r) for r in m]) == rank == sp.Matrix(m).rank(), m


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 4), st.integers(0, 3))
def test_rank_of_a_matrix_scaled_by_a_product_of_the_first_primes(seed: int, rows: int, cols: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    m = rng.integers(-3, 4, (rows, 2)) @ rng.integers(-3, 4, (2, cols))  # rank at most 2
    n = math.prod(_first_primes(k))
    scaled = [[int(x) * n for x in row] for row in m.tolist()]
    with _fresh_prime_cache():
        assert er.exact_rank(scaled) == sp.Matrix(m.tolist()).rank()


def test_the_primes_are_searched_afresh_without_repeats() -> None:
    with _fresh_prime_cache():
        g = er._primes()
        assert [next(g) for _ in range(6)] == _first_primes(6)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 4))
def test_hadamard_bound_is_at_least_every_squared_square_minor(seed: int, rows: int, cols: int) -> None:
    rng = np.random.default_rng(seed)
    m = rng.integers(-9, 10, (rows, cols))
    m[rng.random(m.shape) < 0.3] = 0
    bound = er.hadamard_bound_sq(m)
    k = min(rows, cols)
    for r in itertools.combinations(range(rows), k):
        for c in itertools.combinations(range(cols), k):
            assert sp.Matrix(m[np.ix_(r, c)].tolist()).det() ** 2 <= bound


@pytest.mark.parametrize(("m", "want"), [
    ([[3]], 9), ([[-3]], 9), ([[3], [1]], 9), ([[1], [0], [-5]], 25),
    ([[1, 2], [0, 0], [-2, 2]], 8 * 5), ([[0, 0], [0, 0], [0, 0]], 1),  # zero rows count as norm 1
    ([[2, 0, 0], [0, 3, 0]], 4 * 9),
])
def test_hadamard_bound_is_the_product_of_the_largest_squared_row_norms(m: list[list[int]], want: int) -> None:
    assert er.hadamard_bound_sq(m) == want


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 2**64 - 1), min_size=3, max_size=3), min_size=1, max_size=4),
       st.sampled_from([3, 5, 17, 641, 2_147_483_647]))
@example([[2**64 - 1]], 3)
def test_rank_mod_p_reads_unsigned_64_bit_entries_exactly(rows: list[list[int]], p: int) -> None:
    a = np.array(rows, dtype=np.uint64)
    assert er.rank_mod_p(a, p) == er.rank_mod_p([[int(x) for x in r] for r in rows], p)
    if rows == [[2**64 - 1]]:
        assert (2**64 - 1) % 3 == 0 and er.rank_mod_p(a, 3) == 0


@given(st.integers(1, 5000), st.integers(1, 5000), st.integers(1, 10**15))
@example(2, 2, 2**14)
@example(2, 2, 2**15)
@example(9, 9, 3**20)
def test_rank_work_is_the_checkers_number(rows: int, cols: int, bound: int) -> None:
    # the checker restates the prover's size limits by the same numbers (kronconv/verify/limits.py)
    assert er.rank_work(rows, cols, bound) == checker_rank_work(rows, cols, bound)


@pytest.mark.parametrize(("rows", "cols", "entry"), [
    (2, 2, 2**15), (2, 2, 2**14), (2, 3, 2**15), (3, 3, 2**10), (4, 2, 2**20), (3, 5, 7**9), (2, 2, 2**31)])
def test_rank_work_bounds_the_work_on_an_all_equal_matrix(rows: int, cols: int, entry: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # All entries equal: rank 1 (below min(rows, cols)), and the Hadamard bound is the worst case
    # (cols * entry**2)**k, so elimination runs over every prime the stopping rule needs.
    calls: list[int] = []
    real = er.rank_mod_p

    def counted(m: object, p: int) -> int:
        calls.append(p)
        return real(m, p)

    monkeypatch.setattr(er, "rank_mod_p", counted)
    k = min(rows, cols)
    assert er.exact_rank([[entry] * cols for _ in range(rows)]) == 1
    primes, needed_sq = _first_primes(len(calls)), (cols * entry * entry) ** k
    assert calls == primes and math.prod(primes) ** 2 > needed_sq >= math.prod(primes[:-1]) ** 2
    assert er.rank_work(rows, cols, entry) >= len(calls) * rows * cols * k


def _work_named(message: str) -> int:
    return int(re.search(r"up to (\d+) operations", message).group(1))  # type: ignore[union-attr]


@pytest.mark.parametrize(("L", "a", "b", "D", "C"), [
    (3, 3, 5, 3, 1), (3, 4, 3, 3, 1), (4, 3, 4, 2, 2), (4, 4, 4, 2, 1), (5, 2, 3, 3, 1), (5, 2, 4, 2, 1),
    (5, 3, 3, 2, 1), (6, 3, 3, 2, 1)])
def test_prover_refuses_rank_work_with_the_checkers_number(L: int, a: int, b: int, D: int, C: int) -> None:
    why = rank_limits(L, a, b, D, C)
    assert why is not None and "RANK_WORK_LIMIT" in why
    with pytest.raises(TooLarge, match="RANK_WORK_LIMIT") as info:
        prove_kronecker_rank(L, a, b, D, C)
    assert _work_named(str(info.value)) == _work_named(why) > 1 << 28
