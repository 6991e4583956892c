"""Mutation testing of kronconv's core modules: the project's single mutation runner.

Usage::

    nice python benchmarks/mutation.py --all --seed 0 --sample 200 --jobs 2 --report docs/reports/mutation.md
    nice python benchmarks/mutation.py --module kronconv/formulas --tests tests/test_formulas.py \\
        --name formulas --report docs/reports/mutation.md

``--all`` runs every core module set of the table ``CORE``; ``--module`` takes files or package
folders (every ``.py`` below it).  Each mutant is one change at one *site* of the abstract syntax
tree, by these operators:

* ``arith``: ``+`` <-> ``-``, ``*`` -> ``+``, ``/`` -> ``*``, ``//`` -> ``/``, ``%`` -> ``//``, ``**`` -> ``*``;
* ``compare``: ``==`` <-> ``!=``, ``<`` <-> ``<=``, ``>`` <-> ``>=``, ``is`` <-> ``is not``, ``in`` <-> ``not in``;
* ``bool``: ``and`` <-> ``or``; ``not x`` -> ``x``;
* ``const``: an integer constant ``n`` -> ``n + 1`` and ``n - 1``; ``True`` <-> ``False``;
* ``guard``: an ``if`` condition negated (``if c`` -> ``if not c``);
* ``raise``: ``raise ...`` -> ``pass``;
* ``return``: ``return x`` -> ``return None``;
* ``call``: a statement that is only a call (``res.fail(...)``, ``out.append(...)``) deleted.

Sites are listed in a fixed order (file, then ``ast.walk`` order); ``--sample N`` takes a
fixed-seed random sample of N sites per module set (``--seed``), or every site when there are
fewer.

**Which tests run.**  The unmutated whole suite (``--suite``, default the README's ``tests`` and
the doctests under ``kronconv``) runs once under coverage with one context per test; the map of
which tests execute which line is cached by the hash of the sources and tests.  A mutant then runs
exactly the suite's tests that execute its lines (``pytest -x``: the first failure kills it).  A
test that never executes a line cannot see it change, so a mutant that survives those tests
survives the whole suite, and a mutant on a line no test executes survives without a run ("no
test executes the line").  Lines that also run outside a test (module level, at import, or in a
subprocess a test starts) have no test to pin them on: such a mutant runs first the tests of the code
that reads what the line builds (a function's body, for its default values and decorators; the
lines of the module that read a module-level name; a class's methods and the lines reading the
attribute, for a class attribute or dataclass field), then the test files that name what it builds
(the function, the name or the class),
then the set's own test files (``--tests``)
and, when it survives them, the whole suite (``--whole-suite-later`` leaves that last run to a
``--recheck``, listing the survivor as not yet confirmed).  A mutant whose tests exceed three times
their unmutated time (at least 60 s) runs once more with four times that limit, and counts as
killed by timeout only when it exceeds that too (on a loaded machine every run is slower).  A first
timeout after the set's budget is spent is not run again and counts for nothing (*cut*), so a
set overruns its budget by at most the runs of the mutants started before it was spent.  A test that fails after other
tests ran in the same process is run again alone against the mutant; when it passes alone, the same
tests in the same order run against the unmutated code, and when they fail there too the kill is
not counted (left-over state, not the mutant, failed it).  Each mutant is written into a
private copy of the repository (the working tree is never modified); ``--jobs`` copies run at
once, in the sample's random order, so that ``--budget`` (seconds per module set), which stops the run
when spent and says so, leaves a uniform random sample.  ``--resume LOG``
continues such a run: it takes the results the earlier run's standard output (LOG) printed for each
set, which must have the same sites, sample and seed, and runs only the rest of the sample.  ``--report``
replaces a set's row and survivor list in the report and keeps the others and their reasons.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import difflib
import hashlib
import json
import os
import queue
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    lines: tuple[int, ...] = ()  # the lines whose execution the mutant can change (coverage selects by them)
    uses: tuple[int, ...] = ()  # for a line run at import: the lines that read what it binds (their tests go first)
    binds: tuple[str, ...] = ()  # for a line run at import: the names it builds (test files naming them go next)


def _statement_lines(tree: ast.AST) -> dict[int, int]:
    """``id(node)`` -> first line of the innermost statement holding it (coverage reports a multi-line
    statement's execution at its first line)."""
    out: dict[int, int] = {}

    def visit(node: ast.AST, stmt_line: int) -> None:
        if isinstance(node, ast.stmt):
            stmt_line = node.lineno
        out[id(node)] = stmt_line
        for child in ast.iter_child_nodes(node):
            visit(child, stmt_line)

    visit(tree, 0)
    return out


def _import_time_uses(tree: ast.Module) -> dict[int, tuple[tuple[int, ...], tuple[str, ...]]]:
    """``id(node)`` -> the lines of the same file that consume what the node's import-time code builds: a
    function's body for its decorators, defaults and annotations; the lines reading a module-level
    assignment's names.  Only an ordering hint: a survivor is still run against the whole suite."""
    loads: dict[str, set[int]] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            loads.setdefault(n.id, set()).add(n.lineno)
    out: dict[int, tuple[tuple[int, ...], tuple[str, ...]]] = {}
    for n in ast.walk(tree):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = tuple(range(n.body[0].lineno, (n.end_lineno or n.lineno) + 1))
            header = [*n.decorator_list, *([n.args] if not isinstance(n, ast.ClassDef) else n.bases),
                      *([n.returns] if getattr(n, "returns", None) else [])]
            for part in header:
                for m in ast.walk(part):
                    out[id(m)] = (body, (n.name,))
    for stmt in tree.body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names = {m.id for tg in targets for m in ast.walk(tg) if isinstance(m, ast.Name)}
            used = tuple(sorted({ln for name in names for ln in loads.get(name, ())}))
            for m in ast.walk(stmt):
                out.setdefault(id(m), (used, tuple(sorted(names))))
    # a class attribute or dataclass field (its default): the lines reading ``.name`` and the class's
    # methods use it; the test files naming the class test it
    attrs: dict[str, set[int]] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Attribute):
            attrs.setdefault(n.attr, set()).add(n.lineno)
    for cls in ast.walk(tree):
        if not isinstance(cls, ast.ClassDef):
            continue
        methods = {ln for f in cls.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                   for ln in range(f.body[0].lineno, (f.end_lineno or f.lineno) + 1)}
        for stmt in cls.body:
            if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                names = {m.id for tg in targets for m in ast.walk(tg) if isinstance(m, ast.Name)}
                used = tuple(sorted(methods | {ln for name in names for ln in attrs.get(name, ())}))
                for m in ast.walk(stmt):
                    out.setdefault(id(m), (used, (cls.name,)))
    return out


def _sites(path: Path) -> list[Site]:
    tree = ast.parse(path.read_text())
    out: list[Site] = []
    rel = str(path.relative_to(ROOT))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                  and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    stmt_line = _statement_lines(tree)
    uses = _import_time_uses(tree)
    found: list[tuple[int, ast.AST, str, str]] = []
    for i, n in enumerate(ast.walk(tree)):
        if isinstance(n, ast.BinOp) and type(n.op) in ARITH:
            found.append((i, n, "arith", f"{type(n.op).__name__} -> {ARITH[type(n.op)].__name__}"))
        elif isinstance(n, ast.Compare) and type(n.ops[0]) in COMPARE:
            name = f"{type(n.ops[0]).__name__} -> {COMPARE[type(n.ops[0])].__name__}"
            found.append((i, n, "compare", name))
        elif isinstance(n, ast.BoolOp):
            found.append((i, n, "bool", f"{type(n.op).__name__} swapped"))
        elif isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.Not):
            found.append((i, n, "not", "not x -> x"))
        elif isinstance(n, ast.Constant) and id(n) not in docstrings:
            if isinstance(n.value, bool):
                found.append((i, n, "const", f"{n.value} -> {not n.value}"))
            elif isinstance(n.value, int):
                found.append((i, n, "const+", f"{n.value} -> {n.value + 1}"))
                found.append((i, n, "const-", f"{n.value} -> {n.value - 1}"))
        elif isinstance(n, ast.If):
            found.append((i, n, "guard", "if c -> if not c"))
        elif isinstance(n, ast.Raise):
            found.append((i, n, "raise", "raise -> pass"))
        elif isinstance(n, ast.Return) and n.value is not None and not (
                isinstance(n.value, ast.Constant) and n.value.value is None):
            found.append((i, n, "return", "return x -> return None"))
        elif isinstance(n, ast.Expr) and isinstance(n.value, ast.Call):
            found.append((i, n, "call", "call statement deleted"))
    for i, n, op, detail in found:
        span = n.test if isinstance(n, ast.If) else n  # a negated guard only changes its test's evaluation
        lines = {stmt_line[id(n)], *range(span.lineno, (span.end_lineno or span.lineno) + 1)}
        out.append(Site(rel, i, op, n.lineno, detail, tuple(sorted(lines)), *uses.get(id(n), ((), ()))))
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


CORE: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("kronconv/verify (checker)", ("kronconv/verify",),
     ("tests/test_verify.py", "tests/test_verify_fuzz.py", "tests/test_verify_holefree_qtt.py",
      "tests/test_coq_citations.py", "tests/test_holefree_check.py")),
    ("prover's exact check", ("kronconv/proof.py", "kronconv/theorems", "kronconv/exact_rank.py"),
     ("tests/test_proof.py", "tests/test_theorems_cascade.py", "tests/test_theorems_variants.py",
      "tests/test_soundness.py")),
    ("formulas", ("kronconv/formulas",), ("tests/test_formulas.py",)),
    ("graph", ("kronconv/graph",), ("tests/test_graph.py", "tests/test_graph_cli.py", "tests/test_graph_limits.py")),
    ("numeric engine", ("kronconv/numeric",), ("tests/test_numeric.py", "tests/test_spectral.py")),
    ("checks", ("kronconv/checks", "kronconv/audit_report.py"),
     ("tests/test_checks.py", "tests/test_check_cli.py", "tests/test_audit.py")),
    ("spec and netgraph", ("kronconv/spec", "kronconv/netgraph", "kronconv/layers.py"),
     ("tests/test_spec.py", "tests/test_netgraph.py")),
    ("importers", ("kronconv/importers",), ("tests/test_importers.py",)),
    ("design", ("kronconv/design",), ("tests/test_design.py", "tests/test_design_cli.py")),
    ("polykernel and kronecker", ("kronconv/polykernel.py", "kronconv/kronecker.py"),
     ("tests/test_polykernel.py",)),
    ("qtt", ("kronconv/qtt",), ("tests/test_qtt.py",)),
)
"""The core module sets: (report row, modules mutated, test files run for import-time lines)."""

SUITE = ("tests", "kronconv")  # the README's whole suite (pyproject's testpaths)
#: The notes the runner itself writes as a survivor's reason (replaced on the next run, unlike a reviewer's).
RUNNER_NOTES = ("no test executes the line", "the test run broke", "site changed since the run", "not yet run")
UNCONFIRMED = "not yet run against the whole suite (--whole-suite-later): --recheck confirms it"


def _env(work: Path) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(work), HYPOTHESIS_PROFILE="ci", PYTHONDONTWRITEBYTECODE="1",
                OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")


PRELOAD = ("numpy", "scipy.signal", "scipy.ndimage", "scipy.linalg", "sympy", "networkx", "hypothesis", "_hypothesis_pytestplugin",
           "pytest", "_pytest.doctest", "matplotlib", "torch", "onnx", "onnxruntime")
"""Third-party modules a zygote imports once, so that each mutant's test run starts warm.  Its
children pass ``-W ignore::pytest.PytestAssertRewriteWarning``: pytest would otherwise rewrite the
asserts of hypothesis (a plugin's package) and, finding it imported, fail under ``filterwarnings =
error``; hypothesis's own asserts are not the tests'."""


def _zygote() -> None:
    """Serve test runs over stdin/stdout: import the heavy third-party modules once, then fork one
    child per request (a JSON list of pytest arguments), report its pid, then its exit status.

    The zygote never imports kronconv or the tests, so each child imports the mutated tree afresh."""
    import importlib

    os.environ.setdefault("MPLBACKEND", "Agg")
    for name in PRELOAD:
        with contextlib.suppress(ImportError):  # an optional package that is missing stays missing
            importlib.import_module(name)
    sys.dont_write_bytecode = True
    for line in sys.stdin:
        args = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the child: its own process group (a timeout kills it whole), output discarded
            os.setpgid(0, 0)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            log = os.open(".mutation-run.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(log, 1)
            os.dup2(log, 2)
            code = 70
            try:
                import pytest as _pytest_mod

                code = int(_pytest_mod.main(args))
            finally:
                os._exit(code)
        print(pid, flush=True)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status), flush=True)


class Zygote:
    """A warm process in one work copy that forks a pytest run per mutant (see :func:`_zygote`)."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--zygote"], cwd=work,
                                     env=_env(work), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     bufsize=1)

    def run(self, args: list[str], timeout: float) -> int | None:
        """The pytest exit status, or ``None`` when the run exceeded ``timeout`` and was killed."""
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(args) + "\n")
        pid = int(self.proc.stdout.readline())
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            self.proc.stdout.readline()
            return None
        return int(self.proc.stdout.readline())

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


def _arg_ids(tests: list[str]) -> list[str]:
    """``tests`` as pytest arguments: pytest splits an argument file's lines at whitespace, so a node id
    whose parameters hold a space (``test_f[(l + 1)**2]``) is passed as its whole test function (every
    parameter set: more tests, never fewer)."""
    out: dict[str, None] = {}
    for t in tests:
        out[t.split("[", 1)[0] if any(c.isspace() for c in t) else t] = None
    return list(out)


def _run_tests(work: Path | Zygote, tests: list[str], timeout: float) -> tuple[str, float]:
    """Run ``tests`` (files or node ids, passed through an argument file) with ``pytest -x``, in a
    fresh interpreter (``work`` a folder) or a child of a warm zygote.  The failing test's node id
    is then in :func:`_killer`."""
    start = time.perf_counter()
    folder = work.work if isinstance(work, Zygote) else work
    argfile = folder / f".mutation-args-{threading.get_ident()}"
    argfile.write_text("\n".join(_arg_ids(tests)) + "\n")
    args = ["-x", "-q", "-rf", "-p", "no:cacheprovider", f"@{argfile}"]
    try:
        if isinstance(work, Zygote):
            code = work.run([*args, "-W", "ignore::pytest.PytestAssertRewriteWarning"], timeout)
        else:
            try:
                with open(folder / ".mutation-run.log", "wb") as log:
                    code = subprocess.run([sys.executable, "-m", "pytest", *args], cwd=work, env=_env(work),
                                          stdout=log, stderr=subprocess.STDOUT, timeout=timeout,
                                          check=False).returncode
            except subprocess.TimeoutExpired:
                code = None
    finally:
        argfile.unlink(missing_ok=True)
    if code is None:
        return "timeout", time.perf_counter() - start
    if code in (3, 4, 5, 70):  # internal/usage error, nothing collected: the run is broken
        log = folder / ".mutation-run.log"
        tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
        print(f"pytest could not run {tests[:3]}... (exit {code}):\n{tail}", file=sys.stderr, flush=True)
        return "error", time.perf_counter() - start
    return ("survived" if code == 0 else "killed"), time.perf_counter() - start


@dataclass
class CoverageMap:
    """Which tests of the whole suite execute each line of the core modules.

    ``lines[file][line]`` holds pytest node ids; the empty id ``""`` marks a line run outside any
    test (at import, or in a subprocess a test started).  ``seconds[node id]`` is the test's time.
    """

    lines: dict[str, dict[int, list[str]]]
    seconds: dict[str, float]
    suite_seconds: float
    groups: dict[str, list[str]] = field(default_factory=dict)  # shared-fixture groups of node ids


TIMER_PLUGIN = """import functools
import inspect
import json
import os
import sys

_TIMES = {}
_GROUPS = {}


def pytest_runtest_setup(item):
    # a cached result would let a later test use a line without executing it: clear kronconv's caches
    for name, mod in list(sys.modules.items()):
        if name.startswith("kronconv") and mod is not None:
            for value in list(vars(mod).values()):
                if isinstance(value, functools._lru_cache_wrapper):
                    value.cache_clear()
    # tests sharing a module- or session-scoped fixture of the project share what its setup computed
    for fixture, defs in item._fixtureinfo.name2fixturedefs.items():
        if defs and defs[-1].scope != "function" and _ours(defs[-1].func):
            where = "session" if defs[-1].scope == "session" else item.nodeid.split("::")[0]
            _GROUPS.setdefault(where + "::" + fixture, []).append(item.nodeid)


def _ours(func):
    try:
        return os.path.abspath(inspect.getfile(func)).startswith(os.getcwd() + os.sep)
    except TypeError:
        return False


def pytest_runtest_logreport(report):
    _TIMES[report.nodeid] = _TIMES.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session):
    with open(".mutation-times.json", "w") as f:
        json.dump({"seconds": _TIMES, "groups": _GROUPS}, f)
"""
"""A pytest plugin the coverage run loads: it records each test's time (setup, call and teardown)
and the groups of tests sharing a non-function-scoped fixture, and clears kronconv's function
caches before each test, so that every test that uses a line is seen executing it."""


def _tree_hash() -> str:
    h = hashlib.sha256()
    for top in ("kronconv", "tests", "pyproject.toml"):
        p = ROOT / top
        for f in sorted(p.rglob("*.py")) if p.is_dir() else [p]:
            h.update(str(f.relative_to(ROOT)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


def coverage_map(work: Path, suite: list[str], cache: Path | None) -> CoverageMap:
    """Run the unmutated ``suite`` once under coverage with one context per test (cached by the
    hash of the sources and tests); raise when it does not pass."""
    key = "v3-" + _tree_hash() + "-" + hashlib.sha256(" ".join(suite).encode()).hexdigest()[:8]
    if cache is not None and (cache / f"{key}.json").exists():
        raw = json.loads((cache / f"{key}.json").read_text())
        return CoverageMap({f: {int(k): v for k, v in d.items()} for f, d in raw["lines"].items()},
                           raw["seconds"], raw["suite_seconds"], raw["groups"])
    import coverage

    rc = work / ".mutation-coveragerc"
    rc.write_text("[run]\nsource = kronconv\npatch = subprocess\n")
    (work / "_mutation_timer.py").write_text(TIMER_PLUGIN)
    env = dict(_env(work), COVERAGE_FILE=str(work / ".mutation-coverage"))
    start = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--cov=kronconv",
                        f"--cov-config={rc}", "--cov-context=test", "--cov-report=", "-p", "_mutation_timer",
                        *suite], cwd=work, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if r.returncode != 0:
        raise RuntimeError("the unmutated suite fails under coverage; fix it first:\n"
                           + r.stdout.decode()[-3000:])
    data = coverage.CoverageData(basename=str(work / ".mutation-coverage"))
    data.read()
    lines: dict[str, dict[int, list[str]]] = {}
    for f in data.measured_files():
        rel = os.path.relpath(f, work)
        by_line = data.contexts_by_lineno(f)
        lines[rel] = {ln: sorted({c.rsplit("|", 1)[0] for c in ctx}) for ln, ctx in by_line.items()}
    timed = json.loads((work / ".mutation-times.json").read_text())
    cmap = CoverageMap(lines, timed["seconds"], elapsed, timed["groups"])
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        (cache / f"{key}.json").write_text(json.dumps(
            {"lines": cmap.lines, "seconds": cmap.seconds, "suite_seconds": elapsed, "groups": cmap.groups}))
    return cmap


def _confirm_kill(work: Zygote, tests: list[str], killer: str, cmap: CoverageMap, original: str,
                  target: Path) -> tuple[str, float]:
    """A test that failed after other tests ran in the same process may have failed because of what
    they left behind (a cache, a global), not because of the mutant: run it alone against the
    mutant, and when it passes alone, the same tests in the same order against the unmutated code.
    ``killed`` unless that fails too (``error``: the kill proves nothing)."""
    st, secs = _run_tests(work, [killer], _timeout([killer], cmap))
    if st in ("killed", "timeout"):
        return "killed", secs
    # passed alone, or could not be run alone: the same tests in the same order on the unmutated code decide
    mutated = target.read_text()
    target.write_text(original)
    try:
        base, more = _run_tests(work, tests, _timeout(tests, cmap))
    finally:
        target.write_text(mutated)
    return ("killed" if base == "survived" else "error"), secs + more


def _killer(work: Path | Zygote) -> str | None:
    """The node id of the test that failed in ``work``'s last run (from ``-rf``'s summary line)."""
    log = (work.work if isinstance(work, Zygote) else work) / ".mutation-run.log"
    # the whole id: a parameter set may hold spaces (``test_f[kwargs0-padding must be one of]``)
    found = re.findall(r"^FAILED (.+?)(?: - .*)?$", log.read_text(errors="replace"), re.MULTILINE) if log.exists() else []
    return found[0] if found else None


def select_tests(site: Site, cmap: CoverageMap, fallback: tuple[str, ...],
                 killers: dict[str, int] | None = None) -> tuple[list[str], bool]:
    """The tests to run against ``site``'s mutant, and whether they are exactly the suite's tests
    that execute its lines (``False`` when a line also runs at import or in a subprocess: then the
    module set's test files are added and a survivor is re-run against the whole suite)."""
    by_line = cmap.lines.get(site.file, {})
    ids = {t for ln in site.lines for t in by_line.get(ln, ())}
    exact = "" not in ids
    ids.discard("")
    if not exact:  # run at import: the tests of the code that reads what the line builds go first
        ids |= {t for ln in site.uses for t in by_line.get(ln, ()) if t}
    for members in cmap.groups.values():
        if ids.intersection(members):
            ids.update(members)
    # -x: the first failure ends the run, so tests that killed earlier mutants go first, then the fastest
    hits = killers or {}
    order = sorted(ids, key=lambda t: (-hits.get(t, 0), cmap.seconds.get(t, 0.0), t))
    if exact:
        return order, exact
    naming = [f for f in _test_files_naming(site.binds) if f not in fallback]  # then the files that name it
    return order + naming + [f for f in fallback if f not in ids], exact


_TEST_TEXTS: dict[Path, dict[str, str]] = {}


def _test_files_naming(names: tuple[str, ...]) -> list[str]:
    """The suite's test files (``tests/test_*.py``) that mention one of ``names`` as a word."""
    if not names:
        return []
    if ROOT not in _TEST_TEXTS:
        _TEST_TEXTS[ROOT] = {str(f.relative_to(ROOT)): f.read_text(errors="replace")
                             for f in sorted((ROOT / "tests").glob("test_*.py"))}
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    return [f for f, text in _TEST_TEXTS[ROOT].items() if pattern.search(text)]


RETIMEOUT = 4
"""A mutant whose tests exceed their time limit runs once more with this many times the limit; only
a second timeout kills it (the first may be the machine's load, not the mutant)."""


def _run_timed(work: Path | Zygote, tests: list[str], limit: float,
               may_rerun: Callable[[], bool] = lambda: True) -> tuple[str, float, str]:
    """:func:`_run_tests` with ``limit``; a timeout runs once more with ``RETIMEOUT`` times it (a loaded
    machine slows every run: only a mutant still that slow is killed by timeout).  When
    ``may_rerun()`` is false at that point (the set's budget is spent), the mutant is ``"cut"``:
    it decides nothing and is not counted, so a budget bounds the run's time."""
    st, secs = _run_tests(work, tests, limit)
    how = f"{len(tests)} test(s)"
    if st == "timeout" and not may_rerun():
        return "cut", secs, how + ", timed out once when the budget was spent: not counted"
    if st == "timeout":
        st, more = _run_tests(work, tests, RETIMEOUT * limit)
        secs += more
        how += f", run again with {RETIMEOUT}x the time limit"
    return st, secs, how


def _timeout(tests: list[str], cmap: CoverageMap) -> float:
    files = [t for t in tests if "::" not in t]
    secs = sum(cmap.seconds.get(t, 0.0) for t in tests) + sum(
        v for k, v in cmap.seconds.items() if any(k.startswith(f + "::") for f in files))
    return max(60.0, 5.0 + 3.0 * secs)


def _copy_tree(dest: Path) -> Path:
    shutil.copytree(ROOT, dest, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", "__pycache__", ".ruff_cache", ".mypy_cache", "*.egg-info", "build", ".mutation-cache",
        ".hypothesis", "*.vo", "*.glob"))
    return dest


def _files(modules: tuple[str, ...]) -> list[Path]:
    files: list[Path] = []
    for m in modules:
        p = (ROOT / m).resolve()
        files += sorted(p.rglob("*.py")) if p.is_dir() else [p]
    return files


def _key(s: Site) -> str:
    return f"{s.file}:{s.line} {s.op}: {s.detail}"


def _run_sites(chosen: list[Site], fallback: tuple[str, ...], args: argparse.Namespace, cmap: CoverageMap,
               works: queue.Queue[Zygote], originals: dict[str, str]) -> list[tuple[Site, str, str]]:
    """Run every mutant of ``chosen`` (``--jobs`` at a time) until the budget is spent."""
    start = time.perf_counter()
    lock = threading.Lock()
    results: list[tuple[Site, str, str]] = []  # site, status, how
    killers: dict[str, int] = {}  # node id -> mutants it killed (ordering only: no effect on verdicts)

    def one(site: Site) -> None:
        if time.perf_counter() - start > args.budget:
            return
        with lock:
            tests, exact = select_tests(site, cmap, fallback, killers)
        if not tests:
            st, secs, how = "survived", 0.0, "no test executes the line"
        else:
            work = works.get()
            target = work.work / site.file
            try:
                target.write_text(mutate(originals[site.file], site))
                st, secs, how = _run_timed(work, tests, _timeout(tests, cmap),
                                           lambda: time.perf_counter() - start <= args.budget)
                k = _killer(work) if st == "killed" else None
                if k and k != tests[0] and not k.startswith(tests[0] + "::"):
                    st, more = _confirm_kill(work, tests, k, cmap, originals[site.file], target)
                    secs += more
                    how += ", failing on the unmutated code too when run in this order" if st == "error" else ""
                if st == "killed" and k:
                    with lock:
                        killers[k] = killers.get(k, 0) + 1
                if st == "survived" and not exact and args.whole_suite_later:
                    how += f", {UNCONFIRMED}"
                elif st == "survived" and not exact:
                    st, secs2 = _run_tests(work, list(args.suite), max(600.0, 3 * cmap.suite_seconds))
                    secs += secs2
                    how += ", then the whole suite"
            finally:
                target.write_text(originals[site.file])
                works.put(work)
        with lock:
            if st == "cut":
                print(f"[-/{len(chosen)}] cut      {_key(site)} ({how}, {secs:.1f} s)", flush=True)
                return
            results.append((site, st, how))
            print(f"[{len(results)}/{len(chosen)}] {st:8s} {_key(site)} ({how}, {secs:.1f} s)", flush=True)

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        list(pool.map(one, chosen))
    if len(results) < len(chosen):
        print(f"budget of {args.budget:.0f} s spent after {len(results)} of {len(chosen)} mutants", flush=True)
    results.sort(key=lambda r: (r[0].file, r[0].line, r[0].index, r[0].op))
    return results


def _summary(name: str, n_sites: int, run: int, killed: int, survivors: list[Site], notes: dict[str, str],
             elapsed: float, how: str) -> dict[str, Any]:
    score = 100.0 * killed / run if run else 0.0
    print(f"{name}: {killed}/{run} killed ({score:.1f}%), {len(survivors)} survivor(s), {elapsed:.0f} s")
    for s in survivors:
        print(f"  survivor {_key(s)}")
    return {"name": name, "sites": n_sites, "run": run, "killed": killed, "score": score,
            "survivors": survivors, "notes": notes, "elapsed": elapsed, "how": how}


def run_set(name: str, modules: tuple[str, ...], fallback: tuple[str, ...], args: argparse.Namespace,
            cmap: CoverageMap, works: queue.Queue[Zygote]) -> dict[str, Any]:
    """Mutate a fixed-seed sample of ``modules``' sites and run each mutant's tests."""
    files = _files(modules)
    sites = [s for f in files for s in _sites(f)]
    if args.site:
        sites = [s for s in sites if f"{s.file}:{s.line}:{s.op}" in args.site]
    rng = random.Random(args.seed)
    # the sample's own random order: when the budget cuts a run short, what ran is still a uniform sample
    chosen = rng.sample(sites, len(sites) if args.sample <= 0 else min(args.sample, len(sites)))
    print(f"{name}: {len(sites)} sites, {len(chosen)} mutants (seed {args.seed})", flush=True)
    start = time.perf_counter()
    done: list[tuple[Site, str, str]] = []
    if args.resume:
        done, chosen = _resumed(Path(args.resume).read_text(), name, len(sites), args.seed, chosen)
        print(f"{name}: {len(done)} mutant(s) taken from {args.resume}, {len(chosen)} to run", flush=True)
    results = done + _run_sites(chosen, fallback, args, cmap, works, {str(f.relative_to(ROOT)): f.read_text()
                                                                      for f in files})
    survivors = sorted((s for s, st, _ in results if st in ("survived", "error")),  # a broken run kills nothing
                       key=lambda s: (s.file, s.line, s.index, s.op))
    notes = {_key(s): how for s, st, how in results if st == "survived" and how.startswith("no test")}
    notes.update({_key(s): UNCONFIRMED for s, st, how in results if st == "survived" and how.endswith(UNCONFIRMED)})
    notes.update({_key(s): "the test run broke (see the log)" if "unmutated" not in how else how.split(", ", 1)[1]
                  for s, st, how in results if st == "error"})
    elapsed = time.perf_counter() - start
    how = f"seed {args.seed}, sample {args.sample}, {elapsed / 60:.0f} min"
    if done:
        how += f" after {len(done)} mutants taken from an earlier run cut short by its budget"
    return _summary(name, len(sites), len(results), len(results) - len(survivors), survivors, notes, elapsed, how)


RESULT_LINE = re.compile(r"^\[\d+/\d+\] (killed|survived|timeout|error)\s+(\S+ \S+ .*?) "
                         r"\(((?:\d+ test\(s\)|no test executes the line).*), [\d.]+ s\)$", re.MULTILINE)


def _resumed(log: str, name: str, n_sites: int, seed: int,
             chosen: list[Site]) -> tuple[list[tuple[Site, str, str]], list[Site]]:
    """Split ``chosen`` into the mutants an earlier run's log (``--resume``) reports for set ``name``
    and those still to run.  The log's set must have the same sites, sample and seed; a key listed
    twice (two sites with the same text) is matched as often as it appears.  A logged timeout is not
    taken: that mutant runs again."""
    header = f"{name}: {n_sites} sites, {len(chosen)} mutants (seed {seed})\n"
    at = log.find(header)
    if at < 0:
        raise SystemExit(f"--resume: the log has no run of {name!r} with {n_sites} sites, "
                         f"{len(chosen)} mutants and seed {seed}")
    body = log[at + len(header):]
    # the set ends at its summary line (or at the next set's header); a broken test run's output may sit between
    end = re.search(rf"^(?:{re.escape(name)}: \d+/\d+ killed|.*: \d+ sites, \d+ mutants \(seed )", body, re.MULTILINE)
    logged: dict[str, list[tuple[str, str]]] = {}
    for m in RESULT_LINE.finditer(body[:end.start()] if end else body):
        logged.setdefault(m[2], []).append((m[1], m[3]))
    done, todo = [], []
    for entries in logged.values():  # a timeout runs again: the earlier run's load may have caused it
        entries[:] = [e for e in entries if e[0] != "timeout"]
    for site in chosen:
        if logged.get(_key(site)):
            st, how = logged[_key(site)].pop(0)
            done.append((site, st, how))
        else:
            todo.append(site)
    return done, todo


def _moved(key: str, since: str) -> str:
    """``key`` (``FILE:LINE OP: DETAIL`` at commit ``since``) with its line moved to where that line is
    now: the same line, or the line edited in its place (a block of as many lines); else unchanged."""
    m = re.match(r"(.+?):(\d+) (.+)$", key)
    if not m:
        return key
    try:
        old = subprocess.run(["git", "show", f"{since}:{m[1]}"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.splitlines()
    except subprocess.CalledProcessError:
        return key
    new = (ROOT / m[1]).read_text().splitlines()
    line = int(m[2]) - 1
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if i1 <= line < i2 and (tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1)):
            return f"{m[1]}:{line - i1 + j1 + 1} {m[3]}"  # a line edited in place: its same site, if it has one
    return key


def recheck_set(name: str, modules: tuple[str, ...], fallback: tuple[str, ...], args: argparse.Namespace,
                cmap: CoverageMap, works: queue.Queue[Zygote]) -> dict[str, Any] | None:
    """Run the survivors the report lists for ``name`` again (after new tests were written); the
    mutants the earlier run killed stay killed, since tests were only added.  A listed survivor whose
    site is gone (the module changed) stays listed and says so: then run the whole set again."""
    text = Path(args.report).read_text()
    row = next((r for r in _block(text, ROWS)[1].splitlines() if r.startswith(f"| {name} |")), None)
    if row is None:
        print(f"{name}: no row in {args.report} to re-check", flush=True)
        return None
    cells = [c.strip() for c in row.strip().strip("|").split("|")]
    n_sites, run, killed = int(cells[1]), int(cells[2]), int(cells[3])
    section = next((sec for sec in re.split(r"(?=^### )", _block(text, SURVIVORS)[1], flags=re.MULTILINE)
                    if sec.startswith(f"### {name}\n")), "")
    listed = re.findall(r"^\| `([^`]+)` \|", section, re.MULTILINE)
    files = _files(modules)
    pool: dict[str, list[Site]] = {}
    for f in files:
        for s in _sites(f):
            pool.setdefault(_key(s), []).append(s)
    matched: list[Site] = []
    gone: list[Site] = []
    reasons = dict(re.findall(r"^\| `([^`]+)` \| [^|]+ \| (.+) \|$", section, re.MULTILINE))
    carried: dict[str, str] = {}  # a moved survivor keeps its reviewed reason under its new line
    for key in listed:
        if args.since and not pool.get(key) and (moved := _moved(key, args.since)) != key:
            carried[moved] = reasons.get(key, "to review")
            key = moved
        if pool.get(key):
            matched.append(pool[key].pop(0))
        else:
            m = re.match(r"(.+):(\d+) (\S+): (.+)$", key)
            assert m, key
            gone.append(Site(m[1], -1, m[3], int(m[2]), m[4]))
    print(f"{name}: re-checking {len(matched)} listed survivor(s); {len(gone)} no longer found", flush=True)
    start = time.perf_counter()
    chosen = [s for s in matched if not args.site or f"{s.file}:{s.line}:{s.op}" in args.site]  # --site: only these
    results = _run_sites(chosen, fallback, args, cmap, works,
                         {str(f.relative_to(ROOT)): f.read_text() for f in files})
    still = [s for s, st, _ in results if st in ("survived", "error")] + [s for s in matched if s not in
                                                                         {r[0] for r in results}]
    notes = {_key(s): how for s, st, how in results if st == "survived" and how.startswith("no test")}
    notes.update({_key(s): UNCONFIRMED for s, st, how in results if st == "survived" and how.endswith(UNCONFIRMED)})
    notes.update({_key(s): "site changed since the run: run the set again" for s in gone})
    notes.update({k: v for k, v in carried.items() if k not in notes and not v.startswith(RUNNER_NOTES)})
    newly = len(matched) - len(still)
    old_how = cells[-1].split("; survivors re-checked")[0]
    return _summary(name, n_sites, run, killed + newly, still + gone, notes, time.perf_counter() - start,
                    f"{old_how}; survivors re-checked {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC "
                    f"({newly} more killed)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--all", action="store_true", help="every core module set (the table CORE)")
    ap.add_argument("--sets", nargs="+", help="with --all: only the core sets whose names start with these")
    ap.add_argument("--module", nargs="+", help="module files or package folders to mutate")
    ap.add_argument("--tests", nargs="*", default=[],
                    help="test files also run for lines executed at import or in a subprocess")
    ap.add_argument("--suite", nargs="+", default=list(SUITE),
                    help="the suite whose coverage selects each mutant's tests (default: the whole suite)")
    ap.add_argument("--site", nargs="*", help="only these sites, as FILE:LINE:OP (with --recheck: only these of the "
                    "listed survivors run; the others stay listed)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sample", type=int, default=200, help="mutants per module set (0: every site)")
    ap.add_argument("--budget", type=float, default=1800, help="seconds per module set (default 1800)")
    ap.add_argument("--jobs", type=int, default=max(1, min(2, os.cpu_count() or 1)),
                    help="mutants run at once, each in its own copy of the tree (default: up to 2)")
    ap.add_argument("--cache", default=str(ROOT / ".mutation-cache"),
                    help="folder caching the coverage map by source hash ('' for none)")
    ap.add_argument("--name", help="row name in the report (default: the --module arguments)")
    ap.add_argument("--report", help="Markdown report to update (e.g. docs/reports/mutation.md)")
    ap.add_argument("--whole-suite-later", action="store_true",
                    help="a survivor of a line run at import is not run against the whole suite now (it is "
                         "listed as such; a --recheck without this flag confirms it)")
    ap.add_argument("--since", metavar="REV",
                    help="with --recheck: the git revision the listed survivors' lines refer to (a survivor "
                         "whose line only moved is found at its new line)")
    ap.add_argument("--resume", metavar="LOG",
                    help="take the mutants an earlier run's log (its standard output) reports for each set "
                         "and run only the rest of the sample (same code, seed and sample)")
    ap.add_argument("--recheck", action="store_true",
                    help="run only the survivors --report lists for each set again (after new tests)")
    args = ap.parse_args(argv)
    if not args.all and not args.module:
        ap.error("give --all or --module")
    if args.recheck and not args.report:
        ap.error("--recheck reads the survivors from --report")
    sets = [c for c in CORE if not args.sets or any(c[0].startswith(x) for x in args.sets)] if args.all else [(args.name or " ".join(args.module), tuple(args.module),
                                         tuple(args.tests))]
    total = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kronconv-mut-", ignore_cleanup_errors=True) as tmp:
        folders = [_copy_tree(Path(tmp) / f"repo{j}") for j in range(args.jobs)]
        try:
            cmap = coverage_map(folders[0], list(args.suite), Path(args.cache) if args.cache else None)
        except RuntimeError as err:
            print(err, file=sys.stderr)
            return 2
        works: queue.Queue[Zygote] = queue.Queue()
        zygotes = [Zygote(f) for f in folders]
        for z in zygotes:
            works.put(z)
        print(f"coverage map: {sum(len(v) for v in cmap.lines.values())} lines, {len(cmap.seconds)} tests, "
              f"suite {cmap.suite_seconds:.0f} s", flush=True)
        rows = []
        try:
            for name, modules, fallback in sets:
                row = (recheck_set if args.recheck else run_set)(name, modules, fallback, args, cmap, works)
                if row is None:
                    continue
                rows.append(row)
                if args.report:
                    _update_report(Path(args.report), name, row["sites"], row["run"], row["killed"],
                                   row["survivors"], row["how"], row["notes"])
        finally:
            for z in zygotes:
                z.close()
    print(f"all sets: {sum(r['killed'] for r in rows)}/{sum(r['run'] for r in rows)} killed in "
          f"{(time.perf_counter() - total) / 60:.1f} min")
    return 0


ROWS = ("<!-- rows -->", "<!-- /rows -->")
SURVIVORS = ("<!-- survivors -->", "<!-- /survivors -->")


def _block(text: str, marks: tuple[str, str]) -> tuple[str, str, str]:
    a, b = text.index(marks[0]) + len(marks[0]), text.index(marks[1])
    return text[:a], text[a:b], text[b:]


def _update_report(path: Path, name: str, n_sites: int, run: int, killed: int, survivors: list[Site],
                   how: str, notes: dict[str, str] | None = None) -> None:
    """Replace ``name``'s table row (between the ``<!-- rows -->`` marks) and survivor section (between
    the ``<!-- survivors -->`` marks), keeping the other modules' and the hand-written text around them.
    A survivor's reason is kept when the same survivor was listed before; ``notes`` gives the reason
    for new ones (else "to review")."""
    text = path.read_text() if path.exists() else (
        "# Mutation testing of the core modules\n\n| module | sites | mutants run | killed | score | survivors "
        "| run |\n|---|---|---|---|---|---|---|\n" + ROWS[0] + "\n" + ROWS[1] + "\n\n## Survivors\n\n"
        + SURVIVORS[0] + "\n" + SURVIVORS[1] + "\n")
    head, rows_text, rest = _block(text, ROWS)
    rows = [r for r in rows_text.strip().splitlines() if r and not r.startswith(f"| {name} |")]
    score = 100.0 * killed / run if run else 0.0
    rows.append(f"| {name} | {n_sites} | {run} | {killed} | {score:.1f}% | {len(survivors)} | {how} |")
    text = head + "\n" + "\n".join(rows) + "\n" + rest
    head, surv_text, rest = _block(text, SURVIVORS)
    old_reasons = dict(re.findall(r"^\| `([^`]+)` \| [^|]+ \| (.+) \|$", surv_text, re.MULTILINE))
    sections = [sec for sec in re.split(r"(?=^### )", surv_text, flags=re.MULTILINE)
                if sec.strip() and not sec.startswith(f"### {name}\n")]
    notes = notes or {}
    def reason(key: str) -> str:  # a hand-written reason stays; the runner's own notes are replaced
        old = old_reasons.get(key, "to review")
        return notes.get(key, "to review") if old == "to review" or old.startswith(RUNNER_NOTES) else old

    lines = [f"| `{_key(s)}` | {s.op} | {reason(_key(s))} |" for s in survivors]
    body = ("| mutant | operator | why it survives |\n|---|---|---|\n" + "\n".join(lines) if lines
            else "No surviving mutant.")
    sections.append(f"### {name}\n\n{body}\n\n")
    path.write_text(head + "\n" + "".join(s if s.endswith("\n\n") else s.rstrip() + "\n\n" for s in sections)
                    + rest)


if __name__ == "__main__":
    if sys.argv[1:] == ["--zygote"]:
        _zygote()
    else:
        sys.exit(main())
