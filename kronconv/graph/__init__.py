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

Layout.  :mod:`~kronconv.graph.lattice` (ops, lattice boxes, estimates and
limits), :mod:`~kronconv.graph.unitgraph` (:class:`Level`, :class:`UnitGraph`,
its summary and networkx view), :mod:`~kronconv.graph.cone` (building the
arrays), :mod:`~kronconv.graph.impulse` (numeric path counts and the
cross-check), :mod:`~kronconv.graph.hdc`, :mod:`~kronconv.graph.report`
(:func:`analyse`), :mod:`~kronconv.graph.export` and
:mod:`~kronconv.graph.plot`; every public name is re-exported here.

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

from .cone import kronecker_single_path, unit_graph
from .export import EXPORT_FORMATS, export_graph, string_graph, to_dot
from .hdc import HDCRule, hdc_for_network, hdc_rule
from .impulse import NumericCheck, numeric_check, numeric_path_counts
from .lattice import (
    MAX_CELLS,
    MAX_GRAPH_EDGES,
    MAX_NUMERIC_WORK,
    MAX_OBJECT_WORK,
    MAX_TOTAL_CELLS,
    MAX_WINDOW_UNITS,
    MAX_WORK,
    PADDING_MODES,
    Estimate,
    estimate,
)
from .plot import plot_path_counts, require_matplotlib
from .report import GraphReport, analyse
from .unitgraph import FieldSummary, Level, UnitGraph, graph_path_counts

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
