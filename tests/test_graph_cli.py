"""``kronconv graph``: output formats, JSON keys, exit codes 0/1/2, export, plot, graph specs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import networkx as nx
import pytest

from kronconv.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_carries_the_required_keys_and_exits_0_without_holes(capsys):
    code, out, _ = run(capsys, "graph", "--preset", "yu-koltun-basic", "--format", "json")
    d = json.loads(out)
    assert code == 0
    assert d["receptive_field"] == 67 and d["holes"] == 0 and d["coverage"] == 1.0
    assert d["max_paths"] == 2916 and d["total_paths"] == 9**7
    assert d["bbox"] == [[-33, 33], [-33, 33]] and d["agrees_with_formula"] is True
    assert d["numeric_check"]["agrees"] is True and d["hdc_rule"]["satisfied"] is True
    for key in ("centre_paths", "spread", "mean", "spread_uniform", "single_path", "hole_positions"):
        assert key in d


def test_gridding_schedule_exits_1_and_lists_holes(capsys):
    code, out, _ = run(capsys, "graph", "--kernel", "3", "--dilations", "2,2,2", "--dims", "1", "--format", "json")
    d = json.loads(out)
    assert code == 1
    assert d["holes"] == 6 and d["hole_positions"] == [[1], [3], [5], [7], [9], [11]]
    assert d["coverage"] == pytest.approx(7 / 13, abs=0) and d["coverage_exact"] == "7/13"
    assert d["hdc_rule"]["no_common_factor"] is False and d["hdc_rule"]["agrees_with_graph"] is True


def test_kronecker_preset_text_reports_one_path_per_position(capsys):
    code, out, _ = run(capsys, "graph", "--preset", "kronecker:a=3,layers=3")
    assert code == 0
    assert "receptive field              27x27" in out
    assert "one path per position        yes" in out and "numeric cross-check          agrees" in out


def test_hdc_disagreement_is_shown(capsys):
    code, out, _ = run(capsys, "graph", "--kernel", "3", "--dilations", "1,3,1", "--dims", "1")
    assert code == 0 and "violated; the graph finds no holes (DISAGREES)" in out


@pytest.mark.parametrize("fmt, marker", [("md", "| quantity | value |"), ("latex", r"\begin{tabular}")])
def test_markdown_and_latex(capsys, fmt, marker):
    code, out, _ = run(capsys, "graph", "--kernel", "3", "--dilations", "1,2", "--format", fmt)
    assert code == 0 and marker in out


def test_window_input_size_and_padding_mode(capsys):
    code, out, _ = run(capsys, "graph", "--kernel", "3", "--layers", "2", "--paddings", "1", "--dims", "1",
                       "--input-size", "3", "--unit", "0", "--padding-mode", "zeros", "--format", "json")
    d = json.loads(out)
    assert code == 0 and d["receptive_field"] == 3 and d["total_paths"] == 5 and d["agrees_with_formula"] is None
    code, out, _ = run(capsys, "graph", "--kernel", "3", "--strides", "2", "--layers", "2", "--dims", "1",
                       "--window", "3", "--format", "json")
    assert json.loads(out)["receptive_field"] == 15


def test_resnet_block_spec_prints_nodes_and_exits_0(capsys):
    code, out, _ = run(capsys, "graph", str(EXAMPLES / "resnet-block.toml"))
    assert code == 0
    assert "merges aligned               yes" in out and "shortcut" in out and "eff. padding" in out


def test_aspp_head_spec_has_holes_and_exits_1(capsys):
    code, out, _ = run(capsys, "graph", str(EXAMPLES / "aspp-head.toml"), "--format", "json")
    d = json.loads(out)
    assert code == 1 and d["kind"] == "graph" and d["aligned"] is True
    assert d["receptive_field"] == 37 and d["holes"] == 37 * 37 - 25 and d["max_paths"] == 4
    assert {n["id"] for n in d["nodes"]} >= {"b_d6", "cat", "project"}


def test_misaligned_graph_spec_exits_1(capsys, tmp_path):
    spec = tmp_path / "bad.json"
    spec.write_text(json.dumps({"dims": 1, "nodes": [
        {"id": "x", "op": "input"},
        {"id": "a", "op": "conv", "inputs": ["x"], "kernel": 3},
        {"id": "b", "op": "conv", "inputs": ["x"], "kernel": 3, "padding": 1},
        {"id": "s", "op": "add", "inputs": ["a", "b"]}]}))
    code, out, _ = run(capsys, "graph", str(spec))
    assert code == 1 and "misaligned: s: input 'b' is centred -1 px from 'a'" in out
    code, out, _ = run(capsys, "graph", str(spec), "--format", "json")
    d = json.loads(out)
    assert d["aligned"] is False and d["misalignments"][0]["centre_offset"] == -1 and d["holes"] == 0


@pytest.mark.parametrize("fmt", ["graphml", "dot", "json"])
def test_export_writes_the_graph(capsys, tmp_path, fmt):
    target = tmp_path / f"g.{fmt}"
    code, out, _ = run(capsys, "graph", "--kernel", "3", "--dilations", "1,2", "--export", fmt, str(target),
                       "--format", "json")
    d = json.loads(out)
    assert code == 0 and d["export"]["edges"] == 9 + 9 * 9  # 9 taps into the unit, 9 into each of 9 units
    text = target.read_text()
    if fmt == "graphml":
        assert nx.read_graphml(target).number_of_edges() == d["export"]["edges"]
    elif fmt == "dot":
        assert text.count("->") == d["export"]["edges"]
    else:
        assert len(json.loads(text)["edges"]) == d["export"]["edges"]


def test_plot_without_matplotlib_is_bad_input_with_install_hint(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code, out, err = run(capsys, "graph", "--kernel", "3", "--layers", "2", "--plot", str(tmp_path / "p.png"),
                         "--export", "dot", str(tmp_path / "g.dot"))
    assert code == 2 and "pip install" in err and out == ""
    assert list(tmp_path.iterdir()) == []  # nothing written half-way: not even the export


def test_plot_with_matplotlib(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    code, _, _ = run(capsys, "graph", "--kernel", "3", "--dilations", "2,2", "--plot", str(tmp_path / "p.png"))
    assert code == 1 and (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("argv, message", [
    (["--kernel", "3", "--export", "xml", "out.xml"], "--export FORMAT"),
    (["--kernel", "3", "--input-size", "5", "--unit", "9"], "outside the output grid"),
    (["--kernel", "3", "--input-size", "5", "--padding-mode", "mirror"], "invalid choice"),
    (["missing.toml"], "cannot read spec file"),
    (["--kernel", "3", "--dilations", ",".join(str(3**i) for i in range(8))], "MAX_CELLS"),
    ([str(EXAMPLES / "resnet-block.toml"), "--preset", "plain"], "one network source"),
    (["--kernel", "5", "--input-size", "2"], "smaller than the dilated kernel"),
    (["--kernel", "3", "--window", "0"], "--window"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, message):
    code, out, err = run_catching(capsys, ["graph", *argv])
    assert code == 2 and message in err and out == ""
    assert err.count("\n") == 1


def run_catching(capsys, argv):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_export_too_large_graph_is_refused(capsys, tmp_path):
    code, _, err = run(capsys, "graph", "--kernel", "9", "--layers", "8", "--export", "dot",
                         str(tmp_path / "g.dot"))
    assert code == 2 and "MAX_GRAPH_EDGES" in err and not (tmp_path / "g.dot").exists()


def test_out_file_and_list_presets(capsys, tmp_path):
    code, _, _ = run(capsys, "graph", "--kernel", "3", "--out", str(tmp_path / "r.txt"))
    assert code == 0 and "receptive field" in (tmp_path / "r.txt").read_text()
    code, out, _ = run(capsys, "graph", "--list-presets")
    assert code == 0 and "yu-koltun-basic" in out
