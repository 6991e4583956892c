"""Builders for regenerated steps and certificates, and the one-time discharge of the table's obligations."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import sympy as sp

from .coqcite import cite
from .table import GENERAL, TANH_OBLIGATION

#: Names a table obligation may use when the checker parses it (no ``eval`` of anything else).
_NAMES = {"Symbol", "Integer", "Rational", "Add", "Mul", "Pow", "floor", "Mod", "Equality", "Sum", "Tuple",
          "integer", "positive", "nonnegative", "True", "False", "tanh", "Half", "One", "Zero", "NegativeOne"}


@cache
def obligation_holds(kind: str, srepr: str) -> bool:
    """Discharge one table obligation with SymPy (``Mod`` rewritten through ``floor``)."""
    bare = re.sub(r"'[A-Za-z0-9_\[\],]*'", "''", srepr)
    if any(n not in _NAMES for n in re.findall(r"[A-Za-z_]\w*", bare)):  # pragma: no cover - table is fixed
        return False
    with sp.evaluate(False):  # as stored: Eq(x, x) must not collapse before it is checked
        e = sp.sympify(srepr)
    if kind == "equal":
        if e is sp.true:
            return True
        e = e.lhs - e.rhs if isinstance(e, sp.Equality) else sp.S.One
    s = sp.simplify(e.doit().rewrite(sp.floor))
    return bool({"equal": s == 0, "positive": s.is_positive is True,
                 "nonnegative": s.is_nonnegative is True}.get(kind))


def obligations(rows: Any) -> tuple[list[dict[str, str]], bool]:
    """Certificate form of table obligations, and whether they all hold."""
    out = [{"kind": k, "expr": e, "text": t, "note": n} for k, e, t, n in rows]
    return out, all(obligation_holds(k, e) for k, e, _, _ in rows)


def step(sid: str, text: str, rule: str, premises: list[str], scope: str, obs: list[dict[str, str]] | None = None,
         facts: dict[str, Any] | None = None, coq: dict[str, str] | None = None) -> dict[str, Any]:
    """A step; a general one carries its Coq citation (``None``: no Coq theorem covers it)."""
    d: dict[str, Any] = {"id": sid, "claim": text, "rule": rule, "premises": list(premises), "scope": scope,
                         "obligations": obs or [], "facts": facts or {}}
    if scope == "general":
        d["coq"] = coq
    return d


def general(sid: str, rule: str, premises: list[str], facts: dict[str, Any] | None = None,
            dims: int | None = None) -> tuple[dict[str, Any], bool]:
    """A general step from the table, citing its Coq theorem (1-D one when ``dims == 1``): (step, obligations hold)."""
    text, rows = GENERAL[rule]
    obs, ok = obligations(rows)
    return step(sid, text, rule, premises, "general", obs, facts, cite(rule, dims)), ok


def cert(kind: str, claim: str, method: str, holds: bool, evidence: dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "claim": claim, "method": method, "holds": holds, "evidence": evidence}


def tanh_obligation() -> tuple[list[dict[str, str]], bool]:
    return obligations([TANH_OBLIGATION])
