r"""Dilated, strided, grouped correlation and convolution: the vectorised reference and the GPU dispatch.

NumPy arrays run :func:`_correlate_xp` (a loop over kernel taps only, one GEMM
per tap and group); CuPy float arrays run the CUDA kernel of
:mod:`kronconv.gpu.kernels` with the same :class:`~kronconv.numeric.geometry.ConvGeometry`.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from ..backend import backend_of
from ..errors import InvalidArgument
from ..kron import array_module
from .geometry import (
    MAX_BYTES,
    MAX_WORK,
    ConvGeometry,
    Padding,
    _pad,
    _tap_slices,
    check_limits,
    conv_geometry,
)

__all__ = [
    "convolve",
    "convolve_plain",
    "correlate",
    "correlate_plain",
]

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
        from ..gpu.run import correlate_gpu

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
    if getattr(w, "ndim", 0) < 3:
        raise InvalidArgument(f"w must have shape (C_out, C_in/groups, k_1[, k_2[, k_3]]), got "
                              f"{tuple(np.shape(w))}; for plain signals use convolve_plain")
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
