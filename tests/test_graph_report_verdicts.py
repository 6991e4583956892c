"""What a graph report concludes: the overall verdict, the HDC verdict text, formula agreement, notes.

Each verdict is checked on a network whose answer is known independently: a
hole-free or gridding schedule (holes counted by hand), a misaligned merge, a
bounded grid (where the formula field does not apply), a forged numeric
disagreement, and the resampling tail a segmentation network ends with.
"""

from __future__ import annotations

import dataclasses

import pytest

from kronconv.graph import NumericCheck, analyse, hdc_rule
from kronconv.layers import Upsample
from kronconv.netgraph import NetGraph, NetNode
from kronconv.spec import Conv, Pool, chain


def test_hole_free_chain_is_ok_and_every_part_agrees():
    rep = analyse(chain(kernel=3, dilations=[1, 2, 5], dims=1))
    assert rep.summary.holes == 0 and not rep.has_holes
    assert rep.formula_receptive_field == (17,) and rep.formula_agrees is True
    assert rep.numeric.agrees is True and rep.fields.aligned
    assert rep.ok is True
    assert rep.hdc_verdict() == "satisfied; the graph finds no holes (agrees)"
    d = rep.to_dict()
    assert d["ok"] is True and d["kind"] == "chain" and d["dims"] == 1 and d["nodes_count"] == 4
    assert d["unit"] == 0 and d["window"] == 1 and d["input_size"] is None and d["padding_mode"] is None
    assert d["hdc_rule"]["applies"] is True and d["hdc_rule"]["agrees_with_graph"] is True
    assert d["hdc_rule"]["rates"] == [1, 2, 5] and d["notes"] == []


def test_gridding_chain_is_not_ok():
    rep = analyse(chain(kernel=3, dilations=[2, 2, 2], dims=1))
    assert rep.summary.holes == 6 and rep.has_holes and rep.ok is False
    assert rep.hdc_verdict() == "violated; the graph finds holes (agrees)"
    assert rep.to_dict()["ok"] is False


@pytest.mark.parametrize("field, value", [("numeric", NumericCheck(True, False, "forged")),
                                          ("formula_receptive_field", (16,))])
def test_a_failed_cross_check_makes_the_report_not_ok(field, value):
    rep = analyse(chain(kernel=3, dilations=[1, 2, 5], dims=1))
    bad = dataclasses.replace(rep, **{field: value})
    assert bad.ok is False and bad.to_dict()["ok"] is False
    if field == "formula_receptive_field":
        assert bad.formula_agrees is False and bad.to_dict()["agrees_with_formula"] is False


def test_a_skipped_numeric_check_does_not_fail_the_report():
    rep = analyse(chain(kernel=3, dilations=[1, 2, 5], dims=1), check_numeric=False)
    assert rep.numeric == NumericCheck(False, None, "not requested") and rep.ok is True
    assert rep.to_dict()["numeric_check"]["reason"] == "not requested"


def test_undecided_hdc_rule_says_so():
    rep = analyse(chain(kernel=3, dilations=[1, 2, 5], dims=1))
    undecided = dataclasses.replace(rep, hdc=hdc_rule(["a", "1"], 3))
    assert undecided.hdc.satisfied is None
    assert undecided.hdc_verdict() == "undecided; the graph finds no holes"
    assert undecided.to_dict()["hdc_rule"]["agrees_with_graph"] is None


def test_hdc_disagreement_both_ways():
    # not necessary: (1, 3, 1) violates the rule yet has no holes; not sufficient: (4, 1) passes yet has 2 holes
    rep = analyse(chain(kernel=3, dilations=[1, 3, 1], dims=1))
    assert rep.hdc_verdict() == "violated; the graph finds no holes (DISAGREES)" and rep.ok is True
    rep = analyse(chain(kernel=3, dilations=[4, 1], dims=1))
    assert rep.hdc_verdict() == "satisfied; the graph finds holes (DISAGREES)" and rep.ok is False
    assert rep.to_dict()["hdc_rule"]["agrees_with_graph"] is False


def test_bounded_grid_leaves_the_formula_undecided():
    rep = analyse(chain(kernel=3, layers=2, paddings=[1], dims=1), unit=0, input_size=3, padding_mode="reflect")
    assert rep.formula_agrees is None and rep.summary.receptive_field == (3,)
    d = rep.to_dict()
    assert d["agrees_with_formula"] is None and d["input_size"] == 3 and d["padding_mode"] == "reflect"
    assert rep.ok is True


def test_window_widens_the_formula_field_by_the_jump():
    # r = 7, J = 4 for two stride-2 3-tap layers; a window of 3 units spans 7 + 2 * 4
    rep = analyse(chain(kernel=3, strides=[2], layers=2, dims=1), window=3)
    assert rep.formula_receptive_field == (15,) and rep.formula_agrees is True
    assert rep.to_dict()["window"] == 3


def test_branching_graph_has_no_hdc_rule_and_misalignment_fails_it():
    nodes = [NetNode("x", "input"), NetNode("a", "conv", ("x",), Conv(3, dims=1)),
             NetNode("m", "add", ("x", "a"))]
    rep = analyse(NetGraph.build(nodes, dims=1))
    assert rep.hdc is None and rep.hdc_reason == "branching network"
    assert rep.hdc_verdict() == "not applicable (branching network)"
    d = rep.to_dict()
    assert d["kind"] == "graph" and d["hdc_rule"] == {"applies": False, "verdict": "not applicable (branching network)",
                                                       "reason": "branching network"}
    # the shortcut's field is centred at 0, the convolution's at 1: misaligned, so not ok despite no holes
    assert rep.summary.holes == 0 and rep.fields.aligned is False and rep.ok is False
    assert d["aligned"] is False and d["misalignments"]


def test_chain_given_as_a_graph_gets_the_hdc_rule_of_its_layers():
    nodes = [NetNode("x", "input"), NetNode("a", "conv", ("x",), Conv(3, dilation=2, dims=1)),
             NetNode("b", "conv", ("a",), Conv(3, dilation=2, dims=1))]
    rep = analyse(NetGraph.build(nodes, dims=1))
    assert [int(r) for r in rep.hdc.rates] == [2, 2] and rep.hdc.satisfied is False
    assert rep.hdc_verdict() == "violated; the graph finds holes (agrees)"


def test_trailing_resampling_is_skipped_with_a_note():
    nodes = [NetNode("x", "input"), NetNode("a", "conv", ("x",), Conv(3, dilation=2, dims=1)),
             NetNode("p", "pool", ("a",), Pool(2, stride=2, dims=1)),
             NetNode("up", "upsample", ("p",), Upsample(scale=2, dims=1))]
    rep = analyse(NetGraph.build(nodes, dims=1))
    assert [n.id for n in rep.unit_graph.graph.nodes] == ["x", "a", "p"]
    note = ("the unit-level graph does not model upsampling or transposed convolution: analysed the "
            "input 'p' of the trailing 'up' (`kronconv rf` gives the exact field through them)")
    assert rep.notes == (note,)
    assert rep.to_dict()["notes"] == list(rep.notes)
    # the conv unit u reads u, u + 2, u + 4; the pool reads conv units 0 and 1: inputs 0 .. 5, one path each
    assert rep.summary.receptive_field == (6,) and rep.summary.total_paths == 6


def test_notes_say_which_nodes_were_left_out():
    from kronconv.layers import GlobalPool

    # a node that does not lead to the output is ignored by the graph itself
    nodes = [NetNode("x", "input"), NetNode("a", "conv", ("x",), Conv(3, dims=1)),
             NetNode("dead", "conv", ("x",), Conv(5, dims=1))]
    g = NetGraph.build(nodes, dims=1, output="a")
    rep = analyse(g)
    assert rep.notes == ("ignored 1 node(s) that do not lead to the output 'a': dead",)
    # paths through global pooling are left out, and the note says so (not the graph's own notes)
    nodes = [NetNode("x", "input"), NetNode("a", "conv", ("x",), Conv(3, dims=1)),
             NetNode("gp", "global", ("x",), GlobalPool(dims=1)),
             NetNode("b", "upsample", ("gp",), Upsample(size=5, dims=1)),
             NetNode("cat", "concat", ("a", "b"))]
    rep = analyse(NetGraph.build(nodes, dims=1))
    assert rep.notes == ("left out 2 node(s) on paths through global pooling (they see the whole input): b, gp",)
    assert [n.id for n in rep.unit_graph.graph.nodes] == ["x", "a"] and rep.summary.total_paths == 3


def test_a_single_hole_makes_the_report_not_ok():
    # a 2-tap kernel dilated by 2 reaches 0 and 2 of its 3-wide field: exactly one hole
    rep = analyse(chain(kernel=2, dilations=[2], dims=1))
    assert rep.summary.holes == 1 and rep.has_holes is True and rep.ok is False
    assert rep.hdc_verdict() == "violated; the graph finds holes (agrees)"  # the one rate 2 has a common factor
