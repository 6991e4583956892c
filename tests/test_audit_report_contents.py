"""What the equivariance audit report says: summary line, text and Markdown tables, JSON, and the figure.

The audit results here are built by hand, so every printed value is known in advance.
"""

from __future__ import annotations

import importlib.util
import json
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kronconv.audit_report import audit_summary, plot_audit, render_audit, short_number
from kronconv.checks import predict_equivariance
from kronconv.checks.audit import AuditResult, ExecutorAudit, ShiftAudit
from kronconv.netgraph import NetGraph, NetNode
from kronconv.spec import Conv, Pool

HAVE_MPL = importlib.util.find_spec("matplotlib") is not None


def _prediction(dims: int = 2) -> Any:
    g = NetGraph.build([NetNode("x", "input"), NetNode("c", "conv", ("x",), Conv(3, padding=1, dims=dims)),
                        NetNode("p", "pool", ("c",), Pool(2, dims=dims))], dims=dims)
    return predict_equivariance(g)


def _shift(s: tuple[int, ...], err: float, eq: bool, pred: bool, cons: float | None = 1.0) -> ShiftAudit:
    return ShiftAudit(s, err, err / 2, 10, cons, eq, pred)


def _result(executors: tuple[ExecutorAudit, ...], dims: int = 2, agreement: dict[str, float] | None = None,
            ) -> AuditResult:
    recs = [r for e in executors for r in e.shifts]
    agreement = agreement or {}
    return AuditResult("toy", "spec", "seeded", (1, 1) + (12,) * dims, 5, _prediction(dims), executors,
                       all(r.equivariant for r in recs), all(r.matches for r in recs), agreement,
                       {k: 3e-6 for k in agreement}, "a note")


def _axis_shifts(k: int, dims: int, ax: int) -> tuple[int, ...]:
    return tuple(k if a == ax else 0 for a in range(dims))


def _two_executor_result() -> AuditResult:
    np_shifts = tuple(_shift(_axis_shifts(k, 2, ax), 0.0 if k % 2 == 0 else 0.25, k % 2 == 0, k % 2 == 0)
                      for ax in range(2) for k in (1, 2, 3))
    t_shifts = tuple(_shift(_axis_shifts(k, 2, ax), 1e-7 if k % 2 == 0 else 0.5, k % 2 == 0, k % 2 == 0, None)
                     for ax in range(2) for k in (1, 2, 3))
    heat = np.arange(12.0).reshape(3, 4)
    return _result((ExecutorAudit("numpy", "float64", 1.5e-15, 0.0, np_shifts, "derived", heat),
                    ExecutorAudit("torch", "float64", 2e-6, 1e-7, t_shifts, "measured", None)),
                   agreement={"torch": 1.25e-7})


# --------------------------------------------------------------------------- summary line


def test_short_number_forms() -> None:
    assert [short_number(v) for v in (None, float("inf"), 0.000123456, 2.0, 12345.0, 7, "x")] == \
        ["-", "inf", "0.000123", "2", "1.23e+04", "7", "x"]


@pytest.mark.parametrize("n_bad,listed,dots", [(8, "1; 2; 3; 4; 5; 6; 7; 8", False),
                                                (9, "1; 2; 3; 4; 5; 6; 7; 8", True),
                                                (1, "1", False)])
def test_summary_lists_at_most_eight_failing_shifts(n_bad: int, listed: str, dots: bool) -> None:
    recs = tuple(_shift((k,), 1.0, False, False) for k in range(1, n_bad + 1))
    r = _result((ExecutorAudit("numpy", "float64", 1e-15, 0.0, recs),), dims=1)
    assert audit_summary(r) == (f"equivariance audit of toy: NOT equivariant at shift(s) {listed}"
                                f"{' ...' if dots else ''} - as predicted (lattice 2)")


def test_summary_of_an_equivariant_run_and_of_a_wrong_prediction() -> None:
    ok = _result((ExecutorAudit("numpy", "float64", 1e-15, 0.0, (_shift((2,), 0.0, True, True),)),), dims=1)
    assert audit_summary(ok) == "equivariance audit of toy: equivariant at every tested shift - as predicted (lattice 2)"
    recs = tuple(_shift((k,), 0.0, True, False) for k in range(1, 12, 2))  # equivariant where not predicted
    wrong = _result((ExecutorAudit("numpy", "float64", 1e-15, 0.0, recs),), dims=1)
    assert audit_summary(wrong) == ("equivariance audit of toy: equivariant at every tested shift - NOT as "
                                    "predicted (lattice 2) at shift(s) 1; 11; 3; 5; 7; 9")


def test_summary_lists_at_most_eight_shifts_against_the_prediction() -> None:
    recs = tuple(_shift((k,), 0.0, True, False) for k in range(1, 18, 2))  # nine shifts, none predicted
    r = _result((ExecutorAudit("numpy", "float64", 1e-15, 0.0, recs + (_shift((2,), 0.0, True, True),)),), dims=1)
    assert audit_summary(r).endswith("NOT as predicted (lattice 2) at shift(s) 1; 11; 13; 15; 17; 3; 5; 7")


# --------------------------------------------------------------------------- text, Markdown, JSON


def test_text_report_rows_and_agreement() -> None:
    out = render_audit(_two_executor_result(), "text")
    lines = out.splitlines()
    assert lines[0] == audit_summary(_two_executor_result())
    assert lines[0].startswith("equivariance audit of toy: NOT equivariant at shift(s) 0,1; 0,3; 1,0; 3,0 - ")
    assert lines[1] == ("spec model, weights seeded, input 1x1x12x12, seed 5; output stride 2x2, border "
                        "[[1, 2], [1, 2]]")  # conv 3 with padding 1, then a 2-wide pool
    rows = [ln.split() for ln in lines if ln.split()[:1] in (["numpy"], ["torch"])]
    assert rows[0] == ["numpy", "1,0", "0.25", "0.125", "1.5e-15", "1", "no", "no", "yes"]
    assert rows[1] == ["numpy", "2,0", "0", "0", "1.5e-15", "1", "yes", "yes", "yes"]
    assert rows[6] == ["torch", "1,0", "0.5", "0.25", "2e-06", "-", "no", "no", "yes"]
    assert len(rows) == 12
    assert "executors agree: torch vs numpy: 1.25e-07 (tolerance 3e-06)" in lines
    assert lines[-1] == "note: a note"


def test_markdown_report_has_a_pipe_table_and_the_agreement() -> None:
    r = _two_executor_result()
    out = render_audit(r, "md")
    assert out.startswith(f"**{audit_summary(r)}**\n\nspec model, weights seeded, input 1x1x12x12")
    assert "ops that break equivariance:\n\n  p (pool): " in out
    assert ("| executor | shift | max error | mean error | tolerance | consistency | equivariant | predicted | "
            "as predicted |") in out
    assert "| numpy | 3,0 | 0.25 | 0.125 | 1.5e-15 | 1 | no | no | yes |" in out
    assert "| torch | 0,2 | 1e-07 | 5e-08 | 2e-06 | - | yes | yes | yes |" in out
    assert "\n\nexecutors agree: torch vs numpy: 1.25e-07 (tolerance 3e-06)\n\na note" in out
    assert out.endswith("\n\na note")


def test_single_executor_reports_say_nothing_about_agreement() -> None:
    r = _result((ExecutorAudit("numpy", "float64", 1e-15, 0.0, (_shift((1, 0), 0.0, True, False),)),))
    md, text = render_audit(r, "md"), render_audit(r, "text")
    assert "executors agree" not in md and "executors agree" not in text
    assert "| numpy | 1,0 | 0 | 0 | 1e-15 | 1 | yes | no | NO |" in md
    assert ["numpy", "1,0", "0", "0", "1e-15", "1", "yes", "no", "NO"] in [ln.split() for ln in text.splitlines()]


def test_json_report_is_the_results_dictionary() -> None:
    r = _two_executor_result()
    d = json.loads(render_audit(r, "json"))
    assert d["check"] == "equivariance-audit" and d["verdicts"] == {"equivariant": False, "as_predicted": True}
    assert [s["max_error"] for s in d["executors"][1]["shifts"]] == [0.5, 1e-07, 0.5] * 2
    assert d["agreement"] == {"torch": 1.25e-7} and d["agreement_tolerance"] == {"torch": 3e-6}


# --------------------------------------------------------------------------- the figure


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The figures ``plot_audit`` closes, kept for inspection."""
    if not HAVE_MPL:
        pytest.skip("matplotlib is not installed")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs: list[Any] = []
    real_close = plt.close

    def keep(fig: Any = None) -> None:
        figs.append(fig)

    monkeypatch.setattr(plt, "close", keep)
    yield figs
    for f in figs:
        real_close(f)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_figure_curves_lattice_marks_and_heat_map(captured: list[Any], tmp_path: Path) -> None:
    r = _two_executor_result()
    target = tmp_path / "audit.png"
    plot_audit(r, target)
    assert _png_size(target) == (1100, 396)  # 10 x 3.6 inches at 110 dpi
    (fig,) = captured
    left, right = fig.axes[0], fig.axes[1]
    curves = {ln.get_label(): ln for ln in left.get_lines() if not ln.get_label().startswith("_")}
    assert sorted(curves) == ["numpy, axis 0", "numpy, axis 1", "torch, axis 0", "torch, axis 1"]
    # axis-d curves plot only the shifts along d (the others are 0 there); zero errors are floored at 1e-18
    assert list(curves["numpy, axis 0"].get_xdata()) == [1, 2, 3]
    assert list(curves["numpy, axis 1"].get_ydata()) == [0.25, 1e-18, 0.25]
    assert list(curves["torch, axis 1"].get_ydata()) == [0.5, 1e-7, 0.5]
    others = [ln for ln in left.get_lines() if ln.get_label().startswith("_")]
    hlines = sorted(ln.get_ydata()[0] for ln in others if ln.get_ydata()[0] == ln.get_ydata()[1]
                    and ln.get_xdata()[0] != ln.get_xdata()[1])
    assert hlines == [1.5e-15, 2e-6]  # one tolerance line per executor
    vlines = sorted(ln.get_xdata()[0] for ln in others if ln.get_xdata()[0] == ln.get_xdata()[1]
                    and ln.get_ydata()[0] != ln.get_ydata()[1])
    # lattice 2 on each axis; the tested shifts per axis are {0, 1, 2, 3}: 0 and 2 are on the lattice
    assert vlines == [0, 0, 2, 2]
    bands = [ln for ln in others if ln.get_xdata()[0] == ln.get_xdata()[1] and ln.get_ydata()[0] != ln.get_ydata()[1]]
    assert {(ln.get_linewidth(), ln.get_alpha(), ln.get_color()) for ln in bands} == {(3, 0.25, "tab:green")}
    (img,) = right.get_images()
    assert np.array_equal(img.get_array(), np.arange(12.0).reshape(3, 4))
    assert right.get_title() == "where the deviation lives (numpy, worst shift)"
    assert left.get_xlabel() == "shift (input pixels); green: predicted lattice"
    assert left.get_position().x0 < 0.1  # tight layout: the default subplot margin is 0.125


@pytest.mark.parametrize("heat,expect", [
    (np.array([1.0, 3.0, 2.0]), np.array([[1.0, 3.0, 2.0]])),
    (np.arange(8.0).reshape(2, 2, 2), np.array([[1.0, 3.0], [5.0, 7.0]])),
])
def test_heat_map_of_one_and_three_axes(heat: np.ndarray, expect: np.ndarray, captured: list[Any],
                                        tmp_path: Path) -> None:
    dims = heat.ndim
    recs = (_shift(_axis_shifts(1, dims, 0), 0.5, False, False),)
    r = _result((ExecutorAudit("numpy", "float64", 1e-15, 0.0, recs, "derived", heat),), dims=dims)
    plot_audit(r, tmp_path / "a.png")
    (img,) = captured[0].axes[1].get_images()
    assert np.array_equal(img.get_array(), expect)
    assert sorted(ln.get_label() for ln in captured[0].axes[0].get_lines() if not ln.get_label().startswith("_")) \
        == [f"numpy, axis {d}" for d in range(dims)]


def test_no_heat_map_without_one_and_other_formats(captured: list[Any], tmp_path: Path) -> None:
    recs = (_shift((1, 0), 0.5, False, False),)
    r = _result((ExecutorAudit("torch", "float64", 1e-6, 1e-7, recs, "measured", None),))
    plot_audit(r, tmp_path / "a.svg")
    assert captured[0].axes[1].get_images() == []
    assert b"<svg" in (tmp_path / "a.svg").read_bytes()[:2000]
    plot_audit(r, tmp_path / "a.pdf")
    assert (tmp_path / "a.pdf").read_bytes()[:5] == b"%PDF-"
