"""Spatial size of every node of a :class:`~kronconv.netgraph.NetGraph` for a concrete input size.

The arithmetic is PyTorch's (:func:`kronconv.layers.layer_output_size`):
``floor`` or, for pools with ``ceil_mode``, ``ceil`` with the last window
starting inside the input or the left padding; per-side padding; transposed
convolutions with ``output_padding``; upsampling; global pooling to 1.
Merges need equal sizes (a globally pooled input, constant in space, is
broadcast and exempt).

Examples
--------
>>> from kronconv.netgraph import graph_from_dict
>>> g = graph_from_dict({"dims": 1, "nodes": [
...     {"id": "x", "op": "input"},
...     {"id": "p", "op": "pool", "inputs": ["x"], "kernel": 3, "stride": 2, "ceil_mode": True}]})
>>> node_sizes(g, 112)
{'x': (112,), 'p': (56,)}
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import InvalidSpec
from ..layers import GlobalPool, layer_output_size
from .model import NetGraph

__all__ = ["node_sizes"]


def node_sizes(g: NetGraph, input_size: Sequence[int] | int) -> dict[str, tuple[int, ...]]:
    """Node id -> spatial size (per axis) for an input of ``input_size``; one line naming the node on failure."""
    size = tuple(input_size) if isinstance(input_size, (list, tuple)) else (input_size,) * g.dims
    if len(size) == 1 and g.dims > 1:
        size = size * g.dims
    if len(size) != g.dims:
        raise InvalidSpec(f"input size has {len(size)} axes, the graph has {g.dims}")
    for v in size:
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 1 << 30:
            raise InvalidSpec(f"input size entries must be integers in [1, {1 << 30}], got {v!r}")
    sizes: dict[str, tuple[int, ...]] = {}
    constant: set[str] = set()  # nodes constant in space (after global pooling)
    for n in g.nodes:
        if n.op == "input":
            sizes[n.id] = size
        elif n.layer is not None:
            src = sizes[n.inputs[0]]
            sizes[n.id] = tuple(layer_output_size(n.layer, ax, src[ax], where=f"node {n.id!r}")
                                for ax in range(g.dims))
            if isinstance(n.layer, GlobalPool) or n.inputs[0] in constant:
                constant.add(n.id)
        else:
            local = {sizes[s] for s in n.inputs if s not in constant}
            if len(local) > 1:
                got = {s: list(sizes[s]) for s in n.inputs}
                raise InvalidSpec(f"node {n.id!r} ({n.op}) needs inputs of equal spatial size, got {got}")
            sizes[n.id] = next(iter(local)) if local else sizes[n.inputs[0]]
            if not local:
                constant.add(n.id)
    return sizes
