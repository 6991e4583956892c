"""CLI contract of `kronconv rf` and `kronconv formula`: output formats, JSON keys, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import sympy as sp

from kronconv.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_exit(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse errors
        code = int(exc.code)
    out, err = capsys.readouterr()
    return code, out, err


def test_rf_json_contract(capsys) -> None:
    code, out, _ = run(capsys, "rf", "--kernel", "3", "--dilations", "1,2,4", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["receptive_field"] == 15 and data["parameters"] == 3 * (9 + 1)
    assert [l["receptive_field"] for l in data["layers"]] == [3, 7, 15]
    assert all({"receptive_field", "effective_stride", "parameters"} <= set(l) for l in data["layers"])


def test_rf_json_per_axis_lists_for_non_square_stacks(tmp_path, capsys) -> None:
    spec = tmp_path / "rect.json"
    spec.write_text(json.dumps({"layers": [{"kernel": [3, 1], "dilation": [1, 2]}, {"kernel": [3, 3]}]}))
    code, out, _ = run(capsys, "rf", str(spec), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["receptive_field"] == [5, 3] and data["layers"][0]["receptive_field"] == [3, 1]
    assert isinstance(data["parameters"], int)


def test_rf_preset_text_md_latex(capsys) -> None:
    for fmt, marker in (("text", "receptive field 67"), ("md", "| layer |"), ("latex", r"\begin{tabular}")):
        code, out, _ = run(capsys, "rf", "--preset", "yu-koltun-basic", "--format", fmt)
        assert code == 0 and marker in out


def test_rf_list_presets(capsys) -> None:
    code, out, _ = run(capsys, "rf", "--list-presets", "--format", "json")
    names = [p["name"] for p in json.loads(out)["presets"]]
    assert code == 0 and {"yu-koltun-basic", "yu-koltun-large", "yu-koltun-frontend", "plain",
                          "exponential", "kronecker"} <= set(names)


def test_rf_input_size_and_fit(capsys) -> None:
    code, out, _ = run(capsys, "rf", "--kernel", "3", "--dilations", "1,2,4", "--dims", "1",
                       "--input-size", "20", "--format", "json")
    assert code == 0 and json.loads(out)["output_size"] == 6
    code, out, err = run(capsys, "rf", "--kernel", "3", "--dilations", "1,2,4", "--input-size", "10")
    assert code == 2 and out == "" and "layer 2" in err and err.count("\n") == 1


def test_formula_rf_json(capsys) -> None:
    code, out, _ = run(capsys, "formula", "rf", "--kernel", "3", "--dilation", "2**l", "--layers", "L",
                       "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["expression"] == "2**(L + 1) - 1" and data["latex"] == "2^{L + 1} - 1"
    L = sp.Symbol("L")
    assert sp.sympify(data["expression"]).subs(L, 4) == 31


def test_formula_params_layers_for_and_compare(capsys) -> None:
    code, out, _ = run(capsys, "formula", "params", "--kernel", "k", "--layers", "L", "--channels", "C",
                       "--no-bias", "--format", "json")
    assert code == 0 and json.loads(out)["expression"] == "C**2*L*k**2"
    code, out, _ = run(capsys, "formula", "layers-for", "--rf", "1000", "--kernel", "3", "--dilation", "2**l",
                       "--format", "json")
    assert code == 0 and json.loads(out)["expression"] == "9"
    code, out, _ = run(capsys, "formula", "compare", "--extents", "9,27", "--format", "json")
    rows = json.loads(out)["rows"]
    assert code == 0 and rows[1]["kronecker_stored"] == 27 and rows[1]["full_stored"] == 729
    code, out, _ = run(capsys, "formula", "compare", "--format", "latex")
    assert code == 0 and r"\log" in out


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["rf", "--kernel", "0"], "--kernel must be an integer in [1,"),
        (["rf", "--kernel", "-3"], "got -3"),
        (["rf", "--kernel", "2.5"], "got '2.5'"),
        (["rf", "--kernels", "3,3", "--dilations", "1,2,4"], "expected 1 or 3"),
        (["rf", "--dilations", "1,,2"], "comma-separated"),
        (["rf", "--kernel", "3", "--layers", "99999"], "--layers must be an integer in [1, 4096]"),
        (["rf", "--preset", "resnet"], "unknown preset 'resnet'"),
        (["rf", "--preset", "plain", "--kernel", "3"], "give one network source"),
        (["rf"], "no network given"),
        (["rf", "missing.toml"], "cannot read spec file"),
        (["rf", "--kernel", "99999999999999999999"], "--kernel must be an integer"),
        (["formula", "rf", "--kernel", "0"], "kernel must be a positive integer"),
        (["formula", "rf", "--dilation", "__import__('os').system('x')"], "not an allowed expression"),
        (["formula", "rf", "--kernel", "3", "--layers", "100000"], "layers must be at most 4096"),
        (["formula", "layers-for", "--rf", "0"], "rf must be a positive integer"),
        (["formula", "compare", "--extent", "10", "--factor", "3"], "not a power"),
        (["nosuchcommand"], "invalid choice"),
    ],
)
def test_bad_input_one_line_exit_2(capsys, argv, fragment) -> None:
    code, out, err = run_exit(capsys, *argv)
    assert code == 2
    assert out == ""
    assert fragment in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_out_file_written_atomically_and_refused_for_missing_directory(tmp_path, capsys) -> None:
    target = tmp_path / "rf.json"
    code, _, _ = run(capsys, "rf", "--kernel", "3", "--layers", "2", "--format", "json", "--out", str(target))
    assert code == 0 and json.loads(target.read_text())["receptive_field"] == 5
    missing = tmp_path / "nope" / "rf.json"
    code, _, err = run(capsys, "rf", "--kernel", "3", "--out", str(missing))
    assert code == 2 and not missing.exists() and "does not exist" in err
    assert [p.name for p in tmp_path.iterdir()] == ["rf.json"]  # no temp files left behind


def test_console_entry_point_and_module_run() -> None:
    proc = subprocess.run([sys.executable, "-m", "kronconv", "rf", "--kernel", "0"], capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "kronconv", "rf", "--preset", "kronecker", "--format", "json"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and json.loads(proc.stdout)["receptive_field"] == 27


def test_import_does_not_load_optional_packages() -> None:
    code = "import sys, kronconv, kronconv.cli; kronconv.cli.build_parser(); " \
           "print(sorted(m for m in ('cupy', 'matplotlib', 'scipy') if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and proc.stdout.strip() == "[]", proc.stderr


def test_rf_on_a_graph_spec_reports_per_node_fields_and_alignment(tmp_path, capsys) -> None:
    from pathlib import Path

    block = Path(__file__).parent.parent / "docs" / "examples" / "resnet-block.toml"
    code, out, _ = run(capsys, "rf", str(block), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["aligned"] is True and data["receptive_field"] == 7 and data["effective_stride"] == 2
    assert data["parameters"] == sum(n["parameters"] for n in data["nodes"]) > 0
    # a shortcut that skips the padding of the main path is misaligned: exit 1 and the offset reported
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"nodes": [
        {"id": "x", "op": "input"},
        {"id": "a", "op": "conv", "inputs": ["x"], "kernel": 3},
        {"id": "b", "op": "conv", "inputs": ["x"], "kernel": 1, "padding": 0},
        {"id": "c", "op": "conv", "inputs": ["a"], "kernel": 1},
        {"id": "s", "op": "add", "inputs": ["c", "b"]}]}))
    code, out, _ = run(capsys, "rf", str(bad), "--format", "json")
    assert code == 1 and json.loads(out)["aligned"] is False
