"""Mutation testing of kronconv's core modules: the project's single mutation runner.

Usage::

    nice python benchmarks/mutation.py --module kronconv/verify --tests tests/test_verify.py \\
        tests/test_verify_fuzz.py --seed 0 --sample 200 --budget 1500 --report docs/reports/mutation.md

``--module`` takes files or package folders (every ``.py`` in it).  Each mutant is one
change at one *site* of the abstract syntax tree, by these operators:

* ``arith``: ``+`` <-> ``-``, ``*`` -> ``+``, ``/`` -> ``*``, ``//`` -> ``/``, ``%`` -> ``//``, ``**`` -> ``*``;
* ``compare``: ``==`` <-> ``!=``, ``<`` <-> ``<=``, ``>`` <-> ``>=``, ``is`` <-> ``is not``, ``in`` <-> ``not in``;
* ``bool``: ``and`` <-> ``or``; ``not x`` -> ``x``;
* ``const``: an integer constant ``n`` -> ``n + 1`` and ``n - 1``; ``True`` <-> ``False``;
* ``guard``: an ``if`` condition negated (``if c`` -> ``if not c``);
* ``raise``: ``raise ...`` -> ``pass``;
* ``return``: ``return x`` -> ``return None``;
* ``call``: a statement that is only a call (``res.fail(...)``, ``out.append(...)``) deleted.

Sites are listed in a fixed order (file, then ``ast.walk`` order); ``--sample N`` takes a
fixed-seed random sample of N sites per module set (``--seed``), or every site when there
are fewer.  Each mutant is written into a private copy of the repository (the working tree
is never modified) and the named test files run with ``pytest -x`` (first failure kills);
a mutant whose tests exceed three times the unmutated run (at least 60 s) counts as killed
by timeout.  Survivors are then run against the whole suite (``--confirm``, default
``tests``); those that still survive are listed for review.  ``--budget`` (seconds per
module set) stops sampling when spent and says so.  New core modules are added by running
the script with their ``--module`` and ``--tests``; ``--report`` replaces that module's row
and survivor list in the report and keeps the others.
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ARITH = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Add, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
         ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult}
COMPARE = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE,
           ast.GtE: ast.Gt, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}


@dataclass(frozen=True)
class Site:
    file: str
    index: int  # position of the node in ast.walk order
    op: str
    line: int
    detail: str


def _sites(path: Path) -> list[Site]:
    tree = ast.parse(path.read_text())
    out: list[Site] = []
    rel = str(path.relative_to(ROOT))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                  and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    for i, n in enumerate(ast.walk(tree)):
        line = getattr(n, "lineno", 0)
        if isinstance(n, ast.BinOp) and type(n.op) in ARITH:
            out.append(Site(rel, i, "arith", line, f"{type(n.op).__name__} -> {ARITH[type(n.op)].__name__}"))
        elif isinstance(n, ast.Compare) and type(n.ops[0]) in COMPARE:
            out.append(Site(rel, i, "compare", line, f"{type(n.ops[0]).__name__} -> "
                                                     f"{COMPARE[type(n.ops[0])].__name__}"))
        elif isinstance(n, ast.BoolOp):
            out.append(Site(rel, i, "bool", line, f"{type(n.op).__name__} swapped"))
        elif isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.Not):
            out.append(Site(rel, i, "not", line, "not x -> x"))
        elif isinstance(n, ast.Constant) and id(n) not in docstrings:
            if isinstance(n.value, bool):
                out.append(Site(rel, i, "const", line, f"{n.value} -> {not n.value}"))
            elif isinstance(n.value, int):
                out.append(Site(rel, i, "const+", line, f"{n.value} -> {n.value + 1}"))
                out.append(Site(rel, i, "const-", line, f"{n.value} -> {n.value - 1}"))
        elif isinstance(n, ast.If):
            out.append(Site(rel, i, "guard", line, "if c -> if not c"))
        elif isinstance(n, ast.Raise):
            out.append(Site(rel, i, "raise", line, "raise -> pass"))
        elif isinstance(n, ast.Return) and n.value is not None and not (
                isinstance(n.value, ast.Constant) and n.value.value is None):
            out.append(Site(rel, i, "return", line, "return x -> return None"))
        elif isinstance(n, ast.Expr) and isinstance(n.value, ast.Call):
            out.append(Site(rel, i, "call", line, "call statement deleted"))
    return out


def mutate(source: str, site: Site) -> str:
    """The source with ``site`` mutated (unparsed from the tree: comments are dropped)."""
    tree = ast.parse(source)
    for i, n in enumerate(ast.walk(tree)):
        if i != site.index:
            continue
        if site.op == "arith":
            n.op = ARITH[type(n.op)]()
        elif site.op == "compare":
            n.ops = [COMPARE[type(n.ops[0])](), *n.ops[1:]]
        elif site.op == "bool":
            n.op = ast.Or() if isinstance(n.op, ast.And) else ast.And()
        elif site.op == "not":
            _replace_node(tree, n, n.operand)
        elif site.op == "const":
            n.value = not n.value
        elif site.op == "const+":
            n.value = n.value + 1
        elif site.op == "const-":
            n.value = n.value - 1
        elif site.op == "guard":
            n.test = ast.UnaryOp(ast.Not(), n.test)
        elif site.op == "return":
            n.value = ast.Constant(None)
        elif site.op in ("raise", "call"):
            _replace_node(tree, n, ast.Pass())
        break
    return ast.unparse(ast.fix_missing_locations(tree))


def _replace_node(tree: ast.AST, target: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if value is target:
                setattr(parent, name, new)
                return
            if isinstance(value, list) and any(v is target for v in value):
                setattr(parent, name, [new if v is target else v for v in value])
                return


def _run_tests(work: Path, tests: list[str], timeout: float) -> tuple[str, float]:
    env = dict(os.environ, PYTHONPATH=str(work), HYPOTHESIS_PROFILE="ci", PYTHONDONTWRITEBYTECODE="1")
    start = time.perf_counter()
    try:
        r = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
                           cwd=work, env=env, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return "timeout", time.perf_counter() - start
    return ("survived" if r.returncode == 0 else "killed"), time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--module", nargs="+", required=True, help="module files or package folders to mutate")
    ap.add_argument("--tests", nargs="+", required=True, help="test files run for each mutant")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sample", type=int, default=200, help="mutants per module set (0: every site)")
    ap.add_argument("--budget", type=float, default=1500, help="seconds for the module set (default 1500)")
    ap.add_argument("--confirm", nargs="*", default=["tests"], help="suite survivors are confirmed against")
    ap.add_argument("--confirm-budget", type=float, default=900, help="seconds for confirming survivors")
    ap.add_argument("--name", help="row name in the report (default: the --module arguments)")
    ap.add_argument("--report", help="Markdown report to update (e.g. docs/reports/mutation.md)")
    args = ap.parse_args(argv)

    files: list[Path] = []
    for m in args.module:
        p = (ROOT / m).resolve()
        files += sorted(p.glob("*.py")) if p.is_dir() else [p]
    sites = [s for f in files for s in _sites(f)]
    rng = random.Random(args.seed)
    chosen = sites if args.sample <= 0 or args.sample >= len(sites) else rng.sample(sites, args.sample)
    chosen.sort(key=lambda s: (s.file, s.line, s.index, s.op))
    name = args.name or " ".join(args.module)
    print(f"{name}: {len(sites)} sites, {len(chosen)} mutants (seed {args.seed})", flush=True)

    with tempfile.TemporaryDirectory(prefix="kronconv-mut-") as tmp:
        work = Path(tmp) / "repo"
        shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns(".git", "__pycache__", ".ruff_cache",
                                                                  ".mypy_cache", "*.egg-info", "build"))
        status, base = _run_tests(work, args.tests, 3600)
        if status != "survived":
            print(f"the unmutated tests fail ({status}); fix them first", file=sys.stderr)
            return 2
        timeout = max(60.0, 3 * base)
        print(f"unmutated tests: {base:.1f} s; per-mutant timeout {timeout:.0f} s", flush=True)
        start = time.perf_counter()
        results: list[tuple[Site, str]] = []
        originals = {str(f.relative_to(ROOT)): f.read_text() for f in files}
        for n, site in enumerate(chosen):
            if time.perf_counter() - start > args.budget:
                print(f"budget of {args.budget:.0f} s spent after {n} of {len(chosen)} mutants", flush=True)
                break
            target = work / site.file
            try:
                target.write_text(mutate(originals[site.file], site))
                st, secs = _run_tests(work, args.tests, timeout)
            finally:
                target.write_text(originals[site.file])
            results.append((site, st))
            print(f"[{n + 1}/{len(chosen)}] {st:8s} {site.file}:{site.line} {site.op}: {site.detail} "
                  f"({secs:.1f} s)", flush=True)
        survivors = [s for s, st in results if st == "survived"]
        confirmed = []
        c_start = time.perf_counter()
        for site in survivors:
            if not args.confirm or time.perf_counter() - c_start > args.confirm_budget:
                print(f"not confirmed (no suite or confirm budget spent): {site.file}:{site.line}", flush=True)
                confirmed.append(site)
                continue
            target = work / site.file
            try:
                target.write_text(mutate(originals[site.file], site))
                st, _ = _run_tests(work, args.confirm, max(timeout, 600))
            finally:
                target.write_text(originals[site.file])
            print(f"confirm {st:8s} {site.file}:{site.line} {site.op}: {site.detail}", flush=True)
            if st == "survived":
                confirmed.append(site)
        elapsed = time.perf_counter() - start

    run = len(results)
    killed = run - len(confirmed)
    score = 100.0 * killed / run if run else 0.0
    print(f"{name}: {killed}/{run} killed ({score:.1f}%), {len(confirmed)} survivor(s), {elapsed:.0f} s")
    for s in confirmed:
        print(f"  survivor {s.file}:{s.line} {s.op}: {s.detail}")
    if args.report:
        _update_report(Path(args.report), name, args, len(sites), run, killed, score, confirmed, elapsed)
    return 0


ROWS = ("<!-- rows -->", "<!-- /rows -->")
SURVIVORS = ("<!-- survivors -->", "<!-- /survivors -->")


def _block(text: str, marks: tuple[str, str]) -> tuple[str, str, str]:
    a, b = text.index(marks[0]) + len(marks[0]), text.index(marks[1])
    return text[:a], text[a:b], text[b:]


def _update_report(path: Path, name: str, args: argparse.Namespace, n_sites: int, run: int, killed: int,
                   score: float, survivors: list[Site], elapsed: float) -> None:
    """Replace ``name``'s table row (between the ``<!-- rows -->`` marks) and survivor section (between
    the ``<!-- survivors -->`` marks), keeping the other modules' and the hand-written text around them.
    A survivor's reason is kept when the same survivor was listed before."""
    text = path.read_text() if path.exists() else (
        "# Mutation testing of the core modules\n\n| module | sites | mutants run | killed | score | survivors "
        "| tests | run |\n|---|---|---|---|---|---|---|---|\n" + ROWS[0] + "\n" + ROWS[1] + "\n\n## Survivors\n\n"
        + SURVIVORS[0] + "\n" + SURVIVORS[1] + "\n")
    head, rows_text, rest = _block(text, ROWS)
    rows = [r for r in rows_text.strip().splitlines() if r and not r.startswith(f"| {name} |")]
    rows.append(f"| {name} | {n_sites} | {run} | {killed} | {score:.1f}% | {len(survivors)} | "
                f"{' '.join(args.tests)} | seed {args.seed}, sample {args.sample}, {elapsed / 60:.0f} min |")
    text = head + "\n" + "\n".join(rows) + "\n" + rest
    head, surv_text, rest = _block(text, SURVIVORS)
    old_reasons = dict(re.findall(r"^\| `([^`]+)` \| [^|]+ \| (.+) \|$", surv_text, re.MULTILINE))
    sections = [sec for sec in re.split(r"(?=^### )", surv_text, flags=re.MULTILINE)
                if sec.strip() and not sec.startswith(f"### {name}\n")]
    lines = [f"| `{s.file}:{s.line} {s.op}: {s.detail}` | {s.op} | "
             f"{old_reasons.get(f'{s.file}:{s.line} {s.op}: {s.detail}', 'to review')} |" for s in survivors]
    body = ("| mutant | operator | why it survives |\n|---|---|---|\n" + "\n".join(lines) if lines
            else "No surviving mutant.")
    sections.append(f"### {name}\n\n{body}\n\n")
    path.write_text(head + "\n" + "".join(s if s.endswith("\n\n") else s.rstrip() + "\n\n" for s in sections)
                    + rest)


if __name__ == "__main__":
    sys.exit(main())
