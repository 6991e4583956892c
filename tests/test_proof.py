"""Proof data: obligations discharge, kinds stay distinct, JSON round-trips, hashes detect edits."""

from __future__ import annotations

import json

import pytest
import sympy as sp

from kronconv.errors import InvalidArgument
from kronconv.proof import (
    Certificate,
    Obligation,
    Proof,
    Step,
    content_hash,
    parse_srepr,
    render_proof,
)
from kronconv.theorems import prove

N = {"n": sp.Symbol("n", integer=True, positive=True), "t": sp.Symbol("t", integer=True)}


def test_obligations_hold_only_when_true():
    assert Obligation.parse("equal", "n*floor(t/n) + Mod(t, n)", "t", N).holds()
    assert not Obligation.parse("equal", "n*floor(t/n)", "t", N).holds()
    assert Obligation.parse("positive", "n", symbols=N).holds()
    assert not Obligation.parse("positive", "n - 1", symbols=N).holds()
    assert not Obligation.parse("nonnegative", "t", symbols=N).holds()


def test_step_and_certificate_validate_kinds():
    with pytest.raises(InvalidArgument):
        Step("S1", "x", "r", (), "sometimes")
    with pytest.raises(InvalidArgument):
        Certificate("probably", "x", "y", True)
    with pytest.raises(InvalidArgument, match="error_bound"):
        Certificate("numeric", "x", "y", True, {"backend": "numpy", "dtype": "float64", "seed": 0})


def test_kinds_are_never_blurred():
    assert prove(layers=3).kinds == ["symbolic", "instance"]
    assert prove(layers=3, base=2).kinds == ["instance"]
    assert prove(layers=2, nonlinearity="tanh").kinds == ["numeric"]


def test_json_round_trip_keeps_content_and_hash():
    p = prove(layers=2, correlation=True)
    d = json.loads(p.to_json())
    assert d["hash"] == content_hash(d)
    q = Proof.from_dict(d)
    assert q.to_dict()["claim"] == d["claim"] and [s.id for s in q.steps] == [s["id"] for s in d["steps"]]
    assert all(o.holds() for s in q.steps for o in s.obligations)
    d["statement"] += " (edited)"
    assert content_hash(d) != d["hash"]


def test_srepr_parser_refuses_code():
    with pytest.raises(InvalidArgument, match="disallowed"):
        parse_srepr("__import__('os').system('true')")
    assert sp.simplify(parse_srepr(sp.srepr(N["n"] + 1)) - N["n"] - 1) == 0


@pytest.mark.parametrize("fmt", ["text", "md", "latex", "json"])
def test_render_labels_general_and_instance_steps(fmt):
    text = render_proof(prove(layers=3), fmt)
    assert "general" in text and "instance" in text
    if fmt == "text":
        assert "[general]" in text and "[instance]" in text and "Q.E.D." in text
    if fmt == "json":
        d = json.loads(text)
        assert {"statement", "proved", "certificate"} <= set(d) and d["proved"] is True
