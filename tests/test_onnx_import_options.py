"""ONNX import of the less common options, against onnxruntime or values read off the model by hand.

Covers what the random-network properties of ``test_importers.py`` do not draw:
reading files that are not models, an input whose channel count the model leaves
open, ``auto_pad=VALID`` on pools and transposed convolutions, ``Pad`` nodes
folded into pools and into each other, pools with an ``Indices`` output,
``Split`` into equal parts, ``Softmax`` / ``LogSoftmax`` axes (whose default
changed in opset 13), dense ops before and after global pooling, resizes of a
globally pooled map, and the refusals of each path (naming the value refused).
"""

from __future__ import annotations

import numpy as np
import pytest

from kronconv.errors import InvalidSpec
from kronconv.netgraph import net_fields, node_sizes

onnx = pytest.importorskip("onnx", reason="onnx is not installed: pip install 'kronconv[onnx]'")
from onnx import TensorProto, helper
from onnx_models import f32 as _f32
from onnx_models import i64 as _i64
from onnx_models import ones as _w
from onnx_models import onnx_model as _model

from kronconv.importers import read_onnx


def _ort_shape(model, shape):
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed: pip install 'kronconv[onnx]'")
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {"x": np.ones(shape, np.float32)})[0].shape


# --------------------------------------------------------------------------- reading


def test_a_file_that_is_not_a_model_is_refused_naming_the_file(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\xff\xfe not a protobuf")
    with pytest.raises(InvalidSpec, match=r"^cannot read ONNX model '.*bad\.onnx': \S"):
        read_onnx(bad)
    with pytest.raises(InvalidSpec, match="no such file"):
        read_onnx(tmp_path / "missing.onnx")
    with pytest.raises(InvalidSpec, match="not a regular file"):
        read_onnx(tmp_path)
    with pytest.raises(InvalidSpec, match="got int"):
        read_onnx(3)


def test_file_size_limit_accepts_the_limit_and_refuses_one_byte_more(tmp_path, monkeypatch):
    import kronconv.importers.onnx as onnx_importer

    m = _model([helper.make_node("Conv", ["x", "w"], ["y"], name="c", kernel_shape=[3, 3])], [_w("w", (1, 1, 3, 3))])
    path = tmp_path / "m.onnx"
    onnx.save(m, str(path))
    size = path.stat().st_size
    monkeypatch.setattr(onnx_importer, "MAX_ONNX_BYTES", size)
    assert read_onnx(path).graph.node("c").layer.kernel == (3, 3)
    monkeypatch.setattr(onnx_importer, "MAX_ONNX_BYTES", size - 1)
    with pytest.raises(InvalidSpec, match=rf"is {size} bytes; at most {size - 1} allowed"):
        read_onnx(path)


def test_a_saved_model_reads_back_like_the_proto(tmp_path):
    m = _model([helper.make_node("Conv", ["x", "w"], ["y"], name="c", kernel_shape=[3, 3], dilations=[2, 2])],
               [_w("w", (1, 1, 3, 3))])
    onnx.save(m, str(tmp_path / "m.onnx"))
    assert read_onnx(tmp_path / "m.onnx").graph == read_onnx(m).graph


@pytest.mark.parametrize("op, wshape, group, want", [
    ("Conv", (4, 3, 3, 3), 1, 3),  # Conv weight: (out, in / group, k...)
    ("Conv", (4, 2, 3, 3), 2, 4),
    ("ConvTranspose", (3, 5, 2, 2), 1, 3),  # ConvTranspose weight: (in, out / group, k...)
])
@pytest.mark.parametrize("channels", ["C", 0])  # a symbolic size, or 0 as some exporters write an unknown one
def test_open_input_channels_are_read_off_the_first_convolution(op, wshape, group, want, channels):
    m = _model([helper.make_node(op, ["x", "w"], ["y"], name="c", group=group)], [_w("w", wshape)],
               shape=(1, channels, 12, 12))
    g = read_onnx(m).graph
    assert g.node("x").channels == want
    assert g.node("c").layer.in_channels == want


def test_open_input_channels_without_a_convolution_reading_the_input_default_to_one():
    m = _model([helper.make_node("MaxPool", ["x"], ["y"], name="p", kernel_shape=[2, 2])], shape=(1, "C", 12, 12))
    assert read_onnx(m).graph.node("x").channels == 1


def test_output_must_name_an_output_of_the_model():
    m = _model([helper.make_node("Conv", ["x", "w"], ["a"], name="c", kernel_shape=[3, 3]),
                helper.make_node("Relu", ["a"], ["b"], name="r")], [_w("w", (1, 1, 3, 3))], outs=["a", "b"])
    with pytest.raises(InvalidSpec, match=r"output 'nope' is not an output of the model; outputs: \['a', 'b'\]"):
        read_onnx(m, output="nope")
    with pytest.raises(InvalidSpec, match=r"has 2 outputs \['a', 'b'\]: choose one"):
        read_onnx(m)
    assert net_fields(read_onnx(m, output="b").graph).receptive_field == (3, 3)


# --------------------------------------------------------------------------- softmax


def _crosses_positions(model, shape):
    """Whether changing the input at one position changes the output at another (onnxruntime)."""
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed: pip install 'kronconv[onnx]'")
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    y0 = sess.run(None, {"x": x})[0]
    x[(0, 0) + (0,) * (len(shape) - 2)] += 1.0
    d = np.abs(sess.run(None, {"x": x})[0] - y0).sum(axis=(0, 1))
    d[(0,) * (len(shape) - 2)] = 0.0
    return bool((d > 1e-6).any())


@pytest.mark.parametrize("opset", [11, 13, 17])
@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax"])
@pytest.mark.parametrize("axis", [None, 1, -3, -1, 2, 0])
def test_softmax_is_transparent_only_where_it_keeps_positions_apart(opset, op, axis):
    shape = (2, 2, 3, 3)
    kw = {} if axis is None else {"axis": axis}
    m = _model([helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[1, 1]),
                helper.make_node(op, ["c"], ["y"], name="sm", **kw)], [_w("w", (2, 2, 1, 1))], shape=shape,
               opset=opset)
    crosses = _crosses_positions(m, shape)
    # the channel axis, from opset 13 on, is the one accepted (the default axis became -1 in opset 13,
    # and before it the op normalised over the flattened axes from `axis` on)
    if opset >= 13 and axis in (1, -3):
        g = read_onnx(m).graph
        assert [n.op for n in g.nodes] == ["input", "conv"] and not crosses
    else:
        default = -1 if opset >= 13 else 1
        with pytest.raises(InvalidSpec, match=rf"unsupported operation {op} \(node 'sm'\): softmax over axis "
                                              rf"{default if axis is None else axis} \(opset {opset}\)"):
            read_onnx(m)
        assert crosses or (opset >= 13 and axis == 0)  # over the batch axis only: refused, though harmless


def test_softmax_over_any_axis_of_a_globally_pooled_map_is_transparent():
    m = _model([helper.make_node("GlobalAveragePool", ["x"], ["g"], name="gap"),
                helper.make_node("Softmax", ["g"], ["y"], name="sm", axis=-1)], shape=(1, 2, 5, 5))
    g = read_onnx(m).graph
    assert g.output == "gap" and net_fields(g).whole_input


# --------------------------------------------------------------------------- auto_pad, Pad


def test_convtranspose_auto_pad_valid_has_no_padding():
    shape = (1, 1, 7, 9)
    m = _model([helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="t", kernel_shape=[3, 2], strides=[2, 3],
                                 auto_pad="VALID")], [_w("w", (1, 1, 3, 2))], shape=shape)
    imp = read_onnx(m)
    layer = imp.graph.node("t").layer
    assert (layer.padding, layer.padding_hi) == ((0, 0), (0, 0))
    # (n - 1) s + k: 6 * 2 + 3 = 15, 8 * 3 + 2 = 26
    assert imp.sizes["t"] == (15, 26) == tuple(_ort_shape(m, shape)[2:])


@pytest.mark.parametrize("op", ["MaxPool", "AveragePool"])
def test_pool_auto_pad_valid_has_no_padding(op):
    shape = (1, 1, 11, 10)
    m = _model([helper.make_node(op, ["x"], ["y"], name="p", kernel_shape=[3, 2], strides=[2, 2], auto_pad="VALID")],
               shape=shape)
    imp = read_onnx(m)
    layer = imp.graph.node("p").layer
    assert (layer.padding, layer.padding_hi) == ((0, 0), (0, 0))
    # floor((n - k) / s) + 1: (11 - 3) // 2 + 1 = 5, (10 - 2) // 2 + 1 = 5
    assert imp.sizes["p"] == (5, 5) == tuple(_ort_shape(m, shape)[2:])


@pytest.mark.parametrize("op", ["MaxPool", "AveragePool", "LpPool"])
def test_pool_with_an_unknown_auto_pad_is_refused(op):
    m = _model([helper.make_node(op, ["x"], ["y"], name="p", kernel_shape=[3, 3], auto_pad="SAME")])
    with pytest.raises(InvalidSpec, match=rf"{op} \(node 'p'\): auto_pad='SAME'; allowed: NOTSET"):
        read_onnx(m)


def test_pad_folds_into_the_next_pool_adding_to_its_own_padding():
    shape = (1, 1, 13, 12)
    # Pad: [x1_begin, x2_begin, x3_begin, x4_begin, x1_end, ...] -> H (1, 1), W (2, 0); the pool's own
    # pads H (1, 1), W (0, 1) -> H (2, 2), W (2, 1), at most half the kernel 5
    m = _model([helper.make_node("Pad", ["x", "pads"], ["p"], name="pad"),
                helper.make_node("MaxPool", ["p"], ["y"], name="pool", kernel_shape=[5, 5], strides=[2, 2],
                                 pads=[1, 0, 1, 1])],
               [_i64("pads", [0, 0, 1, 2, 0, 0, 1, 0])], shape=shape)
    imp = read_onnx(m)
    layer = imp.graph.node("pool").layer
    assert (layer.padding, layer.padding_hi) == ((2, 2), (2, 1))
    # (13 + 4 - 5) // 2 + 1 = 7, (12 + 3 - 5) // 2 + 1 = 6
    assert imp.sizes["pool"] == (7, 6) == tuple(_ort_shape(m, shape)[2:])


def test_two_pads_in_a_row_fold_into_the_next_convolution_as_their_sum():
    shape = (1, 1, 9, 9)
    m = _model([helper.make_node("Pad", ["x", "p1"], ["a"], name="pad1"),
                helper.make_node("Pad", ["a", "p2"], ["b"], name="pad2"),
                helper.make_node("Conv", ["b", "w"], ["y"], name="conv", kernel_shape=[3, 3])],
               [_i64("p1", [0, 0, 1, 0, 0, 0, 2, 3]), _i64("p2", [0, 0, 2, 1, 0, 0, 0, 1]), _w("w", (1, 1, 3, 3))],
               shape=shape)
    imp = read_onnx(m)
    layer = imp.graph.node("conv").layer
    assert (layer.padding, layer.padding_hi) == ((3, 1), (2, 4))
    assert imp.sizes["conv"] == (12, 12) == tuple(_ort_shape(m, shape)[2:])


def test_pad_with_explicit_axes_is_refused():
    m = _model([helper.make_node("Pad", ["x", "pads", "", "axes"], ["p"], name="pad"),
                helper.make_node("Conv", ["p", "w"], ["y"], name="conv", kernel_shape=[3, 3])],
               [_i64("pads", [1, 1]), _i64("axes", [3]), _w("w", (1, 1, 3, 3))], opset=18)
    with pytest.raises(InvalidSpec, match=r"Pad \(node 'pad'\): Pad with explicit axes is not supported"):
        read_onnx(m)


def test_a_pool_with_an_indices_output_imports_its_values():
    shape = (1, 1, 8, 8)
    m = _model([helper.make_node("MaxPool", ["x"], ["y", "idx"], name="p", kernel_shape=[2, 2], strides=[2, 2]),
                helper.make_node("Cast", ["idx"], ["fidx"], name="cast", to=TensorProto.FLOAT)],  # reads the indices
               shape=shape)
    imp = read_onnx(m, output="y")
    assert imp.graph.output == "p" and imp.sizes["p"] == (4, 4)
    assert net_fields(imp.graph).receptive_field == (2, 2)


# --------------------------------------------------------------------------- Split, merges


def test_split_without_sizes_cuts_the_channels_into_equal_parts():
    m = _model([helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[1, 1]),
                helper.make_node("Split", ["c"], ["a", "b"], name="sp", axis=1),
                helper.make_node("Conv", ["b", "w2"], ["y"], name="conv2", kernel_shape=[3, 3])],
               [_w("w", (6, 1, 1, 1)), _w("w2", (1, 3, 3, 3))], opset=13)
    g = read_onnx(m).graph
    assert [(n.op, n.channels) for n in g.nodes if n.op == "select"] == [("select", 3)]
    assert g.node("conv2").layer.in_channels == 3


def test_split_into_unequal_parts_without_sizes_is_refused():
    m = _model([helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[1, 1]),
                helper.make_node("Split", ["c"], ["a", "y"], name="sp", axis=1)],
               [_w("w", (5, 1, 1, 1))], opset=13)
    with pytest.raises(InvalidSpec, match=r"Split \(node 'sp'\): cannot split 5 channels into 2 equal parts"):
        read_onnx(m)


def test_an_add_of_different_channel_counts_is_refused():
    m = _model([helper.make_node("Conv", ["x", "w4"], ["a"], name="c4", kernel_shape=[1, 1]),
                helper.make_node("Conv", ["x", "w2"], ["b"], name="c2", kernel_shape=[1, 1]),
                helper.make_node("Add", ["a", "b"], ["y"], name="add")],
               [_w("w4", (4, 1, 1, 1)), _w("w2", (2, 1, 1, 1))])
    with pytest.raises(InvalidSpec, match=r"Add \(node 'add'\): inputs have \[4, 2\] channels"):
        read_onnx(m)


def test_a_merge_of_a_pooled_map_with_its_own_mean_keeps_its_one_by_one_size():
    m = _model([helper.make_node("GlobalAveragePool", ["x"], ["g"], name="gap"),
                helper.make_node("ReduceMean", ["g"], ["r"], name="rm", axes=[2, 3], keepdims=1),
                helper.make_node("Add", ["g", "r"], ["s"], name="add"),
                helper.make_node("Conv", ["s", "w"], ["y"], name="conv", kernel_shape=[1, 1])],
               [_w("w", (2, 3, 1, 1))], shape=(1, 3, 6, 6), opset=13)
    imp = read_onnx(m)
    assert imp.graph.output == "conv" and imp.sizes["conv"] == (1, 1) == tuple(_ort_shape(m, (1, 3, 6, 6))[2:])


# --------------------------------------------------------------------------- dense ops, resizes


def test_flatten_and_gemm_after_global_pooling_add_no_node():
    m = _model([helper.make_node("GlobalAveragePool", ["x"], ["g"], name="gap"),
                helper.make_node("Flatten", ["g"], ["f"], name="flat"),
                helper.make_node("Gemm", ["f", "fc"], ["y"], name="fc", transB=1)],
               [_w("fc", (10, 3))], shape=(1, 3, 8, 8))
    imp = read_onnx(m)
    assert [n.id for n in imp.graph.nodes] == ["x", "gap"] and imp.graph.output == "gap"
    assert not any("reads every position" in n for n in imp.notes)


def test_flatten_of_a_map_reads_every_position_once_and_the_gemm_after_it_adds_nothing():
    m = _model([helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[3, 3]),
                helper.make_node("Flatten", ["c"], ["f"], name="flat"),
                helper.make_node("Gemm", ["f", "fc"], ["y"], name="fc", transB=1)],
               [_w("w", (2, 1, 3, 3)), _w("fc", (10, 2 * 6 * 6))], shape=(1, 1, 8, 8))
    imp = read_onnx(m)
    assert [(n.id, n.op) for n in imp.graph.nodes] == [("x", "input"), ("conv", "conv"), ("flat", "global")]
    assert [n for n in imp.notes if "reads every position" in n] == [
        "Flatten 'flat' reads every position of a map that is not pooled globally: its units depend on the whole input"]
    assert net_fields(imp.graph).whole_input


def test_resize_of_a_pooled_map_to_sizes_copies_it_and_stays_constant_in_space():
    shape = (1, 2, 8, 8)
    m = _model([helper.make_node("GlobalAveragePool", ["x"], ["g"], name="gap"),
                helper.make_node("Resize", ["g", "", "", "sz"], ["r"], name="rs", mode="nearest"),
                helper.make_node("Flatten", ["r"], ["y"], name="flat")],
               [_i64("sz", [1, 2, 4, 6])], shape=shape)
    imp = read_onnx(m)
    g = imp.graph
    assert [(n.id, n.op) for n in g.nodes] == [("x", "input"), ("gap", "global"), ("rs", "upsample")]
    assert g.node("rs").layer.to_dict() == {"scale": [1, 1], "mode": "nearest", "size": [4, 6]}
    assert imp.sizes["rs"] == (4, 6)
    assert not any("reads every position" in n for n in imp.notes)


def test_resize_of_a_pooled_map_matches_the_broadcast_of_torch():
    torch = pytest.importorskip("torch", reason="torch is not installed: pip install 'kronconv[torch]'")
    from kronconv.importers import read_torch

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.gap = torch.nn.AdaptiveAvgPool2d(1)

        def forward(self, x):
            return torch.nn.functional.interpolate(self.gap(x), size=(4, 6), mode="nearest")

    via_fx = read_torch(Net(), (1, 2, 8, 8)).graph
    m = _model([helper.make_node("GlobalAveragePool", ["x"], ["g"], name="gap"),
                helper.make_node("Resize", ["g", "", "", "sz"], ["y"], name="interpolate", mode="nearest")],
               [_i64("sz", [1, 2, 4, 6])], shape=(1, 2, 8, 8))
    via_onnx = read_onnx(m).graph
    assert via_onnx.node("interpolate").layer == via_fx.node("interpolate").layer
    assert net_fields(via_onnx).to_dict()["nodes"] == net_fields(via_fx).to_dict()["nodes"]


@pytest.mark.parametrize("mode", ["cubic", "area"])
def test_resize_with_an_unsupported_mode_is_refused_naming_it(mode):
    m = _model([helper.make_node("Resize", ["x", "", "sc"], ["y"], name="rs", mode=mode)],
               [_f32("sc", [1, 1, 2, 2])])
    with pytest.raises(InvalidSpec, match=rf"Resize \(node 'rs'\): mode '{mode}'; supported: nearest, linear"):
        read_onnx(m)


def test_node_sizes_of_an_imported_model_equal_its_recorded_sizes():
    shape = (1, 1, 13, 12)
    m = _model([helper.make_node("Pad", ["x", "pads"], ["p"], name="pad"),
                helper.make_node("AveragePool", ["p"], ["y"], name="pool", kernel_shape=[3, 2], strides=[2, 3],
                                 auto_pad="NOTSET")],
               [_i64("pads", [0, 0, 1, 0, 0, 0, 0, 1])], shape=shape)
    imp = read_onnx(m)
    assert node_sizes(imp.graph, imp.input_size) == imp.sizes


def test_conv_auto_pad_valid_has_no_padding():
    shape = (1, 1, 9, 8)
    m = _model([helper.make_node("Conv", ["x", "w"], ["y"], name="c", kernel_shape=[3, 2], strides=[2, 1],
                                 pads=[1, 1, 1, 1], auto_pad="NOTSET"),
                ], [_w("w", (1, 1, 3, 2))], shape=shape)
    assert read_onnx(m).sizes["c"] == (5, 9)
    m = _model([helper.make_node("Conv", ["x", "w"], ["y"], name="c", kernel_shape=[3, 2], strides=[2, 1],
                                 auto_pad="VALID")], [_w("w", (1, 1, 3, 2))], shape=shape)
    imp = read_onnx(m)
    layer = imp.graph.node("c").layer
    assert (layer.padding, layer.padding_hi) == ((0, 0), (0, 0))
    # (9 - 3) // 2 + 1 = 4, 8 - 2 + 1 = 7
    assert imp.sizes["c"] == (4, 7) == tuple(_ort_shape(m, shape)[2:])


# --------------------------------------------------------------------------- node ids, what is kept


def test_node_ids_are_the_model_names_made_valid_and_unique():
    long = "block." + "n" * 60
    m = _model([helper.make_node("Conv", ["x", "w"], ["a"], name=long, kernel_shape=[3, 3]),
                helper.make_node("Conv", ["a", "w"], ["b"], name=long, kernel_shape=[3, 3]),
                helper.make_node("Conv", ["b", "w"], ["y"], name="stage/1:conv", kernel_shape=[3, 3])],
               [_w("w", (1, 1, 3, 3))])
    imp = read_onnx(m)
    assert [n.id for n in imp.graph.nodes] == ["x", long[:56], long[:56] + "_2", "stage_1_conv"]
    assert imp.sources == {"x": "input", long[:56]: "Conv", long[:56] + "_2": "Conv", "stage_1_conv": "Conv"}


def test_nodes_off_the_path_to_the_output_are_dropped_with_their_sources_and_sizes():
    m = _model([helper.make_node("Conv", ["x", "w"], ["a"], name="kept", kernel_shape=[3, 3]),
                helper.make_node("MaxPool", ["x"], ["dead"], name="side", kernel_shape=[2, 2]),
                helper.make_node("Relu", ["a"], ["y"], name="r")],
               [_w("w", (1, 1, 3, 3))], outs=["y", "dead"])
    imp = read_onnx(m, output="y")
    assert [n.id for n in imp.graph.nodes] == ["x", "kept"]
    assert imp.sources == {"x": "input", "kept": "Conv"} and imp.sizes == {"x": (16, 16), "kept": (14, 14)}
    open_size = read_onnx(_model([helper.make_node("Conv", ["x", "w"], ["y"], name="c", kernel_shape=[3, 3])],
                                 [_w("w", (1, 1, 3, 3))], shape=(1, 1, "h", "w")))
    assert open_size.input_size is None and open_size.sizes == {}


@pytest.mark.parametrize("starts, ends, axes", [
    ([1], [4], [1]), ([-3], [100], [1]), ([0], [-1], [-3]), ([2, 0], [5, 1], [1, 0]),
    ([0, 0], [6, 16], [1, 2]), ([-100], [2], None), ([0, 0, 0], [1, 6, 99], [0, 1, 3]),
])
def test_channel_slices_keep_the_count_python_slicing_gives(starts, ends, axes):
    # a 6-channel map of 16 x 16; the expected count is Python's own slice of range(6) on axis 1
    ins = ["c", "st", "en"] + (["ax"] if axes is not None else [])
    inits = [_w("w", (6, 1, 1, 1)), _i64("st", starts), _i64("en", ends)] + (
        [_i64("ax", axes)] if axes is not None else [])
    rule = dict(zip(axes if axes is not None else range(len(starts)), zip(starts, ends)))
    lo, hi = rule.get(1, rule.get(-3, (0, 6)))
    want = len(range(6)[lo:hi])
    # the next convolution takes `want` channels: the graph refuses to build on any other count
    m = _model([helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[1, 1]),
                helper.make_node("Slice", ins, ["s"], name="sl"),
                helper.make_node("Conv", ["s", "w2"], ["y"], name="conv2", kernel_shape=[3, 3])],
               inits + [_w("w2", (1, want, 3, 3))], opset=13)
    g = read_onnx(m).graph
    sel = [n for n in g.nodes if n.op == "select"]
    assert [n.channels for n in sel] == ([] if want == 6 else [want])
    assert net_fields(g).receptive_field == (3, 3)


@pytest.mark.parametrize("starts, ends, axes, steps, why", [
    ([0], [6], [1], [2], "a channel slice needs step 1"),
    ([1], [16], [2], [1], "slicing spatial axis 2 (start 1, end 16, step 1)"),
    ([0], [15], [-1], [1], "slicing spatial axis 3 (start 0, end 15, step 1)"),
    ([0], [16], [3], [2], "slicing spatial axis 3 (start 0, end 16, step 2)"),
])
def test_slices_that_move_positions_or_stride_channels_are_refused(starts, ends, axes, steps, why):
    m = _model([helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[1, 1]),
                helper.make_node("Slice", ["c", "st", "en", "ax", "sp"], ["y"], name="sl")],
               [_w("w", (6, 1, 1, 1)), _i64("st", starts), _i64("en", ends), _i64("ax", axes), _i64("sp", steps)],
               opset=13)
    with pytest.raises(InvalidSpec, match=r"Slice \(node 'sl'\): " + why.replace("(", r"\(").replace(")", r"\)")):
        read_onnx(m)
