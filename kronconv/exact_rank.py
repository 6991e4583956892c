r"""Exact rank of an integer matrix, by elimination modulo primes with a proven stopping rule.

The rank over :math:`\mathbb{Q}` of an integer matrix :math:`M` is at least its rank modulo
any prime :math:`p` (a nonzero minor mod p is a nonzero integer).  If the rank over
:math:`\mathbb{Q}` were :math:`R` and every prime tried gave less, all those primes would
divide one nonzero :math:`R \times R` minor, whose absolute value is at most the
Hadamard bound :math:`H = \prod` (the :math:`\min(m, n)` largest row norms, each taken
as at least 1).  So the maximum of the modular ranks is the exact rank as soon as it
reaches :math:`\min(m, n)` or the product of the primes tried exceeds :math:`H`
(compared exactly, in integers, as squares).  Each modular rank is Gaussian elimination
in ``int64`` with primes below :math:`2^{31}` (products stay below :math:`2^{62}`).

This is the one exact-rank routine of the library (the prover and the docs use it);
``kronconv verify`` keeps its own small copy.  :func:`rank_work` estimates the work
before any is done.

Examples
--------
>>> exact_rank([[1, 2], [2, 4]]), exact_rank([[1, 2], [3, 4]]), exact_rank([[0, 0]])
(1, 2, 0)
>>> rank_mod_p([[1, 2], [3, 4]], 2)
1
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["PRIMES_START", "exact_rank", "hadamard_bound_sq", "rank_mod_p", "rank_work"]

#: Primes are taken downwards from here (the largest prime below 2**31 first).
PRIMES_START = 1 << 31


def _is_prime(n: int) -> bool:
    """Primality of ``0 <= n < 3_215_031_751``: Miller-Rabin with the bases 2, 3, 5, 7, which is exact
    below that bound (Pomerance, Selfridge and Wagstaff 1980); larger ``n`` by trial division."""
    if n < 2 or n % 2 == 0:
        return n == 2
    if n >= 3_215_031_751:
        return all(n % f for f in range(3, math.isqrt(n) + 1, 2))
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for b in (2, 3, 5, 7):
        if b % n == 0:
            continue
        x = pow(b, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


#: The primes below :data:`PRIMES_START` found so far, largest first (each is searched for once per process).
_FOUND: list[int] = []


def _primes() -> Any:
    i = 0
    while True:
        if i == len(_FOUND):
            n = _FOUND[-1] - 1 if _FOUND else PRIMES_START - 1
            while not _is_prime(n):
                n -= 1
            _FOUND.append(n)
        yield _FOUND[i]
        i += 1


def _residues(m: Any, p: int) -> np.ndarray:
    """``m mod p`` as an ``int64`` array with entries in ``[0, p)``."""
    arr = np.asarray(m)
    if arr.ndim == 2 and (arr.dtype.kind in "bi" or (arr.dtype.kind == "u" and arr.dtype.itemsize < 8)):
        return np.mod(arr.astype(np.int64), p)  # exact: every entry fits in int64; the result is nonnegative
    a = np.array([[int(x) % p for x in row] for row in np.asarray(m, dtype=object).tolist()], dtype=np.int64)
    if a.ndim != 2:
        a = a.reshape(len(a), -1)
    return a


def rank_mod_p(m: Any, p: int = 2_147_483_647) -> int:
    """Rank of the integer matrix ``m`` modulo the prime ``p`` (``p < 2**31``): a lower bound of its rank
    over the rationals.

    Gaussian elimination in ``int64``; each pivot updates only the rows below it that have a nonzero
    entry in the pivot column (the Jacobians of the docs are sparse)."""
    a = _residues(m, p)
    rows, cols = a.shape
    r = 0
    for c in range(cols):
        if r == rows:
            break
        nz = np.flatnonzero(a[r:, c])
        if nz.size == 0:
            continue
        piv = r + int(nz[0])
        if piv != r:
            a[[r, piv]] = a[[piv, r]]
        a[r, c:] = a[r, c:] * pow(int(a[r, c]), p - 2, p) % p
        below = r + 1 + np.flatnonzero(a[r + 1:, c])
        if below.size:
            a[below, c:] = (a[below, c:] - a[below, c][:, None] * a[r, c:][None, :]) % p
        r += 1
    return r


def hadamard_bound_sq(m: Any) -> int:
    """Square of the Hadamard bound on every square minor: product of the ``min(m, n)`` largest
    squared row norms (each at least 1), as an exact integer."""
    rows = np.asarray(m, dtype=object).tolist()
    k = min(len(rows), len(rows[0]) if rows else 0)
    sq = sorted((max(1, sum(int(x) * int(x) for x in row)) for row in rows), reverse=True)[:k]
    return math.prod(sq)


def exact_rank(m: Sequence[Sequence[int]] | np.ndarray) -> int:
    """Exact rank over the rationals of an integer matrix (see the module docstring)."""
    arr = np.asarray(m, dtype=object)
    if arr.size == 0:
        return 0
    full = min(arr.shape)
    bound = hadamard_bound_sq(arr)
    best, prod_sq = 0, 1
    for p in _primes():
        best = max(best, rank_mod_p(arr, p))
        prod_sq *= p * p
        if best == full or prod_sq > bound:
            return best
    raise AssertionError("unreachable")  # pragma: no cover


def rank_work(rows: int, cols: int, entry_bound: int) -> int:
    """Worst-case elementary operations of :func:`exact_rank` on a ``rows x cols`` matrix whose
    entries are at most ``entry_bound`` in absolute value (primes needed x elimination work).

    Examples
    --------
    >>> rank_work(3, 3, 1)
    27
    """
    k = min(rows, cols)
    log2_h = k * (0.5 * math.log2(max(cols, 1)) + math.log2(max(entry_bound, 1))) + 1
    primes = max(1, math.ceil(log2_h / 30))
    return primes * rows * cols * k
