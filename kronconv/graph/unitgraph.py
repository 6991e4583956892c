"""The dependency cone as data: :class:`Level` arrays, :class:`UnitGraph`, its summary and networkx view.

:func:`~kronconv.graph.unit_graph` (in :mod:`kronconv.graph.cone`) builds a
:class:`UnitGraph`; this module holds what it returns: one :class:`Level` per
node, the :class:`FieldSummary` of the input level (field, holes, coverage,
path statistics), the explicit :mod:`networkx` graph
(:meth:`UnitGraph.to_networkx`) and the independent dynamic-programming path
count over it (:func:`graph_path_counts`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

from .._util import squash as _squash
from ..errors import InvalidArgument, TooLarge
from ..netgraph import NetGraph
from .lattice import MAX_CELLS, MAX_GRAPH_EDGES, _fold, _grid_sizes, _ops

__all__ = [
    "MAX_LISTED_HOLES",
    "FieldSummary",
    "Level",
    "UnitGraph",
    "graph_path_counts",
]

@dataclass(frozen=True)
class Level:
    """The cone at one node: ``counts[idx]`` paths from position ``origin + step * idx`` to the output.

    ``step`` is the lattice spacing per axis (1 where the cone is dense); see
    :meth:`dense` for a step-1 array.
    """

    index: int
    id: str
    origin: tuple[int, ...]
    counts: np.ndarray
    step: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not self.step:
            object.__setattr__(self, "step", (1,) * self.counts.ndim)

    def positions(self) -> Iterator[tuple[tuple[int, ...], int]]:
        """``(position, count)`` for every position in the cone (count > 0)."""
        for idx in zip(*np.nonzero(self.counts)):
            yield (tuple(int(o + g * i) for o, g, i in zip(self.origin, self.step, idx)),
                   int(self.counts[idx]))

    def dense(self) -> tuple[tuple[int, ...], np.ndarray]:
        """``(origin, counts)`` on every grid position of the box (zeros between lattice points)."""
        if all(g == 1 for g in self.step):
            return self.origin, self.counts
        shape = tuple((n - 1) * g + 1 for n, g in zip(self.counts.shape, self.step))
        if math.prod(shape) > MAX_CELLS:
            raise TooLarge(f"the field's bounding box {'x'.join(map(str, shape))} has {math.prod(shape)} cells; "
                           f"the limit is MAX_CELLS={MAX_CELLS} (use smaller dilations or fewer layers)")
        out = np.zeros(shape, dtype=self.counts.dtype)
        out[tuple(slice(None, None, g) for g in self.step)] = self.counts
        return self.origin, out


@dataclass(frozen=True)
class FieldSummary:
    r"""What the input-level cone says about the field (per axis where it has axes).

    ``receptive_field`` is the extent of the bounding box of the input positions
    reached; ``holes`` the positions inside that box that no path reaches;
    ``coverage`` = reached / box cells (exact).  Path statistics: ``max_paths``,
    ``centre_paths`` (count at the box centre, rounded down to a grid position
    when the extent is even), ``total_paths``, the count-weighted ``mean`` and
    standard deviation ``spread`` of the position per axis, and
    ``spread_uniform`` -- the spread a uniform field of the same extent would
    have, :math:`\sqrt{(r^2 - 1)/12}`; a ratio below 1 means the paths
    concentrate at the centre.
    """

    receptive_field: tuple[int, ...]
    bbox: tuple[tuple[int, int], ...]  #: (first, last) input position per axis
    reached: int
    holes: int
    hole_positions: tuple[tuple[int, ...], ...]  #: the first :data:`MAX_LISTED_HOLES`, row-major
    coverage: Fraction
    max_paths: int
    centre_paths: int
    total_paths: int
    mean: tuple[float, ...]
    spread: tuple[float, ...]
    spread_uniform: tuple[float, ...]
    single_path: bool  #: every reached position has exactly one path

    def to_dict(self) -> dict[str, Any]:
        sq = _squash
        return {
            "receptive_field": sq(list(self.receptive_field)),
            "bbox": [list(b) for b in self.bbox],
            "reached": self.reached,
            "holes": self.holes,
            "hole_positions": [list(p) for p in self.hole_positions],
            "coverage": float(self.coverage),
            "coverage_exact": f"{self.coverage.numerator}/{self.coverage.denominator}",
            "max_paths": self.max_paths,
            "centre_paths": self.centre_paths,
            "total_paths": self.total_paths,
            "mean": sq([round(m, 6) for m in self.mean]),
            "spread": sq([round(s, 6) for s in self.spread]),
            "spread_uniform": sq([round(s, 6) for s in self.spread_uniform]),
            "single_path": self.single_path,
        }


#: How many hole positions a summary lists (the count is always exact).
MAX_LISTED_HOLES = 64


def _reached_box(counts: np.ndarray) -> list[tuple[int, int]] | None:
    """Per axis ``(first, last + 1)`` of the nonzero entries, or ``None`` if all are zero.

    Scans inward from each face of the box, one hyperplane at a time, within the
    faces already trimmed: on a lattice box whose faces are reached (the usual
    case) it reads only the faces, never the whole array.
    """
    box: list[tuple[int, int]] = []
    view = counts
    for a in range(counts.ndim):
        n = view.shape[a]
        first = 0
        while first < n and not np.any(np.take(view, first, axis=a)):
            first += 1
        if first == n:
            return None
        last = n - 1
        while not np.any(np.take(view, last, axis=a)):
            last -= 1
        box.append((first, last + 1))
        view = view[(slice(None),) * a + (slice(first, last + 1),)]
    return box


def _first_zeros(c: np.ndarray, limit: int) -> np.ndarray:
    """Row-major indices of the first ``limit`` zero entries, scanning blocks of rows until enough are found."""
    found: list[np.ndarray] = []
    total = 0
    if c.ndim == 0 or c.size == 0:
        return np.zeros((0, c.ndim), dtype=np.int64)
    step = max(1, (1 << 20) // max(1, c.size // c.shape[0]))
    for r0 in range(0, c.shape[0], step):
        idx = np.argwhere(c[r0:r0 + step] == 0)
        if len(idx):
            idx[:, 0] += r0
            found.append(idx[: limit - total])
            total += len(found[-1])
            if total >= limit:
                break
    return np.concatenate(found) if found else np.zeros((0, c.ndim), dtype=np.int64)


@dataclass(frozen=True)
class UnitGraph:
    """The dependency cone of output unit(s) ``unit .. unit + window - 1``; see the module docstring.

    ``levels[i]`` is the cone at node ``i`` of :attr:`graph` (topological order,
    0 = input; for a chain, ``i`` = layer number), or ``None`` where the node is
    outside the cone.
    """

    graph: NetGraph
    unit: tuple[int, ...]
    window: tuple[int, ...]
    input_size: tuple[int, ...] | None
    padding_mode: str
    levels: tuple[Level | None, ...]
    kept_levels: bool = True  #: False when only the input level was kept

    @property
    def input(self) -> Level | None:
        """The input level: path counts of every input position (``None`` if the field is empty)."""
        return self.levels[0]

    def path_counts(self) -> tuple[tuple[int, ...], np.ndarray]:
        """``(origin, counts)`` of the input level, trimmed to the field's bounding box (computed once)."""
        return self._trimmed

    @cached_property
    def _trimmed(self) -> tuple[tuple[int, ...], np.ndarray]:
        lev = self.input
        empty = (0,) * self.graph.dims, np.zeros((0,) * self.graph.dims, dtype=np.int64)
        if lev is None:
            return empty
        origin, counts = lev.dense()
        box = _reached_box(counts)
        if box is None:
            return empty
        sl = tuple(slice(a, b) for a, b in box)
        return tuple(o + a for o, (a, _) in zip(origin, box)), counts[sl]

    def summary(self) -> FieldSummary:
        """Receptive field, holes, coverage and path-count statistics of the input level."""
        origin, c = self.path_counts()
        dims = self.graph.dims
        if c.size == 0:
            z = (0,) * dims
            return FieldSummary(z, (), 0, 0, (), Fraction(0), 0, 0, 0, (0.0,) * dims, (0.0,) * dims,
                                (0.0,) * dims, False)
        if c.dtype != object and int(c.max()) * c.size >= 1 << 62:  # sums could overflow int64
            c = c.astype(object)
        reached = int(np.count_nonzero(c))
        holes = c.size - reached
        listed = tuple(tuple(int(o + i) for o, i in zip(origin, row)) for row in _first_zeros(c, MAX_LISTED_HOLES))
        rf = tuple(int(n) for n in c.shape)
        centre_idx = tuple((n - 1) // 2 for n in c.shape)
        total = int(c.sum())
        mean, spread = [], []
        for a in range(dims):
            marg = c.sum(axis=tuple(b for b in range(dims) if b != a)) if dims > 1 else c
            w = np.asarray([int(v) for v in marg], dtype=object)
            pos = np.arange(len(w))
            m = Fraction(int((w * pos).sum()), total)
            var = Fraction(int((w * pos * pos).sum()), total) - m * m
            mean.append(float(origin[a] + m))
            spread.append(math.sqrt(var))
        uni = tuple(math.sqrt((r * r - 1) / 12) for r in rf)
        cmax = int(c.max())
        return FieldSummary(
            receptive_field=rf,
            bbox=tuple((o, o + n - 1) for o, n in zip(origin, rf)),
            reached=reached,
            holes=holes,
            hole_positions=listed,
            coverage=Fraction(reached, c.size),
            max_paths=cmax,
            centre_paths=int(c[centre_idx]),
            total_paths=total,
            mean=tuple(mean),
            spread=tuple(spread),
            spread_uniform=uni,
            single_path=cmax == 1 and holes == 0,
        )

    def edge_count(self) -> int:
        """Exact number of (node, tap) edges of the explicit graph (before merging folded taps)."""
        total = 0
        for lev, node in zip(self.levels, self.graph.nodes):
            if lev is None:
                continue
            n = int(np.count_nonzero(lev.counts))
            total += n * (math.prod(node.layer.kernel) if node.layer is not None else len(node.inputs))  # type: ignore[arg-type]
        return total

    def to_networkx(self, max_edges: int = MAX_GRAPH_EDGES) -> Any:
        """The explicit dependency graph as a :class:`networkx.DiGraph`.

        Nodes ``(level, position)`` (``position`` a tuple) with attributes
        ``level``, ``node`` (the layer-level id), ``position``, ``paths`` and
        ``output`` (True for the chosen output units); edges from input side
        to output side with ``taps`` (list of tap index tuples; empty for a
        branch edge into ``add``/``concat``), ``multiplicity`` (number of taps)
        and ``op``.  Refused above ``max_edges`` edges.

        Examples
        --------
        >>> from kronconv.graph import unit_graph
        >>> from kronconv.spec import chain
        >>> G = unit_graph(chain(kernel=3, layers=2, dims=1)).to_networkx()
        >>> G.number_of_nodes(), G.number_of_edges(), G.nodes[(0, (2,))]["paths"]
        (9, 12, 3)
        """
        import networkx as nx

        if not self.kept_levels:
            raise InvalidArgument("this cone was built with keep_levels=False: rebuild it with keep_levels=True "
                                  "to get the explicit graph")
        limit = min(int(max_edges), MAX_GRAPH_EDGES) if max_edges > 0 else MAX_GRAPH_EDGES
        n_edges = self.edge_count()
        if n_edges > limit:
            raise TooLarge(f"the dependency graph has {n_edges} edges; the explicit networkx graph is limited to "
                           f"{limit} (MAX_GRAPH_EDGES={MAX_GRAPH_EDGES}); path counts and holes do not need it")
        ops = _ops(self.graph)
        sizes = _grid_sizes(self.graph, ops, self.input_size) if self.input_size is not None else None
        G = nx.DiGraph(name=self.graph.name, unit=list(self.unit), window=list(self.window))
        out_lo = self.unit
        out_hi = tuple(u + w for u, w in zip(self.unit, self.window))
        for lev in self.levels:
            if lev is None:
                continue
            for pos, cnt in lev.positions():
                is_out = lev.index == len(ops) - 1 and all(a <= p < b for p, a, b in zip(pos, out_lo, out_hi))
                G.add_node((lev.index, pos), level=lev.index, node=lev.id, position=pos, paths=cnt, output=is_out)
        for op in ops:
            lev = self.levels[op.index]
            if lev is None or op.op == "input":
                continue
            nz = np.argwhere(lev.counts != 0) * np.asarray(lev.step, dtype=np.int64) + np.asarray(lev.origin, dtype=np.int64)
            if not op.kernel:
                for src in op.inputs:
                    for row in nz:
                        pos = tuple(int(v) for v in row)
                        G.add_edge((src, pos), (op.index, pos), taps=[], multiplicity=1, op=op.op)
                continue
            src = op.inputs[0]
            size = None if sizes is None else sizes[src]
            mode = "zeros" if op.pool else self.padding_mode
            acc: dict[tuple[Any, Any], list[tuple[int, ...]]] = {}
            for tap in np.ndindex(*op.kernel):
                xs = nz * np.asarray(op.stride) - np.asarray(op.padding) + np.asarray(tap) * np.asarray(op.dilation)
                keep = np.ones(len(xs), dtype=bool)
                if size is not None:
                    for a in range(xs.shape[1]):
                        mapped = _fold(xs[:, a], size[a], mode)
                        keep &= mapped >= 0
                        xs[:, a] = mapped
                for x, u, k in zip(xs.tolist(), nz.tolist(), keep):
                    if k:
                        acc.setdefault(((src, tuple(x)), (op.index, tuple(u))), []).append(tuple(tap))
            for (a, b), taps in acc.items():
                G.add_edge(a, b, taps=taps, multiplicity=len(taps), op=op.op)
        return G

    def level_of(self, node_id: str) -> Level | None:
        return self.levels[self.graph.index(node_id)]


def graph_path_counts(G: Any) -> dict[Any, int]:
    """Paths from every node of an explicit dependency graph to its output units (dynamic programming).

    Independent of the array code: walks :func:`networkx.topological_sort` in
    reverse, ``paths(v) = sum(multiplicity(v, w) * paths(w))``, 1 at output units.

    Examples
    --------
    >>> from kronconv.graph import unit_graph
    >>> from kronconv.spec import chain
    >>> G = unit_graph(chain(kernel=2, layers=3, dims=1)).to_networkx()
    >>> sorted(c for (lvl, _), c in graph_path_counts(G).items() if lvl == 0)
    [1, 1, 3, 3]
    """
    import networkx as nx

    paths: dict[Any, int] = {}
    for v in reversed(list(nx.topological_sort(G))):
        if G.out_degree(v) == 0:
            paths[v] = 1 if G.nodes[v].get("output") else 0
        else:
            paths[v] = sum(d["multiplicity"] * paths[w] for _, w, d in G.out_edges(v, data=True))
    return paths
