r"""Kind ``hole-free-bound`` and the independent re-check of ``kronconv design``'s optimality claims.

Checker-style: this module imports nothing from the prover or the design code (the
standard library, SymPy, and the checker's own core, step builders and table) and
re-derives every verdict from the claim's parameters.

**Kind** ``hole-free-bound`` (registered in :data:`kronconv.verify.core.REGISTRY`): claim
``{"theorem", "kernel": k, "layers": L, "max_rf": EXPR}`` -- "for ``k``-tap kernels and ``L``
layers the largest field of a hole-free chain is ``EXPR``" (an expression in ``k`` and ``L``,
parsed by :func:`safe_expr`).  :func:`expect_bound` regenerates the certificate an honest
``kronconv prove --theorem hole-free-bound`` emits: statement, the general steps (SymPy
obligations discharged by the checker), the instance step with the witness
``1, k, ..., k^(L-1)`` checked by the checker's own bitset sumset and, when the space has at
most :data:`INSTANCE_EXHAUSTIVE_LIMIT` multisets, an exhaustive enumeration; the refutation
(counting bound above ``k^L``, the witness below it); certificates and verdict.  Work is
bounded before it starts: ``k^L <=`` :data:`MAX_FIELD` (the prover's limits, restated).

**Design claims** ``{"kind": "hole-free-bound" | "design-front", ...}`` (the ``optimality.claim``
of ``kronconv design --format json``) are re-checked by :func:`check_claim`:

``{"kind": "hole-free-bound", "kernel": k, "layers": L, "max_rf": V}``
    true iff ``V = k^L`` (``k``, ``L`` integers or the symbols ``"k"``, ``"L"``), by the
    counting argument, the witness and, for small instances, exhaustive enumeration.

``{"kind": "design-front", "kernels", "rf", "min_layers", "max_layers", "max_dilation", "objective", "front_size", "best", "front"}``
    Small spaces: every multiset of dilations is enumerated without pruning,
    scored with bitsets and polynomial products, and the Pareto front and the
    best schedule recomputed and compared.  Larger spaces: only what the
    bound gives is checked -- the best schedule is hole-free, reaches the
    target, and when it has ``max_a ceil(log_k R_a)`` layers, no schedule has
    fewer; the front itself is then reported as not re-derived.

:func:`check_claim` returns a :class:`CheckResult` with ``verdict`` one of
``holds`` / ``refuted`` / ``undecided``.

Examples
--------
>>> check_claim({"kind": "hole-free-bound", "kernel": 3, "layers": 3, "max_rf": 27}).verdict
'holds'
>>> r = check_claim({"kind": "hole-free-bound", "kernel": "k", "layers": "L", "max_rf": "k**L + 1"})
>>> r.verdict, r.details["counterexample"]
('refuted', {'kernel': 2, 'layers': 1, 'max_rf': 2, 'claimed': 3})
>>> expect_bound({"theorem": "hole-free-bound", "kernel": 3, "layers": 2, "max_rf": "k**L - 1"})["verdict"]
'refuted'
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from tokenize import TokenError
from typing import Any

from ..errors import InvalidArgument
from .coqcite import cite
from .core import REGISTRY, Kind
from .steps import cert, obligations, step
from .table import ASSUMPTIONS

__all__ = ["EXHAUSTIVE_LIMIT", "INSTANCE_EXHAUSTIVE_LIMIT", "MAX_FIELD", "MAX_VALUE_BITS", "CheckResult", "brute_force_front",
           "check_claim", "expect_bound", "max_hole_free_rf", "safe_expr", "value_bits"]

#: Largest number of multisets enumerated by an exhaustive re-check of a design claim.
EXHAUSTIVE_LIMIT = 60_000
#: Largest field ``k**L`` of a ``hole-free-bound`` certificate (the prover's ``MAX_FIELD``).
MAX_FIELD = 1 << 22
#: Largest size (bits of numerator and denominator, bounded before evaluating) of ``max_rf`` at the instance
#: (the prover's ``MAX_VALUE_BITS``).
MAX_VALUE_BITS = 1 << 12
#: Largest number of multisets enumerated at a certificate's instance (the prover's ``INSTANCE_EXHAUSTIVE_LIMIT``).
INSTANCE_EXHAUSTIVE_LIMIT = 5_000

_FRONT_FIELDS = {"kind", "kernels", "rf", "min_layers", "max_layers", "max_dilation", "objective", "front_size",
                 "best", "front"}
_BOUND_FIELDS = {"kind", "kernel", "layers", "max_rf"}


@dataclass(frozen=True)
class CheckResult:
    """Verdict (``holds`` / ``refuted`` / ``undecided``), how it was reached, and what was recomputed."""

    verdict: str
    method: str
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.verdict == "holds"


def _bits(k: int, ds: Sequence[int]) -> int:
    s = 1
    for d in ds:
        s = functools_reduce_or(s, k, d)
    return s


def functools_reduce_or(s: int, k: int, d: int) -> int:
    acc = 0
    for t in range(k):
        acc |= s << (t * d)
    return acc


def _hole_free(k: int, ds: Sequence[int]) -> bool:
    rf = (k - 1) * sum(ds) + 1
    return _bits(k, ds) == (1 << rf) - 1


def _counts(k: int, ds: Sequence[int]) -> list[int]:
    c = [1]
    for d in ds:
        new = [0] * (len(c) + (k - 1) * d)
        for t in range(k):
            for i, v in enumerate(c):
                new[i + t * d] += v
        c = new
    return c


def max_hole_free_rf(k: int, layers: int, limit: int = EXHAUSTIVE_LIMIT) -> int | None:
    """Largest field of a hole-free ``layers``-layer chain by exhaustive enumeration (``None`` above ``limit``).

    >>> max_hole_free_rf(2, 3), max_hole_free_rf(3, 2)
    (8, 9)
    """
    D = (k**layers - 1) // (k - 1)
    if math.comb(D + layers - 1, layers) > limit:
        return None
    best = 0
    for ds in itertools.combinations_with_replacement(range(1, D + 1), layers):
        if _hole_free(k, ds):
            best = max(best, (k - 1) * sum(ds) + 1)
    return best


def _safe_expr_once(text: str, k: Any, L: Any) -> Any:
    """Parse an expression in ``k`` and ``L`` without evaluating anything unsafe; ``None`` if not allowed.

    Only digits, ``k``, ``L``, ``+ - * / **`` and parentheses; every exponent an
    integer in ``[-64, 64]`` or ``a*L + b`` with small integers (so evaluation
    at small ``k``, ``L`` is cheap).

    >>> k, L = __import__("sympy").symbols("k L")
    >>> safe_expr("k**L + 1", k, L) is not None, safe_expr("9**9**9", k, L)
    (True, None)
    """
    import sympy as sp

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
    import sympy as sp

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


def _check_bound(c: Mapping[str, Any]) -> CheckResult:
    import sympy as sp

    c = {k: v for k, v in c.items() if not (k == "theorem" and v == "hole-free-bound")}
    if set(c) != _BOUND_FIELDS:
        return CheckResult("refuted", "schema", {"error": f"fields must be {sorted(_BOUND_FIELDS)}, got {sorted(c)}"})
    k_s, L_s = sp.Symbol("k", integer=True, positive=True), sp.Symbol("L", integer=True, positive=True)
    claimed = safe_expr(str(c["max_rf"]), k_s, L_s)
    if claimed is None:
        return CheckResult("refuted", "schema", {"error": "max_rf must be an integer or an arithmetic expression in "
                                                          "k and L (digits, k, L, + - * / **, parentheses; exponents "
                                                          "integers in [-64, 64] or a*L + b with |a|, |b| <= 64)"})
    if not claimed.free_symbols <= {k_s, L_s}:
        return CheckResult("refuted", "schema", {"error": "max_rf may use only k and L"})
    k, L = c["kernel"], c["layers"]
    concrete = isinstance(k, int) and isinstance(L, int) and not isinstance(k, bool) and not isinstance(L, bool)
    if concrete:
        if not (2 <= k <= 64 and 1 <= L <= 40):
            return CheckResult("refuted", "schema", {"error": "kernel must be in [2, 64] and layers in [1, 40]"})
        value = claimed.subs({k_s: k, L_s: L})
        if not value.is_Integer:
            return CheckResult("refuted", "evaluation", {"error": f"max_rf evaluates to {value}, not an integer"})
        truth = max_hole_free_rf(k, L)
        witness = tuple(k**i for i in range(L))
        wit_ok = _hole_free(k, witness) if k**L <= 1 << 24 else None
        details = {"counting_bound": k**L, "witness": list(witness), "witness_hole_free": wit_ok,
                   "exhaustive_max": truth, "claimed": int(value)}
        if truth is not None:
            verdict = "holds" if truth == int(value) == k**L else "refuted"
            return CheckResult(verdict, "exhaustive enumeration of every multiset of dilations in "
                               f"[1, {(k**L - 1) // (k - 1)}] + counting bound beyond", details)
        verdict = "holds" if int(value) == k**L and wit_ok is not False else "refuted"
        return CheckResult(verdict, "counting bound |S| <= k^L + mixed-radix witness (space above the exhaustive "
                           "limit)", details)
    if not (str(k) == "k" and str(L) == "L"):
        return CheckResult("refuted", "schema", {"error": "symbolic claims use kernel 'k' and layers 'L'"})
    diff = sp.simplify(claimed - k_s**L_s)
    rows = []
    counter = None
    for kk, LL in ((2, 1), (2, 2), (3, 1), (2, 3), (3, 2), (4, 2), (2, 4), (3, 3)):
        truth = max_hole_free_rf(kk, LL)
        val = claimed.subs({k_s: kk, L_s: LL})
        rows.append([kk, LL, truth, str(val)])
        if counter is None and truth is not None and val != truth:
            counter = {"kernel": kk, "layers": LL, "max_rf": truth, "claimed": int(val) if val.is_Integer else str(val)}
    if diff == 0 and counter is None:
        return CheckResult("holds", "SymPy: max_rf - k**L simplifies to 0; counting bound and mixed-radix witness "
                           "for all k >= 2, L >= 1; exhaustive enumeration of small instances agrees",
                           {"instances": rows})
    return CheckResult("refuted", "exhaustive enumeration of small instances" if counter else
                       "SymPy: max_rf - k**L does not simplify to 0", {"counterexample": counter, "instances": rows,
                                                                       "difference": str(diff)})


def _axis_candidates(k: int, R: int, L: int, M: int | None) -> list[tuple[tuple[int, ...], list[int]]]:
    D = (k**L - 1) // (k - 1) if M is None else min(M, (k**L - 1) // (k - 1))
    out = []
    for ds in itertools.combinations_with_replacement(range(1, D + 1), L):
        rf = (k - 1) * sum(ds) + 1
        if rf >= R and _hole_free(k, ds):
            out.append((ds, _counts(k, ds)))
    return out


def _vector(L: int, ks: Sequence[int], axes: Sequence[tuple[tuple[int, ...], list[int]]]) -> tuple[Any, ...]:
    rfs = [len(c) for _, c in axes]
    mx = math.prod(max(c) for _, c in axes)
    mn = math.prod(min(c) for _, c in axes)
    single = Fraction(math.prod(sum(1 for v in c if v == 1) for _, c in axes), math.prod(rfs))
    return (L, *(-r for r in rfs), L * math.prod(ks), Fraction(mx, mn), single)


def _key(vec: tuple[Any, ...], objective: str, dims: int) -> tuple[Any, ...]:
    L, rfs, params, ratio, single = vec[0], vec[1:1 + dims], vec[1 + dims], vec[2 + dims], vec[3 + dims]
    f = -math.prod(-r for r in rfs)
    return {"layers": (L, ratio, single, f), "params": (params, L, ratio, single, f),
            "uniformity": (ratio, L, single, f), "robust": (single, L, ratio, f)}[objective]


def brute_force_front(kernels: Sequence[int], rf: Sequence[int], min_layers: int, max_layers: int,
                      max_dilation: int | None, limit: int = EXHAUSTIVE_LIMIT) -> list[tuple[Any, ...]] | None:
    """Pareto-optimal objective vectors of every hole-free schedule in the space, by plain enumeration.

    Returns ``None`` when the enumeration would exceed ``limit`` multisets.
    Objective vectors: (layers, -field per axis, params, max/min paths, single-path fraction), all minimised.

    >>> [v[:2] for v in brute_force_front([3], [9], 1, 2, None)]
    [(2, -9)]
    """
    total = 0
    for L in range(min_layers, max_layers + 1):
        for k in set(kernels):
            D = (k**L - 1) // (k - 1) if max_dilation is None else min(max_dilation, (k**L - 1) // (k - 1))
            total += math.comb(D + L - 1, L)
    if total > limit:
        return None
    iso = len(set(kernels)) == 1 and len(set(rf)) == 1
    vecs: list[tuple[Any, ...]] = []
    for L in range(min_layers, max_layers + 1):
        per = {(k, r): _axis_candidates(k, r, L, max_dilation) for k, r in set(zip(kernels, rf))}
        if iso:
            combos: Any = [[a] * len(kernels) for a in per[(kernels[0], rf[0])]]
        else:
            lists = [per[(k, r)] for k, r in zip(kernels, rf)]
            if math.prod(len(x) for x in lists) > limit:
                return None
            combos = itertools.product(*lists)
        vecs += [_vector(L, kernels, list(c)) for c in combos]
    vecs.sort()
    front: list[tuple[Any, ...]] = []
    for v in vecs:
        if not any(all(x <= y for x, y in zip(f, v)) and f != v for f in front):
            front.append(v)
    return front


def _claimed_vector(e: Mapping[str, Any], kernels: Sequence[int]) -> tuple[Any, ...]:
    axes = [(tuple(d), _counts(k, d)) for k, d in zip(kernels, e["dilations"])]
    return _vector(len(axes[0][0]), kernels, axes)


def _check_front(c: Mapping[str, Any]) -> CheckResult:
    if set(c) != _FRONT_FIELDS:
        return CheckResult("refuted", "schema", {"error": f"fields must be {sorted(_FRONT_FIELDS)}, got {sorted(c)}"})
    ks, rf = list(c["kernels"]), list(c["rf"])
    if not (1 <= len(ks) <= 3 and len(rf) == len(ks) and all(isinstance(k, int) and 2 <= k <= 64 for k in ks)
            and all(isinstance(r, int) and r >= 1 for r in rf)):
        return CheckResult("refuted", "schema", {"error": "kernels in [2, 64] and rf >= 1, one per axis"})
    if c["objective"] not in ("layers", "params", "uniformity", "robust"):
        return CheckResult("refuted", "schema", {"error": f"unknown objective {c['objective']!r}"})
    lo, hi, M = c["min_layers"], c["max_layers"], c["max_dilation"]
    entries = [c["best"]] if c["best"] is not None else []
    entries += list(c["front"])
    # every stated schedule must be what it claims: hole-free, in the space, reaching the target
    for e in entries:
        ds = e["dilations"]
        if len(ds) != len(ks) or len({len(d) for d in ds}) != 1 or not lo <= len(ds[0]) <= hi:
            return CheckResult("refuted", "schema", {"error": f"bad schedule {ds}"})
        for k, r, d in zip(ks, rf, ds):
            if not _hole_free(k, d) or (k - 1) * sum(d) + 1 < r or (M is not None and max(d) > M):
                return CheckResult("refuted", "bitset sumset", {"schedule": ds, "error": "not a hole-free schedule "
                                                                 "of the space reaching the target"})
    lb = max(next(L for L in itertools.count(1) if k**L >= r) for k, r in zip(ks, rf))
    front = brute_force_front(ks, rf, lo, hi, M)
    if front is None:
        best = c["best"]
        if best is None:
            feasible = lb <= hi and (M is None or all(k ** (lb - 1) <= M for k in ks))
            return CheckResult("refuted" if feasible else "undecided", "bound",
                               {"layers_lower_bound": lb, "note": "mixed radix reaches the target within the space"
                                if feasible else "space above the exhaustive limit"})
        L = len(best["dilations"][0])
        if c["objective"] == "layers" and L == lb:
            return CheckResult("holds", "bound: the best schedule is hole-free (bitset) and has the fewest layers any "
                               "hole-free chain can have (field <= k^L); the rest of the front is not re-derived "
                               "(space above the exhaustive limit)", {"layers_lower_bound": lb, "scope": "fewest layers"})
        return CheckResult("undecided", "space above the exhaustive limit and the bound does not decide the claim",
                           {"layers_lower_bound": lb})
    fvecs = set(front)
    details: dict[str, Any] = {"front_size": len(front), "layers_lower_bound": lb}
    claimed_vecs = {_claimed_vector(e, ks) for e in c["front"]}
    complete = len(c["front"]) == c["front_size"]
    if (complete and claimed_vecs != fvecs) or c["front_size"] < len(fvecs) or len(c["front"]) > c["front_size"]:
        return CheckResult("refuted", "exhaustive enumeration", dict(details, error=(
            f"the Pareto front has {len(fvecs)} distinct objective vectors; the claim lists "
            f"{len(claimed_vecs)} of {c['front_size']} schedules, and they differ")))
    for e in c["front"]:
        if _claimed_vector(e, ks) not in fvecs:
            return CheckResult("refuted", "exhaustive enumeration", dict(details, error=f"{e['dilations']} is not "
                               "Pareto-optimal"))
    if c["best"] is None:
        return CheckResult("refuted" if front else "holds", "exhaustive enumeration", details)
    dims = len(ks)
    want = min(front, key=lambda v: _key(v, c["objective"], dims))
    got = _claimed_vector(c["best"], ks)
    if _key(got, c["objective"], dims) != _key(want, c["objective"], dims):
        return CheckResult("refuted", "exhaustive enumeration", dict(details, error=(
            f"the best schedule under '{c['objective']}' has objectives {want}, the claimed one {got}")))
    return CheckResult("holds", "exhaustive enumeration of every multiset of dilations (no pruning), bitset "
                       "sumsets and exact path counts", details)


def check_claim(claim: Mapping[str, Any]) -> CheckResult:
    """Re-derive the verdict on ``claim`` (see the module docstring for the kinds)."""
    if not isinstance(claim, Mapping) or "kind" not in claim:
        return CheckResult("refuted", "schema", {"error": "a claim is a mapping with a 'kind'"})
    if claim["kind"] == "hole-free-bound":
        return _check_bound(claim)
    if claim["kind"] == "design-front":
        try:
            return _check_front(claim)
        except (KeyError, TypeError, ValueError) as exc:
            return CheckResult("refuted", "schema", {"error": f"malformed claim: {type(exc).__name__} {exc}"})
    return CheckResult("refuted", "schema", {"error": f"unknown claim kind {claim['kind']!r}"})


# --------------------------------------------------------------------------- kind hole-free-bound

#: The obligations of the general steps S1, S3, S4 (the prover's SymPy facts, as data; discharged here).
_K = "Symbol('k', integer=True, positive=True)"
_L = "Symbol('L', integer=True, positive=True)"
_R = "Symbol('r', integer=True, nonnegative=True)"
_l = "Symbol('l', integer=True, nonnegative=True)"
BOUND_OBLIGATIONS = {
    "S1": [("equal", f"Equality(Mul({_K}, Pow({_K}, {_L})), Pow({_K}, Add({_L}, Integer(1))))",
            "Eq(k*k**L, k**(L + 1))", "N(L + 1) = k·N(L) with N(L) = k^L")],
    "S3": [("equal", (f"Equality(Add({_R}, Mul(Add({_K}, Integer(-1)), Add({_R}, Integer(1))), Integer(1)), "
                     f"Mul({_K}, Add({_R}, Integer(1))))"),
            "Eq(r + (k - 1)*(r + 1) + 1, k*(r + 1))", "m + (k − 1)(m + 1) + 1 = k(m + 1)")],
    "S4": [("equal", (f"Equality(Add(Mul(Add({_K}, Integer(-1)), Sum(Pow({_K}, {_l}), Tuple({_l}, Integer(0), "
                     f"Add({_L}, Integer(-1))))), Integer(1)), Pow({_K}, {_L}))"),
            "Eq((k - 1)*Sum(k**l, (l, 0, L - 1)) + 1, k**L)", "geometric sum")],
}
_BOUND_TEXT = {
    "S1": (("The sumset S = {0..k−1}·d_1 + ⋯ + {0..k−1}·d_L is the image of the tap box [0, k)^L under "
           "t ↦ Σ_i t_i d_i, so |S| ≤ |[0, k)^L| = k^L (a box of L factors of size k: N(1) = k, "
           "N(L + 1) = k·N(L))."), "counting", []),
    "S2": (("If S has no hole, S = [0, RF − 1] with RF = (k − 1)Σ d_i + 1 (0 and (k − 1)Σ d_i are always "
           "in S), so RF = |S| ≤ k^L."), "interval-cardinality", ["S1"]),
    "S3": (("Second route (prefix lemma, sorted dilations): d_(j+1) ≤ m_j + 1 with m_j = (k − 1)Σ_(i≤j) d_i, "
           "so RF_(j+1) = m_j + (k − 1)d_(j+1) + 1 ≤ m_j + (k − 1)(m_j + 1) + 1 = k·RF_j and RF_1 = k, "
           "hence RF ≤ k^L by induction."), "prefix-recurrence", []),
    "S4": (("The mixed-radix schedule 1, k, …, k^(L−1) has field (k − 1)Σ_(i<L) k^i + 1 = k^L, and its sums "
           "Σ t_i k^i (0 ≤ t_i < k) are the L-digit base-k numerals, which are exactly 0, …, k^L − 1 "
           "(Euclidean division): no hole, so the bound is attained."), "witness", []),
}


def _max_rf_text(v: Any, where: str) -> None:
    if not isinstance(v, str) or len(v) > 200:
        shown = repr(v) if isinstance(v, (int, float, bool)) else type(v).__name__
        raise InvalidArgument(f"{where} must be a string of at most 200 characters, got {shown}")


def expect_bound(c: Mapping[str, Any], got: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The certificate an honest prover emits for a ``hole-free-bound`` claim (limits checked first)."""
    import sympy as sp

    k, L, text = c["kernel"], c["layers"], c["max_rf"]
    if k < 2:
        raise InvalidArgument(f"claim.kernel must be an integer in [2, 64] for the hole-free bound, got {k}")
    if k**L > MAX_FIELD:
        raise InvalidArgument(f"claim needs k**L = {k}**{L} = {k**L}, above the checker's limit MAX_FIELD = "
                              f"{MAX_FIELD} (the prover refuses it too)")
    ks, Ls = sp.Symbol("k", integer=True, positive=True), sp.Symbol("L", integer=True, positive=True)
    claimed = safe_expr(text, ks, Ls)
    if claimed is None or not isinstance(claimed, sp.Expr) or not claimed.free_symbols <= {ks, Ls}:
        raise InvalidArgument(f"claim.max_rf must be an arithmetic expression in k and L, got {text[:40]!r}")
    if value_bits(claimed, ks, Ls, k, L) > MAX_VALUE_BITS:
        raise InvalidArgument(f"claim.max_rf = {str(claimed)[:60]} may need more than MAX_VALUE_BITS = "
                              f"{MAX_VALUE_BITS} bits at k = {k}, L = {L}: above the checker's limit (the prover "
                              "refuses it too)")
    value = claimed.subs({ks: k, Ls: L})
    if not value.is_Rational:
        raise InvalidArgument(f"claim.max_rf = {claimed} has no finite value at k = {k}, L = {L}")
    steps, ok = [], True
    for sid in ("S1", "S2", "S3", "S4"):
        words, rule, prem = _BOUND_TEXT[sid]
        obs, holds = obligations(BOUND_OBLIGATIONS.get(sid, []))
        ok = ok and holds
        steps.append(step(sid, words, rule, prem, "general", obs, coq=cite(rule)))
    top = k**L
    witness = [k**i for i in range(L)]
    wit_ok = _hole_free(k, witness) and (k - 1) * sum(witness) + 1 == top
    D = (top - 1) // (k - 1)
    n = math.comb(D + L - 1, L)
    best = max_hole_free_rf(k, L, INSTANCE_EXHAUSTIVE_LIMIT)
    steps.append(step("S5", f"Instance k = {k}, L = {L}: the claim gives max_rf = {value}; the counting bound (S2) "
                            f"is k^L = {top}; the mixed-radix schedule {witness} has field {top} and its bitset sumset "
                            f"is {'an interval' if wit_ok else 'NOT an interval'}"
                      + (f"; every one of the {n} multisets of dilations in [1, {D}] (a larger dilation alone "
                         f"exceeds k^L) scored exactly: the largest hole-free field is {best}." if best is not None else
                         f"; the {n} multisets of dilations are above INSTANCE_EXHAUSTIVE_LIMIT = "
                         f"{INSTANCE_EXHAUSTIVE_LIMIT} "
                         "and are not enumerated (S2 and the witness decide)."),
                      "instance-evaluation", ["S2", "S4"], "instance",
                      facts={"kernel": k, "layers": L, "claimed": str(value), "counting_bound": top,
                             "witness": witness, "witness_hole_free": wit_ok, "multisets": n, "exhaustive_max": best}))
    holds = value == top and wit_ok and best in (None, top)
    if not holds:
        if not value.is_Integer:
            words, rule, prem = (f"The stated maximum {value} is not an integer, so it is not the field of any "
                                 "chain. The claim is false."), "non-integer", ["S5"]
        elif value > top:
            words, rule, prem = (f"The stated maximum {value} exceeds k^L = {top}: by S2 no hole-free chain of {L} "
                                 f"layers of {k}-tap kernels has a field above {top}, so {value} is not attained. "
                                 "The claim is false."), "counting-refutation", ["S2", "S5"]
        else:
            words, rule, prem = (f"The mixed-radix schedule {witness} is hole-free with field {top} > {value} (S4, "
                                 "S5): the stated maximum is exceeded. The claim is false."), "witness-refutation", \
                ["S4", "S5"]
        steps.append(step("S6", words, rule, prem, "instance", facts={"claimed": str(value), "largest": top}))
    certs = [cert("symbolic", "for all k ≥ 2 and L ≥ 1 the largest hole-free field of L k-tap layers is k^L",
                  "counting argument (S1, S2), prefix recurrence (S3), mixed-radix witness (S4); SymPy obligations",
                  ok, {"steps": ["S1", "S2", "S3", "S4"]}),
             cert("instance", f"for k = {k} and L = {L} the largest hole-free field is {top}; the claim states {value}",
                  "counting bound (S2); the witness's bitset sumset (exact integers)"
                  + ("; every multiset of dilations enumerated" if best is not None else ""),
                  holds, {"largest": top, "claimed": str(value), "witness": witness, "exhaustive_max": best})]
    proved = ok and holds
    return {"theorem": "hole-free-bound", "claim": dict(c, max_rf=str(claimed)),
            "statement": f"For k = {k} and L = {L}, the largest receptive field of a hole-free chain of L stride-1 "
                         f"layers of k-tap kernels (any dilations) is max_rf = {claimed} = {value}",
            "proved": proved, "verdict": "proved" if proved else "refuted", "kinds": ["symbolic", "instance"],
            "assumptions": [ASSUMPTIONS[3]], "steps": steps, "certificate": certs, "notes": [], "related": []}


REGISTRY["hole-free-bound"] = Kind({"theorem": "theorem", "kernel": (1, 64), "layers": (1, 64),
                                   "max_rf": _max_rf_text}, expect_bound)
