"""The mutation runner's operators produce valid, different programs, and its report keeps other rows."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "mutation_runner", Path(__file__).resolve().parent.parent / "benchmarks" / "mutation.py")
assert _SPEC and _SPEC.loader
mut = importlib.util.module_from_spec(_SPEC)
sys.modules["mutation_runner"] = mut  # dataclasses look the module up
_SPEC.loader.exec_module(mut)

SOURCE = '''
def f(x, xs):
    """Doc."""
    if x > 1 and not xs:
        raise ValueError("x")
    xs.append(x)
    return x * 2 + 1 == 3 or x in xs[1:]
'''


@pytest.fixture
def module(tmp_path, monkeypatch):
    monkeypatch.setattr(mut, "ROOT", tmp_path)
    p = tmp_path / "m.py"
    p.write_text(SOURCE)
    return p


def test_every_operator_has_sites_and_each_mutant_is_valid_and_different(module):
    sites = mut._sites(module)
    assert {s.op for s in sites} == {"arith", "compare", "bool", "not", "const", "const+", "const-", "guard",
                                     "raise", "return", "call"} - {"const"}
    base = ast.dump(ast.parse(SOURCE))
    for s in sites:
        out = mut.mutate(SOURCE, s)
        assert ast.dump(ast.parse(out)) != base, s
        compile(out, "m.py", "exec")


def test_mutants_change_behaviour_as_stated(module):
    sites = {(s.op, s.detail): s for s in mut._sites(module)}
    orig: dict = {}
    exec(SOURCE, orig)  # noqa: S102 - our fixed source
    assert orig["f"](1, []) is True
    with pytest.raises(ValueError):
        orig["f"](2, [])
    ns: dict = {}
    exec(mut.mutate(SOURCE, sites[("arith", "Mult -> Add")]), ns)  # noqa: S102 - our fixed source
    assert ns["f"](1, []) is False  # 1 + 2 + 1 != 3
    ns = {}
    exec(mut.mutate(SOURCE, sites[("raise", "raise -> pass")]), ns)  # noqa: S102 - our fixed source
    assert ns["f"](2, []) is False  # no longer raises
    assert all(s.line != 3 for s in sites.values())  # the docstring is not mutated


def test_report_update_keeps_other_rows(tmp_path):
    rep = tmp_path / "r.md"
    site = mut.Site("a.py", 0, "arith", 3, "Add -> Sub")
    mut._update_report(rep, "a", 20, 10, 9, [site], "seed 0, sample 10, 1 min")
    text = rep.read_text().replace("to review", "equivalent: the sum is symmetric")
    rep.write_text(text)
    mut._update_report(rep, "b", 5, 5, 5, [], "seed 0, sample 5, 1 min")
    mut._update_report(rep, "a", 20, 10, 9, [site], "seed 0, sample 10, 1 min")
    text = rep.read_text()
    assert text.count("| a | 20 | 10 | 9 | 90.0% | 1 |") == 1 and "| b | 5 | 5 | 5 | 100.0% | 0 |" in text
    assert "equivalent: the sum is symmetric" in text and "### b\n\nNo surviving mutant." in text
    other = mut.Site("a.py", 1, "const+", 4, "1 -> 2")
    mut._update_report(rep, "a", 20, 10, 8, [site, other], "x", {mut._key(other): "no test executes the line"})
    assert "| `a.py:4 const+: 1 -> 2` | const+ | no test executes the line |" in rep.read_text()


IMPORT_TIME = '''
LIMIT = 1 << 4


def g(x, scale=3):
    y = x * scale
    return y if y < LIMIT else LIMIT
'''


def test_a_line_run_at_import_puts_the_tests_of_its_readers_first(tmp_path, monkeypatch):
    """A default value or a module constant runs at import, where coverage pins no test on it: the tests
    executing the function body (for a default) or the lines reading the constant go first, then the
    set's own files; the run is not exact, so a survivor still goes on to the whole suite."""
    monkeypatch.setattr(mut, "ROOT", tmp_path)
    path = tmp_path / "m.py"
    path.write_text(IMPORT_TIME)
    sites = mut._sites(path)
    default = next(s for s in sites if s.op == "const+" and s.detail == "3 -> 4")
    limit = next(s for s in sites if s.op == "const+" and s.detail == "4 -> 5")
    assert default.uses == (6, 7) and limit.uses == (7,)
    assert default.binds == ("g",) and limit.binds == ("LIMIT",)
    cmap = mut.CoverageMap(lines={"m.py": {2: [""], 5: [""], 6: ["t::body", "t::slow"],
                                           7: ["t::slow", "t::tail"]}},
                           seconds={"t::body": 1.0, "t::slow": 9.0, "t::tail": 0.5}, suite_seconds=10.0)
    assert mut.select_tests(default, cmap, ("tests/test_m.py",)) == (
        ["t::tail", "t::body", "t::slow", "tests/test_m.py"], False)
    assert mut.select_tests(limit, cmap, ("tests/test_m.py",)) == (["t::tail", "t::slow", "tests/test_m.py"], False)
    (tmp_path / "tests").mkdir()  # a test file naming the constant goes after its readers' tests
    (tmp_path / "tests" / "test_limit.py").write_text("from m import LIMIT\n")
    (tmp_path / "tests" / "test_other.py").write_text("LIMITS = 1\n")  # another word: not picked
    mut._TEST_TEXTS.pop(tmp_path, None)  # the runner reads the test files once per run
    assert mut.select_tests(limit, cmap, ("tests/test_m.py",)) == (
        ["t::tail", "t::slow", "tests/test_limit.py", "tests/test_m.py"], False)
    inside = next(s for s in sites if s.op == "arith")  # x * scale runs in a test: exact, no fallback
    assert mut.select_tests(inside, cmap, ("tests/test_m.py",)) == (["t::body", "t::slow"], True)


CLASS_FIELD = '''
class Box:
    size: int = 2
    weight = 0

    def area(self):
        return self.size * self.size


def weigh(b):
    return b.weight
'''


def test_a_class_field_default_runs_its_readers_then_the_test_files_naming_the_class(tmp_path, monkeypatch):
    """A class attribute or dataclass field default also runs at import: the class's methods and the
    lines reading ``.name`` are its readers, and the test files naming the class go next."""
    monkeypatch.setattr(mut, "ROOT", tmp_path)
    path = tmp_path / "m.py"
    path.write_text(CLASS_FIELD)
    sites = mut._sites(path)
    size = next(s for s in sites if s.op == "const+" and s.detail == "2 -> 3")
    weight = next(s for s in sites if s.op == "const+" and s.detail == "0 -> 1")
    assert size.binds == ("Box",) == weight.binds
    assert size.uses == (7,) and weight.uses == (7, 11)  # the method body; plus `b.weight` for weight
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_box.py").write_text("from m import Box\n")
    (tmp_path / "tests" / "test_boxes.py").write_text("Boxes = 1\n")  # another word: not picked
    mut._TEST_TEXTS.pop(tmp_path, None)
    cmap = mut.CoverageMap(lines={"m.py": {3: [""], 4: [""], 7: ["t::area"], 11: ["t::weigh"]}},
                           seconds={"t::area": 1.0, "t::weigh": 0.5}, suite_seconds=2.0)
    assert mut.select_tests(weight, cmap, ("tests/test_m.py",)) == (
        ["t::weigh", "t::area", "tests/test_box.py", "tests/test_m.py"], False)


def test_the_runners_own_notes_are_replaced_and_a_reviewers_reason_is_kept(tmp_path):
    rep = tmp_path / "r.md"
    a, b = mut.Site("a.py", 0, "arith", 3, "Add -> Sub"), mut.Site("a.py", 1, "const+", 4, "1 -> 2")
    mut._update_report(rep, "a", 20, 10, 8, [a, b], "x", {mut._key(a): mut.UNCONFIRMED, mut._key(b): mut.UNCONFIRMED})
    rep.write_text(rep.read_text().replace(f"| const+ | {mut.UNCONFIRMED} |", "| const+ | equivalent: reviewed |"))
    mut._update_report(rep, "a", 20, 10, 8, [a, b], "y")  # confirmed against the whole suite: no note now
    text = rep.read_text()
    assert f"| `{mut._key(a)}` | arith | to review |" in text and "| const+ | equivalent: reviewed |" in text
    assert mut.UNCONFIRMED not in text

def _site_in(path: Path, function: str, op: str, text: str = ""):
    """The first ``op`` site inside ``function`` of ``path`` whose statement's source holds ``text`` (found
    by name and text, so line moves and new guards don't matter)."""
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    fn = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function)
    return next(s for s in mut._sites(path) if s.op == op and fn.lineno <= s.line <= fn.end_lineno
                and text in "\n".join(lines[s.lines[0] - 1:s.lines[-1]]))


@pytest.mark.slow
def test_the_runner_kills_a_known_mutant_and_reports_an_unreached_one(tmp_path):
    """End to end: deleting the too-small-input ``raise`` in ``output_size`` is killed by the formula
    tests (its doctest and the published-table tests reach it); a mutant in a module that suite never
    executes is reported as a survivor, so the runner cannot pass everything off as killed."""
    root = Path(mut.ROOT)
    killed = _site_in(root / "kronconv/formulas/fields.py", "output_size", "raise", "dilated kernel extent")
    unreached = _site_in(root / "kronconv/qtt/ranks.py", "unfolding_shapes", "arith")
    report = tmp_path / "mutation.md"
    cmd = [sys.executable, str(root / "benchmarks" / "mutation.py"),
           "--module", "kronconv/formulas/fields.py", "kronconv/qtt/ranks.py", "--name", "smoke",
           "--suite", "tests/test_formulas.py", "kronconv/formulas/fields.py", "--jobs", "1", "--cache", "",
           "--report", str(report), "--site", *(f"{s.file}:{s.line}:{s.op}" for s in (killed, unreached))]
    r = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=900, check=False)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert f"killed   {killed.file}:{killed.line} raise" in r.stdout
    assert f"survived {unreached.file}:{unreached.line} arith" in r.stdout
    assert "no test executes the line" in r.stdout
    assert "smoke: 1/2 killed (50.0%), 1 survivor(s)" in r.stdout
    assert f"| `{mut._key(unreached)}` | arith | no test executes the line |" in report.read_text()
    # re-checking the listed survivors keeps the earlier kill and flags a listed site that no longer exists
    text = report.read_text().replace("| arith | no test executes the line |", "| arith | no test executes the line |\n"
                                      "| `kronconv/qtt/ranks.py:1 arith: Add -> Sub` | arith | to review |")
    report.write_text(text)
    r = subprocess.run([*cmd, "--recheck"], cwd=root, capture_output=True, text=True, timeout=900, check=False)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "re-checking 1 listed survivor(s); 1 no longer found" in r.stdout
    text = report.read_text()
    assert "| smoke | 2 | 2 | 1 | 50.0% | 2 |" in text and "(0 more killed)" in text
    assert "| `kronconv/qtt/ranks.py:1 arith: Add -> Sub` | arith | site changed since the run" in text


def test_a_survivor_whose_line_moved_is_found_at_its_new_line(tmp_path, monkeypatch):
    """``--recheck --since REV``: lines inserted above a listed survivor move it; a line edited in place
    keeps its position in the block; a deleted line is not found (the key is returned unchanged)."""
    monkeypatch.setattr(mut, "ROOT", tmp_path)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True)
    (tmp_path / "m.py").write_text("a = 1\nb = 2\nc = 3\nd = 4\n")
    subprocess.run([*git, "add", "m.py"], check=True)
    subprocess.run([*git, "commit", "-qm", "m"], check=True)
    (tmp_path / "m.py").write_text("x = 0\ny = 0\na = 1\nb = 2 + 0\nc = 3\n")
    assert mut._moved("m.py:1 const+: 1 -> 2", "HEAD") == "m.py:3 const+: 1 -> 2"
    assert mut._moved("m.py:2 const+: 2 -> 3", "HEAD") == "m.py:4 const+: 2 -> 3"  # edited in place
    assert mut._moved("m.py:3 const+: 3 -> 4", "HEAD") == "m.py:5 const+: 3 -> 4"
    assert mut._moved("m.py:4 const+: 4 -> 5", "HEAD") == "m.py:4 const+: 4 -> 5"  # deleted: not moved
    assert mut._moved("m.py:1 const+: 1 -> 2", "no-such-rev") == "m.py:1 const+: 1 -> 2"


def test_a_kill_that_only_an_earlier_tests_leftovers_cause_is_not_counted(tmp_path):
    """A test failing after another test left state behind proves nothing about the mutant: the runner
    re-runs the failing test alone, then the same order on the unmutated code."""
    (tmp_path / "m.py").write_text("X = []\n\n\ndef f():\n    pass\n")
    (tmp_path / "test_a.py").write_text("import m\n\n\ndef test_a():\n    m.X.append(1)\n")
    (tmp_path / "test_b.py").write_text("import m\n\n\ndef test_b():\n    assert not m.X\n")
    (tmp_path / "test_c.py").write_text("import m\n\n\ndef test_c():\n    m.f()\n")
    cmap = mut.CoverageMap(lines={}, seconds={}, suite_seconds=1.0)
    target, original = tmp_path / "m.py", (tmp_path / "m.py").read_text()
    leaky = ["test_a.py::test_a", "test_b.py::test_b"]  # fails in this order on the unmutated code
    assert mut._run_tests(tmp_path, leaky, 60)[0] == "killed"
    assert mut._killer(tmp_path) == "test_b.py::test_b"
    assert mut._confirm_kill(tmp_path, leaky, "test_b.py::test_b", cmap, original, target)[0] == "error"
    assert target.read_text() == original  # the mutant (here: none) is back in place
    target.write_text("X = [1]\n\n\ndef f():\n    pass\n")  # a mutant that test_b sees alone
    assert mut._confirm_kill(tmp_path, leaky, "test_b.py::test_b", cmap, original, target)[0] == "killed"
    mutant = "X = []\n\n\ndef f():\n    X.append(1)\n"  # seen only after test_c ran: still a real kill
    target.write_text(mutant)
    order = ["test_c.py::test_c", "test_b.py::test_b"]
    assert mut._confirm_kill(tmp_path, order, "test_b.py::test_b", cmap, original, target)[0] == "killed"
    assert target.read_text() == mutant


def test_a_node_id_with_a_space_runs_as_its_whole_test_function(tmp_path):
    """pytest splits an argument file's lines at whitespace: a parameter id holding a space would break
    the run (and a broken run kills nothing), so such an id runs its whole test function instead."""
    assert mut._arg_ids(["t.py::f[(l + 1)**2]", "t.py::f[l**2]", "t.py::g[a b]", "t.py::g[c d]", "t.py::h"]) == [
        "t.py::f", "t.py::f[l**2]", "t.py::g", "t.py::h"]
    (tmp_path / "test_p.py").write_text(
        "import pytest\n\n\n@pytest.mark.parametrize('s', ['l + 1', 'l'])\ndef test_p(s):\n    assert 'l' in s\n")
    assert mut._run_tests(tmp_path, ["test_p.py::test_p[l + 1]"], 60)[0] == "survived"  # ran, and passed


def test_a_killer_whose_id_holds_a_space_is_read_whole_and_an_unrunnable_one_decides_nothing(tmp_path):
    """The failing test's id is read whole from pytest's summary even when a parameter holds a space;
    a killer that cannot be run alone leaves the verdict to the unmutated code's run of the same order."""
    (tmp_path / "m.py").write_text("X = []\n")
    (tmp_path / "test_a.py").write_text("import m\n\n\ndef test_a():\n    m.X.append(1)\n")
    (tmp_path / "test_p.py").write_text(
        "import pytest\n\nimport m\n\n\n@pytest.mark.parametrize('s', ['must be one of'])\n"
        "def test_p(s):\n    assert not m.X, s\n")
    order = ["test_a.py::test_a", "test_p.py::test_p[must be one of]"]  # fails in this order, unmutated
    assert mut._run_tests(tmp_path, order, 60)[0] == "killed"
    assert mut._killer(tmp_path) == "test_p.py::test_p[must be one of]"
    cmap = mut.CoverageMap(lines={}, seconds={}, suite_seconds=1.0)
    target, original = tmp_path / "m.py", (tmp_path / "m.py").read_text()
    assert mut._confirm_kill(tmp_path, order, "test_p.py::test_p[must", cmap, original, target)[0] == "error"


def test_a_timeout_runs_again_with_a_longer_limit_before_it_kills(tmp_path, monkeypatch):
    """A first timeout may be the machine's load: the tests run again with RETIMEOUT times the limit,
    and only a second timeout kills."""
    (tmp_path / "test_s.py").write_text("import time\n\n\ndef test_s():\n    time.sleep(1.5)\n")
    monkeypatch.setattr(mut, "RETIMEOUT", 40)
    st, secs, how = mut._run_timed(tmp_path, ["test_s.py::test_s"], 1.0)  # the retry's 40 s suffice
    assert st == "survived" and "run again with 40x" in how and secs >= 2.5
    monkeypatch.setattr(mut, "RETIMEOUT", 1)
    assert mut._run_timed(tmp_path, ["test_s.py::test_s"], 1.0)[0] == "timeout"


def test_a_timeout_after_the_budget_is_spent_is_cut_and_decides_nothing(tmp_path, monkeypatch):
    """Once the set's budget is spent, a first timeout is not run again: the mutant is "cut" (not
    counted), so the budget bounds the run; before that, the retry still decides."""
    (tmp_path / "test_s.py").write_text("import time\n\n\ndef test_s():\n    time.sleep(1.5)\n")
    monkeypatch.setattr(mut, "RETIMEOUT", 40)
    st, secs, how = mut._run_timed(tmp_path, ["test_s.py::test_s"], 1.0, lambda: False)
    assert st == "cut" and "not counted" in how and secs < 1.5
    assert mut._run_timed(tmp_path, ["test_s.py::test_s"], 1.0, lambda: True)[0] == "survived"


def test_resume_takes_the_logged_mutants_of_the_same_sample_and_runs_the_rest(module):
    sites = mut._sites(module)
    chosen = sites[:6]
    key = mut._key
    log = "\n".join([
        "coverage map: 10 lines, 2 tests, suite 1 s",
        f"other set: {len(sites)} sites, {len(chosen)} mutants (seed 0)",
        f"[1/6] killed   {key(chosen[3])} (4 test(s), 1.0 s)",  # another set's result: not taken
        f"A set: {len(sites)} sites, {len(chosen)} mutants (seed 0)",
        (f"[1/6] survived {key(chosen[1])} (3 test(s), not yet run against the whole suite "
        f"(--whole-suite-later): --recheck confirms it, 2.5 s)"),
        f"[2/6] killed   {key(chosen[0])} (2 test(s), 1.5 s)",
        f"[3/6] timeout  {key(chosen[5])} (2 test(s), 60.0 s)",  # runs again
        "pytest could not run ['t.py::f[a']... (exit 4):",  # a broken run's output inside the set
        "",
        "ERROR: not found: t.py::f[a",
        f"[3/6] survived {key(chosen[4])} (no test executes the line, 0.0 s)",
        f"budget of 10 s spent after 3 of {len(chosen)} mutants",
        "A set: 3/3 killed (100.0%), 0 survivor(s), 10 s",
        f"[9/9] killed   {key(chosen[2])} (1 test(s), 1.0 s)",  # after the set's end: not taken
    ]) + "\n"
    done, todo = mut._resumed(log, "A set", len(sites), 0, chosen)
    assert [(d[0], d[1]) for d in done] == [(chosen[0], "killed"), (chosen[1], "survived"), (chosen[4], "survived")]
    assert done[1][2].endswith(mut.UNCONFIRMED) and done[2][2] == "no test executes the line"
    assert todo == [chosen[2], chosen[3], chosen[5]]  # chosen[5] timed out: it runs again
    with pytest.raises(SystemExit, match="seed 1"):
        mut._resumed(log, "A set", len(sites), 1, chosen)
    with pytest.raises(SystemExit, match="7 mutants"):
        mut._resumed(log, "A set", len(sites), 0, sites[:7])


def test_resume_matches_a_key_shared_by_two_sites_as_often_as_it_is_logged(module):
    sites = mut._sites(module)
    twins = [(a, b) for a in sites for b in sites if a is not b and mut._key(a) == mut._key(b)]
    assert twins  # SOURCE's last line holds the constant 1 twice: `+ 1` and `xs[1:]`
    a, b = twins[0]
    chosen = [a, b]
    log = (f"S: {len(sites)} sites, 2 mutants (seed 3)\n"
           f"[1/2] killed   {mut._key(a)} (1 test(s), 1.0 s)\n")
    done, todo = mut._resumed(log, "S", len(sites), 3, chosen)
    assert [d[0] for d in done] == [a] and todo == [b]
