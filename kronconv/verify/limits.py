"""The prover's size limits, restated by the checker: terms, dense kernels and exact-rank work.

The checker refuses what the prover refuses, by the same numbers, and imports nothing from it.
"""

from __future__ import annotations

import math

__all__ = ["MAX_DENSE", "MAX_TERMS", "RANK_WORK_LIMIT", "factorizations", "rank_limits"]

#: Largest number of terms (the prover's ``kronconv.polykernel.MAX_TERMS``) the checker re-derives.
MAX_TERMS = 1 << 20
#: Largest dense composed kernel of a related rank report (the prover's ``MAX_DENSE``).
MAX_DENSE = 1 << 22
#: Worst-case elementary operations of the exact ranks of one report (the prover's ``RANK_WORK_LIMIT``).
RANK_WORK_LIMIT = 1 << 28


def factorizations(n: int) -> list[tuple[int, int]]:
    return [(p, n // p) for p in range(2, n) if n % p == 0]


def _rank_work(rows: int, cols: int, bound: int) -> int:
    k = min(rows, cols)
    log2_h = k * (0.5 * math.log2(max(cols, 1)) + math.log2(max(bound, 1))) + 1
    return max(1, math.ceil(log2_h / 30)) * rows * cols * k


def rank_limits(L: int, a: int, b: int, D: int, C: int) -> str | None:
    """Why the prover refuses this rank report (the limit named), or ``None`` if it is within limits."""
    t = C ** (L + 1) * a ** (D * L)
    if t > MAX_TERMS:
        return f"{t} composed-kernel terms, above MAX_TERMS = {MAX_TERMS}"
    E = 1 + (a - 1) * sum(b**l for l in range(L))
    if C * C * E**D > MAX_DENSE:
        return f"a dense composed kernel of {C}x{C}x{E}^{D} entries, above MAX_DENSE = {MAX_DENSE}"
    bound = 3**L * C ** (L - 1) * a ** (D * (L - 1))
    work = L * a**D * C * C * E**D + sum(_rank_work(p**D, q**D, bound) for p, q in factorizations(E))
    if work > RANK_WORK_LIMIT:
        return f"exact ranks needing up to {work} operations, above RANK_WORK_LIMIT = {RANK_WORK_LIMIT}"
    return None
