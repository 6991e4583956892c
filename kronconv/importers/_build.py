"""What both importers share: the :class:`Imported` record, a graph builder that tracks tensors, and errors.

An importer walks a model's operations in order and calls :class:`GraphBuilder`
methods: a structural operation (convolution, pooling, a merge, ...) becomes a
:class:`~kronconv.netgraph.NetNode`; a spatially transparent one (ReLU,
batch normalisation, ...) makes its output tensor an alias of its input.  Each
tensor carries the node it stands for, its channel count and, where known, its
spatial size (checked against PyTorch's shape arithmetic as nodes are added).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidSpec
from ..layers import ConvTranspose, GlobalPool, Upsample, layer_output_size
from ..netgraph import NetGraph, NetNode
from ..spec import Conv, Pool

__all__ = ["GraphBuilder", "Imported", "Tensor", "unsupported"]

_BAD = re.compile(r"[^A-Za-z0-9_.\-]")


def unsupported(op: str, name: str, why: str) -> InvalidSpec:
    """The one refusal: the op, the node's name in the model, and why."""
    return InvalidSpec(f"unsupported operation {op} (node {name!r}): {why}")


@dataclass(frozen=True)
class Imported:
    """A model turned into a :class:`~kronconv.netgraph.NetGraph`, with what the importer knew.

    ``input_size`` is the input's spatial size when the model fixes it (or it
    was given); ``sources`` maps every node id to the operation it came from in
    the model (``"Conv"``, ``"torch.nn.MaxPool2d"``, ...); ``sizes`` are the
    spatial sizes of every node when ``input_size`` is known.
    """

    graph: NetGraph
    input_size: tuple[int, ...] | None
    sources: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    format: str = ""


@dataclass
class Tensor:
    """What an importer knows about one tensor."""

    node: str | None  #: the node it stands for (None: a constant)
    channels: int | None = None
    size: tuple[int, ...] | None = None  #: spatial size, where known
    is_global: bool = False  #: constant in space (after global pooling)
    pad: tuple[tuple[int, int], ...] | None = None  #: an explicit Pad still to fold into the next layer
    value: Any = None  #: the constant's value (constants only)


class GraphBuilder:
    """Collect nodes with unique, valid ids; check spatial sizes as they are added."""

    def __init__(self, dims: int, name: str) -> None:
        self.dims = dims
        self.name = name
        self.nodes: list[NetNode] = []
        self.sources: dict[str, str] = {}
        self.sizes: dict[str, tuple[int, ...]] = {}
        self.notes: list[str] = []
        self._used: set[str] = set()

    def new_id(self, raw: str, fallback: str) -> str:
        base = _BAD.sub("_", raw or fallback)[:56] or fallback
        nid, k = base, 1
        while nid in self._used:
            k += 1
            nid = f"{base}_{k}"
        self._used.add(nid)
        return nid

    def add(self, raw_name: str, fallback: str, op: str, inputs: tuple[str, ...], layer: Any = None,
            *, source: str, channels: int = 1, size: tuple[int, ...] | None = None) -> str:
        nid = self.new_id(raw_name, fallback)
        try:
            self.nodes.append(NetNode(nid, op, inputs, layer, channels))
        except InvalidSpec as exc:
            raise InvalidSpec(f"{source} (node {raw_name!r}): {exc}") from None
        self.sources[nid] = source
        if size is not None:
            self.sizes[nid] = size
        return nid

    def layer_size(self, layer: Any, size: tuple[int, ...] | None, source: str, raw: str) -> tuple[int, ...] | None:
        if size is None:
            return None
        return tuple(layer_output_size(layer, ax, size[ax], where=f"{source} (node {raw!r})")
                     for ax in range(self.dims))

    def finish(self, output: str, input_size: tuple[int, ...] | None, fmt: str, align: str = "centre") -> Imported:
        try:
            g = NetGraph.build(self.nodes, dims=self.dims, output=output, name=self.name, align=align)
        except InvalidSpec as exc:
            raise InvalidSpec(f"the imported graph is not valid: {exc}") from None
        keep = {n.id for n in g.nodes}
        return Imported(g, input_size, {k: v for k, v in self.sources.items() if k in keep},
                        {k: v for k, v in self.sizes.items() if k in keep} if input_size else {},
                        tuple(self.notes) + g.notes, fmt)


def conv_like(kind: str, **kw: Any) -> Conv | Pool | ConvTranspose | GlobalPool | Upsample:
    """Construct a layer, turning a validation error into one naming the layer kind."""
    cls = {"conv": Conv, "pool": Pool, "convt": ConvTranspose, "global": GlobalPool, "upsample": Upsample}[kind]
    return cls(**kw)  # type: ignore[no-any-return]
