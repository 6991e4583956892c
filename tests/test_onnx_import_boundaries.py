"""ONNX import at the edges of what each op allows, checked against onnxruntime or the ONNX operator schemas.

Covers the per-axis ``auto_pad=SAME_*`` padding (the ONNX formula), attribute and
input defaults (pool strides, ``pads``, the bias input, ``Concat``'s opset-1 axis),
the axes each of ``Concat`` / ``Split`` accepts (channel, batch, spatial; negative
axes), channel ``Slice`` ranges against Python's own slicing, the input's rank and
open sizes, ``Resize`` / ``Upsample`` inputs across opsets and the nearest modes
accepted, and refusals that must name their reason (sizes of a merge, pads that
are not constants, a reader error's first line).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.errors import InvalidSpec
from kronconv.netgraph import net_fields

onnx = pytest.importorskip("onnx", reason="onnx is not installed: pip install 'kronconv[onnx]'")
ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed: pip install 'kronconv[onnx]'")
from onnx import helper
from onnx_models import i64 as _i64
from onnx_models import ones as _w
from onnx_models import onnx_model as _model

from kronconv.importers import read_onnx


def _run(model, x):
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {"x": x})[0]


def _channels(g):
    """The channel count of every node of ``g`` (as the graph computes it)."""
    return dict(zip([n.id for n in g.nodes], g.channels))


# --------------------------------------------------------------------------- SAME padding, defaults


@settings(max_examples=60, deadline=None)
@given(n=st.tuples(st.integers(1, 20), st.integers(1, 20)), k=st.tuples(st.integers(1, 5), st.integers(1, 5)),
       s=st.tuples(st.integers(1, 3), st.integers(1, 3)), mode=st.sampled_from(["SAME_UPPER", "SAME_LOWER"]))
def test_same_padding_follows_the_onnx_formula_on_each_axis_on_its_own(n, k, s, mode):
    shape = (1, 1, *n)
    m = _model([helper.make_node("Conv", ["x", "w"], ["y"], name="c", kernel_shape=list(k), strides=list(s),
                                 auto_pad=mode)], [_w("w", (1, 1, *k))], shape=shape)
    # the ONNX Conv spec: out = ceil(n / s); total = max((out - 1) s + k - n, 0); SAME_UPPER puts the odd unit
    # at the end, SAME_LOWER at the start
    total = [max((math.ceil(nn / ss) - 1) * ss + kk - nn, 0) for nn, kk, ss in zip(n, k, s)]
    head = [t // 2 if mode == "SAME_UPPER" else (t + 1) // 2 for t in total]
    imp = read_onnx(m)
    layer = imp.graph.node("c").layer
    assert layer.padding == tuple(head)
    assert layer.padding_hi == tuple(t - h for t, h in zip(total, head))
    assert imp.sizes["c"] == tuple(math.ceil(nn / ss) for nn, ss in zip(n, s)) == _run(m, np.ones(shape, np.float32)).shape[2:]


@pytest.mark.parametrize("op", ["MaxPool", "AveragePool"])
def test_a_pool_without_strides_moves_by_one(op):
    shape = (1, 1, 9, 7)
    m = _model([helper.make_node(op, ["x"], ["y"], name="p", kernel_shape=[3, 2])], shape=shape)
    imp = read_onnx(m)
    assert imp.graph.node("p").layer.stride == (1, 1)  # the ONNX default
    assert imp.sizes["p"] == (7, 6) == _run(m, np.ones(shape, np.float32)).shape[2:]


@pytest.mark.parametrize("shape, k", [((1, 1, 9), [3]), ((1, 1, 9, 8), [3, 2]), ((1, 1, 6, 7, 8), [3, 2, 4])])
def test_a_convolution_without_pads_is_unpadded_in_any_dimension(shape, k):
    m = _model([helper.make_node("Conv", ["x", "w"], ["y"], name="c", kernel_shape=k)], [_w("w", (2, 1, *k))],
               shape=shape)
    imp = read_onnx(m)
    layer = imp.graph.node("c").layer
    assert layer.padding == layer.padding_hi == (0,) * len(k)
    assert imp.sizes["c"] == tuple(n - kk + 1 for n, kk in zip(shape[2:], k)) == _run(m, np.ones(shape, np.float32)).shape[2:]


@pytest.mark.parametrize("inputs, bias", [(["x", "w", "b"], True), (["x", "w"], False), (["x", "w", ""], False)])
def test_the_bias_is_the_optional_third_input_of_a_convolution(inputs, bias):
    for op, wshape in (("Conv", (2, 1, 3, 3)), ("ConvTranspose", (1, 2, 3, 3))):
        m = _model([helper.make_node(op, inputs, ["y"], name="c", kernel_shape=[3, 3])],
                   [_w("w", wshape), _w("b", (2,))])
        layer = read_onnx(m).graph.node("c").layer
        assert layer.bias is bias
        assert layer.bias_count == (2 if bias else 0)


# --------------------------------------------------------------------------- axes of Concat and Split


def _two_branches(join):
    """x -> conv a (2 channels), conv b (3 channels) -> ``join`` (reading a, b) -> y."""
    return [helper.make_node("Conv", ["x", "wa"], ["a"], name="ca", kernel_shape=[1, 1]),
            helper.make_node("Conv", ["x", "wb"], ["b"], name="cb", kernel_shape=[1, 1]), join]


@pytest.mark.parametrize("axis", [-4, -3, -2, -1, 0, 1, 2, 3])
def test_concat_joins_only_along_the_channel_axis_however_it_is_written(axis):
    m = _model(_two_branches(helper.make_node("Concat", ["a", "b"], ["y"], name="cat", axis=axis)),
               [_w("wa", (2, 1, 1, 1)), _w("wb", (3, 1, 1, 1))], shape=(1, 1, 5, 5))
    if axis % 4 == 1:  # the channel axis of a 4-D tensor: 1 or -3
        g = read_onnx(m).graph
        assert g.output == "cat" and _channels(g)["cat"] == 5 == _run(m, np.ones((1, 1, 5, 5), np.float32)).shape[1]
    else:
        with pytest.raises(InvalidSpec, match=rf"Concat \(node 'cat'\): concatenation along axis {axis} joins"):
            read_onnx(m)


def test_concat_without_an_axis_joins_channels_as_opset_1_specifies():
    schema = onnx.defs.get_schema("Concat", 3)
    assert schema.since_version == 1 and not schema.attributes["axis"].required  # optional, 1 by default until opset 4
    m = _model(_two_branches(helper.make_node("Concat", ["a", "b"], ["c"], name="cat")) +
               [helper.make_node("Conv", ["c", "w5"], ["y"], name="mix", kernel_shape=[1, 1])],
               [_w("wa", (2, 1, 1, 1)), _w("wb", (3, 1, 1, 1)), _w("w5", (1, 5, 1, 1))], opset=3)
    g = read_onnx(m).graph
    assert g.node("cat").op == "concat" and _channels(g)["cat"] == 5 and g.output == "mix"


@pytest.mark.parametrize("axis", [-4, -3, -2, -1, 0, 1, 2, 3])
def test_split_keeps_positions_along_channels_or_batch_and_refuses_a_spatial_axis(axis):
    shape = (2, 4, 6, 6)
    m = _model([helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[3, 3]),
                helper.make_node("Split", ["c"], ["y", "z"], name="sp", axis=axis)],
               [_w("w", (4, 4, 3, 3))], shape=shape, opset=13)
    y = _run(m, np.ones(shape, np.float32))
    if axis % 4 == 1:
        g = read_onnx(m).graph
        assert g.node(g.output).op == "select" and _channels(g)[g.output] == 2 == y.shape[1]
    elif axis % 4 == 0:  # along the batch: each part is the whole map of some batch items
        imp = read_onnx(m)
        assert imp.graph.output == "conv" and imp.sizes["conv"] == (4, 4) == y.shape[2:] and y.shape[0] == 1
    else:
        with pytest.raises(InvalidSpec, match=rf"Split \(node 'sp'\): split along spatial axis {axis} cuts"):
            read_onnx(m)


# --------------------------------------------------------------------------- channel slices


_END = st.one_of(st.integers(-12, 12), st.sampled_from([-(2 ** 63), 2 ** 63 - 1]))


@settings(max_examples=80, deadline=None)
@given(c=st.integers(1, 6), start=_END, end=_END, axis=st.sampled_from([1, -3]))
def test_a_channel_slice_keeps_the_channels_python_slicing_keeps(c, start, end, axis):
    shape = (1, c, 4, 4)
    sl = helper.make_node("Slice", ["x", "s", "e", "ax"], ["t"], name="sl")
    inits = [_i64("s", [start]), _i64("e", [end]), _i64("ax", [axis])]
    want = len(range(c)[start:end])  # ONNX clamps starts and ends as Python does
    assert _run(_model([sl], inits, shape=shape, out="t", opset=13), np.ones(shape, np.float32)).shape[1] == want
    m = _model([sl, helper.make_node("MaxPool", ["t"], ["y"], name="p", kernel_shape=[1, 1])], inits, shape=shape,
               opset=13)
    if want == 0:
        with pytest.raises(InvalidSpec, match=rf"Slice \(node 'sl'\): channels {start} to {end} of {c} select no"):
            read_onnx(m)
        return
    g = read_onnx(m).graph
    assert _channels(g)["p"] == want
    assert g.node("p").inputs == (("x",) if want == c else ("sl",))


def test_channels_after_a_concatenation_of_flattened_vectors_are_not_guessed():
    # Flatten leaves the channel count open; a concatenation with it is open too, so a channel slice or an
    # equal split of it is refused rather than counted from a made-up sum
    shape = (1, 3, 4, 4)
    head = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[1, 1]),
            helper.make_node("GlobalAveragePool", ["x"], ["g1"], name="gap1"),
            helper.make_node("GlobalAveragePool", ["c"], ["g2"], name="gap2"),
            helper.make_node("Flatten", ["g1"], ["f1"], name="flat1"),
            helper.make_node("Flatten", ["g2"], ["f2"], name="flat2"),
            helper.make_node("Concat", ["f1", "f2"], ["v"], name="cat", axis=1)]
    inits = [_w("w", (3, 3, 1, 1)), _i64("s", [0]), _i64("e", [3]), _i64("ax", [1])]
    sliced = _model(head + [helper.make_node("Slice", ["v", "s", "e", "ax"], ["y"], name="sl")], inits, shape=shape)
    assert _run(sliced, np.ones(shape, np.float32)).shape == (1, 3)
    with pytest.raises(InvalidSpec, match=r"Slice \(node 'sl'\): a channel slice needs step 1 and a known channel"):
        read_onnx(sliced)
    split = _model(head + [helper.make_node("Split", ["v"], ["y", "z"], name="sp", axis=1)], inits, shape=shape,
                   opset=13)
    assert _run(split, np.ones(shape, np.float32)).shape == (1, 3)
    with pytest.raises(InvalidSpec, match=r"Split \(node 'sp'\): cannot split None channels into 2 equal parts"):
        read_onnx(split)
    whole = _model(head + [helper.make_node("Relu", ["v"], ["y"], name="r")], inits, shape=shape)
    assert net_fields(read_onnx(whole).graph).whole_input


# --------------------------------------------------------------------------- the input


@pytest.mark.parametrize("shape, ok", [((1, 1, 4, 4, 4), True), ((1, 1, 4, 4, 4, 4), False), ((1, 4), False),
                                       ((1, 1, 4), True)])
def test_the_input_has_one_to_three_spatial_axes(shape, ok):
    m = _model([helper.make_node("MaxPool", ["x"], ["y"], name="p", kernel_shape=[1] * max(len(shape) - 2, 1))],
               shape=shape)
    if ok:
        assert read_onnx(m).input_size == shape[2:]
    else:
        with pytest.raises(InvalidSpec, match=rf"the input 'x' has shape \[{', '.join(map(str, shape))}\]: expected"):
            read_onnx(m)


def test_a_zero_spatial_size_in_the_model_means_the_size_is_open():
    m = _model([helper.make_node("Conv", ["x", "w"], ["y"], name="c", kernel_shape=[3, 3])], [_w("w", (1, 1, 3, 3))],
               shape=(1, 1, 0, 16))
    imp = read_onnx(m)
    assert imp.input_size is None and imp.sizes == {}
    assert read_onnx(m, input_shape=(1, 1, 10, 16)).sizes["c"] == (8, 14)
    same = _model([helper.make_node("MaxPool", ["x"], ["y"], name="p", kernel_shape=[3, 3], auto_pad="SAME_UPPER")],
                  shape=(1, 1, 0, 16))
    with pytest.raises(InvalidSpec, match=r"MaxPool \(node 'p'\): auto_pad=SAME_UPPER depends on the input size"):
        read_onnx(same)


@pytest.mark.parametrize("declared", [1, 2])
def test_a_declared_input_channel_count_is_kept_and_checked_against_the_first_convolution(declared):
    m = _model([helper.make_node("Conv", ["x", "w"], ["y"], name="c", kernel_shape=[3, 3])], [_w("w", (2, 3, 3, 3))],
               shape=(1, declared, 8, 8))
    with pytest.raises(InvalidSpec, match=rf"node 'c' expects in_channels=3 but 'x' gives {declared}"):
        read_onnx(m)
    assert read_onnx(m, input_shape=(1, 3, 8, 8)).graph.node("x").channels == 3


def test_a_reader_error_is_quoted_by_its_first_line(tmp_path, monkeypatch):
    path = tmp_path / "m.onnx"
    path.write_bytes(b"\x00")

    def fail(*_args, **_kw):
        raise ValueError("the first line says what\nthe second line says where")

    monkeypatch.setattr(onnx, "load", fail)
    with pytest.raises(InvalidSpec, match=r"m\.onnx': the first line says what$"):
        read_onnx(path)
