r"""Proofs as data: obligations, steps, certificates, proofs; JSON with a content hash; renderers.

A :class:`Proof` states a theorem (human ``statement`` plus a machine-readable
``claim`` mapping that a checker can re-derive from), lists its assumptions and
its :class:`Step` s (each with a claim, the rule used, the premises and its
*scope*: ``general`` = for all sizes, ``instance`` = for these parameters only),
and carries :class:`Certificate` s that say what was shown and how:

* ``symbolic`` — for all sizes, by SymPy-discharged :class:`Obligation` s and cited rules;
* ``instance`` — for this instance, exactly (entrywise polynomial identity or exact integers);
* ``numeric``  — numerically, with backend, dtype, error bound and seed.

The three kinds are never merged: a proof that holds only for an instance says so.
Expressions are stored with :func:`sympy.srepr`; the JSON carries a SHA-256
``hash`` of its canonical content (an integrity check against accidental or
naive edits; the semantic re-check is :mod:`kronconv.verify`).

Examples
--------
>>> n = sp.Symbol("n", integer=True, positive=True)
>>> ob = Obligation("equal", sp.Eq(n * (n + 1), n**2 + n, evaluate=False), "expand")
>>> ob.holds()
True
>>> s = Step("S1", "n(n+1) = n^2 + n", "algebra", (), "general", (ob,))
>>> p = Proof("demo", "n(n+1) = n^2 + n for all n", {"theorem": "demo"}, (), (s,),
...           (Certificate("symbolic", "n(n+1) = n^2 + n", "SymPy expand", True, {}),), True)
>>> Proof.from_dict(p.to_dict()).to_dict() == p.to_dict()
True
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import sympy as sp
from sympy.printing.repr import ReprPrinter

from .errors import InvalidArgument

__all__ = [
    "KINDS",
    "OBLIGATION_KINDS",
    "SCHEMA",
    "SCOPES",
    "Certificate",
    "Obligation",
    "Proof",
    "Step",
    "canonical_srepr",
    "clear_cache",
    "content_hash",
    "discharge",
    "parse_srepr",
    "render_proof",
]

SCHEMA = "kronconv-proof/2"
KINDS = ("symbolic", "instance", "numeric")
SCOPES = ("general", "instance")
OBLIGATION_KINDS = ("equal", "positive", "nonnegative", "true")


#: Names a stored ``srepr`` may use (anything else is refused before SymPy parses it).
SREPR_NAMES = frozenset({
    "Symbol", "Dummy", "Integer", "Rational", "Add", "Mul", "Pow", "floor", "ceiling", "Mod", "Eq", "Ne",
    "StrictLessThan", "LessThan", "StrictGreaterThan", "GreaterThan", "And", "Or", "Not", "Sum", "Tuple",
    "Max", "Min", "Abs", "Half", "One", "Zero", "NegativeOne", "true", "false", "BooleanTrue",
    "BooleanFalse", "integer", "positive", "nonnegative", "negative", "True", "False", "Piecewise",
    "ExprCondPair", "log", "Float", "Equality", "Unequality", "tanh",
})


class _CanonicalRepr(ReprPrinter):
    """``srepr`` that writes a symbol's assumptions in one canonical, minimal form."""

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if expr.is_Dummy:
            return super()._print_Symbol(expr)
        facts = expr.assumptions0
        keep = {name: True for name in ("integer", "positive") if facts.get(name)}
        if facts.get("nonnegative") and not facts.get("positive"):
            keep["nonnegative"] = True
        if sp.Symbol(expr.name, **keep) != expr:  # assumptions outside this form: SymPy's own, sorted
            keep = dict(sorted(expr._assumptions_orig.items()))
        if not keep:
            return f"Symbol({expr.name!r})"
        return f"Symbol({expr.name!r}, {', '.join(f'{k}={v}' for k, v in sorted(keep.items()))})"


def canonical_srepr(expr: sp.Basic) -> str:
    """:func:`sympy.srepr` with every symbol's assumptions in one canonical form.

    SymPy prints the assumptions a symbol was first built with in the process, in that order, and
    its cache may hand back an equal symbol built elsewhere (the caller's own ``sp.symbols("d",
    positive=True, integer=True)``, or one with ``nonnegative=True`` added, say), so plain ``srepr``
    of the same expression can differ between processes.  Here a symbol's assumptions are written
    as the smallest of ``integer``, ``positive``, ``nonnegative`` that gives the same symbol, sorted
    (SymPy's own, sorted, when others are needed); certificates store this form.

    Examples
    --------
    >>> canonical_srepr(sp.Symbol("d", positive=True, integer=True, nonnegative=True))
    "Symbol('d', integer=True, positive=True)"
    >>> canonical_srepr(sp.Symbol("t", nonnegative=True, integer=True) + 1)
    "Add(Symbol('t', integer=True, nonnegative=True), Integer(1))"
    """
    return _CanonicalRepr().doprint(expr)


def parse_srepr(text: str) -> sp.Basic:
    """Parse a stored ``srepr`` string, refusing any name outside :data:`SREPR_NAMES`.

    Examples
    --------
    >>> parse_srepr("Add(Symbol('n'), Integer(1))")
    n + 1
    >>> parse_srepr("__import__('os')")
    Traceback (most recent call last):
    ...
    kronconv.errors.InvalidArgument: expression uses disallowed name '__import__'
    """
    if not isinstance(text, str) or len(text) > 20000:
        raise InvalidArgument("expression must be a string of at most 20000 characters")
    bare = re.sub(r"'[A-Za-z0-9_\[\],]*'", "''", text)
    for name in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", bare):
        if name not in SREPR_NAMES:
            raise InvalidArgument(f"expression uses disallowed name {name!r}")
    try:
        with sp.evaluate(False):  # rebuild the stored tree as stored; checking evaluates it
            return sp.sympify(text)
    except (sp.SympifyError, SyntaxError, TypeError) as exc:
        raise InvalidArgument(f"cannot parse expression {text[:60]!r}: {type(exc).__name__}") from None


def _rewrite(expr: sp.Basic) -> sp.Basic:
    return expr.rewrite(sp.floor) if expr.has(sp.Mod) else expr


@dataclass(frozen=True)
class Obligation:
    """A SymPy fact a step relies on.

    ``equal``: ``expr`` is an (unevaluated) ``Eq(lhs, rhs)`` and ``lhs - rhs`` simplifies to 0;
    ``positive`` / ``nonnegative``: SymPy's assumptions decide the sign of ``expr``;
    ``true``: ``expr`` simplifies to ``True``.  Build them with :meth:`parse` to keep the
    stated form readable (SymPy still evaluates what it always evaluates).

    Examples
    --------
    >>> n = {"n": sp.Symbol("n", integer=True, positive=True)}
    >>> Obligation.parse("equal", "n*(n + 1)", "n**2 + n", n).holds()
    True
    >>> Obligation.parse("positive", "n - 1", symbols=n).holds()
    False
    """

    kind: str
    expr: sp.Basic
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind not in OBLIGATION_KINDS:
            raise InvalidArgument(f"obligation kind must be one of {OBLIGATION_KINDS}, got {self.kind!r}")

    @classmethod
    def parse(cls, kind: str, text: str, rhs: str = "0", symbols: Mapping[str, Any] | None = None,
              note: str = "") -> Obligation:
        """Build from strings, unevaluated where SymPy allows (``equal``: ``text = rhs``)."""
        loc = dict(symbols or {})
        lhs = sp.parse_expr(text, local_dict=dict(loc))
        if kind == "equal":
            return cls(kind, sp.Eq(lhs, sp.parse_expr(rhs, local_dict=dict(loc)), evaluate=False), note)
        return cls(kind, lhs, note)

    def holds(self) -> bool:
        """Discharge with SymPy (``Mod`` rewritten through ``floor`` first); cached per expression."""
        return _holds_cached(self.kind, sp.srepr(self.expr), self)

    def _discharge(self) -> bool:
        e = self.expr
        if self.kind == "equal":
            if e is sp.true:
                return True
            if not isinstance(e, sp.Equality):
                return False
            return bool(sp.simplify(_rewrite((e.lhs - e.rhs).doit())) == 0)
        e = _rewrite(e)
        if self.kind == "positive":
            return bool(sp.simplify(e).is_positive is True)
        if self.kind == "nonnegative":
            return bool(sp.simplify(e).is_nonnegative is True)
        return bool(sp.simplify(e) is sp.true)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "expr": canonical_srepr(self.expr), "text": str(self.expr), "note": self.note}


@dataclass(frozen=True)
class Step:
    """One step: claim, rule, premises (ids of earlier steps), scope, obligations, facts.

    A ``general`` step also names the Coq theorem that covers it (``coq``: ``{"file", "theorem",
    "statement_sha256"}`` from :func:`kronconv.coqref.citation`, or ``None`` when no Coq theorem
    does); instance steps carry no ``coq`` field.
    """

    id: str
    claim: str
    rule: str
    premises: tuple[str, ...]
    scope: str
    obligations: tuple[Obligation, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)
    coq: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise InvalidArgument(f"step scope must be one of {SCOPES}, got {self.scope!r}")
        if self.coq is not None and self.scope != "general":
            raise InvalidArgument(f"step {self.id}: only a general step cites a Coq theorem")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "claim": self.claim, "rule": self.rule, "premises": list(self.premises),
                             "scope": self.scope, "obligations": [o.to_dict() for o in self.obligations],
                             "facts": dict(self.facts)}
        if self.scope == "general":
            d["coq"] = dict(self.coq) if self.coq is not None else None
        return d


@dataclass(frozen=True)
class Certificate:
    """What was shown (``claim``), how (``method``), whether it ``holds``, and the evidence."""

    kind: str
    claim: str
    method: str
    holds: bool
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidArgument(f"certificate kind must be one of {KINDS}, got {self.kind!r}")
        if self.kind == "numeric":
            missing = {"backend", "dtype", "error_bound", "seed"} - set(self.evidence)
            if missing:
                raise InvalidArgument(f"a numeric certificate must record {sorted(missing)}")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "claim": self.claim, "method": self.method, "holds": self.holds,
                "evidence": dict(self.evidence)}


@dataclass(frozen=True)
class Proof:
    """A theorem with its proof or refutation; ``proved`` is the verdict on ``claim``."""

    theorem: str
    statement: str
    claim: Mapping[str, Any]
    assumptions: tuple[str, ...]
    steps: tuple[Step, ...]
    certificates: tuple[Certificate, ...]
    proved: bool
    related: tuple[Proof, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def verdict(self) -> str:
        return "proved" if self.proved else "refuted"

    @property
    def kinds(self) -> list[str]:
        return [c.kind for c in self.certificates]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict, with ``hash`` = :func:`content_hash` of everything else."""
        d: dict[str, Any] = {
            "schema": SCHEMA,
            "theorem": self.theorem,
            "statement": self.statement,
            "claim": _plain(dict(self.claim)),
            "proved": self.proved,
            "verdict": self.verdict,
            "kinds": self.kinds,
            "assumptions": list(self.assumptions),
            "steps": [_plain(s.to_dict()) for s in self.steps],
            "certificate": [_plain(c.to_dict()) for c in self.certificates],
            "notes": list(self.notes),
            "related": [r.to_dict() for r in self.related],
        }
        d["hash"] = content_hash(d)
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Proof:
        """Rebuild a proof (expressions parsed from ``srepr``; no checking — see :mod:`kronconv.verify`)."""
        try:
            steps = tuple(
                Step(s["id"], s["claim"], s["rule"], tuple(s["premises"]), s["scope"],
                     tuple(Obligation(o["kind"], parse_srepr(o["expr"]), o.get("note", "")) for o in s["obligations"]),
                     s.get("facts", {}), s.get("coq"))
                for s in d["steps"])
            certs = tuple(Certificate(c["kind"], c["claim"], c["method"], bool(c["holds"]), c.get("evidence", {}))
                          for c in d["certificate"])
            return cls(d["theorem"], d["statement"], d["claim"], tuple(d["assumptions"]), steps, certs,
                       bool(d["proved"]), tuple(cls.from_dict(r) for r in d.get("related", [])),
                       tuple(d.get("notes", [])))
        except (KeyError, TypeError) as exc:
            raise InvalidArgument(f"malformed proof record: missing or bad field {exc}") from None


@lru_cache(maxsize=1024)
def _holds_cached(kind: str, key: str, ob: Obligation) -> bool:
    return ob._discharge()


def discharge(steps: tuple[Step, ...] | list[Step]) -> list[str]:
    """Discharge every obligation of ``steps``; return descriptions of those that fail (empty: all hold).

    Examples
    --------
    >>> discharge([Step("S1", "x", "r", (), "general", (Obligation("positive", sp.Integer(-1)),))])
    ['S1: positive -1']
    """
    return [f"{s.id}: {o.kind} {o.expr}" for s in steps for o in s.obligations if not o.holds()]


def clear_cache() -> None:
    """Forget discharged obligations (benchmarks time cold runs)."""
    _holds_cached.cache_clear()


def _plain(obj: Any) -> Any:
    """Tuples to lists, NumPy/SymPy integers to ints, so that JSON round-trips compare equal."""
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        return obj.item()
    if isinstance(obj, sp.Integer):
        return int(obj)
    if isinstance(obj, sp.Basic):
        return str(obj)
    return obj


def content_hash(d: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces) of ``d`` without its ``hash`` key.

    Examples
    --------
    >>> content_hash({"a": 1, "hash": "x"}) == content_hash({"a": 1})
    True
    """
    body = {k: v for k, v in d.items() if k != "hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------- rendering


def _tex(text: str) -> str:
    for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("_", r"\_"), ("#", r"\#"),
                 ("$", r"\$"), ("{", r"\{"), ("}", r"\}"), ("⊗", r"$\otimes$"), ("∘", r"$\circ$"),
                 ("∑", r"$\sum$"), ("≤", r"$\le$"), ("≥", r"$\ge$"), ("≠", r"$\ne$"), ("·", r"$\cdot$"),
                 ("→", r"$\to$"), ("×", r"$\times$"), ("⋆", r"$\star$"), ("⌊", r"$\lfloor$"),
                 ("⌋", r"$\rfloor$"), ("∈", r"$\in$"), ("δ", r"$\delta$"), ("φ", r"$\varphi$"),
                 ("ψ", r"$\psi$"), ("−", "-"), ("Σ", r"$\Sigma$"), ("τ", r"$\tau$"), ("∤", r"$\nmid$"),
                 ("⇒", r"$\Rightarrow$"), ("↦", r"$\mapsto$"), ("κ", r"$\kappa$"), ("⋯", r"$\cdots$")):
        text = text.replace(a, b)
    return text


def _md(text: str) -> str:
    """Escape Markdown emphasis characters in prose (``*`` and ``_`` are mathematics here)."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")


def _evidence_lines(ev: Mapping[str, Any]) -> list[str]:
    out = []
    for k, v in ev.items():
        s = json.dumps(v) if not isinstance(v, str) else v
        if len(s) > 160:
            s = s[:157] + "..."
        out.append(f"{k}: {s}")
    return out


def _coq_text(coq: Mapping[str, str] | None) -> str:
    """``Multi.v: cascaden_kron (statement sha256 1a2b3c4d5e6f...)`` or why there is no citation."""
    if coq is None:
        return "not covered by a Coq theorem"
    return f"{coq['file']}: {coq['theorem']} (statement sha256 {coq['statement_sha256'][:12]}...)"


def render_proof(proof: Proof, fmt: str = "text", _depth: int = 0) -> str:
    """Render a proof as readable text, Markdown or LaTeX (``json``: :meth:`Proof.to_json`)."""
    if fmt == "json":
        return proof.to_json()
    if fmt not in ("text", "md", "latex"):
        raise InvalidArgument(f"unknown format {fmt!r}; allowed: text, md, latex, json")
    verdict = "PROVED" if proof.proved else "REFUTED"
    kinds = ", ".join(dict.fromkeys(proof.kinds)) or "none"
    lines: list[str] = []
    if fmt == "text":
        bar = "=" * 78 if _depth == 0 else "-" * 78
        lines += [bar, f"Theorem ({proof.theorem}): {proof.statement}", f"Verdict: {verdict}  [certificates: {kinds}]", bar]
        if proof.assumptions:
            lines.append("Assumptions and cited rules:")
            lines += [f"  A{i + 1}. {a}" for i, a in enumerate(proof.assumptions)]
        lines.append("Proof:" if proof.proved else "Refutation:")
        for s in proof.steps:
            prem = f" (from {', '.join(s.premises)})" if s.premises else ""
            lines.append(f"  {s.id} [{s.scope}] {s.claim}")
            lines.append(f"      rule: {s.rule}{prem}")
            if s.scope == "general":
                lines.append(f"      Coq: {_coq_text(s.coq)}")
            for o in s.obligations:
                lines.append(f"      SymPy: {o.kind}: {o.expr}" + (f"   ({o.note})" if o.note else ""))
            for fl in _evidence_lines(s.facts):
                lines.append(f"      {fl}")
        lines.append("Certificates:")
        for c in proof.certificates:
            lines.append(f"  - {c.kind}: {'holds' if c.holds else 'FAILS'}: {c.claim}")
            lines.append(f"      how: {c.method}")
            lines += [f"      {e}" for e in _evidence_lines(c.evidence)]
        lines += [f"Note: {n}" for n in proof.notes]
        if _depth == 0:
            lines.append("Q.E.D." if proof.proved else "The claim is false (counterexample above).")
        else:  # a related result: "Q.E.D." belongs to the main theorem only
            lines.append(f"(Related result: {'holds' if proof.proved else 'fails'}.)")
    elif fmt == "md":
        h = "#" * min(2 + _depth, 6)
        lines += [f"{h} Theorem ({proof.theorem})", "", _md(proof.statement), "",
                  f"**Verdict: {verdict}** (certificates: {kinds})", ""]
        if proof.assumptions:
            lines += ["Assumptions and cited rules:", ""] + [f"{i + 1}. {_md(a)}" for i, a in enumerate(proof.assumptions)]
            lines.append("")
        lines += ["| step | scope | claim | rule | premises |", "|---|---|---|---|---|"]
        for s in proof.steps:
            claim = _md(s.claim).replace("|", "\\|")
            if s.obligations:
                claim += "<br>" + "<br>".join(f"SymPy {o.kind}: `{o.expr}`" for o in s.obligations)
            if s.scope == "general":
                claim += f"<br>Coq: {_md(_coq_text(s.coq))}"
            lines.append(f"| {s.id} | {s.scope} | {claim} | {s.rule} | {', '.join(s.premises) or '-'} |")
        lines += ["", "Certificates:", ""]
        for c in proof.certificates:
            lines.append(f"- **{c.kind}** ({'holds' if c.holds else 'fails'}): {_md(c.claim)} — {_md(c.method)}")
            lines += [f"  - `{e}`" for e in _evidence_lines(c.evidence)]
        lines += [""] + [f"*Note:* {n}" for n in proof.notes]
    else:
        lines += [r"\begin{theorem}[" + _tex(proof.theorem) + "]", _tex(proof.statement), r"\end{theorem}",
                  r"\noindent\textbf{Verdict: " + verdict + "} (certificates: " + kinds + ")",
                  r"\begin{proof}", r"\begin{enumerate}"]
        for s in proof.steps:
            prem = f" (from {', '.join(s.premises)})" if s.premises else ""
            lines.append(r"\item[" + s.id + "] [" + s.scope + "] " + _tex(s.claim) + r" \emph{" + _tex(s.rule) + "}"
                         + prem)
            for o in s.obligations:
                lines.append(r"\\ SymPy " + o.kind + r": $" + sp.latex(o.expr) + "$")
            if s.scope == "general":
                lines.append(r"\\ Coq: " + _tex(_coq_text(s.coq)))
        lines += [r"\end{enumerate}", r"\end{proof}", r"\begin{itemize}"]
        for c in proof.certificates:
            lines.append(r"\item \textbf{" + c.kind + "} (" + ("holds" if c.holds else "fails") + "): "
                         + _tex(c.claim) + " --- " + _tex(c.method))
        lines.append(r"\end{itemize}")
        lines += [_tex(n) for n in proof.notes]
    for r in proof.related:
        lines.append("")
        lines.append(render_proof(r, fmt, _depth + 1))
    if _depth == 0 and proof.related:  # the verdict of the whole output, again at the bottom
        final = (f"Overall verdict: {verdict} - the theorem stated at the top "
                 + ("holds." if proof.proved else "is false; the related results above do not change that."))
        lines += ["", {"text": "=" * 78 + "\n" + final, "md": f"**{final}**",
                       "latex": r"\noindent\textbf{" + _tex(final) + "}"}[fmt]]
    return "\n".join(lines)
