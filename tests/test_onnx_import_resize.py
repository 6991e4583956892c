"""ONNX ``Resize`` / ``Upsample`` import across opsets, and the refusals of merges, pads and shape ops.

A nearest resize by an integer scale ``s`` is imported as an upsampling whose
unit ``u`` reads input position ``floor(u / s)``; which coordinate modes and
rounding modes read exactly that is measured here with onnxruntime, on an
input that holds its own positions.  ``Resize`` before opset 11 took its scales
as the second input with asymmetric coordinates (``Upsample`` renamed), and an
empty ``scales`` tensor beside ``sizes`` means the sizes decide.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from kronconv.errors import InvalidSpec
from kronconv.netgraph import net_fields

onnx = pytest.importorskip("onnx", reason="onnx is not installed: pip install 'kronconv[onnx]'")
ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed: pip install 'kronconv[onnx]'")
from onnx import helper
from onnx_models import f32 as _f32
from onnx_models import i64 as _i64
from onnx_models import ones as _w
from onnx_models import onnx_model

from kronconv.importers import read_onnx

N = 7  # input width of the index maps


def _model(nodes, inits=(), **kw):
    return onnx_model(nodes, inits, **{"shape": (1, 1, 1, N), **kw})


def _run(model, x):
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {"x": x})[0]


def _reads(model):
    """The input position each output position of a 1 x N map reads (onnxruntime, on x = its own positions)."""
    return _run(model, np.arange(N, dtype=np.float32).reshape(1, 1, 1, N))[0, 0, 0].astype(int).tolist()


def _floor_map(s):
    return [u // s for u in range(N * s)]


# --------------------------------------------------------------------------- nearest modes


_CTM = ["asymmetric", "half_pixel", "pytorch_half_pixel", "align_corners", "tf_half_pixel_for_nn"]
_NM = ["floor", "ceil", "round_prefer_floor", "round_prefer_ceil"]


@pytest.mark.parametrize("ctm, nm", list(itertools.product(_CTM, _NM)))
def test_an_accepted_nearest_resize_reads_floor_u_over_s_in_onnxruntime(ctm, nm):
    models = {s: _model([helper.make_node("Resize", ["x", "", "sc"], ["y"], name="rs", mode="nearest",
                                          coordinate_transformation_mode=ctm, nearest_mode=nm)],
                        [_f32("sc", [1, 1, 1, s])]) for s in (2, 3, 4)}
    reads_floor = all(_reads(m) == _floor_map(s) for s, m in models.items())
    try:
        imported = {s: read_onnx(m) for s, m in models.items()}
    except InvalidSpec as exc:
        assert f"coordinate_transformation_mode={ctm!r} and nearest_mode={nm!r} does not read" in str(exc)
        # the two halves of the accepted pairs are refused apart: each reads elsewhere for some scale
        if (ctm, nm) in (("asymmetric", "round_prefer_floor"), ("half_pixel", "floor"), ("asymmetric", "ceil")):
            assert not reads_floor
        return
    assert reads_floor
    for s, imp in imported.items():
        assert imp.graph.node("rs").layer.scale == (1, s) and imp.sizes["rs"] == (1, N * s)


@pytest.mark.parametrize("opset", [10, 13])
def test_a_resize_of_opset_10_takes_its_scales_from_the_second_input(opset):
    # Resize-10 has the inputs (X, scales) and asymmetric coordinates with floor for nearest;
    # from opset 11 on the second input is the region of interest and the scales are the third
    schema = onnx.defs.get_schema("Resize", opset)
    names = [i.name for i in schema.inputs]
    assert names[:2] == (["X", "scales"] if opset == 10 else ["X", "roi"])
    ins = ["x", "sc"] if opset == 10 else ["x", "", "sc"]
    m = _model([helper.make_node("Resize", ins, ["y"], name="rs", mode="nearest")], [_f32("sc", [1, 1, 1, 3])],
               opset=opset)
    imp = read_onnx(m)
    assert imp.graph.node("rs").layer.scale == (1, 3) and imp.sizes["rs"] == (1, 3 * N)
    assert _reads(m) == _floor_map(3)


def test_a_linear_resize_of_opset_10_is_refused_for_its_asymmetric_coordinates():
    m = _model([helper.make_node("Resize", ["x", "sc"], ["y"], name="rs", mode="linear")], [_f32("sc", [1, 1, 1, 2])],
               opset=10)
    with pytest.raises(InvalidSpec, match=r"Resize \(node 'rs'\): linear resize with "
                                          r"coordinate_transformation_mode='asymmetric'"):
        read_onnx(m)


@pytest.mark.parametrize("opset, attr", [(7, True), (9, False)])
def test_upsample_takes_its_scales_from_the_attribute_or_the_second_input(opset, attr):
    node = (helper.make_node("Upsample", ["x"], ["y"], name="up", mode="nearest", scales=[1.0, 1.0, 1.0, 2.0]) if attr
            else helper.make_node("Upsample", ["x", "sc"], ["y"], name="up", mode="nearest"))
    m = _model([node], [] if attr else [_f32("sc", [1, 1, 1, 2])], opset=opset)
    imp = read_onnx(m)
    assert imp.graph.node("up").layer.scale == (1, 2) and imp.sizes["up"] == (1, 2 * N)
    assert _reads(m) == _floor_map(2)


@pytest.mark.parametrize("op, ins, opset", [("Upsample", ["x"], 9), ("Resize", ["x", "roi"], 13),
                                             ("Resize", ["x", "roi", ""], 13), ("Resize", ["x", ""], 10)])
def test_a_resize_without_scales_or_sizes_is_refused_naming_the_reason(op, ins, opset):
    m = _model([helper.make_node(op, ins, ["y"], name="up", mode="nearest")], [_f32("roi", [])], opset=opset)
    with pytest.raises(InvalidSpec, match=rf"{op} \(node 'up'\): the scales / sizes are not constants"):
        read_onnx(m)


def test_an_empty_scales_tensor_beside_sizes_lets_the_sizes_decide():
    shape = (1, 1, 4, 5)
    m = _model([helper.make_node("Resize", ["x", "", "sc", "sz"], ["y"], name="rs", mode="nearest",
                                 coordinate_transformation_mode="asymmetric", nearest_mode="floor")],
               [_f32("sc", []), _i64("sz", [1, 1, 8, 15])], shape=shape)
    imp = read_onnx(m)
    assert imp.graph.node("rs").layer.scale == (2, 3)
    assert imp.sizes["rs"] == (8, 15) == _run(m, np.ones(shape, np.float32)).shape[2:]


def test_a_scales_tensor_of_the_wrong_length_is_refused_naming_it():
    m = _model([helper.make_node("Resize", ["x", "", "sc", "sz"], ["y"], name="rs", mode="nearest")],
               [_f32("sc", [2]), _i64("sz", [1, 1, 2, 14])])
    with pytest.raises(InvalidSpec, match=r"Resize \(node 'rs'\): scales \[2.0\] must be 1 on the batch"):
        read_onnx(m)


# --------------------------------------------------------------------------- merges, Pad, Shape


def test_a_merge_of_maps_of_two_sizes_is_refused_naming_both():
    m = _model([helper.make_node("Conv", ["x", "w"], ["c"], name="c", kernel_shape=[3, 3]),
                helper.make_node("Add", ["x", "c"], ["y"], name="add")], [_w("w", (1, 1, 3, 3))], shape=(1, 1, 8, 9))
    with pytest.raises(InvalidSpec, match=r"Add \(node 'add'\): inputs have different spatial sizes "
                                          r"\[\(6, 7\), \(8, 9\)\]: broadcasting"):
        read_onnx(m)


def test_pads_computed_in_the_model_are_refused():
    # the pads are a Concat of two constants: a constant of unknown value to the importer
    m = _model([helper.make_node("Concat", ["p1", "p2"], ["pads"], name="cat", axis=0),
                helper.make_node("Pad", ["x", "pads"], ["p"], name="pad"),
                helper.make_node("Conv", ["p", "w"], ["y"], name="conv", kernel_shape=[3, 3])],
               [_i64("p1", [0, 0, 1, 1]), _i64("p2", [0, 0, 1, 1]), _w("w", (1, 1, 3, 3))], shape=(1, 1, 8, 8))
    assert _run(m, np.ones((1, 1, 8, 8), np.float32)).shape == (1, 1, 8, 8)
    with pytest.raises(InvalidSpec, match=r"Pad \(node 'pad'\): the pads are not a constant of the model"):
        read_onnx(m)


@pytest.mark.parametrize("op", ["Shape", "Size"])
def test_reading_the_shape_of_a_map_adds_nothing_to_the_graph(op):
    conv = helper.make_node("Conv", ["x", "w"], ["y"], name="c", kernel_shape=[3, 3])
    w = _w("w", (1, 1, 3, 3))
    plain = read_onnx(_model([conv], [w], shape=(1, 1, 8, 8)))
    with_shape = read_onnx(_model([conv, helper.make_node(op, ["y"], ["s"], name="sh")], [w], shape=(1, 1, 8, 8)))
    assert with_shape.graph == plain.graph and with_shape.sizes == plain.sizes == {"x": (8, 8), "c": (6, 6)}
    assert net_fields(with_shape.graph).receptive_field == (3, 3)
