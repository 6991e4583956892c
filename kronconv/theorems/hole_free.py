r"""The hole-free bound: no hole-free chain of ``L`` layers of ``k``-tap kernels has a receptive field above ``k^L``.

Statement (one axis, stride 1; a multi-axis chain is bounded per axis).  For
every ``k >= 2``, ``L >= 1`` and dilations :math:`d_1, \dots, d_L \ge 1`: if the
sumset :math:`S = \{0..k-1\} d_1 + \dots + \{0..k-1\} d_L` is an interval then
its field :math:`RF = (k-1)\sum_i d_i + 1` satisfies :math:`RF \le k^L`, and
:math:`RF = k^L` is attained by the mixed-radix schedule :math:`1, k, \dots, k^{L-1}`.

Proof (counting).  ``S`` is the image of the tap box :math:`[0, k)^L` under
:math:`t \mapsto \sum_i t_i d_i`, so :math:`|S| \le k^L`; a hole-free ``S`` is
:math:`[0, RF - 1]`, so :math:`RF = |S| \le k^L`.  The witness's field is
:math:`(k-1)\sum_{i<L} k^i + 1 = k^L` and its sums are the base-``k`` numerals
of ``L`` digits, which are exactly :math:`[0, k^L)` (Euclidean division).  A
second, independent route is the recurrence of the prefix lemma
:math:`RF_{j+1} \le k \, RF_j` (:mod:`kronconv.design.sumset`).

:func:`prove_hole_free_bound` states the claim "for ``k``-tap kernels and ``L``
layers the largest hole-free field is ``max_rf``" (an expression in ``k`` and
``L``, evaluated at the instance) and builds the proof as data: SymPy
obligations for the general steps, the instance checked with a bitset sumset
(the witness) and, for small spaces, by exhaustive enumeration.  A false
``max_rf`` is refuted at the instance: above ``k^L`` by the counting argument
(no hole-free chain reaches it), below ``k^L`` by the mixed-radix witness (a
hole-free chain with a larger field).  ``kronconv verify`` re-checks the
certificate with :mod:`kronconv.verify.holefree` (kind ``hole-free-bound``).

Examples
--------
>>> p = prove_hole_free_bound(3, 4)
>>> p.proved, p.kinds
(True, ['symbolic', 'instance'])
>>> prove_hole_free_bound(3, 4, max_rf="k**L + 1").proved
False
"""

from __future__ import annotations

import itertools
import math
import re
from tokenize import TokenError
from typing import Any

import sympy as sp

from ..coqref import citation
from ..design.sumset import is_hole_free
from ..errors import InvalidArgument, TooLarge
from ..proof import Certificate, Proof, Step, discharge
from .dilation_lemma import ASSUMPTIONS, fact

__all__ = ["INSTANCE_EXHAUSTIVE_LIMIT", "MAX_FIELD", "MAX_VALUE_BITS", "prove_hole_free_bound", "safe_expr",
           "value_bits"]

#: Largest field ``k**L`` of an instance (the bits of the witness's sumset); the checker's limit is the same.
MAX_FIELD = 1 << 22
#: Largest size (bits of numerator and denominator, bounded before evaluating) of ``max_rf`` at the instance;
#: the checker's limit is the same.
MAX_VALUE_BITS = 1 << 12
#: Largest number of dilation multisets enumerated exhaustively at the instance (larger spaces rest on the
#: counting bound and the witness); the checker's limit is the same.
INSTANCE_EXHAUSTIVE_LIMIT = 5_000


def _safe_expr_once(text: str, k: Any, L: Any) -> Any:
    """Parse an expression in ``k`` and ``L`` without evaluating anything unsafe; ``None`` if not allowed.

    Only digits, ``k``, ``L``, ``+ - * / **`` and parentheses; every exponent an integer in ``[-64, 64]``
    or ``a*L + b`` with small integers (so evaluation at an instance is cheap).

    >>> k, L = sp.symbols("k L")
    >>> safe_expr("k**L + 1", k, L) is not None, safe_expr("9**9**9", k, L)
    (True, None)
    """
    if not isinstance(text, str) or len(text) > 200 or not re.fullmatch(r"[0-9kL+\-*/() ]+", text):
        return None
    try:
        expr = sp.parse_expr(text, local_dict={"k": k, "L": L}, evaluate=False)
    except (sp.SympifyError, SyntaxError, TypeError, TokenError, ValueError, ZeroDivisionError):
        return None
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Integer) and abs(int(node)) > 10**18:
            return None
        if isinstance(node, sp.Pow):
            e = node.exp
            if e.is_Integer:
                if abs(int(e)) > 64:
                    return None
                continue
            if not e.free_symbols <= {L}:
                return None
            try:
                poly = sp.Poly(e, L)
            except sp.PolynomialError:
                return None
            if poly.degree() > 1 or any(not c.is_Integer or abs(int(c)) > 64 for c in poly.all_coeffs()):
                return None
    if not isinstance(expr, sp.Expr):
        return None
    try:  # checked unevaluated above; now evaluated, so that the text and the values are canonical
        return sp.parse_expr(text, local_dict={"k": k, "L": L}, evaluate=True)
    except (sp.SympifyError, SyntaxError, TypeError, TokenError, ValueError, ZeroDivisionError):  # pragma: no cover
        return None


def safe_expr(text: str, k: Any, L: Any) -> Any:
    """:func:`_safe_expr_once`, also requiring the evaluated expression's own text to pass it, so that the
    canonical ``max_rf`` a certificate carries is always accepted when it is read back."""
    r = _safe_expr_once(text, k, L)
    if r is None or _safe_expr_once(str(r), k, L) is None:
        return None
    return r


def value_bits(expr: Any, k: Any, L: Any, kv: int, Lv: int) -> float:
    """An upper bound on the bits of numerator and denominator of ``expr`` at ``k = kv``, ``L = Lv``, computed
    without evaluating it (``inf`` for anything but integers, rationals, ``k``, ``L``, sums, products and integer
    powers): the evaluation is refused above MAX_VALUE_BITS before any big number is built."""
    if expr == k:
        return math.log2(kv + 1)
    if expr == L:
        return math.log2(Lv + 1)
    if isinstance(expr, sp.Rational):
        return math.log2(abs(int(expr.p)) + 1) + math.log2(int(expr.q) + 1)
    if isinstance(expr, (sp.Add, sp.Mul)):
        return sum(value_bits(a, k, L, kv, Lv) for a in expr.args) + len(expr.args)
    if isinstance(expr, sp.Pow):
        if value_bits(expr.exp, k, L, kv, Lv) > 64:
            return math.inf
        e = expr.exp.subs({k: kv, L: Lv})
        if not e.is_Integer:
            return math.inf
        return abs(int(e)) * value_bits(expr.base, k, L, kv, Lv) + 1
    return math.inf


def _multisets(k: int, L: int) -> int:
    D = (k**L - 1) // (k - 1)
    return math.comb(D + L - 1, L)


def _exhaustive_max(k: int, L: int) -> int:
    """Largest hole-free field over every multiset of dilations in [1, (k^L - 1)/(k - 1)] (bitset sumsets)."""
    D = (k**L - 1) // (k - 1)
    return max((k - 1) * sum(ds) + 1 for ds in itertools.combinations_with_replacement(range(1, D + 1), L)
               if is_hole_free(k, ds))


def _general_steps() -> list[Step]:
    return [
        Step("S1", "The sumset S = {0..k−1}·d_1 + ⋯ + {0..k−1}·d_L is the image of the tap box [0, k)^L under "
                   "t ↦ Σ_i t_i d_i, so |S| ≤ |[0, k)^L| = k^L (a box of L factors of size k: N(1) = k, "
                   "N(L + 1) = k·N(L)).",
             "counting", (), "general",
             (fact("equal", "k*k**L", "k**(L + 1)", "N(L + 1) = k·N(L) with N(L) = k^L"),), coq=citation("counting")),
        Step("S2", "If S has no hole, S = [0, RF − 1] with RF = (k − 1)Σ d_i + 1 (0 and (k − 1)Σ d_i are always "
                   "in S), so RF = |S| ≤ k^L.",
             "interval-cardinality", ("S1",), "general", coq=citation("interval-cardinality")),
        Step("S3", "Second route (prefix lemma, sorted dilations): d_(j+1) ≤ m_j + 1 with m_j = (k − 1)Σ_(i≤j) d_i, "
                   "so RF_(j+1) = m_j + (k − 1)d_(j+1) + 1 ≤ m_j + (k − 1)(m_j + 1) + 1 = k·RF_j and RF_1 = k, "
                   "hence RF ≤ k^L by induction.",
             "prefix-recurrence", (), "general",
             (fact("equal", "r + (k - 1)*(r + 1) + 1", "k*(r + 1)", "m + (k − 1)(m + 1) + 1 = k(m + 1)"),)),
        Step("S4", "The mixed-radix schedule 1, k, …, k^(L−1) has field (k − 1)Σ_(i<L) k^i + 1 = k^L, and its sums "
                   "Σ t_i k^i (0 ≤ t_i < k) are the L-digit base-k numerals, which are exactly 0, …, k^L − 1 "
                   "(Euclidean division): no hole, so the bound is attained.",
             "witness", (), "general",
             (fact("equal", "(k - 1)*Sum(k**l, (l, 0, L - 1)) + 1", "k**L", "geometric sum"),)),
    ]


def prove_hole_free_bound(kernel: int = 3, layers: int = 3, max_rf: str = "k**L") -> Proof:
    """Prove (or refute) "for ``kernel``-tap layers and ``layers`` layers the largest hole-free field is
    ``max_rf``" (an expression in ``k`` and ``L``; the true value is ``k**L``)."""
    k, L = kernel, layers
    if isinstance(k, bool) or not isinstance(k, int) or not 2 <= k <= 64:
        raise InvalidArgument(f"kernel k must be an integer in [2, 64] for the hole-free bound, got {k!r}")
    if isinstance(L, bool) or not isinstance(L, int) or not 1 <= L <= 64:
        raise InvalidArgument(f"layers L must be an integer in [1, 64], got {L!r}")
    if k**L > MAX_FIELD:
        raise TooLarge(f"k**L = {k}**{L} = {k**L} is above the limit MAX_FIELD = {MAX_FIELD} (the witness's "
                       "bitset sumset); use fewer layers or a smaller kernel")
    ksym, Lsym = sp.Symbol("k", integer=True, positive=True), sp.Symbol("L", integer=True, positive=True)
    claimed = safe_expr(max_rf, ksym, Lsym)
    if claimed is None or not isinstance(claimed, sp.Expr) or not claimed.free_symbols <= {ksym, Lsym}:
        raise InvalidArgument("max_rf must be an arithmetic expression in k and L (digits, k, L, + - * / **, "
                              "parentheses; exponents integers in [-64, 64] or a*L + b with |a|, |b| <= 64), "
                              f"got {max_rf!r}")
    if value_bits(claimed, ksym, Lsym, k, L) > MAX_VALUE_BITS:
        raise TooLarge(f"max_rf = {str(claimed)[:60]} may need more than MAX_VALUE_BITS = {MAX_VALUE_BITS} bits at "
                       f"k = {k}, L = {L}; state the claim with smaller numbers")
    value = claimed.subs({ksym: k, Lsym: L})
    if not value.is_Rational:  # e.g. k**L/0 evaluates to zoo
        raise InvalidArgument(f"max_rf = {claimed} has no finite value at k = {k}, L = {L}")
    top = k**L
    witness = [k**i for i in range(L)]
    wit_ok = is_hole_free(k, witness) and (k - 1) * sum(witness) + 1 == top
    n = _multisets(k, L)
    best = _exhaustive_max(k, L) if n <= INSTANCE_EXHAUSTIVE_LIMIT else None
    steps = _general_steps()
    steps.append(Step("S5", f"Instance k = {k}, L = {L}: the claim gives max_rf = {value}; the counting bound (S2) "
                            f"is k^L = {top}; the mixed-radix schedule {witness} has field {top} and its bitset sumset "
                            f"is {'an interval' if wit_ok else 'NOT an interval'}"
                            + (f"; every one of the {n} multisets of dilations in [1, {(top - 1) // (k - 1)}] "
                               f"(a larger dilation alone exceeds k^L) scored exactly: the largest hole-free field is "
                               f"{best}." if best is not None else
                               f"; the {n} multisets of dilations are above INSTANCE_EXHAUSTIVE_LIMIT = "
                         f"{INSTANCE_EXHAUSTIVE_LIMIT} "
                               "and are not enumerated (S2 and the witness decide)."),
                      "instance-evaluation", ("S2", "S4"), "instance",
                      facts={"kernel": k, "layers": L, "claimed": str(value), "counting_bound": top,
                             "witness": witness, "witness_hole_free": wit_ok, "multisets": n, "exhaustive_max": best}))
    holds = value == top and wit_ok and best in (None, top)
    if not holds:
        prem: tuple[str, ...]
        if not value.is_Integer:
            text, rule, prem = (f"The stated maximum {value} is not an integer, so it is not the field of any chain. "
                                "The claim is false."), "non-integer", ("S5",)
        elif value > top:
            text, rule, prem = (f"The stated maximum {value} exceeds k^L = {top}: by S2 no hole-free chain of {L} "
                                f"layers of {k}-tap kernels has a field above {top}, so {value} is not attained. "
                                "The claim is false."), "counting-refutation", ("S2", "S5")
        else:
            text, rule, prem = (f"The mixed-radix schedule {witness} is hole-free with field {top} > {value} (S4, "
                                "S5): the stated maximum is exceeded. The claim is false."), "witness-refutation", \
                ("S4", "S5")
        steps.append(Step("S6", text, rule, prem, "instance", facts={"claimed": str(value), "largest": top}))
    general_ok = not discharge(steps)
    certs = (Certificate("symbolic", "for all k ≥ 2 and L ≥ 1 the largest hole-free field of L k-tap layers is k^L",
                         "counting argument (S1, S2), prefix recurrence (S3), mixed-radix witness (S4); SymPy "
                         "obligations", general_ok, {"steps": ["S1", "S2", "S3", "S4"]}),
             Certificate("instance", f"for k = {k} and L = {L} the largest hole-free field is {top}; the claim "
                                     f"states {value}",
                         "counting bound (S2); the witness's bitset sumset (exact integers)"
                         + ("; every multiset of dilations enumerated" if best is not None else ""),
                         holds, {"largest": top, "claimed": str(value), "witness": witness, "exhaustive_max": best}))
    claim = {"theorem": "hole-free-bound", "kernel": k, "layers": L, "max_rf": str(claimed)}
    return Proof("hole-free-bound",
                 f"For k = {k} and L = {L}, the largest receptive field of a hole-free chain of L stride-1 layers "
                 f"of k-tap kernels (any dilations) is max_rf = {claimed} = {value}",
                 claim, (ASSUMPTIONS[3],), tuple(steps), certs, general_ok and holds)
