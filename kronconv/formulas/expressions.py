"""Safe, bounded SymPy expressions: :func:`sym` parses sizes and schedules, :func:`bounded` caps results.

Every input of :mod:`kronconv.formulas` goes through :func:`sym`: numbers and
formula strings in ``l`` and positive-integer symbols, nothing else (no floats, no
non-finite values, no code), refused before evaluation when they would be too large.
The checks that a size is a positive integer live here too.

Examples
--------
>>> sym("k*(a**l)")
a**l*k
>>> bounded(sym("10**600") ** 7, "x")
Traceback (most recent call last):
...
kronconv.errors.TooLarge: x has about 4201 decimal digits, above the limit MAX_RESULT_DIGITS = 4000; use smaller sizes
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import sympy as sp

from ..errors import InvalidArgument, InvalidType, TooLarge, short_repr

__all__ = ["LAYER", "MAX_EXPR_CHARS", "MAX_INPUT_DIGITS", "MAX_INPUT_TERMS", "MAX_RESULT_DIGITS",
           "bounded", "sym"]

#: The layer index symbol ``l`` used in dilation expressions.
LAYER = sp.Symbol("l", integer=True, nonnegative=True)

_ALLOWED_NAMES = {"l": LAYER}
MAX_EXPR_CHARS = 200
#: Most decimal digits of a number written in (or evaluated from) an input expression.
MAX_INPUT_DIGITS = 1000
#: Most terms an input expression may expand to (``(a + b + c)**n`` and the like).
MAX_INPUT_TERMS = 10_000
#: Most decimal digits of a concrete result (Python prints at most 4300).
MAX_RESULT_DIGITS = 4000


def _digits(n: int) -> int:
    """Decimal digits of ``|n|`` (an upper bound, without converting to a string)."""
    return int(abs(n).bit_length() * 0.30103) + 1


def _input_size(e: sp.Basic, name: str, text: str) -> tuple[float | None, int]:
    """(bound on log10 of ``|e|`` if it is a number, terms it expands to) of an *unevaluated* tree.

    Refuses, before SymPy evaluates anything, numbers above :data:`MAX_INPUT_DIGITS` digits
    (``10**10**10``) and expansions above :data:`MAX_INPUT_TERMS` terms (``(a + b)**10**6``).
    """
    def too_big(what: str) -> InvalidArgument:
        return InvalidArgument(f"{name}: {short_repr(text)} is too large ({what}); numbers may have at most "
                               f"{MAX_INPUT_DIGITS} digits and expressions at most {MAX_INPUT_TERMS} terms")

    if isinstance(e, sp.Rational):  # log10 of numerator and denominator
        return sum(math.log10(abs(int(n))) for n in (e.p, e.q) if n), 1
    if not e.args:
        return (None, 1) if isinstance(e, sp.Symbol) else (1.0, 1)
    sizes = [_input_size(a, name, text) for a in e.args]
    numeric = all(d is not None for d, _ in sizes)
    if isinstance(e, sp.Pow):
        (db, tb), (de, _) = sizes
        if de is None:  # symbolic exponent: not expanded
            return None, tb
        if de > 7:
            raise too_big("exponent above 10**6")
        ev = e.args[1].doit()
        mag = abs(float(ev))
        if mag > 10**6:
            raise too_big(f"exponent {ev}")
        digits = None if db is None else db * max(mag, 1.0)
        if digits is not None and digits > MAX_INPUT_DIGITS:
            raise too_big(f"about {int(digits)} digits")
        terms = tb
        if tb > 1 and ev.is_Integer and ev > 1:
            terms = math.comb(min(tb, MAX_INPUT_TERMS) + int(min(mag, MAX_INPUT_TERMS)) - 1, int(min(mag, MAX_INPUT_TERMS)))
        if terms > MAX_INPUT_TERMS:
            raise too_big(f"expands to more than {MAX_INPUT_TERMS} terms")
        return digits, terms
    if isinstance(e, sp.Mul):
        terms = math.prod(t for _, t in sizes)
        if terms > MAX_INPUT_TERMS:
            raise too_big(f"expands to more than {MAX_INPUT_TERMS} terms")
        digits = sum(d for d, _ in sizes if d is not None) if numeric else None
    else:
        terms = sum(t for _, t in sizes)
        digits = max(d for d, _ in sizes if d is not None) + 0.31 if numeric else None  # type: ignore[type-var]
    if digits is not None and digits > MAX_INPUT_DIGITS:
        raise too_big(f"about {int(digits)} digits")
    return digits, terms


def bounded(expr: sp.Expr, what: str) -> sp.Expr:
    """Return ``expr``, or raise :class:`TooLarge` when a number in it has more than :data:`MAX_RESULT_DIGITS` digits."""
    for n in expr.atoms(sp.Rational) if isinstance(expr, sp.Basic) else ():
        for part in (int(n.p), int(n.q)):
            if _digits(part) > MAX_RESULT_DIGITS:
                raise TooLarge(f"{what} has about {_digits(part)} decimal digits, above the limit "
                               f"MAX_RESULT_DIGITS = {MAX_RESULT_DIGITS}; use smaller sizes")
    return expr


_SPECIAL_NAMES = {"nan", "oo", "zoo", "inf", "infinity"}


def _check_finite(expr: sp.Basic, name: str, text: str) -> None:
    """Refuse NaN, infinities (``1/0`` evaluates to ``zoo``) and floats inside an expression."""
    if expr.has(sp.nan, sp.oo, -sp.oo, sp.zoo) or any(isinstance(a, sp.Float) for a in expr.atoms(sp.Number)):
        raise InvalidArgument(f"{name}: {short_repr(text)} is not finite and exact (no nan, infinities, "
                              "division by zero or floats)")


def sym(value: Any, name: str = "value") -> sp.Expr:
    """Sympify a number or a formula string safely (no attribute access, no eval of code).

    Free symbols other than ``l`` are taken as positive integers (sizes).  Accepted: Python and NumPy
    integers, SymPy expressions and strings; floats (even ``3.0``), scientific notation (``1e5``)
    and non-finite values (``nan``, ``oo``, ``zoo``, ``1/0``) are refused, since every claim is exact.

    Examples
    --------
    >>> sym("a**l")
    a**l
    >>> sym("__import__('os')")
    Traceback (most recent call last):
    ...
    kronconv.errors.InvalidArgument: value: "__import__('os')" is not an allowed expression (use integers, symbols, + - * / ** and parentheses)
    """
    if isinstance(value, sp.Basic):
        if not isinstance(value, sp.Expr):
            raise InvalidType(f"{name} must be a number or an expression, got {short_repr(value)}")
        _check_finite(value, name, str(value))
        return value
    if isinstance(value, (bool, np.bool_)):
        raise InvalidType(f"{name} must be an integer or an expression string, got {value!r}")
    if isinstance(value, np.integer):
        value = int(value)  # NumPy integers are accepted wherever Python ints are
    if isinstance(value, int):
        if _digits(value) > MAX_INPUT_DIGITS:
            raise InvalidArgument(f"{name} has about {_digits(value)} digits; at most {MAX_INPUT_DIGITS} allowed")
        return sp.Integer(value)
    if isinstance(value, (float, np.floating)):
        raise InvalidType(f"{name} must be an integer or an expression string, got the float {short_repr(value)} "
                          "(exact arithmetic: floats are refused, even integral ones)")
    if not isinstance(value, str):
        raise InvalidType(f"{name} must be an integer or an expression string, got {type(value).__name__} "
                          f"{short_repr(value)}")
    text = str(value).strip()
    if not text or len(text) > MAX_EXPR_CHARS:
        raise InvalidArgument(f"{name} must be a non-empty expression of at most {MAX_EXPR_CHARS} characters")
    bad = set(text) - set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_+-*/() ^.")
    if bad or "__" in text or "." in text.replace(" ", ""):
        raise InvalidArgument(
            f"{name}: {short_repr(text)} is not an allowed expression "
            "(use integers, symbols, + - * / ** and parentheses)"
        )
    special = sorted({w for w in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", text) if w.lower() in _SPECIAL_NAMES})
    if special:
        raise InvalidArgument(f"{name}: {short_repr(text)} uses {special[0]!r}; non-finite values "
                              "(nan, oo, zoo, inf) are not sizes")
    if re.search(r"(?<![A-Za-z_0-9])[0-9]+[eE][0-9+-]", text):
        raise InvalidArgument(f"{name}: {short_repr(text)} uses scientific notation; write integers in full "
                              "(e.g. 100000, not 1e5): floats are never taken as exact integers")
    try:
        names = {n: sp.Symbol(n) for n in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", text)}
        names.update(_ALLOWED_NAMES)  # every identifier is a symbol: 'N', 'S', 'E' are not SymPy's
        glob = {"Integer": sp.Integer, "Symbol": sp.Symbol, "Rational": sp.Rational, "Float": sp.Float}
        raw = sp.parse_expr(text.replace("^", "**"), local_dict=names, evaluate=False,
                            global_dict={**glob, "Add": sp.Add, "Mul": sp.Mul, "Pow": sp.Pow})
    except Exception:  # noqa: BLE001 - any parse failure is a user error
        raise InvalidArgument(f"{name}: cannot parse {short_repr(text)} as an expression") from None
    if not isinstance(raw, sp.Basic):
        raise InvalidArgument(f"{name}: {short_repr(text)} may use only + - * / ** on numbers and symbols")
    _input_size(raw, name, text)  # before evaluating: 10**10**10 must not be computed
    try:
        expr = sp.parse_expr(text.replace("^", "**"), local_dict=names, global_dict=glob, evaluate=True)
    except Exception:  # noqa: BLE001 - any parse failure is a user error
        raise InvalidArgument(f"{name}: cannot parse {short_repr(text)} as an expression") from None
    if not isinstance(expr, sp.Expr) or any(
        not isinstance(a, (sp.Symbol, sp.Number, sp.Add, sp.Mul, sp.Pow)) for a in sp.preorder_traversal(expr)
    ):
        raise InvalidArgument(f"{name}: {short_repr(text)} may use only + - * / ** on numbers and symbols")
    _check_finite(expr, name, text)
    subs = {
        s: sp.Symbol(s.name, integer=True, positive=True)
        for s in expr.free_symbols
        if s != LAYER
    }
    return expr.xreplace(subs)


def _shown_positive_integer(e: sp.Expr) -> bool:
    """SymPy's assumptions show ``e`` is a positive integer for every ``l >= 0`` and positive-integer symbols."""
    return bool(e.is_integer) and bool(e.is_positive)


def _check_size_expr(v: sp.Expr, name: str, layer_ok: bool = False) -> None:
    """A size (kernel, layers, channels...) must be a positive integer: exactly, or by SymPy's assumptions."""
    if LAYER in v.free_symbols and not layer_ok:
        raise InvalidArgument(f"{name} {v} may not use the layer index l (only dilations and strides may)")
    if v.is_number:
        if not v.is_Integer or v < 1:
            raise InvalidArgument(f"{name} must be a positive integer, got {v}")
    elif not _shown_positive_integer(v):
        raise InvalidArgument(f"{name} {v} must be a positive integer for all positive-integer values of its "
                              "symbols, and this cannot be shown; give a number or a plain symbol")
