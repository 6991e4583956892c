r"""Layer-level graphs of branching networks: residual additions, concatenations, parallel branches.

A :class:`NetGraph` is a directed acyclic graph of :class:`NetNode` s, each one
operation: ``input`` (exactly one), ``conv`` / ``pool`` (one input, a
:class:`~kronconv.spec.Conv` or :class:`~kronconv.spec.Pool` layer),
``add`` (residual sum, two or more inputs with equal channels) or ``concat``
(channel concatenation, two or more inputs).  A chain of layers is the special
case :func:`from_network`.

:func:`net_fields` computes, for every node and every axis (Araujo, Norris & Sim
2019, "Computing Receptive Fields of CNNs", section on branching graphs):

* **forward, in topological order** -- the node's field with respect to the
  input: receptive field :math:`r`, effective stride :math:`J` and offset
  :math:`o` (left edge of unit 0's field; the effective padding is :math:`P = -o`),
  with :math:`r = r_{in} + (\kappa - 1) J_{in}`, :math:`J = s J_{in}`,
  :math:`o = o_{in} - p J_{in}` through a conv/pool and the *hull over paths* at a
  merge (left edge = min, right edge = max), which equals the maximum over paths
  whenever the paths are aligned (it is exact when the merging paths share the
  effective stride, as alignment requires; otherwise the larger stride is kept);
* **reverse, in reverse topological order** -- the output's field measured in
  the node's coordinates, :math:`r_v = s_w r_w + (\kappa_w - s_w)`,
  :math:`S_v = s_w S_w`, :math:`P_v = s_w P_w + p_w` over each successor
  :math:`w`, again the hull (maximum) over paths -- exact for any graph, since
  each step maps an interval of units to an interval of inputs monotonically.
  The network's receptive field, stride and padding
  (:attr:`NetFieldReport.receptive_field` ...) are this pass at the input node;
  it equals the forward result at the output node (a tested identity);
* an **alignment check** at every ``add`` / ``concat``: the fields of all its
  inputs must have the same effective stride and the same centre
  :math:`o + (r - 1)/2`; otherwise a :class:`Misalignment` names the node, the
  input and the centre offset in input pixels.

Layout: :mod:`~kronconv.netgraph.model` (:class:`NetNode`, :class:`NetGraph`,
:func:`from_network`), :mod:`~kronconv.netgraph.specfile` (graph spec files) and
:mod:`~kronconv.netgraph.fields` (:func:`net_fields`, alignment); every public
name is re-exported here.

Examples
--------
>>> from kronconv.spec import Conv
>>> g = NetGraph.build([
...     NetNode("x", "input"),
...     NetNode("a", "conv", ("x",), Conv(3, padding=1, dims=1)),
...     NetNode("b", "conv", ("a",), Conv(3, padding=1, dims=1)),
...     NetNode("sum", "add", ("x", "b")),
... ], dims=1)
>>> rep = net_fields(g)
>>> rep.field("sum").receptive_field, rep.aligned
((5,), True)
>>> bad = NetGraph.build([
...     NetNode("x", "input"),
...     NetNode("a", "conv", ("x",), Conv(3, padding=0, dims=1)),
...     NetNode("sum", "add", ("x", "a")),
... ], dims=1)
>>> net_fields(bad).misalignments[0].centre_offset
(Fraction(1, 1),)
"""

from __future__ import annotations

from .fields import Misalignment, NetFieldReport, NodeField, net_fields
from .model import MAX_NODES, OPS, NetGraph, NetNode, from_network, without_global
from .sizes import node_sizes
from .specfile import graph_from_dict, is_graph_spec, load_graph_spec, read_spec_data

__all__ = [
    "MAX_NODES",
    "OPS",
    "Misalignment",
    "NetFieldReport",
    "NetGraph",
    "NetNode",
    "NodeField",
    "from_network",
    "graph_from_dict",
    "is_graph_spec",
    "load_graph_spec",
    "net_fields",
    "node_sizes",
    "read_spec_data",
    "without_global",
]
