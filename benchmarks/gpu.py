"""GPU benchmark: kronconv's CUDA kernels against the copy bandwidth and cuDNN (PyTorch), in one run.

Measured, on the same inputs and in the same process:

1. the device-to-device copy bandwidth (CuPy ``copyto`` of the 8192² float32 input), the ceiling;
2. single-channel 3×3 correlation at 8192² (``same`` zeros padding), dilations 1, 2, 4, 8:
   kronconv's tiled kernel and cuDNN, as GB/s (input read + output written), % of copy, ratio;
3. depthwise 64-channel 3×3 correlation at 1024² (the same bytes), same columns;
4. the valid one-channel Kronecker cascade, 3×3 kernels, dilations 3^l, L = 3 and 4, at 8192²:
   kronconv fused (one launch), kronconv layer by layer, cuDNN layer by layer, and cuDNN with
   the dense 3^L × 3^L composite kernel, as ratios to the fused launch;
5. dense channel mixing (64 → 64 channels, 3×3, dilation 2, 512²): kronconv's direct kernel
   against cuDNN -- the case where cuDNN wins and where the dispatcher sends work to it when
   allowed (``allow_cudnn=True``);
6. a sweep of the tiled and fused kernels over other tiles and thread blocks (tuning data).

cuDNN gets its best: ``torch.backends.cudnn.benchmark = True`` (it may pick FFT or Winograd),
PyTorch's default TF32 setting (reported), and warm-up runs before timing.  Every time is the
median of CUDA-event timings after warm-ups.  Each row also reports the largest difference
between kronconv's output and cuDNN's (a sanity check; the tests hold the exact checks).

Usage::

    python3 benchmarks/gpu.py                               # on a GPU: print the tables
    python3 benchmarks/gpu.py --report docs/reports/gpu-benchmarks.md --json out.json
    python3 benchmarks/gpu.py --dry-run                     # no GPU: NumPy backend, small sizes

``--dry-run`` runs every code path (planning, dispatch, the cascade plans, the table and report
writers) with the NumPy backend at small sizes, and PyTorch on the CPU as the baseline where it
is installed; its figures say nothing about a GPU.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kronconv.gpu import cascade_plan, choose_kernel
from kronconv.kron import kron_kernel
from kronconv.numeric import cascade, conv_geometry, correlate

#: Targets of the GPU design, checked against the measured figures.
TARGETS = {
    "single-channel 3x3 at 8192², % of copy bandwidth": 85.0,
    "single-channel 3x3 at 8192², × cuDNN": 15.0,
    "depthwise 64-channel, × cuDNN": 2.0,
    "fused cascade L=3, × cuDNN layer by layer": 10.0,
    "fused cascade L=3, × cuDNN dense kernel": 100.0,
    "fused cascade L=4, × cuDNN dense kernel": 500.0,
}


@dataclass
class Sizes:
    side: int = 8192
    depthwise: tuple[int, int, int] = (64, 1024, 1024)
    cascade_side: int = 8192
    mixing: tuple[int, int] = (64, 512)
    dilations: tuple[int, ...] = (1, 2, 4, 8)
    layers: tuple[int, ...] = (3, 4)


DRY_SIZES = Sizes(side=64, depthwise=(4, 32, 32), cascade_side=96, mixing=(4, 16))


@dataclass
class Results:
    env: dict[str, str] = field(default_factory=dict)
    copy_gbs: float = 0.0
    single: list[dict[str, Any]] = field(default_factory=list)
    depthwise: list[dict[str, Any]] = field(default_factory=list)
    cascade: list[dict[str, Any]] = field(default_factory=list)
    mixing: list[dict[str, Any]] = field(default_factory=list)
    sweep: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)


# --------------------------------------------------------------------------- backends


class NumpyBackend:
    """Dry run: kronconv's NumPy reference and PyTorch on the CPU (or NumPy again) as the baseline."""

    name = "numpy (dry run)"

    def __init__(self) -> None:
        self.xp = np
        try:
            import torch

            self.torch: Any = torch
        except ImportError:
            self.torch = None
        self.baseline = "torch (CPU)" if self.torch is not None else "numpy reference"

    def env(self) -> dict[str, str]:
        return {"device": f"CPU ({platform.processor() or platform.machine()}), dry run",
                "driver": "-", "CUDA runtime": "-", "CuPy": "-",
                "torch": getattr(self.torch, "__version__", "not installed"), "cuDNN": "-", "TF32 (cuDNN)": "-",
                "shared memory per block (opt-in)": "48 KiB (planning default)"}

    def smem_limit(self) -> int:
        return 48 * 1024

    def time(self, fn: Callable[[], Any], warmup: int, repeat: int, budget_s: float) -> float:
        for _ in range(warmup):
            fn()
        times: list[float] = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
            if sum(times) > budget_s and len(times) >= 3:
                break
        return statistics.median(times)

    def random(self, shape: tuple[int, ...], seed: int) -> Any:
        return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)

    def copy(self, src: Any, dst: Any) -> None:
        np.copyto(dst, src)

    def empty_like(self, a: Any) -> Any:
        return np.empty_like(a)

    def kron_correlate(self, x: Any, w: Any, **kw: Any) -> Callable[[], Any]:
        return lambda: correlate(x, w, **kw)

    def kron_fused(self, x: Any, ws: list[Any], dil: list[int]) -> Callable[[], Any]:
        return lambda: cascade(x, ws, dil)

    def kron_launch(self, lc: Any, *arrays: Any) -> Callable[[], Any]:
        """A planned launch (tile sweep); the dry run evaluates the reference instead."""
        if lc.kernel == "dilated_tiled":  # 2-D: dilations are geo[13], geo[14]
            return lambda: correlate(arrays[0], arrays[1], dilation=lc.params[13:15], padding="same")
        dil = [lc.params[16 + 8 * l + 4:16 + 8 * l + 6] for l in range(lc.params[1])]
        return lambda: cascade(arrays[0], list(arrays[1:]), dil)

    def kron_layers(self, x: Any, ws: list[Any], dil: list[int]) -> Callable[[], Any]:
        return lambda: cascade(x, ws, dil)

    def base_conv(self, x: Any, w: Any, *, dilation: int, padding: int, groups: int = 1) -> Callable[[], Any]:
        if self.torch is None:
            return lambda: correlate(x, w, dilation=dilation, padding=padding, groups=groups)
        import torch.nn.functional as F

        tx, tw = self.torch.from_numpy(x), self.torch.from_numpy(w)
        conv = (F.conv1d, F.conv2d, F.conv3d)[x.ndim - 3]
        return lambda: conv(tx, tw, dilation=dilation, padding=padding, groups=groups).numpy()

    def base_layers(self, x: Any, ws: list[Any], dil: list[int]) -> Callable[[], Any]:
        if self.torch is None:
            return lambda: cascade(x, ws, dil)
        import torch.nn.functional as F

        tx, tws = self.torch.from_numpy(x), [self.torch.from_numpy(w) for w in ws]

        def run() -> Any:
            y = tx
            for tw, d in zip(tws, dil):
                y = F.conv2d(y, tw, dilation=d)
            return y.numpy()

        return run

    def max_diff(self, a: Any, b: Any) -> float:
        return float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))))


class CupyBackend(NumpyBackend):
    """kronconv's CUDA kernels (planned launches, preallocated outputs) and cuDNN through PyTorch."""

    name = "cupy"

    def __init__(self) -> None:
        import cupy

        from kronconv.gpu.cudnn import cudnn_unavailable_reason

        self.xp = cupy
        reason = cudnn_unavailable_reason()
        if reason is not None:
            raise SystemExit(f"error: the cuDNN baseline is unavailable: {reason}")
        import torch

        self.torch = torch
        torch.backends.cudnn.benchmark = True
        self.baseline = "cuDNN (torch)"

    def env(self) -> dict[str, str]:
        import cupy

        rt = cupy.cuda.runtime
        props = rt.getDeviceProperties(cupy.cuda.Device().id)
        name = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])

        def ver(v: int) -> str:
            return f"{v // 1000}.{v % 1000 // 10}"

        return {"device": f"{name} ({props['multiProcessorCount']} SMs, {props['totalGlobalMem'] / 2**30:.0f} GiB)",
                "driver": ver(rt.driverGetVersion()), "CUDA runtime": ver(rt.runtimeGetVersion()),
                "CuPy": cupy.__version__, "torch": f"{self.torch.__version__} (CUDA {self.torch.version.cuda})",
                "cuDNN": str(self.torch.backends.cudnn.version()),
                "TF32 (cuDNN)": str(self.torch.backends.cudnn.allow_tf32),
                "shared memory per block (opt-in)": f"{self.smem_limit() // 1024} KiB"}

    def smem_limit(self) -> int:
        from kronconv.gpu.kernels import smem_limit

        return smem_limit()

    def time(self, fn: Callable[[], Any], warmup: int, repeat: int, budget_s: float) -> float:
        import cupy

        for _ in range(warmup):
            fn()
        cupy.cuda.Device().synchronize()
        self.torch.cuda.synchronize()
        times: list[float] = []
        for _ in range(repeat):
            start, stop = self.torch.cuda.Event(enable_timing=True), self.torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            stop.record()
            stop.synchronize()
            times.append(start.elapsed_time(stop) / 1e3)
            if sum(times) > budget_s and len(times) >= 3:
                break
        return statistics.median(times)

    def random(self, shape: tuple[int, ...], seed: int) -> Any:
        import cupy

        return cupy.random.default_rng(seed).standard_normal(shape, dtype=cupy.float32)

    def copy(self, src: Any, dst: Any) -> None:
        self.xp.copyto(dst, src)

    def empty_like(self, a: Any) -> Any:
        return self.xp.empty_like(a)

    def kron_correlate(self, x: Any, w: Any, **kw: Any) -> Callable[[], Any]:
        from kronconv.gpu.kernels import launch

        geo = conv_geometry(x.shape, w.shape, **kw)
        choice = choose_kernel(geo, 4, limit=self.smem_limit())
        y = self.xp.empty((geo.batch, geo.out_channels) + geo.out_size, dtype=np.float32)
        if choice.launch is None:
            return lambda: correlate(x, w, **kw, max_work=None, max_bytes=None)
        lc = choice.launch

        def run() -> Any:
            launch(lc, np.float32, x, w, y)
            return y

        return run

    def kron_fused(self, x: Any, ws: list[Any], dil: list[int]) -> Callable[[], Any]:
        from kronconv.gpu import fused_cascade

        return lambda: fused_cascade(x, ws, dil)[0]

    def kron_launch(self, lc: Any, *arrays: Any) -> Callable[[], Any]:
        from kronconv.gpu.kernels import launch

        y = self.xp.empty(lc.out_shape, dtype=np.float32)
        if lc.kernel == "kron_cascade_fused":
            arrays = (arrays[0], self.xp.concatenate([w.ravel() for w in arrays[1:]]))

        def run() -> Any:
            launch(lc, np.float32, *arrays, y)
            return y

        return run

    def kron_layers(self, x: Any, ws: list[Any], dil: list[int]) -> Callable[[], Any]:
        return lambda: cascade(x, ws, dil, max_work=None, max_bytes=None)

    def base_conv(self, x: Any, w: Any, *, dilation: int, padding: int, groups: int = 1) -> Callable[[], Any]:
        import torch.nn.functional as F

        tx, tw = self.torch.from_dlpack(x), self.torch.from_dlpack(w)
        conv = (F.conv1d, F.conv2d, F.conv3d)[x.ndim - 3]
        return lambda: conv(tx, tw, dilation=dilation, padding=padding, groups=groups)

    def base_layers(self, x: Any, ws: list[Any], dil: list[int]) -> Callable[[], Any]:
        import torch.nn.functional as F

        tx, tws = self.torch.from_dlpack(x), [self.torch.from_dlpack(w) for w in ws]

        def run() -> Any:
            y = tx
            for tw, d in zip(tws, dil):
                y = F.conv2d(y, tw, dilation=d)
            return y

        return run

    def max_diff(self, a: Any, b: Any) -> float:
        xa, xb = (v if isinstance(v, self.xp.ndarray) else self.xp.from_dlpack(v.contiguous()) for v in (a, b))
        return float(self.xp.abs(xa.astype(self.xp.float64) - xb.astype(self.xp.float64)).max())


# --------------------------------------------------------------------------- measurements


def _progress(section: str, row: dict[str, Any]) -> None:
    """Each figure as soon as it is measured (stderr), so a run cut short still leaves them in its log."""
    print(f"[{section}] " + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()),
          file=sys.stderr, flush=True)


@contextlib.contextmanager
def _guard(res: Results, what: str) -> Iterator[None]:
    """Record a failing measurement and go on, so one failure does not cost the rest of the run."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - reported in the table and the exit status
        msg = f"{what}: {type(exc).__name__}: {exc}".splitlines()[0][:300]
        res.errors.append(msg)
        print(f"[error] {msg}", file=sys.stderr, flush=True)


def measure(be: NumpyBackend, sz: Sizes, *, warmup: int, repeat: int, budget_s: float) -> Results:
    res = Results(env=be.env())
    _progress("env", res.env)
    t = lambda fn: be.time(fn, warmup, repeat, budget_s)
    x = be.random((1, 1, sz.side, sz.side), 0)
    res.copy_gbs = float("nan")
    with _guard(res, "copy bandwidth"):
        buf = be.empty_like(x)
        res.copy_gbs = 2 * int(x.size) * 4 / t(lambda: be.copy(x, buf)) / 1e9
        _progress("copy", {"GB/s": res.copy_gbs})

    def conv_rows(xin: Any, channels: int, out: list[dict[str, Any]]) -> None:
        for d in sz.dilations:
            with _guard(res, f"{channels}-channel 3x3, dilation {d}"):
                w = be.random((channels, 1, 3, 3), 10 + d)
                kw: dict[str, Any] = {"dilation": d, "padding": "same", "groups": channels}
                geo = conv_geometry(tuple(xin.shape), tuple(w.shape), **kw)
                choice = choose_kernel(geo, 4, limit=be.smem_limit())
                kfn = be.kron_correlate(xin, w, **kw)
                bfn = be.base_conv(xin, w, dilation=d, padding=d, groups=channels)
                tk, tb = t(kfn), t(bfn)
                moved = 2 * int(xin.size) * 4
                out.append({"dilation": d, "kernel": choice.kernel,
                            "tile": "x".join(map(str, choice.launch.tile[3 - geo.dims:])) if choice.launch else "-",
                            "kronconv_ms": tk * 1e3, "baseline_ms": tb * 1e3, "kronconv_gbs": moved / tk / 1e9,
                            "baseline_gbs": moved / tb / 1e9, "pct_copy": 100 * moved / tk / 1e9 / res.copy_gbs,
                            "speedup": tb / tk, "max_diff": be.max_diff(kfn(), bfn())})
                _progress(f"{channels}-channel", out[-1])

    conv_rows(x, 1, res.single)
    c, h, w_ = sz.depthwise
    conv_rows(be.random((1, c, h, w_), 1), c, res.depthwise)

    xc = be.random((1, 1, sz.cascade_side, sz.cascade_side), 2)
    for layers in sz.layers:
        with _guard(res, f"cascade L={layers}"):
            ws = [be.random((1, 1, 3, 3), 20 + l) for l in range(layers)]
            dil = [3**l for l in range(layers)]
            plan = cascade_plan(tuple(xc.shape), [tuple(w.shape) for w in ws], dil, 4, limit=be.smem_limit())
            dense = be.xp.ascontiguousarray(kron_kernel([w[0, 0] for w in ws])[None, None])
            fns = {"fused": be.kron_fused(xc, ws, dil), "kron_layers": be.kron_layers(xc, ws, dil),
                   "base_layers": be.base_layers(xc, ws, dil), "base_dense": be.base_conv(xc, dense, dilation=1, padding=0)}
            times = {k: t(fn) for k, fn in fns.items()}
            ref = fns["fused"]()
            res.cascade.append({
                "layers": layers, "dense_kernel": f"{3**layers}x{3**layers}", "fused": plan.fused,
                "plan": (f"tile {'x'.join(map(str, plan.launch.tile[1:]))}, {plan.launch.smem_bytes // 1024} KiB, "
                         f"recompute {plan.recompute:.2f}x") if plan.launch else f"layer by layer: {plan.reason}",
                **{f"{k}_ms": v * 1e3 for k, v in times.items()},
                "x_kron_layers": times["kron_layers"] / times["fused"],
                "x_base_layers": times["base_layers"] / times["fused"],
                "x_base_dense": times["base_dense"] / times["fused"],
                "max_diff_layers": be.max_diff(ref, fns["base_layers"]()),
                "max_diff_dense": be.max_diff(ref, fns["base_dense"]())})
            _progress("cascade", res.cascade[-1])

    with _guard(res, "channel mixing"):
        cm, side = sz.mixing
        xm, wm = be.random((1, cm, side, side), 3), be.random((cm, cm, 3, 3), 4)
        geo = conv_geometry(tuple(xm.shape), tuple(wm.shape), dilation=2, padding="same")
        kfn, bfn = be.kron_correlate(xm, wm, dilation=2, padding="same"), be.base_conv(xm, wm, dilation=2, padding=2)
        tk, tb = t(kfn), t(bfn)
        res.mixing.append({"channels": f"{cm}->{cm}", "size": f"{side}x{side}",
                           "kernel": choose_kernel(geo, 4, limit=be.smem_limit()).kernel,
                           "kronconv_ms": tk * 1e3, "baseline_ms": tb * 1e3, "speedup": tb / tk,
                           "dispatch_allowing_cudnn": choose_kernel(geo, 4, limit=be.smem_limit(), allow_cudnn=True,
                                                                    cudnn_reason=None).kernel,
                           "max_diff": be.max_diff(kfn(), bfn())})
        _progress("mixing", res.mixing[-1])
    sweep(be, sz, res, t)
    res.targets = check_targets(res, dry=isinstance(be, NumpyBackend) and not isinstance(be, CupyBackend))
    return res


#: Tiles and blocks tried by the sweep (2-D, normalised to three axes).
SWEEP_TILED = [((1, 16, 128), (32, 8, 1)), ((1, 32, 128), (32, 8, 1)), ((1, 64, 128), (32, 8, 1)),
               ((1, 32, 256), (64, 4, 1)), ((1, 64, 64), (32, 8, 1)), ((1, 16, 256), (128, 2, 1))]
SWEEP_CASCADE = [((1, 16, 64), (32, 8, 1)), ((1, 32, 64), (32, 8, 1)), ((1, 32, 128), (32, 8, 1)),
                 ((1, 64, 128), (32, 8, 1)), ((1, 128, 128), (32, 8, 1)), ((1, 32, 256), (64, 4, 1)),
                 ((1, 64, 256), (64, 4, 1))]


def sweep(be: NumpyBackend, sz: Sizes, res: Results, t: Callable[[Callable[[], Any]], float]) -> None:
    """Time the tiled and fused kernels over several tiles and blocks (the planner's choice is one of them)."""
    from kronconv.gpu import tiled_launch

    x = be.random((1, 1, sz.side, sz.side), 5)
    for d in (1, 8):
        w = be.random((1, 1, 3, 3), 6)
        geo = conv_geometry(tuple(x.shape), tuple(w.shape), dilation=d, padding="same")
        for tile, block in SWEEP_TILED:
            with _guard(res, f"sweep: single-channel dilation {d}, tile {tile}, block {block}"):
                lc = tiled_launch(geo, 4, limit=be.smem_limit(), tile=tile, block=block)
                if lc is None:
                    continue
                tk = t(be.kron_launch(lc, x, w))
                res.sweep.append({"case": f"single-channel 3x3, dilation {d}", "tile": "x".join(map(str, tile[1:])),
                                  "block": "x".join(map(str, block[:2])), "smem_kib": lc.smem_bytes / 1024,
                                  "ms": tk * 1e3, "pct_copy": 100 * 2 * int(x.size) * 4 / tk / 1e9 / res.copy_gbs})
                _progress("sweep", res.sweep[-1])
    xc = be.random((1, 1, sz.cascade_side, sz.cascade_side), 7)
    for layers in sz.layers:
        ws = [be.random((1, 1, 3, 3), 30 + l) for l in range(layers)]
        dil = [3**l for l in range(layers)]
        for tile, block in SWEEP_CASCADE:
            with _guard(res, f"sweep: fused cascade L={layers}, tile {tile}, block {block}"):
                plan = cascade_plan(tuple(xc.shape), [tuple(w.shape) for w in ws], dil, 4, limit=be.smem_limit(),
                                    tile=tile, block=block)
                if plan.launch is None:
                    continue
                tk = t(be.kron_launch(plan.launch, xc, *ws))
                res.sweep.append({"case": f"fused cascade L={layers}", "tile": "x".join(map(str, tile[1:])),
                                  "block": "x".join(map(str, block[:2])), "smem_kib": plan.launch.smem_bytes / 1024,
                                  "ms": tk * 1e3, "pct_copy": 100 * 2 * int(xc.size) * 4 / tk / 1e9 / res.copy_gbs,
                                  "recompute": plan.recompute})
                _progress("sweep", res.sweep[-1])


def check_targets(res: Results, dry: bool = False) -> list[dict[str, Any]]:
    """Each target with its measured value; ``met`` is ``None`` on a dry run (no GPU figures)."""
    got: dict[str, float] = {
        "single-channel 3x3 at 8192², % of copy bandwidth": min(r["pct_copy"] for r in res.single),
        "single-channel 3x3 at 8192², × cuDNN": min(r["speedup"] for r in res.single),
        "depthwise 64-channel, × cuDNN": min(r["speedup"] for r in res.depthwise),
    }
    for r in res.cascade:
        if r["layers"] == 3:
            got["fused cascade L=3, × cuDNN layer by layer"] = r["x_base_layers"]
            got["fused cascade L=3, × cuDNN dense kernel"] = r["x_base_dense"]
        if r["layers"] == 4:
            got["fused cascade L=4, × cuDNN dense kernel"] = r["x_base_dense"]
    return [{"target": k, "goal": v, "measured": got.get(k, float("nan")),
             "met": None if dry else bool(got.get(k, float("nan")) >= v)} for k, v in TARGETS.items()]


# --------------------------------------------------------------------------- rendering


def _table(head: list[str], rows: list[list[str]]) -> str:
    return "\n".join(["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
                     + ["| " + " | ".join(r) + " |" for r in rows])


def render(res: Results, baseline: str, sz: Sizes) -> str:
    f1, f2 = "{:.1f}".format, "{:.2f}".format
    out = [_table(["", ""], [[k, v] for k, v in res.env.items()]), "",
           f"Copy bandwidth (device to device, {sz.side}² float32, read + write): **{res.copy_gbs:.1f} GB/s**", ""]
    conv_head = ["dilation", "GPU kernel", "tile", "kronconv ms", f"{baseline} ms", "kronconv GB/s", f"{baseline} GB/s",
                 "% of copy", f"× {baseline}", "max |Δ|"]

    def conv_table(rows: list[dict[str, Any]]) -> str:
        return _table(conv_head, [[str(r["dilation"]), r["kernel"], r["tile"], f2(r["kronconv_ms"]), f2(r["baseline_ms"]),
                                   f1(r["kronconv_gbs"]), f1(r["baseline_gbs"]), f1(r["pct_copy"]), f1(r["speedup"]),
                                   f"{r['max_diff']:.2g}"] for r in rows])

    out += [f"### Single-channel 3×3 correlation, {sz.side}², same padding", "", conv_table(res.single), "",
            f"### Depthwise 3×3 correlation, {sz.depthwise[0]} channels at {sz.depthwise[1]}×{sz.depthwise[2]}", "",
            conv_table(res.depthwise), "",
            f"### Kronecker cascade (3×3 kernels, dilations 3^l, valid), {sz.cascade_side}²", "",
            _table(["L", "plan", "fused ms", "kronconv layers ms", f"{baseline} layers ms", f"{baseline} dense ms",
                    "dense kernel", "× kronconv layers", f"× {baseline} layers", f"× {baseline} dense",
                    "max |Δ| layers", "max |Δ| dense"],
                   [[str(r["layers"]), r["plan"], f2(r["fused_ms"]), f2(r["kron_layers_ms"]), f2(r["base_layers_ms"]),
                     f2(r["base_dense_ms"]), r["dense_kernel"], f1(r["x_kron_layers"]), f1(r["x_base_layers"]),
                     f1(r["x_base_dense"]), f"{r['max_diff_layers']:.2g}", f"{r['max_diff_dense']:.2g}"]
                    for r in res.cascade]), "",
            "### Dense channel mixing (3×3, dilation 2, same)", "",
            _table(["channels", "size", "GPU kernel", "kronconv ms", f"{baseline} ms", f"× {baseline}",
                    "dispatch with allow_cudnn", "max |Δ|"],
                   [[r["channels"], r["size"], r["kernel"], f2(r["kronconv_ms"]), f2(r["baseline_ms"]), f2(r["speedup"]),
                     r["dispatch_allowing_cudnn"], f"{r['max_diff']:.2g}"] for r in res.mixing]), "",
            "### Tile sweep (kronconv kernels, other tiles and blocks)", "",
            _table(["case", "tile", "block", "shared KiB", "ms", "% of copy", "recompute"],
                   [[r["case"], r["tile"], r["block"], f1(r["smem_kib"]), f2(r["ms"]), f1(r["pct_copy"]),
                     f2(r["recompute"]) if "recompute" in r else "-"] for r in res.sweep]), "",
            *(["### Errors (measurements that failed)", "", *(f"- {e}" for e in res.errors), ""] if res.errors else []),
            "### Targets", "",
            _table(["target", "goal", "measured", "met"],
                   [[r["target"], f"≥ {r['goal']:g}", f1(r["measured"]), "n/a (dry run)" if r["met"] is None else "yes" if r["met"] else "**no**"]
                    for r in res.targets])]
    return "\n".join(out) + "\n"


def report(res: Results, table: str, command: str, dry: bool) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    intro = ("Dry run on the NumPy backend at small sizes: it exercises the benchmark's code paths; "
             "its figures say nothing about a GPU." if dry else
             "kronconv's CUDA kernels against the device's copy bandwidth and cuDNN (PyTorch, "
             "`cudnn.benchmark = True`, warm-ups), all measured in one run on the same inputs.")
    return "\n".join([
        "# GPU benchmarks", "", intro, "",
        f"- date: {when}", f"- command: `{command}`",
        f"- machine: {platform.node() or '-'}, {platform.platform()}, Python {platform.python_version()}",
        "- times: median of CUDA-event timings after warm-ups; GB/s counts the input read and the output written once",
        "- ratios: baseline time / kronconv time (above 1: kronconv faster)", "", table])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dry-run", action="store_true", help="NumPy backend, small sizes: exercise every code path")
    ap.add_argument("--report", type=Path, help="write the Markdown report to this path")
    ap.add_argument("--json", type=Path, help="write every figure as JSON to this path")
    ap.add_argument("--repeat", type=int, default=20, help="timed runs per measurement (at most; default 20)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed runs before timing (default 3)")
    ap.add_argument("--budget", type=float, default=2.0, help="seconds of timed runs per measurement (default 2)")
    args = ap.parse_args(argv)
    if args.repeat < 1 or args.warmup < 0 or args.budget <= 0:
        print(f"error: need --repeat >= 1, --warmup >= 0, --budget > 0, got {args.repeat}, {args.warmup}, "
              f"{args.budget}", file=sys.stderr)
        return 2
    if args.dry_run:
        be: NumpyBackend = NumpyBackend()
        sz = DRY_SIZES
    else:
        from kronconv.backend import gpu_unavailable_reason

        reason = gpu_unavailable_reason()
        if reason is not None:
            print(f"error: no usable GPU ({reason}); use --dry-run to exercise the code paths", file=sys.stderr)
            return 2
        be, sz = CupyBackend(), Sizes()
    res = measure(be, sz, warmup=args.warmup, repeat=args.repeat, budget_s=args.budget)
    table = render(res, be.baseline, sz)
    print(table, end="")
    command = "python3 benchmarks/gpu.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    if args.report is not None:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(report(res, table, command.strip(), args.dry_run), encoding="utf-8")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"backend": be.name, "baseline": be.baseline, "command": command.strip(),
                                         **asdict(res)}, indent=1, default=str), encoding="utf-8")
    return 1 if res.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
