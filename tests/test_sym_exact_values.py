"""Every value :func:`kronconv.formulas.sym` returns is finite and exact.

Division by zero in a formula string (``0/0`` evaluates to SymPy's ``nan``, ``1/0`` to ``zoo``)
and SymPy values given directly that are infinite, undefined or floating point are refused, each
on its own (not only in combination), with the message naming the text.
"""

from __future__ import annotations

import pytest
import sympy as sp

from kronconv import InvalidArgument
from kronconv.formulas import output_size, receptive_field_closed_form, sym

A = sp.Symbol("a", integer=True, positive=True)


def _message(name: str, text: str) -> str:
    return (f"{name}: {text!r} is not finite and exact (no nan, infinities, division by zero or floats)")


@pytest.mark.parametrize("text", ["0/0", "(l-l)/(l-l)", "a*0/0", "(a-a)/(a-a) + 1"])
def test_a_formula_evaluating_to_nan_is_refused(text: str) -> None:
    with pytest.raises(InvalidArgument) as exc:
        sym(text, "kernel")
    assert str(exc.value) == _message("kernel", text)


@pytest.mark.parametrize("text", ["1/0", "0**(-1)", "(l - l)**(-1)", "a/(a - a)", "2 + 1/(3 - 3)"])
def test_a_formula_dividing_a_nonzero_number_by_zero_is_refused(text: str) -> None:
    with pytest.raises(InvalidArgument, match="may use only"):  # SymPy's zoo is not a number
        sym(text, "kernel")


@pytest.mark.parametrize("value", [
    sp.oo, -sp.oo, sp.zoo, sp.nan,  # non-finite, no float
    sp.Float(3.0), sp.Float(0.5) * A, A + sp.Float(2),  # floats, finite
    sp.oo * A, A + sp.nan,
])
def test_a_sympy_value_that_is_not_finite_and_exact_is_refused(value: sp.Expr) -> None:
    with pytest.raises(InvalidArgument) as exc:
        sym(value, "size")
    assert str(exc.value) == _message("size", str(value))
    with pytest.raises(InvalidArgument, match="is not finite and exact"):
        output_size(value, 3)
    with pytest.raises(InvalidArgument, match="is not finite and exact"):
        receptive_field_closed_form(3, value, 4)


@pytest.mark.parametrize("value", [sp.Integer(3), sp.Rational(1, 2), A, A**2 + sp.Rational(3, 7), sp.sqrt(2)])
def test_a_finite_exact_sympy_value_is_returned_unchanged(value: sp.Expr) -> None:
    assert sym(value) is value
