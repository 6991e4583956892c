"""Build the cone: integer path-count arrays scattered backwards through the network, lattice by lattice.

Walking the graph backwards from the output, the array of a node holds for
every position the number of paths from it to the output unit(s), obtained by
scattering the successor's array once per tap (a transposed strided
convolution with an all-ones kernel) on the lattice planned by
:mod:`kronconv.graph.lattice`; boundaries drop or fold positions by the padding
mode.  :func:`kronecker_single_path` uses it to check the one-path property of
the Kronecker cascade.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import InvalidArgument, TooLarge
from ..spec import chain
from .lattice import (
    _INT64_SAFE,
    MAX_CELLS,
    MAX_OBJECT_WORK,
    MAX_TOTAL_CELLS,
    MAX_WORK,
    Estimate,
    Model,
    _as_graph,
    _fold,
    _normalise,
    _Op,
    _ops,
    _plan,
    _scatter_box,
    _union,
)
from .unitgraph import Level, UnitGraph

__all__ = [
    "count_dtype",
    "kronecker_single_path",
    "unit_graph",
]

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
    the longest path, times the window) is at most :math:`2^{62}`, or while a
    float64 pass shows the largest count is (:func:`count_dtype`); Python
    integers (object arrays, smaller work limit) otherwise.

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
    if est.peak_cells > MAX_TOTAL_CELLS:
        hint = "; keep_levels=False keeps only the input level" if keep_levels else ""
        raise TooLarge(f"the cone would hold {est.peak_cells} cells at once; the limit is "
                       f"MAX_TOTAL_CELLS={MAX_TOTAL_CELLS} (use a smaller network, window or input size{hint})")
    if est.work > MAX_WORK:
        raise TooLarge(f"the cone needs {est.work} cell-taps of work; the limit is MAX_WORK={MAX_WORK} "
                       "(use a smaller network, window or input size)")
    dtypes = count_dtype(ops, g.dims, unit_t, window_t, sizes, padding_mode, est)
    levels, _ = _sweep(ops, g.dims, unit_t, window_t, sizes, padding_mode, keep_levels, dtypes)
    return UnitGraph(g, unit_t, window_t, size_t, padding_mode, tuple(levels), keep_levels)


def count_dtype(ops: list[_Op], dims: int, unit_t: tuple[int, ...], window_t: tuple[int, ...],
                sizes: list[tuple[int, ...]] | None, padding_mode: str, est: Estimate) -> list[Any]:
    r"""Per node: ``numpy.int64`` where every path count provably fits, else ``object`` (Python integers).

    The estimate's bound (sum over layer-level paths of products of tap counts)
    is loose for densely connected graphs.  Above :math:`2^{62}` the counts are
    first computed in float64: every value is a sum of non-negative terms, so
    after at most ``est.work`` additions the float result :math:`\tilde m_v` of
    node :math:`v`'s largest count :math:`m_v` obeys
    :math:`m_v \le \tilde m_v (1 + 2 W u)` with :math:`W` the work and
    :math:`u = 2^{-53}` (while :math:`W u < 1/4`).  Node :math:`v` uses int64
    when :math:`\tilde m_v (1 + 2 W u) < 2^{62}`, Python integers otherwise;
    :data:`MAX_OBJECT_WORK` limits the work done in Python integers (the
    scatters into such nodes).
    """
    n = len(ops)
    if not est.exact_ints:
        return [np.int64] * n
    if est.work * 2.0**-53 >= 0.25:  # pragma: no cover - MAX_WORK keeps W far below 2**51
        maxima = [math.inf] * n
    else:  # counts beyond 2**1024 overflow to inf, which the test below treats as "needs Python integers"
        with np.errstate(over="ignore"):
            _, maxima = _sweep(ops, dims, unit_t, window_t, sizes, padding_mode, False, [np.float64] * n)
    slack = 1 + 2 * est.work * 2.0**-53
    dtypes: list[Any] = [np.int64 if math.isfinite(m) and m * slack < _INT64_SAFE else object for m in maxima]
    for op in reversed(ops):  # a node whose successor needs Python integers receives them: keep it exact too
        if dtypes[op.index] is object:
            for src in op.inputs:
                dtypes[src] = object
    cells = est.cells
    object_work = sum(cells[op.index] * op.taps for op in ops
                      if any(dtypes[s] is object for s in op.inputs) or dtypes[op.index] is object)
    if object_work > MAX_OBJECT_WORK:
        big = max(maxima)
        size = f"about 2**{math.frexp(big)[1]}" if math.isfinite(big) else f"up to 2**{est.path_bound.bit_length() - 1}"
        raise TooLarge(f"path counts reach {size} > 2**62 and need exact Python integers; that work "
                       f"({object_work} cell-taps) exceeds MAX_OBJECT_WORK={MAX_OBJECT_WORK}")
    return dtypes


def _sweep(ops: list[_Op], dims: int, unit_t: tuple[int, ...], window_t: tuple[int, ...],
           sizes: list[tuple[int, ...]] | None, padding_mode: str, keep_levels: bool,
           dtypes: list[Any]) -> tuple[list[Level | None], list[float]]:
    """Scatter the counts backwards through ``ops`` (node ``i`` in ``dtypes[i]``); the levels kept and,
    for float64 nodes, the largest count of every node."""
    n = len(ops)
    pending: list[list[Part]] = [[] for _ in range(n)]
    pending[-1].append((list(unit_t), [1] * dims, np.ones(window_t, dtype=dtypes[-1])))
    levels: list[Level | None] = [None] * n
    maxima = [0.0] * n
    for op in reversed(ops):
        parts = pending[op.index]
        if not parts:
            continue
        part = parts[0] if len(parts) == 1 else _accumulate(parts)
        pending[op.index] = []
        if dtypes[op.index] is np.float64 and part[2].size:
            maxima[op.index] = float(part[2].max())
        part[2].setflags(write=False)
        if keep_levels or op.index == 0:
            levels[op.index] = Level(op.index, op.id, tuple(int(v) for v in part[0]), part[2],
                                     tuple(int(v) for v in part[1]))
        for src in op.inputs:
            send = part
            if part[2].dtype != np.dtype(dtypes[src]):  # widen before scattering: the sums are src's counts
                send = (part[0], part[1], part[2].astype(dtypes[src]))
            sent = _scatter(op, send) if op.kernel else send
            res = _boundary(sent, None if sizes is None else sizes[src], "zeros" if op.pool else padding_mode)
            if res is not None:
                pending[src].append(res)
    return levels, maxima


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
    if isinstance(a, bool) or not isinstance(a, int) or a < 2:
        raise InvalidArgument(f"a must be an integer >= 2, got {a!r}")
    if isinstance(layers, bool) or not isinstance(layers, int) or layers < 1:
        raise InvalidArgument(f"layers must be a positive integer, got {layers!r}")
    if a ** layers > MAX_CELLS:
        raise TooLarge(f"the field a**L = {a}**{layers} exceeds MAX_CELLS={MAX_CELLS}")
    net = chain(kernel=a, dilations=[a**l for l in range(layers)], dims=dims)
    _, counts = unit_graph(net).path_counts()
    return counts.shape == (a**layers,) * dims and bool(np.all(counts == 1))
