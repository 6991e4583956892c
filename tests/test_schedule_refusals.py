"""Per-layer schedules (dilation, stride as expressions of ``l``) that are not positive integers.

Every public entry that evaluates a schedule layer by layer (``check_schedule``,
``receptive_field_closed_form``, ``layers_for_receptive_field``) refuses such a schedule with
:class:`InvalidArgument` naming the first failing layer, whether the failure is a division by
zero, a value below 1, or a value that is not a rational number (a SymPy constant given directly).
Error messages echo an expression of up to 60 characters exactly as SymPy prints it, and a
longer one as a quoted prefix followed by its length.
"""

from __future__ import annotations

import pytest
import sympy as sp

from kronconv import InvalidArgument
from kronconv.errors import MAX_QUOTE
from kronconv.formulas import (
    LAYER,
    check_schedule,
    layers_for_receptive_field,
    receptive_field_closed_form,
    sym,
)

# (schedule, the first layer it divides by zero): positive integers at every layer before it,
# worked out by hand: 1/(1-l) is 1 at l = 0; 2/(2-l) is 1, 2 at l = 0, 1.
ZERO_DIVISORS = [("1/l", 0), ("1/(1-l)", 1), ("2/(2-l)", 2)]


@pytest.mark.parametrize("text, bad", ZERO_DIVISORS)
@pytest.mark.parametrize("which", ["dilation", "stride"])
def test_a_schedule_dividing_by_zero_is_refused_naming_the_layer(text: str, bad: int, which: str) -> None:
    expr = sym(text, which)
    want = f"{which} {expr} divides by zero at l = {bad}"
    kwargs = {"dilation": text} if which == "dilation" else {"dilation": 1, "stride": text}
    with pytest.raises(InvalidArgument) as exc:
        receptive_field_closed_form(3, kwargs["dilation"], bad + 2, kwargs.get("stride", 1))
    assert str(exc.value) == want
    with pytest.raises(InvalidArgument) as exc:
        check_schedule(expr, which, bad + 1)
    assert str(exc.value) == want
    # the layer-by-layer search reaches the bad layer only when the target is not met before it
    with pytest.raises(InvalidArgument) as exc:
        layers_for_receptive_field(10**6, 3, kwargs["dilation"], kwargs.get("stride", 1))
    assert str(exc.value) == want


@pytest.mark.parametrize("text, bad", [z for z in ZERO_DIVISORS if z[1] > 0])
def test_the_layers_before_a_zero_division_are_accepted(text: str, bad: int) -> None:
    values = check_schedule(sym(text), "dilation", bad)
    assert values is not None and len(values) == bad and all(isinstance(v, int) and v >= 1 for v in values)
    # r(L) = 1 + (k - 1) * sum of the dilations (unit strides), recomputed from the values
    assert receptive_field_closed_form(3, text, bad) == 1 + 2 * sum(values)


@pytest.mark.parametrize("const", [sp.pi, sp.E, sp.I, sp.GoldenRatio, sp.EulerGamma])
def test_a_sympy_constant_schedule_is_refused_as_not_rational(const: sp.Expr) -> None:
    concrete = "must be a positive integer for every layer l = 0..3; at l = 0 it is not rational"
    for schedule in (const, const * (LAYER + 1)):
        with pytest.raises(InvalidArgument) as exc:
            receptive_field_closed_form(3, schedule, 4)
        assert str(exc.value) == f"dilation {schedule} {concrete}"
        with pytest.raises(InvalidArgument) as exc:
            receptive_field_closed_form(3, 1, 4, stride=schedule)
        assert str(exc.value) == f"stride {schedule} {concrete}"
        with pytest.raises(InvalidArgument, match="at l = 0 it is not rational"):
            layers_for_receptive_field(100, 3, schedule)
        with pytest.raises(InvalidArgument) as exc:
            check_schedule(schedule, "dilation")  # symbolic depth: l >= 0
        assert str(exc.value) == (f"dilation {schedule} must be a positive integer for every layer l >= 0; "
                                  "at l = 0 it is not rational")


def _unprovable(name: str) -> sp.Expr:
    """``name - l``: positive for small ``l`` only, so refused for every ``l >= 0``."""
    return sp.Symbol(name, integer=True, positive=True) - LAYER


@pytest.mark.parametrize("prefix", ["a", "x\\y", "b_2"])
def test_an_expression_of_at_most_60_characters_is_echoed_verbatim(prefix: str) -> None:
    assert MAX_QUOTE == 60
    for length in range(MAX_QUOTE - 3, MAX_QUOTE + 1):
        expr = _unprovable(prefix + "q" * (length - len(str(_unprovable(prefix)))))
        assert len(str(expr)) == length
        with pytest.raises(InvalidArgument) as exc:
            check_schedule(expr, "dilation")
        assert str(exc.value).startswith(f"dilation {expr} must be a positive integer for every layer l >= 0")


@pytest.mark.parametrize("length", [MAX_QUOTE + 1, MAX_QUOTE + 2, 150])
def test_a_longer_expression_is_cut_and_its_length_given(length: int) -> None:
    expr = _unprovable("a" * (length - len(" - l")))
    assert len(str(expr)) == length
    with pytest.raises(InvalidArgument) as exc:
        check_schedule(expr, "dilation")
    msg = str(exc.value)
    assert str(expr) not in msg
    shown = f"'{str(expr)[: MAX_QUOTE - 2]}...' ({length} characters)"  # quoted prefix and the full length
    assert msg.startswith(f"dilation {shown} must be a positive integer for every layer l >= 0")


@pytest.mark.parametrize("layers, scope", [(None, "l >= 0"), ("L", "l >= 0"), (1, "l = 0..0"), (4, "l = 0..3"),
                                           (17, "l = 0..16")])
def test_an_unprovable_schedule_is_refused_naming_the_layers_in_range(layers: object, scope: str) -> None:
    expr = sym("a - l", "dilation")  # a positive integer for l < a only: not shown for any range
    with pytest.raises(InvalidArgument) as exc:
        check_schedule(expr, "dilation", layers)
    assert str(exc.value) == (f"dilation a - l must be a positive integer for every layer {scope}: this cannot "
                              "be shown (symbols are positive integers, l >= 0); give concrete numbers")
    if layers is not None:
        with pytest.raises(InvalidArgument) as exc2:
            receptive_field_closed_form(3, "a - l", layers)
        assert str(exc2.value) == str(exc.value)


@pytest.mark.parametrize("text, bad, value", [("3 - l", 3, "0"), ("5 - 2*l", 3, "-1"), ("(l + 2)/2", 1, "3/2")])
def test_the_layer_search_names_the_layers_it_evaluated(text: str, bad: int, value: str) -> None:
    # layers 0..bad-1 have positive integer dilations; the target is out of reach before layer bad
    with pytest.raises(InvalidArgument) as exc:
        layers_for_receptive_field(10**6, 3, text)
    assert str(exc.value) == (f"dilation {sym(text)} must be a positive integer for every layer "
                              f"l = 0..{bad}; at l = {bad} it is {value}")
    with pytest.raises(InvalidArgument) as exc:
        layers_for_receptive_field(10**6, 3, 1, text)
    assert str(exc.value) == (f"stride {sym(text)} must be a positive integer for every layer "
                              f"l = 0..{bad}; at l = {bad} it is {value}")


def test_zero_to_the_power_zero_is_one_as_in_python() -> None:
    # l**l is 0**0 = 1 at l = 0 (Python's and SymPy's convention), then 1, 4, 27
    values = [l**l for l in range(4)]
    assert check_schedule(sym("l**l"), "dilation", 4) == values == [1, 1, 4, 27]
    assert receptive_field_closed_form(3, "l**l", 4) == 1 + 2 * sum(values)
    assert receptive_field_closed_form(3, 1, 4, stride="l**l") == 1 + 2 * (1 + 1 + 1 + 1 * 1 * 4)


@pytest.mark.parametrize("kernel, message", [
    (0, "kernel must be a positive integer, got 0"),
    (-3, "kernel must be a positive integer, got -3"),
    ("5/2", "kernel must be a positive integer, got 5/2"),
    ("l + 2", "kernel l + 2 may not use the layer index l (only dilations and strides may)"),
    ("k - 5", ("kernel k - 5 must be a positive integer for all positive-integer values of its symbols, and "
               "this cannot be shown; give a number or a plain symbol")),
])
def test_the_layer_search_refuses_a_kernel_that_is_not_a_size(kernel: object, message: str) -> None:
    for target in (10, "R"):
        with pytest.raises(InvalidArgument) as exc:
            layers_for_receptive_field(target, kernel)
        assert str(exc.value) == message
