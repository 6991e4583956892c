"""The equivariance checks report channel counts from the right axes (in and out channels differ).

A 1-D model with 2 input and 3 output channels: the audit's input shape is
``(batch, in_channels, size)`` and every shift compares
``(size - border - |shift|) * batch * out_channels`` values; a count taken from
the input channels, or from the batch axis, differs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kronconv.checks.equivariance import check_equivariance
from kronconv.cli import main
from kronconv.commands.check import render_equivariance

SPEC = """name = "widen"
dims = 1
[[layers]]
type = "conv"
kernel = 3
padding = 1
in_channels = 2
out_channels = 3
"""


@pytest.mark.parametrize("batch", [1, 2])
def test_audit_counts_compared_values_over_the_output_channels(tmp_path: Path, capsys, batch: int) -> None:
    spec = tmp_path / "widen.toml"
    spec.write_text(SPEC)
    code = main(["check", "equivariance", str(spec), "--executor", "numpy", "--format", "json", "--size", "16",
                 "--shifts", "1:3", "--batch", str(batch)])
    d = json.loads(capsys.readouterr().out)
    assert code == 0
    assert d["input_shape"] == [batch, 2, 16]
    # padding 1 on a 3-tap kernel: one border unit each side reads padding; a shift s loses s more
    assert d["prediction"]["border"] == [[1, 1]]
    (ex,) = d["executors"]
    assert [s["shift"] for s in ex["shifts"]] == [[1], [2], [3]]
    assert [s["compared"] for s in ex["shifts"]] == [(16 - 2 - s) * batch * 3 for s in (1, 2, 3)]


def test_equivariance_check_reports_output_channels_not_the_batch() -> None:
    r = check_equivariance("dilated", dims=1, layers=2, channels=3, batch=2, size=16, shifts=[1, 2], backend="numpy")
    assert (r.channels, r.out_channels, r.batch) == (3, 3, 2)
    assert r.to_dict()["out_channels"] == 3
    assert "channels 3->3," in render_equivariance(r, "text")
    # circular padding compares every position of every batch item
    assert [s.compared for s in r.shifts] == [16 * 2, 16 * 2]
