"""Laws of the reference convolutions (kronconv.numeric) and the Kronecker builders they meet.

Outside references: scipy.signal.correlate/convolve (valid/same/full) and
scipy.ndimage.correlate/convolve (mode='wrap', mode='constant'); brute-force
loops straight from the defining formula; exact integer arithmetic.
"""

from __future__ import annotations

import itertools
import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import conv_cases, dims, float_array, int_array, seeds, shifts

from kronconv.errors import InvalidArgument, TooLarge
from kronconv.kron import dilate, kron_channels, kron_kernel, kronecker_rank, nearest_kronecker
from kronconv.numeric import (
    Unpool,
    border_mask,
    cascade,
    cascade_padding,
    cascade_with_bound,
    check_limits,
    conv_geometry,
    convolve,
    convolve_plain,
    correlate,
    correlate_plain,
    forward,
    gamma,
    init_params,
    max_unpool,
    pool,
    shift,
    unit_roundoff,
    upsample_nearest,
)
from kronconv.spec import Conv, Pool

signal = pytest.importorskip("scipy.signal")
ndimage = pytest.importorskip("scipy.ndimage")


def brute_correlate(x: np.ndarray, w: np.ndarray, dilation, stride, widths, circular, groups) -> np.ndarray:
    """The defining formula, one output at a time (small cases only)."""
    nb, _cin = x.shape[:2]
    cout, cg = w.shape[:2]
    size, ks = x.shape[2:], w.shape[2:]
    outs = [(n + lo + hi - (d * (k - 1) + 1)) // s + 1
            for n, (lo, hi), k, d, s in zip(size, widths, ks, dilation, stride)]
    y = np.zeros((nb, cout) + tuple(outs))
    og = cout // groups
    for b, o in itertools.product(range(nb), range(cout)):
        g = o // og
        for pos in itertools.product(*(range(m) for m in outs)):
            acc = 0.0
            for ci in range(cg):
                for t in itertools.product(*(range(k) for k in ks)):
                    idx = []
                    for p, tt, d, s, (lo, _), n in zip(pos, t, dilation, stride, widths, size):
                        j = p * s + tt * d - lo
                        if circular:
                            j %= n
                        elif not 0 <= j < n:
                            idx = None
                            break
                        idx.append(j)
                    if idx is not None:
                        acc += w[(o, ci) + t] * x[(b, g * cg + ci) + tuple(idx)]
            y[(b, o) + pos] = acc
    return y


# --------------------------------------------------------------------------- external references


@pytest.mark.parametrize("mode", ["valid", "same", "full"])
@pytest.mark.parametrize("shape,kshape", [((7,), (3,)), ((8,), (4,)), ((3,), (5,)), ((6, 7), (2, 3)),
                                          ((5, 4, 6), (3, 2, 2)), ((9, 8), (4, 4))])
def test_matches_scipy_signal(mode: str, shape, kshape) -> None:
    x, k = int_array(1, shape, dtype=np.float64), int_array(2, kshape, dtype=np.float64)
    if mode == "valid" and any(a < b for a, b in zip(shape, kshape)):
        with pytest.raises(InvalidArgument, match="smaller than the dilated kernel extent"):
            correlate_plain(x, k, padding=mode)
        return
    assert np.array_equal(correlate_plain(x, k, padding=mode), signal.correlate(x, k, mode=mode, method="direct"))
    assert np.array_equal(convolve_plain(x, k, padding=mode), signal.convolve(x, k, mode=mode, method="direct"))


@given(seed=seeds(), d=dims(), data=st.data())
@settings(max_examples=30)
def test_same_mode_is_centre_of_full_like_scipy(seed: int, d: int, data: st.DataObject) -> None:
    shape = data.draw(st.tuples(*[st.integers(1, 7)] * d))
    kshape = data.draw(st.tuples(*[st.integers(1, 5)] * d))
    x, k = int_array(seed, shape), int_array(seed + 1, kshape)
    assert np.array_equal(correlate_plain(x, k, padding="same"), signal.correlate(x, k, mode="same", method="direct"))
    assert np.array_equal(convolve_plain(x, k, padding="same"), signal.convolve(x, k, mode="same", method="direct"))


@pytest.mark.parametrize("shape,kshape", [((7,), (3,)), ((7,), (4,)), ((2,), (6,)), ((6, 7), (2, 3)),
                                          ((5, 4, 6), (3, 2, 4))])
def test_circular_matches_ndimage_wrap(shape, kshape) -> None:
    x, k = int_array(3, shape), int_array(4, kshape)
    assert np.array_equal(correlate_plain(x, k, padding="circular"), ndimage.correlate(x, k, mode="wrap"))
    # ndimage.convolve centres even kernels at (e - 1) // 2 of the flipped kernel
    widths = [((e - 1) // 2, e // 2) for e in kshape]
    assert np.array_equal(convolve_plain(x, k, padding=widths, boundary="circular"),
                          ndimage.convolve(x, k, mode="wrap"))
    assert np.array_equal(correlate_plain(x, k, padding="same"), ndimage.correlate(x, k, mode="constant"))


def test_dilated_correlation_matches_scipy_with_dilated_kernel() -> None:
    x, k = int_array(5, (20, 17)), int_array(6, (3, 2))
    got = correlate_plain(x, k, dilation=(2, 5), padding="same")
    assert np.array_equal(got, signal.correlate(x, dilate(k, (2, 5)), mode="same", method="direct"))


# --------------------------------------------------------------------------- laws


@given(case=conv_cases())
@settings(max_examples=25)
def test_correlate_matches_defining_formula(case) -> None:
    x, w = int_array(case.seed, case.x_shape), int_array(case.seed + 7, case.w_shape)
    geo = conv_geometry(case.x_shape, case.w_shape, **case.kwargs())
    expected = brute_correlate(x, w, geo.dilation, geo.stride, geo.pad, geo.boundary == "circular", geo.groups)
    assert np.array_equal(correlate(x, w, **case.kwargs()), expected)


@given(case=conv_cases(max_dims=2))
@settings(max_examples=30)
def test_dilation_is_correlation_with_dilated_kernel(case) -> None:
    x, w = int_array(case.seed, case.x_shape), int_array(case.seed + 1, case.w_shape)
    kw = case.kwargs()
    d = kw.pop("dilation")
    wd = np.stack([np.stack([dilate(w[o, c], d) for c in range(w.shape[1])]) for o in range(w.shape[0])])
    assert np.array_equal(correlate(x, w, dilation=d, **kw), correlate(x, wd, **kw))


@given(case=conv_cases(max_dims=2))
@settings(max_examples=30)
def test_stride_keeps_every_sth_output(case) -> None:
    x, w = int_array(case.seed, case.x_shape), int_array(case.seed + 1, case.w_shape)
    kw = case.kwargs()
    s = kw.pop("stride")
    full = correlate(x, w, **kw)
    sub = full[(slice(None), slice(None)) + tuple(slice(None, None, v) for v in s)]
    assert np.array_equal(correlate(x, w, stride=s, **kw), sub)


@given(case=conv_cases(max_dims=2))
@settings(max_examples=30)
def test_groups_are_independent_blocks(case) -> None:
    x, w = int_array(case.seed, case.x_shape), int_array(case.seed + 1, case.w_shape)
    kw = case.kwargs()
    g = kw.pop("groups")
    cg, og = case.cin // g, case.cout // g
    parts = [correlate(x[:, i * cg:(i + 1) * cg], w[i * og:(i + 1) * og], **kw) for i in range(g)]
    assert np.array_equal(correlate(x, w, groups=g, **kw), np.concatenate(parts, axis=1))


@given(case=conv_cases(max_dims=3))
@settings(max_examples=30)
def test_convolution_is_correlation_with_flipped_kernel(case) -> None:
    x, w = int_array(case.seed, case.x_shape), int_array(case.seed + 1, case.w_shape)
    flip = (slice(None), slice(None)) + (slice(None, None, -1),) * (w.ndim - 2)
    assert np.array_equal(convolve(x, w, **case.kwargs()), correlate(x, w[flip].copy(), **case.kwargs()))


def test_full_convolution_is_the_textbook_sum() -> None:
    x, k = int_array(11, (9,)), int_array(12, (4,))
    y = convolve_plain(x, k, dilation=2, padding="full")
    kd = dilate(k, 2)
    expected = [sum(kd[tau] * x[t - tau] for tau in range(len(kd)) if 0 <= t - tau < len(x))
                for t in range(len(x) + len(kd) - 1)]
    assert y.tolist() == expected


@given(seed=seeds(), d=dims(), s=st.data())
@settings(max_examples=30)
def test_circular_correlation_commutes_with_shifts(seed: int, d: int, s: st.DataObject) -> None:
    sh = s.draw(shifts(d))
    x, w = int_array(seed, (1, 2) + (6,) * d), int_array(seed + 1, (3, 2) + (3,) * d)
    y = correlate(x, w, dilation=2, padding="circular")
    assert np.array_equal(correlate(shift(x, list(sh)), w, dilation=2, padding="circular"), shift(y, list(sh)))


# --------------------------------------------------------------------------- Kronecker cascade


@given(a=st.integers(1, 3), L=st.integers(1, 3), d=st.integers(1, 2), C=st.integers(1, 2),
       mode=st.sampled_from(["valid", "full", "circular"]), op=st.sampled_from(["correlation", "convolution"]),
       seed=seeds())
@settings(max_examples=30)
def test_cascade_equals_kronecker_kernel(a: int, L: int, d: int, C: int, mode: str, op: str, seed: int) -> None:
    if d == 2 and a**L > 9:
        L = 2
    ws = [int_array(seed + l, (C, C) + (a,) * d, -2, 2) for l in range(L)]
    E = a**L
    x = int_array(seed + 99, (1, C) + (E + 3,) * d, -2, 2)
    y = cascade(x, ws, [a**l for l in range(L)], padding=mode, operation=op)
    P = cascade_padding(ws, [a**l for l in range(L)], mode)
    op_fn = convolve if op == "convolution" else correlate
    yk = op_fn(x, kron_channels(ws), padding=list(P), boundary="circular" if mode == "circular" else "zeros")
    assert np.array_equal(y, yk)
    if C == 1:
        assert np.array_equal(kron_channels(ws)[0, 0], kron_kernel([w[0, 0] for w in ws]))


@given(a=st.integers(2, 3), L=st.integers(2, 3), seed=seeds())
@settings(max_examples=20)
def test_same_padding_cascade_matches_only_on_interior(a: int, L: int, seed: int) -> None:
    ws = [int_array(seed + l, (1, 1, a), 1, 3) for l in range(L)]  # positive: border differences are visible
    dil = [a**l for l in range(L)]
    n = a**L + 6
    x = int_array(seed + 50, (1, 1, n), 1, 3)
    y = cascade(x, ws, dil, padding="same")
    (lo, hi), = cascade_padding(ws, dil, "same")
    assert lo + hi == a**L - 1
    yk = correlate(x, kron_channels(ws), padding="same")
    assert np.array_equal(y[..., lo:n - hi], yk[..., lo:n - hi])
    assert not np.array_equal(y, yk)  # the border differs: per-layer padding loses mass


def test_dilation_base_other_than_kernel_size_is_not_kronecker() -> None:
    ws = [int_array(l, (1, 1, 3), 1, 3) for l in range(3)]
    x = int_array(9, (1, 1, 40))
    y_b2 = cascade(x, ws, [1, 2, 4])
    yk = correlate(x, kron_channels(ws))
    m = min(y_b2.shape[-1], yk.shape[-1])
    assert not np.array_equal(y_b2[..., :m], yk[..., :m])


def test_kronecker_kernel_has_kronecker_rank_one_and_nearest_product_recovers_it() -> None:
    rng = np.random.default_rng(3)
    k0, k1 = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    K = kron_channels([k0[None, None], k1[None, None]])[0, 0]
    assert kronecker_rank(K, (3, 3), (3, 3)) == 1
    b, c, err = nearest_kronecker(K, (3, 3), (3, 3))
    assert err < 1e-12 and np.allclose(np.kron(b, c), K, rtol=0, atol=64 * 2.0**-53 * np.abs(K).max())
    # two channels: a sum of C = 2 Kronecker products per output/input pair, rank <= 2 and generically 2
    ws = [rng.standard_normal((2, 2, 3, 3)) for _ in range(2)]
    assert kronecker_rank(kron_channels(ws)[0, 0], (3, 3), (3, 3)) == 2


# --------------------------------------------------------------------------- error bounds


@given(seed=seeds(), L=st.integers(1, 3), C=st.integers(1, 3), mode=st.sampled_from(["valid", "same", "circular"]))
@settings(max_examples=20)
def test_cascade_bound_contains_float32_error(seed: int, L: int, C: int, mode: str) -> None:
    ws64 = [float_array(seed + l, (C, C, 3, 3)) for l in range(L)]
    x64 = float_array(seed + 9, (1, C, 20, 20))
    ws32 = [w.astype(np.float32) for w in ws64]
    x32 = x64.astype(np.float32)
    dil = [3**l for l in range(L)] if L < 3 else [1, 2, 4]
    y32, e32 = cascade_with_bound(x32, ws32, dil, padding=mode)
    # the same (float32-representable) data in float64: its own error bound is e64
    y64, e64 = cascade_with_bound(x32.astype(np.float64), [w.astype(np.float64) for w in ws32], dil, padding=mode)
    diff = np.abs(y32.astype(np.float64) - y64)
    assert np.all(diff <= e32 + e64)
    assert diff.max() > 0  # float32 really rounded: the test is not vacuous
    assert np.all(e32 < 1e-3 * (np.abs(y64).max() + 1))  # and the bound is not absurdly loose


def test_gamma_and_unit_roundoff() -> None:
    assert unit_roundoff(np.float32) == 2.0**-24 and unit_roundoff(np.float64) == 2.0**-53
    assert unit_roundoff(np.int64) == 0.0
    u = 2.0**-24
    assert gamma(10, u) == pytest.approx(10 * u / (1 - 10 * u), rel=1e-15)
    assert math.isinf(gamma(1 << 24, u))


def test_forward_bound_contains_float32_error_through_relu_and_pooling() -> None:
    layers = [Conv(3, padding=1, in_channels=2, out_channels=3, dims=2), Pool(2, dims=2),
              Conv(3, dilation=2, padding=2, in_channels=3, out_channels=3, dims=2), Pool(2, mode="avg", dims=2),
              Conv(1, in_channels=3, out_channels=2, dims=2)]
    rng = np.random.default_rng(0)
    params = init_params(layers, rng, np.float32)
    x = rng.standard_normal((2, 2, 16, 16)).astype(np.float32)
    r32 = forward(x, layers, params, with_bound=True)
    p64 = [None if p is None else (p[0].astype(np.float64), p[1].astype(np.float64)) for p in params]
    r64 = forward(x.astype(np.float64), layers, p64, with_bound=True)
    diff = np.abs(r32.output.astype(np.float64) - r64.output)
    assert np.all(diff <= r32.bound + r64.bound) and diff.max() > 0


# --------------------------------------------------------------------------- pooling, unpooling


@given(seed=seeds(), d=dims(), k=st.integers(1, 3), data=st.data())
@settings(max_examples=25)
def test_max_pool_and_indices_match_brute_force(seed: int, d: int, k: int, data: st.DataObject) -> None:
    s = data.draw(st.integers(1, 3))
    n = data.draw(st.integers(k, 7))
    x = float_array(seed, (1, 2) + (n,) * d)
    y, idx = pool(x, k, s, return_indices=True)
    flat = x.reshape(1, 2, -1)
    assert np.array_equal(np.take_along_axis(flat, idx.reshape(1, 2, -1), axis=2).reshape(y.shape), y)
    for pos in itertools.product(*(range(m) for m in y.shape[2:])):
        win = x[(slice(None), slice(None)) + tuple(slice(p * s, p * s + k) for p in pos)]
        assert np.array_equal(y[(slice(None), slice(None)) + pos], win.reshape(1, 2, -1).max(axis=2))


def test_avg_pool_matches_ndimage_uniform_filter() -> None:
    x = float_array(1, (1, 1, 12, 12))
    got = pool(x, 3, 1, 1, mode="avg")[0, 0]
    ref = ndimage.uniform_filter(x[0, 0], size=3, mode="constant")
    assert np.allclose(got, ref, rtol=0, atol=16 * 2.0**-53 * 9 * np.abs(x).max())


def test_max_unpool_inverts_pool_on_maxima() -> None:
    x = np.abs(float_array(2, (2, 3, 8, 6))) + 0.5
    y, idx = pool(x, 2, return_indices=True)
    up = max_unpool(y, idx, (8, 6))
    assert np.array_equal(pool(up, 2), y)
    assert int((up != 0).sum()) == y.size
    assert np.array_equal(upsample_nearest(y, 2)[..., ::2, ::2], y)


def test_circular_max_pool_wraps() -> None:
    x = np.array([1.0, 0, 0, 0, 0, 7]).reshape(1, 1, 6)
    y, idx = pool(x, 3, 3, [(1, 1)], boundary="circular", return_indices=True)
    assert y.ravel().tolist() == [7.0, 0.0] and idx.ravel().tolist() == [5, 2]  # window 0 is x5, x0, x1
    z = pool(x, 3, 3, [(1, 1)], return_indices=False)
    assert z.ravel().tolist() == [1.0, 0.0]  # zeros boundary: padding is -inf, never selected


def test_border_mask_marks_the_receptive_field_halo() -> None:
    layers = [Conv(3, dilation=d, padding=d, dims=1) for d in (1, 2, 4)]
    m = border_mask(layers, [32])
    assert m.sum() == 2 * 7 and not m[7:25].any()
    up = border_mask([Conv(3, padding=1, stride=2, dims=1), Unpool(2, mode="nearest", dims=1)], [8])
    # output o reads 2o - 1 .. 2o + 1: only o = 0 touches padding (8 is even, the last window ends at 7)
    assert up.tolist() == [True, True] + [False] * 6


# --------------------------------------------------------------------------- limits and bad input


def test_large_requests_are_refused_before_allocation() -> None:
    x = np.zeros((1, 1, 64, 64))
    with pytest.raises(TooLarge, match="limit"):
        correlate(x, np.zeros((1, 1, 3, 3)), max_bytes=1000)
    with pytest.raises(TooLarge, match="multiply-adds"):
        correlate(x, np.zeros((1, 1, 3, 3)), max_work=100)
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge):
            check_limits(conv_geometry((64, 512, 4096, 4096), (512, 512, 3, 3)).nbytes(4),
                         conv_geometry((64, 512, 4096, 4096), (512, 512, 3, 3)).work)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


@pytest.mark.parametrize("kwargs,match", [
    ({"padding": "reflect"}, "padding must be one of"),
    ({"groups": 2}, "groups=2 must divide"),
    ({"dilation": 0}, "dilation entries must be integers >= 1"),
    ({"stride": (1, 2, 3)}, "stride needs 1 entries"),
    ({"boundary": "mirror"}, "boundary must be one of"),
])
def test_bad_arguments_are_rejected_with_the_allowed_range(kwargs, match) -> None:
    with pytest.raises(InvalidArgument, match=match):
        correlate(np.zeros((1, 3, 8)), np.zeros((1, 3, 3)), **kwargs)


def test_too_small_input_names_the_needed_size() -> None:
    with pytest.raises(InvalidArgument, match="need at least 9"):
        correlate(np.zeros((1, 1, 5)), np.zeros((1, 1, 3)), dilation=4)
