r"""Exhaustive search for hole-free dilation schedules: the search space, its pruning rules, scores, the Pareto front.

**Scope.** A schedule is a chain of ``L`` convolutions, stride 1, no pooling,
one kernel size per axis shared by every layer (``kernels``), one dilation per
layer and axis.  Each axis is searched on its own; a multi-axis schedule's path
counts are the products of its axes' counts.  With one kernel size on every
axis (square / cubic kernels) the same dilation is used on every axis, which
reduces the problem to one dimension.

**Search space.** For every depth ``1 <= L <= max_layers``: the multisets of
``L`` dilations in ``[1, max_dilation]`` (unbounded when ``None``), each
enumerated once, in **nondecreasing order** -- the order every result is
reported in.  A candidate is a hole-free schedule whose field reaches at least
``rf`` on every axis.

**Pruning rules** (each one removes only subtrees that contain no candidate,
so the search is exhaustive over the candidates; proofs in
:mod:`kronconv.design.sumset` and below):

* **P1** ``d_1 = 1``: offset 1 lies in every field (``k >= 2``) and only a
  layer of dilation 1 reaches it.
* **P2** symmetry: the sumset and the path counts depend only on the multiset
  of dilations (the product of the layers' polynomials commutes), so only
  nondecreasing sequences are generated.
* **P3** prefix rule: a sorted prefix with :math:`d_{j+1} > (k-1)\sum_{i\le j} d_i + 1`
  is cut -- every sorted completion has a hole (prefix lemma, exact).
* **P4** target cut: from a prefix with field ``F`` and ``r`` layers left, the
  field is at most :math:`F_r` with :math:`F_{i+1} = F_i + (k-1)\min(M, F_i)`
  (P3 bounds the next dilation by ``F``, the space by ``M``; the step is
  increasing in ``F``); a subtree with :math:`F_r < R` is cut.

No dominance cut is applied to subtrees: along an extension the field and the
largest path count grow but the single-path fraction moves both ways, so no
subtree is dominated by its root.  Dominance is used only to filter the
scored candidates into the Pareto front.

**Objectives** of the Pareto front: layers (fewer), receptive field per axis
(larger), parameters ``L * prod(kernels)`` per input-output channel pair,
bias excluded (fewer), the max/min path-count ratio over the field (smaller;
more uniform) and the fraction of field positions reached by a single path
(smaller; such a position is lost when one weight on its path is zero).  Both
end positions of a field are always reached by exactly one path (all taps 0 /
all taps ``k-1``), so ``min = 1`` and the ratio equals the largest path count.

Examples
--------
>>> res = search(SearchSpace((3,), (9,), 3, None))
>>> [c.schedule for c in res.candidates if c.layers == 2]
[(1, 3)]
>>> sorted({c.schedule for c in res.candidates if c.layers == 3})[:3]
[(1, 1, 2), (1, 1, 3), (1, 1, 4)]
>>> best = rank(pareto_front(res.scores()), "layers")[0]; best.schedule, best.receptive_field
((1, 3), (9,))
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InvalidArgument, TooLarge
from .scoring import OBJECTIVES, Score, _hdc, pareto_front, rank, score, with_hdc
from .sumset import AxisScore, check_kernel, extend_counts, stats_from_counts

__all__ = [
    "MAX_FIELD",
    "MAX_LAYERS",
    "MAX_NODES",
    "OBJECTIVES",
    "PRUNING_RULES",
    "Candidate",
    "Score",
    "SearchResult",
    "SearchSpace",
    "best_of_depth",
    "estimate_nodes",
    "field_cap",
    "min_layers_bound",
    "mixed_radix",
    "pareto_front",
    "rank",
    "score",
    "search",
]

#: Largest number of search-tree nodes (an upper bound is estimated before searching).
MAX_NODES = 200_000
#: Largest field (positions per axis) a searched schedule may reach.
MAX_FIELD = 1 << 22
#: Largest ``max_layers``.
MAX_LAYERS = 40

#: (id, rule, why it is safe) -- stated in every report.
PRUNING_RULES: tuple[tuple[str, str, str], ...] = (
    ("P1", "the first (smallest) dilation is 1",
     "offset 1 lies in every field (k >= 2) and only a layer of dilation 1 reaches it"),
    ("P2", "dilations are generated in nondecreasing order (one sequence per multiset)",
     "the sumset and the path counts depend only on the multiset: the product of the layers' polynomials commutes"),
    ("P3", "a sorted prefix with d_(j+1) > (k-1)(d_1 + ... + d_j) + 1 is cut",
     ("prefix lemma: a sorted schedule is hole-free iff d_(j+1) <= (k-1)(d_1 + ... + d_j) + 1 for every j, so every "
     "completion of such a prefix has a hole")),
    ("P4", "a prefix whose largest reachable field F_r < R is cut, F_(i+1) = F_i + (k-1) min(M, F_i)",
     ("by P3 and the space, each later dilation is at most min(M, F) for the current field F, and the step is "
     "increasing in F, so no completion reaches the target")),
)


@dataclass(frozen=True)
class SearchSpace:
    """What is searched: kernel size and field target per axis, depth and dilation limits."""

    kernels: tuple[int, ...]
    rf: tuple[int, ...]
    max_layers: int
    max_dilation: int | None = None
    min_layers: int = 1

    def __post_init__(self) -> None:
        if not self.kernels or len(self.kernels) > 3:
            raise InvalidArgument(f"give a kernel size for 1 to 3 axes, got {len(self.kernels)}")
        for k in self.kernels:
            check_kernel(k)
            if k > 64:
                raise InvalidArgument(f"kernel size must be in [2, 64], got {k}")
        if len(self.rf) != len(self.kernels):
            raise InvalidArgument(f"give one receptive-field target per axis ({len(self.kernels)}), got {len(self.rf)}")
        for r in self.rf:
            if isinstance(r, bool) or not isinstance(r, int) or not 1 <= r <= MAX_FIELD:
                raise InvalidArgument(f"receptive-field target must be an integer in [1, {MAX_FIELD}], got {r!r}")
        if isinstance(self.max_layers, bool) or not isinstance(self.max_layers, int) \
                or not 1 <= self.max_layers <= MAX_LAYERS:
            raise InvalidArgument(f"max_layers must be an integer in [1, {MAX_LAYERS}], got {self.max_layers!r}")
        if not 1 <= self.min_layers <= self.max_layers:
            raise InvalidArgument(f"min_layers must be in [1, {self.max_layers}], got {self.min_layers}")
        if self.max_dilation is not None and (isinstance(self.max_dilation, bool) or not isinstance(
                self.max_dilation, int) or not 1 <= self.max_dilation <= 1 << 30):
            raise InvalidArgument(f"max_dilation must be an integer in [1, {1 << 30}], got {self.max_dilation!r}")

    @property
    def dims(self) -> int:
        return len(self.kernels)

    @property
    def isotropic(self) -> bool:
        """One kernel size and target on every axis: the same dilations are used on every axis."""
        return len(set(self.kernels)) == 1 and len(set(self.rf)) == 1

    def axis_problems(self) -> list[tuple[int, int]]:
        """The distinct one-axis problems ``(k, R)`` to search (one when isotropic)."""
        return list(dict.fromkeys(zip(self.kernels, self.rf)))

    def describe(self) -> str:
        k = "x".join(map(str, self.kernels))
        m = "unbounded (at most k^(j-1) for layer j by P3)" if self.max_dilation is None else f"1..{self.max_dilation}"
        depth = f"{self.min_layers}..{self.max_layers}" if self.min_layers > 1 else f"1..{self.max_layers}"
        axes = ("the same dilation on every axis" if self.isotropic and self.dims > 1 else
                "each axis searched on its own" if self.dims > 1 else "one axis")
        return (f"chains of {depth} stride-1 layers, {k} kernels, dilations {m}, receptive field >= "
                f"{'x'.join(map(str, self.rf))}, {axes}; every multiset of dilations once, reported in "
                "nondecreasing order; no strides, pooling or branches")

    def to_dict(self) -> dict[str, Any]:
        return {"kernels": list(self.kernels), "rf": list(self.rf), "min_layers": self.min_layers,
                "max_layers": self.max_layers, "max_dilation": self.max_dilation, "order": "nondecreasing",
                "scope": "chains, stride 1, no pooling, no branches; per-axis kernels, axes searched independently",
                "description": self.describe()}


def field_cap(k: int, layers: int, max_dilation: int | None, start: int = 1) -> int:
    """Largest field of a hole-free ``layers``-layer chain extended from a prefix of field ``start`` (rule P4).

    >>> field_cap(3, 4, None), field_cap(3, 4, 2)
    (81, 15)
    """
    f = start
    for _ in range(layers):
        f += (k - 1) * (f if max_dilation is None else min(max_dilation, f))
    return f


def min_layers_bound(k: int, rf: int) -> int:
    """Fewest layers any hole-free chain of ``k``-tap layers needs for field >= ``rf``: ``ceil(log_k rf)``.

    >>> min_layers_bound(3, 27), min_layers_bound(3, 28), min_layers_bound(2, 1)
    (3, 4, 1)
    """
    L, f = 1, k
    while f < rf:
        L, f = L + 1, f * k
    return L


def mixed_radix(k: int, layers: int) -> tuple[int, ...]:
    """The Kronecker (mixed-radix) schedule ``1, k, ..., k^(L-1)``: field ``k^L``, one path per position."""
    return tuple(k**i for i in range(layers))


def _max_child(k: int, m: int, max_dilation: int | None) -> int:
    return m + 1 if max_dilation is None else min(max_dilation, m + 1)


def _first_child(k: int, rf: int, M: int | None, rem: int, m: int, lo: int, hi: int) -> int | None:
    """Least dilation in ``[lo, hi]`` whose subtree can still reach ``rf`` (rule P4), or ``None``."""
    if lo > hi or field_cap(k, rem, M, m + 1 + (k - 1) * hi) < rf:
        return None
    a, b = lo, hi
    while a < b:
        mid = (a + b) // 2
        if field_cap(k, rem, M, m + 1 + (k - 1) * mid) >= rf:
            b = mid
        else:
            a = mid + 1
    return a


def estimate_nodes(k: int, rf: int, space: SearchSpace, limit: int = MAX_NODES) -> int:
    """The exact number of search-tree nodes of one axis (rules P1-P4), counted before searching.

    A memoized count over states ``(depth, last dilation, sum)`` -- integers
    only, no path counts -- so it costs far less than the search.  When the
    count passes ``limit`` it stops and returns ``limit + 1`` (the space is
    refused anyway).

    >>> estimate_nodes(2, 1, SearchSpace((2,), (1,), 3))   # 1; 1,1; 1,2; 1,1,1; 1,1,2; 1,1,3; 1,2,2; 1,2,3; 1,2,4
    9
    """
    M, N = space.max_dilation, space.max_layers
    if field_cap(k, N - 1, M, k) < rf:
        return 0
    memo: dict[tuple[int, int, int], int] = {}

    class _Over(Exception):
        pass

    work = [0]

    def count(L: int, last: int, m: int) -> int:
        key = (L, last, m)
        if key in memo:
            return memo[key]
        total = 1
        if L < N:
            hi = _max_child(k, m, M)
            a = _first_child(k, rf, M, N - L - 1, m, last, hi)
            if a is not None:
                for d in range(a, hi + 1):
                    work[0] += 1
                    if work[0] > limit:
                        raise _Over
                    total += count(L + 1, d, m + (k - 1) * d)
                    if total > limit:
                        raise _Over
        memo[key] = total
        return total

    try:
        return count(1, 1, k - 1)
    except _Over:
        return limit + 1


@dataclass(frozen=True)
class Candidate:
    """One hole-free schedule of one axis found by the search, with its exact statistics."""

    axis: AxisScore

    @property
    def schedule(self) -> tuple[int, ...]:
        return self.axis.dilations

    @property
    def layers(self) -> int:
        return len(self.axis.dilations)


def _axis_search(k: int, rf: int, space: SearchSpace, progress: Callable[[int], None] | None,
                 stats: dict[str, int]) -> list[AxisScore]:
    """Depth-first search of one axis with rules P1-P4; every node's path counts are extended incrementally."""
    M, N = space.max_dilation, space.max_layers
    out: list[AxisScore] = []
    # stack entries: (dilations, m = (k-1) * sum, counts)
    first = extend_counts(np.ones(1, dtype=np.int64), k, 1)  # P1
    stack: list[tuple[tuple[int, ...], int, np.ndarray]] = []
    if field_cap(k, N - 1, M, k) >= rf:
        stack.append(((1,), k - 1, first))
    nodes = 0
    while stack:
        ds, m, c = stack.pop()
        nodes += 1
        if progress is not None and nodes % 2048 == 0:
            progress(nodes)
        L = len(ds)
        if L >= space.min_layers and m + 1 >= rf:
            out.append(stats_from_counts(k, ds, c))
        if L == N:
            continue
        lo, hi = ds[-1], _max_child(k, m, M)  # P2, P3 (and the space's M)
        a = _first_child(k, rf, M, N - L - 1, m, lo, hi)  # P4
        if a is None:
            continue
        kids = [(ds + (d,), m + (k - 1) * d, extend_counts(c, k, d)) for d in range(a, hi + 1)]
        stack.extend(reversed(kids))
    stats["nodes"] = stats.get("nodes", 0) + nodes
    return out


@dataclass(frozen=True)
class SearchResult:
    """Every candidate per axis problem, the nodes visited and the estimate made before searching."""

    space: SearchSpace
    per_axis: dict[tuple[int, int], list[AxisScore]]
    nodes: int
    estimate: int

    @property
    def candidates(self) -> list[Candidate]:
        """Candidates of the first axis problem (all of them when isotropic)."""
        first = self.space.axis_problems()[0]
        return [Candidate(a) for a in self.per_axis[first]]

    def scores(self) -> list[Score]:
        """Joint scores: isotropic -> the same schedule on every axis; else per-depth products of per-axis fronts.

        With per-axis kernels every Pareto-optimal objective vector is attained
        by a product of per-axis, per-depth front members (replacing one axis's
        schedule by one that dominates it on that axis never worsens a joint
        objective), so only those products are formed.
        """
        sp = self.space
        if sp.isotropic:
            return [Score((a,) * sp.dims) for a in self.per_axis[sp.axis_problems()[0]]]
        by_depth: list[dict[int, list[AxisScore]]] = []
        for prob in zip(sp.kernels, sp.rf):
            groups: dict[int, list[AxisScore]] = {}
            for a in self.per_axis[prob]:
                groups.setdefault(len(a.dilations), []).append(a)
            by_depth.append({L: [s.axes[0] for s in pareto_front([Score((a,)) for a in g])]
                             for L, g in groups.items()})
        out = []
        for L in range(sp.min_layers, sp.max_layers + 1):
            lists = [g.get(L, []) for g in by_depth]
            if all(lists):
                out += [Score(tuple(combo)) for combo in itertools.product(*lists)]
        return out


def check_space(space: SearchSpace, limit: int = MAX_NODES) -> int:
    """Estimate the nodes of every axis problem and refuse (:class:`TooLarge`) above ``limit``; returns the estimate."""
    total = 0
    for k, rf in space.axis_problems():
        cap = field_cap(k, space.max_layers - 1, space.max_dilation, k)
        if cap > MAX_FIELD:
            raise TooLarge(f"a {space.max_layers}-layer chain of {k}-tap kernels may reach a field of {cap} positions "
                           f"per axis, above the limit MAX_FIELD = {MAX_FIELD}; lower --max-layers or --max-dilation")
        total += estimate_nodes(k, rf, space, limit)
    if total > limit:
        raise TooLarge(f"the search would visit {'more than ' + str(limit) if total > limit else total} schedules "
                       f"(search-tree nodes, counted before searching), above the limit "
                       f"MAX_NODES = {limit}; lower --max-layers (now {space.max_layers}) or set --max-dilation")
    return total


def search(space: SearchSpace, progress: Callable[[int, int], None] | None = None,
           limit: int = MAX_NODES) -> SearchResult:
    """Exhaustive search (rules P1-P4) of every axis problem; refuses up front when the estimate exceeds ``limit``."""
    est = check_space(space, limit)
    stats: dict[str, int] = {}
    per: dict[tuple[int, int], list[AxisScore]] = {}
    done = 0
    for k, rf in space.axis_problems():
        cb = None if progress is None else (lambda n, base=done: progress(base + n, est))
        per[(k, rf)] = _axis_search(k, rf, space, cb, stats)
        done = stats["nodes"]
    if progress is not None:
        progress(est, est)
    return SearchResult(space, per, stats.get("nodes", 0), est)


def iter_hole_free(k: int, layers: int, max_dilation: int | None = None) -> Iterator[tuple[int, ...]]:
    """Every hole-free schedule of exactly ``layers`` layers (nondecreasing), by rules P1-P3.

    >>> list(iter_hole_free(2, 2))
    [(1, 1), (1, 2)]
    """
    stack: list[tuple[tuple[int, ...], int]] = [((1,), k - 1)]
    while stack:
        ds, m = stack.pop()
        if len(ds) == layers:
            yield ds
            continue
        hi = _max_child(k, m, max_dilation)
        stack.extend((ds + (d,), m + (k - 1) * d) for d in range(hi, ds[-1] - 1, -1))


def best_of_depth(kernels: Sequence[int], layers: int, rf: Sequence[int], objective: str,
                  max_dilation: int | None = None, limit: int = MAX_NODES) -> tuple[Score | None, str]:
    """The best hole-free schedule of exactly ``layers`` layers reaching ``rf`` per axis, and how it was found.

    For ``layers``, ``params`` and ``uniformity`` the answer is the mixed-radix
    schedule whenever it fits (``k^(L-1) <= max_dilation`` and ``k^L >= rf``): its
    ratio 1 is the least possible, and it is the only hole-free multiset with
    ratio 1 (ratio 1 means all ``k^L`` tap sums are distinct, so the field is
    ``k^L``, the equality case of the bound).  Otherwise the depth is searched
    (refused above ``limit``).

    >>> s, how = best_of_depth((3,), 3, (10,), "uniformity"); s.schedule, how.split(":")[0]
    ((1, 3, 9), 'mixed radix')
    """
    ks = tuple(kernels)
    if any(k**layers < r for k, r in zip(ks, rf)):
        k, r = next((k, r) for k, r in zip(ks, rf) if k**layers < r)
        return None, (f"no hole-free {layers}-layer chain of {k}-tap kernels reaches a field of {r} "
                      f"(at most {k}^{layers} = {k**layers}, bound theorem)")
    if objective in ("layers", "params", "uniformity") and all(
            max_dilation is None or k ** (layers - 1) <= max_dilation for k in ks):
        # one path per position, proved (base-k numerals): scored without building k^L counts
        axes = tuple(AxisScore(k, mixed_radix(k, layers), k**layers, k**layers, 1, 1, k**layers) for k in ks)
        return (Score(axes, _hdc(axes)),
                "mixed radix: the only hole-free schedule with one path per position (ratio 1), proved best")
    space = SearchSpace(ks, tuple(rf), layers, max_dilation, min_layers=layers)
    try:
        res = search(space, limit=limit)
    except TooLarge as exc:
        return None, f"not searched: {exc}"
    scores = res.scores()
    if not scores:
        return None, f"no hole-free {layers}-layer schedule in the space reaches the field"
    return with_hdc(rank(pareto_front(scores), objective)[0]), f"exhaustive search of depth {layers} ({res.nodes} nodes)"
