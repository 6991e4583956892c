"""The composed kernel of a cascade, and alternating least squares over its layers of a dilated cascade (the composed kernel is multilinear in them).

Used by :mod:`kronconv.qtt.fit` for dilation bases ``b != a`` and for refining TT-SVD fits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import TooLarge
from ..numeric import cascade

__all__ = ["MAX_FIT_BYTES", "als", "compose"]

#: Largest memory of the weights or of one ALS least-squares matrix, in bytes (256 MiB).
MAX_FIT_BYTES = 1 << 28


def _impulse(dims: int, dtype: Any) -> Any:
    x = np.zeros((1, 1) + (1,) * dims, dtype=dtype)
    x[(0,) * (dims + 2)] = 1
    return x


def compose(weights: Sequence[Any], b: int) -> Any:
    """The composed kernel of the cascade, computed by kronconv's numeric engine on an impulse.

    Examples
    --------
    >>> compose([np.array([[[1, 2]]]), np.array([[[1, 10]]])], 2).tolist()   # K_1 ⊗ K_0
    [1, 2, 10, 20]
    """
    dims = weights[0].ndim - 2
    y = cascade(_impulse(dims, weights[0].dtype), list(weights), [b**l for l in range(len(weights))],
                padding="full", operation="convolution")
    return y[0, 0]


def _fft_conv(x: Any, y: Any) -> Any:
    """Full convolution over the trailing ``D`` axes of ``x (P, *s)`` and ``y (Q, *t)`` -> ``(P, Q, *)``."""
    dims = x.ndim - 1
    shape = tuple(a + b - 1 for a, b in zip(x.shape[1:], y.shape[1:]))
    axes = tuple(range(-dims, 0))
    fx = np.fft.rfftn(x, shape, axes=axes)
    fy = np.fft.rfftn(y, shape, axes=axes)
    return np.fft.irfftn(fx[:, None] * fy[None, :], shape, axes=axes)


def _partials(ws: Sequence[Any], b: int, l: int) -> tuple[Any, Any]:
    """(P_above (C_out_l, *), P_below (C_in_l, *)): composed kernels of the layers above / below ``l``."""
    dims = ws[0].ndim - 2
    ci, co = ws[l].shape[1], ws[l].shape[0]
    if l == 0:
        below = np.ones((1,) + (1,) * dims)
    else:
        below = cascade(_impulse(dims, np.float64), list(ws[:l]), [b**j for j in range(l)],
                        padding="full", operation="convolution")[0]
    if l == len(ws) - 1:
        above = np.ones((1,) + (1,) * dims)
    else:
        x = np.zeros((co, co) + (1,) * dims)
        for c in range(co):
            x[(c, c) + (0,) * dims] = 1
        above = cascade(x, list(ws[l + 1:]), [b**j for j in range(l + 1, len(ws))],
                        padding="full", operation="convolution")[:, 0]
    assert below.shape[0] == ci
    return above, below


def _design(ws: Sequence[Any], b: int, l: int, extent: int) -> Any:
    """Columns: the composed kernel for a unit weight at each entry of ``W_l`` (the map is linear in it)."""
    above, below = _partials(ws, b, l)
    q = _fft_conv(above, below)  # (C_out, C_in, *)
    dims = ws[0].ndim - 2
    a = ws[l].shape[2]
    d = b**l
    cols = np.zeros(((extent,) * dims) + ws[l].shape)
    for tap in np.ndindex(*(a,) * dims):
        sl = tuple(slice(d * t, d * t + s) for t, s in zip(tap, q.shape[2:]))
        block = np.moveaxis(q, (0, 1), (-2, -1))  # (*, C_out, C_in)
        cols[sl + (slice(None), slice(None)) + tap] = block
    return cols.reshape(extent**dims, -1)


def als(target: Any, weights: Sequence[Any], b: int, sweeps: int) -> tuple[list[Any], list[float]]:
    """Alternating least squares over the layers; returns the weights and the relative error after each sweep.

    ``target`` must have the composed kernel's extent per axis.  Each layer update
    solves a linear least-squares problem exactly (``numpy.linalg.lstsq``), so the
    error is non-increasing (up to rounding).

    Examples
    --------
    >>> from kronconv.qtt.fit import random_cascade
    >>> rng = np.random.default_rng(1)
    >>> tgt = compose(random_cascade(3, 2, 1, 1, rng, integer=False), 2)    # 3-tap, dilations 1, 2
    >>> ws, hist = als(tgt, random_cascade(3, 2, 1, 1, rng, integer=False), 2, 20)
    >>> hist[-1] < 1e-8
    True
    """
    ws = [np.array(w, dtype=np.float64) for w in weights]
    t = np.asarray(target, dtype=np.float64)
    norm = float(np.linalg.norm(t))
    extent = t.shape[0]
    rhs = t.ravel()
    hist = []
    for _ in range(sweeps):
        for l in list(range(len(ws))) + list(range(len(ws) - 2, 0, -1)):
            a_mat = _design(ws, b, l, extent)
            sol = np.linalg.lstsq(a_mat, rhs, rcond=None)[0]
            ws[l] = sol.reshape(ws[l].shape)
        hist.append(float(np.linalg.norm(compose(ws, b) - t)) / norm if norm else 0.0)
    return ws, hist


def _als_work(extent: int, dims: int, a: int, channels: int, layers: int, sweeps: int) -> int:
    cols = channels * channels * a**dims
    nbytes = 8 * extent**dims * cols
    if nbytes > MAX_FIT_BYTES:
        raise TooLarge(f"one ALS least-squares matrix would take {nbytes} bytes ({extent**dims} x {cols}), above "
                       f"the limit MAX_FIT_BYTES = {MAX_FIT_BYTES}; use fewer channels or a smaller kernel")
    return sweeps * max(1, 2 * layers - 2) * extent**dims * cols * cols


# --------------------------------------------------------------------------- the fit
