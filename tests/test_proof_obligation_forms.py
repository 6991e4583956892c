"""Obligations in the forms a stored proof can bring: unknown kinds, ``equal`` obligations that are not
equations, and stored expressions that must come back exactly as stored (unevaluated)."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from kronconv.errors import InvalidArgument
from kronconv.proof import OBLIGATION_KINDS, Obligation, Proof, Step, discharge, parse_srepr

n = sp.Symbol("n", integer=True, positive=True)


@pytest.mark.parametrize("kind", ["", "Equal", "equals", "true ", "holds"])
def test_an_unknown_obligation_kind_is_refused_by_name(kind: str) -> None:
    assert kind not in OBLIGATION_KINDS
    with pytest.raises(InvalidArgument, match=f"got {kind!r}"):
        Obligation(kind, sp.true)


@pytest.mark.parametrize("expr", [sp.Eq(1, 2), sp.Integer(0), n - n, sp.true & sp.false, sp.Ne(n, 2)])
def test_an_equal_obligation_that_is_not_an_equation_does_not_hold(expr: sp.Basic) -> None:
    # Eq(1, 2) evaluates to false and n - n to 0: neither is an equation, so nothing is shown equal
    ob = Obligation("equal", expr)
    assert not isinstance(ob.expr, sp.Equality) and ob.expr is not sp.true
    assert ob.holds() is False
    assert discharge([Step("S1", "c", "r", (), "general", (ob,))]) == [f"S1: equal {expr}"]


@given(st.lists(st.integers(-5, 5), min_size=2, max_size=4))
def test_a_stored_unevaluated_sum_comes_back_as_stored(terms: list[int]) -> None:
    with sp.evaluate(False):
        expr = sp.Add(*[sp.Integer(t) for t in terms])
    text = sp.srepr(expr)
    assert sp.srepr(parse_srepr(text)) == text
    assert parse_srepr(text).doit() == sum(terms)


def test_a_stored_false_equation_stays_an_equation_and_fails() -> None:
    # stored as Eq(1 + 1, 3): read back evaluated it would be BooleanFalse, and no longer the stated claim
    with sp.evaluate(False):
        claim = sp.Eq(sp.Add(sp.Integer(1), sp.Integer(1)), sp.Integer(3))
    ob = Obligation("equal", claim)
    p = Proof("t", "1 + 1 = 3", {"theorem": "t"}, (), (Step("S1", "1 + 1 = 3", "r", (), "general", (ob,)),), (),
              False)
    back = Proof.from_dict(p.to_dict())
    (ob2,) = back.steps[0].obligations
    assert isinstance(ob2.expr, sp.Equality) and str(ob2.expr.lhs) == "1 + 1"
    assert back.to_dict() == p.to_dict()
    assert ob2.holds() is False
