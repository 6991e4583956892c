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
