"""A branching network as data: :class:`NetNode` operations in a :class:`NetGraph` (a DAG), and chains as graphs.

Validation happens on construction (:meth:`NetGraph.build`): one input, known
operations, inputs that exist and come first, channel counts that fit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidSpec
from ..layers import ConvTranspose, GlobalPool, Upsample
from ..spec import MAX_CHANNELS, MAX_LAYERS, Conv, Layer, Network, Pool

__all__ = [
    "MAX_NODES",
    "OPS",
    "NetGraph",
    "NetNode",
    "from_network",
    "without_global",
]

#: Operations a node may perform.
OPS = ("input", "conv", "pool", "add", "concat", "convt", "upsample", "global", "select")
#: What merging branches must share: the centre of their fields, their last or their first position.
ALIGNS = ("centre", "end", "start")
#: Operations that carry a layer, and the layer type each needs.
LAYER_OPS: dict[str, type] = {"conv": Conv, "pool": Pool, "convt": ConvTranspose, "upsample": Upsample,
                              "global": GlobalPool}
#: Largest number of nodes in one graph: a chain's layers plus its input node.
MAX_NODES = MAX_LAYERS + 1
_ID_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


@dataclass(frozen=True)
class NetNode:
    """One operation of a :class:`NetGraph`.

    Parameters
    ----------
    id
        Unique name: 1-64 characters from ``A-Za-z0-9_.-``.
    op
        One of :data:`OPS`.
    inputs
        Ids of the nodes feeding this one (none for ``input``).
    layer
        The :class:`~kronconv.spec.Conv` / :class:`~kronconv.spec.Pool` of a
        ``conv`` / ``pool`` node; ``None`` otherwise.
    channels
        Channel count of an ``input`` node (other nodes derive theirs).
    """

    id: str
    op: str
    inputs: tuple[str, ...] = ()
    layer: Layer | ConvTranspose | Upsample | GlobalPool | None = None
    channels: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ID_RE.match(self.id):
            raise InvalidSpec(f"node id must be 1-64 characters from A-Za-z0-9_.-, got {self.id!r}")
        if self.op not in OPS:
            raise InvalidSpec(f"node {self.id!r}: op must be one of {', '.join(OPS)}, got {self.op!r}")
        if isinstance(self.inputs, str) or not all(isinstance(i, str) for i in self.inputs):
            raise InvalidSpec(f"node {self.id!r}: inputs must be a list of node ids, got {self.inputs!r}")
        object.__setattr__(self, "inputs", tuple(self.inputs))
        n = len(self.inputs)
        want = (0, 0) if self.op == "input" else (1, 1) if self.op in LAYER_OPS or self.op == "select" \
            else (2, MAX_NODES)
        if not want[0] <= n <= want[1]:
            need = "no inputs" if want == (0, 0) else "exactly 1 input" if want == (1, 1) else "at least 2 inputs"
            raise InvalidSpec(f"node {self.id!r}: op {self.op!r} needs {need}, got {n}")
        if len(set(self.inputs)) != n:
            raise InvalidSpec(f"node {self.id!r}: repeated input in {list(self.inputs)}")
        need = LAYER_OPS.get(self.op)
        if need is not None and not isinstance(self.layer, need):
            raise InvalidSpec(f"node {self.id!r}: op {self.op!r} needs a {need.__name__} layer")
        if need is None and self.layer is not None:
            raise InvalidSpec(f"node {self.id!r}: op {self.op!r} takes no layer")


@dataclass(frozen=True)
class NetGraph:
    """A validated DAG of :class:`NetNode` s, stored in topological order (input first).

    Use :meth:`build` to construct one from nodes in any order; it checks ids,
    arity, acyclicity, dims, channel counts, a single input and a single output
    (a unique node without successors, or the one named by ``output``), and
    that every node lies on a path from the input to the output.
    """

    nodes: tuple[NetNode, ...]
    output: str
    dims: int
    name: str = ""
    description: str = ""
    channels: tuple[int, ...] = field(default=(), compare=False)  #: output channels, per node
    #: What :meth:`build` left out and why (nodes that do not lead to the output).
    notes: tuple[str, ...] = field(default=(), compare=False)
    #: Which point of the fields merges must share: ``"centre"`` (default), or ``"end"`` for causal
    #: networks (WaveNet: every unit sees the past up to its own position), or ``"start"``.
    align: str = "centre"

    @classmethod
    def build(
        cls,
        nodes: Sequence[NetNode],
        *,
        dims: int,
        output: str | None = None,
        name: str = "",
        description: str = "",
        align: str = "centre",
    ) -> NetGraph:
        """Validate ``nodes`` (any order) and return the graph in topological order."""
        if align not in ALIGNS:
            raise InvalidSpec(f"align must be one of {', '.join(ALIGNS)}, got {align!r}")
        nodes = list(nodes)
        if not nodes:
            raise InvalidSpec("a graph needs at least 2 nodes (an input and one operation), got 0")
        if len(nodes) > MAX_NODES:
            raise InvalidSpec(f"a graph may have at most {MAX_NODES} nodes, got {len(nodes)}")
        by_id: dict[str, NetNode] = {}
        for node in nodes:
            if not isinstance(node, NetNode):
                raise InvalidSpec(f"graph nodes must be NetNode, got {type(node).__name__}")
            if node.id in by_id:
                raise InvalidSpec(f"duplicate node id {node.id!r}")
            by_id[node.id] = node
        inputs = [n.id for n in nodes if n.op == "input"]
        if len(inputs) != 1:
            raise InvalidSpec(f"a graph needs exactly 1 'input' node, got {len(inputs)} {inputs}")
        succ: dict[str, list[str]] = {n.id: [] for n in nodes}
        for node in nodes:
            for src in node.inputs:
                if src not in by_id:
                    raise InvalidSpec(f"node {node.id!r}: unknown input {src!r}")
                succ[src].append(node.id)
            if node.layer is not None and node.layer.dims != dims:
                raise InvalidSpec(f"node {node.id!r}: layer dims {node.layer.dims} differ from the graph's dims={dims}")
        # Kahn's algorithm, stable in the given order
        indeg = {n.id: len(n.inputs) for n in nodes}
        ready = [n.id for n in nodes if indeg[n.id] == 0]
        order: list[str] = []
        while ready:
            nid = ready.pop(0)
            order.append(nid)
            for w in succ[nid]:
                indeg[w] -= 1
                if indeg[w] == 0:
                    ready.append(w)
        if len(order) != len(nodes):
            cyc = sorted(nid for nid, d in indeg.items() if d > 0)
            raise InvalidSpec(f"the graph has a cycle through node(s) {cyc}")
        sinks = [nid for nid in order if not succ[nid]]
        if output is None:
            if len(sinks) != 1:
                raise InvalidSpec(f"the graph has {len(sinks)} nodes without successors {sinks}: "
                                  "name the one to analyse with 'output'")
            output = sinks[0]
        elif output not in by_id:
            raise InvalidSpec(f"output {output!r} is not a node id")
        # every node must lie on an input -> output path
        reach_out = {output}
        for nid in reversed(order):
            if any(w in reach_out for w in succ[nid]):
                reach_out.add(nid)
        dead = [nid for nid in order if nid not in reach_out]
        notes: tuple[str, ...] = ()
        if dead:
            if inputs[0] in dead:
                raise InvalidSpec(f"the output {output!r} does not depend on the input {inputs[0]!r}")
            shown = ", ".join(dead[:8]) + (f", ... ({len(dead)} in all)" if len(dead) > 8 else "")
            notes = (f"ignored {len(dead)} node(s) that do not lead to the output {output!r}: {shown}",)
            order = [nid for nid in order if nid in reach_out]
        if len(order) < 2:
            raise InvalidSpec("a graph needs at least 2 nodes (an input and one operation), got 1")
        ordered = tuple(by_id[nid] for nid in order)
        chans: dict[str, int] = {}
        for node in ordered:
            if node.op == "input":
                chans[node.id] = _check_channels(node.id, node.channels)
            elif isinstance(node.layer, (Conv, ConvTranspose)):
                cin = chans[node.inputs[0]]
                if node.layer.in_channels != cin:
                    raise InvalidSpec(f"node {node.id!r} expects in_channels={node.layer.in_channels} "
                                      f"but {node.inputs[0]!r} gives {cin}")
                chans[node.id] = node.layer.out_channels
            elif node.op in LAYER_OPS:
                chans[node.id] = chans[node.inputs[0]]
            elif node.op == "select":  # a subset of the channels (Split, Slice): spatially the identity
                got = _check_channels(node.id, node.channels)
                if got > chans[node.inputs[0]]:
                    raise InvalidSpec(f"node {node.id!r} (select) takes {got} channels but "
                                      f"{node.inputs[0]!r} gives {chans[node.inputs[0]]}")
                chans[node.id] = got
            elif node.op == "add":
                got = {src: chans[src] for src in node.inputs}
                if len(set(got.values())) != 1:
                    raise InvalidSpec(f"node {node.id!r} (add) needs equal channels, got {got}")
                chans[node.id] = next(iter(got.values()))
            else:  # concat
                chans[node.id] = _check_channels(node.id, sum(chans[src] for src in node.inputs))
        return cls(ordered, output, dims, name, description, tuple(chans[n.id] for n in ordered), notes, align)

    def __post_init__(self) -> None:
        if not self.channels:  # constructed directly, not via build(): validate the same way
            built = NetGraph.build(self.nodes, dims=self.dims, output=self.output, name=self.name,
                                   description=self.description, align=self.align)
            object.__setattr__(self, "nodes", built.nodes)
            object.__setattr__(self, "notes", built.notes)
            object.__setattr__(self, "channels", built.channels)

    def __len__(self) -> int:
        return len(self.nodes)

    def index(self, node_id: str) -> int:
        """Position of ``node_id`` in the topological order."""
        for i, n in enumerate(self.nodes):
            if n.id == node_id:
                return i
        raise InvalidSpec(f"unknown node id {node_id!r}")

    def node(self, node_id: str) -> NetNode:
        return self.nodes[self.index(node_id)]

    @property
    def input(self) -> NetNode:
        return self.nodes[0]

    def successors(self) -> dict[str, list[str]]:
        """Node id -> ids of the nodes it feeds (in topological order)."""
        out: dict[str, list[str]] = {n.id: [] for n in self.nodes}
        for n in self.nodes:
            for src in n.inputs:
                out[src].append(n.id)
        return out

    @property
    def is_chain(self) -> bool:
        """True when every node has at most one input and one successor."""
        return all(len(v) <= 1 for v in self.successors().values())

    def to_networkx(self) -> Any:
        """Layer-level :class:`networkx.DiGraph` (node attributes ``op`` and the layer's sizes)."""
        import networkx as nx

        g = nx.DiGraph(name=self.name)
        for n, ch in zip(self.nodes, self.channels):
            attrs: dict[str, Any] = {"op": n.op, "channels": ch}
            if n.layer is not None:
                for key in ("kernel", "dilation", "stride", "padding", "scale"):
                    if hasattr(n.layer, key):
                        attrs[key] = ",".join(map(str, getattr(n.layer, key)))
            g.add_node(n.id, **attrs)
            for src in n.inputs:
                g.add_edge(src, n.id)
        return g

    def to_dict(self) -> dict[str, Any]:
        """Spec-file data accepted back by :func:`graph_from_dict`."""
        nodes: list[dict[str, Any]] = []
        for n in self.nodes:
            item: dict[str, Any] = {"id": n.id, "op": n.op}
            if n.inputs:
                item["inputs"] = list(n.inputs)
            if n.op in ("input", "select"):
                item["channels"] = n.channels
            if isinstance(n.layer, (Conv, Pool)):
                lay = {k: v for k, v in Network((n.layer,)).to_dict()["layers"][0].items()
                       if k not in ("type", "name")}
                item.update(lay)
            elif n.layer is not None:
                item.update(n.layer.to_dict())
            nodes.append(item)
        out = {"name": self.name, "description": self.description, "dims": self.dims,
               "output": self.output, "nodes": nodes}
        if self.align != "centre":
            out["align"] = self.align
        return out


def _check_channels(node_id: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CHANNELS:
        raise InvalidSpec(f"node {node_id!r}: channels must be an integer in [1, {MAX_CHANNELS}], got {value!r}")
    return value


def from_network(net: Network) -> NetGraph:
    """The chain ``net`` as a graph: node ``input`` then ``layer1`` ... ``layerL`` (or the layer names).

    Examples
    --------
    >>> from kronconv.spec import chain
    >>> [n.id for n in from_network(chain(kernel=3, layers=2)).nodes]
    ['input', 'layer1', 'layer2']
    """
    nodes = [NetNode("input", "input", channels=net.in_channels)]
    used = {"input"}
    prev = "input"
    for i, layer in enumerate(net.layers, start=1):
        nid = layer.name if layer.name and _ID_RE.match(layer.name) and layer.name not in used else f"layer{i}"
        if nid in used:
            nid = f"layer{i}_{len(used)}"
        used.add(nid)
        nodes.append(NetNode(nid, layer.kind, (prev,), layer))
        prev = nid
    return NetGraph.build(nodes, dims=net.dims, name=net.name, description=net.description)


def _refit_channels(nodes: list[NetNode], g: NetGraph) -> list[NetNode]:
    """Convolutions fed by a concatenation that lost branches read fewer channels: refit their ``in_channels``
    (channels play no part in the spatial analysis; grouped convolutions cannot be refitted)."""
    from dataclasses import replace

    chans: dict[str, int] = {}
    out: list[NetNode] = []
    for n in nodes:
        if n.op == "input":
            chans[n.id] = n.channels
        elif isinstance(n.layer, (Conv, ConvTranspose)):
            cin = chans[n.inputs[0]]
            if cin != n.layer.in_channels:
                if n.layer.groups != 1:
                    raise InvalidSpec(f"node {n.id!r}: leaving out the global-pooling branches changes its "
                                      f"input channels, and it is a grouped convolution")
                n = NetNode(n.id, n.op, n.inputs, replace(n.layer, in_channels=cin), n.channels)
            chans[n.id] = n.layer.out_channels  # type: ignore[union-attr]
        elif n.op == "select":
            n = NetNode(n.id, n.op, n.inputs, None, min(n.channels, chans[n.inputs[0]]))
            chans[n.id] = n.channels
        elif n.op == "concat":
            chans[n.id] = sum(chans[s] for s in n.inputs)
        else:
            chans[n.id] = chans[n.inputs[0]]
        out.append(n)
    return out


def without_global(g: NetGraph) -> tuple[NetGraph, tuple[str, ...]]:
    """The graph without the paths through global pooling, and a note saying what was left out.

    A global pooling (or the resize that broadcasts its result back) makes every
    later unit depend on the whole input; the unit-level analysis
    (:mod:`kronconv.graph`) describes the *other* paths, so this drops the
    global nodes and everything fed only by them, and removes them from merges
    (a merge left with one input becomes that input).

    Examples
    --------
    >>> from kronconv.layers import GlobalPool, Upsample
    >>> g = NetGraph.build([NetNode("x", "input"), NetNode("c", "conv", ("x",), Conv(3, dims=1)),
    ...     NetNode("gp", "global", ("x",), GlobalPool(dims=1)),
    ...     NetNode("b", "upsample", ("gp",), Upsample(size=5, dims=1)),
    ...     NetNode("cat", "concat", ("c", "b"))], dims=1)
    >>> h, notes = without_global(g)
    >>> [n.id for n in h.nodes], h.output
    (['x', 'c'], 'c')
    """
    dropped: set[str] = set()
    alias: dict[str, str] = {}
    kept: list[NetNode] = []
    for n in g.nodes:
        ins = tuple(alias.get(s, s) for s in n.inputs)
        if n.layer is not None:
            is_global = isinstance(n.layer, GlobalPool) or (isinstance(n.layer, Upsample) and n.layer.size is not None)
            if is_global or ins[0] in dropped:
                dropped.add(n.id)
                continue
        elif n.op == "select":
            if ins[0] in dropped:
                dropped.add(n.id)
                continue
        elif n.op != "input":
            live = tuple(s for s in ins if s not in dropped)
            if not live:
                dropped.add(n.id)
                continue
            if len(live) == 1:
                alias[n.id] = live[0]
                continue
            ins = live
        kept.append(NetNode(n.id, n.op, ins, n.layer, n.channels))
    if not dropped:
        return g, ()
    kept = _refit_channels(kept, g)
    gone = sorted(dropped)
    note = (f"left out {len(gone)} node(s) on paths through global pooling (they see the whole input): "
            + ", ".join(gone[:8]) + (", ..." if len(gone) > 8 else ""))
    out = alias.get(g.output, g.output)
    if out in dropped:
        pools = [n for n in g.nodes if n.op == "global"]
        if len(pools) != 1:
            raise InvalidSpec(f"every path to the output {g.output!r} passes through global pooling "
                              f"({', '.join(n.id for n in pools)}): its field is the whole input")
        target = alias.get(pools[0].inputs[0], pools[0].inputs[0])
        note = (f"the output {g.output!r} depends on the whole input through the global pooling "
                f"{pools[0].id!r}; analysed instead: its input {target!r}")
        out = target
    built = NetGraph.build(kept, dims=g.dims, output=out, name=g.name, description=g.description,
                           align=g.align)
    return built, g.notes + built.notes + (note,)
