"""Lattices, boxes and work estimates of a dependency cone: everything known before an array is built.

A network is flattened into :class:`_Op` records (indices instead of ids).  The
cone of an output window is planned backwards as one *lattice box* per node --
``(origin, step, shape)`` per axis -- because behind a layer of dilation ``d``
only every ``gcd(g s, d)``-th position can be reached; :func:`estimate` returns
the cells, work and path bound of the plan, and the ``MAX_*`` limits here are
the ones every builder of :mod:`kronconv.graph` checks up front.

Examples
--------
>>> from kronconv.spec import chain
>>> e = estimate(chain(kernel=3, dilations=[1, 3, 9], dims=1))
>>> e.cells, e.path_bound
((27, 9, 3, 1), 27)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InvalidArgument, InvalidSpec, TooLarge
from ..layers import layer_output_size
from ..netgraph import NetGraph, from_network
from ..spec import Conv, Network, Pool

__all__ = [
    "MAX_CELLS",
    "MAX_GRAPH_EDGES",
    "MAX_NUMERIC_WORK",
    "MAX_OBJECT_WORK",
    "MAX_TOTAL_CELLS",
    "MAX_WINDOW_UNITS",
    "MAX_WORK",
    "PADDING_MODES",
    "Box",
    "Estimate",
    "Model",
    "estimate",
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
MAX_OBJECT_WORK = 1 << 27
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
        elif not isinstance(n.layer, (Conv, Pool)):
            raise InvalidArgument(
                f"node {n.id!r} ({n.op}): the unit-level graph covers conv, pool, add and concat; "
                f"{'transposed convolution' if n.op == 'convt' else 'upsampling' if n.op == 'upsample' else n.op} "
                "is not supported here (`kronconv rf` gives its exact field)")
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
            layer = g.nodes[op.index].layer
            try:
                sizes.append(tuple(layer_output_size(layer, ax, n_in[ax], where=f"node {op.id!r}")
                                   for ax in range(g.dims)))
            except InvalidSpec as exc:
                raise InvalidArgument(str(exc).replace("input size", "input size", 1)) from None
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
    edges = sum(c * (op.taps if op.kernel else len(op.inputs)) for c, op in zip(cells_t, ops))
    return boxes, Estimate(cells_t, work, max(bound), edges, peak)


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
