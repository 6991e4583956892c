"""Graph spec files: parsed data (JSON/TOML, top-level ``nodes``) to a :class:`~kronconv.netgraph.NetGraph`.

The format is described in ``docs/graph-specs.md``; chain specs (top-level
``layers``) are read by :mod:`kronconv.spec`, whose reader and top-level checks
this module shares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import InvalidSpec
from ..layers import ConvTranspose, GlobalPool, Upsample
from ..spec import MAX_SPEC_DEPTH, Conv, _depth, check_top_level, layer_from_dict, read_spec_data
from .model import _ID_RE, MAX_NODES, NetGraph, NetNode, _check_channels

#: Keys of the layer-carrying ops beyond conv and pool.
_EXTRA_KEYS: dict[str, tuple[type, set[str]]] = {
    "convt": (ConvTranspose, {"kernel", "stride", "padding", "output_padding", "dilation", "in_channels",
                              "out_channels", "groups", "bias", "name"}),
    "upsample": (Upsample, {"scale", "mode", "size", "name"}),
    "global": (GlobalPool, {"mode", "name"}),
}

__all__ = [
    "graph_from_dict",
    "is_graph_spec",
    "load_graph_spec",
    "read_spec_data",
]

_GRAPH_KEYS = {"name", "description", "dims", "in_channels", "output", "nodes", "align"}
_NODE_KEYS = {"id", "op", "inputs", "channels"}


def is_graph_spec(data: Mapping[str, Any]) -> bool:
    """True when parsed spec data describes a graph (has ``nodes``) rather than a chain."""
    return isinstance(data, Mapping) and "nodes" in data


def graph_from_dict(data: Mapping[str, Any], *, source: str = "spec") -> NetGraph:
    """Build a :class:`NetGraph` from parsed spec data (format in ``docs/graph-specs.md``).

    Each entry of ``nodes`` has ``id``, ``op`` and (except the input) ``inputs``;
    ``conv`` / ``pool`` nodes also carry the layer keys of a chain spec
    (``kernel``, ``dilation``, ``stride``, ``padding``, ``out_channels``, ...),
    read by :func:`kronconv.spec.layer_from_dict`.

    Examples
    --------
    >>> g = graph_from_dict({"dims": 1, "nodes": [
    ...     {"id": "x", "op": "input"},
    ...     {"id": "c", "op": "conv", "inputs": ["x"], "kernel": 3, "dilation": 2}]})
    >>> g.output, g.node("c").layer.effective_kernel
    ('c', (5,))
    >>> graph_from_dict({"nodes": [{"id": "x", "op": "relu"}]})
    Traceback (most recent call last):
    ...
    kronconv.errors.InvalidSpec: spec: nodes[0]: node 'x': op must be one of input, conv, pool, add, concat, convt, upsample, global, select, got 'relu'
    """
    if not isinstance(data, Mapping):
        raise InvalidSpec(f"{source}: the top level must be a table/object, got {type(data).__name__}")
    if _depth(data, MAX_SPEC_DEPTH) > MAX_SPEC_DEPTH:
        raise InvalidSpec(f"{source}: nesting deeper than {MAX_SPEC_DEPTH} levels is not allowed")
    dims, default_ch, raw = check_top_level(data, source, _GRAPH_KEYS, "nodes", MAX_NODES)
    # channels are needed to read conv layers: resolve in dependency order
    items: dict[str, tuple[int, Mapping[str, Any]]] = {}
    for i, item in enumerate(raw):
        where = f"{source}: nodes[{i}]"
        if not isinstance(item, Mapping):
            raise InvalidSpec(f"{where} must be a table/object, got {type(item).__name__}")
        nid = item.get("id")
        if not isinstance(nid, str) or not _ID_RE.match(nid):
            raise InvalidSpec(f"{where}: id must be 1-64 characters from A-Za-z0-9_.-, got {nid!r}")
        if nid in items:
            raise InvalidSpec(f"{where}: duplicate node id {nid!r}")
        items[nid] = (i, item)
    built: dict[str, NetNode] = {}
    chans: dict[str, int] = {}

    def make(nid: str, stack: tuple[str, ...]) -> None:
        i, item = items[nid]
        where = f"{source}: nodes[{i}]"
        op = item.get("op")
        inputs = item.get("inputs", [])
        if not isinstance(inputs, list) or not all(isinstance(s, str) for s in inputs):
            raise InvalidSpec(f"{where}: inputs must be a list of node ids, got {inputs!r}")
        for src in inputs:
            if src not in items:
                raise InvalidSpec(f"{where}: unknown input {src!r}")
            if src in stack:
                raise InvalidSpec(f"{source}: the graph has a cycle through node {src!r}")
        try:
            if op in _EXTRA_KEYS:
                if len(inputs) != 1:
                    raise InvalidSpec(f"node {nid!r}: op {op!r} needs exactly 1 input, got {len(inputs)}")
                if inputs[0] not in chans:
                    make(inputs[0], stack + (nid,))
                cls, allowed = _EXTRA_KEYS[op]
                kw = {k: v for k, v in item.items() if k not in _NODE_KEYS}
                unknown = sorted(set(kw) - allowed)
                if unknown:
                    raise InvalidSpec(f"node {nid!r}: unknown key(s) {unknown}; allowed for {op!r}: "
                                      f"{sorted(allowed | _NODE_KEYS - {'channels'})}")
                if op == "convt":
                    kw.setdefault("in_channels", chans[inputs[0]])
                    kw.setdefault("out_channels", kw["in_channels"])
                    if "kernel" not in kw:
                        raise InvalidSpec(f"node {nid!r} needs a 'kernel'")
                kw.setdefault("name", nid)
                try:
                    xlayer = cls(dims=dims, **kw)
                except TypeError as exc:  # pragma: no cover - guarded by the key check
                    raise InvalidSpec(f"node {nid!r}: {exc}") from None
                node = NetNode(nid, op, tuple(inputs), xlayer)
                chans[nid] = xlayer.out_channels if op == "convt" else chans[inputs[0]]
            elif op in ("conv", "pool"):
                unknown = sorted(k for k in ("channels",) if k in item)
                if unknown:
                    raise InvalidSpec(f"node {nid!r}: key 'channels' is only for the input node")
                if len(inputs) != 1:
                    raise InvalidSpec(f"node {nid!r}: op {op!r} needs exactly 1 input, got {len(inputs)}")
                if inputs[0] not in chans:
                    make(inputs[0], stack + (nid,))
                layer_data = {k: v for k, v in item.items() if k not in _NODE_KEYS}
                layer_data["type"] = op
                layer_data.setdefault("name", nid)
                layer = layer_from_dict(layer_data, dims=dims, in_channels=chans[inputs[0]],
                                        where=f"node {nid!r}")
                node = NetNode(nid, op, tuple(inputs), layer)
                chans[nid] = layer.out_channels if isinstance(layer, Conv) else chans[inputs[0]]
            else:
                extra = sorted(set(item) - _NODE_KEYS)
                if extra:
                    raise InvalidSpec(f"node {nid!r}: unknown key(s) {extra}; allowed: {sorted(_NODE_KEYS)}")
                if op not in ("input", "select") and "channels" in item:
                    raise InvalidSpec(f"node {nid!r}: key 'channels' is only for the input and select nodes")
                if op == "select" and "channels" not in item:
                    raise InvalidSpec(f"node {nid!r}: op 'select' needs 'channels' (how many it keeps)")
                ch = item.get("channels", default_ch) if op in ("input", "select") else 1
                node = NetNode(nid, op, tuple(inputs), None, _check_channels(nid, ch))
                for src in inputs:
                    if src not in chans:
                        make(src, stack + (nid,))
                if op == "input":
                    chans[nid] = node.channels
                elif op == "add":
                    chans[nid] = chans[inputs[0]]
                elif op == "select":
                    chans[nid] = node.channels
                else:
                    chans[nid] = sum(chans[s] for s in inputs)
        except InvalidSpec as exc:
            msg = str(exc)
            raise InvalidSpec(msg if msg.startswith(source) else f"{where}: {msg}") from None
        built[nid] = node

    for nid in items:
        if nid not in built:
            make(nid, ())
    name = data.get("name", "")
    description = data.get("description", "")
    if not isinstance(name, str) or not isinstance(description, str):
        raise InvalidSpec(f"{source}: 'name' and 'description' must be strings")
    output = data.get("output")
    if output is not None and not isinstance(output, str):
        raise InvalidSpec(f"{source}: 'output' must be a node id string, got {output!r}")
    try:
        return NetGraph.build([built[nid] for nid in items], dims=dims, output=output, name=name,
                              description=description, align=data.get("align", "centre"))
    except InvalidSpec as exc:
        raise InvalidSpec(f"{source}: {exc}") from None


def load_graph_spec(path: str | Path) -> NetGraph:
    """Load a graph spec file (top-level ``nodes``); the file stem names an unnamed graph."""
    data = read_spec_data(path)
    if not is_graph_spec(data):
        raise InvalidSpec(f"{str(path)!r} has no 'nodes' list: it is not a graph spec")
    g = graph_from_dict(data, source=str(path))
    return g if g.name else replace(g, name=Path(path).stem)
