"""Spec-file tables to layers and networks, and :func:`load_spec` (see ``docs/spec-files.md``).

Each table is checked for unknown keys and bad values before anything is built;
the top-level checks are shared with branching (graph) specs in
:mod:`kronconv.netgraph.specfile`.

Examples
--------
>>> network_from_dict({"dims": 1, "layers": [{"kernel": 3, "dilation": 2}]}).layers[0].effective_kernel
(5,)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import InvalidSpec
from .model import MAX_CHANNELS, MAX_LAYERS, Conv, Layer, Network, Pool, _check_dims, _check_int
from .reading import MAX_SPEC_DEPTH, read_spec_data

__all__ = ["check_top_level", "layer_from_dict", "load_spec", "network_from_dict"]

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
