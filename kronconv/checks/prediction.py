r"""The equivariance a network's graph predicts: shift lattice per axis, border width, and the ops that break it.

For a shift :math:`s` of the input (in input pixels), every node :math:`v`
sees a shift of :math:`s / J_v` units, :math:`J_v` the node's cumulative
stride (a :class:`~fractions.Fraction`: transposed convolutions and
upsampling divide it).  The output commutes with the shift exactly (away from
the border) when that is a whole number of units at *every* node on a path to
the output: a strided convolution or pool, or an upsampling, fed a shift that
is not a multiple of its step sees a different sampling phase.  So the
predicted lattice on each axis is the multiples of

.. math::

    L = \operatorname{lcm}_v \operatorname{num}(J_v)

over all nodes (the lcm over paths where branches merge).  Global pooling
makes the output depend on the whole (cropped) input, so no non-zero shift is
predicted equivariant there (``lattice`` ``None``).  The border is the
receptive-field halo of :func:`kronconv.netgraph.net_fields` (effective
padding on the low side, the rest of the field on the high side).

Examples
--------
>>> from kronconv.netgraph import NetGraph, NetNode
>>> from kronconv.spec import Conv, Pool
>>> g = NetGraph.build([NetNode("x", "input"), NetNode("c", "conv", ("x",), Conv(3, padding=1, dims=1)),
...                     NetNode("p", "pool", ("c",), Pool(2, dims=1))], dims=1)
>>> p = predict_equivariance(g)
>>> p.lattice, [b.node for b in p.breaking]
((2,), ['p'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..layers import ConvTranspose, GlobalPool, Upsample
from ..netgraph import NetGraph, net_fields
from ..spec import Conv, Pool

__all__ = ["BreakingOp", "EquivariancePrediction", "predict_equivariance", "shift_predicted"]


@dataclass(frozen=True)
class BreakingOp:
    """A node that restricts equivariance: its id, op, and why."""

    node: str
    op: str
    reason: str


@dataclass(frozen=True)
class EquivariancePrediction:
    """What the graph predicts.

    ``lattice[ax]`` is the period of the shifts the output is equivariant under
    on axis ``ax`` (1: every shift), or ``None`` when only the zero shift is
    (global pooling); ``output_stride`` the output's cumulative stride;
    ``border`` the (low, high) widths in input pixels that read padding.
    """

    output: str
    lattice: tuple[int | None, ...]
    output_stride: tuple[Fraction, ...]
    border: tuple[tuple[int, int], ...]
    breaking: tuple[BreakingOp, ...]
    global_output: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "output": self.output,
            "lattice": list(self.lattice),
            "output_stride": [str(s) for s in self.output_stride],
            "border": [list(b) for b in self.border],
            "breaking": [{"node": b.node, "op": b.op, "reason": b.reason} for b in self.breaking],
            "global_output": self.global_output,
        }


def _steps(layer: Any, dims: int) -> tuple[Fraction, ...]:
    if isinstance(layer, (Conv, Pool)):
        return tuple(Fraction(s) for s in layer.stride)  # type: ignore[union-attr]
    if isinstance(layer, ConvTranspose):
        return tuple(Fraction(1, s) for s in layer.stride)  # type: ignore[union-attr]
    if isinstance(layer, Upsample) and layer.size is None:
        return tuple(Fraction(1, c) for c in layer.scale)  # type: ignore[union-attr]
    return (Fraction(1),) * dims


def predict_equivariance(graph: NetGraph) -> EquivariancePrediction:
    """Predict the shift lattice, border and breaking ops of ``graph``'s output (see the module docstring)."""
    D = graph.dims
    J: dict[str, tuple[Fraction, ...]] = {}
    glob: dict[str, bool] = {}
    lat = [1] * D
    breaking: list[BreakingOp] = []
    for node in graph.nodes:
        if node.op == "input":
            J[node.id], glob[node.id] = (Fraction(1),) * D, False
            continue
        ins = [J[i] for i in node.inputs]
        jin = tuple(max(js[a] for js in ins) for a in range(D))  # merges of unequal strides keep the larger
        glob[node.id] = any(glob[i] for i in node.inputs)
        st = _steps(node.layer, D)
        J[node.id] = tuple(j * s for j, s in zip(jin, st))
        layer = node.layer
        if isinstance(layer, GlobalPool):
            glob[node.id] = True
            breaking.append(BreakingOp(node.id, "global", f"global {layer.mode} pooling: the output reads the "
                                       "whole input, so a shifted crop changes it"))
            continue
        if len({js for js in ins}) > 1:
            breaking.append(BreakingOp(node.id, node.op, "merges branches of different strides "
                                       f"{[[str(v) for v in js] for js in ins]}"))
        for a in range(D):
            lat[a] = math.lcm(lat[a], J[node.id][a].numerator, *(js[a].numerator for js in ins))
        if isinstance(layer, (Conv, Pool)) and any(s > 1 for s in layer.stride):  # type: ignore[union-attr]
            kind = "pooling" if isinstance(layer, Pool) else "convolution"
            breaking.append(BreakingOp(node.id, node.op, f"stride {list(layer.stride)} {kind}: equivariant only "  # type: ignore[union-attr]
                                       f"for shifts that are multiples of {[str(j) for j in J[node.id]]}"))
        if isinstance(layer, Pool) and layer.ceil_mode:
            breaking.append(BreakingOp(node.id, node.op, "ceil_mode: the last window depends on the input size "
                                       "(a border effect)"))
        if isinstance(layer, ConvTranspose) and any(s > 1 for s in layer.stride):  # type: ignore[union-attr]
            breaking.append(BreakingOp(node.id, node.op, f"transposed stride {list(layer.stride)}: output on a "  # type: ignore[union-attr]
                                       f"finer grid, step {[str(j) for j in J[node.id]]}"))
        if isinstance(layer, Upsample) and layer.size is None and any(c > 1 for c in layer.scale):  # type: ignore[union-attr]
            breaking.append(BreakingOp(node.id, node.op, f"{layer.mode} upsampling x{list(layer.scale)}: "  # type: ignore[union-attr]
                                       "equivariant only for whole input units"))
    out = graph.output
    g_out = glob[out]
    if g_out:
        border = tuple((0, 0) for _ in range(D))
    else:
        f = net_fields(graph).output
        rf = f.receptive_field or (1,) * D
        off = f.offset
        border = tuple((max(0, math.ceil(-off[a])), max(0, math.ceil(off[a] + rf[a] - 1)))
                       for a in range(D))
    return EquivariancePrediction(out, tuple(None if g_out else v for v in lat), J[out], border,
                                  tuple(breaking), g_out)


def shift_predicted(prediction: EquivariancePrediction, s: tuple[int, ...]) -> bool:
    """Whether shift ``s`` (input pixels per axis) lies on the predicted lattice."""
    if all(v == 0 for v in s):
        return True
    return all(L is not None and v % L == 0 for v, L in zip(s, prediction.lattice))
