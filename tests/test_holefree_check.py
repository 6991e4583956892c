"""The checker for hole-free design claims (kronconv.verify.holefree): independent of the prover, refutes false claims."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kronconv.verify.holefree as chk
from kronconv.design.report import design


def test_checker_imports_only_the_checker_package() -> None:
    """The design-claim checker lives in the checker package: its imports are the standard library, SymPy
    (lazily), the checker's own modules and the error class -- nothing from the prover or the design code."""
    tree = ast.parse(Path(chk.__file__).read_text(encoding="utf-8"))
    rel = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                rel.add("." * node.level + (node.module or ""))
            else:
                assert not (node.module or "").startswith("kronconv"), node.module
        if isinstance(node, ast.Import):
            assert all(not a.name.startswith("kronconv") for a in node.names)
    assert rel == {"..errors", ".coqcite", ".core", ".steps", ".table"}


@given(st.integers(2, 4), st.integers(1, 3), st.integers(-2, 2))
def test_bound_claim_holds_only_for_k_to_the_L(k: int, L: int, delta: int) -> None:
    r = chk.check_claim({"kind": "hole-free-bound", "kernel": k, "layers": L, "max_rf": k**L + delta})
    assert r.verdict == ("holds" if delta == 0 else "refuted")
    if r.details.get("exhaustive_max") is not None:
        assert r.details["exhaustive_max"] == k**L


@pytest.mark.parametrize("claim", [
    {"kind": "hole-free-bound", "kernel": "k", "layers": "L", "max_rf": "k**L - 1"},
    {"kind": "hole-free-bound", "kernel": "k", "layers": "L", "max_rf": "(k - 1)*L + 1"},
    {"kind": "hole-free-bound", "kernel": "k", "layers": "L", "max_rf": "__import__('os')"},
    {"kind": "hole-free-bound", "kernel": 3, "layers": 2, "max_rf": 9, "extra": 1},
    {"kind": "unknown"},
    {"no": "kind"},
])
def test_false_or_malformed_claims_refuted(claim: dict) -> None:
    assert chk.check_claim(claim).verdict == "refuted"


def test_symbolic_bound_holds() -> None:
    r = chk.check_claim({"kind": "hole-free-bound", "kernel": "k", "layers": "L", "max_rf": "k**L"})
    assert r.verdict == "holds" and all(row[2] in (None, row[0] ** row[1]) for row in r.details["instances"])


@given(st.integers(2, 3), st.integers(1, 12), st.integers(1, 3),
       st.sampled_from(["layers", "params", "uniformity", "robust"]))
def test_every_small_design_claim_is_rechecked_exhaustively(k: int, R: int, N: int, obj: str) -> None:
    rep = design((k,), (R,), dims=1, max_layers=N, objective=obj)
    r = chk.check_claim(rep.optimality()["claim"])
    assert r.verdict == "holds", r.details
    assert r.method.startswith("exhaustive")


def test_large_space_falls_back_to_the_bound() -> None:
    rep = design((3,), (30,), dims=1, max_layers=4)
    r = chk.check_claim(rep.optimality()["claim"])
    assert r.verdict == "holds" and r.method.startswith("bound") and r.details["layers_lower_bound"] == 4
    bad = dict(rep.optimality()["claim"])
    bad["best"] = dict(bad["best"], dilations=[[1, 3, 9, 28]])  # has holes
    assert chk.check_claim(bad).verdict == "refuted"
