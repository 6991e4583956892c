"""Peak memory per term of ``kronconv prove --layers L`` (2-D, a = 3), for the figure quoted at ``MAX_TERMS``.

Each run is a fresh process (``python -m kronconv prove --layers L``); its peak resident set size comes
from ``getrusage(RUSAGE_CHILDREN)`` (``ru_maxrss``, KiB on Linux).  The baseline is the same command at
L = 2 (Python, NumPy, SymPy and the general proof, with a negligible instance check), so

    bytes per term = (peak RSS(L) - peak RSS(2)) / terms(L),   terms(L) = 3**(2 L)

is the memory the exact instance check needs per monomial occurrence.  Wall time is measured too.

Usage::

    python3 benchmarks/prove_memory.py [--layers 5,6,7]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from kronconv.polykernel import Layout, estimate_terms


def run(layers: int) -> tuple[float, int]:
    """(wall seconds, peak RSS in bytes) of one fresh ``kronconv prove --layers L``."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.getcwd(), os.environ.get("PYTHONPATH", "")]))
    t = time.perf_counter()
    pid = subprocess.Popen([sys.executable, "-m", "kronconv", "prove", "--layers", str(layers)],
                           stdout=subprocess.DEVNULL, env=env).pid
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"kronconv prove --layers {layers} failed")
    return wall, usage.ru_maxrss * 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", default="5,6,7")
    args = ap.parse_args()
    _, base = run(2)
    print(f"baseline (L = 2): peak RSS {base / 2**20:.0f} MiB")
    print("| L | terms | wall (s) | peak RSS (MiB) | above L = 2 (MiB) | bytes per term |")
    print("|---|---|---|---|---|---|")
    for L in (int(x) for x in args.layers.split(",")):
        wall, peak = run(L)
        terms = estimate_terms(Layout(3, 2, 1, L))
        print(f"| {L} | {terms} | {wall:.2f} | {peak / 2**20:.0f} | {(peak - base) / 2**20:.0f} | "
              f"{(peak - base) / terms:.0f} |", flush=True)


if __name__ == "__main__":
    main()
