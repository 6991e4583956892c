r"""Layer-level graphs of branching networks: residual additions, concatenations, parallel branches.

A :class:`NetGraph` is a directed acyclic graph of :class:`NetNode` s, each one
operation: ``input`` (exactly one), ``conv`` / ``pool`` (one input, a
:class:`~kronconv.spec.Conv` or :class:`~kronconv.spec.Pool` layer),
``add`` (residual sum, two or more inputs with equal channels) or ``concat``
(channel concatenation, two or more inputs).  A chain of layers is the special
case :func:`from_network`.

:func:`net_fields` computes, for every node and every axis (Araujo, Norris & Sim
2019, "Computing Receptive Fields of CNNs", section on branching graphs):

* **forward, in topological order** -- the node's field with respect to the
  input: receptive field :math:`r`, effective stride :math:`J` and offset
  :math:`o` (left edge of unit 0's field; the effective padding is :math:`P = -o`),
  with :math:`r = r_{in} + (\kappa - 1) J_{in}`, :math:`J = s J_{in}`,
  :math:`o = o_{in} - p J_{in}` through a conv/pool and the *hull over paths* at a
  merge (left edge = min, right edge = max), which equals the maximum over paths
  whenever the paths are aligned (it is exact when the merging paths share the
  effective stride, as alignment requires; otherwise the larger stride is kept);
* **reverse, in reverse topological order** -- the output's field measured in
  the node's coordinates, :math:`r_v = s_w r_w + (\kappa_w - s_w)`,
  :math:`S_v = s_w S_w`, :math:`P_v = s_w P_w + p_w` over each successor
  :math:`w`, again the hull (maximum) over paths -- exact for any graph, since
  each step maps an interval of units to an interval of inputs monotonically.
  The network's receptive field, stride and padding
  (:attr:`NetFieldReport.receptive_field` ...) are this pass at the input node;
  it equals the forward result at the output node (a tested identity);
* an **alignment check** at every ``add`` / ``concat``: the fields of all its
  inputs must have the same effective stride and the same centre
  :math:`o + (r - 1)/2`; otherwise a :class:`Misalignment` names the node, the
  input and the centre offset in input pixels.

Examples
--------
>>> from kronconv.spec import Conv
>>> g = NetGraph.build([
...     NetNode("x", "input"),
...     NetNode("a", "conv", ("x",), Conv(3, padding=1, dims=1)),
...     NetNode("b", "conv", ("a",), Conv(3, padding=1, dims=1)),
...     NetNode("sum", "add", ("x", "b")),
... ], dims=1)
>>> rep = net_fields(g)
>>> rep.field("sum").receptive_field, rep.aligned
((5,), True)
>>> bad = NetGraph.build([
...     NetNode("x", "input"),
...     NetNode("a", "conv", ("x",), Conv(3, padding=0, dims=1)),
...     NetNode("sum", "add", ("x", "a")),
... ], dims=1)
>>> net_fields(bad).misalignments[0].centre_offset
(Fraction(1, 1),)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import InvalidSpec
from ..spec import (
    MAX_CHANNELS,
    MAX_LAYERS,
    Conv,
    Layer,
    Network,
    Pool,
    layer_from_dict,
    read_spec_data,
)

__all__ = [
    "MAX_NODES",
    "OPS",
    "Misalignment",
    "NetFieldReport",
    "NetGraph",
    "NetNode",
    "NodeField",
    "from_network",
    "graph_from_dict",
    "is_graph_spec",
    "load_graph_spec",
    "net_fields",
    "read_spec_data",
]

#: Operations a node may perform.
OPS = ("input", "conv", "pool", "add", "concat")
#: Largest number of nodes in one graph: a chain's layers plus its input node.
MAX_NODES = MAX_LAYERS + 1
_ID_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_GRAPH_KEYS = {"name", "description", "dims", "in_channels", "output", "nodes"}
_NODE_KEYS = {"id", "op", "inputs", "channels"}


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
    layer: Layer | None = None
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
        want = {"input": (0, 0), "conv": (1, 1), "pool": (1, 1)}.get(self.op, (2, MAX_NODES))
        if not want[0] <= n <= want[1]:
            need = "no inputs" if want == (0, 0) else "exactly 1 input" if want == (1, 1) else "at least 2 inputs"
            raise InvalidSpec(f"node {self.id!r}: op {self.op!r} needs {need}, got {n}")
        if len(set(self.inputs)) != n:
            raise InvalidSpec(f"node {self.id!r}: repeated input in {list(self.inputs)}")
        if self.op == "conv" and not isinstance(self.layer, Conv):
            raise InvalidSpec(f"node {self.id!r}: op 'conv' needs a Conv layer")
        if self.op == "pool" and not isinstance(self.layer, Pool):
            raise InvalidSpec(f"node {self.id!r}: op 'pool' needs a Pool layer")
        if self.op not in ("conv", "pool") and self.layer is not None:
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

    @classmethod
    def build(
        cls,
        nodes: Sequence[NetNode],
        *,
        dims: int,
        output: str | None = None,
        name: str = "",
        description: str = "",
    ) -> NetGraph:
        """Validate ``nodes`` (any order) and return the graph in topological order."""
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
        if dead:
            raise InvalidSpec(f"node(s) {dead} do not lead to the output {output!r}")
        if len(nodes) < 2:
            raise InvalidSpec("a graph needs at least 2 nodes (an input and one operation), got 1")
        ordered = tuple(by_id[nid] for nid in order)
        chans: dict[str, int] = {}
        for node in ordered:
            if node.op == "input":
                chans[node.id] = _check_channels(node.id, node.channels)
            elif isinstance(node.layer, Conv):
                cin = chans[node.inputs[0]]
                if node.layer.in_channels != cin:
                    raise InvalidSpec(f"node {node.id!r} expects in_channels={node.layer.in_channels} "
                                      f"but {node.inputs[0]!r} gives {cin}")
                chans[node.id] = node.layer.out_channels
            elif node.op == "pool":
                chans[node.id] = chans[node.inputs[0]]
            elif node.op == "add":
                got = {src: chans[src] for src in node.inputs}
                if len(set(got.values())) != 1:
                    raise InvalidSpec(f"node {node.id!r} (add) needs equal channels, got {got}")
                chans[node.id] = next(iter(got.values()))
            else:  # concat
                chans[node.id] = _check_channels(node.id, sum(chans[src] for src in node.inputs))
        return cls(ordered, output, dims, name, description, tuple(chans[n.id] for n in ordered))

    def __post_init__(self) -> None:
        if not self.channels:  # constructed directly, not via build(): validate the same way
            built = NetGraph.build(self.nodes, dims=self.dims, output=self.output, name=self.name,
                                   description=self.description)
            object.__setattr__(self, "nodes", built.nodes)
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
                for key in ("kernel", "dilation", "stride", "padding"):
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
            if n.op == "input":
                item["channels"] = n.channels
            if n.layer is not None:
                lay = {k: v for k, v in Network((n.layer,)).to_dict()["layers"][0].items()
                       if k not in ("type", "name")}
                item.update(lay)
            nodes.append(item)
        return {"name": self.name, "description": self.description, "dims": self.dims,
                "output": self.output, "nodes": nodes}


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


# --------------------------------------------------------------------------- spec files


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
    kronconv.errors.InvalidSpec: spec: nodes[0]: node 'x': op must be one of input, conv, pool, add, concat, got 'relu'
    """
    from ..spec import MAX_SPEC_DEPTH, _depth, check_top_level

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
            if op in ("conv", "pool"):
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
                if op != "input" and "channels" in item:
                    raise InvalidSpec(f"node {nid!r}: key 'channels' is only for the input node")
                ch = item.get("channels", default_ch) if op == "input" else 1
                node = NetNode(nid, op, tuple(inputs), None, _check_channels(nid, ch))
                for src in inputs:
                    if src not in chans:
                        make(src, stack + (nid,))
                if op == "input":
                    chans[nid] = node.channels
                elif op == "add":
                    chans[nid] = chans[inputs[0]]
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
                              description=description)
    except InvalidSpec as exc:
        raise InvalidSpec(f"{source}: {exc}") from None


def load_graph_spec(path: str | Path) -> NetGraph:
    """Load a graph spec file (top-level ``nodes``); the file stem names an unnamed graph."""
    data = read_spec_data(path)
    if not is_graph_spec(data):
        raise InvalidSpec(f"{str(path)!r} has no 'nodes' list: it is not a graph spec")
    g = graph_from_dict(data, source=str(path))
    return g if g.name else replace(g, name=Path(path).stem)


# --------------------------------------------------------------------------- fields


@dataclass(frozen=True)
class NodeField:
    """Receptive-field arithmetic of one node, per axis.

    ``receptive_field``, ``effective_stride`` and ``offset`` describe the node's
    own field with respect to the input (forward pass); ``output_*`` describe
    the chosen output's field measured in this node's coordinates (reverse pass).
    """

    id: str
    op: str
    receptive_field: tuple[int, ...]
    effective_stride: tuple[int, ...]
    offset: tuple[int, ...]
    output_receptive_field: tuple[int, ...]
    output_stride: tuple[int, ...]
    output_padding: tuple[int, ...]

    @property
    def effective_padding(self) -> tuple[int, ...]:
        """:math:`P = -o`: how far unit 0's field reaches left of the input."""
        return tuple(-o for o in self.offset)

    @property
    def centre(self) -> tuple[Fraction, ...]:
        """Centre :math:`o + (r - 1)/2` of unit 0's field, in input pixels."""
        return tuple(o + Fraction(r - 1, 2) for o, r in zip(self.offset, self.receptive_field))


@dataclass(frozen=True)
class Misalignment:
    """Two paths into a merge whose fields are not centred alike (or not strided alike)."""

    node: str
    input: str
    reference: str
    centre_offset: tuple[Fraction, ...]  #: centre(input) - centre(reference), input pixels per axis
    strides: tuple[tuple[int, ...], tuple[int, ...]]  #: effective strides (reference, input)

    def describe(self) -> str:
        off = ",".join(_frac(c) for c in self.centre_offset)
        msg = f"{self.node}: input {self.input!r} is centred {off} px from {self.reference!r}"
        if self.strides[0] != self.strides[1]:
            msg += (f"; effective strides differ ({','.join(map(str, self.strides[0]))} vs "
                    f"{','.join(map(str, self.strides[1]))})")
        return msg


def _frac(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{float(x):g}"


@dataclass(frozen=True)
class NetFieldReport:
    """Fields of every node of a :class:`NetGraph` and the alignment verdict."""

    graph: NetGraph
    fields: tuple[NodeField, ...]
    misalignments: tuple[Misalignment, ...]

    @property
    def aligned(self) -> bool:
        return not self.misalignments

    def field(self, node_id: str) -> NodeField:
        return self.fields[self.graph.index(node_id)]

    @property
    def output(self) -> NodeField:
        return self.field(self.graph.output)

    @property
    def receptive_field(self) -> tuple[int, ...]:
        """The output's receptive field on the input: the reverse pass at the input node (exact hull)."""
        return self.fields[0].output_receptive_field

    @property
    def effective_stride(self) -> tuple[int, ...]:
        return self.fields[0].output_stride

    @property
    def effective_padding(self) -> tuple[int, ...]:
        return self.fields[0].output_padding

    def to_dict(self) -> dict[str, Any]:
        sq = _squash
        return {
            "network": self.graph.name,
            "description": self.graph.description,
            "dims": self.graph.dims,
            "output": self.graph.output,
            "receptive_field": sq(self.receptive_field),
            "effective_stride": sq(self.effective_stride),
            "effective_padding": sq(self.effective_padding),
            "aligned": self.aligned,
            "misalignments": [
                {"node": m.node, "input": m.input, "reference": m.reference,
                 "centre_offset": sq([_num(c) for c in m.centre_offset]),
                 "strides": [sq(list(m.strides[0])), sq(list(m.strides[1]))], "message": m.describe()}
                for m in self.misalignments
            ],
            "nodes": [
                {"id": f.id, "op": f.op, "inputs": list(n.inputs), "channels": ch,
                 "receptive_field": sq(f.receptive_field), "effective_stride": sq(f.effective_stride),
                 "effective_padding": sq(f.effective_padding), "centre": sq([_num(c) for c in f.centre]),
                 "output_receptive_field": sq(f.output_receptive_field),
                 "output_stride": sq(f.output_stride), "output_padding": sq(f.output_padding)}
                for f, n, ch in zip(self.fields, self.graph.nodes, self.graph.channels)
            ],
        }


def _num(x: Fraction) -> int | float:
    return int(x) if x.denominator == 1 else float(x)


def _squash(values: Sequence[Any]) -> Any:
    values = list(values)
    return values[0] if all(v == values[0] for v in values) else values


def _layer_params(layer: Layer, ax: int) -> tuple[int, int, int]:
    """(dilated extent kappa, stride, padding) of ``layer`` on axis ``ax``."""
    return layer.effective_kernel[ax], layer.stride[ax], layer.padding[ax]  # type: ignore[index]


def net_fields(g: NetGraph) -> NetFieldReport:
    """Receptive field, effective stride/padding of every node, and the alignment check.

    See the module docstring for the recursions.  All arithmetic is exact
    (Python ints; centres are :class:`~fractions.Fraction`).

    Examples
    --------
    >>> from kronconv.spec import chain
    >>> rep = net_fields(from_network(chain(kernel=3, dilations=[1, 2, 4], paddings=[1, 2, 4], dims=1)))
    >>> rep.output.receptive_field, rep.output.effective_padding, rep.fields[0].output_receptive_field
    ((15,), (7,), (15,))
    """
    dims = g.dims
    # forward: (left, right, stride) of unit 0's field per axis, w.r.t. the input
    fwd: dict[str, tuple[list[int], list[int], list[int]]] = {}
    misalign: list[Misalignment] = []
    for node in g.nodes:
        if node.op == "input":
            fwd[node.id] = ([0] * dims, [0] * dims, [1] * dims)
        elif node.layer is not None:
            lo, hi, j = fwd[node.inputs[0]]
            nlo, nhi, nj = [], [], []
            for ax in range(dims):
                kap, s, p = _layer_params(node.layer, ax)
                nlo.append(lo[ax] - p * j[ax])
                nhi.append(nlo[-1] + (hi[ax] - lo[ax]) + (kap - 1) * j[ax])
                nj.append(j[ax] * s)
            fwd[node.id] = (nlo, nhi, nj)
        else:
            ins = [fwd[s] for s in node.inputs]
            lo = [min(f[0][ax] for f in ins) for ax in range(dims)]
            hi = [max(f[1][ax] for f in ins) for ax in range(dims)]
            j = [max(f[2][ax] for f in ins) for ax in range(dims)]
            fwd[node.id] = (lo, hi, j)
            ref = node.inputs[0]
            rlo, rhi, rj = fwd[ref]
            for src in node.inputs[1:]:
                slo, shi, sj = fwd[src]
                off = tuple(Fraction(slo[a] + shi[a] - rlo[a] - rhi[a], 2) for a in range(dims))
                if any(off) or sj != rj:
                    misalign.append(Misalignment(node.id, src, ref, off, (tuple(rj), tuple(sj))))
    # reverse: output's field in each node's coordinates: (left, right, stride) with left = -P
    rev: dict[str, tuple[list[int], list[int], list[int]]] = {g.output: ([0] * dims, [0] * dims, [1] * dims)}
    succ = g.successors()
    for node in reversed(g.nodes):
        if node.id == g.output:
            continue
        cands = []
        for wid in succ[node.id]:
            if wid not in rev:
                continue
            lo, hi, S = rev[wid]
            w = g.node(wid)
            if w.layer is None:
                cands.append((lo, hi, S))
                continue
            nlo, nhi, nS = [], [], []
            for ax in range(dims):
                kap, s, p = _layer_params(w.layer, ax)
                # r_v = s r_w + (kappa - s), P_v = s P_w + p
                nlo.append(s * lo[ax] - p)
                nhi.append(nlo[-1] + s * (hi[ax] - lo[ax] + 1) + (kap - s) - 1)
                nS.append(s * S[ax])
            cands.append((nlo, nhi, nS))
        if cands:
            rev[node.id] = ([min(c[0][a] for c in cands) for a in range(dims)],
                            [max(c[1][a] for c in cands) for a in range(dims)],
                            [max(c[2][a] for c in cands) for a in range(dims)])
    fields = []
    for node in g.nodes:
        lo, hi, j = fwd[node.id]
        rlo, rhi, rS = rev.get(node.id, ([0] * dims, [-1] * dims, [0] * dims))
        fields.append(NodeField(
            node.id, node.op,
            tuple(h - l + 1 for l, h in zip(lo, hi)), tuple(j), tuple(lo),
            tuple(h - l + 1 for l, h in zip(rlo, rhi)), tuple(rS), tuple(-l for l in rlo),
        ))
    return NetFieldReport(g, tuple(fields), tuple(misalign))
