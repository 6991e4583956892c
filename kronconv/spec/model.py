"""Network descriptions: frozen, validated layers and chains of layers.

A :class:`Network` is a chain of :class:`Conv` and :class:`Pool` layers in 1, 2 or
3 spatial dimensions.  Every size is stored per axis as a tuple of Python ints;
validation happens once, at construction, and names the bad value and the
allowed range.  Networks come from the Python API, from CLI-style lists
(:func:`chain`), from spec files (:func:`load_spec`, TOML or JSON, documented in
``docs/spec-files.md``) and from named presets (:func:`preset`).

Examples
--------
>>> net = chain(kernels=[3, 3], dilations=[1, 2])
>>> [layer.dilation for layer in net.layers]
[(1, 1), (2, 2)]
>>> preset("yu-koltun-basic").layers[-1].kernel
(1, 1)
"""

from __future__ import annotations

import json
import math
import stat
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InvalidSpec, InvalidType, short_repr

__all__ = [
    "MAX_CHANNELS",
    "MAX_LAYERS",
    "MAX_SIZE",
    "MAX_SPEC_BYTES",
    "PRESETS",
    "Conv",
    "Layer",
    "Network",
    "Pool",
    "chain",
    "check_top_level",
    "layer_from_dict",
    "load_spec",
    "network_from_dict",
    "parse_spec_text",
    "preset",
    "preset_names",
]

#: Largest kernel size, dilation, stride or padding accepted on one axis.
MAX_SIZE = 1 << 20
#: Largest number of layers in one network.
MAX_LAYERS = 4096
#: Largest channel count of one layer.
MAX_CHANNELS = 1 << 20
#: Largest spec file, in bytes.
MAX_SPEC_BYTES = 1 << 20
#: Deepest nesting of lists/tables accepted in a spec file.
MAX_SPEC_DEPTH = 8

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


def _broadcast(name: str, values: Sequence[Any] | None, n: int, default: Any) -> list[Any]:
    if values is None:
        return [default] * n
    values = list(values)
    if len(values) == 1:
        return values * n
    if len(values) != n:
        raise InvalidSpec(f"--{name} has {len(values)} entries, expected 1 or {n} (one per layer)")
    return values


def chain(
    kernels: Sequence[int] | None = None,
    dilations: Sequence[int] | None = None,
    strides: Sequence[int] | None = None,
    paddings: Sequence[int] | None = None,
    *,
    kernel: int | None = None,
    layers: int | None = None,
    channels: int = 1,
    bias: bool = True,
    dims: int = 2,
    name: str = "",
) -> Network:
    """Build a single-chain network of isotropic convolutions from per-layer lists.

    The number of layers is ``layers`` if given, else the length of the longest
    list; a list of length 1 (or a scalar ``kernel``) is broadcast.

    Examples
    --------
    >>> [l.kernel[0] for l in chain(kernel=3, dilations=[1, 2, 4]).layers]
    [3, 3, 3]
    >>> chain(kernels=[3, 3], dilations=[1, 2, 4])
    Traceback (most recent call last):
    ...
    kronconv.errors.InvalidSpec: --kernels has 2 entries, expected 1 or 3 (one per layer)
    """
    if kernel is not None and kernels is not None:
        raise InvalidSpec("give either --kernel or --kernels, not both")
    if kernel is not None:
        kernels = [kernel]
    lists = {"kernels": kernels, "dilations": dilations, "strides": strides, "paddings": paddings}
    lengths = [len(v) for v in lists.values() if v is not None]
    if layers is not None:
        n = _check_int("layers", layers, 1, MAX_LAYERS)
    elif lengths:
        n = max(lengths)
    else:
        raise InvalidSpec("no layers given: pass --kernel/--kernels, --dilations or --layers")
    if n > MAX_LAYERS:
        raise InvalidSpec(f"a network may have at most {MAX_LAYERS} layers, got {n}")
    ks = _broadcast("kernels", kernels, n, 3)
    ds = _broadcast("dilations", dilations, n, 1)
    ss = _broadcast("strides", strides, n, 1)
    ps = _broadcast("paddings", paddings, n, 0)
    built = tuple(
        Conv(
            k,
            dilation=d,
            stride=s,
            padding=p,
            in_channels=channels,
            out_channels=channels,
            bias=bias,
            dims=dims,
        )
        for k, d, s, p in zip(ks, ds, ss, ps)
    )
    return Network(built, name=name)


# --------------------------------------------------------------------------- spec files

_CONV_KEYS = {
    "type", "kernel", "dilation", "stride", "padding", "in_channels", "out_channels",
    "groups", "bias", "name", "dims",
}
_POOL_KEYS = {"type", "kernel", "stride", "padding", "mode", "name", "dims", "dilation", "ceil_mode"}
_NET_KEYS = {"name", "description", "dims", "in_channels", "layers"}


def _depth(obj: Any, limit: int) -> int:
    """Nesting depth of lists/dicts, stopping early past ``limit``."""
    stack = [(obj, 1)]
    deepest = 0
    while stack:
        item, d = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, d)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((c, d + 1) for c in children)
    return deepest


def layer_from_dict(
    data: Mapping[str, Any], *, dims: int, in_channels: int, where: str = "layer"
) -> Layer:
    """Build one layer from a spec-file table, rejecting unknown keys and bad types.

    ``in_channels`` is the channel count arriving from the previous layer; a
    convolution may omit ``in_channels`` (it is inferred) or must match it.

    Examples
    --------
    >>> layer_from_dict({"type": "conv", "kernel": 3, "dilation": 2}, dims=1, in_channels=1)
    Conv(kernel=(3,), dilation=(2,), stride=(1,), padding=(0,), in_channels=1, out_channels=1, groups=1, bias=True, dims=1, name='', padding_hi=(0,), kind='conv')
    """
    if not isinstance(data, Mapping):
        raise InvalidSpec(f"{where} must be a table/object, got {type(data).__name__}")
    kind = data.get("type", "conv")
    if kind not in ("conv", "pool"):
        raise InvalidSpec(f"{where}.type must be 'conv' or 'pool', got {kind!r}")
    allowed = _CONV_KEYS if kind == "conv" else _POOL_KEYS
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidSpec(f"{where} has unknown key(s) {unknown}; allowed: {sorted(allowed)}")
    if "dims" in data and data["dims"] != dims:
        raise InvalidSpec(f"{where}.dims={data['dims']!r} differs from the network's dims={dims}")
    kwargs = {k: v for k, v in data.items() if k not in ("type", "dims")}
    if "kernel" not in kwargs:
        raise InvalidSpec(f"{where} needs a 'kernel'")
    try:
        if kind == "conv":
            kwargs.setdefault("in_channels", in_channels)
            kwargs.setdefault("out_channels", kwargs["in_channels"])
            return Conv(dims=dims, **kwargs)
        return Pool(dims=dims, **kwargs)
    except InvalidSpec as exc:
        raise InvalidSpec(f"{where}: {exc}") from None
    except TypeError as exc:  # pragma: no cover - guarded by the key check
        raise InvalidSpec(f"{where}: {exc}") from None


def check_top_level(
    data: Mapping[str, Any], source: str, allowed: set[str], list_key: str, max_items: int
) -> tuple[int, int, list[Any]]:
    """Validate a spec's top level: known keys only, ``dims``, ``in_channels`` and a non-empty
    ``list_key`` list of at most ``max_items`` tables (shared by chain and graph specs)."""
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidSpec(f"{source}: unknown top-level key(s) {unknown}; allowed: {sorted(allowed)}")
    dims = _check_dims(data.get("dims", 2))
    channels = _check_int("in_channels", data.get("in_channels", 1), 1, MAX_CHANNELS)
    raw = data.get(list_key)
    noun = "layer" if list_key == "layers" else "node"
    if not isinstance(raw, list) or not raw:
        raise InvalidSpec(f"{source}: '{list_key}' must be a non-empty list of {noun} tables")
    if len(raw) > max_items:
        raise InvalidSpec(f"{source}: at most {max_items} {list_key} allowed, got {len(raw)}")
    return dims, channels, raw


def network_from_dict(data: Mapping[str, Any], *, source: str = "spec") -> Network:
    """Build a :class:`Network` from a parsed spec (see ``docs/spec-files.md``).

    Examples
    --------
    >>> net = network_from_dict({"dims": 1, "layers": [{"kernel": 3}, {"type": "pool", "kernel": 2}]})
    >>> [type(l).__name__ for l in net.layers]
    ['Conv', 'Pool']
    """
    if not isinstance(data, Mapping):
        raise InvalidSpec(f"{source}: the top level must be a table/object, got {type(data).__name__}")
    if _depth(data, MAX_SPEC_DEPTH) > MAX_SPEC_DEPTH:
        raise InvalidSpec(f"{source}: nesting deeper than {MAX_SPEC_DEPTH} levels is not allowed")
    if "nodes" in data:
        raise InvalidSpec(
            f"{source} is a graph spec (top-level 'nodes'): load it with "
            "kronconv.netgraph.load_graph_spec, or use `kronconv graph` / `kronconv rf` on the file"
        )
    dims, channels, raw = check_top_level(data, source, _NET_KEYS, "layers", MAX_LAYERS)
    layers: list[Layer] = []
    for i, item in enumerate(raw):
        layer = layer_from_dict(item, dims=dims, in_channels=channels, where=f"{source}: layers[{i}]")
        if isinstance(layer, Conv):
            if layer.in_channels != channels and ("in_channels" in data or any(
                    isinstance(prev, Conv) for prev in layers)):
                raise InvalidSpec(
                    f"{source}: layers[{i}] expects in_channels={layer.in_channels} but the previous "
                    f"layer gives {channels}"
                )
            channels = layer.out_channels
        layers.append(layer)
    name = data.get("name", "")
    description = data.get("description", "")
    if not isinstance(name, str) or not isinstance(description, str):
        raise InvalidSpec(f"{source}: 'name' and 'description' must be strings")
    return Network(tuple(layers), name=name, description=description)


def parse_spec_text(text: str, fmt: str, *, source: str = "spec") -> dict[str, Any]:
    """Parse spec text as ``"toml"`` or ``"json"`` into plain data, with one-line errors."""
    if len(text.encode("utf-8", "replace")) > MAX_SPEC_BYTES:
        raise InvalidSpec(f"{source}: spec files may be at most {MAX_SPEC_BYTES} bytes")
    try:
        if fmt == "toml":
            return tomllib.loads(text)
        if fmt == "json":
            data = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicate_keys)
            if not isinstance(data, dict):
                raise InvalidSpec(f"{source}: the top level must be an object, got {type(data).__name__}")
            return data
    except InvalidSpec:
        raise
    except tomllib.TOMLDecodeError as exc:
        raise InvalidSpec(f"{source}: not valid TOML ({exc})") from None
    except json.JSONDecodeError as exc:
        raise InvalidSpec(f"{source}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise InvalidSpec(f"{source}: nesting too deep (at most {MAX_SPEC_DEPTH} levels)") from None
    except ValueError as exc:  # e.g. integer strings longer than Python's digit limit
        if "digits" in str(exc):
            raise InvalidSpec(f"{source}: an integer has more than {sys.get_int_max_str_digits()} digits; "
                              f"sizes are at most {MAX_SIZE}") from None
        raise InvalidSpec(f"{source}: {short_repr(str(exc).splitlines()[0], 120)}") from None
    raise InvalidSpec(f"{source}: unknown spec format {fmt!r}; allowed: 'toml', 'json'")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` refusing a key that occurs twice in one JSON object (JSON allows it; we do not)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise InvalidSpec(f"duplicate key {short_repr(key)} in one JSON object; give each key once")
        out[key] = value
    return out


def _reject_constant(name: str) -> Any:
    raise InvalidSpec(f"{name} is not an allowed number in a spec file")


def read_spec_data(path: str | Path) -> dict[str, Any]:
    """Read and parse a ``.toml`` / ``.json`` spec file into plain data (nothing built yet).

    Raises
    ------
    InvalidSpec
        If the file is missing, unreadable, too large, not UTF-8 or malformed.
    """
    if not isinstance(path, (str, Path)):
        raise InvalidType(f"path must be a file name (str or pathlib.Path), got {type(path).__name__} "
                          f"{short_repr(path)}")
    p = Path(path)
    fmt = {".toml": "toml", ".json": "json"}.get(p.suffix.lower())
    if fmt is None:
        raise InvalidSpec(f"spec file {str(p)!r} must end in .toml or .json")
    try:
        st = p.stat()
    except OSError as exc:
        raise InvalidSpec(f"cannot read spec file {str(p)!r}: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):  # a directory, FIFO or device (/dev/zero) would block or never end
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise InvalidSpec(f"spec file {str(p)!r} is {kind}; give a .toml or .json file")
    if st.st_size > MAX_SPEC_BYTES:
        raise InvalidSpec(f"spec file {str(p)!r} is {st.st_size} bytes; at most {MAX_SPEC_BYTES} allowed")
    try:
        with open(p, "rb") as fh:
            raw = fh.read(MAX_SPEC_BYTES + 1)  # bounded even if the file grows while we read
    except OSError as exc:
        raise InvalidSpec(f"cannot read spec file {str(p)!r}: {exc.strerror}") from None
    if len(raw) > MAX_SPEC_BYTES:
        raise InvalidSpec(f"spec file {str(p)!r} is larger than {MAX_SPEC_BYTES} bytes; at most {MAX_SPEC_BYTES} allowed")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidSpec(f"cannot read spec file {str(p)!r}: not UTF-8 text (bad byte at {exc.start})") from None
    return parse_spec_text(text, fmt, source=str(p))


def load_spec(path: str | Path) -> Network:
    """Load a chain of layers from a ``.toml`` or ``.json`` spec file.

    Branching networks (a top-level ``nodes`` list) are loaded with
    :func:`kronconv.netgraph.load_graph_spec` instead.

    Raises
    ------
    InvalidSpec
        If the file is missing, too large, malformed or describes an invalid network.
    """
    data = read_spec_data(path)
    net = network_from_dict(data, source=str(path))
    return net if net.name else replace(net, name=Path(path).stem)


# --------------------------------------------------------------------------- presets


def _yu_koltun_context(large: bool, C: int = 21, dims: int = 2) -> Network:
    """Context module of Yu & Koltun (2015), Table 1.

    Seven 3x3 layers with dilations 1, 1, 2, 4, 8, 16, 1 (each followed by a
    truncated ReLU, which does not change receptive fields) and a final 1x1
    layer.  Padding equals dilation, so the spatial size is preserved.  The
    basic module keeps C channels; the large one widens to 2C, 2C, 4C, 8C, 16C,
    32C, 32C and returns to C.
    """
    dilations = [1, 1, 2, 4, 8, 16, 1]
    outs = [2, 2, 4, 8, 16, 32, 32] if large else [1] * 7
    layers: list[Layer] = []
    cin = C
    for i, (d, m) in enumerate(zip(dilations, outs)):
        layers.append(
            Conv(3, dilation=d, padding=d, in_channels=cin, out_channels=m * C, dims=dims,
                 name=f"layer{i + 1}")
        )
        cin = m * C
    layers.append(Conv(1, in_channels=cin, out_channels=C, dims=dims, name="output"))
    kind = "large" if large else "basic"
    return Network(
        tuple(layers),
        name=f"yu-koltun-{kind}",
        description=f"Yu & Koltun 2015 context module ({kind}, Table 1), C={C} channels",
    )


def _yu_koltun_frontend(classes: int = 21, dims: int = 2) -> Network:
    """VGG-16 front end of Yu & Koltun (2015).

    VGG-16 with pool4 and pool5 removed; conv5_x dilated 2, fc6 (7x7) dilated 4,
    fc7 1x1 and a 1x1 classifier.  Convolutions use padding 1 as in VGG-16
    (the authors' Caffe model uses unpadded convolutions on a reflection-padded
    input, which shifts offsets but not receptive fields or strides).
    """
    layers: list[Layer] = []
    cin = 3

    def conv(k: int, cout: int, name: str, d: int = 1, p: int | None = None) -> None:
        nonlocal cin
        pad = d * (k - 1) // 2 if p is None else p
        layers.append(Conv(k, dilation=d, padding=pad, in_channels=cin, out_channels=cout,
                           dims=dims, name=name))
        cin = cout

    for block, (n, c) in enumerate([(2, 64), (2, 128), (3, 256), (3, 512)], start=1):
        for j in range(1, n + 1):
            conv(3, c, f"conv{block}_{j}")
        if block <= 3:
            layers.append(Pool(2, stride=2, dims=dims, name=f"pool{block}"))
    for j in range(1, 4):
        conv(3, 512, f"conv5_{j}", d=2)
    conv(7, 4096, "fc6", d=4)
    conv(1, 4096, "fc7")
    conv(1, classes, "final")
    return Network(
        tuple(layers),
        name="yu-koltun-frontend",
        description="Yu & Koltun 2015 front end: VGG-16, pool4/pool5 removed, conv5 dilated 2, fc6 dilated 4",
    )


def _plain(k: int = 3, layers: int = 4, channels: int = 1, dims: int = 2) -> Network:
    return replace(
        chain(kernel=k, layers=layers, channels=channels, dims=dims),
        name="plain",
        description=f"{layers} plain {k}x{k} convolutions (dilation 1)",
    )


def _exponential(k: int = 3, base: int = 2, layers: int = 4, channels: int = 1, dims: int = 2) -> Network:
    base = _check_int("base", base, 1, MAX_SIZE)
    layers = _check_int("layers", layers, 1, MAX_LAYERS)
    if base > 1 and (layers - 1) * math.log2(base) > 20:
        raise InvalidSpec(f"dilation {base}**{layers - 1} exceeds the limit {MAX_SIZE}")
    return replace(
        chain(kernel=k, dilations=[base**l for l in range(layers)], channels=channels, dims=dims),
        name="exponential",
        description=f"{layers} {k}x{k} convolutions with dilations {base}**l, l = 0..{layers - 1}",
    )


def _kronecker(a: int = 3, layers: int = 3, channels: int = 1, dims: int = 2) -> Network:
    a = _check_int("a", a, 1, MAX_SIZE)
    net = _exponential(k=a, base=a, layers=layers, channels=channels, dims=dims)
    return replace(
        net,
        name="kronecker",
        description=f"Kronecker cascade: {layers} {a}x{a} convolutions with dilations {a}**l",
    )


#: Preset name -> (builder, one-line description, allowed parameters).
PRESETS: dict[str, tuple[Callable[..., Network], str, tuple[str, ...]]] = {
    "yu-koltun-basic": (lambda C=21, dims=2: _yu_koltun_context(False, C, dims),
                        "Yu & Koltun 2015 basic context module (Table 1), C channels", ("C", "dims")),
    "yu-koltun-large": (lambda C=21, dims=2: _yu_koltun_context(True, C, dims),
                        "Yu & Koltun 2015 large context module (Table 1)", ("C", "dims")),
    "yu-koltun-frontend": (_yu_koltun_frontend,
                           "Yu & Koltun 2015 VGG-16 front end (pool4/5 removed, dilated 2 and 4)",
                           ("classes", "dims")),
    "plain": (_plain, "L plain k x k convolutions", ("k", "layers", "channels", "dims")),
    "exponential": (_exponential, "k x k convolutions with dilations base**l",
                    ("k", "base", "layers", "channels", "dims")),
    "kronecker": (_kronecker, "Kronecker cascade: a x a kernels, dilations a**l",
                  ("a", "layers", "channels", "dims")),
}


def preset_names() -> list[str]:
    """Names accepted by :func:`preset`."""
    return list(PRESETS)


def preset(spec: str) -> Network:
    """Build a named preset, optionally parameterised: ``NAME[:key=value,...]``.

    Examples
    --------
    >>> [l.dilation[0] for l in preset("kronecker:a=2,layers=4").layers]
    [1, 2, 4, 8]
    >>> preset("resnet")
    Traceback (most recent call last):
    ...
    kronconv.errors.InvalidSpec: unknown preset 'resnet'; available: yu-koltun-basic, yu-koltun-large, yu-koltun-frontend, plain, exponential, kronecker
    """
    if not isinstance(spec, str):
        raise InvalidSpec(f"preset must be a string, got {short_repr(spec)}")
    name, sep, params = spec.partition(":")
    name = name.strip()
    if name not in PRESETS:
        raise InvalidSpec(f"unknown preset {short_repr(name)}; available: {', '.join(PRESETS)}")
    builder, _, allowed = PRESETS[name]
    kwargs: dict[str, int] = {}
    if sep and not params.strip():
        raise InvalidSpec(f"preset {name!r}: empty parameter list after ':'; give NAME alone or "
                          "NAME:" + ",".join(f"{a}=INT" for a in allowed))
    for item in (p.strip() for p in params.split(",") if sep):
        key, eq, value = item.partition("=")
        key = key.strip()
        if not item:
            raise InvalidSpec(f"preset {name!r}: empty parameter in {short_repr(params)}")
        if key in kwargs:
            raise InvalidSpec(f"preset {name!r}: parameter {key!r} given twice; give each parameter once")
        if not eq or key not in allowed:
            raise InvalidSpec(
                f"bad preset parameter {short_repr(item)} for {name!r}; allowed: "
                + ", ".join(f"{a}=INT" for a in allowed)
            )
        try:
            num = int(value.strip())
        except ValueError:
            raise InvalidSpec(f"preset parameter {key} must be an integer, got {short_repr(value.strip())}") from None
        lo = 1
        kwargs[key] = _check_int(f"preset parameter {key}", num, lo,
                                 3 if key == "dims" else MAX_CHANNELS if key in ("C", "channels", "classes")
                                 else MAX_LAYERS if key == "layers" else MAX_SIZE)
    return builder(**kwargs)


def iter_convs(net: Network) -> Iterable[Conv]:
    """The convolution layers of ``net``, in order."""
    return (layer for layer in net.layers if isinstance(layer, Conv))
