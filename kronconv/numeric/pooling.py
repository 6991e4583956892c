"""Pooling and its inverses: max/average pooling with indices, max unpooling, nearest upsampling, shifts."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import InvalidArgument
from ..kron import array_module
from .geometry import (
    MAX_BYTES,
    Padding,
    _pad,
    _per_axis_ints,
    _tap_slices,
    check_limits,
    conv_geometry,
)

__all__ = [
    "max_unpool",
    "pool",
    "shift",
    "upsample_nearest",
]

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
            arg = xp.zeros(v.shape, dtype=np.int64) if return_indices else None
        elif mode == "max":
            upd = v > best
            best = xp.where(upd, v, best)
            if arg is not None:  # the argmax only where it is returned
                arg = xp.where(upd, ti, arg)
        else:
            best = best + v
    assert best is not None and (arg is not None or not return_indices)
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
