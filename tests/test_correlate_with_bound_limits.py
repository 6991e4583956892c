"""``correlate_with_bound`` and the method choice: the bound's value, the limits on both sides, the refusals.

On the direct path the bound is ``gamma_n (|W| * |x|)`` with ``n`` the products per
output; here ``|W| * |x|`` is recomputed in exact integer arithmetic (integer-valued
floats) and ``gamma_n`` from Higham's definition.  The limit checks count the
bound's own float64 correlation on the direct path, and nothing more on the FFT path.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from kronconv.errors import InvalidArgument, TooLarge
from kronconv.numeric import conv_geometry, convolve_plain, correlate, correlate_plain
from kronconv.numeric.correlation import correlate_with_bound, correlation_plan


def _exact_magnitude(x: np.ndarray, w: np.ndarray, pad: int) -> list[int]:
    """``sum |w| |x|`` per output of a 1-D zero-padded correlation, in Python integers."""
    xs = [0] * pad + [abs(int(v)) for v in x.ravel()] + [0] * pad
    ws = [abs(int(v)) for v in w.ravel()]
    return [sum(a * b for a, b in zip(ws, xs[i:i + len(ws)])) for i in range(len(xs) - len(ws) + 1)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_direct_bound_is_gamma_n_times_the_magnitude_correlation(dtype) -> None:
    rng = np.random.default_rng(1)
    x = rng.integers(-50, 51, (1, 1, 200)).astype(dtype)
    w = rng.integers(-50, 51, (1, 1, 9)).astype(dtype)
    y, e, plan = correlate_with_bound(x, w, padding=4, method="direct")
    assert plan.method == "direct" and plan.terms == 9
    xs = np.concatenate([np.zeros(4), x.ravel().astype(np.float64), np.zeros(4)])
    assert np.array_equal(y.ravel(), np.correlate(xs, w.ravel().astype(np.float64), "valid"))  # exact: small integers
    u = Fraction(1, 2**24 if dtype == np.float32 else 2**53)
    g = 9 * u / (1 - 9 * u)
    for got, mag in zip(e.ravel().tolist(), _exact_magnitude(x, w, 4)):
        exact = g * mag
        assert exact <= Fraction(got) <= exact * (1 + Fraction(1, 2**40))


def test_integer_bound_is_zero_while_the_sums_fit_and_inf_beyond() -> None:
    x = np.array([1, 2, 3, 4], dtype=np.int64).reshape(1, 1, 4)
    w = np.array([1, -1], dtype=np.int64).reshape(1, 1, 2)
    y, e, _ = correlate_with_bound(x, w)
    assert y.ravel().tolist() == [-1, -1, -1] and e.ravel().tolist() == [0.0, 0.0, 0.0]
    big = np.array([2**62, 2**62], dtype=np.int64).reshape(1, 1, 2)
    _, e, _ = correlate_with_bound(big, np.ones((1, 1, 2), dtype=np.int64))
    assert e.ravel().tolist() == [math.inf]


@pytest.mark.parametrize("method", ["direct", "fft"])
def test_limits_count_the_bound_correlation_on_the_direct_path_only(method) -> None:
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((1, 2, 300)), rng.standard_normal((3, 2, 40))
    geo = conv_geometry(x.shape, w.shape)
    plan = correlation_plan(geo, x.dtype, method)
    extra = correlation_plan(geo, np.float64, "direct") if method == "direct" else None
    need_bytes = plan.nbytes + (extra.nbytes if extra else 0)
    need_work = plan.work + (extra.work if extra else 0)
    y, _, ran = correlate_with_bound(x, w, method=method, max_bytes=need_bytes, max_work=need_work)
    assert ran.method == method and y.shape == (1, 3, 261)
    with pytest.raises(TooLarge, match="max_bytes"):
        correlate_with_bound(x, w, method=method, max_bytes=need_bytes - 1, max_work=None)
    with pytest.raises(TooLarge, match="max_work"):
        correlate_with_bound(x, w, method=method, max_bytes=None, max_work=need_work - 1)


def test_fft_method_needs_float_data_and_one_group() -> None:
    x, w = np.ones((1, 2, 16)), np.ones((2, 1, 3))
    with pytest.raises(InvalidArgument, match="method 'fft' needs float32/float64 data and groups=1, got float64 and groups=2"):
        correlate(x, w, groups=2, method="fft")
    with pytest.raises(InvalidArgument, match="got int64 and groups=1"):
        correlate(np.ones((1, 1, 16), dtype=np.int64), np.ones((1, 1, 3), dtype=np.int64), method="fft")
    # auto falls back to the direct path where FFT is not allowed
    assert correlation_plan(conv_geometry(x.shape, w.shape, groups=2), np.float64, "auto").method == "direct"
    big = conv_geometry((1, 1, 4096), (1, 1, 1024))
    assert correlation_plan(big, np.float64, "auto").method == "fft"
    assert correlation_plan(big, np.int64, "auto").method == "direct"
    assert correlate(np.ones((1, 1, 16)), np.ones((1, 1, 3)), method="fft").ravel() == pytest.approx([3.0] * 14)
    with pytest.raises(InvalidArgument, match="method must be one of direct, fft, auto, got 'fast'"):
        correlate(np.ones((1, 1, 16)), np.ones((1, 1, 3)), method="fast")
    with pytest.raises(InvalidArgument, match="correlate_with_bound takes NumPy arrays"):
        correlate_with_bound([[[1.0]]], np.ones((1, 1, 1)))


@pytest.mark.parametrize("f", [correlate_plain, convolve_plain])
def test_plain_signals_take_one_to_three_axes_of_equal_rank(f) -> None:
    for dims in (1, 2, 3):
        assert f(np.ones((3,) * dims), np.ones((2,) * dims)).shape == (2,) * dims
    with pytest.raises(InvalidArgument, match="plain signals need 1-3 axes and a kernel of equal rank, got 4 and 4"):
        f(np.ones((3,) * 4), np.ones((2,) * 4))
    with pytest.raises(InvalidArgument, match="got 2 and 1"):
        f(np.ones((3, 3)), np.ones(2))
    assert f(np.array([1.0, 2.0, 4.0]), np.array([1.0, 10.0])).tolist() == (
        [21.0, 42.0] if f is correlate_plain else [12.0, 24.0])
