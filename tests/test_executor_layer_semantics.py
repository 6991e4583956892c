"""Executors on the rarer layers: ceil-mode pooling, padded transposed convolution, linear upsampling.

Each property compares kronconv's engine (or its border taint) with an independent
reference: PyTorch's functional ops called directly, or a brute-force run on a
wider signal (a unit that reads padding or clamps at a border is exactly a unit
whose value changes when the padding is replaced by real samples).
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kronconv.checks.executors import graph_forward, graph_taint, random_weights, torch_module
from kronconv.layers import ConvTranspose, GlobalPool, Upsample, layer_output_size
from kronconv.netgraph import NetGraph, NetNode
from kronconv.spec import Conv, Pool

HAVE_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed: no reference to compare with")


@needs_torch
@settings(max_examples=40, deadline=None)
@given(n=st.integers(3, 17), k=st.integers(1, 4), s=st.integers(1, 3), data=st.data())
def test_ceil_mode_max_pool_equals_pytorch(n: int, k: int, s: int, data: st.DataObject) -> None:
    import torch
    import torch.nn.functional as F

    p = data.draw(st.integers(0, k // 2), label="padding")
    assume(n + 2 * p >= k)
    g = NetGraph.build([NetNode("x", "input"),
                        NetNode("p", "pool", ("x",), Pool(k, stride=s, padding=p, ceil_mode=True, dims=1))], dims=1)
    x = np.random.default_rng(n * 100 + k * 10 + s).standard_normal((2, 1, n))
    ref = F.max_pool1d(torch.tensor(x), k, s, padding=p, ceil_mode=True).numpy()
    y = graph_forward(g, {}, x)
    assert y.shape == ref.shape, (y.shape, ref.shape)
    assert np.array_equal(y, ref)


@needs_torch
@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 8), k=st.integers(1, 4), s=st.integers(1, 3), d=st.integers(1, 2), data=st.data())
def test_padded_transposed_convolution_torch_module_equals_the_engine(n: int, k: int, s: int, d: int,
                                                                      data: st.DataObject) -> None:
    lo = data.draw(st.integers(0, 2), label="lo")
    hi = data.draw(st.integers(0, 3), label="hi")
    op = data.draw(st.integers(0, max(s, d) - 1), label="output_padding")
    L = ConvTranspose(k, stride=s, dilation=d, padding=lo, padding_hi=hi, output_padding=op, in_channels=2,
                      out_channels=3, dims=1)
    full = (n - 1) * s + d * (k - 1) + 1  # the transposed convolution's output before any cropping
    assume(full - lo - hi + op >= 1)
    g = NetGraph.build([NetNode("x", "input", channels=2), NetNode("t", "convt", ("x",), L)], dims=1)
    w = random_weights(g, np.random.default_rng(k + 7 * s))
    x = np.random.default_rng(n).standard_normal((1, 2, n))
    import torch

    with torch.no_grad():
        yt = torch_module(g, w, "float64")(torch.tensor(x)).numpy()
    y = graph_forward(g, w, x)
    assert y.shape[2:] == yt.shape[2:] == (full - lo - hi + op,) == (layer_output_size(L, 0, n),)
    assert np.allclose(y, yt, rtol=0, atol=1e-12)


def _linear_taint_reference(x_narrow: np.ndarray, x_wide: np.ndarray, m: int, scales: tuple[int, ...],
                            pre_conv: bool) -> np.ndarray:
    """Which units of the narrow run differ from the same units of a run on the wider signal (PyTorch)."""
    import torch
    import torch.nn.functional as F

    D = len(scales)
    mode = {1: "linear", 2: "bilinear"}[D]
    conv = {1: F.conv1d, 2: F.conv2d}[D]
    w = torch.tensor(np.random.default_rng(3).standard_normal((1, 1) + (3,) * D))

    def run(v: np.ndarray) -> np.ndarray:
        t = torch.tensor(v)
        if pre_conv:
            t = conv(t, w, padding=1)
        return F.interpolate(t, scale_factor=tuple(float(c) for c in scales), mode=mode,
                             align_corners=False).numpy()

    a, b = run(x_narrow)[0, 0], run(x_wide)[0, 0]
    crop = tuple(slice(m * c, m * c + a.shape[i]) for i, c in enumerate(scales))
    return np.abs(a - b[crop]) > 1e-9


@needs_torch
@settings(max_examples=40, deadline=None)
@given(dims=st.integers(1, 2), data=st.data(), pre_conv=st.booleans(), seed=st.integers(0, 2**16))
def test_linear_upsampling_taint_is_exactly_the_units_a_wider_signal_changes(dims: int, data: st.DataObject,
                                                                             pre_conv: bool, seed: int) -> None:
    size = tuple(data.draw(st.integers(2, 7), label=f"n{a}") for a in range(dims))
    scales = tuple(data.draw(st.integers(1, 4), label=f"c{a}") for a in range(dims))
    nodes = [NetNode("x", "input")]
    if pre_conv:
        nodes.append(NetNode("c", "conv", ("x",), Conv(3, padding=1, dims=dims)))
    nodes.append(NetNode("u", "upsample", (nodes[-1].id,), Upsample(scales, mode="linear", dims=dims)))
    g = NetGraph.build(nodes, dims=dims)
    m = 3
    wide = np.random.default_rng(seed).standard_normal((1, 1) + tuple(v + 2 * m for v in size))
    narrow = wide[(slice(None), slice(None)) + tuple(slice(m, m + v) for v in size)]
    expect = _linear_taint_reference(narrow, wide, m, scales, pre_conv)
    t = graph_taint(g, size)
    assert t.shape == expect.shape == tuple(v * c for v, c in zip(size, scales))
    assert np.array_equal(t, expect), (t.astype(int).tolist(), expect.astype(int).tolist())


def test_linear_upsampling_taint_known_values() -> None:
    """Half-pixel centres, scale 2 on 4 samples: the first and last output unit clamp; scale 3 also the first."""
    g2 = NetGraph.build([NetNode("x", "input"), NetNode("u", "upsample", ("x",), Upsample(2, mode="linear", dims=1))],
                        dims=1)
    assert graph_taint(g2, (4,)).astype(int).tolist() == [1, 0, 0, 0, 0, 0, 0, 1]
    g3 = NetGraph.build([NetNode("x", "input"), NetNode("u", "upsample", ("x",), Upsample(3, mode="linear", dims=1))],
                        dims=1)
    # unit u samples (2u + 1 - 3) / 6: u = 0 at -1/3 (clamped), u = 1 exactly on sample 0, ..., u = 11 at 10/3 > 3
    assert graph_taint(g3, (4,)).astype(int).tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 40), seed=st.integers(0, 2**16))
def test_average_pool_over_the_whole_input_has_the_global_average_bound(n: int, seed: int) -> None:
    """A window covering the input and global average pooling are one computation: same value, same bound."""
    win = NetGraph.build([NetNode("x", "input", channels=2),
                          NetNode("p", "pool", ("x",), Pool(n, stride=1, mode="avg", dims=1))], dims=1)
    glob = NetGraph.build([NetNode("x", "input", channels=2),
                           NetNode("p", "global", ("x",), GlobalPool("avg", dims=1))], dims=1)
    x = np.random.default_rng(seed).standard_normal((2, 2, n)).astype(np.float32)
    yw, ew = graph_forward(win, {}, x, with_bound=True)
    yg, eg = graph_forward(glob, {}, x, with_bound=True)
    assert ew.shape == eg.shape == (2, 2, 1)
    assert np.allclose(ew, eg, rtol=1e-12, atol=0)
    exact = x.astype(np.float64).mean(axis=2, keepdims=True)
    assert np.all(np.abs(yw.astype(np.float64) - exact) <= ew) and np.all(np.abs(yg.astype(np.float64) - exact) <= eg)
    # at least one float32 rounding per summed term and the division, and not much more
    mag = np.abs(x.astype(np.float64)).mean(axis=2, keepdims=True)
    u32 = 2.0**-24
    assert np.all(ew >= n * u32 * mag) and np.all(ew <= 2 * (n + 1) * u32 * mag)


@needs_torch
@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 6), k=st.integers(1, 3), s=st.integers(1, 3), d=st.integers(1, 3), data=st.data())
def test_transposed_convolution_module_equals_pytorchs_layer_bias_included(n: int, k: int, s: int, d: int,
                                                                          data: st.DataObject) -> None:
    """``torch_module`` against ``nn.ConvTranspose1d``: the units that only ``output_padding`` adds hold the bias."""
    import torch

    p = data.draw(st.integers(0, d * (k - 1)), label="padding")
    op = data.draw(st.integers(0, max(s, d) - 1), label="output_padding")
    assume((n - 1) * s - 2 * p + d * (k - 1) + 1 + op >= 1)
    L = ConvTranspose(k, stride=s, dilation=d, padding=p, output_padding=op, in_channels=2, out_channels=3, dims=1)
    g = NetGraph.build([NetNode("x", "input", channels=2), NetNode("t", "convt", ("x",), L)], dims=1)
    w, b = random_weights(g, np.random.default_rng(n + 10 * k))["t"]
    ref = torch.nn.ConvTranspose1d(2, 3, k, stride=s, padding=p, output_padding=op, dilation=d).double()
    x = torch.tensor(np.random.default_rng(s).standard_normal((1, 2, n)))
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(w))
        ref.bias.copy_(torch.tensor(b))
        want = ref(x).numpy()
        got = torch_module(g, {"t": (w, b)}, "float64")(x).numpy()
    assert got.shape == want.shape and np.allclose(got, want, rtol=0, atol=1e-12)
    assert np.allclose(graph_forward(g, {"t": (w, b)}, x.numpy()), want, rtol=0, atol=1e-12)
