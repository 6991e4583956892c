"""Stride schedules whose product over the layers SymPy cannot write in closed form.

The receptive field over a symbolic depth ``L`` multiplies the strides of the layers before each
one.  For ``l**l + 1``, ``2**l + l`` or ``(l + 1)**l`` SymPy leaves that product
unevaluated: the closed form must still evaluate, at ``L = 1..5``, to the sum written out in Python
(its product index is a non-negative integer).  For ``l**2 + 1`` or ``l*(l + 1) + 1`` the product has
complex roots, on which SymPy's summation raises a ``TypeError``: over a symbolic depth the receptive
field and its inverse must refuse such a schedule with :class:`InvalidArgument` (the CLI's "bad
input", exit 2), and over a concrete depth sum it exactly.
"""

from __future__ import annotations

import pytest
import sympy as sp

from kronconv import InvalidArgument
from kronconv.formulas import layers_for_receptive_field, receptive_field_closed_form

L = sp.Symbol("L", integer=True, positive=True)


def _field(stride, depth: int, dilation=lambda l: 1, k: int = 3) -> int:
    total, jump = 0, 1
    for l in range(depth):
        total, jump = total + dilation(l) * jump, jump * stride(l)
    return 1 + (k - 1) * total


UNEVALUATED = [("l**l + 1", lambda l: l**l + 1),
               ("2**l + l", lambda l: 2**l + l), ("(l + 1)**l", lambda l: (l + 1) ** l)]


@pytest.mark.parametrize("text, stride", UNEVALUATED)
@pytest.mark.parametrize("dil, dilation", [("1", lambda l: 1), ("l + 1", lambda l: l + 1)])
def test_an_unevaluated_stride_product_evaluates_to_the_sum_at_every_depth(text: str, stride, dil: str,
                                                                           dilation) -> None:
    closed = receptive_field_closed_form(3, dil, "L", text)
    assert closed.has(sp.Product)  # left unevaluated by SymPy: the case this test is about
    for depth in range(1, 6):
        want = _field(stride, depth, dilation)
        assert closed.subs(L, depth).doit() == want
        assert receptive_field_closed_form(3, dil, depth, text) == want


SCHEDULES = [("l**2 + 1", lambda l: l * l + 1), ("l*(l + 1) + 1", lambda l: l * (l + 1) + 1)]


@pytest.mark.parametrize("text, stride", SCHEDULES)
def test_an_unsummable_stride_over_a_symbolic_depth_is_refused(text: str, stride) -> None:
    with pytest.raises(InvalidArgument) as exc:
        receptive_field_closed_form(3, 1, "L", text)
    assert str(exc.value) == (f"cannot sum the receptive field of dilation 1 and stride {text} over L layers "
                              "symbolically; give a concrete number of layers")
    with pytest.raises(InvalidArgument, match="cannot sum the receptive field"):
        layers_for_receptive_field("R", 3, 1, text)
    for depth in range(1, 7):
        assert receptive_field_closed_form(3, 1, depth, text) == _field(stride, depth)
