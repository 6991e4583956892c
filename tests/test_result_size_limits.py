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
MAX_SCHEDULE_BITS = 13351  # most bits of one schedule value, as its refusals state (4000 digits + 64 bits)


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
    b = draw(st.one_of(st.integers(2, 3000), st.sampled_from([2**m for m in range(1, 12)])))
    k = draw(st.integers(2, 9))
    edge = round(MAX_DIGITS / math.log10(b))  # the depth where b**L reaches the limit
    depth = draw(st.one_of(st.integers(edge - 25, edge + 25), st.integers(1, MAX_LAYERS)))
    return k, b, min(max(depth, 1), MAX_LAYERS)


@given(near_the_digit_limit(), st.booleans())
@settings(max_examples=60)
def test_an_exact_field_below_the_digit_limit_is_returned_and_above_it_refused(case, as_stride) -> None:
    k, b, depth = case
    want = _geometric_field(k, b, depth)
    digits = _decimal_digits(want)
    dilation, stride = (1, b) if as_stride else (f"{b}**l", 1)
    if digits <= MAX_DIGITS - 10:
        assert receptive_field_closed_form(k, dilation, depth, stride) == want
    elif digits > MAX_DIGITS + 1:
        with pytest.raises(TooLarge, match=f"MAX_RESULT_DIGITS = {MAX_DIGITS}") as exc:
            receptive_field_closed_form(k, dilation, depth, stride)
        exact_sizes = not as_stride or b & (b - 1) == 0  # a stride's size is counted in whole bits
        if digits > MAX_DIGITS + 12 and exact_sizes:  # far above: refused from sizes before the sum
            msg = str(exc.value)
            assert msg.startswith(f"the receptive field of {depth} layers has about ") or (
                f"has more than {MAX_SCHEDULE_BITS} bits" in msg), msg
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


def test_a_schedule_value_of_the_most_bits_is_evaluated_and_one_bit_more_refused() -> None:
    # 2**(E*l) + (-2)**(E*l) + 1 is 3 at l = 0 and 1 at every odd l, through powers of E bits at l = 1
    e = MAX_SCHEDULE_BITS
    assert receptive_field_closed_form(3, f"2**({e}*l) + (-2)**({e}*l) + 1", 2) == 1 + 2 * (3 + 1)
    assert receptive_field_closed_form(3, 1, 2, stride=f"2**({e}*l) + (-2)**({e}*l) + 1") == 1 + 2 * (1 + 3)
    for more in (e + 1, e + 2):
        with pytest.raises(TooLarge) as exc:
            receptive_field_closed_form(3, f"2**({more}*l) + (-2)**({more}*l) + 1", 2)
        assert f"at l = 1 has more than {MAX_SCHEDULE_BITS} bits" in str(exc.value)


def test_a_doubly_exponential_schedule_is_refused_at_the_first_layer_too_large() -> None:
    # 2**(2**l) has 2**l + 1 bits: 8193 at l = 13, 16385 at l = 14
    assert receptive_field_closed_form(2, "2**(2**l)", 14) == 1 + sum(2 ** (2**l) for l in range(14))
    for depth in (15, 40, MAX_LAYERS):  # never computes 2**(2**39)
        with pytest.raises(TooLarge) as exc:
            receptive_field_closed_form(2, "2**(2**l)", depth)
        assert str(exc.value) == (f"dilation 2**(2**l) at l = 14 has more than {MAX_SCHEDULE_BITS} bits: the "
                                  f"receptive field would exceed MAX_RESULT_DIGITS = {MAX_DIGITS} digits")


def test_a_schedule_of_large_factors_with_a_small_value_is_evaluated_exactly() -> None:
    depth = 1200  # factors of about 14400 bits together at the last layer
    # (8**l + 1)(8**l + 3) / (64**l + 4*8**l + 3) = 1 at every layer; its factors have ~12l bits together
    one = "(8**l + 1)*(8**l + 3)/(64**l + 4*8**l + 3)"
    assert receptive_field_closed_form(3, one, depth) == 1 + 2 * depth
    assert layers_for_receptive_field(1 + 2 * depth, 3, one) == depth


def test_an_unreachable_target_is_shown_whole_up_to_40_digits() -> None:
    for digits in (39, 40):
        target = 10 ** (digits - 1) + 7
        with pytest.raises(InvalidArgument) as exc:
            layers_for_receptive_field(target, 2)
        assert str(exc.value) == f"rf {target} needs more than {MAX_LAYERS} layers (the limit)"
    for digits in (41, 42, 300):
        with pytest.raises(InvalidArgument) as exc:
            layers_for_receptive_field(10 ** (digits - 1) + 7, 2)
        assert str(exc.value) == f"rf of about 10**{digits - 1} needs more than {MAX_LAYERS} layers (the limit)"


@pytest.mark.parametrize("kernel, exponent, estimated", [
    (2, 13315, False), (2, 13316, True),  # kernel 2 counts 2 bits: 2 + 13316 + 1 + 2 bits = 4010.02 digits
    ("k", 13317, False), ("k", 13318, True),  # a symbolic kernel counts no bits
])
def test_a_result_estimated_over_the_limit_plus_10_digits_is_refused_before_it_is_computed(
        kernel: object, exponent: int, estimated: bool) -> None:
    # two layers, dilations 1 and 2**exponent: the bound is (kernel bits + exponent + 1 + 2) bits, as the
    # module docstring's sizing says; just under 10 digits over the limit the sum is computed and then refused
    with pytest.raises(TooLarge) as exc:
        receptive_field_closed_form(kernel, f"2**({exponent}*l)", 2)
    msg = str(exc.value)
    assert msg.startswith("the receptive field of 2 layers has about" if estimated else "the receptive field has about")
    assert msg.endswith(f"above the limit MAX_RESULT_DIGITS = {MAX_DIGITS}; use smaller sizes")
