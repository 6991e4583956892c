"""``layer_output_size`` equals the output length PyTorch produces (and refuses exactly where PyTorch
fails) for convolutions with per-side padding, pools in floor and ceil mode, transposed convolutions with
output padding, upsampling and global pooling; the layers' own range checks are tested at both ends."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.errors import InvalidSpec
from kronconv.layers import ConvTranspose, GlobalPool, Upsample, layer_output_size
from kronconv.netgraph import NetGraph, NetNode, node_sizes
from kronconv.spec import Conv, Pool


@pytest.fixture(scope="module")
def torch() -> Any:
    return pytest.importorskip("torch", reason="PyTorch not installed: size cross-checks are skipped")


def _ours(layer: Any, n: int) -> int | None:
    try:
        return layer_output_size(layer, 0, n)
    except InvalidSpec:
        return None


def _theirs(fn: Any) -> int | None:
    try:
        return int(fn().shape[-1])
    except RuntimeError:
        return None


@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, 30), k=st.integers(1, 5), d=st.integers(1, 3), s=st.integers(1, 4),
       lo=st.integers(0, 4), hi=st.integers(0, 4))
def test_conv_output_size_equals_torch(torch: Any, n: int, k: int, d: int, s: int, lo: int, hi: int) -> None:
    f = torch.nn.functional
    layer = Conv(k, dilation=d, stride=s, padding=lo, padding_hi=hi, dims=1)
    x = f.pad(torch.zeros(1, 1, n), (lo, hi))
    assert _ours(layer, n) == _theirs(lambda: f.conv1d(x, torch.zeros(1, 1, k), stride=s, dilation=d))


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 30), k=st.integers(1, 5), d=st.integers(1, 3), s=st.integers(1, 4),
       p=st.integers(0, 7), ceil=st.booleans())
def test_pool_output_size_equals_torch(torch: Any, n: int, k: int, d: int, s: int, p: int, ceil: bool) -> None:
    p = min(p, k // 2)  # torch's limit (undilated); kronconv allows up to half the dilated window
    layer = Pool(k, dilation=d, stride=s, padding=p, ceil_mode=ceil, dims=1)
    theirs = _theirs(lambda: torch.nn.functional.max_pool1d(torch.zeros(1, 1, n), k, stride=s, padding=p,
                                                            dilation=d, ceil_mode=ceil))
    assert _ours(layer, n) == (theirs if theirs else None)  # torch may return an empty (0-long) output


@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, 12), k=st.integers(1, 5), d=st.integers(1, 3), s=st.integers(1, 4),
       p=st.integers(0, 8), op=st.integers(0, 3))
def test_transposed_conv_output_size_equals_torch(torch: Any, n: int, k: int, d: int, s: int, p: int,
                                                  op: int) -> None:
    op = min(op, max(s, d) - 1)
    layer = ConvTranspose(k, stride=s, dilation=d, padding=p, output_padding=op, dims=1)
    theirs = _theirs(lambda: torch.nn.functional.conv_transpose1d(
        torch.zeros(1, 1, n), torch.zeros(1, 1, k), stride=s, padding=p, output_padding=op, dilation=d))
    assert _ours(layer, n) == (theirs if theirs else None)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 20), c=st.integers(1, 5), mode=st.sampled_from(["nearest", "linear"]))
def test_upsample_output_size_equals_torch(torch: Any, n: int, c: int, mode: str) -> None:
    kw = {"align_corners": False} if mode == "linear" else {}
    theirs = torch.nn.functional.interpolate(torch.zeros(1, 1, n), scale_factor=c, mode=mode, **kw).shape[-1]
    assert layer_output_size(Upsample(c, mode=mode, dims=1), 0, n) == theirs == n * c


@given(st.integers(1, 1000))
def test_global_pool_output_is_one_unit(n: int) -> None:
    assert layer_output_size(GlobalPool(dims=1), 0, n) == 1


def test_resize_needs_a_one_wide_input() -> None:
    up = Upsample(size=[7, 3], dims=2)
    assert [layer_output_size(up, ax, 1) for ax in (0, 1)] == [7, 3]
    with pytest.raises(InvalidSpec) as exc:
        layer_output_size(up, 1, 2, where="node 'r'")
    assert str(exc.value) == "node 'r': a resize to size [7, 3] needs a 1-wide input (after global pooling), got 2 on axis 1"


def test_too_small_input_names_the_extent_and_padding() -> None:
    with pytest.raises(InvalidSpec) as exc:
        layer_output_size(Conv(3, dilation=2, padding=0, padding_hi=1, dims=1), 0, 3, where="node 'c'")
    assert str(exc.value) == ("node 'c': input size 3 on axis 0 is smaller than the dilated kernel extent 5 "
                              "(padding 0+1): use a larger input size")
    assert layer_output_size(Conv(3, dilation=2, padding=0, padding_hi=1, dims=1), 0, 4) == 1
    with pytest.raises(InvalidSpec, match=r"^layer: transposed convolution output on axis 0 would be 0 units "
                                          r"for input size 1$"):
        layer_output_size(ConvTranspose(1, padding=[[1, 0]], dims=1), 0, 1)


def test_upsample_size_range_and_spec_form() -> None:
    assert Upsample(size=1, dims=1).size == (1,)
    assert Upsample(size=2**30, dims=1).size == (2**30,)
    for bad in (0, 2**30 + 1):
        with pytest.raises(InvalidSpec, match=rf"^size must be an integer in \[1, {2**30}\], got {bad}$"):
            Upsample(size=bad, dims=1)
    assert Upsample(3, dims=1).to_dict() == {"scale": [3], "mode": "nearest"}
    assert Upsample(size=[4, 5], mode="linear", dims=2).to_dict() == {"scale": [2, 2], "mode": "linear", "size": [4, 5]}


def test_transposed_conv_argument_ranges() -> None:
    assert ConvTranspose(3, dilation=1, dims=1).dilation == (1,)
    with pytest.raises(InvalidSpec, match=r"^dilation must be an integer in \[1, "):
        ConvTranspose(3, dilation=0, dims=1)
    assert ConvTranspose(3, in_channels=1, out_channels=1, dims=1).in_channels == 1
    with pytest.raises(InvalidSpec, match=r"^in_channels must be an integer in \[1, "):
        ConvTranspose(3, in_channels=0, dims=1)
    assert ConvTranspose(3, stride=3, output_padding=2, dims=1).output_padding == (2,)
    with pytest.raises(InvalidSpec) as exc:
        ConvTranspose(3, stride=3, dilation=2, output_padding=3, dims=1)
    assert str(exc.value) == "output_padding[0]=3 must be smaller than the stride or the dilation (at most 2)"


def test_node_sizes_of_a_branching_graph() -> None:
    nodes = [NetNode("x", "input"), NetNode("p", "pool", ("x",), Pool(3, stride=2, ceil_mode=True, dims=1)),
             NetNode("t", "convt", ("p",), ConvTranspose(4, stride=2, padding=1, dims=1)),
             NetNode("g", "global", ("x",), GlobalPool(dims=1)),
             NetNode("r", "upsample", ("g",), Upsample(size=9, dims=1)),
             NetNode("sum", "add", ("t", "g"))]
    g = NetGraph.build(nodes, dims=1, output="sum")
    # 10 -> ceil((10 - 3) / 2) + 1 = 5 -> (5 - 1) * 2 - 2 + 4 = 10; the pooled value broadcasts to the add
    assert node_sizes(g, 10) == {"x": (10,), "p": (5,), "t": (10,), "g": (1,), "sum": (10,)}


def test_ceil_mode_pool_keeps_a_first_window_that_runs_past_the_high_padding() -> None:
    # PyTorch: max_pool1d(zeros(1, 1, 1), 2, stride=2, padding=1, dilation=3, ceil_mode=True) has 1 unit:
    # ceil((1 + 2 - 4) / 2) + 1 = 1, and that window starts in the left padding
    pool = Pool(2, stride=2, padding=1, dilation=3, ceil_mode=True, dims=1)
    assert layer_output_size(pool, 0, 1) == 1
    with pytest.raises(InvalidSpec, match=r"input size 1 on axis 0 is smaller than the dilated kernel extent 4"):
        layer_output_size(Pool(2, stride=2, padding=1, dilation=3, dims=1), 0, 1)
    # stride 1: ceil(-1 / 1) + 1 = 0 units, refused as PyTorch refuses it
    with pytest.raises(InvalidSpec, match=r"smaller than the dilated kernel extent 4"):
        layer_output_size(Pool(2, stride=1, padding=1, dilation=3, ceil_mode=True, dims=1), 0, 1)


def test_resampling_layers_have_no_parameters_and_a_fixed_kind() -> None:
    for layer in (Upsample(2, dims=1), GlobalPool(dims=1)):
        assert (layer.weight_count, layer.bias_count, layer.in_channels) == (0, 0, None)
    assert (Upsample(2, dims=1).kind, GlobalPool(dims=1).kind) == ("upsample", "global")
    with pytest.raises(TypeError):
        Upsample(2, dims=1, kind="conv")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        GlobalPool(dims=1, kind="conv")  # type: ignore[call-arg]
