"""CPU benchmark of the NumPy engine, the graph and the docs build: ratios against baselines measured in one run.

Usage::

    PYTHONPATH=$PWD python benchmarks/cpu.py [--threads 1] [--repeats 7] [--before DIR] [--docs]

Prints, for each case, the median time of ``--repeats`` samples and its ratio to
``scipy.ndimage``, ``scipy.signal`` (FFT and direct), torch CPU (where
installed) and the memory-bandwidth floor (the bytes read and written at the
measured ``memcpy`` rate).  NumPy/SciPy's BLAS and torch run with the same
thread count (``--threads``; the BLAS variables are set before NumPy is
imported, torch via ``torch.set_num_threads``).  FFT error/bound ratios come
from a long-double direct reference.  With ``--before DIR`` (a checkout of an
earlier version) the graph at receptive field 4095 (2-D), ``check equivalence
--layers 5`` and, with ``--docs``, the docs build run in subprocesses for both
versions, alternating, so before and after share the machine's load.
Speed targets live here, never in the unit tests.
"""

from __future__ import annotations

import argparse
import os
import sys

_ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
_ap.add_argument("--threads", type=int, default=1, help="BLAS and torch threads (default 1)")
_ap.add_argument("--repeats", type=int, default=7, help="samples per timing; the median is reported")
_ap.add_argument("--before", default=None, help="checkout of an earlier version for before/after runs")
_ap.add_argument("--docs", action="store_true", help="also time the docs build (slow)")
ARGS = _ap.parse_args()
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(ARGS.threads)

import math
import platform
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from kronconv.numeric import conv_geometry, correlate
from kronconv.numeric.correlation import _correlate_np, correlation_plan
from kronconv.numeric.spectral import correlate_fft

try:
    import scipy
    import scipy.ndimage as ndi
    import scipy.signal as sig
except ImportError:  # pragma: no cover - scipy is a test extra
    scipy = None
try:
    import torch

    torch.set_num_threads(ARGS.threads)
except ImportError:  # pragma: no cover
    torch = None

ROOT = Path(__file__).resolve().parent.parent


def timed_many(fns: dict[str, Any], repeats: int = ARGS.repeats) -> dict[str, float]:
    """Median seconds per call of each function, sampled in alternation so that all share the load.

    Each sample loops enough calls to last at least 20 ms.
    """
    inner = {}
    for name, fn in fns.items():
        fn()
        t0 = time.perf_counter()
        fn()
        inner[name] = max(1, int(0.02 / max(time.perf_counter() - t0, 1e-9)))
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            for _ in range(inner[name]):
                fn()
            samples[name].append((time.perf_counter() - t0) / inner[name])
    return {name: statistics.median(v) for name, v in samples.items()}


def machine() -> dict[str, str]:
    model = "unknown"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    cfg = np.show_config(mode="dicts")
    blas = cfg.get("Build Dependencies", {}).get("blas", {})
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": model,
        "cores": str(os.cpu_count()),
        "load (1, 5, 15 min)": ", ".join(f"{v:.2f}" for v in os.getloadavg()),
        "python": platform.python_version(),
        "numpy": f"{np.__version__} (BLAS {blas.get('name', '?')} {blas.get('version', '')})",
        "scipy": scipy.__version__ if scipy else "not installed",
        "torch": f"{torch.__version__}, {torch.get_num_threads()} thread(s)" if torch else "not installed",
        "threads": ", ".join(f"{v}={os.environ.get(v)}" for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                                                  "MKL_NUM_THREADS")),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "unset"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE", "unset"),
    }


def copy_bandwidth() -> float:
    """Bytes read plus written per second by ``np.copyto`` on 64 MiB arrays (the memcpy floor)."""
    src = np.ones(8 << 20)
    dst = np.empty_like(src)
    t = timed_many({"copy": lambda: np.copyto(dst, src)})["copy"]
    return 2 * src.nbytes / t


def row(name: str, t: float, base: dict[str, float | None], floor: float) -> None:
    ratios = "  ".join(f"{k} {t / v:5.2f}x" if v else f"{k}   -  " for k, v in base.items())
    print(f"  {name:<44} {t * 1e3:9.3f} ms  vs {ratios}  floor {t / floor:6.1f}x")


def conv_cases(bw: float) -> None:
    rng = np.random.default_rng(0)
    print("\nCorrelation (median ms; ratios = kronconv time / baseline time; < 1 means kronconv is faster)")
    cases = [
        ("1 ch 512x512, 3x3 same", (1, 1, 512, 512), (1, 1, 3, 3), "same", ("float32", "float64")),
        ("1 ch 2048x2048, 3x3 same", (1, 1, 2048, 2048), (1, 1, 3, 3), "same", ("float32", "float64")),
        ("1 ch 512x512, 7x7 same", (1, 1, 512, 512), (1, 1, 7, 7), "same", ("float32", "float64")),
        ("64 ch 128x128, 3x3 same", (1, 64, 128, 128), (64, 64, 3, 3), "same", ("float32", "float64")),
        ("64 ch 56x56 batch 4, 3x3 same", (4, 64, 56, 56), (64, 64, 3, 3), "same", ("float32",)),
        ("1 ch 258x258, 243x243 valid", (1, 1, 258, 258), (1, 1, 243, 243), "valid", ("float32", "float64")),
        ("1 ch 512x512, 15x15 valid", (1, 1, 512, 512), (1, 1, 15, 15), "valid", ("float32", "float64")),
        ("1 ch 100000, 301 valid", (1, 1, 100000), (1, 1, 301), "valid", ("float32", "float64")),
    ]
    for title, xs, ws, pad, dtypes in cases:
        for dt in dtypes:
            _case(title, rng.standard_normal(xs).astype(dt), rng.standard_normal(ws).astype(dt), pad, bw)


def _case(title: str, x: np.ndarray, w: np.ndarray, pad: str, bw: float) -> None:
    geo = conv_geometry(x.shape, w.shape, padding=pad)
    plan = correlation_plan(geo, x.dtype, "auto")
    fns: dict[str, Any] = {"kronconv": lambda: correlate(x, w, padding=pad, method="auto", max_work=None)}
    if scipy and x.shape[1] == 1 and w.shape[0] == 1:
        xx, ww = x[0, 0], w[0, 0]
        if pad == "same":
            fns["ndimage"] = lambda: ndi.correlate(xx, ww, mode="constant")
        fns["signal.fft"] = lambda: sig.correlate(xx, ww, mode=pad, method="fft")
        if geo.work < 5e7 or x.dtype == np.float32:
            fns["signal.direct"] = lambda: sig.correlate(xx, ww, mode=pad, method="direct")
    if torch is not None:
        xt, wt = torch.from_numpy(x), torch.from_numpy(w)
        conv = torch.nn.functional.conv1d if x.ndim == 3 else torch.nn.functional.conv2d
        tpad = "same" if pad == "same" else 0

        def run_torch() -> Any:
            with torch.no_grad():
                return conv(xt, wt, padding=tpad)

        fns["torch"] = run_torch
    times = timed_many(fns)
    t = times.pop("kronconv")
    base = {k: times.get(k) for k in ("ndimage", "signal.fft", "signal.direct", "torch")}
    nbytes = x.nbytes + w.nbytes + x.dtype.itemsize * x.shape[0] * w.shape[0] * int(np.prod(geo.out_size))
    row(f"{title} {x.dtype} [{plan.path}]", t, base, nbytes / bw)


def fft_bound_ratios() -> None:
    """Observed FFT error over its bound (max over outputs), against a long-double direct reference."""
    print("\nFFT path: observed error / derived bound (the bound must be >= the error: ratio <= 1)")
    rng = np.random.default_rng(1)
    long = np.longdouble

    def ratio(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
        geo = conv_geometry(x.shape, w.shape)
        y, e = correlate_fft(x, w, geo, x.dtype)
        ref = _correlate_np(x.astype(long), w.astype(long), geo, long)
        err = float(np.abs(y.astype(long) - ref).max())
        return err / float(e.max()), float(e.max()) / float(np.abs(ref).max())

    def adversarial(name: str, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        if name == "constant":
            return np.ones(n), np.ones(k)
        if name == "spikes":
            x = rng.standard_normal(n) * 1e-6
            x[rng.integers(0, n, 3)] = 1e6
            return x, rng.standard_normal(k)
        if name == "cauchy":
            return rng.standard_cauchy(n), rng.standard_cauchy(k)
        return rng.standard_normal(n), rng.standard_normal(k)

    for dt in ("float32", "float64"):
        for name, n, k in (("random", 4000, 300), ("random", 66000, 1000), ("constant", 4096, 256),
                           ("spikes", 4096, 256), ("cauchy", 4096, 256)):
            x, w = adversarial(name, n, k)
            r, rel = ratio(x.reshape(1, 1, -1).astype(dt), w.reshape(1, 1, -1).astype(dt))
            print(f"  {dt} {name:<8} n={n:<6} k={k:<5} error/bound {r:9.2e}   bound/max|y| {rel:9.2e}")
        x = rng.standard_normal((1, 1, 258, 258)).astype(dt)
        w = rng.standard_normal((1, 1, 243, 243)).astype(dt)
        r, rel = ratio(x, w)
        print(f"  {dt} random   258x258 * 243x243     error/bound {r:9.2e}   bound/max|y| {rel:9.2e}")


_WRAP = """
import runpy, sys
sys.argv = ["kronconv", *sys.argv[1:]]
try:
    runpy.run_module("kronconv", run_name="__main__", alter_sys=True)
finally:
    with open("/proc/self/status") as fh:
        sys.stderr.write("".join(l for l in fh if l.startswith("VmHWM")))
"""


def _child(args: list[str], tree: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB, the child's own ``VmHWM``) of one ``kronconv`` run in ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-c", _WRAP, *args], cwd=tree, env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    err = p.stderr.read() if p.stderr else ""
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        last = [line for line in err.splitlines() if not line.startswith("VmHWM")][-1:]
        raise RuntimeError(f"exit {code}: {' '.join(last)[:200]}")
    hwm = [line.split()[1] for line in err.splitlines() if line.startswith("VmHWM")]
    return wall, ru.ru_utime + ru.ru_stime, int(hwm[-1]) / 1024 if hwm else float("nan")


def before_after(before: Path | None) -> None:
    trees = [("after", ROOT)] + ([("before", before)] if before else [])
    dil = ",".join(str(2**i) for i in range(12))
    jobs = [("graph RF 4095 2-D (kernel 2, dilations 1..2048)",
             ["graph", "--kernel", "2", "--dilations", dil, "--dims", "2",
              "--format", "json"], 3),
            ("check equivalence --layers 5 (default limits)",
             ["check", "equivalence", "--layers", "5", "--format", "json"], 3)]
    tmp = Path(tempfile.mkdtemp(prefix="kronconv-bench-"))
    if ARGS.docs:
        jobs.append(("docs build (pages, figures, certificates)",
                     ["docs", "--out", str(tmp / "d"), "--proofs",
                      str(tmp / "p"), "-q"], 1))
    print("\nWhole commands in subprocesses (median wall s / CPU s / peak RSS MiB; before and after alternate)")
    for title, cmd, reps in jobs:
        res: dict[str, list[tuple[float, float, float]]] = {n: [] for n, _ in trees}
        for _ in range(reps):
            for n, tree in trees:
                try:
                    res[n].append(_child(cmd, tree))
                except RuntimeError as exc:
                    res[n].append((math.nan,) * 3)
                    print(f"  {title}: {n}: {exc}")
        print(f"  {title}")
        med = {}
        for n, _ in trees:
            ok = [v for v in res[n] if not math.isnan(v[0])]
            if not ok:
                continue
            m = tuple(statistics.median(v[i] for v in ok) for i in range(3))
            med[n] = m
            print(f"    {n:<7} wall {m[0]:7.2f} s   CPU {m[1]:7.2f} s   peak RSS {m[2]:8.1f} MiB")
        if "before" in med and "after" in med:
            a, b = med["after"], med["before"]
            print(f"    after/before: wall {a[0] / b[0]:.2f}x  CPU {a[1] / b[1]:.2f}x  peak RSS {a[2] / b[2]:.2f}x")


def main() -> None:
    info = machine()
    print("kronconv CPU benchmark")
    for k, v in info.items():
        print(f"  {k:<20} {v}")
    print(f"  {'command':<20} PYTHONPATH=$PWD python benchmarks/cpu.py {' '.join(sys.argv[1:])}")
    bw = copy_bandwidth()
    print(f"  {'memcpy bandwidth':<20} {bw / 1e9:.2f} GB/s read+write (np.copyto, 64 MiB); 'floor' = bytes moved / this")
    conv_cases(bw)
    fft_bound_ratios()
    before_after(Path(ARGS.before).resolve() if ARGS.before else None)
    print(f"\nload at the end (1, 5, 15 min): {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
