"""The mutation runner's operators produce valid, different programs, and its report keeps other rows."""

from __future__ import annotations

import argparse
import ast
import importlib.util
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
    args = argparse.Namespace(tests=["t.py"], seed=0, sample=10)
    site = mut.Site("a.py", 0, "arith", 3, "Add -> Sub")
    mut._update_report(rep, "a", args, 20, 10, 9, 90.0, [site], 60)
    text = rep.read_text().replace("to review", "equivalent: the sum is symmetric")
    rep.write_text(text)
    mut._update_report(rep, "b", args, 5, 5, 5, 100.0, [], 60)
    mut._update_report(rep, "a", args, 20, 10, 9, 90.0, [site], 60)
    text = rep.read_text()
    assert text.count("| a | 20 | 10 | 9 | 90.0% | 1 |") == 1 and "| b | 5 | 5 | 5 | 100.0% | 0 |" in text
    assert "equivalent: the sum is symmetric" in text and "### b\n\nNo surviving mutant." in text
