"""Geometry of one correlation: padding widths, output sizes, costs and limits, and the padding itself.

Shared by every backend: the NumPy reference (:mod:`kronconv.numeric.correlation`)
and the CUDA kernels of :mod:`kronconv.gpu`, which import :class:`ConvGeometry`
from here.  Nothing here computes a convolution.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InvalidArgument, TooLarge
from ..kron import array_module

__all__ = [
    "MAX_BYTES",
    "MAX_WORK",
    "PADDING_MODES",
    "ConvGeometry",
    "Padding",
    "check_limits",
    "conv_geometry",
    "pad_widths",
]

#: Default memory limit of one operation, in bytes (2 GiB).
MAX_BYTES = 2 << 30
#: Default work limit of one operation, in multiply-adds (2**32, about 4.3e9).
MAX_WORK = 1 << 32
#: Named padding modes.
PADDING_MODES = ("valid", "same", "full", "circular")
_BOUNDARIES = ("zeros", "circular")

Padding = str | int | Sequence[int | Sequence[int]]


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
