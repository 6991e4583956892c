r"""Exact receptive-field, stride, offset, output-size and parameter formulas (SymPy).

Conventions (Araujo, Norris & Sim 2019, "Computing Receptive Fields of CNNs";
Dumoulin & Visin 2016, relationship 15).  For layer :math:`l` (from 0) with
kernel :math:`k_l`, dilation :math:`d_l`, stride :math:`s_l` and padding
:math:`p_l` (zeros on each side), the dilated extent is
:math:`\kappa_l = d_l (k_l - 1) + 1` and, after layers :math:`0..l`,

.. math::

    r_l = r_{l-1} + (\kappa_l - 1) J_{l-1}, \quad J_l = s_l J_{l-1}, \quad
    o_l = o_{l-1} - p_l J_{l-1},

with :math:`r_{-1} = J_{-1} = 1` and :math:`o_{-1} = 0`.  :math:`r` is the
receptive field, :math:`J` the effective stride ("jump") and :math:`o` the input
coordinate of the left edge of the first output unit's field (the effective
padding is :math:`P = -o`); output unit :math:`u` sees
:math:`[o + u J, o + u J + r - 1]`, centred at :math:`o + u J + (r - 1)/2`.

Every function takes SymPy expressions; a number is the special case of an
expression (it is sympified), so concrete and symbolic questions share one
code path.

Examples
--------
>>> receptive_field_closed_form(3, "2**l", 5)
63
>>> receptive_field_closed_form("k", 1, "L")
L*k - L + 1
>>> output_size(32, 3, dilation=2, padding=2)
32
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from .._util import exact_number as _num
from .._util import squash as _squash
from ..errors import InvalidArgument, InvalidSpec, InvalidType, TooLarge, short_repr
from ..spec import Conv, Network

__all__ = [
    "LAYER",
    "FieldRow",
    "FieldTable",
    "KernelCounts",
    "chain_fields",
    "check_schedule",
    "kernel_parameter_counts",
    "layers_for_receptive_field",
    "network_fields",
    "network_output_size",
    "output_size",
    "parameter_table",
    "receptive_field_closed_form",
    "stack_parameter_count",
    "sym",
]

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


@dataclass(frozen=True)
class FieldRow:
    """Per-layer result on one axis, after layers ``0..index``."""

    index: int
    kernel: sp.Expr
    dilation: sp.Expr
    stride: sp.Expr
    padding: sp.Expr
    receptive_field: sp.Expr
    effective_stride: sp.Expr
    offset: sp.Expr  #: left edge of the first output unit's field (= minus effective padding)

    @property
    def centre(self) -> sp.Expr:
        """Centre of the first output unit's field: ``offset + (r - 1) / 2``."""
        return self.offset + (self.receptive_field - 1) / sp.Integer(2)


def chain_fields(
    kernels: Sequence[Any],
    dilations: Sequence[Any],
    strides: Sequence[Any],
    paddings: Sequence[Any],
) -> list[FieldRow]:
    """Receptive field, jump and offset after each layer of a 1-axis chain.

    Examples
    --------
    >>> rows = chain_fields([3, 3, 3], [1, 2, 4], [1, 1, 1], [1, 2, 4])
    >>> [int(r.receptive_field) for r in rows], [int(r.offset) for r in rows]
    ([3, 7, 15], [-1, -3, -7])
    >>> k = sp.Symbol("k"); chain_fields([k, k], [1, 1], [1, 1], [0, 0])[-1].receptive_field
    2*k - 1
    """
    if not (len(kernels) == len(dilations) == len(strides) == len(paddings)):
        raise InvalidArgument(
            f"per-layer lists differ in length: kernels {len(kernels)}, dilations {len(dilations)}, "
            f"strides {len(strides)}, paddings {len(paddings)}"
        )
    r, jump, off = sp.Integer(1), sp.Integer(1), sp.Integer(0)
    rows: list[FieldRow] = []
    for i, (k, d, s, p) in enumerate(zip(kernels, dilations, strides, paddings)):
        k, d, s, p = (sym(v) for v in (k, d, s, p))
        r = bounded(sp.expand(r + d * (k - 1) * jump), f"the receptive field after layer {i}")
        off = bounded(sp.expand(off - p * jump), f"the offset after layer {i}")
        jump = bounded(sp.expand(jump * s), f"the effective stride after layer {i}")
        rows.append(FieldRow(i, k, d, s, p, r, jump, off))
    return rows


@dataclass(frozen=True)
class FieldTable:
    """Per-layer, per-axis receptive-field arithmetic of a :class:`Network`."""

    network: Network
    axes: tuple[tuple[FieldRow, ...], ...]  #: ``axes[axis][layer]``

    def _axis_values(self, attr: str, layer: int = -1) -> list[Any]:
        return [_num(getattr(rows[layer], attr)) for rows in self.axes]

    def receptive_field(self, layer: int = -1) -> list[Any]:
        """Per-axis receptive field after ``layer`` (default: the whole chain)."""
        return self._axis_values("receptive_field", layer)

    def effective_stride(self, layer: int = -1) -> list[Any]:
        return self._axis_values("effective_stride", layer)

    def offset(self, layer: int = -1) -> list[Any]:
        return self._axis_values("offset", layer)

    def centre(self, layer: int = -1) -> list[Any]:
        return [_num(rows[layer].centre) for rows in self.axes]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: per-layer rows and chain totals (ints where all axes agree)."""
        layers = []
        for i, layer in enumerate(self.network.layers):
            layers.append(
                {
                    "index": i,
                    "name": layer.name,
                    "type": layer.kind,
                    "kernel": _squash(list(layer.kernel)),  # type: ignore[arg-type]
                    "dilation": _squash(list(layer.dilation)),  # type: ignore[arg-type]
                    "stride": _squash(list(layer.stride)),  # type: ignore[arg-type]
                    "padding": _squash(list(layer.padding)),  # type: ignore[arg-type]
                    "in_channels": layer.in_channels if isinstance(layer, Conv) else None,
                    "out_channels": layer.out_channels if isinstance(layer, Conv) else None,
                    "receptive_field": _squash(self.receptive_field(i)),
                    "effective_stride": _squash(self.effective_stride(i)),
                    "offset": _squash(self.offset(i)),
                    "centre": _squash(self.centre(i)),
                    "parameters": layer.weight_count + layer.bias_count,
                }
            )
        return {
            "network": self.network.name,
            "description": self.network.description,
            "dims": self.network.dims,
            "layers": layers,
            "receptive_field": _squash(self.receptive_field()),
            "effective_stride": _squash(self.effective_stride()),
            "offset": _squash(self.offset()),
            "centre": _squash(self.centre()),
            "parameters": self.network.parameter_count,
        }


def network_fields(net: Network) -> FieldTable:
    """Exact per-layer receptive-field arithmetic of ``net`` on every axis.

    Examples
    --------
    >>> from kronconv.spec import preset
    >>> network_fields(preset("yu-koltun-basic")).receptive_field()
    [67, 67]
    """
    if not isinstance(net, Network):
        raise InvalidType(f"net must be a kronconv.Network (see chain, preset, load_spec), got "
                          f"{type(net).__name__} {short_repr(net)}")
    axes = []
    for ax in range(net.dims):
        rows = chain_fields(
            [layer.kernel[ax] for layer in net.layers],  # type: ignore[index]
            [layer.dilation[ax] for layer in net.layers],  # type: ignore[index]
            [layer.stride[ax] for layer in net.layers],  # type: ignore[index]
            [layer.padding[ax] for layer in net.layers],  # type: ignore[index]
        )
        axes.append(tuple(rows))
    return FieldTable(net, tuple(axes))


def output_size(size: Any, kernel: Any, dilation: Any = 1, stride: Any = 1, padding: Any = 0) -> sp.Expr:
    r"""Output length :math:`\lfloor (i + 2p - d(k-1) - 1) / s \rfloor + 1` (Dumoulin & Visin, rel. 15).

    Returns a SymPy expression; a concrete result below 1 raises :class:`InvalidArgument`.

    Examples
    --------
    >>> output_size(7, 3, stride=2)
    3
    >>> output_size("n", 3, padding=1)
    n
    >>> output_size(4, 3, dilation=2)
    Traceback (most recent call last):
    ...
    kronconv.errors.InvalidArgument: input size 4 is smaller than the dilated kernel extent 5 (padding 0): need input size >= 5
    """
    i, k, d, s, p = (sym(v) for v in (size, kernel, dilation, stride, padding))
    extent = d * (k - 1) + 1
    out = sp.floor((i + 2 * p - extent) / s) + 1
    out = sp.simplify(out)
    if out.is_number and out < 1:
        raise InvalidArgument(
            f"input size {i} is smaller than the dilated kernel extent {extent} (padding {p}): "
            f"need input size >= {extent - 2 * p}"
        )
    return out


def network_output_size(net: Network, size: Sequence[int] | int) -> list[list[int]]:
    """Spatial size after every layer for a concrete input size (per axis).

    Raises :class:`InvalidSpec` naming the layer where the field no longer fits.

    Examples
    --------
    >>> from kronconv.spec import chain
    >>> network_output_size(chain(kernel=3, layers=2, dims=1), 10)
    [[8], [6]]
    """
    if not isinstance(net, Network):
        raise InvalidType(f"net must be a kronconv.Network, got {type(net).__name__} {short_repr(net)}")
    if isinstance(size, np.integer):
        size = int(size)
    if isinstance(size, (str, bytes)) or not isinstance(size, (int, Sequence, np.ndarray)):
        raise InvalidType(f"size must be an integer or one integer per axis, got {short_repr(size)}")
    sizes = [size] * net.dims if isinstance(size, int) else [int(s) if isinstance(s, np.integer) else s
                                                             for s in size]
    if len(sizes) != net.dims:
        raise InvalidSpec(f"input size has {len(sizes)} axes, the network has {net.dims}")
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, int) or s < 1:
            raise InvalidSpec(f"input size must be a positive integer, got {s!r}")
    out: list[list[int]] = []
    for li, layer in enumerate(net.layers):
        nxt = []
        for ax, cur in enumerate(sizes):
            if layer.padding_hi != layer.padding or getattr(layer, "ceil_mode", False):
                from ..layers import (
                    layer_output_size,  # PyTorch arithmetic for per-side padding and ceil_mode
                )

                nxt.append(layer_output_size(layer, ax, cur, where=f"layer {li}"))
                continue
            try:
                nxt.append(int(output_size(cur, layer.kernel[ax], layer.dilation[ax],  # type: ignore[index]
                                           layer.stride[ax], layer.padding[ax])))  # type: ignore[index]
            except InvalidArgument as exc:
                raise InvalidSpec(f"layer {li}: {exc}") from None
        out.append(nxt)
        sizes = nxt
    return out


# --------------------------------------------------------------------------- closed forms


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


def _shown_positive_integer(e: sp.Expr) -> bool:
    """SymPy's assumptions show ``e`` is a positive integer for every ``l >= 0`` and positive-integer symbols."""
    return bool(e.is_integer) and bool(e.is_positive)


def _value_at(expr: sp.Expr, name: str, text: str, j: int, n: int) -> int:
    """The positive integer ``expr(j)``, or a one-line error naming ``j`` (layers ``0..n-1``)."""
    try:
        v = _eval_at(expr, j)
    except _Huge:
        raise TooLarge(f"{name} {text} at l = {j} has more than {MAX_SCHEDULE_BITS} bits: the receptive "
                       f"field would exceed MAX_RESULT_DIGITS = {MAX_RESULT_DIGITS} digits") from None
    except ZeroDivisionError:
        raise InvalidArgument(f"{name} {text} divides by zero at l = {j}") from None
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
    text = short_repr(str(expr))[1:-1] if len(str(expr)) > 60 else str(expr)
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
            if v is None or v.denominator != 1 or v < 1:
                where = f"; at l = {j} it is {'not rational' if v is None else v}"
                break
    scope = "every layer l >= 0" if L is None or not L.is_Integer else f"every layer l = 0..{int(L) - 1}"
    raise InvalidArgument(f"{name} {text} must be a positive integer for {scope}{where or ''}"
                          + ("" if where else ": this cannot be shown (symbols are positive integers, l >= 0); "
                             "give concrete numbers"))


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
    out = _closed_form_cached(k, dil, st, L)
    if L.is_number and not out.free_symbols:
        out = sp.Integer(out)
    return bounded(out, "the receptive field")


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
        sols = [s for s in sp.solve(sp.Eq(target, R), Lr) if not s.has(sp.I)]
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


def stack_parameter_count(
    kernel: Any, layers: Any, channels: Any = 1, dims: Any = 2, bias: bool = True, groups: Any = 1
) -> sp.Expr:
    r"""Parameters of ``layers`` equal ``k^dims`` convolutions with ``C`` channels in and out.

    :math:`L\,(C \cdot C/g \cdot k^{D} + [\text{bias}]\, C)`.  Dilation does not
    change parameter counts.

    Examples
    --------
    >>> stack_parameter_count(3, 7, channels=21, bias=False) + 21**2  # basic context module: 64 C^2
    28224
    >>> stack_parameter_count("k", "L", "C", bias=False, groups="C")
    C*L*k**2
    """
    k, L, C, D, g = (sym(v, n) for v, n in ((kernel, "kernel"), (layers, "layers"),
                                           (channels, "channels"), (dims, "dims"), (groups, "groups")))
    for name, v in (("kernel", k), ("layers", L), ("channels", C), ("dims", D), ("groups", g)):
        _check_size_expr(v, name)
    if D.is_number and D > 3:
        raise InvalidArgument(f"dims must be 1, 2 or 3, got {D}")
    if g.is_number and C.is_number and C % g:
        raise InvalidArgument(f"groups must divide channels, got groups={g}, channels={C}")
    if isinstance(bias, bool) is False:
        raise InvalidArgument(f"bias must be True or False, got {bias!r}")
    return bounded(sp.expand(L * (C * (C / g) * k**D + (C if bias else 0))), "the parameter count")


# --------------------------------------------------------------------------- kernel parameter comparisons


@dataclass(frozen=True)
class KernelCounts:
    """Stored numbers and degrees of freedom of one way to parameterise an N^D kernel."""

    name: str
    stored: sp.Expr
    dof: sp.Expr
    note: str


def kernel_parameter_counts(
    extent: Any = "N", factor: Any = "a", rank: Any = "r", dims: Any = 2
) -> list[KernelCounts]:
    r"""Ways to parameterise an :math:`N^D` kernel, with stored numbers and degrees of freedom.

    * full: :math:`N^D` numbers, :math:`N^D` degrees of freedom;
    * Kronecker product of :math:`L = \log_a N` factors of size :math:`a^D`:
      :math:`L a^D` numbers but :math:`L(a^D - 1) + 1` degrees of freedom, since
      scaling one factor by :math:`c` and another by :math:`1/c` gives the same
      product (:math:`L - 1` redundant scales) — logarithmic in :math:`N`;
    * dilated cascade of :math:`L` layers :math:`a^D`: the same numbers and
      degrees of freedom as the Kronecker product it equals;
    * rank-:math:`r` separable (2-D: :math:`\sum_{i=1}^r u_i v_i^T`): :math:`2rN`
      numbers; the rank-:math:`r` matrices form a manifold of dimension
      :math:`r(2N - r)` (for :math:`r \le N`) — linear in :math:`N`;
    * in :math:`D` dimensions rank-1 (outer product of :math:`D` vectors):
      :math:`DN` numbers, :math:`D(N-1)+1` degrees of freedom.

    Examples
    --------
    >>> {c.name: (c.stored, c.dof) for c in kernel_parameter_counts(27, 3, 1)}["kronecker"]
    (27, 25)
    """
    N, a, r, D = (sym(v, n) for v, n in ((extent, "extent"), (factor, "factor"), (rank, "rank"), (dims, "dims")))
    for name, v in (("extent", N), ("factor", a), ("rank", r), ("dims", D)):
        _check_size_expr(v, name)
    if D.is_number and D > 3:
        raise InvalidArgument(f"dims must be 1, 2 or 3, got {D}")
    if a.is_number and a < 2:
        raise InvalidArgument(f"factor must be at least 2, got {a}")
    L = _exact_log(N, a)
    if L is None:
        raise InvalidArgument(f"extent {N} is not a power of the factor {a}: need N = a**L")
    counts = [
        KernelCounts("full", N**D, N**D, "every entry free"),
        KernelCounts("kronecker", sp.expand(L * a**D), sp.expand(L * (a**D - 1) + 1),
                     "L = log_a N factors of a^D; L-1 scale redundancies"),
        KernelCounts("dilated-cascade", sp.expand(L * a**D), sp.expand(L * (a**D - 1) + 1),
                     "L layers a^D with dilations a^l: equals the Kronecker kernel"),
    ]
    if D == 2 or not D.is_number:
        if r.is_number and N.is_number and r > N:
            raise InvalidArgument(f"rank must be at most the extent {N}, got {r}")
        counts.append(KernelCounts("separable", sp.expand(2 * r * N), sp.expand(r * (2 * N - r)),
                                   "sum of r outer products u v^T; manifold of rank-r matrices"))
    else:
        counts.append(KernelCounts("separable", sp.expand(D * N), sp.expand(D * (N - 1) + 1),
                                   "rank 1: outer product of D vectors; D-1 scale redundancies"))
    for c in counts:
        bounded(c.stored, f"the {c.name} count")
    return counts


def _exact_log(N: sp.Expr, a: sp.Expr) -> sp.Expr | None:
    if N.is_number and a.is_number:
        n, base = int(N), int(a)
        L, p = 0, 1
        while p < n:
            p *= base
            L += 1
        return sp.Integer(L) if p == n else None
    return sp.simplify(sp.log(N) / sp.log(a))


def parameter_table(extents: Sequence[int], factor: int = 3, rank: int = 1, dims: int = 2) -> list[dict[str, Any]]:
    """Rows ``{"extent", "<method>_stored", "<method>_dof"}`` for concrete extents ``a**L``.

    Examples
    --------
    >>> parameter_table([3, 9], 3)[1]["full_stored"], parameter_table([3, 9], 3)[1]["kronecker_stored"]
    (81, 18)
    """
    rows = []
    for n in extents:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InvalidArgument(f"extents must be positive integers, got {n!r}")
        row: dict[str, Any] = {"extent": int(n)}
        for c in kernel_parameter_counts(n, factor, min(rank, n), dims):
            row[f"{c.name}_stored"] = int(c.stored)
            row[f"{c.name}_dof"] = int(c.dof)
        rows.append(row)
    return rows

