r"""Cascades of dilated correlations (or convolutions), with and without the rounding-error bound.

The numeric side of the cascade theorem: ``cascade(x, kernels, dilations)``
is compared with one correlation by the composite (Kronecker) kernel.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import InvalidArgument
from ..kron import array_module
from .bounds import _EVAL_OPS, gamma, inflation, unit_roundoff
from .correlation import _flip, convolve, correlate
from .geometry import MAX_BYTES, MAX_WORK, Padding, _per_axis_ints, conv_geometry, pad_widths

__all__ = [
    "cascade",
    "cascade_padding",
    "cascade_with_bound",
]

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
