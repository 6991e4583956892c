"""Values (not only keys and exit codes) of the JSON that ``kronconv rf``, ``graph`` and ``check`` print.

Each expected value is recomputed here: receptive fields and offsets by
following one output unit's window back through the layers, path counts by
``scipy.signal.convolve`` of zero-stuffed all-ones kernels, parameters by
counting weights, shapes from the valid / same / full / circular size rules.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.signal import convolve

from kronconv.cli import main


def run(capsys, *argv: str) -> tuple[int, dict]:
    code = main(list(argv))
    out, _ = capsys.readouterr()
    return code, json.loads(out)


def _span(kernels, dilations, strides, paddings) -> tuple[int, int]:
    """First and last input position read by output unit 0 (padding coordinates included)."""
    lo, hi = 0, 0
    for k, d, s, p in reversed(list(zip(kernels, dilations, strides, paddings))):
        lo, hi = lo * s - p, hi * s - p + d * (k - 1)
    return lo, hi


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])  # capsys is read out per call
@given(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2)),
                min_size=1, max_size=4), st.integers(1, 3), st.booleans())
def test_rf_json_values_equal_the_window_of_unit_zero(capsys, layers, channels: int, bias: bool) -> None:
    ks, ds, ss, ps = ([v[i] for v in layers] for i in range(4))
    argv = ["rf", "--kernels", ",".join(map(str, ks)), "--dilations", ",".join(map(str, ds)),
            "--strides", ",".join(map(str, ss)), "--paddings", ",".join(map(str, ps)), "--dims", "1",
            "--channels", str(channels), "--format", "json"]
    if not bias:
        argv.append("--no-bias")
    code, d = run(capsys, *argv)
    assert code == 0
    for i in range(len(ks)):
        lo, hi = _span(ks[:i + 1], ds[:i + 1], ss[:i + 1], ps[:i + 1])
        row = d["layers"][i]
        assert row["receptive_field"] == hi - lo + 1
        assert row["offset"] == lo
        assert row["centre"] == (lo + hi) / 2
        assert row["effective_stride"] == math.prod(ss[:i + 1])
        assert row["parameters"] == channels * channels * ks[i] + (channels if bias else 0)
    lo, hi = _span(ks, ds, ss, ps)
    assert (d["receptive_field"], d["offset"], d["effective_stride"]) == (hi - lo + 1, lo, math.prod(ss))
    assert d["parameters"] == sum(r["parameters"] for r in d["layers"])


def test_rf_json_parameters_of_a_non_square_spec(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "rect.json"
    spec.write_text(json.dumps({"layers": [{"kernel": [3, 1], "dilation": [1, 2]}, {"kernel": [3, 3]}]}))
    code, d = run(capsys, "rf", str(spec), "--format", "json")
    # 3x1 and 3x3 kernels, one channel, one bias each
    assert code == 0 and [l["parameters"] for l in d["layers"]] == [4, 10] and d["parameters"] == 14
    assert d["receptive_field"] == [5, 3] and d["offset"] == 0 and d["centre"] == [2, 1]  # equal axes: one value


def _impulse(kernels: list[int], dilations: list[int]) -> np.ndarray:
    h = np.ones(1)
    for k, dd in zip(kernels, dilations):
        w = np.zeros((k - 1) * dd + 1)
        w[::dd] = 1
        h = convolve(h, w)
    return np.rint(h).astype(np.int64)


def test_graph_json_statistics_of_the_basic_context_module(capsys) -> None:
    code, d = run(capsys, "graph", "--preset", "yu-koltun-basic", "--format", "json")
    h1 = _impulse([3] * 7 + [1], [1, 1, 2, 4, 8, 16, 1, 1])
    h = np.outer(h1, h1)
    r = len(h1)
    pos = np.arange(r) - (r - 1) // 2
    sd = math.sqrt(float(np.average(pos**2, weights=h1)) - float(np.average(pos, weights=h1)) ** 2)
    assert code == 0 and r == 67
    assert d["receptive_field"] == 67 and d["bbox"] == [[-33, 33], [-33, 33]]
    assert d["total_paths"] == int(h.sum()) and d["max_paths"] == int(h.max())
    assert d["centre_paths"] == int(h[33, 33]) and d["reached"] == 67 * 67
    assert d["mean"] == 0.0 and d["spread"] == round(sd, 6)
    assert d["spread_uniform"] == round(float(np.std(np.arange(67))), 6)
    assert d["single_path"] is False and d["hole_positions"] == [] and d["coverage_exact"] == "1/1"


def test_graph_json_of_a_kronecker_cascade_has_one_path_everywhere(capsys) -> None:
    code, d = run(capsys, "graph", "--kernel", "2", "--dilations", "1,2,4", "--dims", "1", "--format", "json")
    assert code == 0 and d["receptive_field"] == 8 and d["bbox"] == [[0, 7]]
    assert d["single_path"] is True and d["max_paths"] == 1 == d["centre_paths"] and d["total_paths"] == 8
    assert d["mean"] == 3.5 and d["spread"] == d["spread_uniform"] == round(math.sqrt(63 / 12), 6)


@pytest.mark.parametrize("padding", ["valid", "same", "full", "circular"])
@pytest.mark.parametrize("layers, kernel", [(2, 3), (3, 2)])
def test_check_equivalence_json_shapes_and_border(capsys, padding: str, layers: int, kernel: int) -> None:
    size = 40
    code, d = run(capsys, "check", "equivalence", "--layers", str(layers), "--kernel", str(kernel), "--dims", "1",
                  "--size", str(size), "--padding", padding, "--channels", "2", "--backend", "numpy",
                  "--format", "json")
    dil = [kernel**l for l in range(layers)]
    exts = [dd * (kernel - 1) + 1 for dd in dil]
    N = kernel**layers
    assert code == 0 and d["holds"] is True and d["dilations"] == dil
    assert d["kronecker_kernel_shape"] == [2, 2, N] and d["kronecker_shape"] == d["cascade_shape"]
    cascade_len = {"valid": size - sum(e - 1 for e in exts), "same": size, "circular": size,
                   "full": size + sum(e - 1 for e in exts)}[padding]
    assert d["cascade_shape"] == [1, 2, cascade_len]
    if padding == "same":  # per layer e // 2 before and (e - 1) // 2 after
        assert d["border"] == [[sum(e // 2 for e in exts), sum((e - 1) // 2 for e in exts)]]
        assert d["interior_only"] is True
        assert d["compared_shape"] == [1, 2, size - sum(e - 1 for e in exts)]
    else:  # valid, full and circular: the identity holds on every output
        assert d["border"] == [[0, 0]] and d["compared_shape"] == [1, 2, cascade_len]
    assert 0 <= d["max_abs_error"] <= d["bound"]
    assert d["max_error_ratio"] >= d["max_abs_error"] / d["bound"]


def test_check_equivariance_json_shifts_follow_the_total_stride(capsys) -> None:
    code, d = run(capsys, "check", "equivariance", "--arch", "strided", "--layers", "2", "--dims", "1",
                  "--channels", "2", "--shift", "1", "2", "4", "6", "8", "--backend", "numpy", "--format", "json")
    assert code == 1  # not equivariant to every shift
    assert d["total_stride"] == [4] and d["size"] == 32  # 32 is already a multiple of 4
    assert [s["expected"] for s in d["shifts"]] == [False, False, True, False, True]
    assert d["holding_shifts"] == [[4], [8]] and d["failing_shifts"] == [[1], [2], [6]]
    assert d["verdicts"] == {"equivariant": False, "as_predicted": True}
    assert [s["compared"] for s in d["shifts"]] == [32] * 5  # circular: every position of the one batch item
    assert (d["channels"], d["out_channels"]) == (2, 2)


def test_graph_json_of_a_holed_single_path_field_is_not_single_path(capsys) -> None:
    # taps at 0 and 2: every reached position has one path, but position 1 is a hole
    code, d = run(capsys, "graph", "--kernel", "2", "--dilations", "2", "--dims", "1", "--format", "json")
    assert code == 1 and d["holes"] == 1 and d["hole_positions"] == [[1]] and d["max_paths"] == 1
    assert d["single_path"] is False and d["coverage_exact"] == "2/3" and d["spread"] == 1.0
