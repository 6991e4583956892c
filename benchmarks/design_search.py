"""Time the pruned schedule search of ``kronconv design`` against plain enumeration, in the same run.

Baseline (what a first implementation would do): enumerate every multiset of ``L``
dilations in ``[1, (k^L - 1)/(k - 1)]`` for ``L = 1..N`` (the range any hole-free
schedule lies in), test each with a bitset sumset, compute path counts with
Python lists and filter the Pareto front by pairwise dominance --
:func:`kronconv.verify.holefree.brute_force_front`, the independent checker.

Measured for kronconv: :func:`kronconv.design.search` (rules P1-P4, incremental
NumPy path counts) plus :func:`kronconv.design.pareto_front`.  Both must give the
same front (asserted); the table prints nodes against multisets and the time ratio.

Usage::

    python3 benchmarks/design_search.py [--cases 3:9:3,2:8:4,3:27:4,4:16:3]   # k:R:N
"""

from __future__ import annotations

import argparse
import math
import time

from kronconv.design import SearchSpace, pareto_front, search
from kronconv.verify.holefree import brute_force_front


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default="3:9:3,2:8:4,3:27:4,4:16:3,2:16:5", help="comma-separated k:R:N")
    args = ap.parse_args()
    pareto_front(search(SearchSpace((2,), (2,), 2)).scores())  # warm-up: imports and first-call costs
    print("| k | R | N | multisets (baseline) | nodes (pruned) | front | baseline s | search s | ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for case in args.cases.split(","):
        k, R, N = (int(x) for x in case.split(":"))
        multisets = sum(math.comb((k**L - 1) // (k - 1) + L - 1, L) for L in range(1, N + 1))
        t0 = time.perf_counter()
        brute = brute_force_front((k,), (R,), 1, N, None, limit=10**7)
        t1 = time.perf_counter()
        res = search(SearchSpace((k,), (R,), N))
        front = pareto_front(res.scores())
        t2 = time.perf_counter()
        assert brute is not None and sorted(s.objectives() for s in front) == sorted(brute), case
        print(f"| {k} | {R} | {N} | {multisets} | {res.nodes} | {len(front)} | {t1 - t0:.3f} | {t2 - t1:.3f} "
              f"| {(t1 - t0) / max(t2 - t1, 1e-9):.1f}x |")


if __name__ == "__main__":
    main()
