"""Time ``kronconv prove`` against a naive SymPy baseline, in the same run, for L = 2..6 (2-D, a = 3).

Baseline: ``benchmarks/naive_sympy.py`` (dense SymPy kernels of symbols, the cascade kernel
built densely with one ``sympy.expand`` per entry and layer, the Kronecker kernel built densely,
entry-by-entry ``expand(x - y) == 0``).

Measured for kronconv: (1) the exact instance check alone (cascade operator, Kronecker
operator, comparison) and (2) the whole ``kronconv prove --layers L`` (general proof with its
SymPy obligations, instance check, rendering), run in-process through ``kronconv.cli.main``.

Usage::

    nice python3 benchmarks/prove_scaling.py [--layers 2,3,4,5,6,7] [--baseline-max 5] [--repeat 3]

The baseline at L = 6 (531,441 SymPy entries) takes minutes, so it is skipped by default
(``--baseline-max 6`` runs it).  Prints a Markdown table with the ratios
(of CPU times, which stay meaningful on a shared machine) and the load average before and after.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import sys
import time

import sympy as sp

from kronconv.cli import main
from kronconv.polykernel import Layout, cascade_operator, compare, kron_operator
from kronconv.proof import clear_cache

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from naive_sympy import naive_check


def instance_check(layers: int, a: int = 3) -> bool:
    lay = Layout(a, 2, 1, layers)
    return compare(cascade_operator(lay, [a**l for l in range(layers)]), kron_operator(lay)).equal


def full_prove(layers: int) -> bool:
    clear_cache()  # time a cold proof: every SymPy obligation discharged again
    with contextlib.redirect_stdout(io.StringIO()):
        return main(["prove", "--layers", str(layers)]) == 0


def best(fn, arg, repeat: int) -> tuple[float, float, object]:
    """(best wall seconds, best CPU seconds of this process, result) over ``repeat`` cold runs."""
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        sp.core.cache.clear_cache()  # every run cold: SymPy's cache would make repeats of the baseline cheap
        t, c = time.perf_counter(), time.process_time()
        out = fn(arg)
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus), out


def run() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", default="2,3,4,5,6")
    ap.add_argument("--baseline-max", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    Ls = [int(x) for x in args.layers.split(",")]
    print(f"machine: {platform.processor() or platform.machine()}, nproc {os.cpu_count()}, "
          f"python {platform.python_version()}, sympy {sp.__version__}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("Times are best-of-repeat; CPU = CPU time of this process (robust when the machine is shared).")
    print("| L | entries | instance check CPU (s) | kronconv prove wall (s) | kronconv prove CPU (s) "
          "| naive SymPy wall (s) | naive SymPy CPU (s) | baseline / instance (CPU) | baseline / prove (CPU) |")
    print("|---|---|---|---|---|---|---|---|---|")
    full_prove(2)  # warm imports
    for L in Ls:
        _, c_i, ok_i = best(instance_check, L, args.repeat)
        t_p, c_p, ok_p = best(full_prove, L, args.repeat)
        assert ok_i and ok_p
        if L <= args.baseline_max:
            t_b, c_b, ok_b = best(naive_check, L, 1 if L >= 5 else args.repeat)
            assert ok_b
            tb, cb, r1, r2 = f"{t_b:.3f}", f"{c_b:.3f}", f"{c_b / c_i:.0f}x", f"{c_b / c_p:.1f}x"
        else:
            tb, cb, r1, r2 = "skipped", "skipped", "-", "-"
        print(f"| {L} | {3**L}x{3**L} | {c_i:.4f} | {t_p:.3f} | {c_p:.3f} | {tb} | {cb} | {r1} | {r2} |", flush=True)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

if __name__ == "__main__":
    run()
