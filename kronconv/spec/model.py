"""Layers and networks: frozen :class:`Conv`, :class:`Pool` and :class:`Network`, validated once.

Every size is stored per axis as a tuple of Python ints; validation happens at
construction and names the bad value and the allowed range.  The checks on single
values (:func:`_check_int`, :func:`_per_axis`, :func:`_per_side`) are shared with
:mod:`kronconv.layers`, and the limits here bound every other way of building a
network (lists, spec files, presets).

Examples
--------
>>> net = Network((Conv(3, dilation=2, out_channels=4), Conv(1, in_channels=4)))
>>> net.layers[0].effective_kernel, net.parameter_count
((5, 5), 45)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InvalidSpec, InvalidType, short_repr

__all__ = [
    "MAX_CHANNELS",
    "MAX_LAYERS",
    "MAX_SIZE",
    "Conv",
    "IntOrSeq",
    "Layer",
    "Network",
    "Pool",
    "iter_convs",
]

#: Largest kernel size, dilation, stride or padding accepted on one axis.
MAX_SIZE = 1 << 20
#: Largest number of layers in one network.
MAX_LAYERS = 4096
#: Largest channel count of one layer.
MAX_CHANNELS = 1 << 20

IntOrSeq = int | Sequence[int]


def _check_int(name: str, value: Any, lo: int, hi: int) -> int:
    """Return ``value`` as an int in ``[lo, hi]`` or raise :class:`InvalidSpec`."""
    if isinstance(value, np.integer) and not isinstance(value, (bool, np.bool_)):
        value = int(value)  # NumPy integers are accepted wherever Python ints are
    if isinstance(value, bool) or not isinstance(value, int):  # floats (even 3.0) are refused
        shown = short_repr(value)
        kind = " (a float; write integers without a decimal point)" if isinstance(value, float) else ""
        raise InvalidSpec(f"{name} must be an integer in [{lo}, {hi}], got {shown}{kind}")
    if not lo <= value <= hi:
        raise InvalidSpec(f"{name} must be an integer in [{lo}, {hi}], got {value}")
    return int(value)


def _per_axis(name: str, value: Any, dims: int, lo: int, hi: int = MAX_SIZE) -> tuple[int, ...]:
    """Expand an int or a per-axis sequence to a validated tuple of length ``dims``."""
    if isinstance(value, (list, tuple)):
        if len(value) != dims:
            raise InvalidSpec(
                f"{name} has {len(value)} entries {list(value)!r}, expected {dims} (one per axis)"
            )
        return tuple(_check_int(f"{name}[{i}]", v, lo, hi) for i, v in enumerate(value))
    return (_check_int(name, value, lo, hi),) * dims


def _check_dims(dims: Any) -> int:
    return _check_int("dims", dims, 1, 3)


def _per_side(value: Any, hi: Any, dims: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Padding as ``(low side, high side)`` tuples: an int, one int per axis, or ``[lo, hi]`` per axis.

    ``hi`` (the ``padding_hi`` field) overrides the high side when given.
    """
    if isinstance(value, (list, tuple)) and any(isinstance(v, (list, tuple)) for v in value):
        if len(value) != dims or not all(isinstance(v, (list, tuple)) and len(v) == 2 for v in value):
            raise InvalidSpec(f"padding {list(value)!r} must have {dims} entries, each an int or [lo, hi]")
        lo = tuple(_check_int(f"padding[{i}][0]", v[0], 0, MAX_SIZE) for i, v in enumerate(value))
        his = tuple(_check_int(f"padding[{i}][1]", v[1], 0, MAX_SIZE) for i, v in enumerate(value))
        if hi is not None and _per_axis("padding_hi", hi, dims, 0) != his:
            raise InvalidSpec("give the high-side padding once: as [lo, hi] pairs or as padding_hi")
        return lo, his
    lo = _per_axis("padding", value, dims, 0)
    return lo, (lo if hi is None else _per_axis("padding_hi", hi, dims, 0))


def _padding_value(lo: Any, hi: Any) -> list[Any]:
    """Spec-file form of a padding: one int per axis, or ``[lo, hi]`` pairs where the sides differ."""
    if tuple(lo) == tuple(hi):
        return list(lo)
    return [[a, b] for a, b in zip(lo, hi)]


@dataclass(frozen=True)
class Conv:
    """A (possibly dilated, strided, grouped) convolution layer.

    Parameters
    ----------
    kernel, dilation, stride, padding
        Per-axis tuples (an int is broadcast over ``dims`` axes).  ``padding`` is
        the number of zeros added on *each* side of every axis.
    in_channels, out_channels, groups
        Channel counts; ``groups`` must divide both.  Depthwise convolution is
        ``groups == in_channels``.
    bias
        Whether the layer has one bias per output channel.
    dims
        Number of spatial dimensions (1, 2 or 3).

    Examples
    --------
    >>> Conv(3, dilation=2).effective_kernel
    (5, 5)
    >>> Conv(3, in_channels=8, out_channels=8, groups=8).weight_count
    72
    """

    kernel: IntOrSeq
    dilation: IntOrSeq = 1
    stride: IntOrSeq = 1
    padding: IntOrSeq = 0
    in_channels: int = 1
    out_channels: int = 1
    groups: int = 1
    bias: bool = True
    dims: int = 2
    name: str = ""
    #: Zeros after the last element of every axis (default: ``padding``); ``padding`` may also be
    #: given as ``[lo, hi]`` pairs per axis, as TF-SAME and causal networks need.
    padding_hi: IntOrSeq | None = None
    kind: str = field(default="conv", init=False)

    def __post_init__(self) -> None:
        dims = _check_dims(self.dims)
        set_ = object.__setattr__
        set_(self, "kernel", _per_axis("kernel", self.kernel, dims, 1))
        set_(self, "dilation", _per_axis("dilation", self.dilation, dims, 1))
        set_(self, "stride", _per_axis("stride", self.stride, dims, 1))
        pad_lo, pad_hi = _per_side(self.padding, self.padding_hi, dims)
        set_(self, "padding", pad_lo)
        set_(self, "padding_hi", pad_hi)
        set_(self, "in_channels", _check_int("in_channels", self.in_channels, 1, MAX_CHANNELS))
        set_(self, "out_channels", _check_int("out_channels", self.out_channels, 1, MAX_CHANNELS))
        set_(self, "groups", _check_int("groups", self.groups, 1, MAX_CHANNELS))
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise InvalidSpec(
                f"groups={self.groups} must divide in_channels={self.in_channels} "
                f"and out_channels={self.out_channels}"
            )
        if not isinstance(self.bias, bool):
            raise InvalidSpec(f"bias must be true or false, got {self.bias!r}")
        if not isinstance(self.name, str):
            raise InvalidSpec(f"name must be a string, got {self.name!r}")

    @property
    def effective_kernel(self) -> tuple[int, ...]:
        """Extent ``d (k - 1) + 1`` of the dilated kernel on each axis."""
        return tuple(d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation))  # type: ignore[arg-type]

    @property
    def weight_count(self) -> int:
        """Number of weights: ``out * (in / groups) * prod(kernel)``."""
        return self.out_channels * (self.in_channels // self.groups) * math.prod(self.kernel)  # type: ignore[arg-type]

    @property
    def bias_count(self) -> int:
        """Number of biases (``out_channels`` or 0)."""
        return self.out_channels if self.bias else 0


@dataclass(frozen=True)
class Pool:
    """A pooling layer (max or average): no parameters, channels unchanged.

    Examples
    --------
    >>> Pool(2, stride=2).stride
    (2, 2)
    """

    kernel: IntOrSeq
    stride: IntOrSeq | None = None
    padding: IntOrSeq = 0
    mode: str = "max"
    dims: int = 2
    name: str = ""
    #: Spacing of the window's taps (PyTorch ``MaxPool`` / ONNX ``dilations``); default 1.
    dilation: IntOrSeq = 1
    #: Count a last, partial window (``ceil`` instead of ``floor`` in the output size).
    ceil_mode: bool = False
    #: Padding after the last element (default: ``padding``); see :class:`Conv`.
    padding_hi: IntOrSeq | None = None
    kind: str = field(default="pool", init=False)

    def __post_init__(self) -> None:
        dims = _check_dims(self.dims)
        set_ = object.__setattr__
        set_(self, "kernel", _per_axis("kernel", self.kernel, dims, 1))
        stride = self.kernel if self.stride is None else self.stride
        set_(self, "stride", _per_axis("stride", stride, dims, 1))
        set_(self, "dilation", _per_axis("dilation", self.dilation, dims, 1))
        pad_lo, pad_hi = _per_side(self.padding, self.padding_hi, dims)
        set_(self, "padding", pad_lo)
        set_(self, "padding_hi", pad_hi)
        if self.mode not in ("max", "avg", "lp"):
            raise InvalidSpec(f"pool mode must be 'max', 'avg' or 'lp', got {self.mode!r}")
        if not isinstance(self.ceil_mode, bool):
            raise InvalidSpec(f"ceil_mode must be true or false, got {self.ceil_mode!r}")
        for k, d, p in zip(self.kernel * 2, self.dilation * 2, pad_lo + pad_hi):  # type: ignore[operator]
            if 2 * p > d * (k - 1) + 1:
                raise InvalidSpec(f"pool padding {p} must be at most half the (dilated) kernel "
                                  f"{d * (k - 1) + 1}")

    @property
    def effective_kernel(self) -> tuple[int, ...]:
        """Extent ``d (k - 1) + 1`` of the (possibly dilated) window on each axis."""
        return tuple(d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation))  # type: ignore[arg-type]

    in_channels = None  # type: ignore[assignment]
    weight_count = 0
    bias_count = 0


Layer = Conv | Pool


@dataclass(frozen=True)
class Network:
    """A chain of layers with a common number of spatial dimensions.

    ``in_channels`` of each convolution must equal the channel count coming out
    of the previous layer (pooling keeps channels).

    Examples
    --------
    >>> net = Network((Conv(3, out_channels=4), Pool(2), Conv(3, in_channels=4)))
    >>> net.dims, len(net)
    (2, 3)
    """

    layers: tuple[Layer, ...]
    name: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.layers, (str, bytes, Conv, Pool)) or not isinstance(self.layers, Iterable):
            raise InvalidType(f"layers must be a sequence of Conv/Pool layers, got {type(self.layers).__name__} "
                              f"{short_repr(self.layers)}")
        layers = tuple(self.layers)
        if not layers:
            raise InvalidSpec("a network needs at least 1 layer, got 0")
        if len(layers) > MAX_LAYERS:
            raise InvalidSpec(f"a network may have at most {MAX_LAYERS} layers, got {len(layers)}")
        for i, layer in enumerate(layers):
            if not isinstance(layer, (Conv, Pool)):
                raise InvalidSpec(f"layer {i} must be a Conv or Pool, got {type(layer).__name__}")
        dims = {layer.dims for layer in layers}
        if len(dims) != 1:
            raise InvalidSpec(f"all layers must have the same dims, got {sorted(dims)}")
        channels: int | None = None
        for i, layer in enumerate(layers):
            if isinstance(layer, Conv):
                if channels is not None and layer.in_channels != channels:
                    raise InvalidSpec(
                        f"layer {i} expects in_channels={layer.in_channels} but the previous "
                        f"layer gives {channels}"
                    )
                channels = layer.out_channels
        object.__setattr__(self, "layers", layers)

    def __len__(self) -> int:
        return len(self.layers)

    @property
    def dims(self) -> int:
        return self.layers[0].dims

    @property
    def in_channels(self) -> int:
        """Channels the first convolution expects (1 for a pooling-only chain)."""
        for layer in self.layers:
            if isinstance(layer, Conv):
                return layer.in_channels
        return 1

    @property
    def parameter_count(self) -> int:
        """Weights plus biases of all layers."""
        return sum(layer.weight_count + layer.bias_count for layer in self.layers)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description, accepted back by :func:`network_from_dict`."""
        out: list[dict[str, Any]] = []
        for layer in self.layers:
            if isinstance(layer, Conv):
                out.append(
                    {
                        "type": "conv",
                        "kernel": list(layer.kernel),  # type: ignore[arg-type]
                        "dilation": list(layer.dilation),  # type: ignore[arg-type]
                        "stride": list(layer.stride),  # type: ignore[arg-type]
                        "padding": _padding_value(layer.padding, layer.padding_hi),
                        "in_channels": layer.in_channels,
                        "out_channels": layer.out_channels,
                        "groups": layer.groups,
                        "bias": layer.bias,
                        **({"name": layer.name} if layer.name else {}),
                    }
                )
            else:
                out.append(
                    {
                        "type": "pool",
                        "kernel": list(layer.kernel),  # type: ignore[arg-type]
                        "stride": list(layer.stride),  # type: ignore[arg-type]
                        "padding": _padding_value(layer.padding, layer.padding_hi),
                        "mode": layer.mode,
                        **({"dilation": list(layer.dilation)}  # type: ignore[arg-type]
                           if set(layer.dilation) != {1} else {}),  # type: ignore[arg-type]
                        **({"ceil_mode": True} if layer.ceil_mode else {}),
                        **({"name": layer.name} if layer.name else {}),
                    }
                )
        return {"name": self.name, "dims": self.dims, "layers": out}


def iter_convs(net: Network) -> Iterable[Conv]:
    """The convolution layers of ``net``, in order."""
    return (layer for layer in net.layers if isinstance(layer, Conv))
