"""Page ``reports.md``: an index of the committed reports in ``docs/reports/`` (GPU runs, benchmarks, cross-checks).

Docs generation never needs a GPU: GPU results are produced on a GPU machine
(``kronconv check ... --backend cupy``, the benchmark scripts) and committed as
reports; this page lists them with their title and opening paragraph, and
renders JSON reports that hold a list of result records as tables.

Examples
--------
>>> from pathlib import Path
>>> page = build(DocsContext(reports_dir=Path("/nonexistent")))
>>> "No report has been committed yet" in page.text
True
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ._text import frame, md_table
from .page import DocsContext, Page

__all__ = ["build", "report_summary"]

#: Largest report read (bytes); larger files are listed but not summarised.
MAX_REPORT_BYTES = 1 << 20
MAX_ROWS = 40


def report_summary(path: Path) -> tuple[str, str]:
    """``(title, first paragraph)`` of a Markdown report (title = first ``#`` heading)."""
    if path.stat().st_size > MAX_REPORT_BYTES:
        return path.stem, "(too large to summarise)"
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    title, para, in_para = path.stem, [], False
    for line in lines:
        s = line.strip()
        if s.startswith("<!--"):
            continue
        if s.startswith("# ") and title == path.stem:
            title = s[2:].strip()
            continue
        if s and not s.startswith(("#", "|", "```", "![", "- ", "* ", "+ ")) and not s[:1].isdigit():
            para.append(s)
            in_para = True
        elif in_para:
            break
    return title, " ".join(para)


def _json_table(path: Path) -> str | None:
    if path.stat().st_size > MAX_REPORT_BYTES:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    records: Any = None
    if isinstance(data, dict):
        for key in ("rows", "results", "records", "benchmarks"):
            if isinstance(data.get(key), list):
                records = data[key]
                break
    elif isinstance(data, list):
        records = data
    if not records or not all(isinstance(r, dict) for r in records):
        return None
    heads: list[str] = []
    for r in records:
        for k, v in r.items():
            if k not in heads and (v is None or isinstance(v, (int, float, str, bool))):
                heads.append(k)
    rows = [[_cell(r.get(h)) for h in heads] for r in records[:MAX_ROWS]]
    more = f"\n\n({len(records) - MAX_ROWS} more rows in the file.)" if len(records) > MAX_ROWS else ""
    return md_table(heads, rows) + more


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if v is None:
        return "-"
    return str(v).replace("|", "\\|")


def build(ctx: DocsContext) -> Page:
    """The reports index page."""
    rdir = ctx.reports_dir
    files = sorted(p for p in rdir.iterdir() if p.is_file() and p.suffix in (".md", ".json")) \
        if rdir is not None and rdir.is_dir() else []
    sections = []
    if not files:
        sections.append(
            "No report has been committed yet.  Reports are Markdown or JSON files under `docs/reports/` "
            "(e.g. benchmark output, or a GPU run of `kronconv check equivalence --backend cupy` and the GPU "
            "tests); this page then lists them.")
    for p in files:
        rel = f"reports/{p.name}"
        if p.suffix == ".md":
            title, para = report_summary(p)
            sections.append(f"## [{title}]({rel})\n\n{para or '(no summary paragraph)'}")
        else:
            tab = _json_table(p)
            sections.append(f"## [{p.name}]({rel})\n\n" + (tab if tab else "(JSON report; open the file.)"))
    text = frame(
        "Reports",
        "Measured reports committed to `docs/reports/`: GPU test runs, benchmarks and cross-checks against "
        "independent implementations.  Building the docs never needs a GPU: these reports are read, not "
        "re-run (re-run them with the commands they name).",
        sections,
        [],
        "kronconv docs --out docs",
    )
    return Page("reports", "Reports", "committed GPU test, benchmark and cross-check reports", text)
