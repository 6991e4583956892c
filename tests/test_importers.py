r"""Model import (ONNX, torch.fx) against ground truth computed without kronconv.

Laws checked, on random branching networks drawn by hypothesis:

* torch.fx import: the field of an output unit (the reverse pass of
  :func:`~kronconv.netgraph.net_fields`, clipped to the input) equals the
  support of the input gradient of that unit (autograd, float64) in a *probe*
  copy of the network -- all-ones weights, no bias, no nonlinearity, pools
  replaced by all-ones depthwise convolutions over the same windows -- and the
  output sizes of :func:`~kronconv.netgraph.node_sizes` equal PyTorch's shapes;
* ONNX import: the same field equals the support of the impulse response
  computed by onnxruntime (one impulse per input position, batched; positive
  weights, zero bias, so ReLU and max pooling keep the support) and the output
  size equals onnxruntime's;
* a torch -> ONNX round trip (TorchScript exporter) gives the same per-node
  table as the fx import;
* every unsupported op is refused naming the op and the node, and the CLI exits
  2 with one line.

Tests that need torch, onnx or onnxruntime skip with a printed reason where they
are missing.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kronconv.errors import InvalidSpec
from kronconv.netgraph import graph_from_dict, net_fields, node_sizes

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")


def _field_hull(g, unit, size):
    """kronconv's field of output ``unit`` on the input, or ``None`` unless the unit is interior: the units it
    reaches at every node lie inside that node's grid (then no padding or cropping on the way changes it)."""
    rep = net_fields(g, unit=list(unit))
    sizes = node_sizes(g, size)
    for f in rep.fields:
        if f.output_stride and not any(f.output_stride):
            continue  # not reached from this unit
        for ax in range(g.dims):
            lo = -f.output_padding[ax]
            hi = lo + f.output_receptive_field[ax] - 1
            if lo < 0 or hi >= sizes[f.id][ax]:
                return None
    f = rep.fields[0]
    return [(-f.output_padding[ax], -f.output_padding[ax] + f.output_receptive_field[ax] - 1)
            for ax in range(g.dims)]


def _units(out_shape):
    """Output units to check: up to 9 evenly spread in 1-D (ends and centre included), a 3 x 3 grid in 2-D."""
    if len(out_shape) == 1:
        n = out_shape[0]
        return [(u,) for u in sorted(set(np.linspace(0, n - 1, min(n, 9)).astype(int).tolist()) | {n // 2})]
    axes = [sorted({0, n // 2, n - 1}) for n in out_shape]
    return [tuple(int(v) for v in u) for u in np.array(np.meshgrid(*axes)).reshape(len(out_shape), -1).T]


def _hull(mask):
    idx = np.nonzero(mask)
    return [(int(i.min()), int(i.max())) for i in idx]


# =========================================================================== torch


C = 2


@st.composite
def torch_plan(draw, dims):
    blocks = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["conv", "conv", "same", "pool", "avg", "res", "cat", "up", "convt"]))
        if kind == "conv":
            k = draw(st.integers(1, 3))
            d = draw(st.integers(1, 3))
            blocks.append(("conv", k, d, draw(st.integers(1, 2)), draw(st.integers(0, d * (k - 1)))))
        elif kind == "same":
            blocks.append(("same", draw(st.integers(1, 4)), draw(st.integers(1, 3))))
        elif kind in ("pool", "avg"):
            k = draw(st.integers(1, 3))
            d = draw(st.integers(1, 2)) if kind == "pool" else 1
            blocks.append((kind, k, draw(st.integers(1, 3)), draw(st.integers(0, k // 2)), d, draw(st.booleans())))
        elif kind == "res":
            blocks.append(("res", draw(st.integers(1, 3)), draw(st.integers(1, 3))))
        elif kind == "cat":
            blocks.append(("cat", draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 4)),
                           draw(st.integers(1, 3))))
        elif kind == "up":
            blocks.append(("up", draw(st.sampled_from(["nearest", "linear"]))))
        else:
            s = draw(st.integers(1, 2))
            k = draw(st.integers(s, 4))
            blocks.append(("convt", k, s, draw(st.integers(0, k - 1)), draw(st.integers(0, s - 1))))
    return blocks


def _make_net(torch, plan, dims, probe):
    nn = torch.nn
    F = torch.nn.functional
    Conv = [nn.Conv1d, nn.Conv2d, nn.Conv3d][dims - 1]
    ConvT = [nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d][dims - 1]
    MaxPool = [nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d][dims - 1]
    AvgPool = [nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d][dims - 1]
    conv_fn = [F.conv1d, F.conv2d, F.conv3d][dims - 1]
    lin = {1: "linear", 2: "bilinear", 3: "trilinear"}[dims]

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            mods = []
            for b in plan:
                if b[0] == "conv":
                    mods.append(Conv(C, C, b[1], dilation=b[2], stride=b[3], padding=b[4]))
                elif b[0] == "same":
                    mods.append(Conv(C, C, b[1], dilation=b[2], padding="same"))
                elif b[0] == "pool":
                    mods.append(MaxPool(b[1], b[2], b[3], dilation=b[4], ceil_mode=b[5]))
                elif b[0] == "avg":
                    mods.append(AvgPool(b[1], b[2], b[3], ceil_mode=b[5]))
                elif b[0] == "res":
                    mods.append(nn.ModuleList([Conv(C, C, b[1], dilation=b[2], padding="same"), nn.ReLU(),
                                               nn.BatchNorm1d(C) if dims == 1 else nn.BatchNorm2d(C)]))
                elif b[0] == "cat":
                    mods.append(nn.ModuleList([Conv(C, C, b[1], dilation=b[2], padding="same"),
                                               Conv(C, C, b[3], dilation=b[4], padding="same"),
                                               Conv(2 * C, C, 1)]))
                elif b[0] == "up":
                    mods.append(nn.Upsample(scale_factor=2, mode="nearest" if b[1] == "nearest" else lin))
                else:
                    mods.append(ConvT(C, C, b[1], stride=b[2], padding=b[3], output_padding=b[4]))
            self.mods = nn.ModuleList(mods)
            if probe:
                for p in self.parameters():
                    torch.nn.init.constant_(p, 0.0)
                for m in self.modules():
                    if isinstance(m, (Conv, ConvT)):
                        torch.nn.init.constant_(m.weight, 1.0)

        def forward(self, x):
            for b, m in zip(plan, self.mods):
                if b[0] == "pool" and probe:
                    x = _window_sum(torch, conv_fn, m, x, dims)
                elif b[0] == "res":
                    y = m[0](x)
                    x = x + (y if probe else m[2](m[1](y)))
                elif b[0] == "cat":
                    x = m[2](torch.cat([m[0](x), m[1](x)], 1))
                else:
                    x = m(x)
                    if b[0] in ("conv", "convt") and not probe:
                        x = torch.relu(x)
            return x

    return Net().double().eval()


def _window_sum(torch, conv_fn, pool, x, dims):
    """All-ones depthwise convolution over exactly the windows of ``pool`` (padding and ceil_mode included)."""
    F = torch.nn.functional
    out = pool(x).shape[2:]
    k, s, p, d = (pool.kernel_size, pool.stride, pool.padding, pool.dilation)
    k, s, p, d = ([v] * dims if isinstance(v, int) else list(v) for v in (k, s, p, d))
    pads = []
    for ax in reversed(range(dims)):
        n = x.shape[2 + ax]
        need = (out[ax] - 1) * s[ax] + d[ax] * (k[ax] - 1) + 1
        pads += [p[ax], max(0, need - n - p[ax])]
    y = F.pad(x, pads)
    w = torch.ones((x.shape[1], 1, *k), dtype=x.dtype)
    return conv_fn(y, w, stride=s, dilation=d, groups=x.shape[1])


def _grad_hull(torch, probe, shape, unit):
    x = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
    y = probe(x)
    y[(0, slice(None)) + tuple(unit)].sum().backward()  # all channels of the unit: the field is spatial
    mask = (x.grad[0].abs().sum(0) > 0).numpy()
    return _hull(mask) if mask.any() else None


def _check_torch_plan(torch, plan, dims, n):
    from kronconv.importers import read_torch

    shape = (1, C) + (n,) * dims
    real = _make_net(torch, plan, dims, probe=False)
    probe = _make_net(torch, plan, dims, probe=True)
    try:
        with torch.no_grad():
            out = real(torch.zeros(shape, dtype=torch.float64)).shape
    except RuntimeError:
        assume(False)
    imp = read_torch(real, shape)
    g = imp.graph
    assert node_sizes(g, (n,) * dims)[g.output] == tuple(out[2:])
    checked = 0
    for unit in _units(tuple(out[2:])):
        want = _field_hull(g, unit, (n,) * dims)
        if want is None:
            continue
        assert want == _grad_hull(torch, probe, shape, unit), (plan, unit)
        checked += 1
    assume(checked > 0)


@given(torch_plan(1))
def test_fx_import_field_equals_autograd_support_1d(plan):
    torch = pytest.importorskip("torch", reason="torch is not installed: pip install 'kronconv[torch]'")
    _check_torch_plan(torch, plan, 1, 40)


@given(torch_plan(2).filter(lambda p: len(p) <= 3))
def test_fx_import_field_equals_autograd_support_2d(plan):
    torch = pytest.importorskip("torch", reason="torch is not installed: pip install 'kronconv[torch]'")
    _check_torch_plan(torch, plan, 2, 17)


def test_fx_import_strides_offsets_and_table_of_a_residual_net():
    torch = pytest.importorskip("torch", reason="torch is not installed: pip install 'kronconv[torch]'")
    from kronconv.importers import read_torch

    nn = torch.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(3, 8, 7, stride=2, padding=3)
            self.pool = nn.MaxPool2d(3, 2, 1)
            self.a = nn.Conv2d(8, 8, 3, padding=1)
            self.b = nn.Conv2d(8, 8, 3, padding=1)

        def forward(self, x):
            y = self.pool(torch.relu(self.c1(x)))
            return y + self.b(torch.relu(self.a(y)))

    imp = read_torch(Block(), (1, 3, 64, 64))
    rep = net_fields(imp.graph)
    # 7x7/2 -> r 7, J 2, P 3; pool 3/2 p1 -> r 11, J 4, P 5; two 3x3 at J 4 -> r 27, P 13
    assert rep.receptive_field == (27, 27) and rep.effective_stride == (4, 4) and rep.effective_padding == (13, 13)
    assert rep.aligned
    assert imp.sources["pool"] == "torch.nn.MaxPool2d" and imp.sizes["add"] == (16, 16)
    assert [n.op for n in imp.graph.nodes] == ["input", "conv", "pool", "conv", "conv", "add"]


def test_fx_import_of_global_pooling_says_whole_input_and_reports_other_paths():
    torch = pytest.importorskip("torch", reason="torch is not installed: pip install 'kronconv[torch]'")
    from kronconv.importers import read_torch

    nn = torch.nn
    F = nn.functional

    class ASPPLike(nn.Module):
        def __init__(self):
            super().__init__()
            self.b1 = nn.Conv2d(4, 4, 3, padding=6, dilation=6)
            self.b2 = nn.Conv2d(4, 4, 1)
            self.gp = nn.AdaptiveAvgPool2d(1)
            self.gc = nn.Conv2d(4, 4, 1)

        def forward(self, x):
            g = F.interpolate(self.gc(self.gp(x)), size=x.shape[2:], mode="bilinear", align_corners=False)
            return torch.cat([self.b1(x), self.b2(x), g], 1)

    imp = read_torch(ASPPLike(), (1, 4, 20, 20))
    rep = net_fields(imp.graph)
    assert rep.whole_input and rep.receptive_field == (13, 13) and rep.aligned
    assert rep.global_nodes == ("gp",)
    assert rep.field("gc").whole_input and not rep.field("b1").whole_input


def test_fx_import_refuses_unsupported_modules_by_name():
    torch = pytest.importorskip("torch", reason="torch is not installed: pip install 'kronconv[torch]'")
    from kronconv.importers import read_torch

    nn = torch.nn
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.InstanceNorm2d(4))
    with pytest.raises(InvalidSpec, match=r"InstanceNorm2d \(node '1'\): normalises with statistics"):
        read_torch(net, (1, 3, 16, 16))
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(5))
    with pytest.raises(InvalidSpec, match=r"AdaptiveAvgPool2d \(node '1'\).*windows of different sizes"):
        read_torch(net, (1, 3, 16, 16))
    net = nn.Sequential(nn.Upsample(scale_factor=1.5))
    with pytest.raises(InvalidSpec, match=r"Upsample \(node '0'\): scale \[1.5, 1.5\] is not an integer"):
        read_torch(net, (1, 3, 16, 16))


# =========================================================================== ONNX


@st.composite
def onnx_plan(draw):
    blocks = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["conv", "conv", "auto", "pool", "res", "cat", "up", "convt"]))
        if kind == "conv":
            k, d = draw(st.integers(1, 3)), draw(st.integers(1, 3))
            blocks.append(("conv", k, d, draw(st.integers(1, 2)), draw(st.integers(0, 3)), draw(st.integers(0, 3))))
        elif kind == "auto":
            mode = draw(st.sampled_from(["SAME_UPPER", "SAME_LOWER", "VALID"]))
            # onnxruntime implements SAME only without dilation
            blocks.append(("auto", draw(st.integers(1, 4)), draw(st.integers(1, 2)),
                           draw(st.integers(1, 3)) if mode == "VALID" else 1, mode))
        elif kind == "pool":
            k = draw(st.integers(1, 3))
            blocks.append(("pool", draw(st.sampled_from(["MaxPool", "AveragePool"])), k, draw(st.integers(1, 3)),
                           draw(st.integers(0, k // 2)), draw(st.integers(0, k // 2)), draw(st.booleans())))
        elif kind == "res":
            k, d = draw(st.integers(1, 4)), draw(st.integers(1, 2))
            lo = draw(st.integers(0, d * (k - 1)))
            blocks.append(("res", k, d, lo, d * (k - 1) - lo))
        elif kind == "cat":
            blocks.append(("cat", draw(st.integers(1, 3)), draw(st.integers(1, 3))))
        elif kind == "up":
            blocks.append(("up", draw(st.sampled_from(["nearest", "linear"]))))
        else:
            s = draw(st.integers(1, 2))
            k = draw(st.integers(s, 4))
            blocks.append(("convt", k, s, draw(st.integers(0, k - 1)), draw(st.integers(0, k - 1))))
    return blocks


def _onnx_model(plan, n):
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []
    cur = "x"
    count = 0

    def fresh(prefix):
        nonlocal count
        count += 1
        return f"{prefix}{count}"

    def weight(shape):
        name = fresh("w")
        inits.append(numpy_helper.from_array(np.ones(shape, np.float32), name))
        return name

    for b in plan:
        out = fresh("t")
        if b[0] == "conv":
            nodes.append(helper.make_node("Conv", [cur, weight((C, C, b[1]))], [out], name=fresh("conv"),
                                          kernel_shape=[b[1]], dilations=[b[2]], strides=[b[3]], pads=[b[4], b[5]]))
            r = fresh("t")
            nodes.append(helper.make_node("Relu", [out], [r], name=fresh("relu")))
            out = r
        elif b[0] == "auto":
            nodes.append(helper.make_node("Conv", [cur, weight((C, C, b[1]))], [out], name=fresh("conv"),
                                          kernel_shape=[b[1]], strides=[b[2]], dilations=[b[3]], auto_pad=b[4]))
        elif b[0] == "pool":
            nodes.append(helper.make_node(b[1], [cur], [out], name=fresh("pool"), kernel_shape=[b[2]], strides=[b[3]],
                                          pads=[b[4], b[5]], ceil_mode=int(b[6])))
        elif b[0] == "res":
            y = fresh("t")
            nodes.append(helper.make_node("Conv", [cur, weight((C, C, b[1]))], [y], name=fresh("conv"),
                                          kernel_shape=[b[1]], dilations=[b[2]], pads=[b[3], b[4]]))
            nodes.append(helper.make_node("Add", [cur, y], [out], name=fresh("add")))
        elif b[0] == "cat":
            y1, y2, c = fresh("t"), fresh("t"), fresh("t")
            for y, k in ((y1, b[1]), (y2, b[2])):
                nodes.append(helper.make_node("Conv", [cur, weight((C, C, k))], [y], name=fresh("conv"),
                                              kernel_shape=[k], auto_pad="SAME_UPPER"))
            nodes.append(helper.make_node("Concat", [y1, y2], [c], name=fresh("cat"), axis=1))
            nodes.append(helper.make_node("Conv", [c, weight((C, 2 * C, 1))], [out], name=fresh("conv"),
                                          kernel_shape=[1]))
        elif b[0] == "up":
            sc = fresh("scales")
            inits.append(numpy_helper.from_array(np.array([1, 1, 2], np.float32), sc))
            kw = ({"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}
                  if b[1] == "nearest" else {"mode": "linear", "coordinate_transformation_mode": "half_pixel"})
            nodes.append(helper.make_node("Resize", [cur, "", sc], [out], name=fresh("resize"), **kw))
        else:
            nodes.append(helper.make_node("ConvTranspose", [cur, weight((C, C, b[1]))], [out], name=fresh("convt"),
                                          kernel_shape=[b[1]], strides=[b[2]], pads=[b[3], b[4]]))
        cur = out
    graph = helper.make_graph(nodes, "random", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [n, C, n])],
                              [helper.make_tensor_value_info(cur, TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@given(onnx_plan())
def test_onnx_import_field_equals_onnxruntime_impulse_response(plan):
    pytest.importorskip("onnx", reason="onnx is not installed: pip install 'kronconv[onnx]'")
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed: pip install 'kronconv[onnx]'")
    from kronconv.importers import read_onnx

    n = 40
    model = _onnx_model(plan, n)
    try:
        imp = read_onnx(model)
    except InvalidSpec as exc:
        assume("smaller than the dilated kernel" not in str(exc) and "would be" not in str(exc))
        raise
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    x = np.zeros((n, C, n), np.float32)
    x[np.arange(n), 0, np.arange(n)] = 1.0  # impulse at position i in batch item i
    y = sess.run(None, {"x": x})[0]
    g = imp.graph
    assert node_sizes(g, n)[g.output] == (y.shape[2],) == imp.sizes[g.output]
    checked = 0
    for (u,) in _units((y.shape[2],)):
        want = _field_hull(g, (u,), (n,))
        if want is None:
            continue
        mask = y[:, :, u].sum(axis=1) > 0
        assert want == _hull(mask), (plan, u)
        checked += 1
    assume(checked > 0)


def _tiny_onnx(*extra_nodes, inits=(), out="y", shape=(1, 1, 16, 16)):
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.ones((1, 1, 3, 3), np.float32), "w")
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1])] + list(extra_nodes)
    graph = helper.make_graph(nodes, "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                              [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)], [w] + list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@pytest.mark.parametrize("node, match", [
    (("Gather", ["c", "idx"], ["y"], "gath", {}), r"unsupported operation Gather \(node 'gath'\): not in the"),
    (("InstanceNormalization", ["c", "sc", "bi"], ["y"], "inorm", {}), r"InstanceNormalization \(node 'inorm'\)"),
    (("Concat", ["c", "x"], ["y"], "spatialcat", {"axis": 2}), r"Concat \(node 'spatialcat'\): concatenation along axis 2"),
    (("Resize", ["c", "", "sc15"], ["y"], "rs", {"mode": "nearest"}), r"Resize \(node 'rs'\): scales \[1.5, 1.5\]"),
    (("Resize", ["c", "", "sc2"], ["y"], "ac", {"mode": "linear", "coordinate_transformation_mode": "align_corners"}),
     r"Resize \(node 'ac'\): linear resize with coordinate_transformation_mode='align_corners'"),
    (("Slice", ["c", "s0", "s1", "s2"], ["y"], "crop", {}), r"Slice \(node 'crop'\): slicing spatial axis 2"),
])
def test_onnx_import_refuses_unsupported_ops_by_name(node, match):
    pytest.importorskip("onnx", reason="onnx is not installed: pip install 'kronconv[onnx]'")
    from onnx import helper, numpy_helper

    from kronconv.importers import read_onnx

    op, ins, outs, name, attrs = node
    inits = [numpy_helper.from_array(np.array([0], np.int64), "idx"),
             numpy_helper.from_array(np.ones(1, np.float32), "sc"), numpy_helper.from_array(np.ones(1, np.float32), "bi"),
             numpy_helper.from_array(np.array([1, 1, 1.5, 1.5], np.float32), "sc15"),
             numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "sc2"),
             numpy_helper.from_array(np.array([1], np.int64), "s0"), numpy_helper.from_array(np.array([8], np.int64), "s1"),
             numpy_helper.from_array(np.array([2], np.int64), "s2")]
    model = _tiny_onnx(helper.make_node(op, ins, outs, name=name, **attrs), inits=inits)
    with pytest.raises(InvalidSpec, match=match):
        read_onnx(model)


def test_onnx_same_padding_depends_on_the_input_size():
    pytest.importorskip("onnx", reason="onnx is not installed: pip install 'kronconv[onnx]'")
    from onnx import helper

    from kronconv.importers import read_onnx

    # TF SAME: total = max(k - s, 0) if n % s == 0 else max(k - n % s, 0); k = 3, s = 2
    for n, lo, hi in ((16, 0, 1), (15, 1, 1)):
        m = _tiny_onnx(helper.make_node("MaxPool", ["c"], ["y"], name="p", kernel_shape=[3, 3], strides=[2, 2],
                                        auto_pad="SAME_UPPER"), shape=(1, 1, n, n))
        layer = read_onnx(m).graph.node("p").layer
        assert (layer.padding, layer.padding_hi) == ((lo, lo), (hi, hi))
        m = _tiny_onnx(helper.make_node("MaxPool", ["c"], ["y"], name="p", kernel_shape=[3, 3], strides=[2, 2],
                                        auto_pad="SAME_LOWER"), shape=(1, 1, n, n))
        layer = read_onnx(m).graph.node("p").layer
        assert (layer.padding, layer.padding_hi) == ((hi, hi), (lo, lo))
    m = _tiny_onnx(helper.make_node("MaxPool", ["c"], ["y"], name="p", kernel_shape=[3, 3], strides=[2, 2],
                                    auto_pad="SAME_UPPER"), shape=(1, 1, "h", "w"))
    with pytest.raises(InvalidSpec, match="auto_pad=SAME_UPPER depends on the input size"):
        read_onnx(m)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the TorchScript exporter warns of its own removal
def test_torch_to_onnx_round_trip_gives_the_fx_table():
    torch = pytest.importorskip("torch", reason="torch is not installed: pip install 'kronconv[torch]'")
    onnx = pytest.importorskip("onnx", reason="onnx is not installed: pip install 'kronconv[onnx]'")
    from kronconv.importers import read_onnx, read_torch

    nn = torch.nn
    F = nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 8, 5, stride=2, padding=2)
            self.pool = nn.MaxPool2d(3, 2, ceil_mode=True)
            self.a = nn.Conv2d(8, 8, 3, padding=2, dilation=2)
            self.b = nn.Conv2d(8, 8, 1)
            self.bn = nn.BatchNorm2d(16)
            self.up = nn.ConvTranspose2d(16, 4, 4, stride=2, padding=1)
            self.gp = nn.AdaptiveAvgPool2d(1)

        def forward(self, x):
            y = self.pool(F.relu(self.stem(x)))
            y = self.bn(torch.cat([self.a(y), self.b(y)], 1)) + 1.0
            y = F.interpolate(self.up(F.relu(y)), scale_factor=2, mode="nearest")
            return y * torch.sigmoid(self.gp(y))

    net = Net().eval()
    shape = (1, 3, 45, 45)
    buf = io.BytesIO()
    torch.onnx.export(net, (torch.zeros(shape),), buf, dynamo=False, opset_version=17)
    via_onnx = read_onnx(onnx.load_from_string(buf.getvalue()))
    via_fx = read_torch(net, shape)

    def table(imp):
        rep = net_fields(imp.graph).to_dict()
        sizes = node_sizes(imp.graph, imp.input_size)
        rows = sorted((n["op"], json.dumps(n["receptive_field"]), json.dumps(n["effective_stride"]),
                       json.dumps(n["offset"]), json.dumps(n["centre"]), sizes[n["id"]]) for n in rep["nodes"])
        keys = ("receptive_field", "whole_input", "other_paths_receptive_field", "effective_stride",
                "effective_padding", "aligned")
        return rows, {k: rep[k] for k in keys}

    assert table(via_onnx) == table(via_fx)
    assert net_fields(via_fx.graph).whole_input


# =========================================================================== spec features


def test_spec_features_fractional_strides_and_ceil_mode_sizes():
    g = graph_from_dict({"dims": 1, "nodes": [
        {"id": "x", "op": "input"},
        {"id": "p", "op": "pool", "inputs": ["x"], "kernel": 3, "stride": 2, "ceil_mode": True, "dilation": 2},
        {"id": "c", "op": "conv", "inputs": ["p"], "kernel": 3, "padding": [[2, 0]]},
        {"id": "u", "op": "upsample", "inputs": ["c"], "scale": 2},
        {"id": "t", "op": "convt", "inputs": ["u"], "kernel": 4, "stride": 2, "padding": 1}]})
    rep = net_fields(g)
    assert rep.field("p").receptive_field == (5,) and rep.field("c").effective_padding == (4,)
    assert rep.field("u").effective_stride == (1,) and rep.field("t").effective_stride == (Fraction(1, 2),)
    assert node_sizes(g, 20) == {"x": (20,), "p": (9,), "c": (9,), "u": (18,), "t": (36,)}
    again = graph_from_dict(json.loads(json.dumps(g.to_dict())))
    assert again == g


def test_causal_residual_adds_are_aligned_at_their_ends():
    nodes = [{"id": "x", "op": "input"}]
    prev = "x"
    for i, d in enumerate([1, 2, 4, 8]):
        nodes.append({"id": f"c{i}", "op": "conv", "inputs": [prev], "kernel": 2, "dilation": d, "padding": [[d, 0]]})
        nodes.append({"id": f"r{i}", "op": "add", "inputs": [prev, f"c{i}"]})
        prev = f"r{i}"
    centre = net_fields(graph_from_dict({"dims": 1, "nodes": nodes}))
    end = net_fields(graph_from_dict({"dims": 1, "align": "end", "nodes": nodes}))
    assert not centre.aligned and end.aligned
    assert centre.receptive_field == end.receptive_field == (16,) and end.effective_padding == (15,)


# =========================================================================== CLI


def _cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "kronconv", *args], check=False, capture_output=True, text=True, cwd=cwd,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=300)


def test_cli_rf_and_graph_on_an_onnx_file(tmp_path):
    onnx = pytest.importorskip("onnx", reason="onnx is not installed: pip install 'kronconv[onnx]'")
    from onnx import helper

    model = _tiny_onnx(helper.make_node("MaxPool", ["c"], ["p"], name="pool", kernel_shape=[3, 3], strides=[2, 2],
                                        ceil_mode=1),
                       helper.make_node("GlobalAveragePool", ["p"], ["y"], name="gap"), shape=(1, 1, 16, 16))
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    res = _cli("rf", str(path), "--format", "json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["receptive_field"] == "whole input" and data["global_pooling"] == ["gap"]
    pool = next(n for n in data["nodes"] if n["id"] == "pool")
    assert (pool["receptive_field"], pool["effective_stride"], pool["output_size"], pool["source_op"]) == (
        5, 2, 8, "MaxPool")
    res = _cli("graph", str(path), "--format", "json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["receptive_field"] == 5 and data["holes"] == 0
    assert any("global pooling 'gap'" in n for n in data["notes"])
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    res = _cli("rf", str(bad))
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and "cannot read ONNX model" in res.stderr


def test_cli_rf_with_torch_module(tmp_path):
    pytest.importorskip("torch", reason="torch is not installed: pip install 'kronconv[torch]'")
    (tmp_path / "mynets.py").write_text(
        "import torch\n"
        "def build():\n"
        "    return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, dilation=2), torch.nn.ReLU(),\n"
        "                               torch.nn.MaxPool2d(2, ceil_mode=True))\n"
        "def bad():\n"
        "    return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.GroupNorm(2, 4))\n")
    res = _cli("rf", "--torch", "mynets:build", "--input-shape", "1,3,21,21", "--format", "json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["receptive_field"] == 6 and data["output_size"] == 9 and data["effective_stride"] == 2
    res = _cli("rf", "--torch", "mynets:bad", "--input-shape", "1,3,21,21", cwd=tmp_path)
    assert res.returncode == 2 and "GroupNorm (node '1')" in res.stderr and res.stderr.count("\n") == 1
    res = _cli("rf", "--torch", "mynets:build", cwd=tmp_path)
    assert res.returncode == 2 and "--input-shape" in res.stderr


def test_onnx_pad_split_sum_lppool_slice_against_onnxruntime():
    pytest.importorskip("onnx", reason="onnx is not installed: pip install 'kronconv[onnx]'")
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed: pip install 'kronconv[onnx]'")
    from onnx import TensorProto, helper, numpy_helper

    from kronconv.importers import read_onnx

    n = 30
    const = [numpy_helper.from_array(np.ones((4, 2, 2), np.float32), "w"),
             numpy_helper.from_array(np.array([0, 0, 3, 0, 0, 1], np.int64), "pads"),
             numpy_helper.from_array(np.array([2, 2], np.int64), "split"),
             numpy_helper.from_array(np.array([0], np.int64), "s0"), numpy_helper.from_array(np.array([1], np.int64), "s1"),
             numpy_helper.from_array(np.array([1], np.int64), "ax")]
    nodes = [helper.make_node("Pad", ["x", "pads"], ["p"], name="pad"),
             helper.make_node("Conv", ["p", "w"], ["c"], name="conv", kernel_shape=[2], dilations=[3]),
             helper.make_node("Split", ["c", "split"], ["a", "b"], name="split", axis=1),
             helper.make_node("Sum", ["a", "b"], ["s"], name="sum"),
             helper.make_node("LpPool", ["s"], ["l"], name="lp", kernel_shape=[3], strides=[2], p=2),
             helper.make_node("Slice", ["l", "s0", "s1", "ax"], ["y"], name="first")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [n, 2, n])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], const)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    imp = read_onnx(model)
    g = imp.graph
    assert [nd.op for nd in g.nodes] == ["input", "conv", "select", "select", "add", "pool", "select"]
    assert g.node("conv").layer.padding == (3,) and g.node("conv").layer.padding_hi == (1,)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    x = np.zeros((n, 2, n), np.float32)
    x[np.arange(n), 0, np.arange(n)] = 1.0
    y = sess.run(None, {"x": x})[0]
    assert y.shape[1:] == (1, imp.sizes[g.output][0]) == (1, node_sizes(g, n)[g.output][0])
    checked = 0
    for (u,) in _units((y.shape[2],)):
        want = _field_hull(g, (u,), (n,))
        if want is not None:
            assert want == _hull(y[:, 0, u] > 0)
            checked += 1
    assert checked >= 3


@given(st.integers(1, 4), st.integers(1, 3), st.integers(0, 4), st.integers(0, 4), st.integers(1, 3),
       st.integers(1, 3), st.integers(1, 2), st.booleans(), st.integers(8, 40))
def test_chain_output_sizes_with_per_side_padding_and_ceil_mode_match_torch(k, d, lo, hi, pk, ps, pd, ceil, n):
    torch = pytest.importorskip("torch", reason="torch is not installed: pip install 'kronconv[torch]'")
    from kronconv.formulas import network_output_size
    from kronconv.spec import Conv, Network, Pool

    pp = min(pk // 2, (pd * (pk - 1) + 1) // 2)
    net = Network((Conv(k, dilation=d, padding=[[lo, hi]], dims=1),
                   Pool(pk, stride=ps, padding=pp, dilation=pd, ceil_mode=ceil, dims=1)))
    x = torch.nn.functional.pad(torch.zeros(1, 1, n), (lo, hi))
    if x.shape[-1] < d * (k - 1) + 1:
        with pytest.raises(InvalidSpec):
            network_output_size(net, n)
        return
    y = torch.nn.functional.conv1d(x, torch.ones(1, 1, k), dilation=d)
    try:
        z = torch.nn.functional.max_pool1d(y, pk, ps, pp, dilation=pd, ceil_mode=ceil)
    except RuntimeError:
        with pytest.raises(InvalidSpec):
            network_output_size(net, n)
        return
    assert network_output_size(net, n) == [[y.shape[-1]], [z.shape[-1]]]
