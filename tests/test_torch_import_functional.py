"""torch.fx import of the functional forms and the less common module options.

The ``torch.nn.functional`` forms of convolutions, pools and adaptive pools must
import as the same layers as their ``torch.nn`` modules (whose fields the
autograd properties of ``test_importers.py`` check); explicit ``F.pad`` folds
into the next layer with the per-axis widths read off PyTorch's last-axis-first
list; the rest checks the options of each path against values read off the
module by hand, and its refusals by the value they name.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.errors import InvalidSpec
from kronconv.netgraph import net_fields, node_sizes

torch = pytest.importorskip("torch", reason="torch is not installed: pip install 'kronconv[torch]'")
nn = torch.nn
F = torch.nn.functional

from kronconv.importers import read_torch

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")


def _unnamed(layer):
    return dataclasses.replace(layer, name="")


def _only_layer(imp):
    (node,) = [n for n in imp.graph.nodes if n.layer is not None]
    return node


class _Apply(nn.Module):
    """``forward(x) = fn(x, *self.params, **kwargs)``: a functional call with the module's own tensors."""

    def __init__(self, fn, *params, **kwargs):
        super().__init__()
        self.fn, self.kwargs = fn, kwargs
        self.params = nn.ParameterList([p for p in params if p is not None])
        self.has_bias = len(params) > 1 and params[1] is not None

    def forward(self, x):
        if len(self.params) == 0:
            return self.fn(x, **self.kwargs)
        if len(self.params) == 1 and "bias" not in self.kwargs:
            return self.fn(x, self.params[0], **self.kwargs)
        return self.fn(x, self.params[0], self.params[1], **self.kwargs)


# --------------------------------------------------------------------------- F.conv*


@st.composite
def conv_cases(draw):
    dims = draw(st.integers(1, 2))
    groups = draw(st.integers(1, 2))
    cin, cout = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    k = draw(st.lists(st.integers(1, 4), min_size=dims, max_size=dims))
    d = draw(st.lists(st.integers(1, 3), min_size=dims, max_size=dims))
    s = draw(st.lists(st.integers(1, 3), min_size=dims, max_size=dims))
    pad = draw(st.sampled_from(["same", "valid", "int", "omit"]))
    if pad == "same":
        s = [1] * dims
    p = ([draw(st.integers(0, (dd * (kk - 1)) // 2)) for kk, dd in zip(k, d)] if pad == "int" else pad)
    return dims, groups, cin, cout, k, d, s, p, draw(st.booleans()), draw(st.booleans())


def _conv_then(fn):
    """A 3x3 convolution from 1 to 4 channels, then ``fn`` on its output."""

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.c = nn.Conv2d(1, 4, 3)

        def forward(self, x):
            return fn(self.c(x))

    return Net()


@given(conv_cases())
@settings(max_examples=40, deadline=None)
def test_functional_conv_imports_as_the_module_conv(case):
    dims, groups, cin, cout, k, d, s, p, bias, kw_stride = case
    Conv = (nn.Conv1d, nn.Conv2d)[dims - 1]
    fn = (F.conv1d, F.conv2d)[dims - 1]
    mod = Conv(cin, cout, k, stride=s, padding=0 if p == "omit" else p, dilation=d, groups=groups, bias=bias)
    kwargs = {"dilation": d, "groups": groups}
    if p != "omit":
        kwargs["padding"] = p
    if kw_stride or s != [1] * dims:
        kwargs["stride"] = s
    shape = (1, cin) + (17,) * dims
    want = _unnamed(_only_layer(read_torch(nn.Sequential(mod), shape)).layer)
    got = _only_layer(read_torch(_Apply(fn, mod.weight, mod.bias, **kwargs), shape))
    assert got.op == "conv" and _unnamed(got.layer) == want
    assert net_fields(read_torch(_Apply(fn, mod.weight, mod.bias, **kwargs), shape).graph).receptive_field == tuple(
        dd * (kk - 1) + 1 for kk, dd in zip(k, d))


def test_functional_conv_reads_kernel_and_channels_off_the_weight():
    w = nn.Parameter(torch.ones(6, 2, 3, 5))  # out 6, in 2 per group, kernel 3 x 5
    imp = read_torch(_Apply(F.conv2d, w, None, groups=2, dilation=(1, 2)), (1, 4, 12, 20))
    layer = _only_layer(imp).layer
    assert (layer.kernel, layer.in_channels, layer.out_channels, layer.groups) == ((3, 5), 4, 6, 2)
    assert (layer.stride, layer.padding, layer.dilation, layer.bias) == ((1, 1), (0, 0), (1, 2), False)
    assert imp.sizes[_only_layer(imp).id] == (10, 12)
    imp = read_torch(_Apply(F.conv2d, w, nn.Parameter(torch.zeros(6)), groups=2), (1, 4, 12, 20))
    assert _only_layer(imp).layer.bias is True


@pytest.mark.parametrize("kw", [{}, {"stride": 2, "padding": 1, "output_padding": 1},
                                {"stride": (2, 3), "padding": (0, 2), "dilation": 2, "groups": 2}])
def test_functional_conv_transpose_imports_as_the_module(kw):
    mod = nn.ConvTranspose2d(4, 6, (3, 5), **kw)  # weight (in 4, out 6 / groups, 3, 5): no two sizes alike
    shape = (1, 4, 7, 8)
    want = _unnamed(_only_layer(read_torch(nn.Sequential(mod), shape)).layer)
    got = _only_layer(read_torch(_Apply(F.conv_transpose2d, mod.weight, mod.bias, **kw), shape))
    assert got.op == "convt" and _unnamed(got.layer) == want
    assert (want.in_channels, want.out_channels) == (4, 6)


# --------------------------------------------------------------------------- F pools, adaptive


@pytest.mark.parametrize("fn, mod", [
    (lambda x: F.max_pool2d(x, 3, 2, 1, 2, True), nn.MaxPool2d(3, 2, 1, 2, ceil_mode=True)),
    (lambda x: F.max_pool2d(x, kernel_size=(2, 3)), nn.MaxPool2d((2, 3))),
    (lambda x: F.avg_pool2d(x, 3, 2, 1, True), nn.AvgPool2d(3, 2, 1, ceil_mode=True)),
    (lambda x: F.avg_pool2d(x, (3, 2)), nn.AvgPool2d((3, 2))),
    (lambda x: F.avg_pool1d(x, 3), nn.AvgPool1d(3)),
    (lambda x: F.lp_pool2d(x, 2, 3, 2), nn.LPPool2d(2, 3, 2)),
    (lambda x: F.lp_pool2d(x, 2, (2, 3)), nn.LPPool2d(2, (2, 3))),
])
def test_functional_pools_import_as_the_module_pools(fn, mod):
    shape = (1, 2, 15) if isinstance(mod, nn.AvgPool1d) else (1, 2, 15, 14)

    class Net(nn.Module):
        def forward(self, x):
            return fn(x)

    want = read_torch(nn.Sequential(mod), shape)
    got = read_torch(Net(), shape)
    assert _unnamed(_only_layer(got).layer) == _unnamed(_only_layer(want).layer)
    assert list(got.sizes.values()) == list(want.sizes.values())


@pytest.mark.parametrize("call", ["positional", "keyword"])
def test_functional_adaptive_pool_to_a_divisor_is_a_plain_pool(call):
    class Net(nn.Module):
        def forward(self, x):
            if call == "positional":
                return F.adaptive_max_pool2d(x, (4, 2))
            return F.adaptive_avg_pool2d(x, output_size=(4, 2))

    imp = read_torch(Net(), (1, 2, 16, 12))
    layer = _only_layer(imp).layer
    assert (layer.kernel, layer.stride, layer.mode) == ((4, 6), (4, 6), "max" if call == "positional" else "avg")
    assert type(layer.kernel[0]) is int
    assert list(imp.sizes.values())[-1] == (4, 2)


def test_adaptive_pool_module_to_a_divisor_and_to_the_input_size():
    imp = read_torch(nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.AdaptiveAvgPool2d((4, 8))), (1, 1, 16, 16))
    pool = imp.graph.node("1")
    assert (pool.layer.kernel, pool.layer.stride) == ((4, 2), (4, 2))
    assert imp.sizes["1"] == (4, 8)
    same = read_torch(nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.AdaptiveAvgPool2d((16, None))), (1, 1, 16, 16))
    assert [n.op for n in same.graph.nodes] == ["input", "conv"] and same.graph.output == "0"


def test_adaptive_pool_after_global_pooling_adds_no_node():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.AdaptiveAvgPool2d(1), nn.AdaptiveMaxPool2d(1))
    imp = read_torch(net, (1, 1, 9, 9))
    assert [n.op for n in imp.graph.nodes] == ["input", "conv", "global"]
    assert imp.graph.output == "1"


# --------------------------------------------------------------------------- F.pad


def _pad_then(pads, layer, shape, *, mode="constant", twice=None):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = layer

        def forward(self, x):
            x = F.pad(x, pads, mode=mode)
            if twice is not None:
                x = F.pad(x, twice)
            return self.layer(x)

    return read_torch(Net(), shape)


def test_pad_list_is_last_axis_first_and_folds_into_the_convolution():
    imp = _pad_then((1, 2, 3, 4), nn.Conv2d(1, 1, 3), (1, 1, 10, 11))
    layer = imp.graph.node("layer").layer
    # F.pad's list: (W lo, W hi, H lo, H hi)
    assert (layer.padding, layer.padding_hi) == ((3, 1), (4, 2))
    assert imp.sizes["layer"] == (10 + 7 - 2, 11 + 3 - 2)


def test_pad_of_the_last_axis_only_in_3d_leaves_the_other_axes_unpadded():
    imp = _pad_then((1, 2), nn.Conv3d(1, 1, 3), (1, 1, 5, 6, 7))
    layer = imp.graph.node("layer").layer
    assert (layer.padding, layer.padding_hi) == ((0, 0, 1), (0, 0, 2))
    assert imp.sizes["layer"] == (3, 4, 8)


def test_two_pads_in_a_row_fold_as_their_sum():
    imp = _pad_then((1, 0), nn.MaxPool1d(5, 1), (1, 1, 12), twice=(1, 2))
    layer = imp.graph.node("layer").layer
    assert (layer.padding, layer.padding_hi) == ((2,), (2,))
    assert imp.sizes["layer"] == (12,)


@pytest.mark.parametrize("pads, mode, cin", [((1, 1, 1, 1), "reflect", 1), ((1, -1), "constant", 1),
                                             ((1, 1, 1, 1, 1, 1), "constant", 3)])
def test_pad_that_does_not_fold_is_refused(pads, mode, cin):
    with pytest.raises(InvalidSpec, match=r"\(node 'pad'\): only constant, non-negative padding of the spatial axes"):
        _pad_then(pads, nn.Conv2d(cin, 1, 3), (1, 1, 10, 11), mode=mode)


def test_pad_feeding_a_transposed_convolution_is_refused():
    with pytest.raises(InvalidSpec, match=r"functional.pad \(node 'layer'\): a pad feeding torch.nn.ConvTranspose2d "
                                          "cannot be folded"):
        _pad_then((1, 1, 1, 1), nn.ConvTranspose2d(1, 1, 3), (1, 1, 6, 6))


# --------------------------------------------------------------------------- module options, errors


def test_conv_padding_valid_and_padding_mode_note():
    imp = read_torch(nn.Sequential(nn.Conv2d(1, 1, (3, 5), padding="valid")), (1, 1, 9, 9))
    layer = imp.graph.node("0").layer
    assert (layer.padding, layer.padding_hi) == ((0, 0), (0, 0)) and imp.sizes["0"] == (7, 5)
    assert not imp.notes
    imp = read_torch(nn.Sequential(nn.Conv2d(1, 1, 3, padding=1, padding_mode="circular")), (1, 1, 9, 9))
    assert [n for n in imp.notes if "padding_mode" in n] == [
        "0: padding_mode='circular' folds the border back onto the input; fields are those of the interior units"]


class _Boom(nn.Module):
    """A leaf module (its ``__module__`` is under ``torch.nn``) whose forward fails with a two-line message."""

    __module__ = "torch.nn.modules.boom"

    def forward(self, x):
        raise ValueError("first line of the failure\nsecond line")


class _Silent(nn.Module):
    """A leaf module whose forward fails with an exception that has no message."""

    __module__ = "torch.nn.modules.silent"

    def forward(self, x):
        raise KeyError


class _Untraceable(nn.Module):
    """Not a leaf: tracing runs its forward, which fails with an exception that has no message."""

    def forward(self, x):
        raise KeyError


def test_a_failing_forward_is_refused_with_the_first_line_of_its_message():
    with pytest.raises(InvalidSpec, match=r"running Sequential on an input of shape \[1, 1, 8, 8\] failed: "
                                          r"first line of the failure$"):
        read_torch(nn.Sequential(nn.Conv2d(1, 1, 3), _Boom()), (1, 1, 8, 8))
    with pytest.raises(InvalidSpec, match=r"on an input of shape \[1, 1, 8, 8\] failed: KeyError$"):
        read_torch(nn.Sequential(nn.Conv2d(1, 1, 3), _Silent()), (1, 1, 8, 8))
    with pytest.raises(InvalidSpec, match=r"^torch.fx cannot trace _Untraceable: KeyError$"):
        read_torch(_Untraceable(), (1, 1, 8, 8))


def test_a_module_returning_several_tensors_is_refused_and_one_in_a_tuple_is_taken():
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 5)

        def forward(self, x):
            return self.a(x), self.b(x)

    class One(Two):
        def forward(self, x):
            return (self.b(x),)

    with pytest.raises(InvalidSpec, match="the module returns 2 tensors; kronconv analyses one output"):
        read_torch(Two(), (1, 1, 9, 9))
    g = read_torch(One(), (1, 1, 9, 9)).graph
    assert g.output == "b" and net_fields(g).receptive_field == (5, 5)


# --------------------------------------------------------------------------- reductions, interpolate, merges


@pytest.mark.parametrize("fn, mode", [(lambda y: y.mean((2, 3), keepdim=True), "avg"),
                                      (lambda y: y.amax((2, 3), keepdim=True), "max"),
                                      (lambda y: torch.sum(y, (2, 3), keepdim=True), "avg")])
def test_keepdim_reduction_over_positions_is_a_global_pool(fn, mode):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.c = nn.Conv2d(1, 3, 3)

        def forward(self, x):
            return fn(self.c(x))

    imp = read_torch(Net(), (1, 1, 9, 9))
    node = imp.graph.nodes[-1]
    assert node.op == "global" and node.layer.mode == mode and imp.sizes[node.id] == (1, 1)
    assert not any("reads every position" in n for n in imp.notes)


def test_interpolate_to_sizes_with_different_scales_per_axis():
    class Net(nn.Module):
        def forward(self, x):
            return F.interpolate(x * 2.0, size=(16, 30), mode="nearest")

    class Conv(nn.Module):
        def __init__(self):
            super().__init__()
            self.c = nn.Conv2d(1, 1, 1)
            self.up = Net()

        def forward(self, x):
            return self.up(self.c(x))

    imp = read_torch(Conv(), (1, 1, 8, 10))
    layer = imp.graph.nodes[-1].layer
    assert layer.scale == (2, 3) and imp.sizes[imp.graph.output] == (16, 30)


def test_a_merge_of_a_tensor_with_itself_adds_no_node():
    class Swish(nn.Module):
        def __init__(self):
            super().__init__()
            self.c = nn.Conv2d(1, 2, 3)

        def forward(self, x):
            y = self.c(x)
            return y * torch.sigmoid(y)

    g = read_torch(Swish(), (1, 1, 9, 9)).graph
    assert [n.id for n in g.nodes] == ["x", "c"]


def test_a_merge_of_a_pooled_map_with_its_own_mean_keeps_its_one_by_one_size():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.gap, self.fc = nn.AdaptiveAvgPool2d(1), nn.Conv2d(3, 2, 1)

        def forward(self, x):
            g = self.gap(x)
            return self.fc(g + g.mean((2, 3), keepdim=True))

    imp = read_torch(Net(), (1, 3, 6, 6))
    assert imp.graph.output == "fc" and imp.sizes["fc"] == (1, 1)


# --------------------------------------------------------------------------- split, chunk, indexing


@pytest.mark.parametrize("fn", [lambda y: torch.split(y, 2, 1)[1], lambda y: torch.split(y, 2, dim=-3)[0],
                                lambda y: torch.chunk(y, 2, 1)[0], lambda y: y.split(2, 1)[1],
                                lambda y: torch.split(y, 1)[0], lambda y: torch.split(y, 1, 0)[0]])
def test_split_and_chunk_on_channels_or_batch_keep_positions(fn):
    imp = read_torch(_conv_then(fn), (1, 1, 9, 9))
    out = imp.graph.node(imp.graph.output)
    assert imp.sizes[out.id] == (7, 7) and net_fields(imp.graph).receptive_field == (3, 3)
    assert (out.op, out.channels) == (("select", 2) if fn(torch.zeros(1, 4, 7, 7)).shape[1] == 2 else ("conv", 1))


@pytest.mark.parametrize("fn, dim", [(lambda y: torch.split(y, 3, 2)[0], 2), (lambda y: torch.chunk(y, 2, -1)[0], -1),
                                     (lambda y: torch.split(y, 3, dim=3)[0], 3)])
def test_split_along_a_spatial_axis_is_refused(fn, dim):
    with pytest.raises(InvalidSpec, match=rf"splitting along dim {dim} cuts the map into parts at different positions"):
        read_torch(_conv_then(fn), (1, 1, 9, 9))


def test_channel_indexing_selects_and_full_indexing_aliases():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.c = nn.Conv2d(1, 5, 3)

        def forward(self, x):
            y = self.c(x)
            return y[:, 1:3] + y[:, :, :][:, :2]

    imp = read_torch(Net(), (1, 1, 16, 16))
    sel = [(n.op, n.channels, n.inputs) for n in imp.graph.nodes if n.op == "select"]
    assert sel == [("select", 2, ("c",)), ("select", 2, ("c",))]


def test_indexing_a_pooled_map_down_to_fewer_axes_stays_constant_in_space():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.c, self.gap = nn.Conv2d(1, 4, 3), nn.AdaptiveAvgPool2d(1)

        def forward(self, x):
            return torch.flatten(self.gap(self.c(x))[:, :, 0], 1)

    imp = read_torch(Net(), (1, 1, 9, 9))
    assert [(n.id, n.op) for n in imp.graph.nodes] == [("x", "input"), ("c", "conv"), ("gap", "global")]
    assert not any("reads every position" in n for n in imp.notes)


def test_node_sizes_of_an_imported_module_equal_its_recorded_sizes():
    imp = _pad_then((1, 0, 0, 1), nn.MaxPool2d(5, 2, 1), (1, 1, 13, 12))
    layer = imp.graph.node("layer").layer
    assert (layer.padding, layer.padding_hi) == ((1, 2), (2, 1))
    assert node_sizes(imp.graph, imp.input_size) == imp.sizes


def test_functional_adaptive_pool_given_its_size_by_keyword():
    # F.adaptive_avg_pool1d is a builtin: fx keeps ``output_size`` as a keyword (the Python ones become positional)
    class Net(nn.Module):
        def forward(self, x):
            return F.adaptive_avg_pool1d(x, output_size=2)

    imp = read_torch(Net(), (1, 2, 16))
    layer = _only_layer(imp).layer
    assert (layer.kernel, layer.stride, layer.mode) == ((8,), (8,), "avg")
    assert list(imp.sizes.values())[-1] == (2,)


@pytest.mark.parametrize("fn, shapes", [(lambda y: y[:, :, 1:], r"\[7, 7\] -> \[6, 7\]"),
                                        (lambda y: y[..., ::2], r"\[7, 7\] -> \[7, 4\]")])
def test_indexing_that_drops_positions_is_refused(fn, shapes):
    with pytest.raises(InvalidSpec, match=rf"indexing changes the spatial shape {shapes}: it moves or drops positions"):
        read_torch(_conv_then(fn), (1, 1, 9, 9))
