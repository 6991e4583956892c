"""The exponent limit of :func:`kronconv.formulas.sym`: powers up to ``10**6`` are parsed, larger refused.

The limit is documented in the refusal itself ("exponent above 10**6"); it is checked on the
unevaluated tree, so ``l**(10**10**10)`` is refused without computing ``10**10**10``.  Both sides of
the boundary are tested, with the exact value the message names, for symbolic and numeric bases
and for exponents written as products.
"""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from kronconv import InvalidArgument
from kronconv.formulas import LAYER, sym

LIMIT = 10**6  # the largest exponent accepted, from the message "exponent above 10**6"
BASES = ["l", "a", "1", "(2*l)", "(a*l)"]  # one term each: (l + 1)**n is limited by its expansion


def _refusal(text: str, what: str) -> str:
    return (f"value: {text!r} is too large ({what}); numbers may have at most 1000 digits and expressions "
            "at most 10000 terms")


@pytest.mark.parametrize("base", BASES)
def test_the_largest_exponent_is_accepted_and_the_next_refused_naming_it(base: str) -> None:
    for e in (LIMIT, -LIMIT):
        got = sym(f"{base}**({e})")
        assert got == sp.Pow(sym(base), e)  # the power itself, unexpanded
    for e in (LIMIT + 1, -(LIMIT + 1), 2 * LIMIT, 10**7):
        text = f"{base}**({e})"
        with pytest.raises(InvalidArgument) as exc:
            sym(text)
        assert str(exc.value) == _refusal(text, f"exponent {e}")


@given(st.integers(LIMIT - 1000, LIMIT + 1000), st.sampled_from(BASES))
def test_an_exponent_written_as_a_product_is_limited_by_its_value(e: int, base: str) -> None:
    text = f"{base}**(2*{e // 2}+{e % 2})"  # the same exponent e, written as 2*q + r
    if e <= LIMIT:
        assert sym(text) == sp.Pow(sym(base), e)
    else:
        with pytest.raises(InvalidArgument) as exc:
            sym(text)
        assert str(exc.value) == _refusal(text, f"exponent {e}")


@pytest.mark.parametrize("text, value", [
    ("2**(3/1000000)", sp.Pow(2, sp.Rational(3, 10**6))),
    ("(l + 1)**(999/1000)", sp.Pow(LAYER + 1, sp.Rational(999, 1000))),
    ("l**(1000000/3)", sp.Pow(LAYER, sp.Rational(10**6, 3))),
])
def test_a_small_rational_exponent_is_accepted(text: str, value: sp.Expr) -> None:
    assert sym(text) == value


@pytest.mark.parametrize("text", ["l**(10**10**10)", "a**(10**8)", "(l + 1)**(10**7 + 1)"])
def test_a_huge_exponent_is_refused_before_it_is_computed(text: str) -> None:
    with pytest.raises(InvalidArgument) as exc:
        sym(text)
    assert str(exc.value) == _refusal(text, "exponent above 10**6")


# ---------------------------------------------------------------- the other input and result limits

def test_an_expression_of_200_characters_is_parsed_and_201_refused() -> None:
    assert sym("1" * 200) == int("1" * 200)
    assert sym("l" + " + l" * 49 + " " * 3) == 50 * LAYER  # 200 characters with its spaces
    for text in ("1" * 201, "l" + " + l" * 50):
        with pytest.raises(InvalidArgument) as exc:
            sym(text)
        assert str(exc.value) == "value must be a non-empty expression of at most 200 characters"


def test_an_integer_of_1000_digits_is_accepted_and_of_1001_refused() -> None:
    for n in (10**999, -(10**999), 2**3300):
        assert sym(n) == n
    for n, digits in ((10**1000, 1001), (-(10**1000), 1001), (10**1200, 1201)):
        with pytest.raises(InvalidArgument) as exc:
            sym(n, "size")
        assert str(exc.value) == f"size has about {digits} digits; at most 1000 allowed"


@pytest.mark.parametrize("ok, too_big, digits", [
    ("10**1000", "10**1001", 1001),  # a power: its log10 bound
    ("10**600*10**400", "10**600*10**401", 1001),  # a product: the sum of the factors' bounds
    ("(10**500)**2", "(10**500)**3", 1500),
])
def test_a_number_written_as_a_formula_is_limited_by_its_size(ok: str, too_big: str, digits: int) -> None:
    assert sym(ok) == 10**1000
    with pytest.raises(InvalidArgument) as exc:
        sym(too_big)
    assert str(exc.value) == _refusal(too_big, f"about {digits} digits")


AB, CD = sp.Symbol("a") + sp.Symbol("b"), sp.Symbol("c") + sp.Symbol("d")


@pytest.mark.parametrize("ok, too_big, parsed", [
    ("(a + b)**9999", "(a + b)**10000", AB**9999),  # n + 1 terms
    ("(a + b)**99*(c + d)**99", "(a + b)**99*(c + d)**100", AB**99 * CD**99),  # 100 * 100, then 100 * 101
])
def test_a_formula_expanding_to_10000_terms_is_accepted_and_more_refused(ok: str, too_big: str,
                                                                          parsed: sp.Expr) -> None:
    got = sym(ok)  # left unexpanded; symbols become positive integers
    assert got.xreplace({s: sp.Symbol(s.name) for s in got.free_symbols}) == parsed
    with pytest.raises(InvalidArgument) as exc:
        sym(too_big)
    assert str(exc.value) == _refusal(too_big, "expands to more than 10000 terms")


def test_a_result_of_4000_digits_is_returned_and_of_4001_refused() -> None:
    from kronconv import TooLarge
    from kronconv.formulas import stack_parameter_count

    # L * C**2 * k**3 with k = 2**3000, C = 2**2000, L = 2**e: the count is 2**(e + 13000)
    k, C = 2**3000, 2**2000
    assert stack_parameter_count(k, 2**285, C, dims=3, bias=False) == 2**13285  # 3999.5 digits by its bits
    with pytest.raises(TooLarge) as exc:
        stack_parameter_count(k, 2**288, C, dims=3, bias=False)  # 4000.4 digits by its bits
    assert str(exc.value) == ("the parameter count has about 4001 decimal digits, above the limit "
                              "MAX_RESULT_DIGITS = 4000; use smaller sizes")
