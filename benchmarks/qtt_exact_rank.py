"""Time the exact QTT rank routines against SymPy's ``Matrix.rank``, in the same run.

For integer kernels of a few sizes, every QTT unfolding's exact rank is computed by

* ``kronconv.qtt.exact_rank`` -- multi-modular int64 elimination with the Hadamard-bound stop;
* ``kronconv.verify.qtt.bareiss_rank`` -- the checker's fraction-free elimination on Python ints;
* the baseline ``sympy.Matrix(m).rank()`` (skipped above ``--sympy-max`` entries per matrix).

Two kernel families: generic random integers (full-rank unfoldings, one prime suffices) and
cascades of C = 3 channels (rank-deficient unfoldings, where extra primes are needed).

Usage::

    python3 benchmarks/qtt_exact_rank.py [--repeat 1] [--sympy-max 1024]

Prints a Markdown table with the times and the ratios against SymPy.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import sympy as sp

from kronconv.qtt import exact_rank, unfolding
from kronconv.qtt.fit import compose, random_cascade
from kronconv.verify.qtt import bareiss_rank

CASES = [  # (label, a, L, D)
    ("27x27, a=3", 3, 3, 2),
    ("32x32, a=2", 2, 5, 2),
    ("81x81, a=3", 3, 4, 2),
    ("1-D 4096, a=2", 2, 12, 1),
]


def _time(fn, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--sympy-max", type=int, default=1024, help="largest matrix (entries) given to SymPy")
    args = ap.parse_args()
    print(f"python {platform.python_version()}, numpy {np.__version__}, sympy {sp.__version__}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}\n")
    print("| kernel | family | ranks | multi-modular s | Bareiss s | SymPy s | SymPy / multi-modular |")
    print("|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    for label, a, L, D in CASES:
        for family in ("random", "cascade C=3"):
            k = (rng.integers(-50, 51, (a**L,) * D) if family == "random"
                 else compose(random_cascade(a, L, D, 3, rng), a))
            mats = [unfolding(k, a, L, l) for l in range(L - 1)]
            t_mm, r_mm = _time(lambda: [exact_rank(m) for m in mats], args.repeat)  # noqa: B023
            t_ba, r_ba = _time(lambda: [bareiss_rank(m.tolist()) for m in mats], args.repeat)  # noqa: B023
            if r_mm != r_ba:
                raise SystemExit(f"rank mismatch on {label} {family}: {r_mm} vs {r_ba}")
            if max(m.size for m in mats) <= args.sympy_max:
                t_sp, r_sp = _time(lambda: [sp.Matrix(m.tolist()).rank() for m in mats], args.repeat)  # noqa: B023
                if r_sp != r_mm:
                    raise SystemExit(f"SymPy disagrees on {label} {family}: {r_sp} vs {r_mm}")
                sp_txt, ratio = f"{t_sp:.3f}", f"{t_sp / t_mm:.1f}x"
            else:
                sp_txt, ratio = "skipped", "-"
            print(f"| {label} | {family} | {r_mm} | {t_mm:.3f} | {t_ba:.3f} | {sp_txt} | {ratio} |")


if __name__ == "__main__":
    main()
