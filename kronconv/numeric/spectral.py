r"""FFT correlation (NumPy, CPU) and its rigorous forward error bound.

A correlation of the padded input :math:`\tilde x` (``(N, C, M_1..M_D)``) with a
kernel :math:`w` (``(O, C, *k)``, dilated to extents :math:`e_a`) is computed as
a circular correlation of length :math:`F_a = 2^{\lceil \log_2 M_a \rceil} \ge M_a`
per axis: every output of the stride-1 ``valid`` correlation,
:math:`i_a \le M_a - e_a`, reads no wrapped value.  With :math:`\mathcal F` the
unnormalised :math:`D`-dimensional DFT of size :math:`F = \prod F_a`,

.. math::

    y[n, o] = \mathcal F^{-1}\Big(\sum_c \mathcal F(\tilde x_{n,c}) \odot
    \overline{\mathcal F(w_{o,c})}\Big), \qquad \mathcal F^{-1} = \tfrac1F \mathcal F^*,

in complex arithmetic of the input's precision (complex64 for float32,
complex128 for float64); a stride keeps every :math:`s`-th output.

Error bound
-----------
Let :math:`u` be the unit roundoff, :math:`p = \log_2 F = \sum_a \log_2 F_a` and

.. math::

    \eta = \mu + \gamma_4 (\sqrt 2 + \mu), \qquad
    \varepsilon = \frac{p \eta}{1 - p \eta},

with :math:`\mu` the accuracy of the computed twiddle factors
(:math:`|\hat\omega - \omega| \le \mu`).  Higham (*Accuracy and Stability of
Numerical Algorithms*, 2nd ed., Theorem 24.2) shows for a radix-2 FFT of
length :math:`F`: :math:`\|\mathrm{fl}(\mathcal F v) - \mathcal F v\|_2 \le
\varepsilon \|\mathcal F v\|_2 = \varepsilon \sqrt F \|v\|_2`.  A
:math:`D`-dimensional transform is :math:`D` such transforms in sequence (the
stage counts add up to :math:`p`), and the radix-4 and radix-8 passes of
pocketfft (``numpy.fft``, ``scipy.fft``) are two or three radix-2 stages
whose inner twiddles are :math:`\pm i` (exact) or :math:`(1 \pm i)/\sqrt 2`
(accuracy :math:`\mu`), so each stays within one :math:`(1 + \eta)` factor per
stage.  pocketfft computes its twiddles in higher precision and rounds them
once, so :math:`\mu \le \sqrt 2\, u`; we take :math:`\mu = 2u` (:data:`TWIDDLE_ULPS`).

The normwise statement is used for the input and the inverse transform.  For
the kernel we need its entry-wise form: an FFT is linear, and with the
rounding errors fixed every computed output is
:math:`\hat W_k = \sum_j M_{kj} w_j` where :math:`M_{kj}` is the product, along
the unique path from input :math:`j` to output :math:`k` of the butterfly
network, of real :math:`2 \times 2` matrices -- per stage a twiddle rotation
times :math:`(I + \Delta)` with :math:`\|\Delta\|_2 \le \eta` (Higham's
per-stage constant: the rounded twiddle, the rounded complex product and the
rounded sum, whose real and imaginary parts round separately).  So
:math:`\|M_{kj} - \omega^{jk}\|_2 \le (1 + \eta)^p - 1 \le \varepsilon` and
:math:`|\hat W_k - W_k| \le \varepsilon \|w\|_1`.

Write :math:`a_{nc} = \|\tilde x_{n,c}\|_2`, :math:`b = \|w_{o,c}\|_1`,
:math:`s = \sqrt F` and :math:`\gamma = \gamma_{2C}`.  Then, with
:math:`X = \mathcal F \tilde x` and :math:`W = \mathcal F w` (hats for
computed values):

1. forward transforms: :math:`\|\hat X - X\|_2 \le \varepsilon s a`,
   :math:`\|X\|_2 = s a`, :math:`\|\hat W - W\|_\infty \le \varepsilon b`,
   :math:`\|W\|_\infty \le b`, hence :math:`\|\hat W\|_\infty \le (1 + \varepsilon) b`;
2. the channel sum of products (conventional complex arithmetic: each real
   and imaginary part of :math:`\sum_c X_c \bar W_c` is a real sum of
   :math:`2C` products, in any order, so its error is at most :math:`\gamma_{2C}`
   times :math:`\sum_c (|\Re X_c \Re W_c| + |\Im X_c \Im W_c|) \le \sum_c |X_c||W_c|`
   per part, :math:`\sqrt 2\gamma` in modulus):
   :math:`\|\hat P - P\|_2 \le \sum_c s a b\,[\varepsilon (1 + \varepsilon) + \varepsilon
   + \sqrt 2 \gamma (1 + \varepsilon)^2] = \sum_c s a b\, t` and
   :math:`\|\hat P\|_2 \le \sum_c s a b\,(1 + t)`;
3. inverse transform (the scaling by :math:`1/F`, a power of two, is exact
   barring underflow): :math:`\|\hat y - y\|_\infty \le \|\hat y - y\|_2 \le
   \tfrac1F\,(s\|\hat P - P\|_2 + \varepsilon s \|\hat P\|_2)`, and taking
   the real part does not increase the error.

So every output of batch item :math:`n` and output channel :math:`o` obeys

.. math::

    |\hat y[n, o, i] - y[n, o, i]| \le \big(t + \varepsilon (1 + t)\big) \sum_c
    \|\tilde x_{n,c}\|_2 \, \|w_{o,c}\|_1, \qquad
    t = \varepsilon (2 + \varepsilon) + \sqrt 2 \gamma_{2C} (1 + \varepsilon)^2.

It is of order :math:`3 p \eta\, \|\tilde x\|_2 \|w\|_1`: a norm-wise bound, so
small outputs carry the error of the large ones (unlike the direct path's
entry-wise :math:`\gamma_n \sum |W||x|`).  The bound is evaluated in float64 on
non-negative terms and inflated by :func:`~kronconv.numeric.bounds.inflation`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .bounds import gamma, inflation, unit_roundoff
from .geometry import ConvGeometry, _pad

__all__ = [
    "FFT_WORK_DONE",
    "TWIDDLE_ULPS",
    "fft_error_factor",
    "fft_shape",
    "fft_work",
]

#: Twiddle-factor accuracy :math:`\mu` in units of :math:`u`.
TWIDDLE_ULPS = 2.0
#: Multiply-add equivalents of one complex FFT of size F: (5/2) F log2 F (radix-2 count).
_FFT_MADDS_PER_POINT_STAGE = 2.5


def fft_shape(geo: ConvGeometry) -> tuple[int, ...]:
    """Per-axis transform lengths: the next power of two at or above the padded input size.

    Examples
    --------
    >>> from kronconv.numeric.geometry import conv_geometry
    >>> fft_shape(conv_geometry((1, 1, 258, 100), (1, 1, 243, 9)))
    (512, 128)
    """
    return tuple(1 << max(0, (n + lo + hi - 1).bit_length()) for n, (lo, hi) in zip(geo.in_size, geo.pad))


def fft_error_factor(stages: int, u: float, mu: float | None = None) -> float:
    r""":math:`\varepsilon = p\eta / (1 - p\eta)` with :math:`\eta = \mu + \gamma_4(\sqrt 2 + \mu)` (``inf`` when :math:`p\eta \ge 1`).

    Examples
    --------
    >>> e = fft_error_factor(18, 2.0**-53)
    >>> 18 * 7 * 2.0**-53 < e < 18 * 8 * 2.0**-53
    True
    """
    mu = TWIDDLE_ULPS * u if mu is None else mu
    eta = mu + gamma(4, u) * (math.sqrt(2.0) + mu)
    pe = stages * eta
    return math.inf if pe >= 1 else pe / (1.0 - pe)


def fft_work(geo: ConvGeometry) -> int:
    """Multiply-add equivalents of the FFT path: transforms at (5/2) F log2 F each, plus 4 per complex product.

    Examples
    --------
    >>> from kronconv.numeric.geometry import conv_geometry
    >>> fft_work(conv_geometry((1, 1, 8), (1, 1, 3)))  # 3 transforms of 8 points, 8 products
    212
    """
    f = math.prod(fft_shape(geo))
    p = f.bit_length() - 1
    transforms = geo.batch * geo.in_channels + geo.out_channels * geo.in_channels + geo.batch * geo.out_channels
    return int(transforms * _FFT_MADDS_PER_POINT_STAGE * f * p) + 4 * geo.batch * geo.out_channels * geo.in_channels * f


def fft_nbytes(geo: ConvGeometry, itemsize: int) -> int:
    """Peak memory of the FFT path: padded input, the dilated kernel, the spectra alive together, the output."""
    f = math.prod(fft_shape(geo))
    c = 2 * itemsize
    m = math.prod(n + lo + hi for n, (lo, hi) in zip(geo.in_size, geo.pad))
    padded = geo.batch * geo.in_channels * m * (1 if any(lo or hi for lo, hi in geo.pad) else 0)
    kernel = geo.out_channels * geo.in_channels * math.prod(geo.extent)
    nx, nw, ny = geo.batch * geo.in_channels, geo.out_channels * geo.in_channels, geo.batch * geo.out_channels
    # x's spectrum stays while the kernel's is made; then both and the product; then product and inverse
    peak = max(c * nx * (m + f), c * nx * f + (itemsize + c) * kernel + c * nw * f,
               c * (nx + nw + ny) * f, 2 * c * ny * f)
    return itemsize * padded + peak + itemsize * ny * math.prod(geo.out_size)


#: Multiply-add equivalents done by the FFT path, counted from the transforms and products it runs.
FFT_WORK_DONE = [0]


def _fftn(a: np.ndarray, shape: tuple[int, ...], inverse: bool = False) -> np.ndarray:
    axes = tuple(range(a.ndim - len(shape), a.ndim))
    f = math.prod(shape)
    FFT_WORK_DONE[0] += int(a.size // math.prod(a.shape[-len(shape):]) * _FFT_MADDS_PER_POINT_STAGE * f * (f.bit_length() - 1))
    try:
        import scipy.fft as sfft  # same pocketfft algorithm, in place and threaded

        fn = sfft.ifftn if inverse else sfft.fftn
        return fn(a, s=shape, axes=axes, overwrite_x=True)  # type: ignore[no-any-return]
    except ImportError:
        fn = np.fft.ifftn if inverse else np.fft.fftn
        return fn(a, s=shape, axes=axes)  # type: ignore[no-any-return]


def correlate_fft(x: np.ndarray, w: np.ndarray, geo: ConvGeometry, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    """FFT correlation (groups 1) and its bound per ``(batch, out channel)``, shape ``(N, O, 1, ..)``.

    Examples
    --------
    >>> from kronconv.numeric.geometry import conv_geometry
    >>> x = np.arange(8.0).reshape(1, 1, 8); w = np.array([1.0, 0.0, -1.0]).reshape(1, 1, 3)
    >>> y, e = correlate_fft(x, w, conv_geometry(x.shape, w.shape), np.float64)
    >>> bool((abs(y + 2.0) <= e).all()), bool(e.max() < 1e-12)
    (True, True)
    """
    if geo.groups != 1:
        raise ValueError("the FFT path handles groups=1 only")
    cdt = np.complex64 if np.dtype(dtype) == np.float32 else np.complex128
    xpad = _pad(x.astype(dtype, copy=False), geo.pad, geo.boundary, 0)
    shape = fft_shape(geo)
    dims = geo.dims
    # the dilated kernel, zero-filled between taps
    wd = np.zeros(w.shape[:2] + geo.extent, dtype=dtype)
    wd[(slice(None), slice(None)) + tuple(slice(None, None, d) for d in geo.dilation)] = w
    xf = _fftn(xpad.astype(cdt), shape)
    wf = _fftn(wd.astype(cdt), shape)
    np.conjugate(wf, out=wf)
    # P[n, o] = sum_c X[n, c] conj(W[o, c]): one complex GEMM per frequency block
    pf = np.einsum("nc...,oc...->no...", xf, wf)
    FFT_WORK_DONE[0] += 4 * pf.size * geo.in_channels
    del xf, wf
    yf = _fftn(pf, shape, inverse=True)
    del pf
    keep = (slice(None), slice(None)) + tuple(slice(0, (o - 1) * s + 1, s) for o, s in zip(geo.out_size, geo.stride))
    y = np.ascontiguousarray(yf.real[keep]).astype(dtype, copy=False)
    # the bound, in float64 on non-negative terms
    u = unit_roundoff(dtype)
    eps = fft_error_factor(math.prod(shape).bit_length() - 1, u)
    g = gamma(2 * geo.in_channels, u)
    t = eps * (2 + eps) + math.sqrt(2.0) * g * (1 + eps) ** 2
    a = np.sqrt(np.sum(np.square(xpad.astype(np.float64)), axis=tuple(range(2, 2 + dims))))  # (N, C)
    b = np.abs(w.astype(np.float64)).sum(axis=tuple(range(2, 2 + dims)))  # (O, C)
    per = (t + eps * (1 + t)) * b
    bound = a @ per.T  # (N, O)
    ops = 2 * math.prod(xpad.shape[2:]) + 2 * geo.taps + 8 * geo.in_channels + 16
    bound = bound * inflation(ops)
    return y, bound.reshape(bound.shape + (1,) * dims)
