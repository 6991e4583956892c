"""Generated docs and certificates: no drift from the code, deterministic, checks that reject tampering.

The drift tests compare the *text* of the committed ``docs/`` pages and of every
file in ``proofs/`` with what the code generates now (PNG bytes are not compared,
but every PNG a page references must exist).  Regenerate with
``kronconv docs --out docs --proofs proofs``.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import kronconv.docs
from kronconv.cli import main
from kronconv.docs import (
    GENERATED_MARK,
    PAGES,
    DocsContext,
    Figure,
    build_docs,
    check_docs,
    page_names,
    render_figure,
)
from kronconv.docs._maths import exact_rank, rank_mod_p
from kronconv.docs.cli_reference import walk_commands
from kronconv.docs.dilation import padding_experiment_1d, padding_experiment_2d, tainted_outputs
from kronconv.docs.parameters import cascade_jacobian_rank, separable_jacobian_rank
from kronconv.proofs_build import CERTIFICATES, check_proofs, generate

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PROOFS = ROOT / "proofs"
REGENERATE = "regenerate with `kronconv docs --out docs --proofs proofs`"


_real_build_page = kronconv.docs.build_page


@cache
def _cached_page(name: str, reports_dir: str | None) -> object:
    return _real_build_page(name, DocsContext(reports_dir=Path(reports_dir) if reports_dir else None))


@pytest.fixture(autouse=True, scope="module")
def _build_each_page_once() -> Iterator[None]:
    """Page builders are pure: build each page once for the whole module (determinism is tested apart).

    Builds run in this process only (the cache does not reach a worker process; the parallel build is
    tested in test_parallel_build.py)."""
    mp = pytest.MonkeyPatch()
    mp.setattr(kronconv.docs, "build_page",
               lambda name, ctx=None: _cached_page(name, str(ctx.reports_dir) if ctx and ctx.reports_dir else None))
    mp.setattr(kronconv.docs, "default_jobs", lambda: 1)
    yield
    mp.undo()


def all_pages() -> dict[str, object]:
    return {name: kronconv.docs.build_page(name, DocsContext(reports_dir=DOCS / "reports")) for name in page_names()}


# --------------------------------------------------------------------------- drift


def test_committed_docs_text_matches_generated() -> None:
    drifts = check_docs(DOCS)
    assert not drifts, f"{REGENERATE}:\n" + "\n".join(f"{d.path}: {d.reason}\n{d.diff[:2000]}" for d in drifts)


def test_committed_proofs_match_generated() -> None:
    drifts = check_proofs(PROOFS)
    assert not drifts, f"{REGENERATE}:\n" + "\n".join(f"{d.path}: {d.reason}\n{d.diff[:2000]}" for d in drifts)


def test_every_referenced_png_exists_and_every_png_is_referenced() -> None:
    referenced = set()
    for md in DOCS.glob("*.md"):
        for path in re.findall(r"\]\((figures/[^)]+\.png)\)", md.read_text(encoding="utf-8")):
            assert (DOCS / path).is_file(), f"{md.name} references missing {path}"
            referenced.add(path)
    on_disk = {f"figures/{p.name}" for p in (DOCS / "figures").glob("*.png")}
    assert on_disk <= referenced, f"unreferenced figures: {sorted(on_disk - referenced)}"


def test_index_links_every_generated_page() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    assert not index.startswith(GENERATED_MARK)  # hand-written
    for name in page_names():
        assert f"]({name}.md)" in index, f"docs/index.md does not link {name}.md"


# --------------------------------------------------------------------------- determinism and the check


@pytest.mark.parametrize("name", ["dilated-convolution", "kronecker-kernels", "parameter-counts", "gridding",
                                  "translation-equivariance"])
def test_text_generation_is_deterministic(name: str) -> None:
    ctx = DocsContext(reports_dir=DOCS / "reports")
    first, second = PAGES[name](ctx), PAGES[name](ctx)  # fresh builds, no cache
    assert first.text == second.text == all_pages()[name].text  # type: ignore[attr-defined]


def test_build_docs_writes_exactly_the_page_text(tmp_path: Path) -> None:
    res = build_docs(tmp_path, ["receptive-fields", "parameter-counts"], figures=False)
    assert res.pages == ("receptive-fields.md", "parameter-counts.md") and res.figures == ()
    for name in res.pages:
        assert (tmp_path / name).read_text(encoding="utf-8") == all_pages()[name[:-3]].text  # type: ignore[attr-defined]


def test_png_rendering_is_deterministic(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="figures need the docs extra (matplotlib)")
    fig = all_pages()["receptive-fields"].figures[0]  # type: ignore[attr-defined]
    render_figure(fig, tmp_path / "a.png")
    render_figure(fig, tmp_path / "b.png")
    data = (tmp_path / "a.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data == (tmp_path / "b.png").read_bytes()
    assert b"Software" not in data


def test_check_reports_tampered_missing_and_stale_files(tmp_path: Path) -> None:
    out = tmp_path / "docs"
    reports = DOCS / "reports"
    build_docs(out, ["receptive-fields", "reports"], figures=False, reports_dir=reports)
    page = out / "receptive-fields.md"
    before = check_docs(out, ["receptive-fields"], reports_dir=reports)
    assert [d.path for d in before] == ["figures/receptive-field-vs-depth.png"]  # only the unrendered PNG
    page.write_text(page.read_text(encoding="utf-8").replace("67x67", "65x65"), encoding="utf-8")
    (out / "old-page.md").write_text(GENERATED_MARK + "\n# old\n", encoding="utf-8")
    drifts = {d.path: d for d in check_docs(out, reports_dir=reports)}
    assert "differs" in drifts["receptive-fields.md"].reason and "65x65" in drifts["receptive-fields.md"].diff
    assert drifts["old-page.md"].reason.startswith("stale")
    assert drifts["dilated-convolution.md"].reason == "missing"
    assert "figures/receptive-field-vs-depth.png" in drifts


def test_proof_check_rejects_tampered_and_stale_certificates(tmp_path: Path) -> None:
    shutil.copytree(PROOFS, tmp_path / "proofs")
    assert check_proofs(tmp_path / "proofs") == []
    cert = tmp_path / "proofs" / "cascade-2d-L3.json"
    cert.write_text(cert.read_text(encoding="utf-8").replace('"layers": 3', '"layers": 4', 1), encoding="utf-8")
    (tmp_path / "proofs" / "extra.json").write_text("{}", encoding="utf-8")
    (tmp_path / "proofs" / "refuted-relu.md").unlink()
    drifts = {d.path: d.reason for d in check_proofs(tmp_path / "proofs")}
    assert drifts == {"cascade-2d-L3.json": "differs from the generated certificate",
                      "extra.json": "stale: no certificate of that name is generated",
                      "refuted-relu.md": "missing"}


# --------------------------------------------------------------------------- kronconv verify on proofs/


@pytest.mark.parametrize("cert", [c.name for c in CERTIFICATES])
def test_verify_accepts_every_committed_certificate(cert: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = PROOFS / f"{cert}.json"
    assert main(["verify", str(path)]) == 0, capsys.readouterr().out
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["verdict"] == ("refuted" if cert.startswith("refuted-") else "proved")


@pytest.mark.parametrize("tamper", ["hash-kept", "verdict-flipped", "rehashed-claim"])
def test_verify_rejects_a_tampered_certificate(tamper: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from kronconv.proof import content_hash

    data = json.loads((PROOFS / "cascade-2d-L3.json").read_text(encoding="utf-8"))
    if tamper == "hash-kept":  # edit a claim, keep the old hash
        data["claim"]["dilations"] = [1, 2, 4]
    elif tamper == "verdict-flipped":  # a refuted claim relabelled as proved, hash recomputed
        data = json.loads((PROOFS / "refuted-dilation-base-2.json").read_text(encoding="utf-8"))
        data["proved"], data["verdict"] = True, "proved"
        for c in data["certificate"]:
            c["holds"] = True
        data["hash"] = content_hash(data)
    else:  # a false claim with a valid hash: the checker re-derives it and rejects
        data["claim"]["dilations"] = [1, 2, 4]
        data["hash"] = content_hash(data)
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(data, indent=2), encoding="utf-8")
    assert main(["verify", str(bad)]) == 1
    assert "rejected" in capsys.readouterr().out


# --------------------------------------------------------------------------- the CLI


def test_cli_docs_writes_pages_with_progress_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["docs", "--out", str(tmp_path), "--only", "docs", "--pages", "receptive-fields,cli-reference",
                 "--no-figures"])
    out, err = capsys.readouterr()
    assert code == 0 and "wrote 2 page(s)" in out
    assert "[1/2] receptive-fields.md" in err and "[2/2] cli-reference.md" in err
    assert (tmp_path / "receptive-fields.md").read_text(encoding="utf-8") == all_pages()["receptive-fields"].text  # type: ignore[attr-defined]
    assert main(["docs", "--out", str(tmp_path), "--only", "docs", "--pages", "receptive-fields", "--check",
                 "-q"]) == 1  # its PNG was not rendered
    assert "receptive-field-vs-depth.png" in capsys.readouterr().out


def test_cli_docs_check_passes_on_the_committed_tree(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["docs", "--check", "-q", "--out", str(DOCS), "--proofs", str(PROOFS), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["drift"] == []


def test_cli_docs_rejects_unknown_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", "--pages", "no-such-page", "--no-figures"]) == 2
    err = capsys.readouterr().err
    assert "no-such-page" in err and "receptive-fields" in err and "Traceback" not in err


# --------------------------------------------------------------------------- what the pages claim


def test_pages_are_github_markdown_with_balanced_maths() -> None:
    for name, page in all_pages().items():
        text = page.text  # type: ignore[attr-defined]
        assert text.startswith(GENERATED_MARK + "\n") and text.endswith("\n") and "\n\n\n" not in text
        blocks = [line for line in text.splitlines() if line.strip() == "$$"]
        assert len(blocks) % 2 == 0, name
        assert r"\begin{align" not in text, name
        inline = re.sub(r"\$\$.*?\$\$", "", text, flags=re.DOTALL)
        inline = re.sub(r"`[^`]*`", "", inline)
        assert inline.count("$") % 2 == 0, f"unbalanced $ in {name}"


def test_receptive_field_page_reproduces_yu_koltun_table_and_closed_forms() -> None:
    text = all_pages()["receptive-fields"].text  # type: ignore[attr-defined]
    assert "All rows match: **yes**" in text and "**all equal**" in text
    assert "| 7 | 3x3 | 1 | 67x67 | 67x67 | C | 32C | 32C | yes |" in text
    assert "r(i + 1) = 2^{i + 2} - 1" in text and "a^{L}" in text


def test_parameter_page_proves_every_degrees_of_freedom_count() -> None:
    text = all_pages()["parameter-counts"].text  # type: ignore[attr-defined]
    assert "All proved: **yes**" in text and "MISMATCH" not in text
    assert "| 27 | 729 | 27 | 25 | 54 | 53 |" in text  # N = 27, a = 3: Kronecker 27 numbers / 25 dof


def test_gridding_page_finds_the_known_holes() -> None:
    text = all_pages()["gridding"].text  # type: ignore[attr-defined]
    assert "| 2, 2, 2 | 13x13 | 120 | 49/169 |" in text
    assert "| 1, 3, 9 | 27x27 | 0 | 1/1 | 1 |" in text
    assert "| 1, 2, 9 | 25x25 | 184 |" in text and "-5, -4, 4, 5" in text


def test_equivariance_page_matches_theory_for_all_architectures() -> None:
    text = all_pages()["translation-equivariance"].text  # type: ignore[attr-defined]
    assert "| pooling |" in text and "| 0, 8, 16 | yes |" in text and "| NO |" not in text


def test_theorem_page_embeds_the_certificate_and_refutations() -> None:
    text = all_pages()["cascade-theorem"].text  # type: ignore[attr-defined]
    assert "**Verdict: PROVED**" in text and text.count("**refuted**") >= 6
    assert "Counterexample:" in text


def test_cli_reference_lists_every_command() -> None:
    from kronconv.cli import build_parser

    text = all_pages()["cli-reference"].text  # type: ignore[attr-defined]
    paths = [p for p, _, _ in walk_commands(build_parser())]
    assert "kronconv docs" in paths and "kronconv rf" in paths
    for p in paths:
        assert f"`{p}`" in text


def test_gpu_page_lists_committed_reports(tmp_path: Path) -> None:
    (tmp_path / "gpu-tests.md").write_text("# GPU tests on H100\n\nAll 12 passed.\n", encoding="utf-8")
    (tmp_path / "bench.json").write_text(json.dumps({"rows": [{"size": 64, "speedup": 3.5}]}), encoding="utf-8")
    text = PAGES["reports"](DocsContext(reports_dir=tmp_path)).text
    assert "[GPU tests on H100](reports/gpu-tests.md)" in text and "All 12 passed." in text
    assert "| 64 | 3.5 |" in text


# --------------------------------------------------------------------------- the helpers behind the pages


@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.integers(1, 6), st.integers(0, 5))
def test_rank_mod_p_equals_exact_rank_for_small_integer_matrices(seed: int, rows: int, cols: int, deps: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.integers(-5, 6, (rows, cols))
    for _ in range(deps):  # plant linear dependencies
        i, j = rng.integers(0, cols, 2)
        a[:, i] = a[:, j] * int(rng.integers(-2, 3))
    assert rank_mod_p(a) == exact_rank(a) == int(np.linalg.matrix_rank(a.astype(float)))


def test_same_padded_cascade_differs_exactly_where_reads_chain_through_truncated_samples() -> None:
    for band in (padding_experiment_1d(), padding_experiment_2d()):
        assert band.full_equal and band.valid_equal
        assert band.observed == band.predicted and band.predicted <= band.band
        assert band.predicted  # the border really differs
    # hand derivation (1-D, dilations 1, 2, 4, n = 40): left border outputs 1, 2, 3 and 5
    assert sorted(p for (p,) in tainted_outputs((40,), [1, 2, 4]) if p < 20) == [1, 2, 3, 5]


@pytest.mark.parametrize(("a", "layers"), [(2, 2), (3, 2), (3, 3)])
def test_kronecker_dof_is_stored_minus_scale_redundancies(a: int, layers: int) -> None:
    assert cascade_jacobian_rank(a, [a**l for l in range(layers)]) == layers * (a * a - 1) + 1


def test_separable_dof_is_r_times_2n_minus_r() -> None:
    assert separable_jacobian_rank(9, 1) == 17 and separable_jacobian_rank(9, 2) == 32


def test_proof_generation_is_deterministic_and_verifiable() -> None:
    a = generate(["cascade-1d-L2", "refuted-relu"])
    b = generate(["cascade-1d-L2", "refuted-relu"])
    assert a == b
    assert json.loads(a["refuted-relu.json"])["verdict"] == "refuted"


def test_render_figure_writes_png_without_metadata(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="figures need the docs extra (matplotlib)")

    def draw():  # type: ignore[no-untyped-def]
        from matplotlib.figure import Figure as MFigure

        fig = MFigure(figsize=(1, 1))
        fig.subplots().plot([0, 1], [0, 1])
        return fig

    render_figure(Figure("tiny", "tiny", draw), tmp_path / "figures" / "tiny.png")
    assert (tmp_path / "figures" / "tiny.png").stat().st_size > 100
    assert not list((tmp_path / "figures").glob(".*"))  # no temporary left behind


def test_figures_without_matplotlib_fail_cleanly_before_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    assert main(["docs", "--out", str(tmp_path / "d"), "--only", "docs", "--pages", "receptive-fields"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'kronconv[docs]'" in err and "--no-figures" in err
    assert not (tmp_path / "d").exists()  # nothing written half-way
    assert main(["docs", "--out", str(tmp_path / "d"), "--only", "docs", "--pages", "receptive-fields",
                 "--no-figures", "-q"]) == 0


def test_cli_docs_list_names_every_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", "--list", "--format", "json"]) == 0
    assert [p["page"] for p in json.loads(capsys.readouterr().out)["pages"]] == page_names()


def test_design_page_scores_the_famous_schedules() -> None:
    text = all_pages()["designing-dilation-schedules"].text  # type: ignore[attr-defined]
    assert "**Verdict: PROVED**" in text  # the k^L bound
    assert "| 5 | 1,3,9,27,81 | 243x243 | 45 | 1 | 1.000 |" in text  # field 100, 3x3: the mixed radix first
    assert "| ASPP 6,12,18 as a chain | 3 | 6,12,18 | 3 | 73 | no (60) |" in text
    assert "| 6,12,18 | 37 | 7 | 30 |" in text and "1,2,6; 1,3,6" in text
