"""The CPU engine's paths: FFT error bound never violated and not vacuous, every path agrees with the
reference, estimated work and memory within 2x of what the chosen path really does."""

from __future__ import annotations

import math
import tracemalloc
from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kronconv.numeric import channelgemm, conv_geometry, correlate, gamma
from kronconv.numeric.correlation import (
    WORK_DONE,
    _correlate_np,
    _correlate_xp,
    correlate_with_bound,
    correlation_plan,
    direct_path,
)
from kronconv.numeric.spectral import FFT_WORK_DONE, correlate_fft, fft_error_factor

LONG = np.longdouble
U_LONG = float(np.finfo(LONG).eps) / 2


def _reference(x: np.ndarray, w: np.ndarray, geo) -> tuple[np.ndarray, np.ndarray]:
    """Direct correlation in long double and the bound on its own rounding."""
    ref = _correlate_np(x.astype(LONG), w.astype(LONG), geo, LONG)
    mag = _correlate_np(np.abs(x.astype(LONG)), np.abs(w.astype(LONG)), geo, LONG)
    return ref, gamma(geo.terms, U_LONG) * mag.astype(np.float64) * 1.001


def _fft_violation(x: np.ndarray, w: np.ndarray, **kw) -> tuple[float, float]:
    """``max |fft - exact| / bound`` (worst output) and the bound's size relative to the output scale."""
    geo = conv_geometry(x.shape, w.shape, **kw)
    y, e = correlate_fft(x, w, geo, x.dtype)
    ref, ref_err = _reference(x, w, geo)
    err = np.abs(y.astype(LONG) - ref).astype(np.float64)
    return float(np.max((err - ref_err) / e)), float(e.max())


def test_long_double_reference_is_wider_than_float64() -> None:
    # the exact-enough reference: its rounding is 2**11 times smaller than float64's
    assert U_LONG <= 2.0**-63, f"long double here has u = {U_LONG}; the FFT tests need an 80-bit or wider type"


@given(st.integers(1, 3), st.integers(0, 2**32 - 1), st.sampled_from(["float32", "float64"]),
       st.sampled_from(["valid", "same", "full", "circular"]), st.integers(1, 3), st.integers(1, 3),
       st.integers(1, 2))
def test_fft_error_never_exceeds_its_bound_on_random_inputs(dims, seed, dtype, padding, cin, cout, batch) -> None:
    rng = np.random.default_rng(seed)
    small = dims == 3  # keeps the long-double reference quick
    k = tuple(int(v) for v in rng.integers(1, 4 if small else 12, dims))
    d = tuple(int(v) for v in rng.integers(1, 3 if small else 4, dims))
    s = tuple(int(v) for v in rng.integers(1, 3, dims))
    n = tuple(int(dd * (kk - 1) + 1 + rng.integers(0, 8 if small else 40)) for kk, dd in zip(k, d))
    scale = 10.0 ** rng.uniform(-3, 3)
    x = (rng.standard_normal((batch, cin) + n) * scale).astype(dtype)
    w = rng.standard_normal((cout, cin) + k).astype(dtype)
    ratio, _ = _fft_violation(x, w, dilation=d, stride=s, padding=padding)
    assert ratio <= 1.0


def _adversarial(name: str, n: int, k: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    i = np.arange(n)
    if name == "constant":  # all energy in one frequency
        x, w = np.ones(n), np.ones(k)
    elif name == "nyquist":
        x, w = (-1.0) ** i, (-1.0) ** np.arange(k)
    elif name == "spikes":  # huge isolated values beside tiny ones: small outputs get the large error
        x = rng.standard_normal(n) * 1e-6
        x[rng.integers(0, n, 3)] = 1e6
        w = rng.standard_normal(k)
    elif name == "cauchy":
        x, w = rng.standard_cauchy(n), rng.standard_cauchy(k)
    elif name == "chirp":
        x, w = np.cos(np.pi * i * i / n), np.cos(np.pi * np.arange(k) ** 2 / k)
    else:  # exactly cancelling outputs: x symmetric, w antisymmetric
        x = np.abs(rng.standard_normal(n)) + 1
        w = np.concatenate([np.ones(k // 2), -np.ones(k // 2)])
    return x.reshape(1, 1, n).astype(dtype), w.reshape(1, 1, -1).astype(dtype)


@pytest.mark.parametrize("name", ["constant", "nyquist", "spikes", "cauchy", "chirp", "cancel"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", [1024, 1025, 4096])
def test_fft_error_never_exceeds_its_bound_on_adversarial_inputs(name, dtype, n) -> None:
    x, w = _adversarial(name, n, 256, dtype)
    ratio, _ = _fft_violation(x, w)
    assert ratio <= 1.0


def test_fft_bound_is_not_vacuous() -> None:
    # a worst-case norm-wise bound: on random data the observed error is 1e-5..1e-3 of it
    # (benchmarks/cpu.py reports the ratios), and it stays below 1% of the output scale
    rng = np.random.default_rng(1)
    ratios = []
    for dtype in ("float32", "float64"):
        x = rng.standard_normal((1, 1, 4000)).astype(dtype)
        w = rng.standard_normal((1, 1, 300)).astype(dtype)
        geo = conv_geometry(x.shape, w.shape)
        y, e = correlate_fft(x, w, geo, x.dtype)
        ref, _ = _reference(x, w, geo)
        ratios.append(float(np.abs(y.astype(LONG) - ref).max() / e.max()))
        assert e.max() < 1e-2 * np.abs(ref).max()
    assert min(ratios) > 1e-5, ratios


def test_fft_error_factor_matches_higham() -> None:
    u = 2.0**-53
    eta = 2 * u + gamma(4, u) * (math.sqrt(2) + 2 * u)
    assert fft_error_factor(10, u) == pytest.approx(10 * eta / (1 - 10 * eta), rel=1e-15)
    assert fft_error_factor(10, 0.05) == math.inf


@given(st.integers(0, 2**32 - 1), st.sampled_from(["direct", "fft", "auto"]))
def test_correlate_with_bound_covers_the_error_of_the_path_taken(seed, method) -> None:
    rng = np.random.default_rng(seed)
    dims = int(rng.integers(1, 3))
    k = tuple(int(v) for v in rng.integers(1, 9, dims))
    n = tuple(int(kk + rng.integers(0, 30)) for kk in k)
    x = rng.standard_normal((1, 2) + n).astype(np.float32)
    w = rng.standard_normal((2, 2) + k).astype(np.float32)
    y, e, plan = correlate_with_bound(x, w, padding="same", method=method)
    geo = conv_geometry(x.shape, w.shape, padding="same")
    ref, ref_err = _reference(x, w, geo)
    assert plan.method in ("direct", "fft") and (method == "auto" or plan.method == method)
    assert (np.abs(y.astype(LONG) - ref).astype(np.float64) <= e + ref_err).all()


@given(st.integers(0, 2**32 - 1))
def test_every_direct_path_agrees_exactly_with_the_tap_loop_on_integers(seed) -> None:
    rng = np.random.default_rng(seed)
    dims = int(rng.integers(1, 4))
    g, cg, og = int(rng.integers(1, 3)), int(rng.choice([1, 2, 3])), int(rng.integers(1, 3))
    k = tuple(int(v) for v in rng.integers(1, 5 if dims == 3 else 9, dims))
    d = tuple(int(v) for v in rng.integers(1, 3, dims))
    s = tuple(int(v) for v in rng.integers(1, 3, dims)) if rng.integers(2) else (1,) * dims
    n = tuple(int(dd * (kk - 1) + 1 + rng.integers(0, 6)) for kk, dd in zip(k, d))
    x = rng.integers(-9, 10, (2, g * cg) + n).astype(np.float64)
    w = rng.integers(-9, 10, (g * og, cg) + k).astype(np.float64)
    geo = conv_geometry(x.shape, w.shape, dilation=d, stride=s, padding=str(rng.choice(["valid", "same", "circular"])),
                        groups=g)
    got = _correlate_np(x, w, geo, np.float64)
    assert direct_path(geo) in ("taps", "einsum", "stack", "flat", "im2col")
    assert np.array_equal(got, _correlate_xp(x, w, geo, np.float64))


@given(st.integers(0, 2**32 - 1), st.integers(1, 3), st.sampled_from(["float32", "float64"]))
def test_channel_paths_stay_within_the_direct_bound_of_a_long_double_tap_loop(seed, dims, dtype) -> None:
    # the flat path (several input channels per group, stride 1: last-axis taps in the GEMM rows,
    # shifted sums, zeroed wrap-around products) and im2col (strided), on random shapes, channels,
    # groups, dilations, strides, paddings (explicit widths up to twice the extent) and batches,
    # against the independent tap loop of _correlate_xp in long double; a small block budget
    # makes every row its own block, so the buffers carry stale values between blocks
    rng = np.random.default_rng(seed)
    g, cg, og = int(rng.integers(1, 3)), int(rng.integers(2, 5)), int(rng.integers(1, 4))
    k = tuple(int(v) for v in rng.integers(1, 4 if dims == 3 else 6, dims))
    d = tuple(int(v) for v in rng.integers(1, 4, dims))
    ext = [dd * (kk - 1) + 1 for kk, dd in zip(k, d)]
    n = tuple(int(e + rng.integers(0, 6 if dims == 3 else 16)) for e in ext)
    s = tuple(int(v) for v in rng.integers(1, 3, dims)) if rng.integers(4) == 0 else (1,) * dims
    boundary = "zeros"
    padding: object = str(rng.choice(["valid", "same", "full", "circular", "widths"]))
    if padding == "widths":
        padding = tuple((int(rng.integers(0, 2 * e + 1)), int(rng.integers(0, 2 * e + 1))) for e in ext)
        boundary = str(rng.choice(["zeros", "circular"]))
    scale = 10.0 ** rng.uniform(-3, 3)
    x = (rng.standard_normal((int(rng.integers(1, 4)), g * cg) + n) * scale).astype(dtype)
    w = rng.standard_normal((g * og, cg) + k).astype(dtype)
    kw = {"dilation": d, "stride": s, "padding": padding, "boundary": boundary, "groups": g}
    geo = conv_geometry(x.shape, w.shape, **kw)
    with mock.patch.object(channelgemm, "_BLOCK_BYTES", int(rng.choice([1, 1 << 12, 1 << 20]))):
        y = correlate(x, w, **kw, method="direct")
    ref = _correlate_xp(x.astype(LONG), w.astype(LONG), geo, LONG)
    mag = _correlate_xp(np.abs(x).astype(LONG), np.abs(w).astype(LONG), geo, LONG).astype(np.float64)
    bound = gamma(geo.terms, float(np.finfo(dtype).eps) / 2) * mag + gamma(geo.terms, U_LONG) * mag * 1.001
    assert direct_path(geo) in (("flat", "im2col") if s == (1,) * dims else ("im2col",))
    assert (np.abs(y.astype(LONG) - ref).astype(np.float64) <= bound).all()


def _random_request(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, dict]:
    dims = int(rng.integers(1, 3))
    cin, cout = int(rng.choice([1, 1, 3, 16])), int(rng.integers(1, 9))
    k = tuple(int(v) for v in rng.integers(1, 16, dims))
    d = tuple(int(v) for v in rng.integers(1, 3, dims))
    s = tuple(int(v) for v in rng.integers(1, 3, dims)) if rng.integers(3) == 0 else (1,) * dims
    big = 40000 if dims == 1 else 200
    n = tuple(int(dd * (kk - 1) + 1 + rng.integers(big // 4, big)) for kk, dd in zip(k, d))
    dtype = str(rng.choice(["float32", "float64"]))
    x = rng.standard_normal((int(rng.integers(1, 3)), cin) + n).astype(dtype)
    w = rng.standard_normal((cout, cin) + k).astype(dtype)
    kw = {"dilation": d, "stride": s, "padding": str(rng.choice(["valid", "same", "full", "circular"])),
          "method": str(rng.choice(["direct", "fft", "auto"]))}
    return x, w, kw


@pytest.mark.parametrize("seed", range(16))
def test_estimated_work_and_memory_within_two_of_what_the_path_does(seed) -> None:
    # work: multiply-adds counted from the operands of the inner operations (GEMMs, tap
    # updates, einsum blocks, FFTs and spectral products); memory: tracemalloc's peak
    rng = np.random.default_rng(seed)
    x, w, kw = _random_request(rng)
    geo = conv_geometry(x.shape, w.shape, dilation=kw["dilation"], stride=kw["stride"], padding=kw["padding"])
    plan = correlation_plan(geo, x.dtype, kw["method"])
    correlate(x, w, **kw, max_work=None, max_bytes=None)  # warm up: imports and FFT plans
    before = WORK_DONE[0] + FFT_WORK_DONE[0]
    tracemalloc.start()
    try:
        correlate(x, w, **kw, max_work=None, max_bytes=None)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    done = WORK_DONE[0] + FFT_WORK_DONE[0] - before
    assert 0.5 <= plan.work / done <= 2.0, (plan, done)
    assert 0.5 <= plan.nbytes / peak <= 2.0, (plan, peak)
