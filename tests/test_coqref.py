"""The Coq development as kronconv sees it: theorem list, citation hashes, and the coqc check."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from kronconv import coqref
from kronconv.errors import InvalidArgument

needs_coqc = pytest.mark.skipif(coqref.coqc_path() is None,
                                reason="coqc not on PATH: install Coq 8.16+ with mathcomp to re-check the development")


def test_main_theorem_list_matches_the_theorems_declared_in_the_v_files() -> None:
    listed = [(t.file, t.name) for t in coqref.MAIN_THEOREMS]
    assert sorted(listed) == sorted(coqref.declared_theorems())
    assert len({t.name for t in coqref.MAIN_THEOREMS}) == len(listed)


def test_the_makefile_compiles_exactly_the_files_of_coqproject() -> None:
    names = [p.name for p in coqref.source_files()]
    on_disk = sorted(p.name for p in coqref.COQ_DIR.glob("*.v") if p.name != "Assumptions.v")
    assert sorted(names) == on_disk
    assert "_CoqProject" in (coqref.COQ_DIR / "Makefile").read_text(encoding="utf-8")


def test_no_unfinished_proof_or_axiom_in_the_sources() -> None:
    forbidden = re.compile(r"\b(Admitted|admit|Axiom|Axioms|Parameter|Conjecture|Hypothesis)\b")
    for path in coqref.source_files():
        text = path.read_text(encoding="utf-8")
        assert not forbidden.search(text), f"{path.name}: {forbidden.search(text)}"


def test_statement_hash_ignores_proofs_and_comments_but_not_statements(tmp_path: Path) -> None:
    src = tmp_path / "coq"
    shutil.copytree(coqref.COQ_DIR, src, ignore=shutil.ignore_patterns("*.vo*", "*.glob", ".*"))
    before = {t.name: coqref.statement_sha256(t.name, src) for t in coqref.MAIN_THEOREMS}
    assert before == {t.name: coqref.statement_sha256(t.name) for t in coqref.MAIN_THEOREMS}
    path = src / "Cascade.v"
    text = path.read_text(encoding="utf-8")
    # a different proof script and a new comment: the citation hash stays
    proof_edit = text.replace("move=> a_gt0 hK t.", "move=> a_gt0 hK t. (* reworded *)", 1)
    assert proof_edit != text
    path.write_text(proof_edit.replace("(* Cascade theorem (kronconv", "(* edited comment *)\n(* Cascade theorem (kronconv"),
                    encoding="utf-8")
    assert coqref.statement_sha256("cascade_kron", src) == before["cascade_kron"]
    # a weaker statement: the hash changes, and only for that theorem
    path.write_text(text.replace("Theorem cascade_kron a L K F : (0 < a)%N ->",
                                 "Theorem cascade_kron a L K F : (1 < a)%N ->"), encoding="utf-8")
    after = {t.name: coqref.statement_sha256(t.name, src) for t in coqref.MAIN_THEOREMS}
    assert [n for n in after if after[n] != before[n]] == ["cascade_kron"]


def test_statement_text_is_the_statement_as_written() -> None:
    s = coqref.statement_text("cascaden_kron")
    assert s.startswith("Theorem cascaden_kron a D L (K : nat -> arr) F t : (0 < a)%N ->")
    assert s.endswith("cascaden (expn a) L K F t = convn t (kron_kerneln (expn a) L K) F.")
    with pytest.raises(InvalidArgument, match="no main Coq theorem named 'nope'"):
        coqref.statement_sha256("nope")


@needs_coqc
def test_check_with_coqc_finds_every_main_theorem_closed() -> None:
    r = coqref.check_with_coqc()
    assert r.ok and r.compiled, r.message
    assert set(r.closed) == {t.name for t in coqref.MAIN_THEOREMS} and r.not_closed == ()
    assert r.checks["cascade_kron"].startswith("cascade_kron : forall")
    assert "Coq" in r.version or "coq" in r.version.lower()


@needs_coqc
def test_check_with_coqc_reports_a_theorem_resting_on_an_axiom(tmp_path: Path) -> None:
    src = tmp_path / "coq"
    shutil.copytree(coqref.COQ_DIR, src, ignore=shutil.ignore_patterns("*.vo*", "*.glob", ".*"))
    path = src / "ReceptiveField.v"
    text = path.read_text(encoding="utf-8")
    old = "Proof. by rewrite /rf big_ord_recr addnA. Qed."
    assert text.count(old) == 1
    path.write_text(text.replace(old, "Proof. Admitted."), encoding="utf-8")
    r = coqref.check_with_coqc(root=src)
    assert not r.ok and r.compiled
    # rfS is used by the minimality theorem only
    assert r.not_closed == ("layers_for_minimal",), r.not_closed
    assert "layers_for_minimal" in r.message


@needs_coqc
def test_check_with_coqc_reports_a_file_that_does_not_compile(tmp_path: Path) -> None:
    src = tmp_path / "coq"
    shutil.copytree(coqref.COQ_DIR, src, ignore=shutil.ignore_patterns("*.vo*", "*.glob", ".*"))
    path = src / "Multi.v"
    path.write_text(path.read_text(encoding="utf-8").replace("first by rewrite convn_selectorn.", "first by []."),
                    encoding="utf-8")
    r = coqref.check_with_coqc(root=src)
    assert not r.ok and not r.compiled
    assert "coqc failed on Multi.v" in r.message


needs_make = pytest.mark.skipif(coqref.coqc_path() is None or shutil.which("make") is None,
                                reason="coqc or make not on PATH: the Makefile checks need both")


def _copy(tmp_path: Path) -> Path:
    src = tmp_path / "coq"
    shutil.copytree(coqref.COQ_DIR, src, ignore=shutil.ignore_patterns("*.vo*", "*.glob", ".*", "*.log"))
    return src


@needs_make
@pytest.mark.parametrize("line", ["Axiom cheat : False.", "Lemma cheat : False. Proof. admit. Admitted."])
def test_make_refuses_an_axiom_or_an_unfinished_proof(tmp_path: Path, line: str) -> None:
    import subprocess

    src = _copy(tmp_path)
    path = src / "Signal.v"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")
    r = subprocess.run(["make", "-C", str(src), "noadmit"], check=False, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "forbidden command" in r.stdout + r.stderr


@needs_make
def test_make_fails_when_a_main_theorem_is_not_closed(tmp_path: Path) -> None:
    import subprocess

    src = _copy(tmp_path)
    path = src / "ReceptiveField.v"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Proof. by rewrite /rf big_ord_recr addnA. Qed.", "Proof. Admitted."),
                    encoding="utf-8")
    # past the textual guard: the Print Assumptions check alone must catch it
    r = subprocess.run(["make", "-C", str(src), "assumptions"], check=False, capture_output=True, text=True, timeout=600)
    assert r.returncode != 0
    n = len(coqref.MAIN_THEOREMS)
    assert f"error: {n - 1} of {n} main theorems are closed under the global context" in r.stdout + r.stderr


def test_package_data_ships_every_file_the_check_needs() -> None:
    import fnmatch
    import tomllib

    root = Path(__file__).resolve().parents[1]
    patterns = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"]["kronconv"]
    needed = [p.relative_to(coqref.COQ_DIR.parent).as_posix()
              for p in [*coqref.source_files(), coqref.COQ_DIR / "_CoqProject", coqref.COQ_DIR / "Makefile"]]
    for path in needed:
        assert any(fnmatch.fnmatch(path, pat) for pat in patterns), f"{path} is not package data"
    assert (root / "proofs" / "coq").resolve() == coqref.COQ_DIR
