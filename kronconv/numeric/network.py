r"""Reference convolutions (NumPy, array-generic): dilated correlation/convolution, pooling, cascades.

Layout and conventions
----------------------
Arrays are channels-first: an input is ``(N, C_in, n_1, ..., n_D)`` and a weight
``(C_out, C_in / groups, k_1, ..., k_D)`` with ``D`` in 1, 2, 3 spatial axes.
With dilation :math:`d`, stride :math:`s` and ``lo`` zeros (or wrapped values)
added before each axis, the **correlation** is

.. math::

    y[n, o, i] = \sum_{c \in \text{group}(o)} \sum_{t} W[o, c, t]\, \tilde x[n, c, i s + t d - lo]

(per axis; :math:`\tilde x` is the padded input) and the **convolution**
(``convolve``) is the correlation with the kernel flipped on every spatial
axis, i.e. in ``full`` mode the true convolution
:math:`(K * F)[t] = \sum_\tau K[\tau] F[t - \tau]` of Yu & Koltun (2015).

Padding modes, with :math:`e = d (k - 1) + 1` the dilated extent:

* ``valid`` — no padding; ``(n - e) // s + 1`` outputs.
* ``same`` — zeros, ``lo = e // 2`` and ``hi = (e - 1) // 2``: for an even extent
  the extra zero goes **before** the signal.  This is ``scipy.signal``'s ``same``
  (the centre of the full output) for both ``convolve`` and ``correlate``, and
  the origin of ``scipy.ndimage.correlate`` (centre ``e // 2``) — the tests check these.
  PyTorch's ``padding='same'`` puts the extra zero after instead, and so does
  ``scipy.ndimage.convolve`` for even extents (it equals widths
  ``((e - 1) // 2, e // 2)`` here).
* ``full`` — ``e - 1`` zeros on both sides (``scipy.signal`` ``full``).
* ``circular`` — the ``same`` widths filled by wrapping around (periodic
  signal; ``scipy.ndimage`` ``mode='wrap'``).
* explicit widths — an int (both sides), or per axis an int or a ``(lo, hi)``
  pair; ``boundary='zeros' | 'circular'`` says how they are filled.

A stride :math:`s` keeps outputs ``0, s, 2s, ...`` of the stride-1 result.

Floating-point error bound
--------------------------
Each output is a dot product of :math:`n = (\prod_i k_i) \cdot C_{in}/\text{groups}`
terms.  In floating point with unit roundoff :math:`u` (:math:`2^{-24}` for
float32, :math:`2^{-53}` for float64), in *any* summation order, with or without
fused multiply-add (Higham, *Accuracy and Stability of Numerical Algorithms*,
2nd ed., Lemma 3.1 and eq. (3.4)–(3.5)):

.. math::

    |\mathrm{fl}(y) - y| \le \gamma_n \sum |W| |x|, \qquad \gamma_n = \frac{n u}{1 - n u}.

Two implementations that both satisfy it (the NumPy reference and the CuPy
kernels) therefore differ by at most :math:`2 \gamma_n \sum |W||x|`, and agree
*exactly* when all inputs are integers and :math:`\sum |W||x| < 2^{p}`
(:math:`p = 24, 53`), because every partial sum is then representable.
Through a network the bound is propagated layer by layer
(:func:`forward` with ``with_bound=True``): a convolution maps a bound :math:`E`
to :math:`|W| \star E + \gamma_{n+1} (|W| \star |\hat y| + |b|)` (computed
values :math:`\hat y`), ReLU and max pooling are 1-Lipschitz in the max norm and
keep it, average pooling adds :math:`\gamma_{K+1}` of the average magnitude.
Bounds are evaluated in float64 on non-negative terms and inflated by
:math:`1 / (1 - 2 N u_{64})` (:func:`inflation`; :math:`N` the total term
count plus a few operations per layer) to cover their own rounding.

Size limits
-----------
Every public operation estimates its memory (padded input, one tap slice, the
accumulator and the output) and its work (multiply-adds) **before allocating**,
and raises :class:`~kronconv.errors.TooLarge` above ``max_bytes``
(default :data:`MAX_BYTES` = 2 GiB) or ``max_work`` (default :data:`MAX_WORK`
= 2**32 multiply-adds), naming the estimate and the limit.

Examples
--------
>>> import numpy as np
>>> x = np.arange(6.0).reshape(1, 1, 6)
>>> w = np.array([1.0, 0.0, -1.0]).reshape(1, 1, 3)
>>> correlate(x, w).ravel().tolist()
[-2.0, -2.0, -2.0, -2.0]
>>> correlate(x, w, dilation=2).ravel().tolist()
[-4.0, -4.0]
>>> convolve_plain(np.array([1.0, 2.0]), np.array([1.0, 1.0, 1.0]), padding="full").tolist()
[1.0, 3.0, 3.0, 2.0]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..backend import backend_of
from ..errors import InvalidArgument, TooLarge
from ..kron import array_module
from ..spec import Conv, Pool

__all__ = [
    "MAX_BYTES",
    "MAX_WORK",
    "PADDING_MODES",
    "ConvGeometry",
    "ForwardResult",
    "NetLayer",
    "Unpool",
    "border_mask",
    "cascade",
    "cascade_padding",
    "cascade_with_bound",
    "check_limits",
    "conv_geometry",
    "convolve",
    "convolve_plain",
    "correlate",
    "correlate_plain",
    "forward",
    "gamma",
    "inflation",
    "init_params",
    "max_unpool",
    "pad_widths",
    "pool",
    "shift",
    "total_stride",
    "unit_roundoff",
    "upsample_nearest",
]

#: Default memory limit of one operation, in bytes (2 GiB).
MAX_BYTES = 2 << 30
#: Default work limit of one operation, in multiply-adds (2**32, about 4.3e9).
MAX_WORK = 1 << 32
#: Named padding modes.
PADDING_MODES = ("valid", "same", "full", "circular")
_BOUNDARIES = ("zeros", "circular")

Padding = str | int | Sequence[int | Sequence[int]]


# --------------------------------------------------------------------------- arithmetic


def unit_roundoff(dtype: Any) -> float:
    """Unit roundoff :math:`u` of a dtype: ``2**-24`` (float32), ``2**-53`` (float64), 0 for integers.

    Examples
    --------
    >>> unit_roundoff(np.float32) == 2.0**-24
    True
    """
    dt = np.dtype(dtype)
    if dt.kind in "iub":
        return 0.0
    if dt.kind != "f":
        raise InvalidArgument(f"dtype must be a real float or integer type, got {dt}")
    return float(np.finfo(dt).eps) / 2.0


def gamma(n: int, u: float) -> float:
    r""":math:`\gamma_n = n u / (1 - n u)` (Higham); ``inf`` when :math:`n u \ge 1`.

    Examples
    --------
    >>> gamma(0, 0.5), gamma(1, 2.0**-53) > 2.0**-53
    (0.0, True)
    """
    nu = n * u
    return math.inf if nu >= 1 else nu / (1.0 - nu)


#: Float64 operations per layer of a bound evaluation besides its sums (gamma, product, additions).
_EVAL_OPS = 4


def inflation(count: int) -> float:
    r"""Factor :math:`1 / (1 - 2 N u_{64})` covering the float64 rounding of a bound built from ``count`` operations.

    A non-negative sum of :math:`n` terms computed in float64 is at least
    :math:`(1 - \gamma_n)` times the exact one; over a chain the factors
    multiply to at least :math:`1 - \sum \gamma \ge 1 - 2 N u_{64}` while
    :math:`N u_{64} \le 1/4`.

    Examples
    --------
    >>> 1 < inflation(100) < 1 + 1e-13
    True
    """
    x = 2.0 * count * 2.0**-53
    if x >= 0.5:
        raise InvalidArgument(f"bound evaluation with {count} operations is beyond float64's reach")
    return 1.0 / (1.0 - x)


# --------------------------------------------------------------------------- geometry


def _per_axis_ints(name: str, value: Any, dims: int, lo: int) -> tuple[int, ...]:
    vals = list(value) if isinstance(value, (list, tuple)) else [value] * dims
    if len(vals) != dims:
        raise InvalidArgument(f"{name} needs {dims} entries (one per axis), got {len(vals)}: {value!r}")
    out = []
    for v in vals:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or int(v) < lo:
            raise InvalidArgument(f"{name} entries must be integers >= {lo}, got {v!r}")
        out.append(int(v))
    return tuple(out)


def pad_widths(padding: Padding, extents: Sequence[int], boundary: str = "zeros") -> tuple[tuple[tuple[int, int], ...], str]:
    """Resolve a padding mode to per-axis ``(lo, hi)`` widths and a fill (``zeros``/``circular``).

    Examples
    --------
    >>> pad_widths("same", [3, 4])
    (((1, 1), (2, 1)), 'zeros')
    >>> pad_widths("circular", [5])
    (((2, 2),), 'circular')
    >>> pad_widths([(0, 2)], [3], "circular")
    (((0, 2),), 'circular')
    """
    if boundary not in _BOUNDARIES:
        raise InvalidArgument(f"boundary must be one of {', '.join(_BOUNDARIES)}, got {boundary!r}")
    dims = len(extents)
    if isinstance(padding, str):
        if padding not in PADDING_MODES:
            raise InvalidArgument(f"padding must be one of {', '.join(PADDING_MODES)} or widths, got {padding!r}")
        if padding == "valid":
            return tuple((0, 0) for _ in extents), "zeros"
        if padding == "full":
            return tuple((e - 1, e - 1) for e in extents), "zeros"
        widths = tuple((e // 2, (e - 1) // 2) for e in extents)
        return widths, ("circular" if padding == "circular" else "zeros")
    items = list(padding) if isinstance(padding, (list, tuple)) else [padding] * dims
    if len(items) != dims:
        raise InvalidArgument(f"padding needs {dims} entries (one per axis), got {len(items)}: {padding!r}")
    out = []
    for it in items:
        pair = tuple(it) if isinstance(it, (list, tuple)) else (it, it)
        if len(pair) != 2 or any(isinstance(p, bool) or not isinstance(p, (int, np.integer)) or int(p) < 0
                                 for p in pair):
            raise InvalidArgument(f"padding widths must be integers >= 0 or (lo, hi) pairs, got {it!r}")
        out.append((int(pair[0]), int(pair[1])))
    return tuple(out), boundary


@dataclass(frozen=True)
class ConvGeometry:
    """Shapes, padding and costs of one (grouped, dilated, strided) correlation."""

    batch: int
    in_channels: int
    out_channels: int
    groups: int
    in_size: tuple[int, ...]
    kernel: tuple[int, ...]
    dilation: tuple[int, ...]
    stride: tuple[int, ...]
    pad: tuple[tuple[int, int], ...]
    boundary: str
    out_size: tuple[int, ...]

    @property
    def dims(self) -> int:
        return len(self.in_size)

    @property
    def extent(self) -> tuple[int, ...]:
        """Dilated kernel extent ``d (k - 1) + 1`` per axis."""
        return tuple(d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation))

    @property
    def taps(self) -> int:
        return math.prod(self.kernel)

    @property
    def terms(self) -> int:
        """Products summed into one output: taps times input channels per group."""
        return self.taps * (self.in_channels // self.groups)

    @property
    def work(self) -> int:
        """Multiply-adds of the whole operation."""
        return self.batch * self.out_channels * math.prod(self.out_size) * self.terms

    def nbytes(self, itemsize: int) -> int:
        """Peak extra memory: padded input, one tap slice, accumulator, product and output."""
        padded = self.batch * self.in_channels * math.prod(n + lo + hi for n, (lo, hi) in zip(self.in_size, self.pad))
        outs = math.prod(self.out_size)
        return itemsize * (padded + self.batch * self.in_channels * outs + 3 * self.batch * self.out_channels * outs)


def conv_geometry(x_shape: Sequence[int], w_shape: Sequence[int], *, dilation: Any = 1, stride: Any = 1,
                  padding: Padding = "valid", boundary: str = "zeros", groups: int = 1) -> ConvGeometry:
    """Validate shapes and parameters of a correlation and compute its geometry.

    Examples
    --------
    >>> g = conv_geometry((2, 4, 10, 10), (6, 2, 3, 3), dilation=2, groups=2, padding="same")
    >>> g.out_size, g.terms, g.pad
    ((10, 10), 18, ((2, 2), (2, 2)))
    """
    x_shape, w_shape = tuple(int(v) for v in x_shape), tuple(int(v) for v in w_shape)
    if len(x_shape) not in (3, 4, 5):
        raise InvalidArgument(f"input must have shape (N, C, n_1[, n_2[, n_3]]) with 1-3 spatial axes, got {x_shape}")
    dims = len(x_shape) - 2
    if len(w_shape) != dims + 2:
        raise InvalidArgument(f"weight must have shape (C_out, C_in/groups, k_1..k_{dims}), got {w_shape}")
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise InvalidArgument(f"groups must be an integer >= 1, got {groups!r}")
    n, cin = x_shape[0], x_shape[1]
    cout, cg = w_shape[0], w_shape[1]
    if cin % groups or cout % groups:
        raise InvalidArgument(f"groups={groups} must divide in_channels={cin} and out_channels={cout}")
    if cg != cin // groups:
        raise InvalidArgument(f"weight has {cg} input channels per group, expected in_channels/groups = {cin // groups}")
    if min(x_shape) < 1 or min(w_shape) < 1:
        raise InvalidArgument(f"shapes must be non-empty, got input {x_shape} and weight {w_shape}")
    ks = w_shape[2:]
    ds = _per_axis_ints("dilation", dilation, dims, 1)
    ss = _per_axis_ints("stride", stride, dims, 1)
    ext = [d * (k - 1) + 1 for k, d in zip(ks, ds)]
    widths, fill = pad_widths(padding, ext, boundary)
    outs = []
    for ax, (size, e, s, (lo, hi)) in enumerate(zip(x_shape[2:], ext, ss, widths)):
        span = size + lo + hi - e
        if span < 0:
            raise InvalidArgument(
                f"axis {ax}: input size {size} with padding ({lo}, {hi}) is smaller than the dilated "
                f"kernel extent {e}; need at least {e - lo - hi}")
        outs.append(span // s + 1)
    return ConvGeometry(n, cin, cout, int(groups), x_shape[2:], ks, ds, ss, widths, fill, tuple(outs))


def check_limits(nbytes: int, work: int, *, max_bytes: int | None = MAX_BYTES, max_work: int | None = MAX_WORK,
                 what: str = "operation") -> None:
    """Raise :class:`~kronconv.errors.TooLarge` when an estimate exceeds its limit (``None``: no limit).

    Examples
    --------
    >>> check_limits(10, 10)
    >>> check_limits(3 << 30, 1)
    Traceback (most recent call last):
    ...
    kronconv.errors.TooLarge: operation needs an estimated 3.00 GiB, above the limit 2.00 GiB (max_bytes); use smaller sizes, fewer channels or layers
    """
    if max_bytes is not None and nbytes > max_bytes:
        raise TooLarge(f"{what} needs an estimated {nbytes / 2**30:.2f} GiB, above the limit "
                       f"{max_bytes / 2**30:.2f} GiB (max_bytes); use smaller sizes, fewer channels or layers")
    if max_work is not None and work > max_work:
        raise TooLarge(f"{what} needs an estimated {work:.3g} multiply-adds, above the limit {max_work:.3g} "
                       f"(max_work); use smaller sizes, fewer channels or layers")


# --------------------------------------------------------------------------- padding helpers


def _pad(x: Any, widths: Sequence[tuple[int, int]], boundary: str, value: float = 0) -> Any:
    """Pad the spatial axes (2..) of ``x`` with ``value`` or by wrapping around."""
    xp = array_module(x)
    if all(lo == 0 and hi == 0 for lo, hi in widths):
        return x
    if boundary == "circular":
        for ax, (lo, hi) in enumerate(widths):
            n = x.shape[2 + ax]
            idx = xp.arange(-lo, n + hi) % n
            x = xp.take(x, idx, axis=2 + ax)
        return x
    shape = x.shape[:2] + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], widths))
    out = xp.full(shape, value, dtype=x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(x.shape[2:], widths))] = x
    return out


def _tap_slices(geo: ConvGeometry, tap: Sequence[int]) -> tuple[slice, ...]:
    return (slice(None), slice(None)) + tuple(
        slice(t * d, t * d + (m - 1) * s + 1, s)
        for t, d, m, s in zip(tap, geo.dilation, geo.out_size, geo.stride)
    )


# --------------------------------------------------------------------------- correlation


def _result_dtype(x: Any, w: Any) -> Any:
    dt = np.result_type(x.dtype, w.dtype)
    if dt.kind not in "iuf":
        raise InvalidArgument(f"inputs must be real (float or integer), got {x.dtype} and {w.dtype}")
    return dt


def _correlate_xp(x: Any, w: Any, geo: ConvGeometry, dtype: Any) -> Any:
    """Array-generic core: per kernel tap, one strided slice copy and one GEMM per group.

    The accumulator is laid out ``(groups, C_out / groups, N * positions)`` so
    that each product is a plain 2-D matrix product (BLAS), not a broadcast one.
    """
    xp = array_module(x)
    x = x.astype(dtype, copy=False)
    w = w.astype(dtype, copy=False)
    xpad = _pad(x, geo.pad, geo.boundary, 0)
    nb, g = geo.batch, geo.groups
    cg, og = geo.in_channels // g, geo.out_channels // g
    cols = nb * math.prod(geo.out_size)
    # taps first and contiguous: wt[tap, group] is a contiguous (Og, Cg) matrix
    wt = xp.ascontiguousarray(xp.moveaxis(w.reshape(g, og, cg, geo.taps), -1, 0))
    acc = xp.zeros((g, og, cols), dtype=dtype)
    for ti, tap in enumerate(itertools.product(*(range(k) for k in geo.kernel))):
        xs = xpad[_tap_slices(geo, tap)].reshape((nb, g, cg) + geo.out_size)
        xt = xp.moveaxis(xs, 0, 2).reshape(g, cg, cols)  # the one copy per tap
        if cg == 1:
            acc += wt[ti, :, :, 0, None] * xt
        else:
            for gi in range(g):
                acc[gi] += xp.matmul(wt[ti, gi], xt[gi])
    out = acc.reshape((geo.out_channels, nb) + geo.out_size)
    return xp.ascontiguousarray(xp.moveaxis(out, 1, 0))


def correlate(x: Any, w: Any, *, dilation: Any = 1, stride: Any = 1, padding: Padding = "valid",
              boundary: str = "zeros", groups: int = 1, max_bytes: int | None = MAX_BYTES,
              max_work: int | None = MAX_WORK) -> Any:
    r"""Dilated, strided, grouped cross-correlation of ``(N, C_in, *n)`` with ``(C_out, C_in/groups, *k)``.

    NumPy arrays run the vectorised reference (a loop over kernel taps only);
    CuPy float32/float64 arrays run the CUDA kernel of :mod:`kronconv.gpu`.
    See the module docstring for the padding modes and the error bound.

    Examples
    --------
    >>> x = np.arange(5.0).reshape(1, 1, 5)
    >>> correlate(x, np.ones((1, 1, 2)), padding="same").ravel().tolist()
    [0.0, 1.0, 3.0, 5.0, 7.0]
    >>> correlate(x, np.ones((1, 1, 3)), padding="circular", stride=2).ravel().tolist()
    [5.0, 6.0, 7.0]
    >>> correlate(np.ones((1, 4, 3)), np.ones((2, 2, 1)), groups=2)[0, :, 0].tolist()
    [2.0, 2.0]
    """
    if backend_of(x) != backend_of(w):
        raise InvalidArgument(f"input and weight must live on one backend, got {backend_of(x)} and {backend_of(w)}")
    geo = conv_geometry(x.shape, w.shape, dilation=dilation, stride=stride, padding=padding,
                        boundary=boundary, groups=groups)
    dtype = _result_dtype(x, w)
    check_limits(geo.nbytes(dtype.itemsize), geo.work, max_bytes=max_bytes, max_work=max_work, what="correlation")
    if backend_of(x) == "cupy" and dtype in (np.float32, np.float64):
        from ..gpu.kernels import correlate_gpu

        return correlate_gpu(x, w, geo, dtype)
    return _correlate_xp(x, w, geo, dtype)


def _flip(w: Any) -> Any:
    return w[(slice(None), slice(None)) + (slice(None, None, -1),) * (w.ndim - 2)]


def convolve(x: Any, w: Any, **kwargs: Any) -> Any:
    r"""True (kernel-flipped) convolution; same arguments as :func:`correlate`.

    In ``full`` mode, :math:`y[t] = \sum_\tau K[\tau] x[t - \tau]`.

    Examples
    --------
    >>> x = np.array([0.0, 1.0, 0.0, 0.0]).reshape(1, 1, 4)
    >>> convolve(x, np.array([1.0, 2.0, 3.0]).reshape(1, 1, 3), padding="full").ravel().tolist()
    [0.0, 1.0, 2.0, 3.0, 0.0, 0.0]
    """
    xp = array_module(w)
    return correlate(x, xp.ascontiguousarray(_flip(w)), **kwargs)


def _plain(op: Any, x: Any, k: Any, kwargs: dict[str, Any]) -> Any:
    if x.ndim not in (1, 2, 3) or k.ndim != x.ndim:
        raise InvalidArgument(f"plain signals need 1-3 axes and a kernel of equal rank, got {x.ndim} and {k.ndim}")
    return op(x[None, None], k[None, None], **kwargs)[0, 0]


def correlate_plain(x: Any, k: Any, **kwargs: Any) -> Any:
    """:func:`correlate` for a bare signal and kernel (no batch or channel axes).

    Examples
    --------
    >>> correlate_plain(np.array([1, 2, 3, 4]), np.array([1, -1])).tolist()
    [-1, -1, -1]
    """
    return _plain(correlate, x, k, kwargs)


def convolve_plain(x: Any, k: Any, **kwargs: Any) -> Any:
    """:func:`convolve` for a bare signal and kernel (no batch or channel axes)."""
    return _plain(convolve, x, k, kwargs)


# --------------------------------------------------------------------------- pooling


def pool(x: Any, kernel: Any, stride: Any = None, padding: Padding = 0, *, mode: str = "max",
         boundary: str = "zeros", return_indices: bool = False, max_bytes: int | None = MAX_BYTES) -> Any:
    """Max or average pooling of ``(N, C, *n)``; optionally the argmax indices (for :func:`max_unpool`).

    Zero-boundary max pooling pads with ``-inf`` (padding never wins); average
    pooling counts padded zeros (divides by the window size).  Ties go to the
    first tap in C order, like ``numpy.argmax``.  Indices are flat positions in
    the unpadded input's spatial axes (PyTorch's convention).

    Examples
    --------
    >>> x = np.array([1.0, 5.0, 2.0, 0.0, 3.0, 4.0]).reshape(1, 1, 6)
    >>> y, idx = pool(x, 2, return_indices=True)
    >>> y.ravel().tolist(), idx.ravel().tolist()
    ([5.0, 2.0, 4.0], [1, 2, 5])
    >>> pool(x, 2, mode="avg").ravel().tolist()
    [3.0, 1.0, 3.5]
    """
    xp = array_module(x)
    dims = x.ndim - 2
    if dims not in (1, 2, 3):
        raise InvalidArgument(f"input must have shape (N, C, n_1[, n_2[, n_3]]), got {tuple(x.shape)}")
    if mode not in ("max", "avg"):
        raise InvalidArgument(f"pool mode must be 'max' or 'avg', got {mode!r}")
    ks = _per_axis_ints("pool kernel", kernel, dims, 1)
    ss = ks if stride is None else _per_axis_ints("pool stride", stride, dims, 1)
    if isinstance(padding, str):
        raise InvalidArgument(f"pool padding must be widths, got {padding!r}")
    geo = conv_geometry(x.shape, (x.shape[1], 1) + ks, stride=ss, padding=padding, boundary=boundary,
                        groups=x.shape[1])
    check_limits(geo.nbytes(max(x.dtype.itemsize, 8)), 0, max_bytes=max_bytes, max_work=None, what="pooling")
    fill = -np.inf if (mode == "max" and x.dtype.kind == "f") else (np.iinfo(x.dtype).min if mode == "max" else 0)
    xpad = _pad(x, geo.pad, geo.boundary, fill)
    best = None
    arg = None
    for ti, tap in enumerate(itertools.product(*(range(k) for k in ks))):
        v = xpad[_tap_slices(geo, tap)]
        if best is None:
            best = v.copy()
            arg = xp.zeros(v.shape, dtype=np.int64)
        elif mode == "max":
            upd = v > best
            best = xp.where(upd, v, best)
            arg = xp.where(upd, ti, arg)
        else:
            best = best + v
    assert best is not None and arg is not None
    if mode == "avg":
        best = best / geo.taps
    if not return_indices:
        return best
    flat = xp.zeros(best.shape, dtype=np.int64)
    rem = arg
    for ax in reversed(range(dims)):
        t = rem % ks[ax]
        rem = rem // ks[ax]
        o = xp.arange(geo.out_size[ax]).reshape((-1,) + (1,) * (dims - 1 - ax))
        pos = o * ss[ax] + t - geo.pad[ax][0]
        if geo.boundary == "circular":
            pos = pos % geo.in_size[ax]
        stride_flat = math.prod(geo.in_size[ax + 1:])
        flat = flat + pos * stride_flat
    return best, flat


def max_unpool(y: Any, indices: Any, output_size: Sequence[int]) -> Any:
    """SegNet max-unpooling: put each value at its argmax position, zeros elsewhere.

    Examples
    --------
    >>> y = np.array([5.0, 2.0, 4.0]).reshape(1, 1, 3)
    >>> max_unpool(y, np.array([1, 2, 5]).reshape(1, 1, 3), (6,)).ravel().tolist()
    [0.0, 5.0, 2.0, 0.0, 0.0, 4.0]
    """
    xp = array_module(y)
    nb, c = y.shape[:2]
    size = tuple(int(v) for v in output_size)
    out = xp.zeros((nb, c, math.prod(size)), dtype=y.dtype)
    ni = xp.arange(nb).reshape(-1, 1, 1)
    ci = xp.arange(c).reshape(1, -1, 1)
    out[ni, ci, indices.reshape(nb, c, -1)] = y.reshape(nb, c, -1)
    return out.reshape((nb, c) + size)


def upsample_nearest(x: Any, factor: Any) -> Any:
    """Repeat every sample ``factor`` times along each spatial axis.

    Examples
    --------
    >>> upsample_nearest(np.array([1, 2]).reshape(1, 1, 2), 2).ravel().tolist()
    [1, 1, 2, 2]
    """
    xp = array_module(x)
    fs = _per_axis_ints("upsampling factor", factor, x.ndim - 2, 1)
    for ax, f in enumerate(fs):
        if f > 1:
            x = xp.repeat(x, f, axis=2 + ax)
    return x


def shift(x: Any, s: Any) -> Any:
    """Circular shift of the spatial axes: ``shift(x, s)[..., j] = x[..., j - s]``.

    ``s`` is an int (every spatial axis) or one int per axis.

    Examples
    --------
    >>> shift(np.arange(4).reshape(1, 1, 4), 1).ravel().tolist()
    [3, 0, 1, 2]
    """
    xp = array_module(x)
    dims = x.ndim - 2
    ss = list(s) if isinstance(s, (list, tuple)) else [s] * dims
    if len(ss) != dims:
        raise InvalidArgument(f"shift needs {dims} entries (one per axis), got {s!r}")
    return xp.roll(x, tuple(int(v) for v in ss), axis=tuple(range(2, 2 + dims)))


# --------------------------------------------------------------------------- networks


@dataclass(frozen=True)
class Unpool:
    """Unpooling by ``factor``: ``'max'`` (SegNet: values back at the argmax of the matching
    :class:`~kronconv.spec.Pool`, the latest unmatched one) or ``'nearest'`` (repetition).

    Examples
    --------
    >>> Unpool(2).stride
    (1, 1)
    """

    factor: Any
    mode: str = "max"
    dims: int = 2
    kind: str = field(default="unpool", init=False)

    def __post_init__(self) -> None:
        if self.dims not in (1, 2, 3):
            raise InvalidArgument(f"dims must be 1, 2 or 3, got {self.dims!r}")
        object.__setattr__(self, "factor", _per_axis_ints("unpool factor", self.factor, self.dims, 1))
        if self.mode not in ("max", "nearest"):
            raise InvalidArgument(f"unpool mode must be 'max' or 'nearest', got {self.mode!r}")

    @property
    def stride(self) -> tuple[int, ...]:
        """Unpooling does not subsample."""
        return (1,) * self.dims


NetLayer = Conv | Pool | Unpool


def total_stride(layers: Sequence[NetLayer]) -> tuple[int, ...]:
    """Per-axis product of the strides of convolutions and pools (the sampling step of the deepest map).

    Unpooling and upsampling do not undo it: a shift is exactly reproduced only
    when it is a multiple of this step.

    Examples
    --------
    >>> total_stride([Conv(3, stride=2), Pool(2), Unpool(2), Conv(3)])
    (4, 4)
    """
    dims = layers[0].dims
    out = [1] * dims
    for layer in layers:
        if isinstance(layer, (Conv, Pool)):
            out = [a * int(b) for a, b in zip(out, layer.stride)]  # type: ignore[union-attr]
    return tuple(out)


def init_params(layers: Sequence[NetLayer], rng: np.random.Generator, dtype: Any = np.float64) -> list[Any]:
    """Random weights: He-normal (std ``sqrt(2 / fan_in)``) and biases N(0, 0.1^2), as NumPy arrays.

    Examples
    --------
    >>> p = init_params([Conv(3, in_channels=2, out_channels=4), Pool(2)], np.random.default_rng(0))
    >>> p[0][0].shape, p[0][1].shape, p[1]
    ((4, 2, 3, 3), (4,), None)
    """
    out: list[Any] = []
    for layer in layers:
        if isinstance(layer, Conv):
            cg = layer.in_channels // layer.groups
            fan_in = cg * math.prod(layer.kernel)  # type: ignore[arg-type]
            w = rng.standard_normal((layer.out_channels, cg) + tuple(layer.kernel)) * math.sqrt(2.0 / fan_in)  # type: ignore[arg-type]
            b = rng.standard_normal(layer.out_channels) * 0.1 if layer.bias else None
            out.append((w.astype(dtype), None if b is None else b.astype(dtype)))
        else:
            out.append(None)
    return out


@dataclass(frozen=True)
class ForwardResult:
    """Output of :func:`forward` and, when asked, an elementwise bound on its rounding error."""

    output: Any
    bound: Any | None
    terms: int


def _check_layers(layers: Sequence[NetLayer], x: Any) -> None:
    if not layers:
        raise InvalidArgument("a network needs at least 1 layer, got 0")
    for i, layer in enumerate(layers):
        if not isinstance(layer, (Conv, Pool, Unpool)):
            raise InvalidArgument(f"layer {i} must be Conv, Pool or Unpool, got {type(layer).__name__}")
        if layer.dims != x.ndim - 2:
            raise InvalidArgument(f"layer {i} has dims={layer.dims} but the input has {x.ndim - 2} spatial axes")


def _bchannel(b: Any, dims: int) -> Any:
    return b.reshape((1, -1) + (1,) * dims)


def forward(x: Any, layers: Sequence[NetLayer], params: Sequence[Any], *, boundary: str = "zeros",
            activation: str | None = "relu", with_bound: bool = False, upsample_to_input: bool = False,
            max_bytes: int | None = MAX_BYTES, max_work: int | None = MAX_WORK) -> ForwardResult:
    r"""Run a chain of :class:`Conv`, :class:`Pool` and :class:`Unpool` layers on ``x``.

    Convolutions are correlations with each layer's own padding widths filled
    per ``boundary`` (``zeros`` or ``circular``), plus bias; ``activation='relu'``
    follows every convolution but the last.  ``params`` comes from
    :func:`init_params` (converted to the backend of ``x``).  With
    ``upsample_to_input`` a net whose output is coarser than its input is
    upsampled (nearest) back to the input size.  ``with_bound`` also propagates
    the elementwise rounding-error bound described in the module docstring
    (valid as long as rounding does not change which element a max pool
    selects).

    Examples
    --------
    >>> layers = [Conv(3, padding=1, dims=1, bias=False), Pool(2, dims=1), Unpool(2, dims=1)]
    >>> params = [(np.ones((1, 1, 3)), None), None, None]
    >>> r = forward(np.arange(6.0).reshape(1, 1, 6), layers, params, with_bound=True)
    >>> r.output.ravel().tolist()
    [0.0, 3.0, 0.0, 9.0, 12.0, 0.0]
    >>> 0 < float(r.bound.max()) < 1e-13
    True
    """
    if activation not in (None, "relu"):
        raise InvalidArgument(f"activation must be 'relu' or None, got {activation!r}")
    if boundary not in _BOUNDARIES:
        raise InvalidArgument(f"boundary must be one of {', '.join(_BOUNDARIES)}, got {boundary!r}")
    _check_layers(layers, x)
    if len(params) != len(layers):
        raise InvalidArgument(f"need one params entry per layer ({len(layers)}), got {len(params)}")
    xp = array_module(x)
    dims = x.ndim - 2
    in_size = tuple(x.shape[2:])
    last_conv = max((i for i, l in enumerate(layers) if isinstance(l, Conv)), default=-1)
    u = unit_roundoff(x.dtype)
    y = x
    err: Any = None  # None means "exactly zero so far"
    pools: list[tuple[Any, tuple[int, ...], Pool]] = []
    terms = 0
    for i, (layer, prm) in enumerate(zip(layers, params)):
        if isinstance(layer, Conv):
            w, b = prm
            if w.shape[0] != layer.out_channels or w.shape[1] * layer.groups != layer.in_channels:
                raise InvalidArgument(f"layer {i}: weight shape {tuple(w.shape)} does not fit the layer")
            if y.shape[1] != layer.in_channels:
                raise InvalidArgument(f"layer {i} expects {layer.in_channels} channels, got {y.shape[1]}")
            kw = {"dilation": layer.dilation, "stride": layer.stride, "padding": list(layer.padding),  # type: ignore[arg-type]
                      "boundary": boundary, "groups": layer.groups, "max_bytes": max_bytes, "max_work": max_work}
            new = correlate(y, w, **kw)
            if b is not None:
                new = new + _bchannel(b.astype(new.dtype, copy=False), dims)
            if with_bound:
                geo = conv_geometry(y.shape, w.shape, dilation=layer.dilation, stride=layer.stride,
                                    padding=list(layer.padding), boundary=boundary, groups=layer.groups)  # type: ignore[arg-type]
                n = geo.terms + (1 if b is not None else 0)
                terms += n + _EVAL_OPS
                wa = xp.abs(w.astype(np.float64))
                mag = correlate(xp.abs(y.astype(np.float64)), wa, **kw)
                if b is not None:
                    mag = mag + _bchannel(xp.abs(b.astype(np.float64)), dims)
                step = gamma(n, u) * mag
                err = step if err is None else correlate(err, wa, **kw) + step
            y = new
            if activation == "relu" and i != last_conv:
                y = xp.maximum(y, 0)
        elif isinstance(layer, Pool):
            pk = {"kernel": layer.kernel, "stride": layer.stride, "padding": list(layer.padding),  # type: ignore[arg-type]
                      "boundary": boundary, "max_bytes": max_bytes}
            if layer.mode == "max":
                pooled, idx = pool(y, mode="max", return_indices=True, **pk)
                pools.append((idx, tuple(y.shape[2:]), layer))
                if with_bound and err is not None:
                    err = pool(err, mode="max", **pk)
            else:
                pooled = pool(y, mode="avg", **pk)
                pools.append((None, tuple(y.shape[2:]), layer))
                if with_bound:
                    k = math.prod(layer.kernel)  # type: ignore[arg-type]
                    terms += k + 1 + _EVAL_OPS
                    step = gamma(k + 1, u) * pool(xp.abs(y.astype(np.float64)), mode="avg", **pk)
                    err = step if err is None else pool(err, mode="avg", **pk) + step
            y = pooled
        else:
            if layer.mode == "nearest":
                y = upsample_nearest(y, layer.factor)
                if err is not None:
                    err = upsample_nearest(err, layer.factor)
                continue
            if not pools:
                raise InvalidArgument(f"layer {i}: max unpooling needs an earlier max Pool to take indices from")
            idx, size, pl = pools.pop()
            if idx is None or tuple(pl.kernel) != tuple(pl.stride) or tuple(pl.kernel) != tuple(layer.factor):  # type: ignore[arg-type]
                raise InvalidArgument(
                    f"layer {i}: max unpooling by {layer.factor} needs a matching non-overlapping max Pool "
                    f"(kernel = stride = factor), got {pl}")
            y = max_unpool(y, idx, size)
            if err is not None:
                err = max_unpool(err, idx, size)
    if upsample_to_input and tuple(y.shape[2:]) != in_size:
        factors = []
        for n_in, n_out in zip(in_size, y.shape[2:]):
            if n_out * (n_in // n_out) != n_in or n_out == 0:
                raise InvalidArgument(f"cannot upsample output size {tuple(y.shape[2:])} back to {in_size}: "
                                      "input sizes must be multiples of the total stride")
            factors.append(n_in // n_out)
        y = upsample_nearest(y, factors)
        if err is not None:
            err = upsample_nearest(err, factors)
    bound = None
    if with_bound:
        bound = xp.zeros(y.shape, dtype=np.float64) if err is None else err
        bound = bound * inflation(terms)
    return ForwardResult(y, bound, terms)


def border_mask(layers: Sequence[NetLayer], in_size: Sequence[int], *, boundary: str = "zeros",
                tainted: Any = None, upsample_to_input: bool = False) -> np.ndarray:
    """Output positions that depend on padding (or on a ``tainted`` input region): boolean, NumPy.

    A convolution or pool output is tainted when any sample it reads is padding
    (zero boundary only; circular padding is real data) or tainted; unpooling and
    upsampling spread a coarse position's taint over its whole block.  ``tainted``
    (boolean, ``in_size``) marks input positions to distrust, e.g. the seam a
    circular shift wraps around.

    Examples
    --------
    >>> border_mask([Conv(3, padding=1, dims=1)], [6]).tolist()
    [True, False, False, False, False, True]
    >>> bool(border_mask([Conv(3, padding=1, dims=1)], [6], boundary="circular").any())
    False
    """
    size = tuple(int(v) for v in in_size)
    dims = len(size)
    t = np.zeros((1, 1) + size) if tainted is None else np.asarray(tainted, dtype=np.float64).reshape((1, 1) + size)
    fill = 1.0 if boundary == "zeros" else 0.0
    pools: list[tuple[int, ...]] = []
    for layer in layers:
        if isinstance(layer, (Conv, Pool)):
            geo = conv_geometry(t.shape, (1, 1) + tuple(layer.kernel), dilation=layer.dilation,  # type: ignore[arg-type]
                                stride=layer.stride, padding=list(layer.padding), boundary=boundary)  # type: ignore[arg-type]
            tp = _pad(t, geo.pad, geo.boundary, fill)
            ones = np.ones((1, 1) + tuple(layer.kernel))  # type: ignore[arg-type]
            t = (correlate(tp, ones, dilation=layer.dilation, stride=layer.stride, max_work=None) > 0).astype(np.float64)
            if isinstance(layer, Pool):
                pools.append(geo.in_size)
        else:
            t = upsample_nearest(t, layer.factor)
            if layer.mode == "max" and pools:
                size_back = pools.pop()
                t = t[(0, 0) + tuple(slice(0, n) for n in size_back)][None, None]
    if upsample_to_input and tuple(t.shape[2:]) != size:
        t = upsample_nearest(t, [a // b for a, b in zip(size, t.shape[2:])])
    assert t.shape[2:] == size or not upsample_to_input or dims == 0
    return t[0, 0] > 0


# --------------------------------------------------------------------------- cascades


def _cascade_layers(kernels: Sequence[Any], dilations: Sequence[Any], padding: Padding) -> list[tuple[Any, tuple[tuple[int, int], ...], str]]:
    if len(kernels) != len(dilations) or not kernels:
        raise InvalidArgument(f"need one dilation per kernel and at least one kernel, got {len(kernels)} "
                              f"kernels and {len(dilations)} dilations")
    out = []
    for w, d in zip(kernels, dilations):
        dims = w.ndim - 2
        if dims not in (1, 2, 3):
            raise InvalidArgument(f"cascade weights must have shape (C_out, C_in, *k), got {tuple(w.shape)}")
        ds = _per_axis_ints("dilation", d, dims, 1)
        ext = [dd * (k - 1) + 1 for k, dd in zip(w.shape[2:], ds)]
        widths, fill = pad_widths(padding, ext)
        out.append((ds, widths, fill))
    return out


def cascade_padding(kernels: Sequence[Any], dilations: Sequence[Any], padding: Padding) -> tuple[tuple[int, int], ...]:
    """Per-axis ``(left, right)`` sums of the layers' padding widths: the border of a padded cascade.

    With zero ``same`` padding, cascade outputs ``left .. n - 1 - right`` read no
    padding at any layer (their receptive field lies inside the input), so there
    the cascade equals one correlation with the composite kernel.

    Examples
    --------
    >>> ks = [np.ones((1, 1, 3, 3))] * 3
    >>> cascade_padding(ks, [1, 3, 9], "same")
    ((13, 13), (13, 13))
    """
    layers = _cascade_layers(kernels, dilations, padding)
    dims = kernels[0].ndim - 2
    return tuple((sum(l[1][a][0] for l in layers), sum(l[1][a][1] for l in layers)) for a in range(dims))


def cascade_with_bound(x: Any, kernels: Sequence[Any], dilations: Sequence[Any], *, padding: Padding = "valid",
                       operation: str = "correlation", activation: str | None = None,
                       max_bytes: int | None = MAX_BYTES, max_work: int | None = MAX_WORK) -> tuple[Any, Any]:
    r"""A cascade of dilated correlations (or convolutions) and the elementwise bound on its rounding error.

    Layer :math:`l` applies ``kernels[l]`` (shape ``(C, C', *k)``) with
    ``dilations[l]`` and its own ``padding`` (a named mode or widths; ``circular``
    wraps).  The bound is the layer-by-layer propagation of the module docstring
    (exact-arithmetic cascade vs. computed one).

    Examples
    --------
    >>> ks = [np.array([1.0, 2.0]).reshape(1, 1, 2), np.array([1.0, -1.0]).reshape(1, 1, 2)]
    >>> y, e = cascade_with_bound(np.arange(5.0).reshape(1, 1, 5), ks, [1, 2])
    >>> y.ravel().tolist(), bool(e.max() < 1e-14)
    ([-6.0, -6.0], True)
    """
    if operation not in ("correlation", "convolution"):
        raise InvalidArgument(f"operation must be 'correlation' or 'convolution', got {operation!r}")
    if activation not in (None, "relu"):
        raise InvalidArgument(f"activation must be 'relu' or None, got {activation!r}")
    xp = array_module(x)
    layers = _cascade_layers(kernels, dilations, padding)
    u = unit_roundoff(np.result_type(x.dtype, kernels[0].dtype))
    y, err, terms = x, None, 0
    for i, (w, (ds, widths, fill)) in enumerate(zip(kernels, layers)):
        if operation == "convolution":
            w = xp.ascontiguousarray(_flip(w))
        kw = {"dilation": ds, "padding": list(widths), "boundary": fill, "max_bytes": max_bytes, "max_work": max_work}
        geo = conv_geometry(y.shape, w.shape, dilation=ds, padding=list(widths), boundary=fill)
        terms += geo.terms + _EVAL_OPS
        wa = xp.abs(w.astype(np.float64))
        step = gamma(geo.terms, u) * correlate(xp.abs(y.astype(np.float64)), wa, **kw)
        err = step if err is None else correlate(err, wa, **kw) + step
        y = correlate(y, w, **kw)
        if activation == "relu" and i < len(kernels) - 1:
            y = xp.maximum(y, 0)
    return y, err * inflation(terms)


def cascade(x: Any, kernels: Sequence[Any], dilations: Sequence[Any], *, padding: Padding = "valid",
            operation: str = "correlation", activation: str | None = None,
            max_bytes: int | None = MAX_BYTES, max_work: int | None = MAX_WORK) -> Any:
    """The cascade of :func:`cascade_with_bound` without the bound.

    Examples
    --------
    >>> ks = [np.ones((1, 1, 3))] * 2
    >>> cascade(np.arange(12.0).reshape(1, 1, 12), ks, [1, 3], operation="convolution").ravel().tolist()
    [36.0, 45.0, 54.0, 63.0]
    """
    if operation not in ("correlation", "convolution"):
        raise InvalidArgument(f"operation must be 'correlation' or 'convolution', got {operation!r}")
    if activation not in (None, "relu"):
        raise InvalidArgument(f"activation must be 'relu' or None, got {activation!r}")
    xp = array_module(x)
    y = x
    for i, (w, (ds, widths, fill)) in enumerate(zip(kernels, _cascade_layers(kernels, dilations, padding))):
        op = convolve if operation == "convolution" else correlate
        y = op(y, w, dilation=ds, padding=list(widths), boundary=fill, max_bytes=max_bytes, max_work=max_work)
        if activation == "relu" and i < len(kernels) - 1:
            y = xp.maximum(y, 0)
    return y
