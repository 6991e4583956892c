"""The engine's bound and border taint on transposed convolutions, and the torch module on 2-D graphs.

* A stride-1 transposed convolution is a convolution with the flipped, transposed kernel and the
  complementary padding: the engine must give both the same value *and the same bound* (the same sums).
* The taint of a transposed convolution is exactly the set of units that change when the input is
  extended by real samples (brute force on a wider signal).
* ``torch_module`` computes the engine's graph on 2-D inputs for every layer kind it supports.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kronconv.checks.executors import graph_forward, graph_taint, random_weights, torch_module
from kronconv.layers import ConvTranspose, GlobalPool, Upsample
from kronconv.netgraph import NetGraph, NetNode
from kronconv.spec import Conv, Pool

HAVE_TORCH = importlib.util.find_spec("torch") is not None


@settings(max_examples=30, deadline=None)
@given(k=st.integers(1, 4), cin=st.integers(1, 3), cout=st.integers(1, 3), bias=st.booleans(),
       seed=st.integers(0, 2**16), data=st.data())
def test_stride_one_transposed_convolution_has_the_convolutions_value_and_bound(k: int, cin: int, cout: int,
                                                                               bias: bool, seed: int,
                                                                               data: st.DataObject) -> None:
    p = data.draw(st.integers(0, k - 1), label="conv padding")
    conv = Conv(k, padding=p, in_channels=cin, out_channels=cout, bias=bias, dims=1)
    convt = ConvTranspose(k, padding=k - 1 - p, in_channels=cin, out_channels=cout, bias=bias, dims=1)
    gc = NetGraph.build([NetNode("x", "input", channels=cin), NetNode("l", "conv", ("x",), conv)], dims=1)
    gt = NetGraph.build([NetNode("x", "input", channels=cin), NetNode("l", "convt", ("x",), convt)], dims=1)
    rng = np.random.default_rng(seed)
    f32 = lambda v: v.astype(np.float32).astype(np.float64)
    w = f32(rng.standard_normal((cout, cin, k)))
    b = f32(rng.standard_normal(cout)) if bias else None
    wt = np.ascontiguousarray(np.flip(w, axis=2).swapaxes(0, 1))  # (in, out, k), flipped
    x = rng.standard_normal((2, cin, 9)).astype(np.float32)
    yc, ec = graph_forward(gc, {"l": (w, b)}, x, with_bound=True)
    yt, et = graph_forward(gt, {"l": (wt, b)}, x, with_bound=True)
    assert yc.shape == yt.shape == ec.shape == et.shape
    assert np.allclose(yc, yt, rtol=0, atol=1e-5)
    assert np.allclose(ec, et, rtol=1e-9, atol=0) and ec.min() > 0
    # both bound the float32 rounding
    y64 = graph_forward(gc, {"l": (w, b)}, x.astype(np.float64))
    assert np.all(np.abs(yc - y64) <= ec) and np.all(np.abs(yt - y64) <= et)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 7), k=st.integers(1, 4), s=st.integers(1, 3), d=st.integers(1, 2), pre=st.booleans(),
       seed=st.integers(0, 2**16), data=st.data())
def test_transposed_convolution_taint_is_exactly_what_a_wider_input_changes(n: int, k: int, s: int, d: int,
                                                                           pre: bool, seed: int,
                                                                           data: st.DataObject) -> None:
    lo = data.draw(st.integers(0, 3), label="lo")
    hi = data.draw(st.integers(0, 3), label="hi")
    full = (n - 1) * s + d * (k - 1) + 1
    assume(full - lo - hi >= 1)
    nodes = [NetNode("x", "input")]
    if pre:
        nodes.append(NetNode("c", "conv", ("x",), Conv(3, padding=1, dims=1)))
    nodes.append(NetNode("t", "convt", (nodes[-1].id,), ConvTranspose(k, stride=s, dilation=d, padding=lo,
                                                                       padding_hi=hi, dims=1)))
    g = NetGraph.build(nodes, dims=1)
    rng = np.random.default_rng(seed)
    w = {key: (val[0], None) for key, val in random_weights(g, rng).items()}  # no bias: units no tap reaches are 0
    m = 4
    wide = rng.standard_normal((1, 1, n + 2 * m))
    narrow = wide[:, :, m:m + n]
    a = graph_forward(g, w, narrow)[0, 0]
    b = graph_forward(g, w, wide)[0, 0, m * s:m * s + len(a)]
    differ = np.abs(a - b) > 1e-9
    taint = graph_taint(g, (n,))
    assert not (differ & ~taint).any()  # every unit that can change is marked
    if not pre:  # and, without a ReLU in between that may hide a change, only those
        assert np.array_equal(taint, differ)


@pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("dims", [1, 2, 3])
def test_torch_module_equals_the_engine_on_every_layer_kind(dims: int) -> None:
    import torch

    C = 2
    g = NetGraph.build([
        NetNode("x", "input", channels=C),
        NetNode("a", "conv", ("x",), Conv(3, padding=1, in_channels=C, out_channels=4, groups=2, dims=dims)),
        NetNode("p", "pool", ("a",), Pool(2, mode="avg", dims=dims)),
        NetNode("m", "pool", ("p",), Pool(3, stride=1, padding=1, dims=dims)),
        NetNode("t", "convt", ("m",), ConvTranspose(2, stride=2, in_channels=4, out_channels=3, dims=dims)),
        NetNode("u", "upsample", ("p",), Upsample(2, dims=dims)),
        NetNode("k", "concat", ("t", "u")),
        NetNode("s", "select", ("k",), channels=5),
        NetNode("b", "conv", ("s",), Conv(1, in_channels=5, out_channels=5, dims=dims)),
        NetNode("sum", "add", ("s", "b")),
        NetNode("gp", "global", ("sum",), GlobalPool("avg", dims=dims)),
    ], dims=dims)
    w = random_weights(g, np.random.default_rng(dims))
    x = np.random.default_rng(10 + dims).standard_normal((2, C) + (6,) * dims)
    y, e = graph_forward(g, w, x, with_bound=True)
    with torch.no_grad():
        yt = torch_module(g, w, "float64")(torch.tensor(x)).numpy()
    assert y.shape == yt.shape == e.shape == (2, 5) + (1,) * dims
    assert np.allclose(y, yt, rtol=0, atol=1e-12) and np.all(e > 0)
    xs = x.astype(np.float32)
    y32, e32 = graph_forward(g, w, xs, with_bound=True)
    y64 = graph_forward(g, w, xs.astype(np.float64))
    assert np.all(np.abs(y32.astype(np.float64) - y64) <= e32)


def test_concatenation_keeps_each_inputs_bound() -> None:
    g = NetGraph.build([NetNode("x", "input", channels=2),
                        NetNode("a", "conv", ("x",), Conv(3, padding=1, in_channels=2, out_channels=3, dims=1)),
                        NetNode("k", "concat", ("a", "x"))], dims=1)
    w = random_weights(g, np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((2, 2, 7)).astype(np.float32)
    y, e = graph_forward(g, w, x, with_bound=True)
    assert y.shape == e.shape == (2, 5, 7)
    assert np.all(e[:, :3] > 0) and np.all(e[:, 3:] == 0)  # the input passes through exactly


def test_random_weights_are_he_normal_with_small_biases() -> None:
    g = NetGraph.build([NetNode("x", "input", channels=8),
                        NetNode("c", "conv", ("x",), Conv(3, padding=1, in_channels=8, out_channels=64, dims=2)),
                        NetNode("t", "convt", ("c",), ConvTranspose(2, stride=2, in_channels=64, out_channels=32,
                                                                    groups=2, dims=2))], dims=2)
    w = random_weights(g, np.random.default_rng(0))
    wc, bc = w["c"]
    wt, bt = w["t"]
    assert wc.shape == (64, 8, 3, 3) and wt.shape == (64, 16, 2, 2) and bc.shape == (64,) and bt.shape == (16 * 2,)
    # fan-in: 8 x 3 x 3 = 72 for the convolution, 16 x 2 x 2 = 64 per group for the transposed one
    assert wc.std() == pytest.approx(np.sqrt(2 / 72), rel=0.05) and abs(wc.mean()) < 0.02
    assert wt.std() == pytest.approx(np.sqrt(2 / 64), rel=0.05)
    assert 0.05 < bc.std() < 0.15
