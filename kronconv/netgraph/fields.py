r"""Receptive fields of every node of a :class:`~kronconv.netgraph.NetGraph` and the alignment check at merges.

The forward and reverse recursions and the alignment rule are described in the
:mod:`kronconv.netgraph` docstring; all arithmetic is exact (integers and
:class:`~fractions.Fraction`).

Layers that change the resolution upwards have fractional effective strides:
a transposed convolution of stride :math:`s` divides the stride by :math:`s`,
an upsampling by :math:`c` by :math:`c`.  The *reverse* pass maps an interval
of a node's units to the exact hull of the input units they read (for a
transposed convolution, the taps :math:`t` with :math:`u + p - t d \equiv 0
\pmod s`; for upsampling, :math:`\lfloor u / c 
floor` or the two linear
neighbours), so the network's field of one output unit is exact.  The
*forward* pass describes unit 0 of every node: exact through convolutions,
pools and upsampling; through a transposed convolution it places unit 0 at its
fractional input position :math:`(p - t d)/s` (the continuous model).

Global pooling makes a node depend on the whole input: its field is reported
as ``None`` ("whole input"), merges with it are aligned by definition (a map
constant in space), and the network's :attr:`NetFieldReport.receptive_field`
is the field through the paths that avoid global pooling, with
:attr:`NetFieldReport.whole_input` saying that the output also sees everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .._util import squash as _squash
from ..errors import InvalidSpec
from ..layers import ConvTranspose, GlobalPool, Upsample
from .model import NetGraph

Num = int | Fraction


def _num(x: Any) -> Any:
    """An exact number as JSON: int when integral, float when exact in binary, else ``"p/q"``."""
    x = Fraction(x)
    if x.denominator == 1:
        return int(x)
    if x.denominator & (x.denominator - 1) == 0:
        return float(x)
    return f"{x.numerator}/{x.denominator}"


def _i(x: Fraction) -> Num:
    return int(x) if x.denominator == 1 else x

__all__ = [
    "Misalignment",
    "NetFieldReport",
    "NodeField",
    "net_fields",
]

@dataclass(frozen=True)
class NodeField:
    """Receptive-field arithmetic of one node, per axis.

    ``receptive_field``, ``effective_stride`` and ``offset`` describe the node's
    own field with respect to the input (forward pass); ``output_*`` describe
    the chosen output's field measured in this node's coordinates (reverse pass).
    """

    id: str
    op: str
    receptive_field: tuple[Num, ...] | None  #: None: the whole input (global pooling upstream)
    effective_stride: tuple[Num, ...]
    offset: tuple[Num, ...]
    output_receptive_field: tuple[int, ...]
    output_stride: tuple[Num, ...]
    output_padding: tuple[int, ...]
    #: True when the output reaches this node through a global pooling (it then needs all of it).
    output_whole: bool = False

    @property
    def whole_input(self) -> bool:
        """True when this node's units depend on the whole input (global pooling upstream)."""
        return self.receptive_field is None

    @property
    def effective_padding(self) -> tuple[Num, ...]:
        """:math:`P = -o`: how far unit 0's field reaches left of the input."""
        return tuple(-o for o in self.offset)

    @property
    def centre(self) -> tuple[Fraction, ...]:
        """Centre :math:`o + (r - 1)/2` of unit 0's field, in input pixels (empty for a whole-input node)."""
        if self.receptive_field is None:
            return ()
        return tuple(o + Fraction(r - 1, 2) for o, r in zip(self.offset, self.receptive_field))


@dataclass(frozen=True)
class Misalignment:
    """Two paths into a merge whose fields are not centred alike (or not strided alike)."""

    node: str
    input: str
    reference: str
    centre_offset: tuple[Fraction, ...]  #: centre(input) - centre(reference) (or ends/starts, by the graph's align)
    strides: tuple[tuple[Num, ...], tuple[Num, ...]]  #: effective strides (reference, input)
    align: str = "centre"  #: the graph's alignment rule

    def describe(self) -> str:
        off = ",".join(_frac(c) for c in self.centre_offset)
        what = {"end": "ends", "start": "starts"}.get(self.align, "is centred")
        msg = f"{self.node}: input {self.input!r} {what} {off} px from {self.reference!r}"
        if self.strides[0] != self.strides[1]:
            msg += (f"; effective strides differ ({','.join(map(_frac, self.strides[0]))} vs "
                    f"{','.join(map(_frac, self.strides[1]))})")
        return msg


def _frac(x: Any) -> str:
    x = Fraction(x)
    return str(x.numerator) if x.denominator == 1 else f"{float(x):g}"


@dataclass(frozen=True)
class NetFieldReport:
    """Fields of every node of a :class:`NetGraph` and the alignment verdict."""

    graph: NetGraph
    fields: tuple[NodeField, ...]
    misalignments: tuple[Misalignment, ...]
    unit: tuple[int, ...] = ()  #: the output unit of the reverse pass (0 on every axis by default)

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
        """The output unit's receptive field on the input: the reverse pass at the input node (exact hull),
        through the paths that avoid global pooling (see :attr:`whole_input`)."""
        return self.fields[0].output_receptive_field

    @property
    def whole_input(self) -> bool:
        """True when a path through global pooling makes the output depend on the whole input."""
        return self.fields[0].output_whole

    @property
    def effective_stride(self) -> tuple[Num, ...]:
        return self.fields[0].output_stride

    @property
    def effective_padding(self) -> tuple[int, ...]:
        """Minus the left edge of the output unit's field (the effective padding for unit 0)."""
        return self.fields[0].output_padding

    @property
    def global_nodes(self) -> tuple[str, ...]:
        """Nodes that pool globally (their successors see the whole input)."""
        return tuple(n.id for n in self.graph.nodes if n.op == "global")

    def to_dict(self) -> dict[str, Any]:
        sq = _squash
        return {
            "network": self.graph.name,
            "description": self.graph.description,
            "dims": self.graph.dims,
            "output": self.graph.output,
            "unit": sq(self.unit),
            "receptive_field": "whole input" if self.whole_input else sq(self.receptive_field),
            "whole_input": self.whole_input,
            "other_paths_receptive_field": sq(self.receptive_field) if self.whole_input else None,
            "global_pooling": list(self.global_nodes),
            "effective_stride": sq([_num(v) for v in self.effective_stride]),
            "effective_padding": sq(self.effective_padding),
            "notes": list(self.graph.notes),
            "align": self.graph.align,
            "aligned": self.aligned,
            "misalignments": [
                {"node": m.node, "input": m.input, "reference": m.reference,
                 "centre_offset": sq([_num(c) for c in m.centre_offset]),
                 "strides": [sq([_num(v) for v in m.strides[0]]), sq([_num(v) for v in m.strides[1]])],
                 "message": m.describe()}
                for m in self.misalignments
            ],
            "nodes": [
                {"id": f.id, "op": f.op, "inputs": list(n.inputs), "channels": ch,
                 "receptive_field": "whole input" if f.receptive_field is None else
                 sq([_num(v) for v in f.receptive_field]),
                 "effective_stride": sq([_num(v) for v in f.effective_stride]),
                 "effective_padding": sq([_num(v) for v in f.effective_padding]),
                 "offset": sq([_num(v) for v in f.offset]),
                 "centre": sq([_num(c) for c in f.centre]) if f.centre else "-",
                 "output_receptive_field": sq(f.output_receptive_field),
                 "output_stride": sq([_num(v) for v in f.output_stride]),
                 "output_padding": sq(f.output_padding), "output_whole_input": f.output_whole}
                for f, n, ch in zip(self.fields, self.graph.nodes, self.graph.channels)
            ],
        }


def _reverse_interval(layer: Any, ax: int, a: int, b: int) -> tuple[int, int] | None:
    """Hull of the input units read by units ``a..b`` of a layer on axis ``ax`` (``None``: none read)."""
    if isinstance(layer, Upsample):
        c = layer.scale[ax]  # type: ignore[index]
        if layer.mode == "nearest":
            return a // c, b // c
        # linear, half-pixel: unit u samples x = (2u + 1 - c) / (2c); reads floor(x) and ceil(x)
        return (2 * a + 1 - c) // (2 * c), -((-(2 * b + 1 - c)) // (2 * c))
    if isinstance(layer, ConvTranspose):
        s, d, p, k = layer.stride[ax], layer.dilation[ax], layer.padding[ax], layer.kernel[ax]  # type: ignore[index]
        lo: int | None = None
        hi: int | None = None
        for t in range(k):
            u = a + (-(a + p - t * d)) % s  # first unit >= a that tap t connects to an input unit
            if u <= b:
                i = (u + p - t * d) // s
                lo = i if lo is None else min(lo, i)
            u = b - (b + p - t * d) % s
            if u >= a:
                i = (u + p - t * d) // s
                hi = i if hi is None else max(hi, i)
        return None if lo is None or hi is None else (lo, hi)
    kap, s, p = layer.effective_kernel[ax], layer.stride[ax], layer.padding[ax]
    return a * s - p, b * s - p + kap - 1


def _reverse_stride(layer: Any, ax: int) -> Fraction:
    """Units of the layer's input per unit of its output."""
    if isinstance(layer, Upsample):
        return Fraction(1, layer.scale[ax])  # type: ignore[index]
    if isinstance(layer, ConvTranspose):
        return Fraction(1, layer.stride[ax])  # type: ignore[index]
    return Fraction(layer.stride[ax])


def _is_global(layer: Any) -> bool:
    return isinstance(layer, GlobalPool) or (isinstance(layer, Upsample) and layer.size is not None)


def _forward_layer(layer: Any, ax: int, lo: Fraction, hi: Fraction, j: Fraction) -> tuple[Fraction, Fraction, Fraction]:
    """Unit 0's field (left, right) and the stride after ``layer``, from its input's."""
    if isinstance(layer, Upsample):
        c = layer.scale[ax]  # type: ignore[index]
        if layer.mode == "linear" and c > 1:  # unit 0 samples x = (1 - c) / (2c) in (-1/2, 0): units -1 and 0
            return lo - j, hi, j / c
        return lo, hi, j / c
    if isinstance(layer, ConvTranspose):
        s, d, p, k = layer.stride[ax], layer.dilation[ax], layer.padding[ax], layer.kernel[ax]  # type: ignore[index]
        xs = [Fraction(p - t * d, s) for t in range(k)]
        exact = [x for x in xs if x.denominator == 1]
        xs = exact or xs  # unit 0's own inputs; the continuous positions when it receives none
        return lo + min(xs) * j, hi + max(xs) * j, j / s
    kap, s, p = layer.effective_kernel[ax], layer.stride[ax], layer.padding[ax]
    nlo = lo - p * j
    return nlo, nlo + (hi - lo) + (kap - 1) * j, j * s


def net_fields(g: NetGraph, unit: Any = None) -> NetFieldReport:
    """Receptive field, effective stride/padding of every node, and the alignment check.

    See the module docstring for the recursions.  All arithmetic is exact
    (Python ints and :class:`~fractions.Fraction`).  ``unit`` picks the output
    unit of the reverse pass (default 0 on every axis); it matters only where
    strides are fractional, since elsewhere the field of unit ``u`` is that of
    unit 0 shifted by ``u`` times the effective stride.

    Examples
    --------
    >>> from kronconv.netgraph import from_network
    >>> from kronconv.spec import chain
    >>> rep = net_fields(from_network(chain(kernel=3, dilations=[1, 2, 4], paddings=[1, 2, 4], dims=1)))
    >>> rep.output.receptive_field, rep.output.effective_padding, rep.fields[0].output_receptive_field
    ((15,), (7,), (15,))
    """
    dims = g.dims
    if unit is None:
        unit_t = (0,) * dims
    else:
        unit_t = tuple(unit) if isinstance(unit, (list, tuple)) else (unit,) * dims
        if len(unit_t) != dims or not all(isinstance(u, int) and not isinstance(u, bool) for u in unit_t):
            raise InvalidSpec(f"unit must be {dims} integer(s), got {unit!r}")
    one = Fraction(1)
    # forward: (left, right, stride) of unit 0's field per axis, w.r.t. the input; None = whole input
    fwd: dict[str, tuple[list[Fraction], list[Fraction], list[Fraction]] | None] = {}
    misalign: list[Misalignment] = []
    for node in g.nodes:
        if node.op == "input":
            fwd[node.id] = ([Fraction(0)] * dims, [Fraction(0)] * dims, [one] * dims)
        elif node.layer is not None:
            src = fwd[node.inputs[0]]
            if _is_global(node.layer):
                if isinstance(node.layer, Upsample) and src is not None:
                    raise InvalidSpec(f"node {node.id!r}: a resize to a fixed size is only supported after "
                                      "global pooling (its input must be constant in space); use an "
                                      "integer scale")
                fwd[node.id] = None
            elif src is None:
                fwd[node.id] = None
            else:
                lo, hi, j = src
                parts = [_forward_layer(node.layer, ax, lo[ax], hi[ax], j[ax]) for ax in range(dims)]
                fwd[node.id] = ([q[0] for q in parts], [q[1] for q in parts], [q[2] for q in parts])
        else:
            ins = [(s, fwd[s]) for s in node.inputs]
            local = [(s, f) for s, f in ins if f is not None]
            if len(local) < len(ins):
                fwd[node.id] = None
            else:
                fwd[node.id] = ([min(f[0][ax] for _, f in local) for ax in range(dims)],
                                [max(f[1][ax] for _, f in local) for ax in range(dims)],
                                [max(f[2][ax] for _, f in local) for ax in range(dims)])
            if len(local) >= 2:
                ref, (rlo, rhi, rj) = local[0]
                for src, (slo, shi, sj) in local[1:]:
                    if g.align == "end":
                        off = tuple(shi[a] - rhi[a] for a in range(dims))
                    elif g.align == "start":
                        off = tuple(slo[a] - rlo[a] for a in range(dims))
                    else:
                        off = tuple((slo[a] + shi[a] - rlo[a] - rhi[a]) / 2 for a in range(dims))
                    if any(off) or sj != rj:
                        misalign.append(Misalignment(node.id, src, ref, off,
                                                     (tuple(map(_i, rj)), tuple(map(_i, sj))), g.align))
    # reverse: the output unit's field in each node's coordinates, (left, right, stride), hull over paths
    rev: dict[str, tuple[list[int], list[int], list[Fraction]]] = {
        g.output: (list(unit_t), list(unit_t), [one] * dims)}
    whole: dict[str, bool] = {g.output: False}
    succ = g.successors()
    for node in reversed(g.nodes):
        if node.id == g.output:
            continue
        cands = []
        whole[node.id] = False
        for wid in succ[node.id]:
            w = g.node(wid)
            if whole.get(wid) or (w.layer is not None and _is_global(w.layer)):
                whole[node.id] = True
            if wid not in rev or (w.layer is not None and _is_global(w.layer)):
                continue
            lo, hi, S = rev[wid]
            if w.layer is None:
                cands.append((lo, hi, S))
                continue
            iv = [_reverse_interval(w.layer, ax, lo[ax], hi[ax]) for ax in range(dims)]
            if any(x is None for x in iv):
                continue
            cands.append(([x[0] for x in iv if x], [x[1] for x in iv if x],
                          [S[ax] * _reverse_stride(w.layer, ax) for ax in range(dims)]))
        if cands:
            rev[node.id] = ([min(c[0][a] for c in cands) for a in range(dims)],
                            [max(c[1][a] for c in cands) for a in range(dims)],
                            [max(c[2][a] for c in cands) for a in range(dims)])
    fields = []
    for node in g.nodes:
        f = fwd[node.id]
        rlo, rhi, rS = rev.get(node.id, ([0] * dims, [-1] * dims, [Fraction(0)] * dims))
        if f is None:
            rf, js, offs = None, (), ()
        else:
            lo, hi, j = f
            rf = tuple(_i(h - l + 1) for l, h in zip(lo, hi))
            js, offs = tuple(map(_i, j)), tuple(map(_i, lo))
        fields.append(NodeField(
            node.id, node.op, rf, js, offs,
            tuple(h - l + 1 for l, h in zip(rlo, rhi)), tuple(map(_i, rS)), tuple(-l for l in rlo),
            whole[node.id],
        ))
    return NetFieldReport(g, tuple(fields), tuple(misalign), unit_t)

