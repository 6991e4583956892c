r"""Receptive fields of every node of a :class:`~kronconv.netgraph.NetGraph` and the alignment check at merges.

The forward and reverse recursions and the alignment rule are described in the
:mod:`kronconv.netgraph` docstring; all arithmetic is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .._util import exact_number as _num
from .._util import squash as _squash
from ..spec import Layer
from .model import NetGraph

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


def _layer_params(layer: Layer, ax: int) -> tuple[int, int, int]:
    """(dilated extent kappa, stride, padding) of ``layer`` on axis ``ax``."""
    return layer.effective_kernel[ax], layer.stride[ax], layer.padding[ax]  # type: ignore[index]


def net_fields(g: NetGraph) -> NetFieldReport:
    """Receptive field, effective stride/padding of every node, and the alignment check.

    See the module docstring for the recursions.  All arithmetic is exact
    (Python ints; centres are :class:`~fractions.Fraction`).

    Examples
    --------
    >>> from kronconv.netgraph import from_network
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
