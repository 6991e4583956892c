"""The tiled and fused-cascade CUDA kernels: on the CPU through a block-faithful emulation, and on a GPU.

Host tests compile ``tiled.cu`` and ``cascade.cu`` with the host compiler and run
the very launches the GPU path plans (tile, block, grid, shared memory, ``geo[]``)
under the fiber emulation of :mod:`cuda_host`, against the NumPy reference:
exactly on small integers (every partial sum an integer below ``2**24``), and
within the derived bound on floats (``2 gamma_n sum |w||x|`` for one correlation,
twice the propagated bound of :func:`kronconv.numeric.cascade_with_bound` for a
cascade, since both evaluations obey it).  GPU tests (marker ``gpu``) run the
real CuPy kernels against NumPy.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from cuda_host import build_host_library, host_compiler, instantiations, nvrtc_compile
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from strategies import float_array, int_array, seeds

import kronconv.gpu as gpu_pkg
from kronconv.errors import InvalidArgument
from kronconv.gpu import CascadePlan, cascade_plan, choose_kernel, kernel_source, tiled_launch
from kronconv.gpu.kernels import DEFAULT_SMEM_LIMIT, SOURCES, SPECIALISED, name_expression
from kronconv.numeric import (
    cascade,
    cascade_with_bound,
    conv_geometry,
    correlate,
    gamma,
    unit_roundoff,
)

GPU_DIR = Path(gpu_pkg.__file__).parent
TEMPLATES = [(0, 0, 0)] + sorted(SPECIALISED)
HOST = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _need_compiler() -> None:
    if host_compiler() is None:
        pytest.skip("no C++ compiler (g++ or clang++): host emulation of the CUDA sources skipped")


@pytest.fixture(scope="module")
def tiled_host(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    _need_compiler()
    return build_host_library(tmp_path_factory.mktemp("tiled"), GPU_DIR, "tiled.cu",
                              instantiations(["dilated_tiled"], TEMPLATES))


@pytest.fixture(scope="module")
def cascade_host(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    _need_compiler()
    return build_host_library(tmp_path_factory.mktemp("cascade"), GPU_DIR, "cascade.cu",
                              instantiations(["kron_cascade_fused"], TEMPLATES))


# --------------------------------------------------------------------------- drawn problems


@st.composite
def depthwise_cases(draw, unrolled: bool = False):  # type: ignore[no-untyped-def]
    """A depthwise stride-1 correlation, a tile and a block (normalised to three axes) and a grid depth.

    ``unrolled``: kernel shapes with a compile-time instantiation (weights in registers, row blocks)
    and dilations up to 9, so row blocks span more than a tile.
    """
    if unrolled:
        k3 = draw(st.sampled_from(sorted(SPECIALISED)))
        d = 3 - next(i for i, k in enumerate(k3) if k > 1) if k3 != (1, 1, 1) else 1
        ks = k3[3 - d:]
        ds = tuple(draw(st.integers(1, 9)) for _ in range(d))
    else:
        d = draw(st.integers(1, 3))
        ks = tuple(draw(st.integers(1, 3)) for _ in range(d))
        ds = tuple(draw(st.integers(1, 3)) for _ in range(d))
    mode = draw(st.sampled_from(["valid", "same", "full", "circular"]))
    ext = [dd * (k - 1) + 1 for k, dd in zip(ks, ds)]
    size = tuple(draw(st.integers(e if mode == "valid" else 1, e + 6)) for e in ext)
    tile = tuple([1] * (3 - d) + [draw(st.integers(1, 4)) for _ in range(d - 1)] + [draw(st.integers(1, 9))])
    block = (draw(st.integers(1, 8)), draw(st.integers(1, 3)), draw(st.integers(1, 2)))
    return {"batch": draw(st.integers(1, 2)), "channels": draw(st.integers(1, 3)), "size": size, "kernel": ks,
            "dilation": ds, "padding": mode, "tile": tile, "block": block, "seed": draw(seeds()),
            "grid_z": draw(st.sampled_from([1, 2, None])), "specialise": unrolled or draw(st.booleans())}


def _tiled_problem(c, dtype, integers):  # type: ignore[no-untyped-def]
    xs = (c["batch"], c["channels"]) + c["size"]
    ws = (c["channels"], 1) + c["kernel"]
    x = int_array(c["seed"], xs, -4, 4, dtype) if integers else float_array(c["seed"], xs, dtype)
    w = int_array(c["seed"] + 1, ws, -4, 4, dtype) if integers else float_array(c["seed"] + 1, ws, dtype)
    kw = {"dilation": c["dilation"], "padding": c["padding"], "groups": c["channels"]}
    geo = conv_geometry(x.shape, w.shape, **kw)
    item = np.dtype(dtype).itemsize
    lc = tiled_launch(geo, item, tile=c["tile"], block=c["block"], specialise=c["specialise"])
    if lc is None:  # only a tile whose shared memory (weights rounded up to 4, tile plus halo) exceeds the limit
        k3 = (1,) * (3 - len(c["kernel"])) + tuple(c["kernel"])
        d3 = (1,) * (3 - len(c["dilation"])) + tuple(c["dilation"])
        taps = int(np.prod(k3))
        smem = item * (-(-taps // 4) * 4 + int(np.prod([t + d * (k - 1) for t, k, d in zip(c["tile"], k3, d3)])))
        assert smem > DEFAULT_SMEM_LIMIT, (c, smem)
        reject()
    if c["grid_z"] is not None:  # fewer z blocks than planes: the grid-stride loop over planes runs
        lc = dataclasses.replace(lc, grid=lc.grid[:2] + (min(c["grid_z"], lc.grid[2]),))
    return x, w, kw, geo, lc


@HOST
@given(c=depthwise_cases(), dtype=st.sampled_from([np.float32, np.float64]))
def test_tiled_kernel_on_host_equals_numpy_exactly_on_integers(tiled_host, c, dtype) -> None:
    x, w, kw, _, lc = _tiled_problem(c, dtype, True)
    assert np.array_equal(tiled_host.run(lc, dtype, x, w), correlate(x, w, **kw))


@HOST
@given(c=depthwise_cases(), dtype=st.sampled_from([np.float32, np.float64]))
def test_tiled_kernel_on_host_within_twice_gamma_on_floats(tiled_host, c, dtype) -> None:
    x, w, kw, geo, lc = _tiled_problem(c, dtype, False)
    got = tiled_host.run(lc, dtype, x, w).astype(np.float64)
    mag = correlate(np.abs(x.astype(np.float64)), np.abs(w.astype(np.float64)), **kw)
    bound = 2 * gamma(geo.terms, unit_roundoff(dtype)) * mag * (1 + 4 * geo.terms * 2.0**-53)
    assert np.all(np.abs(got - correlate(x, w, **kw)) <= bound)


@HOST
@given(c=depthwise_cases(unrolled=True), dtype=st.sampled_from([np.float32, np.float64]))
def test_unrolled_tiled_kernel_on_host_equals_numpy_exactly_on_integers(tiled_host, c, dtype) -> None:
    """Weights in registers and row blocks of four outputs at stride d (kc_tile.cuh's compile-time path)."""
    x, w, kw, _, lc = _tiled_problem(c, dtype, True)
    assert lc.template == (1,) * (3 - len(c["kernel"])) + c["kernel"]
    assert np.array_equal(tiled_host.run(lc, dtype, x, w), correlate(x, w, **kw))


@pytest.mark.parametrize(("size", "kernel", "dilation", "padding"), [
    ((300,), (3,), 4, "same"), ((40, 70), (3, 3), 8, "valid"), ((45, 50), (5, 5), 2, "circular"),
    ((12, 10, 40), (3, 3, 3), 2, "same")])
def test_tiled_kernel_with_planned_launch_equals_numpy(tiled_host, size, kernel, dilation, padding) -> None:
    """The tile, block and grid chosen by the planner (not drawn), with its unrolled instantiation."""
    x, w = int_array(3, (2, 3) + size, -4, 4), int_array(4, (3, 1) + kernel, -4, 4)
    kw = {"dilation": dilation, "padding": padding, "groups": 3}
    lc = tiled_launch(conv_geometry(x.shape, w.shape, **kw), 8)
    assert lc is not None and lc.template == (1,) * (3 - len(kernel)) + kernel
    assert np.array_equal(tiled_host.run(lc, np.float64, x, w), correlate(x, w, **kw))


def test_host_emulation_catches_a_missing_barrier(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Removing the barrier between loading the tile and reading it must be caught (NaN-poisoned shared memory)."""
    _need_compiler()
    src = kernel_source("tiled.cu")
    mutated = src.replace("        __syncthreads();\n        T* yc", "        T* yc", 1)
    assert mutated != src
    lib = build_host_library(tmp_path, GPU_DIR, "tiled.cu", instantiations(["dilated_tiled"], [(0, 0, 0)]),
                             source_text=mutated)
    x, w = int_array(1, (1, 1, 9, 20), -4, 4), int_array(2, (1, 1, 3, 3), -4, 4)
    lc = tiled_launch(conv_geometry(x.shape, w.shape, dilation=2), 8, tile=(1, 4, 8), block=(8, 2, 1),
                      specialise=False)
    assert lc is not None
    assert not np.array_equal(lib.run(lc, np.float64, x, w), correlate(x, w, dilation=2))


def test_host_emulation_catches_barrier_divergence(tmp_path) -> None:  # type: ignore[no-untyped-def]
    _need_compiler()
    src = kernel_source("tiled.cu").replace("        __syncthreads();\n        T* yc",
                                            "        if (threadIdx.x == 0) __syncthreads();\n        T* yc", 1)
    lib = build_host_library(tmp_path, GPU_DIR, "tiled.cu", instantiations(["dilated_tiled"], [(0, 0, 0)]),
                             source_text=src)
    x, w = int_array(1, (1, 1, 9, 20), -4, 4), int_array(2, (1, 1, 3, 3), -4, 4)
    lc = tiled_launch(conv_geometry(x.shape, w.shape), 8, tile=(1, 4, 8), block=(8, 2, 1), specialise=False)
    with pytest.raises(AssertionError, match="barrier divergence"):
        lib.run(lc, np.float64, x, w)


# --------------------------------------------------------------------------- the fused cascade


@st.composite
def cascade_cases(draw):  # type: ignore[no-untyped-def]
    d = draw(st.integers(1, 3))
    layers = draw(st.integers(1, 4))
    base = draw(st.integers(1, 3))
    same = draw(st.booleans())
    k0 = tuple(draw(st.integers(1, 3)) for _ in range(d))
    ks = [k0 if same else tuple(draw(st.integers(1, 3)) for _ in range(d)) for _ in range(layers)]
    dil = [base**l for l in range(layers)]
    halo = [sum(dl * (k[a] - 1) for k, dl in zip(ks, dil)) for a in range(d)]
    # keep 3-D problems small: the emulation runs every thread of every block
    size = tuple(h + draw(st.integers(1, 4 if d == 3 else 7)) for h in halo)
    if d == 3 and np.prod(size) > 6000:
        size = tuple(h + 1 for h in halo)
    tile = tuple([1] * (3 - d) + [draw(st.integers(1, 3)) for _ in range(d - 1)] + [draw(st.integers(1, 8))])
    block = (draw(st.integers(1, 8)), draw(st.integers(1, 3)), draw(st.integers(1, 2)))
    return {"batch": draw(st.integers(1, 2)), "size": size, "kernels": ks, "dilations": dil, "tile": tile,
            "block": block, "seed": draw(seeds()), "grid_z": draw(st.sampled_from([1, None])),
            "specialise": draw(st.booleans())}


def _cascade_problem(c, dtype, integers):  # type: ignore[no-untyped-def]
    x_shape = (c["batch"], 1) + c["size"]
    make = (lambda s, sh: int_array(s, sh, -2, 2, dtype)) if integers else (lambda s, sh: float_array(s, sh, dtype))
    x = make(c["seed"], x_shape)
    ws = [make(c["seed"] + 1 + i, (1, 1) + k) for i, k in enumerate(c["kernels"])]
    plan = cascade_plan(x.shape, [w.shape for w in ws], c["dilations"], np.dtype(dtype).itemsize,
                        tile=c["tile"], block=c["block"], limit=1 << 30, specialise=c["specialise"])
    assert plan.fused and plan.launch is not None
    lc = plan.launch
    if c["grid_z"] is not None:
        lc = dataclasses.replace(lc, grid=lc.grid[:2] + (c["grid_z"],))
    return x, ws, lc


@HOST
@given(c=cascade_cases(), dtype=st.sampled_from([np.float32, np.float64]))
def test_fused_cascade_on_host_equals_layer_by_layer_numpy_exactly_on_integers(cascade_host, c, dtype) -> None:
    x, ws, lc = _cascade_problem(c, dtype, True)
    got = cascade_host.run(lc, dtype, x, np.concatenate([w.ravel() for w in ws]))
    assert np.array_equal(got, cascade(x, ws, c["dilations"]))


@HOST
@given(c=cascade_cases(), dtype=st.sampled_from([np.float32, np.float64]))
def test_fused_cascade_on_host_within_twice_the_cascade_bound_on_floats(cascade_host, c, dtype) -> None:
    x, ws, lc = _cascade_problem(c, dtype, False)
    got = cascade_host.run(lc, dtype, x, np.concatenate([w.ravel() for w in ws])).astype(np.float64)
    ref, err = cascade_with_bound(x, ws, c["dilations"])
    assert np.all(np.abs(got - ref) <= 2 * err)


@pytest.mark.parametrize(("shape", "layers", "limit"), [((1, 1, 70, 90), 3, DEFAULT_SMEM_LIMIT),
                                                         ((2, 1, 200), 4, DEFAULT_SMEM_LIMIT),
                                                         ((1, 1, 90, 130), 4, 227 * 1024)])
def test_fused_cascade_with_planned_launch_equals_numpy(cascade_host, shape, layers, limit) -> None:
    dims = len(shape) - 2
    x = int_array(5, shape, -2, 2)
    ws = [int_array(6 + l, (1, 1) + (3,) * dims, -2, 2) for l in range(layers)]
    dil = [3**l for l in range(layers)]
    plan = cascade_plan(x.shape, [w.shape for w in ws], dil, 8, limit=limit)
    assert plan.fused and plan.launch is not None and plan.launch.smem_bytes <= limit
    assert plan.launch.template == (1,) * (3 - dims) + (3,) * dims and plan.recompute >= 1
    got = cascade_host.run(plan.launch, np.float64, x, np.concatenate([w.ravel() for w in ws]))
    assert np.array_equal(got, cascade(x, ws, dil))


def test_cascade_plan_falls_back_and_says_why_when_the_layers_do_not_fit() -> None:
    plan = cascade_plan((1, 1, 800, 800), [(1, 1, 3, 3)] * 5, [1, 3, 9, 27, 81], 4)
    assert isinstance(plan, CascadePlan) and not plan.fused and plan.launch is None
    assert "shared memory" in plan.reason and str(DEFAULT_SMEM_LIMIT) in plan.reason
    bigger = cascade_plan((1, 1, 800, 800), [(1, 1, 3, 3)] * 5, [1, 3, 9, 27, 81], 4, limit=10**7)
    assert bigger.fused and bigger.launch is not None and bigger.launch.smem_bytes > DEFAULT_SMEM_LIMIT


def test_fused_cascade_refuses_numpy_arrays_pointing_at_the_reference() -> None:
    from kronconv.gpu import fused_cascade

    with pytest.raises(InvalidArgument, match="kronconv.numeric.cascade"):
        fused_cascade(np.zeros((1, 1, 30)), [np.ones((1, 1, 3))], [1])


def test_cascade_plan_rejects_bad_input_naming_the_value() -> None:
    with pytest.raises(InvalidArgument, match="one channel"):
        cascade_plan((1, 2, 30), [(1, 1, 3)], [1], 4)
    with pytest.raises(InvalidArgument, match="smaller than the cascade's extent"):
        cascade_plan((1, 1, 10), [(1, 1, 3)] * 3, [1, 3, 9], 4)
    with pytest.raises(InvalidArgument, match="dilation"):
        cascade_plan((1, 1, 30), [(1, 1, 3)], [0], 4)


# --------------------------------------------------------------------------- planning and dispatch


@given(c=depthwise_cases())
@settings(max_examples=50, deadline=None)
def test_tiled_launch_covers_the_output_and_fits_shared_memory(c) -> None:
    xs, ws = (c["batch"], c["channels"]) + c["size"], (c["channels"], 1) + c["kernel"]
    geo = conv_geometry(xs, ws, dilation=c["dilation"], padding=c["padding"], groups=c["channels"])
    lc = tiled_launch(geo, 4)
    assert lc is not None and lc.smem_bytes <= DEFAULT_SMEM_LIMIT
    m3 = (1,) * (3 - geo.dims) + geo.out_size
    assert lc.grid[0] * lc.tile[2] >= m3[2] and lc.grid[1] * lc.tile[1] >= m3[1]
    assert (lc.grid[0] - 1) * lc.tile[2] < m3[2] and (lc.grid[1] - 1) * lc.tile[1] < m3[1]


def test_dispatch_picks_tiled_direct_or_cudnn_and_says_why() -> None:
    dw = conv_geometry((1, 64, 128, 128), (64, 1, 3, 3), dilation=2, groups=64, padding="same")
    assert choose_kernel(dw, 4).kernel == "tiled"
    strided = conv_geometry((1, 1, 64, 64), (1, 1, 3, 3), stride=2)
    assert choose_kernel(strided, 4).kernel == "direct" and "stride" in choose_kernel(strided, 4).reason
    huge = conv_geometry((1, 1, 64, 4096), (1, 1, 1, 1024), dilation=(1, 3))
    assert choose_kernel(huge, 8).kernel == "direct" and "shared memory" in choose_kernel(huge, 8).reason
    dense = conv_geometry((1, 64, 32, 32), (64, 64, 3, 3))
    assert choose_kernel(dense, 4).kernel == "direct"
    assert choose_kernel(dense, 4, allow_cudnn=True, cudnn_reason=None).kernel == "cudnn"
    missing = choose_kernel(dense, 4, allow_cudnn=True, cudnn_reason="PyTorch is not importable")
    assert missing.kernel == "direct" and "PyTorch is not importable" in missing.reason


# --------------------------------------------------------------------------- device compilation (no GPU needed)


def test_every_kernel_compiles_to_ptx_for_sm_90_without_spills(tmp_path) -> None:  # type: ignore[no-untyped-def]
    nvcc = shutil.which("nvcc")
    if nvcc is None:
        pytest.skip("nvcc not installed: device compilation of the CUDA sources skipped")
    sigs = {"dilated_tiled": "(const {t}*, const {t}*, {t}*, const long long*)",
            "kron_cascade_fused": "(const {t}*, const {t}*, {t}*, const long long*)",
            "dilated_correlate": "(const {t}*, const {t}*, {t}*, const long long*, const long long)"}
    expected = 0
    for filename, kernels_ in SOURCES.items():
        text = kernel_source(filename)
        for kernel in kernels_:
            for t in ("float", "double"):
                for tpl in (TEMPLATES if kernel != "dilated_correlate" else [()]):
                    name = name_expression(kernel, "float32" if t == "float" else "float64", tpl)
                    text += f"\ntemplate __global__ void {name}{sigs[kernel].format(t=t)};"
                    expected += 1
        (tmp_path / filename).write_text(text)
        ptx = tmp_path / (filename + ".ptx")
        subprocess.run([nvcc, "--std=c++14", "-arch=sm_90", "-ptx", str(tmp_path / filename), "-o", str(ptx)],
                       check=True, capture_output=True, timeout=600)
        body = ptx.read_text()
        assert ".target sm_90" in body
        expected -= body.count(".entry")
        ptxas = shutil.which("ptxas") or str(Path(nvcc).resolve().parent / "ptxas")
        out = subprocess.run([ptxas, "-arch=sm_90", "-v", str(ptx), "-o", str(tmp_path / "k.cubin")],
                             check=True, capture_output=True, text=True, timeout=600)
        report = out.stdout + out.stderr
        spills = [line for line in report.splitlines() if "spill" in line and not line.strip().startswith("0 bytes")]
        assert all(" 0 bytes spill stores, 0 bytes spill loads" in line for line in spills), report
    assert expected == 0


def test_every_kernel_compiles_with_nvrtc_under_its_name_expressions() -> None:
    """What ``cupy.RawModule(code=kernel_source(f), name_expressions=...)`` does on a GPU, without one."""
    expected = {"dilated_correlate": [()], "dilated_tiled": TEMPLATES, "kron_cascade_fused": TEMPLATES}
    for filename, kernels_ in SOURCES.items():
        exprs = [name_expression(k, dt, tpl) for k in kernels_ for dt in ("float32", "float64") for tpl in expected[k]]
        try:
            status, log, ptx, lowered = nvrtc_compile(kernel_source(filename), filename, exprs,
                                                      ["--std=c++14", "-arch=compute_90"])
        except FileNotFoundError:
            pytest.skip("NVRTC (libnvrtc, e.g. the nvidia-cuda-nvrtc wheel) not installed: runtime compilation skipped")
        assert status == 0, log
        assert ptx.count(".entry") == len(exprs) and sorted(lowered) == sorted(exprs)
        assert all(lowered[e] in ptx for e in exprs)


# --------------------------------------------------------------------------- on a GPU


@pytest.mark.gpu
@HOST
@given(c=depthwise_cases(), dtype=st.sampled_from([np.float32, np.float64]))
def test_tiled_kernel_on_gpu_equals_numpy_exactly_on_integers(c, dtype) -> None:
    import cupy

    x, w, kw, _, _ = _tiled_problem(c, dtype, True)
    got = correlate(cupy.asarray(x), cupy.asarray(w), **kw)
    assert np.array_equal(cupy.asnumpy(got), correlate(x, w, **kw))


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("shape", "layers"), [((1, 1, 300, 280), 3), ((2, 1, 700), 4), ((1, 1, 40, 40, 60), 2),
                                               ((1, 1, 260, 260), 4)])
def test_fused_cascade_on_gpu_within_twice_the_cascade_bound(shape, layers, dtype) -> None:
    import cupy

    from kronconv.gpu import fused_cascade

    dims = len(shape) - 2
    x = float_array(11, shape, dtype)
    ws = [float_array(12 + l, (1, 1) + (3,) * dims, dtype) for l in range(layers)]
    dil = [3**l for l in range(layers)]
    y, plan = fused_cascade(cupy.asarray(x), [cupy.asarray(w) for w in ws], dil)
    ref, err = cascade_with_bound(x, ws, dil)
    assert y.shape == ref.shape and y.dtype == dtype
    assert np.all(np.abs(cupy.asnumpy(y).astype(np.float64) - ref) <= 2 * err), plan
    xi = int_array(13, shape, -2, 2, dtype)
    wi = [int_array(14 + l, (1, 1) + (3,) * dims, -2, 2, dtype) for l in range(layers)]
    yi, _ = fused_cascade(cupy.asarray(xi), [cupy.asarray(w) for w in wi], dil)
    assert np.array_equal(cupy.asnumpy(yi), cascade(xi, wi, dil))


@pytest.mark.gpu
def test_cudnn_dispatch_indexes_like_the_reference() -> None:
    """cuDNN's algorithms (FFT, Winograd, TF32) are not covered by gamma_n; on small integers every
    admissible algorithm lands within 0.5 of the exact integer, so rounding recovers the reference."""
    import cupy

    from kronconv.gpu.cudnn import cudnn_unavailable_reason
    from kronconv.gpu.run import correlate_gpu

    reason = cudnn_unavailable_reason()
    if reason is not None:
        pytest.skip(f"cuDNN baseline unavailable: {reason}")
    x, w = int_array(1, (2, 32, 20, 24), -2, 2, np.float32), int_array(2, (8, 16, 3, 3), -2, 2, np.float32)
    kw = {"dilation": (2, 3), "padding": "same", "groups": 2}
    geo = conv_geometry(x.shape, w.shape, **kw)
    got = cupy.asnumpy(correlate_gpu(cupy.asarray(x), cupy.asarray(w), geo, np.float32, allow_cudnn=True))
    ref = correlate(x, w, **kw)
    assert np.all(np.abs(got - ref) < 0.5) and np.array_equal(np.rint(got), ref)


@pytest.mark.gpu
@pytest.mark.parametrize("argv", [
    ["check", "equivalence", "--backend", "cupy", "--dtype", "float32", "--format", "json"],
    ["check", "equivalence", "--backend", "cupy", "--dtype", "float64", "--dims", "1", "--format", "json"],
    ["check", "equivariance", "--backend", "cupy", "--format", "json"],
    ["check", "equivariance", "--arch", "pooling", "--shift", "8,8", "--backend", "cupy", "--format", "json"],
])
def test_check_cli_runs_on_the_cupy_backend(argv, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from kronconv.cli import main

    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["backend"] == "cupy"


@pytest.mark.gpu
def test_check_cli_refutes_on_the_cupy_backend_where_theory_says_so(capsys) -> None:  # type: ignore[no-untyped-def]
    from kronconv.cli import main

    assert main(["check", "equivalence", "--backend", "cupy", "--dilation-base", "2", "--format", "json"]) == 1
    assert main(["check", "equivariance", "--arch", "pooling", "--shift", "1,1", "--backend", "cupy",
                 "--format", "json"]) == 1
