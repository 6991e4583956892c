r"""Cross-checks against an independent implementation: PyTorch (``torch.nn.functional`` and autograd).

PyTorch's "convolution" is a cross-correlation, so :func:`kronconv.numeric.correlate`
must equal ``F.conv1d/conv2d/conv3d`` on the same arguments.  The laws checked here:

* correlation (dilation, stride, explicit symmetric padding, groups, batch,
  channels) equals ``F.conv{1,2,3}d``: exactly on small-integer inputs, and
  within :math:`2 \gamma_n \sum |W||x|` (the module bound of
  :mod:`kronconv.numeric`, which both sides satisfy) on random float64/float32;
* circular padding equals ``F.pad(mode='circular')`` followed by a convolution;
* ``same`` equals ``padding='same'`` for odd extents; for an even extent torch
  puts the extra zero after the signal and kronconv before, so kronconv's
  ``same`` is torch's shifted by one sample on that axis;
* :func:`~kronconv.formulas.output_size` / :func:`~kronconv.formulas.network_output_size`
  equal the shapes torch produces (and fail at the layer where torch fails);
* receptive field, effective stride and offset of
  :func:`~kronconv.formulas.network_fields` equal the support of the input
  gradient of output units (autograd, positive weights, average pooling);
* path counts of :func:`~kronconv.graph.unit_graph` equal the input gradient
  of one output unit with all-ones kernels and sum pooling (integers, exact),
  for zero, circular, reflect and replicate padding;
* the cascade of correlations with dilations :math:`a^l` equals one correlation
  with the *unflipped* :func:`~kronconv.kron.kron_kernel` (the flipped one
  belongs to true convolutions);
* :func:`~kronconv.numeric.pool` equals ``max_pool`` (values and indices) and
  ``avg_pool(count_include_pad=True)``.

Torch is optional (CI does not install it): every test that needs it takes the
``torch`` fixture and is skipped with a printed reason where it is missing.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import channels_groups, float_array, int_array, seeds

from kronconv.errors import InvalidArgument, InvalidSpec
from kronconv.formulas import network_fields, network_output_size, output_size
from kronconv.graph import unit_graph
from kronconv.kron import kron_kernel
from kronconv.numeric import cascade, correlate, gamma, inflation, pool, unit_roundoff
from kronconv.spec import Conv, Network, Pool

TORCH_SKIP_REASON = "PyTorch not installed: cross-checks against torch.nn.functional are skipped"

#: Examples per property (fixed: the file runs in well under 30 s on 2 CPU cores).
EXAMPLES = {"conv_exact": 60, "conv_bound": 40, "circular": 50, "same": 40, "shapes": 60, "fields": 40,
            "paths": 60, "kron_exact": 30, "kron_bound": 30, "pool": 50}


@pytest.fixture(scope="module")
def torch() -> Any:
    """The ``torch`` module, or a skip with :data:`TORCH_SKIP_REASON`."""
    return pytest.importorskip("torch", reason=TORCH_SKIP_REASON)


def _t(torch: Any, a: np.ndarray) -> Any:
    return torch.from_numpy(np.ascontiguousarray(a))


def _conv_fn(torch: Any, dims: int) -> Any:
    f = torch.nn.functional
    return (f.conv1d, f.conv2d, f.conv3d)[dims - 1]


def _pad_arg(widths: list[tuple[int, int]]) -> list[int]:
    """``(lo, hi)`` per spatial axis -> ``F.pad``'s flat list (last axis first)."""
    return [w for lo_hi in reversed(widths) for w in lo_hi]


# --------------------------------------------------------------------------- strategies


@st.composite
def conv_problems(draw: Any, max_dims: int = 3) -> dict[str, Any]:
    """Shapes and parameters of one correlation with explicit symmetric zero padding."""
    d = draw(st.integers(1, max_dims))
    cin, cout, g = draw(channels_groups())
    ks = draw(st.tuples(*[st.integers(1, 4)] * d))
    ds = draw(st.tuples(*[st.integers(1, 3)] * d))
    ss = draw(st.tuples(*[st.integers(1, 3)] * d))
    ps = draw(st.tuples(*[st.integers(0, 3)] * d))
    extra = 8 if d < 3 else 4
    size = []
    for k, dd, p in zip(ks, ds, ps):
        least = max(1, dd * (k - 1) + 1 - 2 * p)
        size.append(draw(st.integers(least, least + extra)))
    return {"dims": d, "batch": draw(st.integers(1, 2)), "cin": cin, "cout": cout, "groups": g,
            "size": tuple(size), "kernel": ks, "dilation": ds, "stride": ss, "padding": ps,
            "seed": draw(seeds())}


def _xw(p: dict[str, Any], make: Any, dtype: Any = np.float64) -> tuple[np.ndarray, np.ndarray]:
    x = make(p["seed"], (p["batch"], p["cin"]) + p["size"], dtype=dtype)
    w = make(p["seed"] + 1, (p["cout"], p["cin"] // p["groups"]) + p["kernel"], dtype=dtype)
    return x, w


@st.composite
def chains(draw: Any, dims: int, pool_modes: tuple[str, ...] = ("max", "avg"), max_layers: int = 4) -> Network:
    """A single-channel chain of convolutions and pools with per-axis parameters."""
    def axes(lo: int, hi: int) -> tuple[int, ...]:
        return draw(st.tuples(*[st.integers(lo, hi)] * dims))

    layers: list[Conv | Pool] = []
    for _ in range(draw(st.integers(1, max_layers))):
        if draw(st.integers(0, 2)) or not pool_modes:
            layers.append(Conv(axes(1, 4), dilation=axes(1, 3), stride=axes(1, 2), padding=axes(0, 3),
                               bias=False, dims=dims))
        else:
            k = axes(1, 3)
            pad = tuple(draw(st.integers(0, kk // 2)) for kk in k)
            layers.append(Pool(k, stride=axes(1, 3), padding=pad, mode=draw(st.sampled_from(pool_modes)),
                               dims=dims))
    return Network(tuple(layers))


def _torch_chain(torch: Any, net: Network, x: Any, *, pool_as: str | None = None,
                 padding_mode: str = "zeros") -> list[Any]:
    """Run ``net`` with all-ones kernels on ``x`` (N=C=1); return every layer's output.

    ``pool_as='sum'`` replaces pooling by the sum over the window (average pooling
    with ``divisor_override=1``), which is what the unit graph counts.
    """
    f = torch.nn.functional
    dims = net.dims
    conv = _conv_fn(torch, dims)
    outs = []
    y = x
    for layer in net.layers:
        if isinstance(layer, Conv):
            w = torch.ones((1, 1) + tuple(layer.kernel), dtype=x.dtype)
            if padding_mode == "zeros":
                y = conv(y, w, stride=layer.stride, padding=layer.padding, dilation=layer.dilation)
            else:
                y = f.pad(y, _pad_arg([(p, p) for p in layer.padding]), mode=padding_mode)
                y = conv(y, w, stride=layer.stride, dilation=layer.dilation)
        else:
            mode = pool_as or layer.mode
            kw = {"kernel_size": tuple(layer.kernel), "stride": tuple(layer.stride), "padding": tuple(layer.padding)}
            if mode == "max":
                y = (f.max_pool1d, f.max_pool2d, f.max_pool3d)[dims - 1](y, **kw)
            elif mode == "avg":
                y = (f.avg_pool1d, f.avg_pool2d, f.avg_pool3d)[dims - 1](y, count_include_pad=True, **kw)
            elif dims == 1:  # sum pooling; avg_pool1d has no divisor_override: pool a 1 x n image
                kw2 = {k: (1 if k != "padding" else 0,) + tuple(v) for k, v in kw.items()}
                y = f.avg_pool2d(y[:, :, None, :], divisor_override=1, count_include_pad=True, **kw2)[:, :, 0, :]
            else:
                y = (f.avg_pool2d, f.avg_pool3d)[dims - 2](y, divisor_override=1, count_include_pad=True, **kw)
        outs.append(y)
    return outs


# --------------------------------------------------------------------------- correlation = torch conv


@given(p=conv_problems())
@settings(max_examples=EXAMPLES["conv_exact"], deadline=None)
def test_correlate_equals_torch_conv_exactly_on_small_integers(torch: Any, p: dict[str, Any]) -> None:
    x, w = _xw(p, int_array)
    ours = correlate(x, w, dilation=p["dilation"], stride=p["stride"], padding=list(p["padding"]),
                     groups=p["groups"])
    theirs = _conv_fn(torch, p["dims"])(_t(torch, x), _t(torch, w), stride=p["stride"], padding=p["padding"],
                                        dilation=p["dilation"], groups=p["groups"]).numpy()
    assert ours.shape == theirs.shape
    assert np.array_equal(ours, theirs)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(p=conv_problems())
@settings(max_examples=EXAMPLES["conv_bound"], deadline=None)
def test_correlate_agrees_with_torch_conv_within_twice_the_higham_bound(torch: Any, dtype: Any,
                                                                        p: dict[str, Any]) -> None:
    """Both sides satisfy ``|fl(y) - y| <= gamma_n sum |W||x|``, so they differ by at most twice that."""
    x, w = _xw(p, float_array, dtype)
    kw = {"dilation": p["dilation"], "stride": p["stride"], "padding": list(p["padding"]), "groups": p["groups"]}
    ours = correlate(x, w, **kw)
    theirs = _conv_fn(torch, p["dims"])(_t(torch, x), _t(torch, w), stride=p["stride"], padding=p["padding"],
                                        dilation=p["dilation"], groups=p["groups"]).numpy()
    assert ours.dtype == theirs.dtype == np.dtype(dtype)
    n = (p["cin"] // p["groups"]) * math.prod(p["kernel"])
    mag = correlate(np.abs(x.astype(np.float64)), np.abs(w.astype(np.float64)), **kw)
    tol = 2 * gamma(n, unit_roundoff(dtype)) * mag * inflation(n + 4)
    diff = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
    assert np.all(diff <= tol), f"max excess {float((diff - tol).max())}"


@given(p=conv_problems(), named=st.booleans(), data=st.data())
@settings(max_examples=EXAMPLES["circular"], deadline=None)
def test_circular_correlate_equals_torch_circular_pad_then_conv(torch: Any, p: dict[str, Any], named: bool,
                                                                 data: st.DataObject) -> None:
    ext = [d * (k - 1) + 1 for k, d in zip(p["kernel"], p["dilation"])]
    if named:
        widths = [(e // 2, (e - 1) // 2) for e in ext]
    else:  # F.pad(mode='circular') wraps at most once: widths up to the size
        widths = [(data.draw(st.integers(0, n)), data.draw(st.integers(0, n))) for n in p["size"]]
    assume(all(lo <= n and hi <= n and n + lo + hi >= e for (lo, hi), n, e in zip(widths, p["size"], ext)))
    x, w = _xw(p, int_array)
    ours = correlate(x, w, dilation=p["dilation"], stride=p["stride"], groups=p["groups"],
                     padding="circular" if named else widths, boundary="circular")
    xpad = torch.nn.functional.pad(_t(torch, x), _pad_arg(widths), mode="circular")
    theirs = _conv_fn(torch, p["dims"])(xpad, _t(torch, w), stride=p["stride"], dilation=p["dilation"],
                                        groups=p["groups"]).numpy()
    assert np.array_equal(ours, theirs)


@st.composite
def same_problems(draw: Any, odd: bool) -> dict[str, Any]:
    p = draw(conv_problems(max_dims=3))
    ks, ds = list(p["kernel"]), list(p["dilation"])
    for a in range(p["dims"]):
        if odd and ds[a] * (ks[a] - 1) % 2:  # make the extent d (k - 1) + 1 odd: even dilation
            ds[a] += 1
    if not odd:  # axis 0 gets an even extent: even kernel, odd dilation
        ks[0], ds[0] = ks[0] + ks[0] % 2, ds[0] | 1
    return {**p, "kernel": tuple(ks), "dilation": tuple(ds), "stride": (1,) * p["dims"]}


@given(p=same_problems(odd=True))
@settings(max_examples=EXAMPLES["same"], deadline=None)
def test_same_with_odd_extents_equals_torch_padding_same(torch: Any, p: dict[str, Any]) -> None:
    x, w = _xw(p, int_array)
    ours = correlate(x, w, dilation=p["dilation"], padding="same", groups=p["groups"])
    theirs = _conv_fn(torch, p["dims"])(_t(torch, x), _t(torch, w), padding="same", dilation=p["dilation"],
                                        groups=p["groups"]).numpy()
    assert np.array_equal(ours, theirs)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")
@given(p=same_problems(odd=False))
@settings(max_examples=EXAMPLES["same"], deadline=None)
def test_same_with_even_extents_puts_the_extra_zero_before_where_torch_puts_it_after(
        torch: Any, p: dict[str, Any]) -> None:
    """kronconv pads ``(e // 2, (e - 1) // 2)``; torch ``padding='same'`` pads ``((e - 1) // 2, e // 2)``.

    So torch's result is kronconv's correlation with the swapped widths, and on
    each even-extent axis kronconv's ``same`` output ``i + 1`` is torch's output ``i``.
    """
    x, w = _xw(p, int_array)
    ext = [d * (k - 1) + 1 for k, d in zip(p["kernel"], p["dilation"])]
    assert ext[0] % 2 == 0
    kw = {"dilation": p["dilation"], "groups": p["groups"]}
    ours = correlate(x, w, padding="same", **kw)
    theirs = _conv_fn(torch, p["dims"])(_t(torch, x), _t(torch, w), padding="same", **kw).numpy()
    assert np.array_equal(correlate(x, w, padding=[((e - 1) // 2, e // 2) for e in ext], **kw), theirs)
    lead = (slice(None), slice(None))
    ours_tail = ours[lead + tuple(slice(1, None) if e % 2 == 0 else slice(None) for e in ext)]
    theirs_head = theirs[lead + tuple(slice(None, -1) if e % 2 == 0 else slice(None) for e in ext)]
    assert np.array_equal(ours_tail, theirs_head)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")
def test_same_conventions_differ_on_a_concrete_even_kernel(torch: Any) -> None:
    x = np.arange(1.0, 6.0).reshape(1, 1, 5)
    w = np.array([1.0, 10.0]).reshape(1, 1, 2)
    ours = correlate(x, w, padding="same").ravel().tolist()
    theirs = torch.nn.functional.conv1d(_t(torch, x), _t(torch, w), padding="same").numpy().ravel().tolist()
    assert ours == [10.0, 21.0, 32.0, 43.0, 54.0]   # zero before: y[i] = x[i-1] + 10 x[i]
    assert theirs == [21.0, 32.0, 43.0, 54.0, 5.0]  # zero after:  y[i] = x[i] + 10 x[i+1]


# --------------------------------------------------------------------------- output sizes


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
@settings(max_examples=EXAMPLES["shapes"], deadline=None)
def test_output_sizes_equal_torch_shapes(torch: Any, dims: int, data: st.DataObject) -> None:
    """Per layer and axis, ``output_size`` is torch's shape; where it raises, torch raises at that layer."""
    net = data.draw(chains(dims))
    size = data.draw(st.tuples(*[st.integers(1, 24)] * dims))
    expected: list[list[int]] = []
    failed_at = None
    cur = list(size)
    for li, layer in enumerate(net.layers):
        try:
            cur = [int(output_size(n, k, d, s, p)) for n, k, d, s, p in
                   zip(cur, layer.kernel, layer.dilation, layer.stride, layer.padding)]  # type: ignore[arg-type]
        except InvalidArgument:
            failed_at = li
            break
        expected.append(cur)
    x = torch.ones((1, 1) + tuple(size), dtype=torch.float64)
    if failed_at is None:
        assert network_output_size(net, list(size)) == expected
        outs = _torch_chain(torch, net, x)
        assert [list(o.shape[2:]) for o in outs] == expected
    else:
        with pytest.raises(InvalidSpec, match=f"layer {failed_at}:"):
            network_output_size(net, list(size))
        prefix = Network(net.layers[:failed_at]) if failed_at else None
        if prefix is not None:
            assert [list(o.shape[2:]) for o in _torch_chain(torch, prefix, x)] == expected
        with pytest.raises(RuntimeError):
            _torch_chain(torch, Network(net.layers[: failed_at + 1]), x)


# --------------------------------------------------------------------------- receptive fields


def _support_bbox(g: np.ndarray) -> list[tuple[int, int]]:
    nz = np.nonzero(g)
    return [(int(i.min()), int(i.max())) for i in nz]


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
@settings(max_examples=EXAMPLES["fields"], deadline=None)
def test_receptive_field_stride_and_offset_equal_the_torch_gradient_support(torch: Any, dims: int,
                                                                             data: st.DataObject) -> None:
    """Unit ``u`` sees exactly ``[o + u J, o + u J + r - 1]`` (its support's bounding box, by autograd).

    Weights are all ones and pools average (linear, positive), so no
    cancellation hides a position.  Units ``u0`` and ``u0 + 1`` per axis are
    the first two whose fields lie inside the input.  In 1-D every unit's
    support must also lie inside its formula interval.
    """
    net = data.draw(chains(dims, pool_modes=("avg",)))
    ft = network_fields(net)
    r, jump, off = ft.receptive_field(), ft.effective_stride(), ft.offset()
    u0 = [(-o + j - 1) // j for o, j in zip(off, jump)]  # ceil(-o / J): first field starting at >= 0
    extra = data.draw(st.tuples(*[st.integers(0, 3)] * dims))
    size = tuple(o + (u + 1) * j + rr + e for o, u, j, rr, e in zip(off, u0, jump, r, extra))
    x = torch.zeros((1, 1) + size, dtype=torch.float64, requires_grad=True)
    y = _torch_chain(torch, net, x)[-1]
    assert list(y.shape[2:]) == network_output_size(net, list(size))[-1]
    assert all(u + 1 < n for u, n in zip(u0, y.shape[2:]))
    for corner in np.ndindex(*(2,) * dims):
        unit = tuple(u + c for u, c in zip(u0, corner))
        (g,) = torch.autograd.grad(y[(0, 0) + unit], x, retain_graph=True)
        got = _support_bbox(g.numpy()[0, 0])
        want = [(o + u * j, o + u * j + rr - 1) for o, u, j, rr in zip(off, unit, jump, r)]
        assert got == want, f"unit {unit}: support {got}, formula {want} (r={r}, J={jump}, o={off})"
    if dims == 1:
        jac = torch.autograd.functional.jacobian(lambda v: _torch_chain(torch, net, v)[-1][0, 0],
                                                 torch.zeros((1, 1) + size, dtype=torch.float64))
        jac = jac.numpy().reshape(y.shape[2], size[0])
        for u in range(y.shape[2]):
            nz = np.nonzero(jac[u])[0]
            if nz.size:
                assert off[0] + u * jump[0] <= nz.min() and nz.max() <= off[0] + u * jump[0] + r[0] - 1


# --------------------------------------------------------------------------- path counts


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
@settings(max_examples=EXAMPLES["paths"], deadline=None)
def test_path_counts_equal_the_torch_gradient_with_all_ones_kernels(torch: Any, dims: int,
                                                                    data: st.DataObject) -> None:
    """``unit_graph(...).path_counts()`` is d(output unit)/d(input) of the all-ones network, exactly.

    Pools become sum pools (the graph counts window taps); convolutions pad per
    ``padding_mode`` (torch's ``F.pad`` modes), pools always with zeros.
    """
    net = data.draw(chains(dims, max_layers=4))
    mode = data.draw(st.sampled_from(["zeros", "circular", "reflect", "replicate"]))
    rf = network_fields(net).receptive_field()
    size = tuple(data.draw(st.integers(max(1, r // 2), r + 6)) for r in rf)
    try:
        sizes = [list(size)] + network_output_size(net, list(size))
    except InvalidSpec:
        assume(False)
        return
    if mode in ("circular", "reflect"):  # torch wraps/reflects at most once
        for layer, n_in in zip(net.layers, sizes):
            if isinstance(layer, Conv):
                assume(all(p < n if mode == "reflect" else p <= n for p, n in zip(layer.padding, n_in)))
    unit = tuple(data.draw(st.integers(0, n - 1)) for n in sizes[-1])
    x = torch.zeros((1, 1) + size, dtype=torch.float64, requires_grad=True)
    y = _torch_chain(torch, net, x, pool_as="sum", padding_mode=mode)[-1]
    assert list(y.shape[2:]) == sizes[-1]
    (g,) = torch.autograd.grad(y[(0, 0) + unit], x)
    origin, counts = unit_graph(net, unit=unit, input_size=size, padding_mode=mode).path_counts()
    dense = np.zeros(size, dtype=np.float64)
    if counts.size:
        dense[tuple(slice(o, o + n) for o, n in zip(origin, counts.shape))] = counts.astype(np.float64)
    assert float(np.abs(dense).max(initial=0)) < 2.0**53
    assert np.array_equal(g.numpy()[0, 0], dense)


# --------------------------------------------------------------------------- cascade = Kronecker kernel


def _torch_cascade(torch: Any, x: np.ndarray, kernels: list[np.ndarray], dilations: list[int]) -> np.ndarray:
    conv = _conv_fn(torch, x.ndim - 2)
    y = _t(torch, x)
    for k, d in zip(kernels, dilations):
        y = conv(y, _t(torch, k[None, None]), dilation=d)
    return y.numpy()


def _flip(k: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(k[(slice(None, None, -1),) * k.ndim])


@given(dims=st.integers(1, 2), a=st.integers(2, 3), layers=st.integers(1, 3), extra=st.integers(0, 4),
       seed=seeds())
@settings(max_examples=EXAMPLES["kron_exact"], deadline=None)
def test_torch_cascade_equals_torch_conv_with_the_unflipped_kron_kernel(torch: Any, dims: int, a: int,
                                                                        layers: int, extra: int, seed: int) -> None:
    """Correlations with dilations ``a**l`` compose to correlation with ``K_{L-1} ⊗ ... ⊗ K_0`` (no flip).

    ``kron(K1, K0)[t1 a + t0] = K1[t1] K0[t0]`` is the tap reached by offsets
    ``t0 + t1 a``; flipping every factor flips the product, so true
    convolutions compose to convolution with the same kernel, i.e. correlation
    with the flipped one.
    """
    ks = [int_array(seed + l, (a,) * dims) for l in range(layers)]
    dil = [a**l for l in range(layers)]
    x = int_array(seed + 99, (1, 1) + (a**layers + extra,) * dims)
    K = kron_kernel(ks)
    conv = _conv_fn(torch, dims)
    chained = _torch_cascade(torch, x, ks, dil)
    assert np.array_equal(chained, conv(_t(torch, x), _t(torch, K[None, None])).numpy())
    assert np.array_equal(chained, cascade(x, [k[None, None] for k in ks], dil))
    flipped = _torch_cascade(torch, x, [_flip(k) for k in ks], dil)  # true convolutions, layer by layer
    assert np.array_equal(flipped, conv(_t(torch, x), _t(torch, _flip(K)[None, None])).numpy())
    assert np.array_equal(flipped, cascade(x, [k[None, None] for k in ks], dil, operation="convolution"))


def test_flipped_kron_kernel_does_not_give_the_correlation_cascade(torch: Any) -> None:
    k0, k1 = np.array([1.0, 2.0]), np.array([1.0, 10.0])
    x = np.array([1.0, 0.0, 0.0, 0.0, 0.0]).reshape(1, 1, 5)
    chained = _torch_cascade(torch, x, [k0, k1], [1, 2]).ravel().tolist()
    K = kron_kernel([k0, k1])
    assert K.tolist() == [1.0, 2.0, 10.0, 20.0]
    conv = torch.nn.functional.conv1d
    assert conv(_t(torch, x), _t(torch, K[None, None])).numpy().ravel().tolist() == chained == [1.0, 0.0]
    assert conv(_t(torch, x), _t(torch, _flip(K)[None, None])).numpy().ravel().tolist() == [20.0, 0.0]


@given(dims=st.integers(1, 2), a=st.integers(2, 3), layers=st.integers(2, 3), extra=st.integers(0, 4),
       seed=seeds())
@settings(max_examples=EXAMPLES["kron_bound"], deadline=None)
def test_torch_cascade_and_kron_kernel_agree_within_the_derived_float64_bound(
        torch: Any, dims: int, a: int, layers: int, extra: int, seed: int) -> None:
    r"""Random float64: ``|cascade - kron| <= ((1 + g)^L - 1 + g_N (1 + g_{L-1}) + g_{L-1}) M``.

    With :math:`M = |K_{L-1}| \star \cdots \star |K_0| \star |x|`: each cascade
    layer adds at most :math:`\gamma_n |K_l| \star |\hat y_{l-1}|` (``n = a^D``
    taps) and :math:`|\hat y_{l-1}| \le |y_{l-1}| + |e_{l-1}|`, so by induction
    :math:`|e_L| \le ((1 + \gamma_n)^L - 1) M`; the kernel entries are products
    of ``L`` numbers (relative error :math:`\gamma_{L-1}`) and the single
    correlation of :math:`N = a^{LD}` terms adds :math:`\gamma_N |\hat K| \star |x|`.
    """
    ks = [float_array(seed + l, (a,) * dims) for l in range(layers)]
    dil = [a**l for l in range(layers)]
    x = float_array(seed + 99, (1, 1) + (a**layers + extra,) * dims)
    K = kron_kernel(ks)
    chained = _torch_cascade(torch, x, ks, dil)
    single = _conv_fn(torch, dims)(_t(torch, x), _t(torch, K[None, None])).numpy()
    u = unit_roundoff(np.float64)
    n, N = a**dims, a ** (layers * dims)
    mag = cascade(np.abs(x), [np.abs(k)[None, None] for k in ks], dil)
    coef = (1 + gamma(n, u)) ** layers - 1 + gamma(N, u) * (1 + gamma(layers - 1, u)) + gamma(layers - 1, u)
    tol = coef * mag * inflation(layers * (n + 4) + N)
    assert np.all(np.abs(chained - single) <= tol)


# --------------------------------------------------------------------------- pooling


@st.composite
def pool_problems(draw: Any) -> dict[str, Any]:
    d = draw(st.integers(1, 3))
    ks = draw(st.tuples(*[st.integers(1, 3)] * d))
    ss = draw(st.tuples(*[st.integers(1, 3)] * d))
    ps = tuple(draw(st.integers(0, k // 2)) for k in ks)
    size = tuple(draw(st.integers(max(1, k - 2 * p), max(1, k - 2 * p) + (7 if d < 3 else 4)))
                 for k, p in zip(ks, ps))
    return {"dims": d, "shape": (draw(st.integers(1, 2)), draw(st.integers(1, 3))) + size, "kernel": ks,
            "stride": ss, "padding": ps, "seed": draw(seeds())}


@pytest.mark.parametrize("values", ["integers", "normal"])
@given(p=pool_problems())
@settings(max_examples=EXAMPLES["pool"], deadline=None)
def test_pool_equals_torch_max_and_avg_pool(torch: Any, values: str, p: dict[str, Any]) -> None:
    """Max: equal values and argmax indices (ties to the first tap, as in torch).  Average counts the
    padded zeros (``count_include_pad=True``): exact on integers, else within ``2 gamma_{K+1}`` of the
    average magnitude (both sum ``K`` terms and divide once)."""
    f = torch.nn.functional
    x = int_array(p["seed"], p["shape"]) if values == "integers" else float_array(p["seed"], p["shape"])
    kw = {"kernel": p["kernel"], "stride": p["stride"], "padding": list(p["padding"])}
    tkw = {"kernel_size": p["kernel"], "stride": p["stride"], "padding": p["padding"]}
    d = p["dims"]
    vals, idx = pool(x, mode="max", return_indices=True, **kw)
    tvals, tidx = (f.max_pool1d, f.max_pool2d, f.max_pool3d)[d - 1](_t(torch, x), return_indices=True, **tkw)
    assert np.array_equal(vals, tvals.numpy())
    assert np.array_equal(idx, tidx.numpy())
    avg = pool(x, mode="avg", **kw)
    tx = _t(torch, x)
    if d == 3 and any(n < k for n, k in zip(p["shape"][2:], p["kernel"])):
        # torch's avg_pool3d refuses an input smaller than the kernel even when the padding makes
        # room ("input image ... smaller than kernel size"; avg_pool1d/2d accept it): pad the zeros
        # that count_include_pad=True counts explicitly instead
        tx = f.pad(tx, _pad_arg([(q, q) for q in p["padding"]]))
        tkw = {**tkw, "padding": 0}
    tavg = (f.avg_pool1d, f.avg_pool2d, f.avg_pool3d)[d - 1](tx, count_include_pad=True, **tkw).numpy()
    if values == "integers":
        assert np.array_equal(avg, tavg)
    else:
        K = math.prod(p["kernel"])
        tol = 2 * gamma(K + 1, unit_roundoff(np.float64)) * pool(np.abs(x), mode="avg", **kw) * inflation(K + 4)
        assert np.all(np.abs(avg - tavg) <= tol)
