"""``benchmarks/gpu.py``: the dry run exercises every code path on the NumPy backend and writes its report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kronconv.backend import gpu_available

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=env,
                          timeout=600, check=False)


def test_gpu_benchmark_dry_run_prints_every_table_and_writes_report_and_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    report, data = tmp_path / "r" / "gpu-benchmarks.md", tmp_path / "r.json"
    proc = _run("--dry-run", "--repeat", "1", "--warmup", "0", "--report", str(report), "--json", str(data))
    assert proc.returncode == 0, proc.stderr
    for head in ("Copy bandwidth", "### Single-channel 3×3", "### Depthwise 3×3", "### Kronecker cascade",
                 "### Dense channel mixing", "### Targets"):
        assert head in proc.stdout
    text = report.read_text(encoding="utf-8")
    assert text.startswith("# GPU benchmarks") and "- date: " in text and "--dry-run" in text
    assert proc.stdout in text  # the report holds the printed tables verbatim
    d = json.loads(data.read_text(encoding="utf-8"))
    assert d["backend"] == "numpy (dry run)" and d["errors"] == []
    assert [r["dilation"] for r in d["single"]] == [1, 2, 4, 8] == [r["dilation"] for r in d["depthwise"]]
    assert all(r["kernel"] == "tiled" for r in d["single"] + d["depthwise"])
    # at the dry run's 96², L = 3 fuses within 48 KiB and L = 4 falls back, saying why
    assert [(r["layers"], r["fused"]) for r in d["cascade"]] == [(3, True), (4, False)]
    assert "shared memory" in d["cascade"][1]["plan"]
    assert d["mixing"][0]["kernel"] == "direct" and d["mixing"][0]["dispatch_allowing_cudnn"] in ("direct", "cudnn")
    assert len(d["targets"]) == 6 and all(t["met"] is None for t in d["targets"])  # no verdicts without a GPU
    assert {r["case"] for r in d["sweep"]} >= {"single-channel 3x3, dilation 1", "fused cascade L=3"}
    # every computation agrees with its baseline to float32 rounding of sums of a few hundred terms
    assert all(r["max_diff"] < 1e-3 for r in d["single"] + d["depthwise"] + d["mixing"])


def test_gpu_benchmark_rejects_bad_arguments_in_one_line() -> None:
    proc = _run("--dry-run", "--repeat", "0")
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0 and "--repeat >= 1" in proc.stderr


def test_gpu_benchmark_without_a_gpu_exits_2_and_points_at_dry_run() -> None:
    if gpu_available():
        pytest.skip("a GPU is usable here: the refusal path does not apply")
    proc = _run()
    assert proc.returncode == 2 and "--dry-run" in proc.stderr and "Traceback" not in proc.stderr


def test_gpu_benchmark_records_a_failing_measurement_and_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("kronconv_gpu_benchmark", SCRIPT)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, bench)  # dataclasses look their module up there
    spec.loader.exec_module(bench)

    class Broken(bench.NumpyBackend):  # type: ignore[name-defined,misc]
        def kron_fused(self, x, ws, dil):  # type: ignore[no-untyped-def]
            raise RuntimeError("planted failure")

    res = bench.measure(Broken(), bench.DRY_SIZES, warmup=0, repeat=1, budget_s=1.0)
    assert [e.split(":")[0] for e in res.errors] == ["cascade L=3", "cascade L=4"]
    assert all("planted failure" in e for e in res.errors) and not res.cascade
    assert len(res.single) == len(res.depthwise) == 4 and res.mixing and res.sweep
    assert "### Errors" in bench.render(res, "baseline", bench.DRY_SIZES)


def test_gpu_session_script_runs_every_step_and_fails_without_a_gpu(tmp_path) -> None:  # type: ignore[no-untyped-def]
    if gpu_available():
        pytest.skip("a GPU is usable here: the session's steps would run for real")
    env = dict(os.environ, OUT=str(tmp_path), PYTHON=sys.executable)
    proc = subprocess.run(["bash", str(ROOT / "benchmarks" / "gpu_session.sh")], capture_output=True, text=True,
                          env=env, timeout=600, check=False)
    steps = [line.split(":")[0] for line in (tmp_path / "summary.txt").read_text().splitlines()]
    assert steps == ["GPU usable through CuPy", "pytest -m gpu", "check --backend cupy", "benchmarks/gpu.py"]
    assert proc.returncode != 0 and "GPU usable through CuPy: exit 1" in proc.stdout
    assert {p.name for p in tmp_path.iterdir()} >= {"env.txt", "pytest.log", "cli.log", "bench.log", "summary.txt"}
