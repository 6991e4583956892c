"""torch.fx import: what is refused, with the value each refusal names, and the boundary next to it.

* An input shape given as a tuple is ``(N, C, *spatial)`` with 1 to 3 spatial
  axes and every size positive: 3 to 5 positive entries are accepted, 2 or 6
  entries or a size below 1 are refused echoing the shape.
* A second input tensor, ``align_corners=True`` with linear interpolation, a
  concatenation along a spatial axis (negative axes counted from the end: the
  channel axis of an ``(N, C, *spatial)`` tensor is ``-(dims + 1)``), a merge
  reading an ``F.pad`` (in either operand position), an interpolation with
  neither a constant scale nor a size of the tensor's rank, a padded output,
  and a layer whose PyTorch output size is not kronconv's (a transposed
  convolution given ``output_size`` when called) are refused naming the op, the
  node and the reason.
* The op named is the function's home module and name
  (``torch.nn.functional.max_pool2d``, ``_operator.add``).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.errors import InvalidSpec
from kronconv.netgraph import net_fields

torch = pytest.importorskip("torch", reason="torch is not installed: pip install 'kronconv[torch]'")
nn = torch.nn
F = torch.nn.functional

from torch_modules import FnModule as _Fn

import kronconv.layers as layers_module
from kronconv.importers import read_torch

# --------------------------------------------------------------------------- the input shape


_POOLS = {1: nn.MaxPool1d, 2: nn.MaxPool2d, 3: nn.MaxPool3d}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-1, 3), min_size=0, max_size=7))
def test_an_input_shape_is_n_c_and_one_to_three_positive_spatial_sizes(shape):
    ok = 3 <= len(shape) <= 5 and min(shape) >= 1
    net = _POOLS.get(len(shape) - 2, nn.MaxPool2d)(1)
    if not ok:
        with pytest.raises(InvalidSpec, match=rf"^input shape {shape} must be \(N, C, spatial\.\.\.\) with 1 to 3 "
                                              "positive spatial sizes$".replace("[", r"\[").replace("]", r"\]")):
            read_torch(net, tuple(shape))
        return
    imp = read_torch(net, tuple(shape))
    assert imp.input_size == tuple(shape[2:])
    assert imp.graph.dims == len(shape) - 2
    assert imp.sizes[imp.graph.output] == tuple(shape[2:])


@pytest.mark.parametrize("shape", [(1, 1, 4), (1, 1, 1, 1, 1), (2, 3, 1, 5)])
def test_the_extreme_accepted_shapes_import(shape):
    assert read_torch(_POOLS[len(shape) - 2](1), shape).input_size == shape[2:]


@pytest.mark.parametrize("shape", [(1, 4), (1, 1, 1, 1, 1, 1), (0, 1, 4), (1, 1, 0, 4), (1, 1, 4, -1)])
def test_the_nearest_refused_shapes_are_named(shape):
    with pytest.raises(InvalidSpec, match=r"^input shape \[" + ", ".join(str(v) for v in shape).replace("-", r"\-")):
        read_torch(nn.MaxPool2d(1), shape)


# --------------------------------------------------------------------------- a second input


def test_a_second_input_tensor_is_refused_by_name():
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.c = nn.Conv2d(1, 1, 3)

        def forward(self, x, extra=None):
            return self.c(x)

    with pytest.raises(InvalidSpec, match=r"^unsupported operation placeholder \(node 'extra'\): the module takes "
                                          r"more than one input tensor$"):
        read_torch(Two(), (1, 1, 8, 8))


# --------------------------------------------------------------------------- interpolation


@pytest.mark.parametrize("as_module", [False, True])
def test_linear_interpolation_with_align_corners_is_refused_and_without_it_is_an_upsample(as_module):
    def net(align):
        if as_module:
            return nn.Sequential(nn.Conv2d(1, 1, 3), nn.Upsample(scale_factor=2, mode="bilinear", align_corners=align))
        return _Fn(lambda s, x: F.interpolate(s.c(x), scale_factor=2, mode="bilinear", align_corners=align),
                   c=nn.Conv2d(1, 1, 3))

    with pytest.raises(InvalidSpec, match=r"align_corners=True maps units to non-integer positions of the input"):
        read_torch(net(True), (1, 1, 8, 8))
    up = read_torch(net(False), (1, 1, 8, 8)).graph.nodes[-1]
    assert (up.op, up.layer.scale, up.layer.mode) == ("upsample", (2, 2), "linear")
    near = nn.Sequential(nn.Conv2d(1, 1, 3), nn.Upsample(scale_factor=2, mode="nearest"))
    assert read_torch(near, (1, 1, 8, 8)).graph.nodes[-1].layer.mode == "nearest"


def test_interpolating_with_a_computed_scale_and_no_usable_shape_is_refused():
    # a pooled map given a fifth axis: its output shape is not (N, C, H, W), and the scale is a traced value
    net = _Fn(lambda s, x: F.interpolate(F.adaptive_avg_pool2d(s.c(x), 1).unsqueeze(2), scale_factor=x.size(1)))
    net.c = nn.Conv2d(2, 2, 3)
    with pytest.raises(InvalidSpec, match=r"^unsupported operation torch\.nn\.functional\.interpolate \(node "
                                          r"'interpolate'\): neither an integer scale nor sizes that are integer "
                                          r"multiples$"):
        read_torch(net, (1, 2, 8, 8))


# --------------------------------------------------------------------------- concatenation axes


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_concatenation_on_the_channel_axis_counted_from_the_end_is_a_concat(dims):
    shape = (1, 1) + (6,) * dims
    conv = getattr(nn, f"Conv{dims}d")
    for dim in (1, -(dims + 1)):
        net = _Fn(lambda s, x, dim=dim: torch.cat([s.a(x), s.b(x)], dim=dim), a=conv(1, 2, 3, padding=1), b=conv(1, 3, 1))
        imp = read_torch(net, shape)
        node = imp.graph.nodes[-1]
        assert node.op == "concat" and set(node.inputs) == {"a", "b"}
        assert net_fields(imp.graph).receptive_field == (3,) * dims
    for dim in range(-dims, 0):  # the spatial axes, counted from the end
        net = _Fn(lambda s, x, dim=dim: torch.cat([s.a(x), s.b(x)], dim=dim), a=conv(1, 2, 3, padding=1), b=conv(1, 2, 1))
        with pytest.raises(InvalidSpec, match=rf"concatenation along dim {dim} joins positions \(only dim 1"):
            read_torch(net, shape)


# --------------------------------------------------------------------------- merges reading a pad


@pytest.mark.parametrize("pad_first", [True, False])
def test_a_merge_reading_a_padded_tensor_is_refused_in_either_operand(pad_first):
    def fn(s, x):
        padded, other = F.pad(x, (1, 1, 1, 1)), s.c(x)  # both 10 x 10
        return padded + other if pad_first else other + padded

    net = _Fn(fn, c=nn.Conv2d(1, 1, 1, padding=1))
    with pytest.raises(InvalidSpec, match=r"^unsupported operation _operator\.add \(node 'add'\): reads a padded "
                                          r"tensor \(F\.pad\) but is not a convolution or pool the padding can be "
                                          r"folded into$"):
        read_torch(net, (1, 1, 8, 8))
    three = _Fn(lambda s, x: torch.cat([s.c(x), s.d(x), F.pad(x, (1, 1, 1, 1))], 1),
                c=nn.Conv2d(1, 1, 1, padding=1), d=nn.Conv2d(1, 1, 3, padding=2))
    with pytest.raises(InvalidSpec, match=r"reads a padded tensor \(F\.pad\)"):
        read_torch(three, (1, 1, 8, 8))


def test_a_padded_output_is_refused():
    net = _Fn(lambda s, x: F.pad(s.c(x), (2, 0)), c=nn.Conv1d(1, 1, 3))
    with pytest.raises(InvalidSpec, match=r"^the module's output is padded \(F\.pad\) after its last layer"):
        read_torch(net, (1, 1, 10))
    through = _Fn(lambda s, x: torch.relu(s.p(F.pad(s.c(x), (2, 0)))), c=nn.Conv1d(1, 1, 3), p=nn.AdaptiveAvgPool1d(10))
    with pytest.raises(InvalidSpec, match=r"^the module's output is padded"):
        read_torch(through, (1, 1, 10))  # adaptive pooling to the padded size is the identity: the pad stays
    folded = _Fn(lambda s, x: s.d(F.pad(s.c(x), (2, 0))), c=nn.Conv1d(1, 1, 3), d=nn.Conv1d(1, 1, 1))
    imp = read_torch(folded, (1, 1, 10))
    assert imp.sizes[imp.graph.output] == (10,)
    assert (imp.graph.node("d").layer.padding, imp.graph.node("d").layer.padding_hi) == ((2,), (0,))


# --------------------------------------------------------------------------- sizes kronconv would get wrong


def test_a_transposed_convolution_called_with_an_output_size_is_refused_naming_both_sizes():
    class Up(nn.Module):
        def __init__(self):
            super().__init__()
            self.u = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1)

        def forward(self, x):
            return self.u(x, output_size=[16, 15])

    # (8 - 1) * 2 - 2 * 1 + 3 = 15 per axis from the layer's own attributes; the call asks for 16 x 15
    with pytest.raises(InvalidSpec, match=r"^unsupported operation torch\.nn\.ConvTranspose2d \(node 'u'\): "
                                          r"kronconv's output size \[15, 15\] differs from PyTorch's \[16, 15\]$"):
        read_torch(Up(), (1, 1, 8, 8))


def test_a_size_refusal_of_kronconvs_arithmetic_names_the_op_once(monkeypatch):
    """Were kronconv's arithmetic ever to refuse a layer PyTorch ran, the refusal keeps its whole reason."""
    monkeypatch.setattr(layers_module, "_conv_out", lambda *a: 0)
    net = nn.Sequential(nn.Conv2d(1, 1, 3))
    with pytest.raises(InvalidSpec, match=r"^unsupported operation torch\.nn\.Conv2d \(node '0'\): input size 8 on "
                                          r"axis 0 is smaller than the dilated kernel extent 3 \(padding 0\+0\): use "
                                          r"a larger input size$"):
        read_torch(net, (1, 1, 8, 8))


# --------------------------------------------------------------------------- the names of ops


def test_functions_are_named_by_their_home_module():
    net = _Fn(lambda s, x: F.max_pool2d(s.c(x), 2) + s.d(x), c=nn.Conv2d(1, 1, 3, padding=1), d=nn.Conv2d(1, 1, 2, 2))
    imp = read_torch(net, (1, 1, 8, 8))
    assert imp.sources["max_pool2d"] == "torch.nn.functional.max_pool2d"
    assert imp.sources["add"] == "_operator.add"
    bad = _Fn(lambda s, x: F.unfold(x, 2))
    with pytest.raises(InvalidSpec, match=r"^unsupported operation torch\.nn\.functional\.unfold \(node 'unfold'\)"):
        read_torch(bad, (1, 1, 8, 8))
