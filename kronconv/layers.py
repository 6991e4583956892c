r"""Layers beyond :class:`~kronconv.spec.Conv` and :class:`~kronconv.spec.Pool`: transposed convolution,
upsampling and global pooling, and the output-size arithmetic of every layer kind.

These layers appear in branching networks (:mod:`kronconv.netgraph`) and in
imported models (:mod:`kronconv.importers`):

* :class:`ConvTranspose` -- output unit :math:`u` receives input unit :math:`i`
  through tap :math:`t` when :math:`u = i s - p + t d`: an effective stride of
  :math:`1/s` (exact :class:`~fractions.Fraction` arithmetic in
  :mod:`kronconv.netgraph.fields`);
* :class:`Upsample` -- integer scale :math:`c`, ``nearest`` (unit :math:`u` reads
  :math:`\lfloor u / c \rfloor`) or ``linear`` (half-pixel centres, PyTorch
  ``align_corners=False`` / ONNX ``half_pixel``: unit :math:`u` samples
  :math:`x = (2u + 1 - c) / (2c)` and reads :math:`\lfloor x \rfloor` and, when
  :math:`x` is not an integer, :math:`\lfloor x \rfloor + 1`); with ``size`` it
  resizes a globally pooled (1 x 1) map back to that size (a broadcast);
* :class:`GlobalPool` -- one output unit per channel that depends on the whole
  input: its receptive field is the whole input, whatever its size.

:func:`layer_output_size` gives the output size of any layer for one axis, as
PyTorch computes it (``ceil_mode`` included: a last window that would start in
the right padding is dropped).

Examples
--------
>>> layer_output_size(ConvTranspose(4, stride=2, padding=1, dims=1), 0, 8)
16
>>> from kronconv.spec import Pool
>>> layer_output_size(Pool(3, stride=2, ceil_mode=True, dims=1), 0, 112)
56
>>> layer_output_size(Upsample(2, dims=1), 0, 5)
10
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidSpec
from .spec import MAX_CHANNELS, Conv, IntOrSeq, Pool, _check_dims, _check_int, _per_axis, _per_side

__all__ = [
    "ConvTranspose",
    "GlobalPool",
    "Upsample",
    "layer_output_size",
]

#: Largest upsampling factor per axis.
MAX_SCALE = 1 << 10


@dataclass(frozen=True)
class ConvTranspose:
    """A transposed (fractionally strided) convolution, as ``nn.ConvTranspose*d`` / ONNX ``ConvTranspose``.

    ``padding`` removes units from both ends of the full output (``[lo, hi]``
    pairs allowed); ``output_padding`` adds units at the high end (size only).

    Examples
    --------
    >>> ConvTranspose(3, stride=2, dims=1).effective_kernel
    (3,)
    >>> ConvTranspose(3, in_channels=4, out_channels=2, dims=1).weight_count
    24
    """

    kernel: IntOrSeq
    stride: IntOrSeq = 1
    padding: IntOrSeq = 0
    output_padding: IntOrSeq = 0
    dilation: IntOrSeq = 1
    in_channels: int = 1
    out_channels: int = 1
    groups: int = 1
    bias: bool = True
    dims: int = 2
    name: str = ""
    padding_hi: IntOrSeq | None = None
    kind: str = field(default="convt", init=False)

    def __post_init__(self) -> None:
        dims = _check_dims(self.dims)
        set_ = object.__setattr__
        set_(self, "kernel", _per_axis("kernel", self.kernel, dims, 1))
        set_(self, "stride", _per_axis("stride", self.stride, dims, 1))
        set_(self, "dilation", _per_axis("dilation", self.dilation, dims, 1))
        lo, hi = _per_side(self.padding, self.padding_hi, dims)
        set_(self, "padding", lo)
        set_(self, "padding_hi", hi)
        set_(self, "output_padding", _per_axis("output_padding", self.output_padding, dims, 0))
        for ax, (op, s, d) in enumerate(zip(self.output_padding, self.stride, self.dilation)):  # type: ignore[call-overload]
            if op >= max(s, d):
                raise InvalidSpec(f"output_padding[{ax}]={op} must be smaller than the stride or the "
                                  f"dilation (at most {max(s, d) - 1})")
        set_(self, "in_channels", _check_int("in_channels", self.in_channels, 1, MAX_CHANNELS))
        set_(self, "out_channels", _check_int("out_channels", self.out_channels, 1, MAX_CHANNELS))
        set_(self, "groups", _check_int("groups", self.groups, 1, MAX_CHANNELS))
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise InvalidSpec(f"groups={self.groups} must divide in_channels={self.in_channels} "
                              f"and out_channels={self.out_channels}")
        if not isinstance(self.bias, bool):
            raise InvalidSpec(f"bias must be true or false, got {self.bias!r}")

    @property
    def effective_kernel(self) -> tuple[int, ...]:
        """Extent ``d (k - 1) + 1`` of the dilated kernel, in output units."""
        return tuple(d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation))  # type: ignore[call-overload]

    @property
    def weight_count(self) -> int:
        return self.in_channels * (self.out_channels // self.groups) * math.prod(self.kernel)  # type: ignore[arg-type]

    @property
    def bias_count(self) -> int:
        return self.out_channels if self.bias else 0

    def to_dict(self) -> dict[str, Any]:
        from .spec import _padding_value

        return {"kernel": list(self.kernel), "stride": list(self.stride),  # type: ignore[call-overload]
                "padding": _padding_value(self.padding, self.padding_hi),
                "output_padding": list(self.output_padding),  # type: ignore[call-overload]
                "dilation": list(self.dilation), "out_channels": self.out_channels,  # type: ignore[call-overload]
                "groups": self.groups, "bias": self.bias}


@dataclass(frozen=True)
class Upsample:
    """Upsampling by an integer factor per axis (``nearest`` or ``linear``), or a resize to ``size``.

    ``size`` is only for a map that is constant in space (after global pooling):
    it is then copied to every position of a ``size`` grid.

    Examples
    --------
    >>> Upsample(2, dims=2).scale
    (2, 2)
    >>> Upsample(2, mode="cubic", dims=1)
    Traceback (most recent call last):
    ...
    kronconv.errors.InvalidSpec: upsample mode must be 'nearest' or 'linear', got 'cubic'
    """

    scale: IntOrSeq = 2
    mode: str = "nearest"
    dims: int = 2
    name: str = ""
    size: IntOrSeq | None = None
    kind: str = field(default="upsample", init=False)

    def __post_init__(self) -> None:
        dims = _check_dims(self.dims)
        object.__setattr__(self, "scale", _per_axis("scale", self.scale, dims, 1, MAX_SCALE))
        if self.size is not None:
            object.__setattr__(self, "size", _per_axis("size", self.size, dims, 1, 1 << 30))
        if self.mode not in ("nearest", "linear"):
            raise InvalidSpec(f"upsample mode must be 'nearest' or 'linear', got {self.mode!r}")

    in_channels = None
    weight_count = 0
    bias_count = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"scale": list(self.scale), "mode": self.mode}  # type: ignore[call-overload]
        if self.size is not None:
            out["size"] = list(self.size)  # type: ignore[call-overload]
        return out


@dataclass(frozen=True)
class GlobalPool:
    """Global (or adaptive-to-1) pooling: each output unit depends on the whole input.

    Examples
    --------
    >>> GlobalPool(dims=2).mode
    'avg'
    """

    mode: str = "avg"
    dims: int = 2
    name: str = ""
    kind: str = field(default="global", init=False)

    def __post_init__(self) -> None:
        _check_dims(self.dims)
        if self.mode not in ("max", "avg", "lp"):
            raise InvalidSpec(f"global pool mode must be 'max', 'avg' or 'lp', got {self.mode!r}")

    in_channels = None
    weight_count = 0
    bias_count = 0

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode}


def _conv_out(n: int, ext: int, s: int, lo: int, hi: int, ceil_mode: bool = False) -> int:
    span = n + lo + hi - ext
    if not ceil_mode:
        return span // s + 1 if span >= 0 else 0
    # ceil(span / s) + 1, PyTorch's div_rtn(span + s - 1, s) + 1: with ceil_mode a window may run past
    # the high padding, even the first one (span in [1 - s, -1] still gives one unit)
    out = -(-span // s) + 1
    if (out - 1) * s >= n + lo:  # PyTorch: the last window must start inside the input or left padding
        out -= 1
    return max(out, 0)


def layer_output_size(layer: Any, ax: int, n: int, *, where: str = "layer") -> int:
    """Output size on axis ``ax`` of ``layer`` for an input of ``n`` units (PyTorch's arithmetic).

    Raises :class:`InvalidSpec` naming ``where`` when the window no longer fits.
    """
    if isinstance(layer, GlobalPool):
        return 1
    if isinstance(layer, Upsample):
        if layer.size is not None:
            if n != 1:
                raise InvalidSpec(f"{where}: a resize to size {list(layer.size)} needs a 1-wide input "  # type: ignore[call-overload]
                                  f"(after global pooling), got {n} on axis {ax}")
            return layer.size[ax]  # type: ignore[index]
        return n * layer.scale[ax]  # type: ignore[index]
    if isinstance(layer, ConvTranspose):
        out = ((n - 1) * layer.stride[ax] - layer.padding[ax] - layer.padding_hi[ax]  # type: ignore[index]
               + layer.effective_kernel[ax] + layer.output_padding[ax])  # type: ignore[index]
        if out < 1:
            raise InvalidSpec(f"{where}: transposed convolution output on axis {ax} would be {out} "
                              f"units for input size {n}")
        return out
    if isinstance(layer, (Conv, Pool)):
        ext = layer.effective_kernel[ax]
        lo, hi, s = layer.padding[ax], layer.padding_hi[ax], layer.stride[ax]  # type: ignore[index]
        out = _conv_out(n, ext, s, lo, hi, isinstance(layer, Pool) and layer.ceil_mode)
        if out < 1:
            raise InvalidSpec(f"{where}: input size {n} on axis {ax} is smaller than the dilated kernel "
                              f"extent {ext} (padding {lo}+{hi}): use a larger input size")
        return out
    raise InvalidSpec(f"{where}: unknown layer type {type(layer).__name__}")
