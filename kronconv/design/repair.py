r"""Repair: the hole-free schedules nearest to a schedule with holes (fewest changed layers).

Distance.  Holes depend only on the multiset of dilations, so a schedule is
"changed in ``c`` layers" when ``c`` of its dilations are replaced: the
distance between two ``L``-layer schedules is ``L - |A ∩ B|`` (multiset
intersection).  The depth is kept.

Search.  For ``c = 1, 2, ...``: keep every distinct sub-multiset of ``L - c``
of the original dilations and insert ``c`` new ones, building the sorted
result left to right under the prefix lemma (:mod:`kronconv.design.sumset`):
the next value ``v`` must satisfy ``v <= (k-1)(sum so far) + 1``.  The first
``c`` with any result is the distance (a result reachable with fewer changes
would have been found at a smaller ``c``).  Each stage is estimated before it
runs -- the sum over kept sub-multisets of the product of the inserted values' bounds
``min(M, k^(i-1) B)`` with ``B = (k-1)·(sum of the kept dilations) + 1`` (the ``i``-th
inserted value is at most one more than ``(k-1)`` times the sum of everything before it) --
and refused when the estimate is above the limit (:data:`MAX_REPAIR_WORK` by default).

Examples
--------
>>> r = repair(3, (6, 12, 18))
>>> r.distance, [s for s in r.schedules]
(2, [(1, 2, 6), (1, 3, 6)])
>>> repair(3, (1, 2, 5)).distance
0
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InvalidArgument, TooLarge
from .sumset import check_kernel, prefix_rule

__all__ = ["MAX_REPAIR_WORK", "RepairResult", "repair"]

#: Largest estimated work (candidate insertions) of one repair stage.
MAX_REPAIR_WORK = 2_000_000


@dataclass(frozen=True)
class RepairResult:
    """The original schedule, the least number of changed layers and every hole-free schedule at that distance."""

    kernel: int
    original: tuple[int, ...]
    distance: int
    schedules: tuple[tuple[int, ...], ...]
    rf_target: int | None
    max_dilation: int | None
    work: int


def _stage_estimate(k: int, orig: tuple[int, ...], c: int, M: int | None, cap: int) -> int:
    """The stage's estimated work (module docstring) when it is at most ``cap``, else ``cap + 1``."""
    total = 0
    for kept in set(itertools.combinations(orig, len(orig) - c)):
        B = (k - 1) * sum(kept) + 1
        prod = 1
        for i in range(c):
            bound = k**i * B
            prod *= bound if M is None else min(M, bound)
            if prod > cap:
                return cap + 1
        total += prod
        if total > cap:
            return cap + 1
    return total


def repair(kernel: int, schedule: Sequence[int], max_dilation: int | None = None, rf: int | None = None,
           limit: int = MAX_REPAIR_WORK) -> RepairResult:
    """Nearest hole-free schedules of the same depth (nondecreasing order), optionally with field >= ``rf``."""
    k = check_kernel(kernel)
    orig = tuple(sorted(int(d) for d in schedule))
    if not orig or any(d < 1 for d in orig):
        raise InvalidArgument(f"repair needs a schedule of positive dilations, got {tuple(schedule)!r}")
    L = len(orig)
    if rf is not None and k**L < rf:
        raise InvalidArgument(f"no hole-free {L}-layer chain of {k}-tap kernels reaches a field of {rf} "
                              f"(at most {k}^{L} = {k**L}); repair keeps the depth")

    def ok(seq: tuple[int, ...]) -> bool:
        return rf is None or (k - 1) * sum(seq) + 1 >= rf

    if prefix_rule(k, orig) and ok(orig):
        return RepairResult(k, orig, 0, (orig,), rf, max_dilation, 0)
    total = 0
    for c in range(1, L + 1):
        if _stage_estimate(k, orig, c, max_dilation, limit) > limit:
            raise TooLarge(f"repairing with {c} changed layers needs more than {limit} candidate insertions "
                           f"(estimated before running), above the limit MAX_REPAIR_WORK = {limit}; "
                           "set --max-dilation or repair a shorter schedule")
        found: set[tuple[int, ...]] = set()
        for kept in sorted(set(itertools.combinations(orig, L - c))):
            stack: list[tuple[int, int, int, int, tuple[int, ...]]] = [(0, 0, 1, 0, ())]
            while stack:
                i, used, last, m, seq = stack.pop()
                total += 1
                if i == len(kept) and used == c:
                    if ok(seq):
                        found.add(seq)
                    continue
                if i < len(kept) and kept[i] <= m + 1:
                    stack.append((i + 1, used, kept[i], m + (k - 1) * kept[i], seq + (kept[i],)))
                if used < c:
                    hi = m + 1
                    if i < len(kept):
                        hi = min(hi, kept[i])
                    if max_dilation is not None:
                        hi = min(hi, max_dilation)
                    lo = last if seq else 1
                    for v in range(lo, hi + 1):
                        stack.append((i, used + 1, v, m + (k - 1) * v, seq + (v,)))
        if found:
            res = tuple(sorted(found))
            if not all(prefix_rule(k, s) for s in res):  # pragma: no cover
                raise AssertionError("repair produced a schedule with holes")
            return RepairResult(k, orig, c, res, rf, max_dilation, total)
    return RepairResult(k, orig, L, (), rf, max_dilation, total)
