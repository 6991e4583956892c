"""``forward``, ``Unpool`` and ``total_stride``: what a network run refuses, and its bound's shape and coverage.

The bound of a float32 run must cover its distance to the float64 run of the
same network and weights, position by position, through convolutions, pools,
unpooling and the final upsampling; refusals name the layer and the value.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kronconv.errors import InvalidArgument
from kronconv.numeric import Unpool, forward, init_params, total_stride
from kronconv.spec import Conv, Pool


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_unpool_accepts_one_to_three_axes_and_never_subsamples(dims) -> None:
    u = Unpool(2, dims=dims)
    assert u.factor == (2,) * dims
    assert u.stride == (1,) * dims


@pytest.mark.parametrize("dims", [0, 4])
def test_unpool_refuses_other_axis_counts(dims) -> None:
    with pytest.raises(InvalidArgument, match=f"dims must be 1, 2 or 3, got {dims}"):
        Unpool(2, dims=dims)


def test_unpool_refuses_unknown_modes() -> None:
    assert Unpool(2, mode="nearest").mode == "nearest"
    with pytest.raises(InvalidArgument, match="unpool mode must be 'max' or 'nearest', got 'avg'"):
        Unpool(2, mode="avg")


@given(st.lists(st.tuples(st.sampled_from(["conv", "pool", "unpool"]), st.integers(1, 4), st.integers(1, 4)),
                min_size=1, max_size=5))
def test_total_stride_is_the_product_of_conv_and_pool_strides(spec) -> None:
    layers = []
    expected = [1, 1]
    for kind, s0, s1 in spec:
        if kind == "conv":
            layers.append(Conv(3, stride=(s0, s1)))
        elif kind == "pool":
            layers.append(Pool(2, stride=(s0, s1)))
        else:
            layers.append(Unpool((s0, s1)))
            continue
        expected = [expected[0] * s0, expected[1] * s1]
    assert total_stride(layers) == tuple(expected)


def test_init_params_draws_he_normal_weights() -> None:
    layer = Conv((3, 5), in_channels=8, out_channels=64, groups=2)
    w, b = init_params([layer, Pool(2)], np.random.default_rng(0))[0]
    assert w.shape == (64, 4, 3, 5) and b.shape == (64,)
    fan_in = 4 * 15
    assert abs(w.std() / math.sqrt(2.0 / fan_in) - 1) < 0.05  # 3840 draws
    assert abs(b.std() / 0.1 - 1) < 0.3  # 64 draws


def _net_input(dims: int = 1) -> np.ndarray:
    return np.random.default_rng(0).standard_normal((1, 1) + (8,) * dims)


def test_forward_refuses_layers_of_another_dimension() -> None:
    with pytest.raises(InvalidArgument, match="layer 1 has dims=2 but the input has 1 spatial axes"):
        forward(_net_input(), [Conv(3, dims=1, bias=False), Pool(2)], [(np.ones((1, 1, 3)), None), None])


def test_forward_needs_one_params_entry_per_layer() -> None:
    layers = [Conv(3, dims=1, bias=False), Pool(2, dims=1)]
    with pytest.raises(InvalidArgument, match=r"need one params entry per layer \(2\), got 1"):
        forward(_net_input(), layers, [(np.ones((1, 1, 3)), None)])


def test_forward_checks_weights_and_channels_of_each_convolution() -> None:
    x = _net_input()
    with pytest.raises(InvalidArgument, match=r"layer 0: weight shape \(2, 1, 3\) does not fit the layer"):
        forward(x, [Conv(3, dims=1, bias=False)], [(np.ones((2, 1, 3)), None)])
    with pytest.raises(InvalidArgument, match="layer 0 expects 2 channels, got 1"):
        forward(x, [Conv(3, dims=1, in_channels=2, bias=False)], [(np.ones((1, 2, 3)), None)])


def test_max_unpooling_needs_an_earlier_matching_max_pool() -> None:
    x = _net_input()
    with pytest.raises(InvalidArgument, match="layer 0: max unpooling needs an earlier max Pool"):
        forward(x, [Unpool(2, dims=1)], [None])
    with pytest.raises(InvalidArgument, match=r"layer 1: max unpooling by \(2,\) needs a matching non-overlapping"):
        forward(x, [Pool(2, stride=1, dims=1), Unpool(2, dims=1)], [None, None])
    y = forward(x, [Pool(2, dims=1), Unpool(2, dims=1)], [None, None]).output
    pairs = x.reshape(4, 2)
    expected = np.where(pairs == pairs.max(axis=1, keepdims=True), pairs, 0.0).ravel()
    assert np.array_equal(y.ravel(), expected)


def test_upsampling_to_the_input_needs_a_whole_factor() -> None:
    layers = [Conv(3, stride=3, dims=1, bias=False)]
    params = [(np.ones((1, 1, 3)), None)]
    with pytest.raises(InvalidArgument, match=r"cannot upsample output size \(2,\) back to \(7,\)"):
        forward(np.ones((1, 1, 7)), layers, params, upsample_to_input=True)
    x = np.arange(9.0).reshape(1, 1, 9)
    r = forward(x, layers, params, upsample_to_input=True, with_bound=True)
    assert r.output.ravel().tolist() == [3.0] * 3 + [12.0] * 3 + [21.0] * 3
    assert r.bound.shape == (1, 1, 9)


_NETS = {
    "conv-maxpool-unpool": ([Conv(3, padding=1, dims=1, out_channels=2), Pool(2, dims=1), Unpool(2, dims=1),
                             Conv(3, padding=1, dims=1, in_channels=2)], False),
    "conv-avgpool-nearest": ([Conv(3, padding=1, dims=1, out_channels=3), Pool(2, mode="avg", dims=1),
                              Unpool(2, mode="nearest", dims=1), Conv(1, dims=1, in_channels=3)], False),
    "pool-first": ([Pool(2, dims=1), Conv(3, padding=1, dims=1), Unpool(2, dims=1)], False),
    "strided-upsampled": ([Conv(3, padding=1, stride=2, dims=1, out_channels=2), Pool(2, mode="avg", dims=1),
                           Conv(3, padding=1, dims=1, in_channels=2)], True),
}


@pytest.mark.parametrize("name", sorted(_NETS))
@pytest.mark.parametrize("seed", range(5))
def test_float32_bound_has_the_output_shape_and_covers_the_float64_distance(name, seed) -> None:
    layers, up = _NETS[name]
    rng = np.random.default_rng(seed)
    params = init_params(layers, rng)
    x = rng.standard_normal((2, 1, 32))
    ref = forward(x, layers, params, upsample_to_input=up).output
    p32 = [None if p is None else (p[0].astype(np.float32), None if p[1] is None else p[1].astype(np.float32))
           for p in params]
    r = forward(x.astype(np.float32), layers, p32, with_bound=True, upsample_to_input=up)
    assert r.output.shape == r.bound.shape == ref.shape
    assert r.terms > 0
    assert (np.abs(r.output.astype(np.float64) - ref) <= r.bound + 1e-12).all()
    assert float(r.bound.max()) < 1e-4 * float(np.abs(ref).max())
