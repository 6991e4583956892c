"""``kronconv design`` on the command line: exit codes, one-line errors, JSON values, --plot, --out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kronconv.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(["design", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_json_values(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "--rf", "9", "--kernel", "3", "--dims", "1", "--max-layers", "2", "--format", "json")
    d = json.loads(out)
    assert rc == 0
    assert d["best"]["dilations"] == [1, 3] and d["best"]["receptive_field"] == [9]
    assert d["front_size"] == 1 and d["nodes_visited"] == d["nodes_estimated"] == 2  # (1) and (1,3); (1,1), (1,2) cut by P4
    assert [r["id"] for r in d["optimality"]["pruning_rules"]] == ["P1", "P2", "P3", "P4"]
    assert d["optimality"]["claim"]["best"]["dilations"] == [[1, 3]]
    assert d["hdc_disagreements"] == []


def test_include_and_repair_json(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "--kernel", "3", "--dims", "1", "--include", "1,2,5 x2", "2,3,9",
                     "--repair", "6,12,18", "--format", "json")
    d = json.loads(out)
    assert rc == 0 and "front" not in d
    assert [i["dilations"] for i in d["includes"]] == [[1, 2, 5, 1, 2, 5], [2, 3, 9]]
    assert [i["hole_free"] for i in d["includes"]] == [True, False]
    poly = np.ones(1, dtype=np.int64)
    for dil in (1, 2, 5, 1, 2, 5):
        tap = np.zeros(2 * dil + 1, dtype=np.int64)
        tap[::dil] = 1
        poly = np.convolve(poly, tap)
    assert d["includes"][0]["receptive_field"] == [len(poly)] == [33]
    assert d["includes"][0]["max_paths"] == int(poly.max())
    assert d["includes"][0]["single_path_positions"] == int((poly == 1).sum())
    assert d["includes"][0]["best_same_depth"]["dilations"] == [1, 3, 9, 27, 81, 243]
    assert d["repair"]["changed_layers"] == 2 and [r["dilations"] for r in d["repair"]["repairs"]] == [[1, 2, 6], [1, 3, 6]]
    # the rule applied to the whole repeated chain rejects the hole-free 1,2,5,1,2,5 (M_2 = 5 > 3) and
    # accepts 2,3,9, which has holes (it never looks at r_1)
    assert [(x["dilations"], x["hole_free"], x["hdc_satisfied"]) for x in d["hdc_disagreements"]] == [
        ([1, 2, 5, 1, 2, 5], True, False), ([2, 3, 9], False, True)]


@pytest.mark.parametrize("argv, needle", [
    (["--rf", "10", "--kernel", "1"], "--kernel"),
    (["--rf", "0", "--kernel", "3"], "--rf"),
    (["--rf", "10", "--kernel", "3", "--include", "1,2,...,8"], "three terms"),
    (["--rf", "10", "--kernel", "3", "--include", "2**l"], "B**l"),
    (["--rf", "10", "--kernel", "3", "--objective", "fast"], "--objective"),
    (["--rf", "30000", "--kernel", "3", "--max-layers", "12"], "MAX_NODES"),
    (["--kernel", "3"], "nothing to do"),
    (["--rf", "10,10", "--kernel", "3", "--dims", "3"], "one per axis"),
])
def test_bad_input_exit_2_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], needle: str) -> None:
    with pytest.raises(SystemExit) as exc:
        rc = main(["design", *argv])
        raise SystemExit(rc)
    _, err = capsys.readouterr()
    assert exc.value.code == 2
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_nothing_found_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "--rf", "100", "--kernel", "3", "--max-layers", "3", "--format", "json")
    d = json.loads(out)
    assert rc == 1 and d["front_size"] == 0 and d["best"] is None


def test_text_md_and_plot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="--plot needs matplotlib")
    png = tmp_path / "maps.png"
    rc, out, _ = run(capsys, "--rf", "20", "--kernel", "3", "--max-layers", "3", "--plot", str(png), "--format", "md")
    assert rc == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| 3 | 1,3,9 | 27x27 | yes |" in out and "optimal within the stated search space" in out
    rc, out, _ = run(capsys, "--rf", "20", "--kernel", "3", "--max-layers", "3")
    assert rc == 0 and "P3:" in out and "Scope:" in out


def test_progress_bar_only_for_long_searches(capsys: pytest.CaptureFixture[str]) -> None:
    from kronconv.commands.design import BAR_MIN_NODES, _Bar

    bar = _Bar()
    bar(10, BAR_MIN_NODES - 1)
    assert capsys.readouterr().err == ""
    bar(BAR_MIN_NODES // 2, BAR_MIN_NODES)
    bar(BAR_MIN_NODES, BAR_MIN_NODES)
    err = capsys.readouterr().err
    assert " 50%" in err and "100%" in err and err.endswith("\n")
    # not a terminal (captured): no bar at all, even on a search of several thousand nodes
    rc, _, err = run(capsys, "--rf", "27", "--kernel", "3", "--max-layers", "5", "--format", "json")
    assert rc == 0 and err == ""


def test_per_axis_kernels_markdown_table_is_well_formed(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "--rf", "10,20", "--kernel", "3,5", "--max-layers", "3", "--top", "3", "--format", "md")
    rows = [line for line in out.splitlines() if line.startswith("| 3 |")]
    assert rc == 0 and rows[0].startswith("| 3 | 1,3,9 / 1,5,25 | 27x125 | yes | 45 | 1 | 1.0000 |")
    assert all(r.count("|") == rows[0].count("|") for r in rows)
