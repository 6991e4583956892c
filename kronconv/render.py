"""Pure renderers: tables and records to text, Markdown, LaTeX and JSON strings.

Nothing here computes mathematics; every function returns a ``str``.

Examples
--------
>>> print(table(["a", "b"], [[1, 22]], "md"))
| a | b |
|---|---|
| 1 | 22 |
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from .errors import InvalidArgument

__all__ = ["FORMATS", "Raw", "cell", "table", "to_json"]

FORMATS = ("text", "md", "latex", "json")


class Raw(str):
    """A cell already in the target markup (e.g. ``$...$`` maths): never escaped."""


def cell(value: Any) -> str:
    """Format one table cell: lists as ``3x3``-style when all entries are ints."""
    if isinstance(value, Raw):
        return value
    if isinstance(value, (list, tuple)):
        return "x".join(str(v) for v in value)
    if value is None:
        return "-"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _latex_escape(text: str) -> str:
    if isinstance(text, Raw):
        return text
    for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("_", r"\_"),
                 ("#", r"\#"), ("$", r"\$"), ("{", r"\{"), ("}", r"\}")):
        text = text.replace(a, b)
    return text


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str = "text") -> str:
    """Render a table as aligned text, a Markdown pipe table or a LaTeX ``tabular``."""
    body = [[cell(v) for v in row] for row in rows]  # Raw cells stay Raw
    heads = [str(h) for h in headers]
    if fmt == "text":
        widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(heads)]
        line = lambda cells: "  ".join(c.rjust(w) for c, w in zip(cells, widths)).rstrip()
        return "\n".join([line(heads), line(["-" * w for w in widths])] + [line(r) for r in body])
    if fmt == "md":
        out = ["| " + " | ".join(heads) + " |", "|" + "|".join("---" for _ in heads) + "|"]
        out += ["| " + " | ".join(r) + " |" for r in body]
        return "\n".join(out)
    if fmt == "latex":
        out = [r"\begin{tabular}{" + "r" * len(heads) + "}", r"\hline",
               " & ".join(_latex_escape(h) for h in heads) + r" \\", r"\hline"]
        out += [" & ".join(_latex_escape(c) for c in r) + r" \\" for r in body]
        out += [r"\hline", r"\end{tabular}"]
        return "\n".join(out)
    raise InvalidArgument(f"unknown table format {fmt!r}; allowed: text, md, latex")


def to_json(obj: Any) -> str:
    """Stable, indented JSON (sorted keys are *not* used: field order is meaningful).

    Non-finite floats become ``null``: the output is always strict JSON (no ``NaN``/``Infinity``).

    >>> to_json({"ratio": float("inf"), "x": [1.5, float("nan")]}).split()
    ['{', '"ratio":', 'null,', '"x":', '[', '1.5,', 'null', ']', '}']
    """
    return json.dumps(_strict(obj), indent=2, default=str, allow_nan=False)


def _strict(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _strict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_strict(v) for v in obj]
    return obj
