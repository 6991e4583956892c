r"""Unit-level receptive-field dependency graphs: exact fields, holes, path counts, the HDC rule.

Formulas give the *size* of a receptive field; this module says which input
positions inside it actually reach an output unit, and by how many paths.

The dependency graph of a network (a chain :class:`~kronconv.spec.Network` or a
branching :class:`~kronconv.netgraph.NetGraph`) for a chosen output unit, or a
small window of units, has a node ``(level, position)`` for every unit that the
output depends on -- level 0 is the input, level ``i`` the ``i``-th node in
topological order (for a chain: the output of layer ``i``) -- and an edge per
kernel tap from ``(j, u s - p + t d)`` to ``(i, u)``, where ``j`` is the level of
the node's input, carrying the tap index ``t``.  ``add`` / ``concat`` nodes contribute one edge per input branch.

Only the cone that matters is built, and it is built with integer arrays:
walking the graph backwards from the output, the array of a node holds for
every position the number of paths from it to the output unit(s), obtained by
scattering the successor's array once per tap (a transposed strided
convolution with an all-ones kernel).  Each array lives on the lattice the
cone occupies -- behind a layer of dilation ``d`` only every ``gcd(g s, d)``-th
position can be reached -- so the cones of dilated stacks stay small (the
4096 x 4096 field of a 12-layer 2-D Kronecker cascade costs about twice its
input array).  The input level's array is therefore
the **path count** of every input position, which equals the impulse response
of the network with all-ones kernels; :func:`numeric_path_counts` recomputes it
by forward numeric convolution and :func:`graph_path_counts` by dynamic
programming over the explicit :mod:`networkx` graph (:meth:`UnitGraph.to_networkx`).

Boundaries.  Without ``input_size`` the grid is unbounded (every position is an
input position; padding only shifts coordinates) -- the interior unit every
formula describes.  With ``input_size``, positions outside a node's grid are
handled by ``padding_mode``: ``"zeros"`` drops them (they are padding, not
input), ``"circular"``, ``"reflect"`` and ``"replicate"`` fold them back onto
real positions like :func:`numpy.pad` modes ``wrap``, ``reflect`` and ``edge``
(PyTorch's ``padding_mode``), so one tap may then meet the same source twice
(edge attribute ``multiplicity``).  Pooling windows always drop padding
(PyTorch pads pooling implicitly).

Limits.  Work and memory are estimated from the boxes before any array is
allocated (:func:`estimate`); beyond a limit :class:`~kronconv.errors.TooLarge`
names it:

* :data:`MAX_CELLS` cells in one node's array (a 4096 x 4096 field);
* :data:`MAX_TOTAL_CELLS` cells alive at once (every level is kept unless
  ``keep_levels=False``, which keeps only the input level);
* :data:`MAX_WORK` cell-taps in all (about 3 s on one CPU core);
* :data:`MAX_OBJECT_WORK` cell-taps when counts may exceed :math:`2^{62}` and
  exact Python integers are used;
* :data:`MAX_GRAPH_EDGES` edges for the explicit networkx graph.

Examples
--------
>>> from kronconv.spec import chain
>>> ug = unit_graph(chain(kernel=3, dilations=[2, 2, 2], dims=1))
>>> s = ug.summary()
>>> s.receptive_field, s.holes, s.coverage
((13,), 6, Fraction(7, 13))
>>> unit_graph(chain(kernel=3, dilations=[1, 3, 9], dims=1)).summary().max_paths
1
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..atomic import atomic_write
from ..errors import InvalidArgument, TooLarge
from ..netgraph import NetGraph, from_network
from ..spec import Network, Pool

__all__ = [
    "EXPORT_FORMATS",
    "MAX_CELLS",
    "MAX_GRAPH_EDGES",
    "MAX_NUMERIC_WORK",
    "MAX_OBJECT_WORK",
    "MAX_TOTAL_CELLS",
    "MAX_WINDOW_UNITS",
    "MAX_WORK",
    "PADDING_MODES",
    "Estimate",
    "FieldSummary",
    "GraphReport",
    "HDCRule",
    "Level",
    "NumericCheck",
    "UnitGraph",
    "analyse",
    "estimate",
    "export_graph",
    "graph_path_counts",
    "hdc_for_network",
    "hdc_rule",
    "kronecker_single_path",
    "numeric_check",
    "numeric_path_counts",
    "plot_path_counts",
    "require_matplotlib",
    "string_graph",
    "to_dot",
    "unit_graph",
]

#: Boundary handling for positions outside a node's grid (only with ``input_size``).
PADDING_MODES = ("zeros", "circular", "reflect", "replicate")
#: Largest array (cells) of one node's cone.
MAX_CELLS = 1 << 24
#: Largest number of cells alive at once: the stored levels plus transient arrays (512 MiB of int64).
MAX_TOTAL_CELLS = 1 << 26
#: Largest total work, in cell-taps (array cells times kernel taps, summed over nodes).
MAX_WORK = 1 << 31
#: Largest total work when counts may exceed 2**62 and Python integers are used.
MAX_OBJECT_WORK = 1 << 22
#: Largest explicit networkx graph (edges) built by :meth:`UnitGraph.to_networkx`.
MAX_GRAPH_EDGES = 500_000
#: Largest window of output units (cells).
MAX_WINDOW_UNITS = 4096
#: Largest work of :func:`numeric_path_counts` (impulses times cell-taps).
MAX_NUMERIC_WORK = 1 << 28

_INT64_SAFE = 1 << 62
_NP_MODES = {"circular": "wrap", "reflect": "reflect", "replicate": "edge"}

Model = Network | NetGraph


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class _Op:
    """One node in a form the array code uses: indices instead of ids."""

    index: int
    id: str
    op: str
    inputs: tuple[int, ...]
    kernel: tuple[int, ...] = ()
    dilation: tuple[int, ...] = ()
    stride: tuple[int, ...] = ()
    padding: tuple[int, ...] = ()
    pool: bool = False

    @property
    def taps(self) -> int:
        return math.prod(self.kernel) if self.kernel else 1


def _as_graph(model: Model) -> NetGraph:
    if isinstance(model, Network):
        return from_network(model)
    if isinstance(model, NetGraph):
        return model
    raise InvalidArgument(f"expected a Network or NetGraph, got {type(model).__name__}")


def _ops(g: NetGraph) -> list[_Op]:
    pos = {n.id: i for i, n in enumerate(g.nodes)}
    ops = []
    for i, n in enumerate(g.nodes):
        ins = tuple(pos[s] for s in n.inputs)
        if n.layer is None:
            ops.append(_Op(i, n.id, n.op, ins))
        else:
            lay = n.layer
            ops.append(_Op(i, n.id, n.op, ins, tuple(lay.kernel), tuple(lay.dilation),  # type: ignore[arg-type]
                           tuple(lay.stride), tuple(lay.padding), isinstance(lay, Pool)))  # type: ignore[arg-type]
    return ops


def _grid_sizes(g: NetGraph, ops: list[_Op], input_size: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Spatial size of every node's grid for a concrete input size."""
    sizes: list[tuple[int, ...]] = []
    for op in ops:
        if op.op == "input":
            sizes.append(input_size)
        elif op.kernel:
            n_in = sizes[op.inputs[0]]
            out = []
            for ax in range(g.dims):
                ext = op.dilation[ax] * (op.kernel[ax] - 1) + 1
                n = (n_in[ax] + 2 * op.padding[ax] - ext) // op.stride[ax] + 1
                if n < 1:
                    raise InvalidArgument(
                        f"node {op.id!r}: input size {n_in[ax]} on axis {ax} is smaller than the dilated "
                        f"kernel extent {ext} (padding {op.padding[ax]}): use a larger --input-size")
                out.append(n)
            sizes.append(tuple(out))
        else:
            got = {sizes[i] for i in op.inputs}
            if len(got) != 1:
                names = {g.nodes[i].id: list(sizes[i]) for i in op.inputs}
                raise InvalidArgument(f"node {op.id!r} ({op.op}) needs inputs of equal spatial size, got {names}")
            sizes.append(sizes[op.inputs[0]])
    return sizes


def _fold(x: np.ndarray, size: int, mode: str) -> np.ndarray:
    """Target index in ``[0, size)`` of positions ``x`` under the padding mode, or -1 where dropped."""
    x = np.asarray(x, dtype=np.int64)
    if mode == "zeros":
        return np.where((x >= 0) & (x < size), x, -1)
    if mode == "circular":
        return np.mod(x, size)
    if mode == "replicate":
        return np.clip(x, 0, size - 1)
    if size == 1:  # reflect
        return np.zeros_like(x)
    period = 2 * (size - 1)
    y = np.mod(x, period)
    return np.where(y >= size, period - y, y)


#: A box of lattice positions per axis: ``(origin, step, shape)``; index ``i`` is ``origin + step * i``.
Box = tuple[list[int], list[int], list[int]]


def _scatter_box(op: _Op, box: Box) -> Box:
    """Lattice box of the inputs read by the units of ``box`` through ``op``.

    Unit ``lo + g i`` reads ``(lo + g i) s - p + t d``: the positions lie on the
    lattice ``lo s - p + gcd(g s, d) Z`` (``g s Z`` for a 1-tap kernel), which is
    what keeps the cones of dilated layers small.
    """
    lo, step, shape = box
    if not op.kernel:
        return list(lo), list(step), list(shape)
    nlo, nstep, nsh = [], [], []
    for a in range(len(lo)):
        gs = step[a] * op.stride[a] if shape[a] > 1 else 0  # one unit: any spacing fits
        g = (math.gcd(gs, op.dilation[a]) if op.kernel[a] > 1 else gs) or 1
        nlo.append(lo[a] * op.stride[a] - op.padding[a])
        nstep.append(g)
        nsh.append(((shape[a] - 1) * gs + (op.kernel[a] - 1) * op.dilation[a]) // g + 1)
    return nlo, nstep, nsh


def _clip_box(box: Box, size: tuple[int, ...] | None, mode: str) -> Box | None:
    """Box after the boundary: clipped (zeros), the whole grid if anything folds, ``None`` if empty."""
    if size is None:
        return box
    lo, step, shape = box
    out: Box = ([], [], [])
    for a in range(len(lo)):
        hi = lo[a] + step[a] * (shape[a] - 1)
        if lo[a] >= 0 and hi < size[a]:
            vals = (lo[a], step[a], shape[a])
        elif mode == "zeros":
            first = max(0, (-lo[a] + step[a] - 1) // step[a])  # first index with position >= 0
            last = min(shape[a] - 1, (size[a] - 1 - lo[a]) // step[a])
            if last < first:
                return None
            vals = (lo[a] + step[a] * first, step[a], last - first + 1)
        else:
            vals = (0, 1, size[a])
        for lst, v in zip(out, vals):
            lst.append(v)
    return out


def _union(boxes: list[Box]) -> Box:
    """The smallest lattice box holding every box: common step = gcd of steps and origin offsets."""
    dims = len(boxes[0][0])
    lo = [min(b[0][a] for b in boxes) for a in range(dims)]
    hi = [max(b[0][a] + b[1][a] * (b[2][a] - 1) for b in boxes) for a in range(dims)]
    step = []
    for a in range(dims):
        g = 0
        for b in boxes:
            g = math.gcd(g, b[0][a] - lo[a])
            if b[2][a] > 1:
                g = math.gcd(g, b[1][a])
        step.append(g if g > 0 else max(b[1][a] for b in boxes))
    return lo, step, [(h - l) // s + 1 for l, h, s in zip(lo, hi, step)]


@dataclass(frozen=True)
class Estimate:
    """Work and memory of a :func:`unit_graph` request, computed from boxes alone."""

    cells: tuple[int, ...]  #: array cells per node (0 where the node is outside the cone)
    work: int  #: cell-taps in all
    path_bound: int  #: upper bound on the total number of paths (and on any count)
    edges: int  #: upper bound on the edges of the explicit graph
    peak_cells: int = 0  #: cells alive at once: stored levels plus transient arrays

    @property
    def exact_ints(self) -> bool:
        """True when counts may exceed 2**62 and Python integers are needed."""
        return self.path_bound > _INT64_SAFE


def _dense(box: Box) -> Box:
    lo, step, shape = box
    return list(lo), [1] * len(lo), [(n - 1) * s + 1 for n, s in zip(shape, step)]


def _plan(ops: list[_Op], dims: int, unit: tuple[int, ...], window: tuple[int, ...],
          sizes: list[tuple[int, ...]] | None, mode: str, check: bool = True,
          keep_levels: bool = True, lattice: bool = True) -> tuple[list[Box | None], Estimate]:
    """Boxes of every node's cone and the cost of building them, without allocating arrays.

    With ``lattice=False`` every box is dense (step 1), as the forward numeric
    computation needs.
    """
    n = len(ops)
    boxes: list[Box | None] = [None] * n
    pending: list[list[Box]] = [[] for _ in range(n)]
    bound = [0] * n
    pending[n - 1].append((list(unit), [1] * dims, list(window)))
    bound[n - 1] = math.prod(window)
    work = 0
    live = math.prod(window)  # cells of pending contributions
    kept = 0
    peak = 0
    for op in reversed(ops):
        if not pending[op.index]:
            continue
        box = _union(pending[op.index])
        if not lattice:
            box = _dense(box)
        boxes[op.index] = box
        cells = math.prod(box[2])
        if check and cells > MAX_CELLS:
            raise TooLarge(f"node {op.id!r} would need an array of {cells} cells; the limit is MAX_CELLS="
                           f"{MAX_CELLS} (use a smaller network or window)")
        parts = sum(math.prod(p[2]) for p in pending[op.index])
        peak = max(peak, kept + live + cells)
        live -= parts
        work += cells * op.taps
        for src in op.inputs:
            sbox = _scatter_box(op, box)
            if not lattice:
                sbox = _dense(sbox)
            peak = max(peak, kept + live + cells + math.prod(sbox[2]))
            clipped = _clip_box(sbox, None if sizes is None else sizes[src], "zeros" if op.pool else mode)
            if clipped is not None:
                pending[src].append(clipped)
                live += math.prod(clipped[2])
                bound[src] += bound[op.index] * op.taps
        if keep_levels or op.index == 0:
            kept += cells
    peak = max(peak, kept)
    cells_t = tuple(math.prod(b[2]) if b else 0 for b in boxes)
    return boxes, Estimate(cells_t, work, max(bound), work, peak)


def estimate(model: Model, unit: Sequence[int] | int | None = None, window: Sequence[int] | int = 1,
             input_size: Sequence[int] | int | None = None, padding_mode: str = "zeros",
             keep_levels: bool = True) -> Estimate:
    """Estimate the work of :func:`unit_graph` without computing it (same arguments).

    Examples
    --------
    >>> from kronconv.spec import preset
    >>> e = estimate(preset("yu-koltun-basic"))
    >>> e.cells[0], e.path_bound
    (4489, 4782969)
    """
    g = _as_graph(model)
    ops = _ops(g)
    unit_t, window_t, _size, sizes = _normalise(g, ops, unit, window, input_size, padding_mode)
    return _plan(ops, g.dims, unit_t, window_t, sizes, padding_mode, check=False, keep_levels=keep_levels)[1]


def _tuple(name: str, value: Sequence[int] | int, dims: int, lo: int) -> tuple[int, ...]:
    vals = list(value) if isinstance(value, (list, tuple)) else [value] * dims
    if len(vals) == 1:
        vals = vals * dims
    if len(vals) != dims:
        raise InvalidArgument(f"{name} has {len(vals)} entries {vals}, expected 1 or {dims} (one per axis)")
    for v in vals:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo or abs(v) > 1 << 30:
            raise InvalidArgument(f"{name} entries must be integers in [{lo}, {1 << 30}], got {v!r}")
    return tuple(int(v) for v in vals)


def _normalise(g: NetGraph, ops: list[_Op], unit: Any, window: Any, input_size: Any, mode: str) -> tuple[
        tuple[int, ...], tuple[int, ...], tuple[int, ...] | None, list[tuple[int, ...]] | None]:
    if mode not in PADDING_MODES:
        raise InvalidArgument(f"padding_mode must be one of {', '.join(PADDING_MODES)}, got {mode!r}")
    window_t = _tuple("window", window, g.dims, 1)
    if math.prod(window_t) > MAX_WINDOW_UNITS:
        raise TooLarge(f"window {list(window_t)} has {math.prod(window_t)} units; the limit is "
                       f"MAX_WINDOW_UNITS={MAX_WINDOW_UNITS}")
    sizes = None
    size_t = None
    if input_size is not None:
        size_t = _tuple("input_size", input_size, g.dims, 1)
        sizes = _grid_sizes(g, ops, size_t)
    if unit is None:
        unit_t = (tuple((n - w) // 2 for n, w in zip(sizes[-1], window_t)) if sizes is not None
                  else (0,) * g.dims)
    else:
        unit_t = _tuple("unit", unit, g.dims, -(1 << 30))
    if sizes is not None:
        out = sizes[-1]
        for a in range(g.dims):
            if not 0 <= unit_t[a] <= out[a] - window_t[a]:
                raise InvalidArgument(
                    f"unit {list(unit_t)} with window {list(window_t)} lies outside the output grid "
                    f"{list(out)} on axis {a}: need 0 <= unit <= {out[a] - window_t[a]}")
    return unit_t, window_t, size_t, sizes


# --------------------------------------------------------------------------- the cone


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


Part = tuple[list[int], list[int], np.ndarray]  #: (origin, step, counts) of a lattice array


def _scatter(op: _Op, part: Part) -> Part:
    """Transposed all-ones convolution: the counts that ``part`` at ``op`` sends to its input."""
    lo, step, counts = part
    nlo, nstep, nsh = _scatter_box(op, (lo, step, list(counts.shape)))
    out = np.zeros(nsh, dtype=counts.dtype)
    n = counts.shape
    jumps = [max(step[a] * op.stride[a] // nstep[a], 1) for a in range(len(lo))]
    for tap in np.ndindex(*op.kernel):
        sl = tuple(slice(t * d // g, t * d // g + j * (m - 1) + 1, j)
                   for t, d, g, j, m in zip(tap, op.dilation, nstep, jumps, n))
        out[sl] += counts
    return nlo, nstep, out


def _boundary(part: Part, size: tuple[int, ...] | None, mode: str) -> Part | None:
    """Drop (zeros) or fold positions outside ``[0, size)``; ``None`` if nothing is left."""
    if size is None:
        return part
    lo, step, arr = list(part[0]), list(part[1]), part[2]
    for a in range(arr.ndim):
        n = arr.shape[a]
        x = lo[a] + step[a] * np.arange(n, dtype=np.int64)
        if x[0] >= 0 and x[-1] < size[a]:
            continue
        tgt = _fold(x, size[a], mode)
        keep = tgt >= 0
        if not keep.any():
            return None
        if mode == "zeros":  # positions increase: the kept ones are a contiguous run
            first = int(np.argmax(keep))
            last = n - int(np.argmax(keep[::-1]))
            arr = np.take(arr, np.arange(first, last), axis=a)
            lo[a] += step[a] * first
        else:
            moved = np.moveaxis(arr, a, 0)
            res = np.zeros((size[a],) + moved.shape[1:], dtype=arr.dtype)
            np.add.at(res, tgt, moved)
            arr = np.moveaxis(res, 0, a)
            lo[a], step[a] = 0, 1
    return lo, step, arr


def _accumulate(parts: list[Part]) -> Part:
    """Sum lattice arrays on their common lattice box (:func:`_union`)."""
    lo, step, shape = _union([(p[0], p[1], list(p[2].shape)) for p in parts])
    out = np.zeros(shape, dtype=parts[0][2].dtype)
    for plo, pstep, arr in parts:
        sl = tuple(slice((pl - l) // g, (pl - l) // g + (ps // g) * (m - 1) + 1, max(ps // g, 1))
                   for pl, l, g, ps, m in zip(plo, lo, step, pstep, arr.shape))
        out[sl] += arr
    return lo, step, out


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


def _squash(values: list[Any]) -> Any:
    return values[0] if values and all(v == values[0] for v in values) else values


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
        """``(origin, counts)`` of the input level, trimmed to the field's bounding box."""
        lev = self.input
        if lev is None or not np.any(lev.counts):
            return (0,) * self.graph.dims, np.zeros((0,) * self.graph.dims, dtype=np.int64)
        origin, counts = lev.dense()
        nz = np.nonzero(counts)
        lo = [int(i.min()) for i in nz]
        hi = [int(i.max()) + 1 for i in nz]
        sl = tuple(slice(a, b) for a, b in zip(lo, hi))
        return tuple(o + a for o, a in zip(origin, lo)), counts[sl]

    def summary(self) -> FieldSummary:
        """Receptive field, holes, coverage and path-count statistics of the input level."""
        origin, c = self.path_counts()
        dims = self.graph.dims
        if c.size == 0:
            z = (0,) * dims
            return FieldSummary(z, (), 0, 0, (), Fraction(0), 0, 0, 0, (0.0,) * dims, (0.0,) * dims,
                                (0.0,) * dims, False)
        reached_mask = c != 0
        reached = int(np.count_nonzero(reached_mask))
        hole_idx = np.argwhere(~reached_mask)
        holes = len(hole_idx)
        listed = tuple(tuple(int(o + i) for o, i in zip(origin, row)) for row in hole_idx[:MAX_LISTED_HOLES])
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


def unit_graph(model: Model, unit: Sequence[int] | int | None = None, window: Sequence[int] | int = 1,
               input_size: Sequence[int] | int | None = None, padding_mode: str = "zeros",
               keep_levels: bool = True) -> UnitGraph:
    """Build the dependency cone of output unit(s) ``unit .. unit + window - 1`` with integer arrays.

    Parameters
    ----------
    model
        A chain :class:`~kronconv.spec.Network` or a :class:`~kronconv.netgraph.NetGraph`.
    unit
        First output unit (per axis or one int); default: 0 on an unbounded
        grid, the centred window with ``input_size``.
    window
        Number of output units per axis (at most :data:`MAX_WINDOW_UNITS` in all).
    input_size, padding_mode
        Grid size of the input and boundary handling (see the module docstring);
        ``None`` means an unbounded grid.
    keep_levels
        Keep every node's array (needed by :meth:`UnitGraph.to_networkx`); with
        ``False`` only the input level is kept, which lowers the memory peak.

    Counts are exact: int64 while the path bound (product of tap counts along
    the longest path, times the window) is at most :math:`2^{62}`, Python
    integers (object arrays, smaller work limit) above it.

    Examples
    --------
    >>> from kronconv.spec import chain
    >>> ug = unit_graph(chain(kernel=3, layers=2, dims=1))
    >>> ug.path_counts()
    ((0,), array([1, 2, 3, 2, 1]))
    >>> unit_graph(chain(kernel=3, layers=2, dims=1), input_size=5, unit=0).path_counts()[1]
    array([1, 2, 3, 2, 1])
    >>> unit_graph(chain(kernel=3, layers=2, paddings=[1], dims=1), input_size=3, unit=0).path_counts()[1]
    array([2, 2, 1])
    """
    g = _as_graph(model)
    ops = _ops(g)
    unit_t, window_t, size_t, sizes = _normalise(g, ops, unit, window, input_size, padding_mode)
    _boxes, est = _plan(ops, g.dims, unit_t, window_t, sizes, padding_mode, keep_levels=keep_levels)
    if est.exact_ints and est.work > MAX_OBJECT_WORK:
        raise TooLarge(f"path counts may reach about 2**{est.path_bound.bit_length() - 1} > 2**62 and need exact "
                       f"Python integers; that work ({est.work} cell-taps) exceeds MAX_OBJECT_WORK={MAX_OBJECT_WORK}")
    if est.peak_cells > MAX_TOTAL_CELLS:
        hint = "; keep_levels=False keeps only the input level" if keep_levels else ""
        raise TooLarge(f"the cone would hold {est.peak_cells} cells at once; the limit is "
                       f"MAX_TOTAL_CELLS={MAX_TOTAL_CELLS} (use a smaller network, window or input size{hint})")
    if est.work > MAX_WORK:
        raise TooLarge(f"the cone needs {est.work} cell-taps of work; the limit is MAX_WORK={MAX_WORK} "
                       "(use a smaller network, window or input size)")
    dtype = object if est.exact_ints else np.int64
    n = len(ops)
    pending: list[list[Part]] = [[] for _ in range(n)]
    pending[-1].append((list(unit_t), [1] * g.dims, np.ones(window_t, dtype=dtype)))
    levels: list[Level | None] = [None] * n
    for op in reversed(ops):
        parts = pending[op.index]
        if not parts:
            continue
        part = parts[0] if len(parts) == 1 else _accumulate(parts)
        pending[op.index] = []
        part[2].setflags(write=False)
        if keep_levels or op.index == 0:
            levels[op.index] = Level(op.index, op.id, tuple(int(v) for v in part[0]), part[2],
                                     tuple(int(v) for v in part[1]))
        for src in op.inputs:
            sent = _scatter(op, part) if op.kernel else part
            res = _boundary(sent, None if sizes is None else sizes[src], "zeros" if op.pool else padding_mode)
            if res is not None:
                pending[src].append(res)
    return UnitGraph(g, unit_t, window_t, size_t, padding_mode, tuple(levels), keep_levels)


def graph_path_counts(G: Any) -> dict[Any, int]:
    """Paths from every node of an explicit dependency graph to its output units (dynamic programming).

    Independent of the array code: walks :func:`networkx.topological_sort` in
    reverse, ``paths(v) = sum(multiplicity(v, w) * paths(w))``, 1 at output units.

    Examples
    --------
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


# --------------------------------------------------------------------------- numeric cross-check


def _forward(op: _Op, arr: np.ndarray, lo: Sequence[int], out_lo: Sequence[int], out_shape: Sequence[int],
             size: tuple[int, ...] | None, mode: str) -> np.ndarray:
    """All-ones (dilated, strided) correlation of a batch ``arr`` (axis 0 = batch) known on box ``lo``.

    Returns the outputs at units ``out_lo .. out_lo + out_shape - 1``: unit ``u``
    reads input positions ``u s - p + t d``; positions outside ``[0, size)`` are
    padded by ``mode`` (:func:`numpy.pad`), positions outside the box must not be read
    (the caller's box covers everything read on an unbounded grid).
    """
    dims = len(lo)
    need_lo = [out_lo[a] * op.stride[a] - op.padding[a] for a in range(dims)]
    need_hi = [(out_lo[a] + out_shape[a] - 1) * op.stride[a] - op.padding[a] + (op.kernel[a] - 1) * op.dilation[a]
               for a in range(dims)]
    if size is not None:  # the box is the whole grid [0, size): pad it by the mode
        before = [max(0, -need_lo[a]) for a in range(dims)]
        after = [max(0, need_hi[a] - size[a] + 1) for a in range(dims)]
        widths = [(0, 0)] + list(zip(before, after))
        m = "zeros" if op.pool else mode
        if m == "zeros":  # by hand: numpy.pad would put numpy.int64 zeros into object arrays
            padded = np.zeros(tuple(n + a + b for n, (a, b) in zip(arr.shape, widths)), dtype=arr.dtype)
            padded[tuple(slice(a, a + n) for n, (a, _) in zip(arr.shape, widths))] = arr
            arr = padded
        else:
            arr = np.pad(arr, widths, mode=_NP_MODES[m])  # type: ignore[call-overload]
        lo = [-b for b in before]
    out = np.zeros((arr.shape[0],) + tuple(out_shape), dtype=arr.dtype)
    for tap in np.ndindex(*op.kernel):
        sl = (slice(None),) + tuple(
            slice(need_lo[a] + tap[a] * op.dilation[a] - lo[a],
                  need_lo[a] + tap[a] * op.dilation[a] - lo[a] + op.stride[a] * (out_shape[a] - 1) + 1,
                  op.stride[a]) for a in range(dims))
        out += arr[sl]
    return out


def _numeric_nd(dims: int, ops: list[_Op], unit: tuple[int, ...], window: tuple[int, ...],
                sizes: list[tuple[int, ...]] | None, mode: str, dtype: Any) -> tuple[tuple[int, ...], np.ndarray]:
    """Forward numeric impulse responses of every input position of a box (batch of impulses)."""
    if sizes is not None:
        boxes: list[Box | None] = [([0] * dims, [1] * dims, list(s)) for s in sizes]
    else:
        boxes, _ = _plan(ops, dims, unit, window, None, mode, check=False, lattice=False)
    in_lo, _, in_sh = boxes[0]  # type: ignore[misc]
    cells = math.prod(in_sh)
    work = cells * sum(math.prod(b[2]) * op.taps for op, b in zip(ops, boxes) if b is not None)
    if work > MAX_NUMERIC_WORK:
        raise TooLarge(f"the numeric cross-check would need {work} operations; the limit is "
                       f"MAX_NUMERIC_WORK={MAX_NUMERIC_WORK}")
    vals: list[np.ndarray | None] = [None] * len(ops)
    vals[0] = np.eye(cells, dtype=dtype).reshape((cells,) + tuple(in_sh))
    for op in ops[1:]:
        box = boxes[op.index]
        if box is None:
            continue
        if op.kernel:
            src = op.inputs[0]
            vals[op.index] = _forward(op, vals[src], boxes[src][0], box[0], box[2],  # type: ignore[arg-type,index]
                                      None if sizes is None else sizes[src], mode)
        else:
            acc = np.zeros((cells,) + tuple(box[2]), dtype=dtype)
            for src in op.inputs:
                sb = boxes[src]
                if sb is None:
                    continue
                sl = (slice(None),) + tuple(slice(box[0][a] - sb[0][a], box[0][a] - sb[0][a] + box[2][a])
                                            for a in range(dims))
                acc += vals[src][sl]  # type: ignore[index]
            vals[op.index] = acc
    out_box = boxes[-1]
    final = vals[-1]
    sl = (slice(None),) + tuple(slice(unit[a] - out_box[0][a], unit[a] - out_box[0][a] + window[a])  # type: ignore[index]
                                for a in range(dims))
    counts = final[sl].reshape(cells, -1).sum(axis=1).reshape(in_sh)  # type: ignore[index]
    return tuple(in_lo), counts


def numeric_path_counts(model: Model, unit: Sequence[int] | int | None = None, window: Sequence[int] | int = 1,
                        input_size: Sequence[int] | int | None = None,
                        padding_mode: str = "zeros") -> tuple[tuple[int, ...], np.ndarray]:
    r"""Path counts recomputed by *forward* numeric convolution with all-ones kernels.

    Feeds a unit impulse at every input position of the relevant box (the
    field's box on an unbounded grid, the whole input grid otherwise) through
    the network -- all-ones kernels, the layers' dilation, stride and padding,
    :func:`numpy.pad` for the boundary -- and reads the output unit(s): the
    impulse response equals the number of paths.  For a chain on an unbounded
    grid the same response is obtained faster by convolving the layers'
    all-ones kernels written in input pixels (dilation :math:`d_l J_{l-1}`),
    by associativity of convolution.  Exact integer arithmetic (int64, or
    Python integers above :math:`2^{62}`).

    For a chain every layer is a Kronecker (tensor) product of per-axis
    operators, because the all-ones kernel, dilation, stride, padding and the
    folding of every padding mode act axis by axis; a product of Kronecker
    products is the Kronecker product of the per-axis products, so the counts
    are the outer product of 1-D counts, and the chain case runs one small
    1-D computation per axis.  A branching graph sums such products, which is
    not separable: it runs in full dimension (limit :data:`MAX_NUMERIC_WORK`).

    Returns ``(origin, counts)`` like :meth:`UnitGraph.path_counts` but not trimmed.

    Examples
    --------
    >>> from kronconv.spec import chain
    >>> numeric_path_counts(chain(kernel=3, dilations=[1, 2], dims=1))
    ((0,), array([1, 1, 2, 1, 2, 1, 1]))
    """
    g = _as_graph(model)
    ops = _ops(g)
    unit_t, window_t, _size, sizes = _normalise(g, ops, unit, window, input_size, padding_mode)
    _, est = _plan(ops, g.dims, unit_t, window_t, sizes, padding_mode)
    dtype = object if est.exact_ints else np.int64
    if not g.is_chain:
        return _numeric_nd(g.dims, ops, unit_t, window_t, sizes, padding_mode, dtype)
    origin: list[int] = []
    factors: list[np.ndarray] = []
    for a in range(g.dims):
        ops1 = [_axis_op(o, a) for o in ops]
        if sizes is None:
            o1, c1 = _equivalent_kernel(ops1, unit_t[a], window_t[a], dtype)
        else:
            sizes1 = [(s[a],) for s in sizes]
            o1, c1 = _numeric_nd(1, ops1, (unit_t[a],), (window_t[a],), sizes1, padding_mode, dtype)
        origin.append(o1[0])
        factors.append(c1)
    cells = math.prod(f.size for f in factors)
    if cells > MAX_CELLS:
        raise TooLarge(f"the numeric cross-check would need an array of {cells} cells; the limit is "
                       f"MAX_CELLS={MAX_CELLS}")
    counts = factors[0]
    for f in factors[1:]:
        counts = np.multiply.outer(counts, f)
    return tuple(origin), counts


def _equivalent_kernel(ops: list[_Op], unit: int, window: int, dtype: Any) -> tuple[tuple[int], np.ndarray]:
    """1-D chain on an unbounded grid: convolve the all-ones kernels, each dilated by ``d_l J_{l-1}``.

    By associativity of convolution the chain's impulse response for output
    unit 0 is the convolution of its layers' kernels written in input pixels;
    unit ``u`` is the same response shifted by ``u J_L``.  Work is about the
    field size times the total number of taps (:func:`numpy.convolve`).
    """
    jump, off = 1, 0
    resp = np.ones(1, dtype=dtype)
    work = 0
    for op in ops[1:]:
        k, d, s, p = op.kernel[0], op.dilation[0], op.stride[0], op.padding[0]
        work += len(resp) * k
        if work > MAX_NUMERIC_WORK:
            raise TooLarge(f"the numeric cross-check would need more than MAX_NUMERIC_WORK={MAX_NUMERIC_WORK} "
                           "operations")
        resp = _convolve_sparse(resp, k, d * jump)
        off -= p * jump
        jump *= s
    total = np.zeros(len(resp) + (window - 1) * jump, dtype=dtype)
    for w in range(window):
        total[w * jump: w * jump + len(resp)] += resp
    return (off + unit * jump,), total


def _convolve_sparse(resp: np.ndarray, k: int, step: int) -> np.ndarray:
    """``numpy.convolve(resp, ker)`` for the all-ones kernel with ``k`` taps ``step`` apart."""
    ker = np.zeros(step * (k - 1) + 1, dtype=resp.dtype)
    ker[::step] = 1
    if resp.dtype != object and len(resp) * len(ker) <= 1 << 24:
        return np.convolve(resp, ker)
    out = np.zeros(len(resp) + step * (k - 1), dtype=resp.dtype)  # same sum, O(len * k)
    for t in range(k):
        out[t * step: t * step + len(resp)] += resp
    return out


def _axis_op(o: _Op, a: int) -> _Op:
    """``o`` restricted to axis ``a`` (a 1-D operation)."""
    if not o.kernel:
        return o
    return _Op(o.index, o.id, o.op, o.inputs, (o.kernel[a],), (o.dilation[a],), (o.stride[a],),
               (o.padding[a],), o.pool)


def kronecker_single_path(a: int, layers: int, dims: int = 1) -> bool:
    r"""Check, on the graph, that the Kronecker cascade has exactly one path per field position.

    The cascade of ``layers`` convolutions with ``a``-tap kernels and dilations
    :math:`1, a, \dots, a^{L-1}` (stride 1) reaches input offset
    :math:`x = \sum_l t_l a^l` through taps :math:`(t_0, \dots, t_{L-1})`,
    :math:`0 \le t_l < a`.  These are the base-:math:`a` digit strings of
    length :math:`L`, and every :math:`0 \le x < a^L` has exactly one such
    representation, so every position of the :math:`a^L` field is reached by
    exactly one path (no holes, no overlap).  This function proves it *for the
    instance* by building the cone and checking every count equals 1 and the
    field has :math:`a^L` positions per axis.

    Examples
    --------
    >>> kronecker_single_path(3, 3), kronecker_single_path(2, 5, dims=2)
    (True, True)
    """
    from ..spec import chain

    if isinstance(a, bool) or not isinstance(a, int) or a < 2:
        raise InvalidArgument(f"a must be an integer >= 2, got {a!r}")
    if isinstance(layers, bool) or not isinstance(layers, int) or layers < 1:
        raise InvalidArgument(f"layers must be a positive integer, got {layers!r}")
    if a ** layers > MAX_CELLS:
        raise TooLarge(f"the field a**L = {a}**{layers} exceeds MAX_CELLS={MAX_CELLS}")
    net = chain(kernel=a, dilations=[a**l for l in range(layers)], dims=dims)
    _, counts = unit_graph(net).path_counts()
    return counts.shape == (a**layers,) * dims and bool(np.all(counts == 1))


# --------------------------------------------------------------------------- the HDC rule


@dataclass(frozen=True)
class HDCRule:
    r"""The hybrid-dilated-convolution rule of Wang et al. 2018 for rates ``r_1..r_n`` and kernel ``K``.

    :math:`M_n = r_n`, :math:`M_i = \max[M_{i+1} - 2 r_i,\ M_{i+1} - 2(M_{i+1} - r_i),\ r_i]`,
    and the design aims at :math:`M_2 \le K`; rates should also share no common
    factor greater than 1.  ``M`` holds :math:`M_1..M_n` as SymPy expressions
    (symbolic rates stay symbolic); ``m2_ok`` / ``gcd_ok`` are ``True`` /
    ``False`` when decidable, else ``None``.  The rule's :math:`2 r_i` is the
    span of a 3-tap kernel: for :math:`K \ne 3` it is not the coverage
    condition (see ``docs/graph-specs.md``), and it looks only at
    :math:`M_2`, so :math:`r_1` is ignored -- the unit graph is the ground truth.
    """

    rates: tuple[Any, ...]
    kernel: Any
    M: tuple[Any, ...]
    m2_ok: bool | None
    gcd: Any
    gcd_ok: bool | None

    @property
    def satisfied(self) -> bool | None:
        """Both parts hold (None if either is undecided)."""
        if self.m2_ok is False or self.gcd_ok is False:
            return False
        if self.m2_ok is None or self.gcd_ok is None:
            return None
        return True

    def to_dict(self) -> dict[str, Any]:
        def j(x: Any) -> Any:
            return int(x) if getattr(x, "is_Integer", False) else str(x)

        return {"rates": [j(r) for r in self.rates], "kernel": j(self.kernel), "M": [j(m) for m in self.M],
                "M2": j(self.M[1]) if len(self.M) > 1 else None, "M2_le_K": self.m2_ok,
                "gcd": j(self.gcd) if self.gcd is not None else None, "no_common_factor": self.gcd_ok,
                "satisfied": self.satisfied}


def hdc_rule(rates: Sequence[Any], kernel: Any = 3) -> HDCRule:
    """Evaluate the HDC rule with SymPy; rates and kernel may be numbers or expressions.

    Examples
    --------
    >>> r = hdc_rule([1, 2, 9]); [int(m) for m in r.M], r.m2_ok
    ([3, 5, 9], False)
    >>> hdc_rule([2, 2, 2]).satisfied, hdc_rule([2, 2, 2]).m2_ok
    (False, True)
    >>> hdc_rule(["1", "a", "a**2"], "a").M[1]
    Max(a, a**2 - 2*a)
    """
    import sympy as sp

    from ..formulas import sym

    rs = tuple(sym(r, "rate") for r in rates)
    K = sym(kernel, "kernel")
    if not rs:
        raise InvalidArgument("the HDC rule needs at least 1 rate, got 0")
    for r in rs:
        if r.is_number and (not r.is_Integer or r < 1):
            raise InvalidArgument(f"rates must be positive integers, got {r}")
    M = [sp.Integer(0)] * len(rs)
    M[-1] = rs[-1]
    for i in range(len(rs) - 2, -1, -1):
        nxt = M[i + 1]
        M[i] = sp.Max(nxt - 2 * rs[i], nxt - 2 * (nxt - rs[i]), rs[i])
    m2 = M[1] if len(M) > 1 else M[0]
    rel = sp.Le(m2, K)
    m2_ok: bool | None = bool(rel) if rel in (sp.true, sp.false) else None
    if all(r.is_Integer for r in rs):
        gcd: Any = sp.Integer(math.gcd(*(int(r) for r in rs)))
        gcd_ok: bool | None = gcd == 1
    else:
        gcd, gcd_ok = None, None
    return HDCRule(rs, K, tuple(M), m2_ok, gcd, gcd_ok)


def hdc_for_network(net: Network) -> tuple[HDCRule | None, str]:
    """The HDC rule for a chain, with a reason when it does not apply.

    The rates are the *effective* dilations :math:`d_l J_{l-1}` in input pixels
    (a stride multiplies every later rate), layers with a 1-tap kernel are left
    out (they do not change which positions are reached), and every remaining
    layer must have the same kernel size ``K`` on every axis.

    Examples
    --------
    >>> from kronconv.spec import preset
    >>> rule, why = hdc_for_network(preset("yu-koltun-basic"))
    >>> [int(r) for r in rule.rates], int(rule.M[1]), rule.satisfied
    ([1, 1, 2, 4, 8, 16, 1], 1, True)
    """
    rates: list[int] = []
    ks: set[int] = set()
    jump = [1] * net.dims
    for layer in net.layers:
        kern = tuple(layer.kernel)  # type: ignore[arg-type]
        if any(k > 1 for k in kern):
            eff = tuple(d * j for d, j in zip(layer.dilation, jump))
            if len(set(kern)) != 1 or len(set(eff)) != 1:
                return None, "the rule needs the same kernel size and rate on every axis"
            ks.add(kern[0])
            rates.append(eff[0])
        jump = [j * s for j, s in zip(jump, layer.stride)]  # type: ignore[arg-type]
    if not rates:
        return None, "no layer has a kernel larger than 1"
    if len(ks) != 1:
        return None, f"the rule needs one kernel size, got {sorted(ks)}"
    return hdc_rule(rates, ks.pop()), ""


# --------------------------------------------------------------------------- one report


@dataclass(frozen=True)
class NumericCheck:
    """Outcome of comparing the cone's path counts with :func:`numeric_path_counts`."""

    ran: bool
    agrees: bool | None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"method": "forward numeric convolution with all-ones kernels (numpy, exact integers): "
                          "per axis for a chain (kernels convolved on an unbounded grid, unit impulses on a "
                          "bounded one), unit impulses in full dimension for a branching graph",
                "ran": self.ran, "agrees": self.agrees, **({"reason": self.reason} if self.reason else {})}


def numeric_check(ug: UnitGraph) -> NumericCheck:
    """Compare ``ug``'s input-level counts with the forward numeric computation, position by position."""
    try:
        origin, counts = numeric_path_counts(ug.graph, ug.unit, ug.window, ug.input_size, ug.padding_mode)
    except TooLarge as exc:
        return NumericCheck(False, None, str(exc))
    lev = ug.input
    full = np.zeros(counts.shape, dtype=counts.dtype)
    if lev is not None and np.any(lev.counts):
        lorigin, dense = ug.path_counts()  # trimmed to the reached box
        lo = [a - b for a, b in zip(lorigin, origin)]
        if any(v < 0 or v + n > m for v, n, m in zip(lo, dense.shape, counts.shape)):
            return NumericCheck(True, False, "the cone reaches positions outside the numeric box")
        full[tuple(slice(v, v + n) for v, n in zip(lo, dense.shape))] = dense
    same = bool(np.array_equal(full, counts))
    return NumericCheck(True, same, "" if same else "path counts differ from the numeric impulse response")


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
    from ..netgraph import net_fields

    g = _as_graph(model)
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
    return GraphReport(ug, ug.summary(), formula, num, rule, why, fields)


# --------------------------------------------------------------------------- export and plot

#: Formats accepted by :func:`export_graph`.
EXPORT_FORMATS = ("graphml", "dot", "json")


def _node_key(node: tuple[int, tuple[int, ...]]) -> str:
    return f"{node[0]}:{','.join(map(str, node[1]))}"


def string_graph(G: Any) -> Any:
    """Copy of a dependency graph with string node ids ``"level:x,y"`` and flat scalar attributes.

    Tuple positions become ``position = "x,y"`` plus one int attribute per axis
    (``x``, ``y``, ``z``); tap lists become ``"t0,t1;t0,t1"`` strings; counts
    beyond 64-bit become strings -- what GraphML and DOT can hold.
    """
    import networkx as nx

    H = nx.DiGraph()
    H.graph.update({k: (",".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v))
                    for k, v in G.graph.items()})
    for n, data in G.nodes(data=True):
        pos = data["position"]
        attrs: dict[str, Any] = {"level": int(data["level"]), "node": str(data["node"]),
                                 "position": ",".join(map(str, pos)),
                                 "paths": int(data["paths"]) if abs(int(data["paths"])) < 1 << 63 else str(data["paths"]),
                                 "output": bool(data["output"])}
        for name, v in zip("xyz", pos):
            attrs[name] = int(v)
        H.add_node(_node_key(n), **attrs)
    for a, b, data in G.edges(data=True):
        H.add_edge(_node_key(a), _node_key(b), taps=";".join(",".join(map(str, t)) for t in data["taps"]),
                   multiplicity=int(data["multiplicity"]), op=str(data["op"]))
    return H


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(G: Any) -> str:
    """Graphviz DOT text of a (string-keyed) graph; no pydot needed.

    Examples
    --------
    >>> from kronconv.spec import chain
    >>> print(to_dot(string_graph(unit_graph(chain(kernel=2, layers=1, dims=1)).to_networkx())), end="")
    digraph "dependency" {
      rankdir=BT;
      "0:0" [level=0, node="input", position="0", paths=1, output=false, x=0];
      "0:1" [level=0, node="input", position="1", paths=1, output=false, x=1];
      "1:0" [level=1, node="layer1", position="0", paths=1, output=true, x=0];
      "0:0" -> "1:0" [taps="0", multiplicity=1, op="conv"];
      "0:1" -> "1:0" [taps="1", multiplicity=1, op="conv"];
    }
    """
    def attrs(d: dict[str, Any]) -> str:
        parts = []
        for k, v in d.items():
            if isinstance(v, bool):
                parts.append(f"{k}={'true' if v else 'false'}")
            elif isinstance(v, int):
                parts.append(f"{k}={v}")
            else:
                parts.append(f"{k}={_dot_quote(str(v))}")
        return ", ".join(parts)

    name = G.graph.get("name") or "dependency"
    lines = [f"digraph {_dot_quote(str(name))} {{", "  rankdir=BT;"]
    for n, d in G.nodes(data=True):
        lines.append(f"  {_dot_quote(str(n))} [{attrs(d)}];")
    for a, b, d in G.edges(data=True):
        lines.append(f"  {_dot_quote(str(a))} -> {_dot_quote(str(b))} [{attrs(d)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def export_graph(G: Any, fmt: str, path: str) -> None:
    """Write a dependency graph as ``graphml`` (networkx), ``dot`` (:func:`to_dot`) or ``json``
    (:func:`networkx.node_link_data`), atomically (nothing half-written on failure)."""
    import json

    import networkx as nx

    if fmt not in EXPORT_FORMATS:
        raise InvalidArgument(f"export format must be one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}")
    H = G if all(isinstance(n, str) for n in G.nodes) else string_graph(G)
    if fmt == "graphml":
        atomic_write(path, lambda fh: nx.write_graphml(H, fh), "--export")
    elif fmt == "dot":
        text = to_dot(H).encode("utf-8")
        atomic_write(path, lambda fh: fh.write(text), "--export")
    else:
        text = (json.dumps(nx.node_link_data(H, edges="edges"), indent=1) + "\n").encode("utf-8")
        atomic_write(path, lambda fh: fh.write(text), "--export")


def require_matplotlib() -> Any:
    """Return :mod:`matplotlib.pyplot` (Agg backend) or raise :class:`~kronconv.errors.BackendUnavailable`."""
    from ..errors import BackendUnavailable

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise BackendUnavailable(
            "plotting needs matplotlib, which is not installed: pip install 'kronconv[docs]' "
            "(or pip install matplotlib)") from None
    return plt


def plot_path_counts(ug: UnitGraph, path: str, title: str | None = None) -> None:
    """Draw the input-level path-count map with holes marked, as a PNG (needs matplotlib).

    1-D: bars of the count per position, holes as red crosses on the axis;
    2-D: an image of the counts (holes white) with red crosses on holes;
    3-D: the central slice of the field.  Written atomically.

    Raises
    ------
    BackendUnavailable
        If matplotlib is not installed (``pip install 'kronconv[docs]'``).
    """
    plt = require_matplotlib()
    origin, counts = ug.path_counts()
    s = ug.summary()
    c = np.asarray(counts, dtype=float)
    org = list(origin)
    if c.ndim == 3:
        mid = c.shape[0] // 2
        c = c[mid]
        org = org[1:]
    fig, ax = plt.subplots(figsize=(6, 4 if c.ndim == 1 else 5))
    try:
        if c.ndim == 1:
            xs = np.arange(len(c)) + org[0]
            ax.bar(xs, c, width=1.0, color="tab:blue", edgecolor="white", linewidth=0.3)
            hx = xs[c == 0]
            ax.plot(hx, np.zeros(len(hx)), "x", color="red", label=f"holes ({s.holes})")
            ax.set_xlabel("input position")
            ax.set_ylabel("paths")
            if len(hx):
                ax.legend()
        elif c.size:
            extent = (org[1] - 0.5, org[1] + c.shape[1] - 0.5, org[0] + c.shape[0] - 0.5, org[0] - 0.5)
            holes_mask = np.ma.masked_equal((c == 0).astype(float), 0)
            ax.imshow(holes_mask, cmap="Greys", vmin=0, vmax=4, extent=extent, interpolation="nearest")
            im = ax.imshow(np.ma.masked_equal(c, 0), cmap="viridis", extent=extent, interpolation="nearest")
            fig.colorbar(im, ax=ax, label="paths")
            hy, hx = np.nonzero(c == 0)
            if len(hx):
                label = f"holes ({s.holes}, grey)"
                if len(hx) <= 400:
                    ax.plot(hx + org[1], hy + org[0], "x", color="red", markersize=3, label=label)
                else:
                    ax.plot([], [], "s", color="0.75", label=label)
                ax.legend(loc="upper right", fontsize=8)
            ax.set_xlabel("input position (axis 1)")
            ax.set_ylabel("input position (axis 0)")
        rf = "x".join(map(str, s.receptive_field))
        ax.set_title(title or f"{ug.graph.name or 'network'}: field {rf}, {s.holes} holes, "
                              f"coverage {float(s.coverage):.1%}, max {s.max_paths} paths", fontsize=9)
        atomic_write(path, lambda fh: fig.savefig(fh, format="png", dpi=120, bbox_inches="tight"), "--plot")
    finally:
        plt.close(fig)
