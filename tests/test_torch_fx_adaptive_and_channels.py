"""torch.fx import: adaptive pools (after an explicit pad too), channel counts through merges, transparent ops.

* An adaptive pool tiles the tensor it is given; after an ``F.pad`` that tensor
  is the padded one, so the field of every output unit must equal PyTorch's
  documented window ``[floor(i N / m), ceil((i + 1) N / m))`` of the padded
  length ``N`` (shifted back by the low pad), and the input-gradient support of
  that unit where it lies inside the input.
* A concatenation has the sum of its inputs' channels, or an unknown count when
  one input's count is unknown (a map flattened after global pooling); an
  elementwise merge has its inputs' common count.  Slicing every channel of a
  tensor adds no node; slicing fewer adds a ``select`` node with that count.
* Functions and tensor methods of :data:`TRANSPARENT_FUNCTIONS` add no node.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kronconv.errors import InvalidSpec
from kronconv.netgraph import net_fields

torch = pytest.importorskip("torch", reason="torch is not installed: pip install 'kronconv[torch]'")
nn = torch.nn
F = torch.nn.functional

from torch_modules import FnModule as _Fn

from kronconv.importers import read_torch
from kronconv.importers import torch_fx as torch_fx_module


def _field(g, unit):
    """kronconv's field of output ``unit`` in input coordinates (may reach into the padding)."""
    f = net_fields(g, unit=list(unit)).fields[0]
    return [(-f.output_padding[ax], -f.output_padding[ax] + f.output_receptive_field[ax] - 1) for ax in range(g.dims)]


def _grad_support(module, shape, unit):
    x = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
    module.double()(x)[(0, slice(None)) + tuple(unit)].sum().backward()
    nz = torch.nonzero(x.grad[0].abs().sum(0))
    if len(nz) == 0:
        return None
    return [(int(nz[:, ax].min()), int(nz[:, ax].max())) for ax in range(nz.shape[1])]


# --------------------------------------------------------------------------- adaptive pools after F.pad


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 12), lo=st.integers(0, 3), hi=st.integers(0, 3), m=st.integers(1, 8),
       mode=st.sampled_from(["avg", "max"]))
def test_adaptive_pool_after_a_pad_uses_the_windows_of_the_padded_length(n, lo, hi, m, mode):
    big = n + lo + hi
    assume(m <= big)
    pool = nn.AdaptiveAvgPool1d(m) if mode == "avg" else nn.AdaptiveMaxPool1d(m)
    label = f"torch.nn.Adaptive{mode.capitalize()}Pool1d"
    # the pad folds into a 1-wide convolution before the pool; or the pool reads the pad itself
    folded = _Fn(lambda s, x: s.p(s.c(F.pad(x, (lo, hi)))), c=nn.Conv1d(1, 1, 1, bias=False), p=pool)
    direct = _Fn(lambda s, x: s.d(s.p(F.pad(s.c(x), (lo, hi)))), c=nn.Conv1d(1, 1, 1, bias=False), p=pool,
                 d=nn.Conv1d(1, 1, 1, bias=False))
    modules = [folded, direct]
    if m == 1:  # a global pool: the pad does not fold into it
        with pytest.raises(InvalidSpec, match=f"a pad feeding {label} cannot be folded"):
            read_torch(direct, (1, 1, n))
        modules = [folded]
    elif big % m:
        for module in modules:
            with pytest.raises(InvalidSpec, match=rf"adaptive pooling from \[{big}\] to \[{m}\] uses windows"):
                read_torch(module, (1, 1, n))
        return
    elif m < big and max(lo, hi) > (big // m) // 2:  # PyTorch's pools pad at most half the window: the pad cannot fold
        with pytest.raises(InvalidSpec, match=f"after folding the preceding pad: pool padding {max(lo, hi)} must "
                                              f"be at most half the \\(dilated\\) kernel {big // m}"):
            read_torch(direct, (1, 1, n))
        modules = [folded]
    for module in modules:
        imp = read_torch(module, (1, 1, n))
        with torch.no_grad():
            assert imp.sizes[imp.graph.output] == tuple(module(torch.zeros(1, 1, n)).shape[2:]) == (m,)
        if m == 1:
            assert net_fields(imp.graph).output.whole_input
            continue
        for i in range(m):
            start, end = (i * big) // m, math.ceil((i + 1) * big / m)  # PyTorch's adaptive window
            got = _field(imp.graph, (i,))
            assert got == [(start - lo, end - 1 - lo)], (module is direct, i)
            if mode == "avg":  # every position of the window reaches the unit (max pooling picks one)
                for conv in (module.c, getattr(module, "d", module.c)):
                    with torch.no_grad():
                        conv.weight.fill_(1.0)
                inside = (max(got[0][0], 0), min(got[0][1], n - 1))
                want = [inside] if inside[0] <= inside[1] else None
                assert _grad_support(module, (1, 1, n), (i,)) == want


def test_pad_then_adaptive_pool_to_two_is_a_five_wide_pool_of_an_eight_wide_input():
    # the padded length is 10: two windows of 5 (not windows of 4, as the unpadded length 8 would give)
    net = _Fn(lambda s, x: s.p(F.pad(x, (1, 1, 1, 1))), p=nn.AdaptiveAvgPool2d(2))
    imp = read_torch(net, (1, 1, 8, 8))
    layer = imp.graph.node("p").layer
    assert (layer.kernel, layer.stride, layer.padding, layer.padding_hi) == ((5, 5), (5, 5), (1, 1), (1, 1))
    assert net_fields(imp.graph).receptive_field == (5, 5)


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_adaptive_module_pools_keep_their_mode(dims):
    n = 8
    for cls, mode in (("AdaptiveMaxPool", "max"), ("AdaptiveAvgPool", "avg")):
        for out, kind, kernel in ((n // 2, "pool", (2,) * dims), (1, "global", None)):
            net = nn.Sequential(nn.Identity(), getattr(nn, f"{cls}{dims}d")(out))
            imp = read_torch(net, (1, 1) + (n,) * dims)
            node = imp.graph.nodes[-1]
            assert (node.op, node.layer.mode) == (kind, mode)
            if kernel is not None:
                assert node.layer.kernel == kernel


# --------------------------------------------------------------------------- channel counts through merges


def _flat_global(x):
    """A map pooled globally and reshaped: constant in space, its channel count not tracked."""
    return F.adaptive_avg_pool2d(x, 1).view(-1, 3, 1, 1)


def test_concat_with_an_input_of_unknown_channels_then_an_add_of_the_true_count_imports():
    # cat of 4 + 3 channels is 7; adding a 7-channel map is no broadcasting over channels
    net = _Fn(lambda s, x: torch.cat([s.a(x), _flat_global(x)], 1) + s.w(x),
              a=nn.Conv2d(3, 4, 3, stride=5), w=nn.Conv2d(3, 7, 3, stride=5))
    imp = read_torch(net, (1, 3, 7, 7))
    assert sorted(n.op for n in imp.graph.nodes) == ["add", "concat", "conv", "conv", "global", "input"]
    assert imp.graph.nodes[-1].op == "add"
    assert net_fields(imp.graph).output.whole_input


@pytest.mark.parametrize("keep, select", [(7, False), (5, True), (4, True)])
def test_slicing_a_concat_of_known_channels_selects_only_when_channels_drop(keep, select):
    net = _Fn(lambda s, x: s.p(torch.cat([s.a(x), s.b(x)], 1)[:, :keep]),
              a=nn.Conv2d(3, 4, 3), b=nn.Conv2d(3, 3, 5, padding=1), p=nn.MaxPool2d(2))
    imp = read_torch(net, (1, 3, 10, 10))
    ops = [n.op for n in imp.graph.nodes]
    assert ops == ["input", "conv", "conv", "concat"] + (["select"] if select else []) + ["pool"]
    if select:
        assert imp.graph.nodes[4].channels == keep


def test_slicing_a_concat_of_unknown_channels_records_a_select():
    net = _Fn(lambda s, x: torch.cat([s.a(x), _flat_global(x)], 1)[:, :4], a=nn.Conv2d(3, 4, 3, stride=5))
    imp = read_torch(net, (1, 3, 7, 7))
    assert imp.graph.nodes[-1].op == "select" and imp.graph.nodes[-1].channels == 4


@pytest.mark.parametrize("global_first", [True, False])
def test_an_add_with_a_global_of_unknown_channels_keeps_the_known_count(global_first):
    def fn(s, x):
        a = s.a(x)
        y = _flat_global(x) + a if global_first else a + _flat_global(x)
        return y + s.one(x)  # 3 + 1 channels: broadcasting over channels

    net = _Fn(fn, a=nn.Conv2d(3, 3, 3, stride=5), one=nn.Conv2d(3, 1, 3, stride=5))
    with pytest.raises(InvalidSpec, match=r"inputs have \[3, 1\] channels: broadcasting over channels"):
        read_torch(net, (1, 3, 7, 7))
    whole = _Fn(lambda s, x: (_flat_global(x) + s.a(x) if global_first else s.a(x) + _flat_global(x))[:, :3],
                a=nn.Conv2d(3, 3, 3, stride=5))
    assert [n.op for n in read_torch(whole, (1, 3, 7, 7)).graph.nodes][-1] == "add"  # all 3 channels: no select


# --------------------------------------------------------------------------- transparent functions and methods


_TRANSPARENT_CALLS = {
    "torch.clamp": lambda y: torch.clamp(y, 0.0, 1.0),
    "F.leaky_relu": lambda y: F.leaky_relu(y, 0.1),
    "F.elu": F.elu,
    "torch.exp": torch.exp,
    "Tensor.abs": lambda y: y.abs(),
    "Tensor.sigmoid": lambda y: y.sigmoid(),
    "Tensor.relu": lambda y: y.relu(),
    "Tensor.contiguous": lambda y: y.contiguous(),
    "F.relu": F.relu,
}


@pytest.mark.parametrize("call", sorted(_TRANSPARENT_CALLS))
def test_transparent_functions_and_methods_add_no_node(call):
    fn = _TRANSPARENT_CALLS[call]
    net = _Fn(lambda s, x: s.p(fn(s.c(x))), c=nn.Conv2d(1, 2, 3, dilation=2), p=nn.MaxPool2d(2))
    plain = nn.Sequential(nn.Conv2d(1, 2, 3, dilation=2), nn.MaxPool2d(2))
    got, want = read_torch(net, (1, 1, 12, 12)), read_torch(plain, (1, 1, 12, 12))
    assert [(n.op, n.layer.kernel if n.layer else None) for n in got.graph.nodes] == \
           [(n.op, n.layer.kernel if n.layer else None) for n in want.graph.nodes]
    assert net_fields(got.graph).receptive_field == (6, 6)


# --------------------------------------------------------------------------- F.pad without a readable signature


def test_pad_folds_when_the_signature_of_pad_cannot_be_read(monkeypatch):
    """Where ``F.pad`` is a builtin (no signature), its arguments are read by their documented positions."""
    real = torch_fx_module._bind
    monkeypatch.setattr(torch_fx_module, "_bind", lambda fn, a, k: {} if fn is F.pad else real(fn, a, k))
    for pads, kw in (((2, 1, 0, 3), {}), ((2, 1), {"mode": "constant"})):
        net = _Fn(lambda s, x, pads=pads, kw=kw: s.c(F.pad(x, pads, **kw)), c=nn.Conv2d(1, 1, 3, padding=1))
        layer = read_torch(net, (1, 1, 9, 9)).graph.node("c").layer
        want_h = (1 + (pads[2] if len(pads) > 2 else 0), 1 + (pads[3] if len(pads) > 2 else 0))
        assert (layer.padding, layer.padding_hi) == ((want_h[0], 1 + pads[0]), (want_h[1], 1 + pads[1]))
    net = _Fn(lambda s, x: s.c(F.pad(x, (1, 1, 1, 1), "reflect")), c=nn.Conv2d(1, 1, 3))
    with pytest.raises(InvalidSpec, match="only constant, non-negative padding"):
        read_torch(net, (1, 1, 9, 9))


# --------------------------------------------------------------------------- training mode


def test_a_module_in_training_mode_imports_in_eval_mode_and_stays_in_training_mode():
    # batch statistics of one sample after global pooling: PyTorch refuses that in training mode
    net = nn.Sequential(nn.Conv2d(2, 2, 3), nn.AdaptiveAvgPool2d(1), nn.BatchNorm2d(2))
    net.train()
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        net(torch.zeros(1, 2, 8, 8))
    imp = read_torch(net, (1, 2, 8, 8))
    assert [n.op for n in imp.graph.nodes] == ["input", "conv", "global"]
    assert net.training and all(m.training for m in net.modules())
    net.eval()
    read_torch(net, (1, 2, 8, 8))
    assert not net.training
