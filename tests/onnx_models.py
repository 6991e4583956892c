"""Builders of small ONNX test models (import only after ``pytest.importorskip("onnx")``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def onnx_model(nodes: Any, inits: Any = (), *, shape: Any = (1, 1, 16, 16), out: str = "y",
               outs: Any = None, opset: int = 17) -> Any:
    """A one-input model of ``nodes`` (the input is ``x``), its outputs named by ``outs`` or ``out``."""
    outputs = [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in (outs or [out])]
    graph = helper.make_graph(list(nodes), "m", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                              outputs, list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def ones(name: str, shape: Any) -> Any:
    """A float32 initializer of ones."""
    return numpy_helper.from_array(np.ones(shape, np.float32), name)


def i64(name: str, values: Any) -> Any:
    """An int64 initializer."""
    return numpy_helper.from_array(np.array(values, np.int64), name)


def f32(name: str, values: Any) -> Any:
    """A float32 initializer."""
    return numpy_helper.from_array(np.array(values, np.float32), name)
