"""The depth a symbolic receptive field ``R`` needs, evaluated at numbers, against a brute-force search.

For a symbolic target, :func:`layers_for_receptive_field` inverts the closed form
:math:`r(L) = R` over positive real :math:`L` and takes the ceiling.  Evaluated at ``R = 1, 2, ...``
that expression must equal the first depth whose receptive field
:math:`1 + (k - 1) \\sum_{l<L} d(l) \\prod_{i<l} s(i)` reaches ``R``, found here by adding layers one at
a time with Python integers.  Quadratic fields (dilation ``l + 1``) have a negative root too, which
must not be taken.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from kronconv.formulas import layers_for_receptive_field

R = sp.Symbol("R", integer=True, positive=True)

# (kernel, dilation text, stride text, dilation(l), stride(l))
Case = tuple[int, str, str, Callable[[int], int], Callable[[int], int]]
CASES: list[Case] = [
    (3, "1", "1", lambda l: 1, lambda l: 1),
    (4, "1", "1", lambda l: 1, lambda l: 1),
    (3, "l + 1", "1", lambda l: l + 1, lambda l: 1),
    (5, "2*l + 1", "1", lambda l: 2 * l + 1, lambda l: 1),
    (2, "3*l + 2", "1", lambda l: 3 * l + 2, lambda l: 1),
    (3, "2**l", "1", lambda l: 2**l, lambda l: 1),
    (2, "3**l", "1", lambda l: 3**l, lambda l: 1),
    (2, "1", "2", lambda l: 1, lambda l: 2),
    (4, "1", "3", lambda l: 1, lambda l: 3),
    (2, "2**l", "2", lambda l: 2**l, lambda l: 2),
]


def _first_depth_reaching(target: int, case: Case) -> int:
    k, _, _, d, s = case
    field, jump, depth = 1, 1, 0
    while field < target:
        field += (k - 1) * d(depth) * jump
        jump *= s(depth)
        depth += 1
    return depth


@cache
def _symbolic_depth(i: int) -> sp.Expr:
    k, dil, stride, _, _ = CASES[i]
    return layers_for_receptive_field("R", k, dil, stride)


@given(st.integers(0, len(CASES) - 1), st.integers(1, 3000))
def test_the_symbolic_depth_at_a_number_is_the_first_depth_reaching_it(i: int, target: int) -> None:
    depth = _symbolic_depth(i).subs(R, target)
    assert depth.is_Integer and int(depth) == _first_depth_reaching(target, CASES[i])


@given(st.integers(0, len(CASES) - 1), st.integers(1, 200))
def test_the_symbolic_depth_agrees_with_the_concrete_search(i: int, target: int) -> None:
    k, dil, stride, _, _ = CASES[i]
    assert _symbolic_depth(i).subs(R, target) == layers_for_receptive_field(target, k, dil, stride)


def test_a_quadratic_field_is_inverted_on_its_positive_branch() -> None:
    # kernel 3, dilation l + 1: r(L) = L**2 + L + 1, so the depth is the positive root's ceiling
    depth = _symbolic_depth(2)
    assert sp.simplify(depth - sp.ceiling(sp.sqrt(4 * R - 3) / 2 - sp.Rational(1, 2))) == 0
    assert [int(depth.subs(R, t)) for t in (1, 3, 4, 7, 8, 13, 14)] == [0, 1, 2, 2, 3, 3, 4]
