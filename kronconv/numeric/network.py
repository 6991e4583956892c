r"""Networks of :class:`~kronconv.spec.Conv`, :class:`~kronconv.spec.Pool` and :class:`Unpool` layers.

:func:`forward` runs a chain (with the propagated rounding-error bound of the
:mod:`kronconv.numeric` docstring when asked), :func:`init_params` draws its
weights, :func:`border_mask` marks the outputs that read padding, and
:func:`total_stride` gives the sampling step of the deepest map.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InvalidArgument
from ..kron import array_module
from ..spec import Conv, Pool
from .bounds import _EVAL_OPS, gamma, inflation, unit_roundoff
from .correlation import correlate
from .geometry import _BOUNDARIES, MAX_BYTES, MAX_WORK, _pad, _per_axis_ints, conv_geometry
from .pooling import max_unpool, pool, upsample_nearest

__all__ = [
    "ForwardResult",
    "NetLayer",
    "Unpool",
    "border_mask",
    "forward",
    "init_params",
    "total_stride",
]

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
        if isinstance(layer, (Conv, Pool)) and (layer.padding_hi != layer.padding or getattr(layer, "ceil_mode", False)
                                                or (isinstance(layer, Pool) and set(layer.dilation) != {1})):  # type: ignore[arg-type]
            raise InvalidArgument(f"layer {i}: per-side padding, ceil_mode and pooling dilation are not "
                                  "supported by the numeric engine")
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
