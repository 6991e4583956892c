"""Coq citations in certificates: every general step names the Coq theorem that proves it, and the checker
regenerates the citation from its own table, hashes the statement from the shipped .v files itself, and
rejects a forged citation with its own reason."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kronconv import coqref
from kronconv.theorems import prove
from kronconv.verify import coqcite, verify_dict
from kronconv.verify.core import content_hash

CLAIMS = [{"layers": 2}, {"layers": 2, "dims": 1}, {"layers": 2, "channels": 2, "dims": 1},
          {"layers": 2, "correlation": True, "origin": "centre", "dims": 1}, {"theorem": "receptive-field"},
          {"theorem": "dilation-lemma", "dims": 1}, {"layers": 3, "base": 2, "dims": 1},
          {"layers": 2, "nonlinearity": "relu", "dims": 1}]


def _all_steps(d: dict[str, Any]) -> list[dict[str, Any]]:
    return list(d["steps"]) + [s for r in d["related"] for s in _all_steps(r)]


def _rehash(d: dict[str, Any]) -> dict[str, Any]:
    for r in d["related"]:
        _rehash(r)
    d["hash"] = content_hash(d)
    return d


@pytest.fixture(scope="module")
def certs() -> dict[str, dict[str, Any]]:
    return {repr(kw): prove(**kw).to_dict() for kw in CLAIMS}


def test_general_steps_cite_coq_theorems_and_instance_steps_do_not(certs: dict[str, dict[str, Any]]) -> None:
    names = {t.name: t for t in coqref.MAIN_THEOREMS}
    cited = set()
    for d in certs.values():
        assert verify_dict(d).ok
        for s in _all_steps(d):
            if s["scope"] != "general":
                assert "coq" not in s
                continue
            if s["rule"] in coqref.UNCOVERED_STEPS:
                assert s["coq"] is None
                continue
            c = s["coq"]
            assert c["theorem"] in names and names[c["theorem"]].file == c["file"], s["id"]
            assert c["statement_sha256"] == coqref.statement_sha256(c["theorem"])
            cited.add(c["theorem"])
    # 1-D certificates cite the 1-D theorems, D-dimensional ones the theorems for every D
    assert {"cascade_kron", "conv_dilate_kron", "cascaden_kron", "cascade_ch_kron", "cascade_corr_kron",
            "centred_offset", "rf_plain", "rf_kronecker", "rf_geometric", "dconvn_dilate"} <= cited
    two_d = certs[repr({"layers": 2})]
    assert [s["coq"]["theorem"] for s in two_d["steps"] if s["scope"] == "general"] == [
        "dconvn_dilate", "dilaten_kron_selector", "convn_dilate_kron", "cascaden_kron", "cascaden_kron", "cascaden_kron"]


def test_checker_and_prover_hash_every_statement_alike() -> None:
    for t in coqref.MAIN_THEOREMS:
        assert coqcite.statements(t.file)[t.name] == coqref.statement_sha256(t.name)


def test_the_symbolic_certificate_says_what_coq_proves(certs: dict[str, dict[str, Any]]) -> None:
    claim = certs[repr({"layers": 2})]["certificate"][0]["claim"]
    assert "every D ≥ 1 (proved in Coq: cascaden_kron; instances checked here for D ≤ 3)" in claim
    assert "D ∈ {1, 2, 3}" not in claim


def _forge(d: dict[str, Any], edit: Any) -> list[str]:
    d = copy.deepcopy(d)
    edit(d)
    res = verify_dict(_rehash(d))
    assert not res.ok
    return res.reasons


@pytest.mark.parametrize("edit,reason", [
    (lambda c: c.update(theorem="cascade_kron_strong"),
     "proof.steps[2].coq: the shipped Multi.v declares no theorem 'cascade_kron_strong'"),
    (lambda c: c.update(statement_sha256="0" * 64),
     ("proof.steps[2].coq: statement hash 0000000000000000... of Multi.v: convn_dilate_kron differs from the "
      "shipped statement's")),
    (lambda c: c.update(file="Fake.v"), "proof.steps[2].coq: 'Fake.v' is not a file of the shipped Coq development"),
    (lambda c: c.update(file="../coqref.py"),
     "proof.steps[2].coq: '../coqref.py' is not a file of the shipped Coq development"),
    (lambda c: c.update(file="Signal.v", theorem="conv_dilate_kron",
                        statement_sha256=coqref.statement_sha256("conv_dilate_kron")),
     ("proof.steps[2].coq: cites Signal.v: conv_dilate_kron, but the step S3 (kronecker-lemma) is covered by "
      "Multi.v: convn_dilate_kron")),
    (lambda c: c.pop("theorem"), "proof.steps[2].coq: a citation must be null or an object with string fields"),
])
def test_a_forged_citation_is_rejected_with_its_reason(certs: dict[str, dict[str, Any]], edit: Any, reason: str) -> None:
    reasons = _forge(certs[repr({"layers": 2})], lambda d: edit(d["steps"][2]["coq"]))
    assert len(reasons) == 1 and reasons[0].startswith(reason), reasons


def test_a_missing_or_null_citation_is_rejected(certs: dict[str, dict[str, Any]]) -> None:
    d = certs[repr({"layers": 2})]
    assert _forge(d, lambda x: x["steps"][3].pop("coq")) == [
        ("proof.steps[3].coq: the general step S4 names no Coq theorem (field missing); the checker cites "
         "Multi.v: cascaden_kron")]
    assert _forge(d, lambda x: x["steps"][5].update(coq=None)) == [
        "proof.steps[5].coq: the certificate cites no Coq theorem, the checker cites Multi.v: cascaden_kron"]


def test_a_citation_where_coq_covers_nothing_is_rejected(certs: dict[str, dict[str, Any]]) -> None:
    d = certs[repr({"layers": 2, "nonlinearity": "relu", "dims": 1})]
    real = coqref.citation("induction-conclusion")
    assert _forge(d, lambda x: x["steps"][0].update(coq=real)) == [
        ("proof.steps[0].coq: cites Multi.v: cascaden_kron, but the step S1 (nonlinear-composition) is covered "
         "by no Coq theorem")]


def test_a_forged_citation_in_a_related_report_is_rejected(certs: dict[str, dict[str, Any]]) -> None:
    d = certs[repr({"layers": 2, "channels": 2, "dims": 1})]
    assert d["related"][0]["steps"][6]["rule"] == "channel-bilinearity"
    reasons = _forge(d, lambda x: x["related"][0]["steps"][6]["coq"].update(theorem="cascade_kron_prod"))
    assert reasons == ["proof.related[0].steps[6].coq: the shipped Channels.v declares no theorem 'cascade_kron_prod'"]


@given(st.text(alphabet="0123456789abcdef", min_size=64, max_size=64), st.integers(0, 5))
def test_any_other_statement_hash_is_rejected(digest: str, i: int) -> None:
    d = prove(layers=2, dims=1).to_dict()
    c = d["steps"][i]["coq"]
    if digest == c["statement_sha256"]:
        return
    reasons = _forge(d, lambda x: x["steps"][i]["coq"].update(statement_sha256=digest))
    assert reasons[0].startswith(f"proof.steps[{i}].coq: statement hash {digest[:16]}...")


def test_the_checker_reads_the_shipped_statements(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A development whose statement differs from the cited one makes an honest certificate fail."""
    d = prove(layers=2, dims=1).to_dict()
    src = tmp_path / "coq"
    shutil.copytree(coqref.COQ_DIR, src, ignore=shutil.ignore_patterns("*.vo*", "*.glob", ".*", "*.log"))
    path = src / "Cascade.v"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Theorem cascade_kron a L K F : (0 < a)%N ->",
                                 "Theorem cascade_kron a L K F : (1 < a)%N ->"), encoding="utf-8")
    monkeypatch.setattr(coqcite, "COQ_DIR", src)
    coqcite._hashes.cache_clear()
    try:
        res = verify_dict(d)
    finally:
        coqcite._hashes.cache_clear()
    assert not res.ok
    assert res.reasons[0].startswith("proof.steps[3].coq: statement hash ") and "Cascade.v: cascade_kron" in \
        res.reasons[0]


# --------------------------------------------------------------------------- kronconv verify --coq

needs_coqc = pytest.mark.skipif(coqref.coqc_path() is None,
                                reason="coqc not on PATH: install Coq 8.16+ with mathcomp to re-run the Coq layer")


def _write(tmp_path: Path, **kw: Any) -> str:
    import json

    p = tmp_path / "cert.json"
    p.write_text(json.dumps(prove(**kw).to_dict()), encoding="utf-8")
    return str(p)


def test_verify_coq_without_coqc_says_the_layer_was_not_rerun(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from kronconv.cli import main

    cert = _write(tmp_path, theorem="receptive-field")
    monkeypatch.setenv("PATH", str(tmp_path))  # no coqc here
    assert main(["verify", cert, "--coq"]) == 0
    out = capsys.readouterr().out
    assert "coq: the Coq layer was not re-run: coqc is not on PATH" in out
    assert main(["verify", cert, "--coq", "--format", "json"]) == 0
    coq = json.loads(capsys.readouterr().out)["coq"]
    assert coq["rerun"] is False and coq["ok"] is None
    assert coq["cited"] == ["rf_geometric", "rf_kronecker", "rf_plain"]


@needs_coqc
def test_verify_coq_recompiles_and_finds_every_cited_theorem_closed(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from kronconv.cli import main

    cert = _write(tmp_path, layers=2, dims=1, correlation=True)
    assert main(["verify", cert, "--coq"]) == 0
    out = capsys.readouterr().out
    assert "Print Assumptions is closed under the global context for all 6 cited theorem(s)" in out, out


@needs_coqc
def test_verify_coq_fails_when_a_cited_theorem_rests_on_an_axiom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import re

    from kronconv.cli import main

    src = tmp_path / "coq"
    shutil.copytree(coqref.COQ_DIR, src, ignore=shutil.ignore_patterns("*.vo*", "*.glob", ".*", "*.log"))
    path = src / "ReceptiveField.v"
    head = "Theorem rf_kronecker a L : 0 < a -> rf a (expn a) L = a ^ L.\nProof."
    text = path.read_text(encoding="utf-8")
    assert head in text
    forged = re.sub(re.escape(head) + r".*?Qed\.", "Axiom cheat : forall a L, 0 < a -> rf a (expn a) L = a ^ L.\n"
                    + head + " exact: cheat. Qed.", text, count=1, flags=re.DOTALL)
    path.write_text(forged, encoding="utf-8")
    monkeypatch.setattr(coqref, "COQ_DIR", src)
    # the statement is unchanged, so the citation still checks; only re-running Coq finds the axiom
    assert coqref.statement_sha256("rf_kronecker", src) == coqcite.statements("ReceptiveField.v")["rf_kronecker"]
    cert = _write(tmp_path, theorem="receptive-field")
    assert main(["verify", cert, "--coq"]) == 1
    out = capsys.readouterr().out
    assert "ok: " in out
    assert "coq: FAILED: Print Assumptions is not closed for cited theorem(s) rf_kronecker" in out, out


@needs_coqc
def test_the_coq_sumset_is_the_set_of_offsets_a_chain_reaches(tmp_path: Path) -> None:
    """HoleFree.sumset evaluated inside Coq equals the offsets {Σ t_i d_i : 0 ≤ t_i < k} computed here."""
    import itertools
    import random
    import re
    import subprocess

    coqref.build_development(tmp_path)
    rng = random.Random(11)
    cases = [(3, [1, 3, 9]), (3, [1, 2, 4]), (2, [1, 1, 2])]
    cases += [(rng.randint(1, 4), [rng.randint(1, 6) for _ in range(rng.randint(1, 3))]) for _ in range(5)]
    lines = ["From mathcomp Require Import ssreflect ssrnat seq.", "From Kronconv Require Import HoleFree."]
    lines += [f"Compute undup (sumset {k} [:: {'; '.join(map(str, ds))}])." for k, ds in cases]
    (tmp_path / "Tie.v").write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = subprocess.run([coqref.coqc_path() or "coqc", "-Q", ".", coqref.LOGICAL_ROOT, "Tie.v"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300, check=True)
    got = [sorted(int(x) for x in re.findall(r"\d+", m)) for m in re.findall(r"= \[::(.*?)\]", r.stdout, re.DOTALL)]
    want = [sorted({sum(t * d for t, d in zip(ts, ds)) for ts in itertools.product(range(k), repeat=len(ds))})
            for k, ds in cases]
    assert got == want
    assert len(want[0]) == 27 and len(want[1]) == 15  # 3^3 offsets for 1, 3, 9; overlaps for 1, 2, 4
