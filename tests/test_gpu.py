"""One test body per property, run on NumPy and (where a GPU is usable) CuPy via the ``xp`` fixture.

The CuPy cases carry the ``gpu`` marker and skip with a printed reason when
CuPy or a CUDA device is missing.  Agreement with the NumPy reference is
checked against the derived bound ``2 gamma_n (|W| * |x|)`` (both sides obey
``gamma_n``), and exactly on small-integer inputs.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import conv_cases, float_array, int_array, seeds

from kronconv.backend import (
    BackendUnavailable,
    backend_of,
    get_xp,
    gpu_available,
    resolve_backend,
    to_numpy,
)
from kronconv.checks import check_equivalence, check_equivariance
from kronconv.gpu import SOURCES, kernel_source
from kronconv.kron import kron_channels
from kronconv.numeric import (
    cascade,
    cascade_with_bound,
    conv_geometry,
    convolve,
    correlate,
    gamma,
    max_unpool,
    pool,
    unit_roundoff,
)


def fixture_settings(max_examples: int) -> settings:
    """The ``xp`` fixture only returns a module (no per-example state), so it is safe under hypothesis."""
    return settings(max_examples=max_examples,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _backend_name(xp) -> str:  # type: ignore[no-untyped-def]
    return "cupy" if xp.__name__ == "cupy" else "numpy"


@fixture_settings(25)
@given(case=conv_cases(), dtype=st.sampled_from([np.float32, np.float64]))

def test_backend_correlation_agrees_with_numpy_within_twice_gamma(xp, case, dtype) -> None:
    x = float_array(case.seed, case.x_shape, dtype)
    w = float_array(case.seed + 1, case.w_shape, dtype)
    ref = correlate(x, w, **case.kwargs())
    got = to_numpy(correlate(xp.asarray(x), xp.asarray(w), **case.kwargs()))
    assert got.dtype == ref.dtype and got.shape == ref.shape
    n = conv_geometry(x.shape, w.shape, **case.kwargs()).terms
    mag = correlate(np.abs(x.astype(np.float64)), np.abs(w.astype(np.float64)), **case.kwargs())
    bound = 2 * gamma(n, unit_roundoff(dtype)) * mag * (1 + 4 * n * 2.0**-53)
    assert np.all(np.abs(got.astype(np.float64) - ref) <= bound)


@fixture_settings(25)
@given(case=conv_cases(), dtype=st.sampled_from([np.float32, np.float64]), op=st.sampled_from(["corr", "conv"]))

def test_backend_agrees_exactly_on_small_integers(xp, case, dtype, op) -> None:
    x = int_array(case.seed, case.x_shape, -4, 4, dtype)
    w = int_array(case.seed + 1, case.w_shape, -4, 4, dtype)
    fn = correlate if op == "corr" else convolve
    ref = fn(x, w, **case.kwargs())
    got = to_numpy(fn(xp.asarray(x), xp.asarray(w), **case.kwargs()))
    assert np.array_equal(got, ref)  # every partial sum is an integer below 2**24: no rounding anywhere


@fixture_settings(15)
@given(seed=seeds(), d=st.integers(1, 3), k=st.integers(1, 3), s=st.integers(1, 3))

def test_backend_pooling_and_unpooling_equal_numpy(xp, seed, d, k, s) -> None:
    x = float_array(seed, (2, 2) + (7,) * d)
    y, idx = pool(x, k, s, return_indices=True)
    gy, gidx = pool(xp.asarray(x), k, s, return_indices=True)
    assert np.array_equal(to_numpy(gy), y) and np.array_equal(to_numpy(gidx), idx)
    assert np.array_equal(to_numpy(pool(xp.asarray(x), k, s, mode="avg")), pool(x, k, s, mode="avg"))
    if k == s:
        size = x.shape[2:]
        assert np.array_equal(to_numpy(max_unpool(gy, gidx, size)), max_unpool(y, idx, size))


@pytest.mark.parametrize("padding", ["valid", "same", "full", "circular"])
def test_backend_cascade_equals_kronecker_kernel_exactly_on_integers(xp, padding) -> None:
    ws = [int_array(l, (2, 2, 3, 3), -2, 2) for l in range(2)]
    x = int_array(7, (1, 2, 14, 14), -2, 2)
    gws = [xp.asarray(w) for w in ws]
    y = cascade(xp.asarray(x), gws, [1, 3], padding=padding)
    assert backend_of(y) == _backend_name(xp)
    assert np.array_equal(to_numpy(y), cascade(x, ws, [1, 3], padding=padding))
    if padding != "same":
        from kronconv.numeric import cascade_padding

        P = cascade_padding(ws, [1, 3], padding)
        yk = correlate(xp.asarray(x), kron_channels(gws), padding=list(P),
                       boundary="circular" if padding == "circular" else "zeros")
        assert np.array_equal(to_numpy(yk), to_numpy(y))


def test_backend_cascade_bound_contains_the_difference_to_numpy(xp) -> None:
    ws = [float_array(l, (3, 3, 3, 3), np.float32) for l in range(3)]
    x = float_array(9, (1, 3, 40, 40), np.float32)
    y_ref, e_ref = cascade_with_bound(x, ws, [1, 3, 9])
    y, e = cascade_with_bound(xp.asarray(x), [xp.asarray(w) for w in ws], [1, 3, 9])
    assert np.all(np.abs(to_numpy(y).astype(np.float64) - y_ref) <= to_numpy(e) + e_ref)
    assert np.allclose(to_numpy(e), e_ref, rtol=1e-12, atol=0)  # the bound itself is float64 on both


def test_backend_checks_hold_and_fail_where_they_should(xp) -> None:
    name = _backend_name(xp)
    ok = check_equivalence(layers=3, kernel=3, dims=2, channels=2, dtype="float32", backend=name)
    bad = check_equivalence(layers=3, kernel=3, dims=2, channels=2, dtype="float32", backend=name, dilation_base=2)
    assert ok.backend == name and ok.holds and not bad.holds
    eq = check_equivariance("pooling", layers=1, dims=2, channels=3, shifts=[1, 2], backend=name)
    assert eq.backend == name and eq.holding_shifts == [[2, 2]] and eq.matches_theory


def test_backend_results_agree_between_backends(xp) -> None:
    name = _backend_name(xp)
    a = check_equivalence(layers=2, kernel=3, dims=3, channels=2, dtype="float64", backend=name)
    b = check_equivalence(layers=2, kernel=3, dims=3, channels=2, dtype="float64", backend="numpy")
    assert a.holds and b.holds and a.compared_shape == b.compared_shape
    assert abs(a.bound - b.bound) <= 1e-9 * b.bound


def test_auto_backend_picks_cupy_only_where_a_gpu_is_usable() -> None:
    assert resolve_backend("auto") == ("cupy" if gpu_available() else "numpy")
    assert get_xp("numpy") is np
    if not gpu_available():
        with pytest.raises(BackendUnavailable, match="pip install 'kronconv\\[gpu\\]'|CUDA|device"):
            resolve_backend("cupy")


def test_cuda_source_is_templated_on_the_element_type() -> None:
    src = kernel_source("correlate.cu")
    assert "template <typename T>" in src and "__global__ void dilated_correlate" in src
    assert set(SOURCES) == {"correlate.cu", "tiled.cu", "cascade.cu"}
    for name in ("tiled.cu", "cascade.cu"):
        assert "template <typename T, int KA, int KB, int KC>" in kernel_source(name)


@pytest.mark.gpu
def test_compiled_kernels_are_cached_per_device_and_dtype() -> None:
    import cupy

    from kronconv.gpu import kernels

    x = cupy.ones((1, 1, 8), dtype=cupy.float32)
    w = cupy.ones((1, 1, 3), dtype=cupy.float32)
    correlate(x, w)
    before = kernels._compiled.cache_info()
    correlate(x, w)
    after = kernels._compiled.cache_info()
    assert after.hits == before.hits + 1 and after.misses == before.misses
    correlate(x.astype(cupy.float64), w.astype(cupy.float64))
    assert kernels._compiled.cache_info().misses in (after.misses, after.misses + 1)


# --------------------------------------------------------------------------- the CUDA source, run on the host

HOST_SHIM = r"""
struct kc_uint3 { unsigned int x, y, z; };
static kc_uint3 blockIdx, blockDim, threadIdx, gridDim;
#define __global__
#define __device__
#define __forceinline__ inline
#include "correlate.cu"
template <typename T>
static void run(const T* x, const T* w, T* y, const long long* g, long long total, unsigned threads, unsigned blocks) {
    blockDim.x = threads; gridDim.x = blocks;
    for (unsigned b = 0; b < blocks; ++b)
        for (unsigned t = 0; t < threads; ++t) {
            blockIdx.x = b; threadIdx.x = t;
            dilated_correlate<T>(x, w, y, g, total);
        }
}
extern "C" {
void run_f32(const float* x, const float* w, float* y, const long long* g, long long total, unsigned th, unsigned bl)
{ run<float>(x, w, y, g, total, th, bl); }
void run_f64(const double* x, const double* w, double* y, const long long* g, long long total, unsigned th, unsigned bl)
{ run<double>(x, w, y, g, total, th, bl); }
}
"""


@pytest.fixture(scope="session")
def host_kernel(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """``correlate.cu`` compiled for the CPU with CUDA keywords shimmed (g++), as a ctypes library."""
    import ctypes
    import shutil
    import subprocess
    from pathlib import Path

    import kronconv.gpu as gpu_pkg

    cxx = shutil.which("g++") or shutil.which("clang++")
    if cxx is None:
        pytest.skip("no C++ compiler: host emulation of the CUDA source skipped")
    d = tmp_path_factory.mktemp("cuda_host")
    (d / "shim.cpp").write_text(HOST_SHIM)
    lib = d / "libkc.so"
    subprocess.run([cxx, "-std=c++14", "-O1", "-ffp-contract=off", "-shared", "-fPIC",
                    "-I", str(Path(gpu_pkg.__file__).parent), str(d / "shim.cpp"), "-o", str(lib)],
                   check=True, capture_output=True)
    return ctypes.CDLL(str(lib))


def _run_host(lib, x: np.ndarray, w: np.ndarray, geo, dtype) -> np.ndarray:  # type: ignore[no-untyped-def]
    import ctypes

    from kronconv.gpu.kernels import launch_params

    x = np.ascontiguousarray(x, dtype=dtype)
    w = np.ascontiguousarray(w, dtype=dtype)
    y = np.full((geo.batch, geo.out_channels) + geo.out_size, np.nan, dtype=dtype)
    meta = launch_params(geo)
    fn = lib.run_f32 if np.dtype(dtype) == np.float32 else lib.run_f64
    p = lambda a: a.ctypes.data_as(ctypes.c_void_p)
    fn(p(x), p(w), p(y), p(meta), ctypes.c_longlong(y.size), ctypes.c_uint(3), ctypes.c_uint(2))
    return y


@given(case=conv_cases(), dtype=st.sampled_from([np.float32, np.float64]))
@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_cuda_source_on_host_equals_numpy_reference_on_integers(host_kernel, case, dtype) -> None:
    """The .cu index arithmetic (padding modes, dilation, stride, groups, grid-stride loop) mirrors numpy."""
    x = int_array(case.seed, case.x_shape, -4, 4, dtype)
    w = int_array(case.seed + 1, case.w_shape, -4, 4, dtype)
    geo = conv_geometry(x.shape, w.shape, **case.kwargs())
    assert np.array_equal(_run_host(host_kernel, x, w, geo, dtype), correlate(x, w, **case.kwargs()))


@given(case=conv_cases(), dtype=st.sampled_from([np.float32, np.float64]))
@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_cuda_source_on_host_within_twice_gamma_on_floats(host_kernel, case, dtype) -> None:
    x = float_array(case.seed, case.x_shape, dtype)
    w = float_array(case.seed + 1, case.w_shape, dtype)
    geo = conv_geometry(x.shape, w.shape, **case.kwargs())
    got = _run_host(host_kernel, x, w, geo, dtype)
    mag = correlate(np.abs(x.astype(np.float64)), np.abs(w.astype(np.float64)), **case.kwargs())
    bound = 2 * gamma(geo.terms, unit_roundoff(dtype)) * mag * (1 + 4 * geo.terms * 2.0**-53)
    assert np.all(np.abs(got.astype(np.float64) - correlate(x, w, **case.kwargs())) <= bound)


def test_cuda_source_compiles_with_nvcc_for_float_and_double(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Device compilation (no GPU needed): both instantiations produce a kernel entry point."""
    import shutil
    import subprocess

    nvcc = shutil.which("nvcc")
    if nvcc is None:
        pytest.skip("nvcc not installed: device compilation of the CUDA source skipped")
    src = kernel_source("correlate.cu") + "".join(
        f"\ntemplate __global__ void dilated_correlate<{t}>(const {t}*, const {t}*, {t}*, const long long*, "
        "const long long);" for t in ("float", "double"))
    (tmp_path / "inst.cu").write_text(src)
    subprocess.run([nvcc, "--std=c++14", "-ptx", str(tmp_path / "inst.cu"), "-o", str(tmp_path / "inst.ptx")],
                   check=True, capture_output=True, timeout=300)
    ptx = (tmp_path / "inst.ptx").read_text()
    assert ptx.count(".entry") == 2 and "dilated_correlateIf" in ptx and "dilated_correlateId" in ptx
