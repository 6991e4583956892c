"""Scores of hole-free schedules and their Pareto front: the objectives compared by the search.

A :class:`Score` holds one schedule's per-axis statistics; :func:`pareto_front`
keeps the undominated ones and :func:`rank` orders them by an objective.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..errors import InvalidArgument
from .sumset import AxisScore, check_kernel, score_axis

__all__ = ["OBJECTIVES", "Score", "pareto_front", "rank", "score", "with_hdc"]

#: Ranking objectives (``--objective``).
OBJECTIVES = ("layers", "params", "uniformity", "robust")


def _ratio_key(ratio: Fraction | None) -> Fraction | float:
    """A ratio for exact comparison, ``None`` (holes) as ``math.inf`` (above every finite ratio)."""
    return math.inf if ratio is None else ratio


@dataclass(frozen=True)
class Score:
    """A multi-axis schedule's exact scores (``axes[i]`` is axis ``i``), with the HDC rule beside the hole check."""

    axes: tuple[AxisScore, ...]
    hdc: tuple[Any, ...] = field(default=(), compare=False)

    @property
    def layers(self) -> int:
        return len(self.axes[0].dilations)

    @property
    def schedule(self) -> tuple[int, ...] | tuple[tuple[int, ...], ...]:
        """The dilations (one tuple when every axis uses the same ones, else one per axis)."""
        ds = [a.dilations for a in self.axes]
        return ds[0] if len(set(ds)) == 1 else tuple(ds)

    @property
    def kernels(self) -> tuple[int, ...]:
        return tuple(a.kernel for a in self.axes)

    @property
    def receptive_field(self) -> tuple[int, ...]:
        return tuple(a.receptive_field for a in self.axes)

    @property
    def field_positions(self) -> int:
        return math.prod(self.receptive_field)

    @property
    def params(self) -> int:
        """Weights per input-output channel pair: ``L * prod(kernels)`` (bias excluded)."""
        return self.layers * math.prod(self.kernels)

    @property
    def hole_free(self) -> bool:
        return all(a.hole_free for a in self.axes)

    @property
    def holes(self) -> int:
        return self.field_positions - math.prod(a.reached for a in self.axes)

    @property
    def max_paths(self) -> int:
        return math.prod(a.max_paths for a in self.axes)

    @property
    def min_paths(self) -> int:
        return math.prod(a.min_paths for a in self.axes)

    @property
    def ratio(self) -> Fraction | None:
        """max/min paths over the field; ``None`` (infinite) with holes."""
        return Fraction(self.max_paths, self.min_paths) if self.min_paths else None

    @property
    def single_path_fraction(self) -> Fraction:
        """Fraction of the field's positions reached by exactly one path (a product over axes)."""
        return Fraction(math.prod(a.single_path for a in self.axes), self.field_positions)

    @property
    def hdc_satisfied(self) -> bool | None:
        vals = [h.satisfied for h in self.hdc if h is not None]
        if not vals or len(vals) != len(self.hdc):
            return None
        return None if any(v is None for v in vals) else all(vals)

    @property
    def hdc_agrees(self) -> bool | None:
        s = self.hdc_satisfied
        return None if s is None else s == self.hole_free

    def objectives(self) -> tuple[Any, ...]:
        """The Pareto objectives, each to be minimised: layers, -field per axis, params, ratio, single fraction.

        The ratio of a schedule with holes is infinite (``math.inf``): it compares above every finite ratio,
        however large (a product over axes of path counts can exceed any fixed integer bound).
        """
        return (self.layers, *(-r for r in self.receptive_field), self.params, _ratio_key(self.ratio),
                self.single_path_fraction)

    def key(self, objective: str) -> tuple[Any, ...]:
        """Ranking key (smaller is better) for ``objective``; every key ends with the schedule for a total order."""
        r = _ratio_key(self.ratio)
        f = -self.field_positions
        sp_ = self.single_path_fraction
        sched = tuple(a.dilations for a in self.axes)
        if objective == "layers":
            return (self.layers, r, sp_, f, sched)
        if objective == "params":
            return (self.params, self.layers, r, sp_, f, sched)
        if objective == "uniformity":
            return (r, self.layers, sp_, f, sched)
        if objective == "robust":
            return (sp_, self.layers, r, f, sched)
        raise InvalidArgument(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")

    def to_dict(self) -> dict[str, Any]:
        sched = self.schedule
        r = self.ratio
        sp_ = self.single_path_fraction
        d: dict[str, Any] = {
            "layers": self.layers,
            "dilations": [list(s) for s in sched] if sched and isinstance(sched[0], tuple) else list(sched),
            "kernels": list(self.kernels),
            "receptive_field": list(self.receptive_field),
            "hole_free": self.hole_free,
            "holes": self.holes,
            "params": self.params,
            "max_paths": self.max_paths,
            "min_paths": self.min_paths,
            "max_min_ratio": None if r is None else (r.numerator if r.denominator == 1 else str(r)),
            "single_path_positions": sp_.numerator * (self.field_positions // sp_.denominator),
            "field_positions": self.field_positions,
            "single_path_fraction": float(sp_),
            "axes": [a.to_dict() for a in self.axes],
        }
        if self.hdc:
            d["hdc_rule"] = [h.to_dict() if h is not None else None for h in self.hdc]
            d["hdc_satisfied"] = self.hdc_satisfied
            d["hdc_agrees_with_holes"] = self.hdc_agrees
        return d


def score(kernels: Sequence[int], dilations: Sequence[int] | Sequence[Sequence[int]], with_hdc: bool = True) -> Score:
    """Score a schedule exactly; ``dilations`` is one list for every axis or one list per axis.

    The HDC rule is :func:`kronconv.graph.hdc_rule` on each axis's dilations *in
    the given order* (the rule depends on the order; holes do not).

    >>> s = score((3, 3), [1, 2, 5]); s.receptive_field, s.hole_free, s.max_paths, s.hdc_satisfied
    ((17, 17), True, 4, True)
    >>> s = score((3,), [2, 3, 9]); s.hole_free, s.hdc_satisfied, s.hdc_agrees
    (False, True, False)
    """
    ks = tuple(check_kernel(k) for k in kernels)
    if dilations and isinstance(dilations[0], (list, tuple)):
        per = [tuple(d) for d in dilations]  # type: ignore[arg-type]
        if len(per) != len(ks) or len({len(p) for p in per}) != 1:
            raise InvalidArgument(f"give one dilation list per axis ({len(ks)}), all of one length")
    else:
        per = [tuple(dilations)] * len(ks)  # type: ignore[arg-type]
    axes = tuple(score_axis(k, d) for k, d in zip(ks, per))
    return Score(axes, _hdc(axes) if with_hdc else ())


def _hdc(axes: Sequence[AxisScore]) -> tuple[Any, ...]:
    from ..graph import hdc_rule

    cache: dict[tuple[int, tuple[int, ...]], Any] = {}
    out = []
    for a in axes:
        key = (a.kernel, a.dilations)
        if key not in cache:
            cache[key] = hdc_rule(list(a.dilations), a.kernel)
        out.append(cache[key])
    return tuple(out)


def with_hdc(s: Score) -> Score:
    """``s`` with its HDC evaluation filled in."""
    return s if s.hdc else Score(s.axes, _hdc(s.axes))


def _vec(s: Score) -> tuple[Any, ...]:
    """Integer form of the objectives for fast exact comparison: (L, fields, params, max, min, single, positions)."""
    return (s.layers, s.receptive_field, s.params, s.max_paths, s.min_paths,
            math.prod(a.single_path for a in s.axes), s.field_positions)


def _weakly_better(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Every objective of ``a`` at least as good as ``b``'s (exact integer comparisons)."""
    if a[0] > b[0] or a[2] > b[2] or any(x < y for x, y in zip(a[1], b[1])):
        return False
    # ratio a[3]/a[4] <= b[3]/b[4]  (min 0 = infinite ratio)
    if a[4] == 0 and b[4] != 0:
        return False
    if a[4] and b[4] and a[3] * b[4] > b[3] * a[4]:
        return False
    return a[5] * b[6] <= b[5] * a[6]


def _front_1d(axes: Sequence[AxisScore]) -> list[AxisScore]:
    """Pareto front of hole-free one-axis scores over (layers, -field, max paths, single fraction), O(n L log n).

    Sweep in lexicographic order of (-field, layers, max paths, single fraction),
    one group of equal vectors at a time; a score is dominated iff an earlier
    front member has layers <= and max paths <= and single fraction <=, found
    with one prefix-minimum Fenwick tree over max-path ranks per depth.  (With
    one kernel size on every axis the multi-axis objectives are increasing
    functions of these, so the front is the same.)
    """
    ratios = sorted({a.max_paths for a in axes})
    rk = {r: i + 1 for i, r in enumerate(ratios)}
    n = len(ratios)
    trees: dict[int, list[Fraction | None]] = {}

    def query(L: int, r: int) -> Fraction | None:
        best: Fraction | None = None
        for depth, tree in trees.items():
            if depth > L:
                continue
            i = r
            while i > 0:
                v = tree[i]
                if v is not None and (best is None or v < best):
                    best = v
                i -= i & -i
        return best

    def insert(L: int, r: int, f: Fraction) -> None:
        tree = trees.setdefault(L, [None] * (n + 1))
        i = r
        while i <= n:
            v = tree[i]
            if v is None or f < v:
                tree[i] = f
            i += i & -i

    keyed = sorted(((-a.receptive_field, len(a.dilations), a.max_paths, Fraction(a.single_path, a.receptive_field)), i)
                   for i, a in enumerate(axes))
    out: list[AxisScore] = []
    j = 0
    while j < len(keyed):
        vec = keyed[j][0]
        group = []
        while j < len(keyed) and keyed[j][0] == vec:
            group.append(keyed[j][1])
            j += 1
        best = query(vec[1], rk[vec[2]])
        if best is not None and best <= vec[3]:
            continue
        out += [axes[i] for i in group]
        insert(vec[1], rk[vec[2]], vec[3])
    return out


def pareto_front(scores: Sequence[Score]) -> list[Score]:
    """The scores no other score dominates (every objective <=, one <), in lexicographic order of objectives.

    Correct by a sweep: a dominating score is lexicographically smaller, and
    dominance is transitive, so each score needs comparing only with the front
    found so far.  Scores with equal objective vectors are all kept.

    >>> a, b, c = score((3,), [1, 3], False), score((3,), [1, 1], False), score((3,), [1, 2], False)
    >>> [s.schedule for s in pareto_front([a, b, c])]
    [(1, 3), (1, 2), (1, 1)]
    """
    if scores and all(len(set(s.axes)) == 1 and s.axes[0].min_paths >= 1 for s in scores):
        keep = set(map(id, _front_1d([s.axes[0] for s in scores])))
        return sorted((s for s in scores if id(s.axes[0]) in keep), key=lambda s: s.objectives())
    # pre-filter: within one (layers, fields, params, ratio) group only the least single-path fraction can survive
    best: dict[tuple[Any, ...], Fraction] = {}
    objs = [s.objectives() for s in scores]
    for o in objs:
        g = o[:-1]
        if g not in best or o[-1] < best[g]:
            best[g] = o[-1]
    items = sorted(((o, i, _vec(s), s) for i, (o, s) in enumerate(zip(objs, scores)) if o[-1] == best[o[:-1]]),
                   key=lambda t: (t[0], t[1]))
    front: list[tuple[tuple[Any, ...], tuple[Any, ...], Score]] = []
    for obj, _, v, s in items:
        if not any(_weakly_better(fv, v) and fo != obj for fo, fv, _ in front):
            front.append((obj, v, s))
    return [s for _, _, s in front]


def rank(scores: Sequence[Score], objective: str) -> list[Score]:
    """``scores`` sorted by :meth:`Score.key` for ``objective`` (best first)."""
    if objective not in OBJECTIVES:
        raise InvalidArgument(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    return sorted(scores, key=lambda s: s.key(objective))
