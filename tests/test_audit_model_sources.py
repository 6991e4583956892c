"""Audit models from a ``torch.nn.Module`` and from ONNX: the runners compute the module, failures name the cause."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from kronconv.checks import audit_equivariance
from kronconv.checks.audit import model_from_torch
from kronconv.errors import InvalidArgument

HAVE_TORCH = importlib.util.find_spec("torch") is not None
HAVE_ORT = importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("onnx") is not None


@pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed")
def test_torch_module_audit_runs_the_modules_own_weights() -> None:
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv1d(1, 3, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool1d(2))
    model = model_from_torch(net, (1, 1, 32))
    assert list(model.runners) == ["torch"] and model.input_size == (32,) and model.in_channels == 1
    x = np.random.default_rng(0).standard_normal((1, 1, 32))
    with torch.no_grad():
        want = net.double()(torch.tensor(x)).numpy()
    y64 = model.runners["torch"]("float64")(x)
    y32 = model.runners["torch"]("float32")(x)
    assert y64.dtype == np.float64 and np.array_equal(y64, want)
    assert 0 < np.max(np.abs(y32 - want)) < 1e-5  # the float32 run really is float32
    res = audit_equivariance(model, shifts=[1, 2, 3, 4])
    ex = res.executors[0]
    assert ex.executor == "torch" and res.prediction.lattice == (2,)
    assert [s.equivariant for s in ex.shifts] == [False, True, False, True] and res.as_predicted


def _onnx_model(node: object, n: int = 5, initializers: list | None = None) -> object:
    from onnx import TensorProto, helper

    X = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, n])
    Y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    return helper.make_model(helper.make_graph([node], "g", [X], [Y], initializers or []),
                             opset_imports=[helper.make_opsetid("", 17)])


@pytest.mark.skipif(not HAVE_ORT, reason="onnx and onnxruntime are not installed")
def test_float64_reference_failure_is_an_invalid_argument_with_the_first_200_characters() -> None:
    from onnx import helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    from kronconv.checks.executors import onnx_runner

    shape = np.array([123456789 + i for i in range(20)], dtype=np.int64)  # cannot hold 5 values: a long message
    model = _onnx_model(helper.make_node("Reshape", ["x", "s"], ["y"]), 5, [numpy_helper.from_array(shape, "s")])
    x = np.ones((1, 1, 5))
    with pytest.raises(Exception) as raw:  # the evaluator raises its own types
        ReferenceEvaluator(model).run(None, {"x": x.astype(np.float32)})
    first = str(raw.value).splitlines()[0]
    assert len(first) > 200
    run = onnx_runner(model, "float64")
    with pytest.raises(InvalidArgument) as exc:
        run(x)
    prefix = "the float64 ONNX reference cannot run the model: "
    msg = str(exc.value)
    assert msg.startswith(prefix) and msg[len(prefix):] == first[:200]


@pytest.mark.skipif(not HAVE_ORT, reason="onnx and onnxruntime are not installed")
def test_onnxruntime_refusal_is_an_invalid_argument_with_the_first_200_characters() -> None:
    import onnxruntime as ort
    from onnx import helper

    from kronconv.checks.executors import onnx_runner

    model = _onnx_model(helper.make_node("NoSuchOperator" + "Z" * 300, ["x"], ["y"]))
    with pytest.raises(Exception) as raw:  # ONNX Runtime raises its own types
        ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    first = str(raw.value).splitlines()[0]
    assert len(first) > 200
    with pytest.raises(InvalidArgument) as exc:
        onnx_runner(model, "float32")
    prefix = "onnxruntime cannot run the model in float32: "
    msg = str(exc.value)
    assert msg.startswith(prefix) and msg[len(prefix):] == first[:200]


@pytest.mark.skipif(not HAVE_ORT, reason="onnx and onnxruntime are not installed")
def test_float64_reference_casts_initializers_constants_and_casts_to_double() -> None:
    """y = Cast(x, float) * c1 + w: every float32 piece becomes float64, so the result is x * c1 + w in float64."""
    from onnx import TensorProto, helper, numpy_helper

    from kronconv.checks.executors import onnx_runner

    c1 = np.array([0.1], dtype=np.float32)
    w = np.array([1.0 / 3.0], dtype=np.float32)
    nodes = [helper.make_node("Cast", ["x"], ["xc"], to=TensorProto.FLOAT),
             helper.make_node("Constant", [], ["c"], value=numpy_helper.from_array(c1, "c")),
             helper.make_node("Mul", ["xc", "c"], ["m"]),
             helper.make_node("Add", ["m", "w"], ["y"])]
    X = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4])
    Y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 4])
    M = helper.make_tensor_value_info("m", TensorProto.FLOAT, [1, 1, 4])
    model = helper.make_model(helper.make_graph(nodes, "g", [X], [Y], [numpy_helper.from_array(w, "w")],
                                                value_info=[M]), opset_imports=[helper.make_opsetid("", 17)])
    x = np.array([[[1.0 / 7.0, 2.0 / 3.0, -5.0 / 11.0, 1e-3 / 3.0]]])
    want = x * np.float64(c1[0]) + np.float64(w[0])
    got = onnx_runner(model, "float64")(x)
    assert got.dtype == np.float64 and np.array_equal(got, want)
    f32 = onnx_runner(model, "float32")(x)
    assert np.abs(f32 - want).max() > 1e-9  # the float32 run really differs


@pytest.mark.skipif(not HAVE_ORT, reason="onnx and onnxruntime are not installed")
def test_onnx_model_is_named_after_its_graph(tmp_path) -> None:
    import onnx
    from onnx import helper, numpy_helper

    from kronconv.checks import model_from_onnx

    w = numpy_helper.from_array(np.ones((1, 1, 3), dtype=np.float32), "w")
    model = _onnx_model(helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1]), 8, [w])
    model.graph.name = "tiny_net"
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    m = model_from_onnx(str(path))
    assert m.name == "tiny_net" and m.source == "onnx" and list(m.runners) == ["onnxruntime"]
    assert m.input_size == (8,) and m.in_channels == 1
