"""One report per cone: :func:`analyse` gathers the summary, formula and numeric checks, the HDC rule.

Everything ``kronconv graph`` prints is a field of :class:`GraphReport`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .._util import squash as _squash
from ..netgraph import NetGraph, net_fields, without_global
from ..spec import Network
from .cone import unit_graph
from .hdc import HDCRule, hdc_for_network
from .impulse import NumericCheck, numeric_check
from .lattice import Model, _as_graph
from .unitgraph import FieldSummary, UnitGraph

__all__ = [
    "GraphReport",
    "analyse",
]

@dataclass(frozen=True)
class GraphReport:
    """Everything ``kronconv graph`` prints: cone summary, formula agreement, numeric check, HDC, nodes."""

    unit_graph: UnitGraph
    summary: FieldSummary
    formula_receptive_field: tuple[int, ...]  #: hull of paths by the formulas, for the whole window
    numeric: NumericCheck
    hdc: HDCRule | None
    hdc_reason: str
    fields: Any  #: :class:`~kronconv.netgraph.NetFieldReport`
    notes: tuple[str, ...] = ()  #: what the analysis left out (global-pooling paths, unreachable nodes)

    @property
    def formula_agrees(self) -> bool | None:
        """Graph field == formula field (only decided on an unbounded grid; a boundary clips the field)."""
        if self.unit_graph.input_size is not None:
            return None
        return self.summary.receptive_field == self.formula_receptive_field

    @property
    def has_holes(self) -> bool:
        return self.summary.holes > 0

    @property
    def ok(self) -> bool:
        """No holes, aligned merges, and no failed cross-check."""
        return (not self.has_holes and self.fields.aligned and self.numeric.agrees is not False
                and self.formula_agrees is not False)

    def hdc_verdict(self) -> str:
        if self.hdc is None:
            return f"not applicable ({self.hdc_reason})"
        sat = self.hdc.satisfied
        rule = "satisfied" if sat else "violated" if sat is False else "undecided"
        holes = "holes" if self.has_holes else "no holes"
        if sat is None:
            return f"{rule}; the graph finds {holes}"
        agree = "agrees" if sat == (not self.has_holes) else "DISAGREES"
        return f"{rule}; the graph finds {holes} ({agree})"

    def to_dict(self) -> dict[str, Any]:
        ug = self.unit_graph
        g = ug.graph
        d: dict[str, Any] = {
            "network": g.name,
            "description": g.description,
            "kind": "chain" if g.is_chain else "graph",
            "dims": g.dims,
            "nodes_count": len(g.nodes),
            "unit": _squash(list(ug.unit)),
            "window": _squash(list(ug.window)),
            "input_size": None if ug.input_size is None else _squash(list(ug.input_size)),
            "padding_mode": ug.padding_mode if ug.input_size is not None else None,
        }
        d.update(self.summary.to_dict())
        d["notes"] = list(self.notes)
        d["formula_receptive_field"] = _squash(list(self.formula_receptive_field))
        d["agrees_with_formula"] = self.formula_agrees
        d["numeric_check"] = self.numeric.to_dict()
        hd: dict[str, Any] = {"applies": self.hdc is not None, "verdict": self.hdc_verdict()}
        if self.hdc is not None:
            hd.update(self.hdc.to_dict())
            hd["agrees_with_graph"] = (None if self.hdc.satisfied is None
                                       else self.hdc.satisfied == (not self.has_holes))
        else:
            hd["reason"] = self.hdc_reason
        d["hdc_rule"] = hd
        f = self.fields.to_dict()
        d["aligned"] = f["aligned"]
        d["misalignments"] = f["misalignments"]
        d["effective_stride"] = f["effective_stride"]
        d["effective_padding"] = f["effective_padding"]
        d["nodes"] = f["nodes"]
        d["ok"] = self.ok
        return d


def _before_resampling(g: NetGraph) -> tuple[NetGraph, tuple[str, ...]]:
    """Move the output above trailing upsampling / transposed convolutions (a segmentation net's final
    resize), which the unit-level graph does not model; say so in a note."""
    out = g.output
    skipped = []
    while g.node(out).op in ("upsample", "convt"):
        skipped.append(out)
        out = g.node(out).inputs[0]
    if not skipped:
        return g, ()
    h = NetGraph.build(g.nodes, dims=g.dims, output=out, name=g.name, description=g.description, align=g.align)
    note = (f"the unit-level graph does not model upsampling or transposed convolution: analysed the input "
            f"{out!r} of the trailing {', '.join(repr(s) for s in skipped)} (`kronconv rf` gives the exact "
            "field through them)")
    return h, (note,)


def analyse(model: Model, unit: Sequence[int] | int | None = None, window: Sequence[int] | int = 1,
            input_size: Sequence[int] | int | None = None, padding_mode: str = "zeros",
            check_numeric: bool = True, keep_levels: bool = True) -> GraphReport:
    """Build the cone and everything reported about it (see :class:`GraphReport`).

    Examples
    --------
    >>> from kronconv.spec import chain
    >>> rep = analyse(chain(kernel=3, dilations=[2, 2, 2], dims=1))
    >>> rep.summary.holes, rep.formula_agrees, rep.numeric.agrees, rep.hdc_verdict()
    (6, True, True, 'violated; the graph finds holes (agrees)')
    """
    full = _as_graph(model)
    g, notes = without_global(full)
    if not notes:
        notes = full.notes
    g, more = _before_resampling(g)
    notes = notes + more
    ug = unit_graph(g, unit, window, input_size, padding_mode, keep_levels=keep_levels)
    fields = net_fields(g)
    formula = tuple(r + (w - 1) * j for r, w, j in zip(fields.receptive_field, ug.window, fields.effective_stride))
    num = numeric_check(ug) if check_numeric else NumericCheck(False, None, "not requested")
    if isinstance(model, Network):
        rule, why = hdc_for_network(model)
    elif g.is_chain:
        rule, why = hdc_for_network(Network(tuple(n.layer for n in g.nodes[1:])))  # type: ignore[misc]
    else:
        rule, why = None, "branching network"
    return GraphReport(ug, ug.summary(), formula, num, rule, why, fields, notes)
