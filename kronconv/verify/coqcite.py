"""Coq citations of general steps: statement hashes from the shipped ``.v`` files, and their check.

The checker hashes a theorem's statement itself -- the text from ``Theorem`` to ``Proof.`` with
comments removed and whitespace collapsed, SHA-256 -- from the development shipped with kronconv
(package data ``kronconv/coq``, the files listed in its ``_CoqProject``).  It regenerates each
general step's ``coq`` field from :data:`.table.COQ` and, before comparing the rest, checks the
certificate's citations one by one so that a forged one is rejected with its own reason: a file
outside the development, a theorem it does not declare, a statement hash that differs, a missing
or ``null`` citation, or a real theorem cited for the wrong step.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path
from typing import Any

from .table import COQ

#: The shipped Coq development.
COQ_DIR = Path(__file__).resolve().parent.parent / "coq"
KEYS = ("file", "theorem", "statement_sha256")


class CitationError(Exception):
    """The shipped development cannot back the checker's own table (the certificate is rejected, exit 1)."""


_THEOREM = re.compile(r"(?m)^Theorem\s+([A-Za-z0-9_']+)\b(.*?)\bProof\.", re.DOTALL)


def _uncomment(text: str) -> str:
    out, depth, i = [], 0, 0
    while i < len(text):
        if text.startswith("(*", i):
            depth, i = depth + 1, i + 2
        elif depth and text.startswith("*)", i):
            depth, i = depth - 1, i + 2
        else:
            if not depth:
                out.append(text[i])
            i += 1
    return "".join(out)


def statements(file: str) -> dict[str, str]:
    """``{theorem: statement sha256}`` of a file of the shipped development (``{}`` for any other name)."""
    try:
        files = (COQ_DIR / "_CoqProject").read_text(encoding="utf-8").split()
    except OSError as exc:
        raise CitationError(f"cannot read the shipped Coq development in {COQ_DIR}: {exc.strerror}") from None
    return _hashes(file) if file.endswith(".v") and file in files else {}


@cache
def _hashes(file: str) -> dict[str, str]:
    try:
        text = _uncomment((COQ_DIR / file).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CitationError(f"cannot read the shipped Coq development in {COQ_DIR}: {exc.strerror}") from None
    return {m.group(1): hashlib.sha256(" ".join(f"Theorem {m.group(1)}{m.group(2)}".split()).encode()).hexdigest()
            for m in _THEOREM.finditer(text)}


def cite(rule: str, dims: int | None = None) -> dict[str, str] | None:
    """The ``coq`` field of a general step with ``rule`` (1-D theorem when ``dims == 1``), or ``None``."""
    entry = COQ.get(rule)
    if entry is None:
        return None
    file, name = entry[0] if dims == 1 else entry[1]
    digest = statements(file).get(name)
    if digest is None:
        raise CitationError(f"the checker's table cites Coq theorem {name} in {file}, which the shipped development "
                       "does not declare")
    return {"file": file, "theorem": name, "statement_sha256": digest}


def _name(c: dict[str, str] | None) -> str:
    return "no Coq theorem" if c is None else f"{c['file']}: {c['theorem']}"


def citation_defect(exp_steps: list[Any], got_steps: list[Any], where: str) -> str | None:
    """The first forged or wrong Coq citation among the certificate's steps, or ``None``."""
    for i, (e, g) in enumerate(zip(exp_steps, got_steps)):
        if e.get("scope") != "general" or not isinstance(g, dict):
            continue
        at, want = f"{where}.steps[{i}].coq", e["coq"]
        if "coq" not in g:
            return f"{at}: the general step {e['id']} names no Coq theorem (field missing); the checker cites " \
                   f"{_name(want)}"
        got = g["coq"]
        if got is None:
            if want is not None:
                return f"{at}: the certificate cites no Coq theorem, the checker cites {_name(want)}"
            continue
        if not (isinstance(got, dict) and sorted(got) == sorted(KEYS) and all(isinstance(got[k], str) for k in KEYS)):
            return f"{at}: a citation must be null or an object with string fields {', '.join(KEYS)}"
        known = statements(got["file"])
        if not known:
            return f"{at}: {got['file'][:40]!r} is not a file of the shipped Coq development"
        if got["theorem"] not in known:
            return f"{at}: the shipped {got['file']} declares no theorem {got['theorem'][:60]!r}"
        if got["statement_sha256"] != known[got["theorem"]]:
            return (f"{at}: statement hash {got['statement_sha256'][:16]}... of {got['file']}: {got['theorem']} "
                    f"differs from the shipped statement's {known[got['theorem']][:16]}...")
        if got != want:
            return f"{at}: cites {_name(got)}, but the step {e['id']} ({e['rule']}) is covered by {_name(want)}"
    return None
