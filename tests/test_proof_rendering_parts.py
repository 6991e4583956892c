"""The parts of a rendered proof a reader relies on: the heading bars of a theorem and of its related
results, the Coq line of a general step, the SymPy obligations in LaTeX, and evidence values shortened
only when they do not fit."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from kronconv.proof import Certificate, Obligation, Proof, Step, render_proof

n = sp.Symbol("n", integer=True, positive=True)
EQ = Obligation("equal", sp.Eq(n * (n + 1), n**2 + n, evaluate=False), "expand")


def _proof(theorem: str = "demo", evidence: dict[str, object] | None = None,
           related: tuple[Proof, ...] = ()) -> Proof:
    steps = (Step("S1", "n(n+1) = n^2 + n", "algebra", (), "general", (EQ,)),
             Step("S2", "instance", "exact", ("S1",), "instance"))
    cert = Certificate("symbolic", "n(n+1) = n^2 + n", "SymPy expand", True, evidence or {})
    return Proof(theorem, f"{theorem} statement", {"theorem": theorem}, (), steps, (cert,), True, related)


def test_the_main_theorem_is_framed_by_double_bars_and_a_related_result_by_single_bars() -> None:
    text = render_proof(_proof("main", related=(_proof("side"),))).splitlines()
    main = text.index("Theorem (main): main statement")
    side = text.index("Theorem (side): side statement")
    assert text[main - 1] == text[main + 2] == "=" * 78
    assert text[side - 1] == text[side + 2] == "-" * 78


@pytest.mark.parametrize("fmt", ["text", "md", "latex"])
def test_a_general_step_names_its_coq_coverage_and_an_instance_step_does_not(fmt: str) -> None:
    out = render_proof(_proof(), fmt)
    assert out.count("Coq: not covered by a Coq theorem") == 1  # S1 only (general); S2 is an instance step


def test_a_cited_coq_theorem_is_named_in_the_text() -> None:
    coq = {"file": "Multi.v", "theorem": "cascade_kron", "statement_sha256": "0123456789abcdef" * 4}
    steps = (Step("S1", "c", "r", (), "general", (), {}, coq),)
    p = Proof("t", "s", {"theorem": "t"}, (), steps, (), True)
    assert "      Coq: Multi.v: cascade_kron (statement sha256 0123456789ab...)" in render_proof(p).splitlines()


def test_latex_lists_each_obligation_as_mathematics() -> None:
    out = render_proof(_proof(), "latex")
    assert r"\\ SymPy equal: $" + sp.latex(EQ.expr) + "$" in out.splitlines()
    assert sp.latex(EQ.expr) == r"n \left(n + 1\right) = n^{2} + n"


@given(st.integers(140, 180), st.sampled_from(["text", "md"]))
def test_evidence_is_shortened_only_when_longer_than_160_characters(length: int, fmt: str) -> None:
    value = "".join("abcdefghij"[i % 10] for i in range(length))
    out = render_proof(_proof(evidence={"ev": value}), fmt)
    (line,) = [ln for ln in out.splitlines() if "ev: " in ln]
    shown = line.split("ev: ", 1)[1].rstrip("`")
    assert len(shown) <= 160
    if length <= 160:
        assert shown == value
    else:
        assert shown.endswith("...") and value.startswith(shown[:-3]) and len(shown) == 160
