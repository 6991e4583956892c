r"""``kronconv design`` as a library call: search, scored includes, repair, the HDC rule and the optimality statement.

:func:`design` returns a frozen :class:`DesignReport`; :meth:`DesignReport.to_dict`
is everything the command prints (``--format json``).  The optimality statement
names the search space and the pruning rules, and carries a machine-readable
``claim`` that :func:`kronconv.verify.holefree.check_claim` re-derives
independently (exhaustively for small spaces, by the bound otherwise).

Examples
--------
>>> rep = design(kernels=(3,), rf=(20,), dims=1, max_layers=3)
>>> rep.best.schedule, rep.best.receptive_field, rep.min_layers
((1, 3, 9), (27,), 3)
>>> rep.to_dict()["optimality"]["fewest_layers_optimal_over_all_schedules"]
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidArgument
from .grammar import parse_schedule
from .repair import RepairResult, repair
from .search import (
    MAX_NODES,
    OBJECTIVES,
    PRUNING_RULES,
    Score,
    SearchSpace,
    best_of_depth,
    check_space,
    min_layers_bound,
    pareto_front,
    rank,
    score,
    search,
    with_hdc,
)

__all__ = ["SCOPE", "DesignReport", "IncludeResult", "default_max_layers", "design"]

#: What ``kronconv design`` covers, stated in every output.
SCOPE = ("chains of stride-1 dilated convolutions, one kernel size per axis shared by all layers; each axis searched "
         "on its own and path counts multiplied across axes; strides, pooling and branches are out of scope")


@dataclass(frozen=True)
class IncludeResult:
    """A schedule given with ``--include``, its scores and the best schedule of the same depth."""

    text: str
    score: Score
    best_same_depth: Score | None
    how: str


@dataclass(frozen=True)
class DesignReport:
    """The result of :func:`design` (see :meth:`to_dict` for the printed fields)."""

    space: SearchSpace | None
    objective: str
    top: int
    max_layers_default: bool
    estimate: int
    nodes: int
    front: tuple[Score, ...]
    includes: tuple[IncludeResult, ...]
    repair: RepairResult | None
    repair_scores: tuple[Score, ...] = ()
    repair_original: Score | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def best(self) -> Score | None:
        return self.front[0] if self.front else None

    @property
    def shown(self) -> tuple[Score, ...]:
        return self.front if self.top == 0 else self.front[: self.top]

    @property
    def min_layers(self) -> int | None:
        return min((s.layers for s in self.front), default=None)

    @property
    def lower_bound(self) -> int | None:
        """Fewest layers of any hole-free chain reaching the target, over all dilations: max_a ceil(log_k R_a)."""
        if self.space is None:
            return None
        return max(min_layers_bound(k, r) for k, r in zip(self.space.kernels, self.space.rf))

    def disagreements(self) -> list[dict[str, Any]]:
        """Every scored schedule where the HDC rule's verdict differs from the exact hole check."""
        out = []
        seen = set()
        items = [("front", s) for s in self.shown] + [("include", i.score) for i in self.includes] + [
            ("include-best", i.best_same_depth) for i in self.includes if i.best_same_depth is not None]
        if self.repair_original is not None:
            items.append(("repair-original", self.repair_original))
        items += [("repair", s) for s in self.repair_scores]
        for where, s in items:
            key = (where, tuple(a.dilations for a in s.axes))
            if key in seen or s.hdc_agrees is not False:
                continue
            seen.add(key)
            out.append({"where": where, "dilations": s.to_dict()["dilations"], "kernels": list(s.kernels),
                        "hole_free": s.hole_free, "hdc_satisfied": s.hdc_satisfied,
                        "why": _why(s)})
        return out

    def optimality(self) -> dict[str, Any] | None:
        if self.space is None:
            return None
        sp = self.space
        claim = {
            "kind": "design-front", "kernels": list(sp.kernels), "rf": list(sp.rf), "min_layers": sp.min_layers,
            "max_layers": sp.max_layers, "max_dilation": sp.max_dilation, "objective": self.objective,
            "front_size": len(self.front),
            "best": None if self.best is None else _claim_entry(self.best),
            "front": [_claim_entry(s) for s in self.front[:500]],
        }
        lb = self.lower_bound
        return {
            "statement": ("optimal within the stated search space: the front is the exact Pareto set of every "
                          "hole-free schedule in the space reaching the target (exhaustive search; the pruning "
                          "rules below never cut a candidate)" if self.front else
                          "no hole-free schedule in the stated search space reaches the target (exhaustive search)"),
            "search_space": sp.to_dict(),
            "pruning_rules": [{"id": i, "rule": r, "why": w} for i, r, w in PRUNING_RULES],
            "layers_lower_bound": lb,
            "fewest_layers_optimal_over_all_schedules": self.min_layers is not None and self.min_layers == lb,
            "bound_theorem": "no hole-free chain of L layers of k-tap kernels has a field above k^L "
                             "(kronconv.theorems.hole_free), so every hole-free chain reaching the target needs "
                             f"at least {lb} layers, whatever its dilations",
            "claim": claim,
        }

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"scope": SCOPE}
        if self.space is not None:
            d.update({
                "search_space": self.space.to_dict(), "max_layers_default": self.max_layers_default,
                "objective": self.objective, "nodes_estimated": self.estimate, "nodes_visited": self.nodes,
                "front_size": len(self.front), "shown": len(self.shown),
                "best": None if self.best is None else self.best.to_dict(),
                "front": [s.to_dict() for s in self.shown],
                "optimality": self.optimality(),
            })
        d["includes"] = [{"schedule": i.text, **i.score.to_dict(),
                          "best_same_depth": None if i.best_same_depth is None else i.best_same_depth.to_dict(),
                          "best_same_depth_how": i.how} for i in self.includes]
        if self.repair is not None:
            r = self.repair
            d["repair"] = {"original": self.repair_original.to_dict() if self.repair_original else None,
                           "changed_layers": r.distance, "rf_target": r.rf_target,
                           "repairs": [s.to_dict() for s in self.repair_scores], "work": r.work}
        d["hdc_disagreements"] = self.disagreements()
        d["notes"] = list(self.notes)
        return d


def _why(s: Score) -> str:
    if s.hole_free:
        return "the rule rejects a hole-free schedule (the rule is not necessary)"
    return "the rule accepts a schedule with holes (the rule is not sufficient)"


def _claim_entry(s: Score) -> dict[str, Any]:
    r = s.ratio
    return {"layers": s.layers, "dilations": [list(a.dilations) for a in s.axes],
            "receptive_field": list(s.receptive_field), "max_paths": s.max_paths, "min_paths": s.min_paths,
            "max_min_ratio": None if r is None else str(r), "single_path_fraction": str(s.single_path_fraction)}


def default_max_layers(kernels: Sequence[int], rf: Sequence[int], max_dilation: int | None,
                       limit: int = MAX_NODES) -> int:
    """The deepest of ``L*``, ``L*+1``, ``L*+2`` whose search fits ``limit`` (``L*`` = fewest possible layers).

    >>> default_max_layers((3,), (9,), None)
    4
    """
    lb = max(min_layers_bound(k, r) for k, r in zip(kernels, rf))
    best = lb
    for n in (lb + 1, lb + 2):
        try:
            check_space(SearchSpace(tuple(kernels), tuple(rf), n, max_dilation), limit)
        except Exception:  # noqa: BLE001 - TooLarge or out of range: stop deepening
            break
        best = n
    return best


def design(kernels: Sequence[int], rf: Sequence[int] | None = None, *, dims: int | None = None,
           max_layers: int | None = None, max_dilation: int | None = None, objective: str = "layers",
           top: int = 10, include: Sequence[str] = (), layers: int | None = None, repair_schedule: str | None = None,
           progress: Callable[[int, int], None] | None = None, limit: int = MAX_NODES) -> DesignReport:
    """Search hole-free schedules (when ``rf`` is given), score ``include`` schedules, repair ``repair_schedule``.

    ``kernels`` has one entry (used on every one of ``dims`` axes, default 2) or
    one per axis; ``rf`` likewise.  ``layers`` is the ``L`` of ``B**l`` in the
    grammar (default ``max_layers``).  Raises :class:`~kronconv.errors.TooLarge`
    when the search is estimated above ``limit`` nodes.
    """
    if objective not in OBJECTIVES:
        raise InvalidArgument(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    if isinstance(top, bool) or not isinstance(top, int) or not 0 <= top <= 10000:
        raise InvalidArgument(f"top must be an integer in [0, 10000], got {top!r}")
    ks = tuple(kernels)
    D = dims if dims is not None else (len(ks) if len(ks) > 1 else 2)
    if not 1 <= D <= 3:
        raise InvalidArgument(f"dims must be in [1, 3], got {D}")
    if len(ks) == 1:
        ks = ks * D
    if len(ks) != D:
        raise InvalidArgument(f"give one kernel size or one per axis ({D}), got {len(ks)}")
    rfs: tuple[int, ...] | None = None
    if rf is not None:
        rfs = tuple(rf)
        if len(rfs) == 1:
            rfs = rfs * D
        if len(rfs) != D:
            raise InvalidArgument(f"give one receptive-field target or one per axis ({D}), got {len(rfs)}")
    if rf is None and not include and repair_schedule is None:
        raise InvalidArgument("nothing to do: give a receptive-field target (--rf), --include or --repair")
    notes: list[str] = []
    if objective == "params":
        notes.append("every layer has the same kernel sizes, so parameters are L * prod(kernels) per channel pair and "
                     "'params' ranks like 'layers' (ties broken the same way)")
    # parse everything before any search (bad input fails first)
    L_for_power = layers if layers is not None else max_layers
    inc = [(t, parse_schedule(t, L_for_power)) for t in include]
    rep_sched = parse_schedule(repair_schedule, L_for_power) if repair_schedule is not None else None
    if rep_sched is not None and len(set(ks)) != 1:
        raise InvalidArgument("--repair works on one kernel size; with per-axis kernels repair one axis at a time")
    space = None
    default = False
    front: list[Score] = []
    est = nodes = 0
    if rfs is not None:
        for k in ks:
            SearchSpace((k,), (1,), 1)  # validates the kernel size
        if max_layers is None:
            max_layers = default_max_layers(ks, rfs, max_dilation, limit)
            default = True
        space = SearchSpace(ks, rfs, max_layers, max_dilation)
        res = search(space, progress=progress, limit=limit)
        est, nodes = res.estimate, res.nodes
        front = rank(pareto_front(res.scores()), objective)
        shown = front if top == 0 else front[:top]
        front = [with_hdc(s) for s in shown] + front[len(shown):]
        if not front:
            notes.append(f"no hole-free schedule of at most {max_layers} layers in the space reaches the target"
                         + ("" if max_dilation is None else f" with dilations <= {max_dilation}"))
    includes = []
    for text, sched in inc:
        s = score(ks, sched)
        target = rfs if rfs is not None else s.receptive_field
        best, how = best_of_depth(ks, len(sched), target, objective, max_dilation, limit)
        includes.append(IncludeResult(text, s, best, how))
    rep = None
    rep_scores: tuple[Score, ...] = ()
    rep_orig = None
    if rep_sched is not None:
        rep_orig = score(ks, rep_sched)
        rtarget = rfs[0] if rfs is not None and len(set(rfs)) == 1 else None
        if rtarget is not None and ks[0] ** len(rep_sched) < rtarget:
            notes.append(f"repair keeps the depth {len(rep_sched)}: no hole-free chain that deep reaches the field "
                         f"{rtarget} (at most {ks[0]}^{len(rep_sched)}), so the repairs ignore the target")
            rtarget = None
        rep = repair(ks[0], rep_sched, max_dilation, rtarget)
        rep_scores = tuple(score(ks, s) for s in rep.schedules)
    return DesignReport(space, objective, top, default, est, nodes, tuple(front), tuple(includes), rep,
                        rep_scores, rep_orig, tuple(notes))
