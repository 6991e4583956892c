r"""The receptive field over a depth against a brute-force sum written out in Python.

:math:`r(L) = 1 + (k - 1) \sum_{l<L} d(l) \prod_{i<l} s(i)` is recomputed term by term from
Python functions of ``l`` (no SymPy parsing, no summation), with the kernel and the schedule
base either concrete or the positive-integer symbols ``k`` and ``a``; the library's answer must
equal it as a polynomial, for concrete depths and for a symbolic depth evaluated at ``L = 1..5``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv import InvalidArgument
from kronconv.formulas import layers_for_receptive_field, receptive_field_closed_form

K, A, L = (sp.Symbol(n, integer=True, positive=True) for n in "kaL")

# (text given to the library, the same schedule as a Python function of (l, a))
Schedule = tuple[str, Callable[[int, object], object]]
DILATIONS: list[Schedule] = [
    ("1", lambda l, a: 1),
    ("2**l", lambda l, a: 2**l),
    ("l + 1", lambda l, a: l + 1),
    ("(l + 1)**2", lambda l, a: (l + 1) ** 2),
    ("3*l + 2", lambda l, a: 3 * l + 2),
    ("a**l", lambda l, a: a**l),
    ("a*l + 1", lambda l, a: a * l + 1),
    ("a + l", lambda l, a: a + l),
]
STRIDES: list[Schedule] = [
    ("1", lambda l, a: 1),
    ("2", lambda l, a: 2),
    ("l + 1", lambda l, a: l + 1),
    ("a", lambda l, a: a),
]


def brute_force(k: object, dil: Schedule, stride: Schedule, depth: int, a: object = A) -> object:
    total, jump = 0, 1
    for l in range(depth):
        total += dil[1](l, a) * jump
        jump *= stride[1](l, a)
    return 1 + (k - 1) * total  # type: ignore[operator]


kernels = st.one_of(st.integers(2, 6), st.just("k"))


@given(kernels, st.sampled_from(DILATIONS), st.sampled_from(STRIDES), st.integers(1, 7))
@settings(max_examples=80)
def test_concrete_depth_equals_the_brute_force_sum(kernel, dil, stride, depth) -> None:
    got = receptive_field_closed_form(kernel, dil[0], depth, stride[0])
    k = K if kernel == "k" else kernel
    want = brute_force(k, dil, stride, depth)
    assert sp.expand(got - want) == 0
    if not getattr(want, "free_symbols", None):  # everything concrete: an exact SymPy integer
        assert isinstance(got, sp.Integer) and int(got) == want


@given(st.integers(2, 6), st.sampled_from(DILATIONS[:5]), st.sampled_from(STRIDES[:2]), st.integers(1, 400))
@settings(max_examples=60)
def test_layers_needed_is_the_first_depth_reaching_the_target(k, dil, stride, target) -> None:
    depth = int(layers_for_receptive_field(target, k, dil[0], stride[0]))
    assert brute_force(k, dil, stride, depth) >= target
    assert depth == 0 or brute_force(k, dil, stride, depth - 1) < target


@given(kernels, st.sampled_from(DILATIONS[:3] + DILATIONS[5:6]), st.sampled_from(STRIDES[:2]))
@settings(max_examples=10)
def test_symbolic_depth_evaluates_to_the_brute_force_sum(kernel, dil, stride) -> None:
    closed = receptive_field_closed_form(kernel, dil[0], "L", stride[0])
    k = K if kernel == "k" else kernel
    for depth in range(1, 6):
        assert sp.simplify(closed.subs(L, depth) - brute_force(k, dil, stride, depth)) == 0


@cache
def _symbolic_depth(k: int) -> sp.Expr:
    return layers_for_receptive_field("R", k, "a**l")  # a Piecewise closed form: a = 1 is linear


@given(st.integers(2, 5), st.integers(2, 9), st.integers(2, 5000))
@settings(max_examples=30)
def test_the_symbolic_depth_for_a_symbolic_base_is_the_first_depth_reaching_the_target(k, a, target) -> None:
    # moderate targets: the ceiling of a log ratio is then far enough from an integer for SymPy to round it
    depth = int(_symbolic_depth(k).subs({sp.Symbol("R", integer=True, positive=True): target, A: a}))
    dil = ("a**l", lambda l, a: a**l)
    assert brute_force(k, dil, STRIDES[0], depth, a) >= target
    assert brute_force(k, dil, STRIDES[0], depth - 1, a) < target


@pytest.mark.parametrize("dil", DILATIONS[:5], ids=[d[0] for d in DILATIONS[:5]])
@pytest.mark.parametrize("k", [2, 3, 5])
def test_the_symbolic_depth_for_a_symbolic_target_is_the_first_depth_reaching_it(dil, k) -> None:
    # polynomial schedules give quadratic or cubic r(L): only the positive real root is the depth
    if dil[0] == "(l + 1)**2":  # a cubic: SymPy's root formula is complex-valued, so none is given
        with pytest.raises(InvalidArgument, match=r"cannot invert the receptive field .* symbolically"):
            layers_for_receptive_field("R", k, dil[0])
        return
    depth_of = layers_for_receptive_field("R", k, dil[0])
    R = sp.Symbol("R", integer=True, positive=True)
    for target in (2, 3, 10, 99, 100, 101, 1234, 4999):
        depth = int(depth_of.subs(R, target))
        assert brute_force(k, dil, STRIDES[0], depth) >= target > brute_force(k, dil, STRIDES[0], depth - 1)
