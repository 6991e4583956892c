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


@pytest.mark.parametrize("text, word", [("nan", "nan"), ("oo", "oo"), ("zoo", "zoo"), ("inf", "inf"),
                                        ("Infinity", "Infinity"), ("NaN", "NaN"), ("2*oo + l", "oo"),
                                        ("l**inf", "inf"), ("a + INF", "INF")])
def test_a_formula_naming_a_non_finite_value_is_refused(text: str, word: str) -> None:
    with pytest.raises(InvalidArgument) as exc:
        sym(text, "stride")
    assert str(exc.value) == (f"stride: {text!r} uses {word!r}; non-finite values (nan, oo, zoo, inf) "
                              "are not sizes")


@pytest.mark.parametrize("name", ["info", "noon", "zoom", "nano", "oo2", "inf_"])
def test_a_symbol_merely_containing_such_a_name_is_a_symbol(name: str) -> None:
    got = sym(f"{name} + 1")
    assert got == sp.Symbol(name, integer=True, positive=True) + 1


@pytest.mark.parametrize("text", ["1e5", "2E3", "1e+5", "3e-2", "l*1e3", "5e0", "(l + 2e1)"])
def test_scientific_notation_is_refused_as_a_float(text: str) -> None:
    with pytest.raises(InvalidArgument) as exc:
        sym(text, "kernel")
    assert str(exc.value) == (f"kernel: {text!r} uses scientific notation; write integers in full "
                              "(e.g. 100000, not 1e5): floats are never taken as exact integers")


@pytest.mark.parametrize("name", ["e5", "a1e5", "E2", "x_1e3"])
def test_an_identifier_with_e_and_digits_is_a_symbol(name: str) -> None:
    assert sym(f"2*{name}") == 2 * sp.Symbol(name, integer=True, positive=True)


@pytest.mark.parametrize("text", ["()", "(())", "( )"])
def test_an_empty_tuple_is_not_an_expression(text: str) -> None:
    with pytest.raises(InvalidArgument) as exc:
        sym(text)
    assert str(exc.value) == f"value: {text!r} may use only + - * / ** on numbers and symbols"


def test_the_first_non_finite_name_in_alphabetical_order_is_named() -> None:
    for text, first in (("oo + nan", "nan"), ("nan + oo", "nan"), ("zoo*inf", "inf"), ("inf*zoo", "inf"),
                        ("l + zoo + oo", "oo")):
        with pytest.raises(InvalidArgument) as exc:
            sym(text)
        assert f"uses {first!r};" in str(exc.value)
