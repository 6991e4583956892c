"""The FFT path's error bound, recomputed from the formula its module docstring states.

``kronconv.numeric.spectral`` bounds every output of batch item ``n`` and output
channel ``o`` by ``(t + eps (1 + t)) sum_c ||x~_{n,c}||_2 ||w_{o,c}||_1`` with
``t = eps (2 + eps) + sqrt(2) gamma_{2C} (1 + eps)^2``, ``eps = p eta / (1 - p eta)``,
``eta = mu + gamma_4 (sqrt(2) + mu)``, ``mu = 2u`` and ``p = log2 F`` (``F`` the
product of the per-axis powers of two at or above the padded sizes).  Here that
formula is evaluated in 60-digit arithmetic (mpmath) from the raw inputs, with
the padding done by ``numpy.pad``; the float64 value the library returns must
never be below it (the bound is rigorous) and only above it by its inflation.
"""

from __future__ import annotations

import math
import sys

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kronconv.numeric import conv_geometry, correlate
from kronconv.numeric.spectral import correlate_fft


def _gamma(n: int, u: mpmath.mpf) -> mpmath.mpf:
    return n * u / (1 - n * u)


def _docstring_bound(xpad: np.ndarray, w: np.ndarray, u: float) -> np.ndarray:
    """The per-(batch, out channel) bound of the module docstring, in 60 digits; shape ``(N, O)``."""
    u = mpmath.mpf(u)
    f = 1
    for m in xpad.shape[2:]:
        f *= 2 ** math.ceil(math.log2(m)) if m > 1 else 1
    p = f.bit_length() - 1  # f is a power of two
    mu = 2 * u
    eta = mu + _gamma(4, u) * (mpmath.sqrt(2) + mu)
    eps = p * eta / (1 - p * eta)
    t = eps * (2 + eps) + mpmath.sqrt(2) * _gamma(2 * xpad.shape[1], u) * (1 + eps) ** 2
    factor = t + eps * (1 + t)
    nb, cin = xpad.shape[:2]
    cout = w.shape[0]
    a = [[mpmath.sqrt(mpmath.fsum(mpmath.mpf(float(v)) ** 2 for v in xpad[n, c].ravel())) for c in range(cin)]
         for n in range(nb)]
    b = [[mpmath.fsum(abs(mpmath.mpf(float(v))) for v in w[o, c].ravel()) for c in range(cin)] for o in range(cout)]
    out = np.empty((nb, cout), dtype=object)
    for n in range(nb):
        for o in range(cout):
            out[n, o] = factor * mpmath.fsum(a[n][c] * b[o][c] for c in range(cin))
    return out


@given(st.integers(0, 2**32 - 1), st.integers(1, 2), st.sampled_from(["float32", "float64"]),
       st.sampled_from(["valid", "full", "widths", "wrap"]))
def test_fft_bound_is_the_documented_formula(seed, dims, dtype, padding) -> None:
    rng = np.random.default_rng(seed)
    nb, cin, cout = (int(v) for v in rng.integers(1, 4, 3))
    k = tuple(int(v) for v in rng.integers(1, 5, dims))
    d = tuple(int(v) for v in rng.integers(1, 3, dims))
    ext = [dd * (kk - 1) + 1 for kk, dd in zip(k, d)]
    n = tuple(int(e + rng.integers(0, 20 if dims == 1 else 6)) for e in ext)
    x = (rng.standard_normal((nb, cin) + n) * 10.0 ** rng.uniform(-3, 3)).astype(dtype)
    w = rng.standard_normal((cout, cin) + k).astype(dtype)
    boundary = "zeros"
    if padding == "valid":
        widths = [(0, 0)] * dims
    elif padding == "full":
        widths = [(e - 1, e - 1) for e in ext]
    else:
        widths = [(int(rng.integers(0, nn + 1)), int(rng.integers(0, nn + 1))) for nn in n]
        boundary = "circular" if padding == "wrap" else "zeros"
    spatial = [(0, 0), (0, 0)] + widths
    xpad = np.pad(x, spatial, mode="wrap") if boundary == "circular" else np.pad(x, spatial)
    kw = {"dilation": d, "padding": "full" if padding == "full" else padding if padding == "valid" else tuple(widths),
          "boundary": boundary}
    geo = conv_geometry(x.shape, w.shape, **kw)
    _, e = correlate_fft(x, w, geo, dtype)
    assert e.shape == (nb, cout) + (1,) * dims
    with mpmath.workdps(60):
        exact = _docstring_bound(xpad, w, float(np.finfo(dtype).eps) / 2)
        for i in range(nb):
            for o in range(cout):
                got = mpmath.mpf(float(e[i, o].ravel()[0]))
                assert exact[i, o] <= got <= exact[i, o] * (1 + mpmath.mpf(2) ** -40), (i, o, got, exact[i, o])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cin", [64, 300])
def test_fft_bound_covers_the_error_with_many_input_channels(dtype, cin) -> None:
    # with many channels the channel sum's rounding (gamma_2C) dominates the transforms' (p = 3 here)
    rng = np.random.default_rng(cin)
    x = rng.standard_normal((2, cin, 8)).astype(dtype)
    w = rng.standard_normal((3, cin, 3)).astype(dtype)
    geo = conv_geometry(x.shape, w.shape)
    y, e = correlate_fft(x, w, geo, dtype)
    exact = correlate(x.astype(np.longdouble), w.astype(np.longdouble))  # direct, 2**11 times finer
    err = np.abs(y.astype(np.longdouble) - exact).astype(np.float64)
    assert (e > 0).all()
    assert (err <= e).all()


def test_fft_path_without_scipy_falls_back_to_numpy_fft(monkeypatch) -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(-9, 10, (2, 2, 40, 33)).astype(np.float64)
    w = rng.integers(-9, 10, (3, 2, 5, 4)).astype(np.float64)
    geo = conv_geometry(x.shape, w.shape, padding="same", dilation=(2, 1))
    exact = correlate(x, w, padding="same", dilation=(2, 1), method="direct")  # integers: exact
    y_scipy, e_scipy = correlate_fft(x, w, geo, np.float64)
    monkeypatch.setitem(sys.modules, "scipy.fft", None)  # `import scipy.fft` now raises ImportError
    with pytest.raises(ImportError):
        import scipy.fft  # noqa: F401
    y, e = correlate_fft(x, w, geo, np.float64)
    assert y.shape == exact.shape == (2, 3, 40, 33)
    assert (np.abs(y - exact) <= e).all()
    assert np.array_equal(e, e_scipy)  # the bound depends on the inputs and sizes only
    assert np.allclose(y, y_scipy, rtol=0, atol=1e-9)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fft_bound_is_inflated_for_every_float64_operation_of_its_evaluation(dtype) -> None:
    # inflation(N) covers the float64 rounding of a bound built from N operations; evaluating this
    # bound takes at least 2M of them per (batch, channel) norm (M squares and M - 1 additions of the
    # padded input), k per kernel 1-norm and 2C for the channel sum: the returned value must carry
    # at least that inflation over the exact formula
    rng = np.random.default_rng(11)
    x = rng.standard_normal((1, 1, 4096)).astype(dtype)
    w = rng.standard_normal((1, 1, 3)).astype(dtype)
    geo = conv_geometry(x.shape, w.shape)
    _, e = correlate_fft(x, w, geo, dtype)
    census = 2 * 4096 + 3 + 2 * 1
    with mpmath.workdps(60):
        exact = _docstring_bound(x, w, float(np.finfo(dtype).eps) / 2)[0, 0]
        needed = exact / (1 - 2 * census * mpmath.mpf(2) ** -53)
        assert mpmath.mpf(float(e.ravel()[0])) >= needed * (1 - mpmath.mpf(10) ** -14)
