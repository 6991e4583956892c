"""The size limits of exact receptive fields: results up to ``MAX_RESULT_DIGITS`` digits, ``MAX_LAYERS_FOR`` layers.

A geometric stack (dilation ``b**l``, or stride ``b`` with dilation 1) has the receptive field
:math:`1 + (k - 1)(b^L - 1)/(b - 1)`, recomputed here with Python integers.  Near the digit limit
the library must return that exact number when it has clearly fewer than 4000 digits and refuse
with :class:`TooLarge` when it has more; the depth limit is tested on both sides.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv import InvalidArgument, TooLarge
from kronconv.formulas import layers_for_receptive_field, receptive_field_closed_form

MAX_DIGITS = 4000  # MAX_RESULT_DIGITS, as its refusals state
MAX_LAYERS = 4096  # MAX_LAYERS_FOR, as its refusals state


def _decimal_digits(n: int) -> int:
    """Exact number of decimal digits of ``n > 0`` (without str(): Python refuses more than 4300)."""
    d = int(n.bit_length() * math.log10(2))
    while 10**d <= n:
        d += 1
    return max(d, 1)


def _geometric_field(k: int, b: int, depth: int) -> int:
    return 1 + (k - 1) * ((b**depth - 1) // (b - 1))


@st.composite
def near_the_digit_limit(draw: st.DrawFn) -> tuple[int, int, int]:
    b = draw(st.integers(2, 3000))
    k = draw(st.integers(2, 9))
    edge = round(MAX_DIGITS / math.log10(b))  # the depth where b**L reaches the limit
    depth = draw(st.one_of(st.integers(edge - 25, edge + 25), st.integers(1, MAX_LAYERS)))
    return k, b, min(max(depth, 1), MAX_LAYERS)


@given(near_the_digit_limit(), st.booleans())
@settings(max_examples=100)
def test_an_exact_field_below_the_digit_limit_is_returned_and_above_it_refused(case, as_stride) -> None:
    k, b, depth = case
    want = _geometric_field(k, b, depth)
    digits = _decimal_digits(want)
    dilation, stride = (1, b) if as_stride else (f"{b}**l", 1)
    if digits <= MAX_DIGITS - 10:
        assert receptive_field_closed_form(k, dilation, depth, stride) == want
    elif digits > MAX_DIGITS + 1:
        with pytest.raises(TooLarge, match=f"MAX_RESULT_DIGITS = {MAX_DIGITS}"):
            receptive_field_closed_form(k, dilation, depth, stride)
    else:  # within the estimate's slack: exact when given
        try:
            assert receptive_field_closed_form(k, dilation, depth, stride) == want
        except TooLarge:
            pass


def test_the_deepest_stack_is_accepted_and_one_more_layer_refused() -> None:
    assert receptive_field_closed_form(3, 1, MAX_LAYERS) == 1 + 2 * MAX_LAYERS
    assert receptive_field_closed_form(2, "2**l", MAX_LAYERS) == 2**MAX_LAYERS
    with pytest.raises(InvalidArgument) as exc:
        receptive_field_closed_form(3, 1, MAX_LAYERS + 1)
    assert str(exc.value) == f"layers must be at most {MAX_LAYERS}, got {MAX_LAYERS + 1}"


def test_the_deepest_search_is_answered_and_one_more_layer_refused() -> None:
    # kernel 2, unit dilation: r(L) = L + 1, so rf R needs R - 1 layers
    assert layers_for_receptive_field(MAX_LAYERS + 1, 2) == MAX_LAYERS
    with pytest.raises(InvalidArgument) as exc:
        layers_for_receptive_field(MAX_LAYERS + 2, 2)
    assert str(exc.value) == f"rf {MAX_LAYERS + 2} needs more than {MAX_LAYERS} layers (the limit)"
