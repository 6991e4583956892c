"""The equivariance audit: the graph's prediction against brute-force measurement, executors, CLI exit rule."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import random_nets

from kronconv.checks import (
    audit_equivariance,
    model_from_graph,
    model_from_onnx,
    predict_equivariance,
)
from kronconv.checks.executors import graph_forward, graph_taint, random_weights, torch_module
from kronconv.cli import main
from kronconv.errors import BackendUnavailable, TooLarge
from kronconv.layers import ConvTranspose, Upsample
from kronconv.netgraph import NetGraph, NetNode
from kronconv.spec import Conv, Pool

HAVE_TORCH = importlib.util.find_spec("torch") is not None
HAVE_ORT = importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("onnx") is not None


def _executors() -> list[str]:
    out = ["numpy"]
    if HAVE_TORCH:
        out.append("torch")
    else:
        print("torch not installed: the torch executor is not exercised")
    return out


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- prediction vs measurement


@settings(max_examples=25, deadline=None)
@given(net=random_nets(), seed=st.integers(0, 2**16))
def test_prediction_matches_brute_force_measurement_on_random_nets(net: NetGraph, seed: int) -> None:
    pred = predict_equivariance(net)
    period = pred.lattice[0]
    assert period is not None
    res = audit_equivariance(model_from_graph(net, seed=seed), shifts=list(range(1, 2 * period + 2)),
                             executors=_executors(), seed=seed)
    for ex in res.executors:
        for s in ex.shifts:
            if s.predicted:  # the lattice is sound: every shift on it commutes, on every executor
                assert s.equivariant, (ex.executor, s)
            else:  # and tight, unless the random net happens to be constant over the compared units
                assert s.equivariant is False or s.max_error == 0.0, (ex.executor, s)
    # the lattice re-derived by enumerating every input -> output path: lcm of the running stride products
    by_id = {n.id: n for n in net.nodes}

    def paths(nid: str) -> list[list[str]]:
        node = by_id[nid]
        return [[nid]] if node.op == "input" else [p + [nid] for i in node.inputs for p in paths(i)]

    lcm = 1
    for path in paths(net.output):
        run = 1
        for nid in path:
            layer = by_id[nid].layer
            run *= layer.stride[0] if isinstance(layer, (Conv, Pool)) else 1
            lcm = math.lcm(lcm, run)
    assert period == lcm


@pytest.mark.skipif(not (HAVE_TORCH and HAVE_ORT), reason="torch, onnx and onnxruntime are needed for the ONNX export")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the TorchScript exporter warns of its own removal
@pytest.mark.filterwarnings("ignore:Constant folding:UserWarning")
@settings(max_examples=10, deadline=None)
@given(net=random_nets(), seed=st.integers(0, 2**16))
def test_prediction_matches_measurement_on_onnxruntime(net: NetGraph, seed: int, tmp_path_factory) -> None:
    import torch

    pred = predict_equivariance(net)
    period = pred.lattice[0]
    assert period is not None
    n = -(-(sum(pred.border[0]) + 16 + 2 * (2 * period + 1)) // period) * period
    path = tmp_path_factory.mktemp("onnx") / "net.onnx"
    w = random_weights(net, np.random.default_rng(seed))
    torch.onnx.export(torch_module(net, w, "float32"), (torch.zeros(1, net.nodes[0].channels, n),), str(path),
                      dynamo=False, opset_version=17)
    res = audit_equivariance(model_from_onnx(str(path)), shifts=list(range(1, 2 * period + 2)), seed=seed)
    assert res.prediction.lattice == pred.lattice
    for s in res.executors[0].shifts:
        if s.predicted:
            assert s.equivariant, s
        else:
            assert s.equivariant is False or s.max_error == 0.0, s


def _measured_lattice(net: NetGraph, seed: int, upto: int) -> list[int]:
    res = audit_equivariance(model_from_graph(net, seed=seed), shifts=list(range(1, upto + 1)), executors=["numpy"])
    return [s.shift[0] for s in res.executors[0].shifts if s.equivariant]


def test_known_lattices_strides_multiply_and_branches_take_the_lcm() -> None:
    g = NetGraph.build([
        NetNode("x", "input", channels=2),
        NetNode("a", "conv", ("x",), Conv(3, stride=2, padding=1, in_channels=2, out_channels=3, dims=1)),
        NetNode("b", "conv", ("a",), Conv(3, dilation=2, padding=2, in_channels=3, out_channels=3, dims=1)),
        NetNode("sum", "add", ("a", "b")),
        NetNode("p", "pool", ("sum",), Pool(3, stride=3, dims=1)),
    ], dims=1)
    p = predict_equivariance(g)
    assert p.lattice == (6,) and [b.node for b in p.breaking] == ["a", "p"]
    assert _measured_lattice(g, 1, 13) == [6, 12]


def test_transposed_conv_and_upsampling_have_rational_strides() -> None:
    g = NetGraph.build([
        NetNode("x", "input"),
        NetNode("p", "pool", ("x",), Pool(2, dims=1)),
        NetNode("p2", "pool", ("p",), Pool(2, dims=1)),
        NetNode("t", "convt", ("p2",), ConvTranspose(4, stride=2, padding=1, dims=1)),
        NetNode("u", "upsample", ("t",), Upsample(2, dims=1)),
    ], dims=1)
    p = predict_equivariance(g)
    assert [str(j) for j in p.output_stride] == ["1"] and p.lattice == (4,)
    assert {b.op for b in p.breaking} == {"pool", "convt", "upsample"}
    assert _measured_lattice(g, 0, 9) == [4, 8]


def test_dilated_context_module_is_equivariant_for_every_shift() -> None:
    nodes = [NetNode("x", "input", channels=2)]
    for i, d in enumerate([1, 2, 4, 8]):
        nodes.append(NetNode(f"c{i}", "conv", (nodes[-1].id,), Conv(3, dilation=d, padding=d, in_channels=2,
                                                                     out_channels=2, dims=2)))
    res = audit_equivariance(model_from_graph(NetGraph.build(nodes, dims=2)), shifts=[1, 2, 3, 5],
                             executors=["numpy"])
    assert res.prediction.lattice == (1, 1) and res.equivariant and res.as_predicted
    assert all(s.consistency == 1.0 and s.max_error == 0.0 for s in res.executors[0].shifts)
    assert res.prediction.border == ((15, 15), (15, 15))


def test_taint_marks_exactly_the_units_that_read_padding() -> None:
    g = NetGraph.build([NetNode("x", "input"), NetNode("a", "conv", ("x",), Conv(3, padding=1, dims=1)),
                        NetNode("b", "conv", ("a",), Conv(3, dilation=2, padding=2, dims=1))], dims=1)
    t = graph_taint(g, (12,))
    assert t.tolist() == [True] * 3 + [False] * 6 + [True] * 3
    # brute force: replacing the padding by real samples (a wider signal) changes only tainted units
    rng = np.random.default_rng(0)
    w = random_weights(g, rng)
    big = rng.standard_normal((1, 1, 20))
    y_small = graph_forward(g, w, big[:, :, 4:16])
    y_big = graph_forward(g, w, big)[:, :, 4:16]
    differ = (y_small != y_big)[0, 0]
    assert not (differ & ~t).any() and differ[[0, -1]].all()


# --------------------------------------------------------------------------- executors agree


def _branching_net() -> NetGraph:
    return NetGraph.build([
        NetNode("x", "input", channels=3),
        NetNode("a", "conv", ("x",), Conv(3, padding=1, in_channels=3, out_channels=4, dims=2)),
        NetNode("b", "conv", ("a",), Conv(3, dilation=2, padding=2, in_channels=4, out_channels=4, dims=2)),
        NetNode("s", "add", ("a", "b")),
        NetNode("p", "pool", ("s",), Pool(3, stride=2, padding=1, dims=2)),
        NetNode("c", "conv", ("p",), Conv(1, in_channels=4, out_channels=2, dims=2)),
        NetNode("k", "concat", ("p", "c")),
        NetNode("o", "conv", ("k",), Conv(3, padding=1, in_channels=6, out_channels=3, dims=2)),
    ], dims=2)


@pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed: nothing to compare the numpy executor with")
def test_numpy_and_torch_executors_agree_within_their_tolerances() -> None:
    res = audit_equivariance(model_from_graph(_branching_net(), seed=3), shifts=[1, 2], executors=["numpy", "torch"])
    assert res.agreement["torch"] <= res.agreement_tolerance["torch"]
    assert [s.equivariant for s in res.executors[0].shifts] == [s.equivariant for s in res.executors[1].shifts]
    assert res.as_predicted and not res.equivariant


@pytest.mark.skipif(not (HAVE_TORCH and HAVE_ORT), reason="torch, onnx and onnxruntime are needed for the ONNX export")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the TorchScript exporter warns of its own removal
@pytest.mark.filterwarnings("ignore:Constant folding:UserWarning")
def test_three_executors_agree_on_the_same_model(tmp_path: Path) -> None:
    import torch

    g = _branching_net()
    w = random_weights(g, np.random.default_rng(5))
    path = tmp_path / "net.onnx"
    torch.onnx.export(torch_module(g, w, "float32"), (torch.zeros(1, 3, 24, 24),), str(path), dynamo=False,
                      opset_version=17)
    ort = audit_equivariance(model_from_onnx(str(path)), shifts=[2])
    x = np.random.default_rng(1).standard_normal((1, 3, 24, 24))
    y_np = graph_forward(g, w, x)
    with torch.no_grad():
        y_t = torch_module(g, w, "float64")(torch.tensor(x)).numpy()
    from kronconv.checks.executors import onnx_runner

    y_o = onnx_runner(str(path), "float32")(x)
    tol = ort.executors[0].tolerance
    assert np.max(np.abs(y_np - y_t)) <= tol and np.max(np.abs(y_np - y_o)) <= tol
    assert ort.prediction.lattice == (2, 2) and ort.executors[0].shifts[0].equivariant


def test_tolerance_is_the_engine_bound_on_numpy_and_a_measured_multiple_elsewhere() -> None:
    res = audit_equivariance(model_from_graph(_branching_net()), shifts=[2], executors=_executors())
    by = {e.executor: e for e in res.executors}
    assert by["numpy"].tolerance_method.startswith("derived") and 0 < by["numpy"].tolerance < 1e-9
    if "torch" in by:
        t = by["torch"]
        # the threshold between two runs is the sum of their tolerances: twice 8 x the measured difference
        assert t.tolerance_method.startswith("measured") and t.tolerance >= 2 * 8 * t.float32_vs_float64 > 0


@settings(max_examples=25, deadline=None)
@given(net=random_nets(), seed=st.integers(0, 2**16))
def test_engine_bound_covers_the_float32_error_on_random_nets(net: NetGraph, seed: int) -> None:
    rng = np.random.default_rng(seed)  # data and weights exact in float32, as the bound assumes
    w = {k: (a.astype(np.float32).astype(np.float64), None if b is None else b.astype(np.float32).astype(np.float64))
         for k, (a, b) in random_weights(net, rng).items()}
    x = rng.standard_normal((2, net.nodes[0].channels, 40)).astype(np.float32).astype(np.float64)
    y64, e64 = graph_forward(net, w, x, with_bound=True)
    y32, e32 = graph_forward(net, w, x.astype(np.float32), with_bound=True)
    assert np.all(np.abs(y32.astype(np.float64) - y64) <= e32 + e64)
    assert np.all(e64 >= 0)
    # a zero bound claims exactness (a net of 1-tap max pools only selects inputs): then float32 is exact
    exact = e32 == 0
    assert np.array_equal(y32.astype(np.float64)[exact], y64[exact])


def test_progress_bar_goes_to_stderr_only_when_asked(capsys) -> None:
    net = model_from_graph(_branching_net())
    audit_equivariance(net, shifts=[1], executors=["numpy"], size=24, progress=False)
    assert capsys.readouterr().err == ""
    audit_equivariance(net, shifts=[1], executors=["numpy"], size=24, progress=True)
    err = capsys.readouterr().err
    assert "4/4 runs" in err and err.endswith("\n")


def test_unavailable_executor_and_huge_requests_are_refused() -> None:
    with pytest.raises(BackendUnavailable, match="onnxruntime"):
        audit_equivariance(model_from_graph(_branching_net()), executors=["onnxruntime"])
    with pytest.raises(TooLarge, match="limit"):
        audit_equivariance(model_from_graph(_branching_net()), size=4096, executors=["numpy"], max_work=10**6)


# --------------------------------------------------------------------------- CLI: exit rule, JSON, bad input

STRIDED = """name = "strided"
dims = 1
[[layers]]
type = "conv"
kernel = 3
padding = 1
in_channels = 1
out_channels = 3
[[layers]]
type = "pool"
kernel = 2
"""

DILATED = """name = "dilated"
dims = 1
[[layers]]
type = "conv"
kernel = 3
dilation = 2
padding = 2
in_channels = 1
out_channels = 2
"""


@pytest.fixture
def specs(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "s.toml").write_text(STRIDED)
    (tmp_path / "d.toml").write_text(DILATED)
    return {"strided": str(tmp_path / "s.toml"), "dilated": str(tmp_path / "d.toml")}


@pytest.mark.parametrize("model,expect,code", [
    ("dilated", "equivariant", 0), ("dilated", "predicted", 0),
    ("strided", "equivariant", 1), ("strided", "predicted", 0),
])
def test_exit_status_rule_for_models(model, expect, code, specs, capsys) -> None:
    got, _, err = run(["check", "equivariance", specs[model], "--shifts", "1:4", "--executor", "numpy",
                         "--expect", expect], capsys)
    assert got == code and err == ""


@pytest.mark.parametrize("arch,expect,code", [
    ("dilated", "equivariant", 0), ("pooling", "equivariant", 1), ("pooling", "predicted", 0),
])
def test_exit_status_rule_for_built_in_architectures(arch, expect, code, capsys) -> None:
    got, out, _ = run(["check", "equivariance", "--arch", arch, "--layers", "1", "--dims", "1", "--shift", "1", "2",
                       "--backend", "numpy", "--expect", expect, "--format", "json"], capsys)
    d = json.loads(out)
    assert got == code
    assert d["verdicts"] == {"equivariant": d["holds"], "as_predicted": d["matches_theory"]}


def test_json_values_of_a_strided_model(specs, capsys) -> None:
    code, out, _ = run(["check", "equivariance", specs["strided"], "--shifts", "1,2,3,4", "--executor", "numpy",
                        "--format", "json"], capsys)
    d = json.loads(out)
    assert code == 1 and d["verdicts"] == {"equivariant": False, "as_predicted": True}
    assert d["prediction"]["lattice"] == [2] and d["prediction"]["output_stride"] == ["2"]
    assert [b["node"] for b in d["prediction"]["breaking"]] == ["layer2"]
    sh = d["executors"][0]["shifts"]
    assert [s["shift"] for s in sh] == [[1], [2], [3], [4]]
    assert [s["equivariant"] for s in sh] == [False, True, False, True]
    assert [s["predicted"] for s in sh] == [False, True, False, True]
    assert sh[1]["max_error"] == 0.0 and sh[1]["consistency"] == 1.0 and sh[0]["max_error"] > d["executors"][0]["tolerance"]
    assert 0 <= sh[0]["consistency"] < 1 and sh[0]["compared"] > 0


def test_plot_is_written(specs, tmp_path, capsys) -> None:
    if importlib.util.find_spec("matplotlib") is None:
        pytest.skip("matplotlib is not installed: --plot refuses (tested in the bad-input cases)")
    target = tmp_path / "audit.png"
    code, _, err = run(["check", "equivariance", specs["strided"], "--shifts", "1:3", "--executor", "numpy",
                        "--plot", str(target)], capsys)
    assert code == 1 and err == "" and target.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("argv,fragment", [
    (["nope.onnx"], "MODEL must be an existing"),
    (["{strided}", "--shifts", "x"], "--shifts must be A:B"),
    (["{strided}", "--shifts", "1:100"], "1-64 shifts"),
    (["{strided}", "--executor", "onnxruntime"], "executor 'onnxruntime' is not available"),
    (["{strided}", "--plot", "{tmp}/a.txt"], "--plot must end in"),
    (["{strided}", "--arch", "pooling"], "--arch is for the built-in"),
    (["{strided}", "--size", "2", "--executor", "numpy"], "input size"),
    (["--torch", "x:y"], "--torch needs --input-shape"),
    (["--arch", "dilated", "--shifts", "1:2"], "--shifts is for a MODEL"),
])
def test_bad_input_exits_2_with_one_line(argv, fragment, specs, tmp_path, capsys) -> None:
    argv = [a.format(strided=specs["strided"], tmp=tmp_path) for a in argv]
    code, out, err = run(["check", "equivariance", *argv], capsys)
    assert code == 2 and out == "" and fragment in err and len(err.strip().splitlines()) == 1, err
