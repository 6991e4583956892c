"""``kronconv docs``: regenerate (or check) the derivation pages in ``docs/`` and the certificates in ``proofs/``.

Generation writes ``DIR/<page>.md`` and ``DIR/figures/*.png`` (matplotlib, the
``docs`` extra) and ``PROOFS/*.json`` + ``PROOFS/*.md``.  ``--check`` writes
nothing: it regenerates the text in memory and exits 1 listing every file whose
committed copy differs (PNG bytes are not compared; referenced PNGs must
exist).  Progress lines go to standard error.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from ..render import to_json
from ._common import positive_int, write_output

MAX_JOBS = 64
"""The most page-building processes ``--jobs`` accepts."""

TARGETS = ("all", "docs", "proofs")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "docs", help="regenerate or check the docs/ pages, figures and proofs/ certificates",
        description="Generate the derivation pages (Markdown with LaTeX maths) and PNG figures of docs/ from "
                    "the library, and the certificates of proofs/ from the prover. --check regenerates the "
                    "text in memory and exits 1 when a committed file differs (CI drift check). No GPU is "
                    "needed: GPU results come from the committed reports in docs/reports/.")
    p.add_argument("--out", metavar="DIR", default="docs", help="docs directory (default docs)")
    p.add_argument("--proofs", metavar="DIR", default="proofs", help="certificates directory (default proofs)")
    p.add_argument("--only", choices=TARGETS, default="all",
                   help="generate/check only the docs pages or only the proofs (default all)")
    p.add_argument("--pages", metavar="NAME[,NAME...]",
                   help="only these pages (see --list); the stale-page check then is skipped")
    p.add_argument("--no-figures", action="store_true", help="write the text only (no matplotlib needed)")
    p.add_argument("--reports", metavar="DIR", help="committed GPU reports to read (default DIR/reports)")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if a committed page or certificate differs from the generated one")
    p.add_argument("--diff", action="store_true", help="with --check: print a unified diff of each drifted file")
    p.add_argument("--jobs", type=positive_int(1, MAX_JOBS, "--jobs"), metavar="N",
                   help=f"processes that build the pages, 1-{MAX_JOBS} (default: 2 when two CPUs are idle, else 1)")
    p.add_argument("--list", action="store_true", help="list the pages and exit")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines on standard error")
    p.add_argument("--format", choices=("text", "json"), default="text", help="summary format (default text)")
    p.set_defaults(func=run)


def _progress(quiet: bool) -> Any:
    if quiet:
        return None

    def say(line: str) -> None:
        sys.stderr.write(f"kronconv docs: {line}\n")
        sys.stderr.flush()

    return say


def _usable_dir(path: str, what: str, *, must_exist: bool, read_only: bool = False) -> None:
    """Raise :class:`InvalidArgument` unless ``path`` is (or can be created as) a directory we may use."""
    import os
    from pathlib import Path

    from ..errors import InvalidArgument

    p = Path(path)
    if p.exists() and not p.is_dir():
        raise InvalidArgument(f"{what} {path!r} is not a directory")
    if must_exist and not p.is_dir():
        raise InvalidArgument(f"{what} {path!r}: directory does not exist")
    if read_only:
        return
    probe = p
    while not probe.exists():  # the nearest existing ancestor must be a writable directory
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise InvalidArgument(f"{what} {path!r}: cannot create or write it ({str(probe)!r} is not a writable "
                              "directory)")


def run(args: argparse.Namespace) -> int:
    from ..docs import PAGES, build_docs, check_docs, page_names
    from ..errors import InvalidArgument

    if args.jobs is not None and args.jobs < 1:
        raise InvalidArgument(f"--jobs must be at least 1, got {args.jobs}")
    if args.diff and not args.check:
        raise InvalidArgument("--diff needs --check (it prints the diff of each drifted file)")
    if args.list and (args.check or args.pages is not None):
        raise InvalidArgument("--list takes no --check or --pages: it only lists the pages")
    if args.list:
        rows = [{"page": n, "file": f"{n}.md"} for n in page_names()]
        if args.format == "json":
            write_output(to_json({"pages": rows}), None)
        else:
            write_output("\n".join(r["page"] for r in rows), None)
        return 0
    pages = None
    if args.pages is not None:
        pages = [p.strip() for p in args.pages.split(",") if p.strip()]
        unknown = [p for p in pages if p not in PAGES]
        if not pages or unknown:
            raise InvalidArgument(f"--pages: unknown page(s) {unknown or [args.pages]}; "
                                  f"available: {', '.join(page_names())}")
    say = _progress(args.quiet)
    start = time.perf_counter()
    do_docs = args.only in ("all", "docs")
    do_proofs = args.only in ("all", "proofs") and pages is None
    # every directory is checked before anything is generated or written
    if do_docs:
        _usable_dir(args.out, "--out", must_exist=args.check)
        if args.reports is not None:
            _usable_dir(args.reports, "--reports", must_exist=True, read_only=True)
    if do_proofs:
        _usable_dir(args.proofs, "--proofs", must_exist=args.check)
    summary: dict[str, Any] = {"mode": "check" if args.check else "generate"}
    if args.check:
        drifts = []
        if do_docs:
            drifts += [(f"{args.out.rstrip('/')}/{d.path}", d.reason, d.diff)
                       for d in check_docs(args.out, pages, progress=say, reports_dir=args.reports,
                                           jobs=args.jobs)]
        if do_proofs:
            from ..proofs_build import check_proofs

            drifts += [(f"{args.proofs.rstrip('/')}/{d.path}", d.reason, d.diff)
                       for d in check_proofs(args.proofs, progress=say)]
        summary["drift"] = [{"path": p, "reason": r} for p, r, _ in drifts]
        summary["seconds"] = round(time.perf_counter() - start, 1)
        if args.format == "json":
            write_output(to_json(summary), None)
        elif drifts:
            lines = [f"{p}: {r}" for p, r, _ in drifts]
            if args.diff:
                lines += [d for _, _, d in drifts if d]
            lines.append(f"{len(drifts)} file(s) differ from what the code generates; "
                         f"regenerate with `kronconv docs --out {args.out} --proofs {args.proofs}`")
            write_output("\n".join(lines), None)
        else:
            checked = [w for w, on in ((args.out, do_docs), (args.proofs, do_proofs)) if on]
            write_output(f"{' and '.join(checked)} match the generated text", None)
        return 1 if drifts else 0
    if do_docs:
        res = build_docs(args.out, pages, figures=not args.no_figures, progress=say, reports_dir=args.reports,
                         jobs=args.jobs)
        summary["pages"] = [f"{args.out.rstrip('/')}/{p}" for p in res.pages]
        summary["figures"] = [f"{args.out.rstrip('/')}/{p}" for p in res.figures]
    if do_proofs:
        from ..proofs_build import build_proofs

        summary["proofs"] = [f"{args.proofs.rstrip('/')}/{p}" for p in build_proofs(args.proofs, progress=say)]
    summary["seconds"] = round(time.perf_counter() - start, 1)
    if args.format == "json":
        write_output(to_json(summary), None)
    else:
        parts = []
        if "pages" in summary:
            parts.append(f"{len(summary['pages'])} page(s) and {len(summary['figures'])} figure(s) in {args.out}")
        if "proofs" in summary:
            parts.append(f"{len(summary['proofs'])} certificate file(s) in {args.proofs}")
        write_output(f"wrote {' and '.join(parts) or 'nothing'} ({summary['seconds']} s)", None)
    return 0
