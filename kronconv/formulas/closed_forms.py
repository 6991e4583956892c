r"""Closed forms over a depth ``L``: the receptive field of a stack and the depth a field needs.

:math:`r(L) = 1 + \sum_{l=0}^{L-1} (k - 1)\, d(l) \prod_{i<l} s(i)`, summed by SymPy
for symbolic depths and exactly for concrete ones.  Dilation and stride schedules
(expressions in ``l``) are checked to be positive integers at every layer in range
(:func:`check_schedule`), evaluated exactly with every power sized before it is computed.

Examples
--------
>>> receptive_field_closed_form(3, "2**l", 5)
63
>>> receptive_field_closed_form("k", 1, "L")
L*k - L + 1
>>> layers_for_receptive_field(63, 3, "2**l")
5
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache
from typing import Any

import sympy as sp

from ..errors import InvalidArgument, TooLarge, short_repr
from .expressions import (
    LAYER,
    MAX_RESULT_DIGITS,
    _check_size_expr,
    _shown_positive_integer,
    bounded,
    sym,
)

__all__ = ["MAX_LAYERS_FOR", "MAX_SCHEDULE_BITS", "check_schedule", "layers_for_receptive_field",
           "receptive_field_closed_form"]


@lru_cache(maxsize=256)
def _closed_form_cached(k: sp.Expr, dil: sp.Expr, stride: sp.Expr, L: sp.Expr) -> sp.Expr:
    i = sp.Dummy("i", integer=True, nonnegative=True)
    jump = sp.product(stride.xreplace({LAYER: i}), (i, 0, LAYER - 1)) if stride != 1 else sp.Integer(1)
    term = (k - 1) * dil * jump
    total = sp.summation(term, (LAYER, 0, L - 1))
    total = 1 + total
    return sp.simplify(sp.powsimp(sp.expand(total), force=True))


#: Most bits of one schedule value (dilation or stride at one layer) evaluated exactly; a larger value
#: makes the receptive field exceed :data:`MAX_RESULT_DIGITS` decimal digits anyway.
MAX_SCHEDULE_BITS = int(MAX_RESULT_DIGITS * math.log2(10)) + 64


class _NotConcrete(Exception):
    """The expression has a symbol other than ``l``."""


class _Huge(Exception):
    """A value would exceed :data:`MAX_SCHEDULE_BITS` bits."""


def _bits(q: Fraction) -> int:
    return max(abs(q.numerator).bit_length(), q.denominator.bit_length())


def _eval_at(e: sp.Expr, l: int) -> Fraction | None:
    """Exact value of ``e`` at ``l`` (``None`` when it is irrational, e.g. ``2**(1/2)``).

    Works on the expression tree with Python integers and checks the size of every power *before*
    computing it (``2**(2**l)`` at ``l = 39`` is refused by bit length, never evaluated).
    Raises :class:`_Huge` above :data:`MAX_SCHEDULE_BITS` bits and :class:`_NotConcrete` on other symbols.
    """
    if e == LAYER:
        return Fraction(l)
    if isinstance(e, sp.Rational):
        return Fraction(int(e.p), int(e.q))
    if isinstance(e, sp.Symbol) or not e.args:
        raise _NotConcrete
    maybe = [_eval_at(a, l) for a in e.args]
    vals = [v for v in maybe if v is not None]
    if len(vals) != len(maybe):
        return None
    if isinstance(e, sp.Add):
        return sum(vals, Fraction(0))
    if isinstance(e, sp.Mul):
        if sum(_bits(v) for v in vals) > 2 * MAX_SCHEDULE_BITS:
            raise _Huge
        return math.prod(vals, start=Fraction(1))
    if isinstance(e, sp.Pow):
        base, ex = vals
        if ex.denominator != 1:
            return None  # a root: irrational for the purpose of a size
        if base == 0 and ex < 0:
            raise ZeroDivisionError
        if abs(base) != 1 and base != 0 and (_bits(base) - 1) * abs(ex) > MAX_SCHEDULE_BITS:
            raise _Huge
        return base ** int(ex)
    raise _NotConcrete  # pragma: no cover - sym() admits only Add, Mul, Pow, numbers and symbols


def _value_at(expr: sp.Expr, name: str, text: str, j: int, n: int) -> int:
    """The positive integer ``expr(j)``, or a one-line error naming ``j`` (layers ``0..n-1``)."""
    try:
        v = _eval_at(expr, j)
    except _Huge:
        raise TooLarge(f"{name} {text} at l = {j} has more than {MAX_SCHEDULE_BITS} bits: the receptive "
                       f"field would exceed MAX_RESULT_DIGITS = {MAX_RESULT_DIGITS} digits") from None
    except ZeroDivisionError:
        raise InvalidArgument(f"{name} {text} divides by zero at l = {j}") from None
    except _NotConcrete:  # a SymPy constant given directly (pi, E, I): not a rational number
        v = None
    if v is None or v.denominator != 1 or v < 1:
        shown = "not rational" if v is None else str(v)
        raise InvalidArgument(f"{name} {text} must be a positive integer for every layer "
                              f"l = 0..{n - 1}; at l = {j} it is {shown}")
    return int(v)


def check_schedule(expr: sp.Expr, name: str, layers: Any = None) -> list[int] | None:
    """Check that a per-layer size ``expr(l)`` is a positive integer for **every** layer ``l`` in range.

    With a concrete number of layers ``L`` and no symbol but ``l``, every ``l = 0..L-1`` is evaluated
    exactly (sizes bounded by bit length first) and the values are returned.  Otherwise (symbolic ``L``
    or other symbols) the claim must follow for all ``l >= 0`` from SymPy's assumptions (``l`` a
    non-negative integer, other symbols positive integers); when it cannot be shown the schedule is
    refused, naming a failing ``l`` where one exists among the first 64.

    Examples
    --------
    >>> check_schedule(sym("2**l"), "dilation", 4)
    [1, 2, 4, 8]
    >>> check_schedule(sym("7 - l"), "dilation", 20)
    Traceback (most recent call last):
    ...
    kronconv.errors.InvalidArgument: dilation 7 - l must be a positive integer for every layer l = 0..19; at l = 7 it is 0
    >>> check_schedule(sym("a**l"), "dilation") is None
    True
    """
    L = None if layers is None else sym(layers, "layers")
    text = short_repr(str(expr)) if len(str(expr)) > 60 else str(expr)  # long: "'2**l + ...' (75 characters)"
    if not (expr.free_symbols - {LAYER}) and L is not None and L.is_Integer:
        n = int(L)
        values = [_value_at(expr, name, text, j, n) for j in range(n)]
        return values
    if _shown_positive_integer(expr):
        return None
    where = ""
    if not (expr.free_symbols - {LAYER}):
        for j in range(64):
            try:
                v = _eval_at(expr, j)
            except (_Huge, ZeroDivisionError):
                break
            except _NotConcrete:  # a SymPy constant given directly (pi, E, I)
                v = None
            if v is None or v.denominator != 1 or v < 1:
                where = f"; at l = {j} it is {'not rational' if v is None else v}"
                break
    scope = "every layer l >= 0" if L is None or not L.is_Integer else f"every layer l = 0..{int(L) - 1}"
    raise InvalidArgument(f"{name} {text} must be a positive integer for {scope}{where or ''}"
                          + ("" if where else ": this cannot be shown (symbols are positive integers, l >= 0); "
                             "give concrete numbers"))

def receptive_field_closed_form(kernel: Any, dilation: Any, layers: Any, stride: Any = 1) -> sp.Expr:
    r"""Receptive field of ``layers`` equal layers, dilation/stride given as expressions of ``l``.

    :math:`r(L) = 1 + \sum_{l=0}^{L-1} (k - 1)\, d(l) \prod_{i<l} s(i)`, solved
    with :func:`sympy.summation` and simplified (summed exactly when ``L`` and the
    schedules are concrete).  The dilation and stride must be positive integers for
    every layer in range: checked at every ``l`` for a concrete ``L``, shown from
    SymPy's assumptions otherwise (see :func:`check_schedule`); anything else is refused.

    Examples
    --------
    >>> receptive_field_closed_form(3, "2**l", "L")
    2**(L + 1) - 1
    >>> receptive_field_closed_form("a", "a**l", "L")
    a**L
    >>> receptive_field_closed_form(3, 1, "L", stride=2)
    2**(L + 1) - 1
    >>> receptive_field_closed_form(3, "7 - l", 20)
    Traceback (most recent call last):
    ...
    kronconv.errors.InvalidArgument: dilation 7 - l must be a positive integer for every layer l = 0..19; at l = 7 it is 0
    """
    k = sym(kernel, "kernel")
    dil = sym(dilation, "dilation")
    st = sym(stride, "stride")
    L = sym(layers, "layers")
    _check_size_expr(k, "kernel")
    _check_size_expr(L, "layers", layer_ok=True)  # e.g. "l + 1": the field after layer l
    if L.is_number and L > MAX_LAYERS_FOR:
        raise InvalidArgument(f"layers must be at most {MAX_LAYERS_FOR}, got {L}")
    dv = check_schedule(dil, "dilation", L)
    sv = check_schedule(st, "stride", L)
    if dv is not None and sv is not None:  # concrete L and schedules: sum exactly, size first
        kb = int(k).bit_length() if k.is_Integer else 0
        jump_bits, worst = 0, 0
        for d, s_ in zip(dv, sv):
            worst = max(worst, d.bit_length() + jump_bits)
            jump_bits += s_.bit_length() - 1
        est = (kb + worst + len(dv).bit_length()) * math.log10(2)
        if est > MAX_RESULT_DIGITS + 10:
            raise TooLarge(f"the receptive field of {L} layers has about {int(est)} decimal digits, above the "
                           f"limit MAX_RESULT_DIGITS = {MAX_RESULT_DIGITS}; use smaller sizes")
        total, jump = 0, 1
        for d, s_ in zip(dv, sv):
            total += d * jump
            jump *= s_
        return bounded(sp.expand(1 + (k - 1) * total), "the receptive field")
    try:
        out = _closed_form_cached(k, dil, st, L)
    except TypeError:  # SymPy compares complex roots, e.g. of the product of l**2 + 1
        raise InvalidArgument(f"cannot sum the receptive field of dilation {dil} and stride {st} over {L} layers "
                              "symbolically; give a concrete number of layers") from None
    if L.is_number and not out.free_symbols:
        out = sp.Integer(out)
    return bounded(out, "the receptive field")


def _real_at_samples(root: sp.Expr) -> bool:
    """Whether a root formula is real with every symbol at 10 and at 1000.

    SymPy writes the real root of a cubic with principal cube roots of negative numbers, a formula
    without ``I`` that evaluates to complex numbers; such a root is not a depth.
    """
    for value in (10, 1000):
        v = sp.N(root.xreplace({s: sp.Integer(value) for s in root.free_symbols}))
        if v.is_real is not True:
            return False
    return True


def layers_for_receptive_field(rf: Any, kernel: Any, dilation: Any = 1, stride: Any = 1) -> sp.Expr:
    r"""Smallest number of layers whose receptive field is at least ``rf``.

    For a concrete target and concrete schedules the layers are added one at a time with exact
    integers (each dilation and stride checked to be a positive integer at its layer) until
    :math:`r(L) \ge R`.  Otherwise :math:`r(L) = R` is solved for real :math:`L` with SymPy and the
    ceiling taken; the schedules must then be positive integers for every :math:`l \ge 0`.

    Examples
    --------
    >>> layers_for_receptive_field(67, 3)
    33
    >>> layers_for_receptive_field(63, 3, "2**l"), layers_for_receptive_field(64, 3, "2**l")
    (5, 6)
    >>> layers_for_receptive_field("R", 3, "3**l")
    ceiling(log(R)/log(3))
    """
    R = sym(rf, "rf")
    k = sym(kernel, "kernel")
    dil = sym(dilation, "dilation")
    st = sym(stride, "stride")
    _check_size_expr(k, "kernel")
    _check_size_expr(R, "rf")
    if k.is_number and k == 1:
        raise InvalidArgument("kernel 1 never grows the receptive field: use kernel >= 2")
    if R.is_number and R == 1:
        return sp.Integer(0)
    if R.is_number and k.is_number and not ((dil.free_symbols | st.free_symbols) - {LAYER}):
        r, jump = 1, 1
        for j in range(MAX_LAYERS_FOR):
            d, s_ = (_value_at(e, n, str(e), j, j + 1) for e, n in ((dil, "dilation"), (st, "stride")))
            r += (int(k) - 1) * d * jump
            if r >= R:
                return sp.Integer(j + 1)
            jump *= s_
        shown = str(R) if len(str(R)) <= 40 else f"of about 10**{len(str(R)) - 1}"
        raise InvalidArgument(f"rf {shown} needs more than {MAX_LAYERS_FOR} layers (the limit)")
    Lr = sp.Symbol("L", positive=True)
    expr = receptive_field_closed_form(k, dil, sp.Symbol("L", integer=True, positive=True), st)
    expr = expr.xreplace({sp.Symbol("L", integer=True, positive=True): Lr})
    answer: sp.Expr | None = None
    target = expr
    if isinstance(target, sp.Piecewise):  # e.g. base a: the a = 1 branch is the linear case
        target = target.args[-1][0]
    try:
        sols = [s for s in sp.solve(sp.Eq(target, R), Lr) if not s.has(sp.I) and _real_at_samples(s)]
    except (NotImplementedError, ValueError, TypeError):
        sols = []
    if len(sols) == 1:
        answer = sp.ceiling(sp.simplify(sols[0]))
        if answer.is_number:
            answer = sp.Integer(answer)
    if answer is None:
        raise InvalidArgument(f"cannot invert the receptive field {expr} symbolically")
    return answer


#: Deepest stack :func:`layers_for_receptive_field` searches for a concrete target.
MAX_LAYERS_FOR = 4096
