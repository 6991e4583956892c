"""``kronconv check``: exit codes (0 holds, 1 fails, 2 bad input), formats and --out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kronconv.backend import gpu_available
from kronconv.cli import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse errors exit 2 from inside the parser
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_equivalence_holds_exit_0_and_json_fields(capsys) -> None:
    code, out, err = run(["check", "equivalence", "--layers", "2", "--dims", "1", "--backend", "numpy",
                          "--format", "json"], capsys)
    d = json.loads(out)
    assert code == 0 and err == ""
    assert d["holds"] is True and d["backend"] == "numpy"
    assert 0 <= d["max_abs_error"] <= d["bound"]


def test_equivalence_with_wrong_dilation_base_exits_1_and_reports_the_error(capsys) -> None:
    code, out, _ = run(["check", "equivalence", "--layers", "3", "--dims", "1", "--dilation-base", "2",
                        "--backend", "numpy", "--format", "json"], capsys)
    d = json.loads(out)
    assert code == 1 and d["holds"] is False
    assert d["max_abs_error"] > 1e6 * d["bound"]


@pytest.mark.parametrize("plant", ["swap", "flip", "relu"])
def test_planted_claims_exit_1(plant: str, capsys) -> None:
    code, out, _ = run(["check", "equivalence", "--dims", "1", "--plant", plant, "--backend", "numpy"], capsys)
    assert code == 1 and "FAILS" in out


def test_equivalence_same_padding_text_says_interior(capsys) -> None:
    code, out, _ = run(["check", "equivalence", "--padding", "same", "--channels", "2", "--dims", "1",
                        "--dtype", "float32", "--backend", "numpy"], capsys)
    assert code == 0 and "HOLDS" in out and "interior only, border [13, 13]" in out


def test_equivalence_markdown(capsys) -> None:
    code, out, _ = run(["check", "equivalence", "--dims", "1", "--format", "md", "--backend", "numpy"], capsys)
    assert code == 0 and out.startswith("**equivalence check: HOLDS**") and "| field | value |" in out


def test_equivariance_dilated_exit_0(capsys) -> None:
    code, out, _ = run(["check", "equivariance", "--arch", "dilated", "--dims", "1", "--shift", "1", "3", "-2",
                        "--backend", "numpy", "--format", "json"], capsys)
    d = json.loads(out)
    assert code == 0 and d["holds"] is True and d["holding_shifts"] == [[1], [3], [-2]]


def test_equivariance_pooling_exit_1_and_finds_the_stride(capsys) -> None:
    code, out, _ = run(["check", "equivariance", "--arch", "pooling", "--layers", "1", "--dims", "1",
                        "--padding", "zeros", "--backend", "numpy"], capsys)
    assert code == 1
    assert "FAILS - not equivariant for shifts 1; 3" in out and "- as predicted: total stride 2" in out
    assert "equivariant for shifts 2; 4" in out and "consistency" in out


def test_equivariance_preset_by_name_and_per_axis_shift(capsys) -> None:
    code, out, _ = run(["check", "equivariance", "--arch", "preset", "yu-koltun-basic:C=2", "--size", "16",
                        "--shift", "1,2", "--format", "json", "--backend", "numpy"], capsys)
    d = json.loads(out)
    assert code == 0 and d["network"] == "yu-koltun-basic" and d["shifts"][0]["shift"] == [1, 2]


def test_out_writes_the_file(tmp_path: Path, capsys) -> None:
    target = tmp_path / "r.json"
    code, out, _ = run(["check", "equivalence", "--dims", "1", "--backend", "numpy", "--format", "json",
                        "--out", str(target)], capsys)
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["holds"] is True


@pytest.mark.parametrize("argv,fragment", [
    (["check", "equivalence", "--kernel", "0"], "--kernel must be an integer in [1, 64]"),
    (["check", "equivalence", "--padding", "reflect"], "invalid choice"),
    (["check", "equivalence", "--layers", "3", "--dims", "1", "--padding", "same", "--size", "20"], "no interior"),
    (["check", "equivalence", "--layers", "9", "--dims", "2"], "limit"),
    (["check", "equivariance", "--arch", "resnet"], "--arch must be one of"),
    (["check", "equivariance", "--arch", "dilated", "extra"], "preset name only after 'preset'"),
    (["check", "equivariance", "--arch", "preset"], "needs a preset name"),
    (["check", "equivariance", "--shift", "x"], "--shift entries must be integers"),
    (["check", "equivariance", "--arch", "preset", "nope"], "unknown preset"),
    (["check", "equivariance", "--arch", "strided", "--size", "30"], "multiple of the total stride"),
    (["check"], ""),
])
def test_bad_input_exits_2_with_one_line(argv, fragment, capsys) -> None:
    code, out, err = run(argv + (["--backend", "numpy"] if len(argv) > 1 else []), capsys)
    assert code == 2
    if fragment:
        assert fragment in err and len(err.strip().splitlines()) == 1 and out == ""


def test_cupy_backend_without_gpu_exits_2(capsys) -> None:
    if gpu_available():
        pytest.skip("a GPU is usable here: the cupy backend runs (covered by tests/test_gpu.py)")
    code, out, err = run(["check", "equivalence", "--dims", "1", "--backend", "cupy"], capsys)
    assert code == 2 and out == ""
    assert err.startswith("kronconv: error: backend 'cupy' is not usable") and len(err.splitlines()) == 1
