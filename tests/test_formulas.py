"""Receptive-field, offset, output-size and parameter formulas against outside references.

References: the google-research/receptive_field table (Araujo, Norris & Sim 2019) for AlexNet,
VGG-16, ResNet-50 and MobileNet (receptive field, effective stride, effective padding); Yu & Koltun
2015 Table 1; an independent NumPy Jacobian of the stack (which input units reach an output unit).
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kronconv import InvalidArgument, InvalidSpec
from kronconv.formulas import (
    chain_fields,
    kernel_parameter_counts,
    layers_for_receptive_field,
    network_fields,
    network_output_size,
    output_size,
    parameter_table,
    receptive_field_closed_form,
    stack_parameter_count,
    sym,
)
from kronconv.spec import Conv, Network, Pool, chain, preset

# --------------------------------------------------------------------------- published tables


def _tf_chain(layers: list[tuple[int, int, int]]) -> Network:
    """(kernel, stride, left padding) triples as 1-D convolutions (padding on each side)."""
    return Network(tuple(Conv(k, stride=s, padding=p, dims=1) for k, s, p in layers))


def alexnet_v2() -> Network:
    # slim alexnet_v2: conv1 11x11/4 VALID, pool 3/2 VALID, conv2 5x5 SAME, pool, conv3-5 3x3 SAME, pool5
    return _tf_chain([(11, 4, 0), (3, 2, 0), (5, 1, 2), (3, 2, 0), (3, 1, 1), (3, 1, 1), (3, 1, 1), (3, 2, 0)])


def resnet_v1_50_longest_path() -> Network:
    # slim resnet_v1_50: conv1 7x7/2 (conv2d_same: pad 3), max pool 3x3/2 SAME (left pad 0 on even
    # input), then bottleneck units whose 3x3 conv carries the stride in the LAST unit of blocks 1-3.
    layers = [(7, 2, 3), (3, 2, 0)]
    for units, stride in ((3, 2), (4, 2), (6, 2), (3, 1)):
        for u in range(units):
            s = stride if u == units - 1 else 1
            layers += [(1, 1, 0), (3, s, 1), (1, 1, 0)]
    return _tf_chain(layers)


def mobilenet_v1() -> Network:
    # conv 3x3/2 SAME (left pad 0 on even input), 13 depthwise 3x3 (+ pointwise 1x1) blocks
    layers = [(3, 2, 0)]
    for s in (1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1):
        layers += [(3, s, 1 if s == 1 else 0), (1, 1, 0)]
    return _tf_chain(layers)


@pytest.mark.parametrize(
    "net, rf, stride, padding",
    [
        (alexnet_v2(), 195, 32, 64),
        (resnet_v1_50_longest_path(), 483, 32, 239),
        (mobilenet_v1(), 315, 32, 126),
    ],
    ids=["alexnet_v2", "resnet_v1_50", "mobilenet_v1"],
)
def test_matches_published_receptive_field_table(net: Network, rf: int, stride: int, padding: int) -> None:
    ft = network_fields(net)
    assert ft.receptive_field() == [rf]
    assert ft.effective_stride() == [stride]
    assert ft.offset() == [-padding]  # effective padding P = -offset


def test_vgg16_spec_file_matches_published_table() -> None:
    from pathlib import Path

    from kronconv.spec import load_spec

    net = load_spec(Path(__file__).parent.parent / "docs" / "examples" / "vgg16.toml")
    ft = network_fields(net)
    assert (ft.receptive_field(), ft.effective_stride(), ft.offset()) == ([212, 212], [32, 32], [-90, -90])
    conv5_3 = [l.name for l in net.layers].index("conv5_3")
    assert ft.receptive_field(conv5_3) == [196, 196]
    assert net.parameter_count == 14_714_688  # VGG-16 convolutional weights + biases


def test_yu_koltun_table1_receptive_fields_and_parameters() -> None:
    net = preset("yu-koltun-basic")
    ft = network_fields(net)
    assert [ft.receptive_field(i)[0] for i in range(len(net))] == [3, 5, 9, 17, 33, 65, 67, 67]
    C = 21
    weights = sum(l.weight_count for l in net.layers)
    assert weights == 64 * C * C  # the paper: the basic module has 64 C^2 parameters (weights)
    large = preset("yu-koltun-large:C=1")
    assert [l.out_channels for l in large.layers] == [2, 2, 4, 8, 16, 32, 32, 1]
    assert network_fields(large).receptive_field() == [67, 67]


def test_paper_exponential_receptive_field_2_pow_i_plus_2_minus_1() -> None:
    i = sp.Symbol("i", integer=True, nonnegative=True)
    # F_{i+1} after layers 0..i with dilations 2^l: i + 1 layers
    closed = receptive_field_closed_form(3, "2**l", i + 1)
    assert sp.simplify(closed - (2 ** (i + 2) - 1)) == 0


def test_kronecker_cascade_receptive_field_is_a_pow_L() -> None:
    assert receptive_field_closed_form("a", "a**l", "L") == sp.Symbol("a", integer=True, positive=True) ** sp.Symbol(
        "L", integer=True, positive=True)


def test_plain_stack_receptive_field_is_linear() -> None:
    closed = receptive_field_closed_form("k", 1, "L")
    k, L = sp.symbols("k L", integer=True, positive=True)
    assert sp.expand(closed - (L * (k - 1) + 1)) == 0


# --------------------------------------------------------------------------- independent numerics


def _jacobian_rows(net: Network, n: int) -> np.ndarray:
    """Dependency of every output unit on every input unit (1-D), computed by running the chain.

    Each layer is applied as an explicit matrix built tap by tap from its definition
    y[u] = sum_j x[u*s + j*d - p], all-ones weights (positive, so no cancellation).
    """
    mats = np.eye(n, dtype=np.int64)  # rows: current units, columns: input units
    size = n
    for layer in net.layers:
        k, d, s, p = layer.kernel[0], layer.dilation[0], layer.stride[0], layer.padding[0]
        out = (size + 2 * p - d * (k - 1) - 1) // s + 1
        m = np.zeros((out, size), dtype=np.int64)
        for u in range(out):
            for j in range(k):
                src = u * s + j * d - p
                if 0 <= src < size:
                    m[u, src] += 1
        mats = m @ mats
        size = out
    return mats


layer_st = st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 2), st.integers(0, 2))


@given(st.lists(layer_st, min_size=1, max_size=4))
@settings(max_examples=60)
def test_receptive_field_and_offset_equal_the_stack_dependency_support(layers) -> None:
    net = Network(tuple(Conv(k, dilation=d, stride=s, padding=p, dims=1) for k, d, s, p in layers))
    ft = network_fields(net)
    rf, jump, off = ft.receptive_field()[0], ft.effective_stride()[0], ft.offset()[0]
    n = rf + 4 * jump + 2 * abs(off) + 8
    rows = _jacobian_rows(net, n)
    # every output unit whose field lies inside the input: support extent == rf, left edge == off + u*jump
    checked = 0
    for u in range(rows.shape[0]):
        left = off + u * jump
        if left < 0 or left + rf > n:
            continue
        nz = np.nonzero(rows[u])[0]
        assert nz.min() == left and nz.max() == left + rf - 1
        checked += 1
    assert checked >= 1


@given(st.integers(1, 60), st.integers(1, 5), st.integers(1, 4), st.integers(1, 3), st.integers(0, 4))
def test_output_size_matches_strided_slicing_of_scipy_valid_convolution(n, k, d, s, p) -> None:
    from scipy.signal import convolve

    extent = d * (k - 1) + 1
    x = np.ones(n + 2 * p)
    if n + 2 * p < extent:
        with pytest.raises(InvalidArgument):
            output_size(n, k, d, s, p)
        return
    dense = convolve(x, np.ones(extent), mode="valid")  # stride 1 on the padded input
    assert int(output_size(n, k, d, s, p)) == len(dense[::s])


def test_output_size_symbolic_same_padding() -> None:
    n, d = sp.symbols("n d", integer=True, positive=True)
    assert output_size(n, 3, d, 1, d) == n


def test_network_output_size_refuses_a_field_that_does_not_fit() -> None:
    net = chain(kernel=3, dilations=[1, 2, 4], dims=1)
    assert network_output_size(net, 15) == [[13], [9], [1]]
    with pytest.raises(InvalidSpec, match="layer 2"):
        network_output_size(net, 14)


# --------------------------------------------------------------------------- closed forms vs the per-layer path

base_st = st.integers(1, 4)


@given(st.integers(2, 7), base_st, st.integers(1, 9))
def test_closed_form_agrees_with_per_layer_arithmetic(k, base, L) -> None:
    symbolic = receptive_field_closed_form("k", "b**l", "L")
    kk, bb, LL = (sp.Symbol(n, integer=True, positive=True) for n in "kbL")
    value = symbolic.subs({kk: k, bb: base, LL: L})
    direct = network_fields(chain(kernel=k, dilations=[base**l for l in range(L)], dims=1)).receptive_field()[0]
    assert sp.simplify(value) == direct
    assert receptive_field_closed_form(k, f"{base}**l", L) == direct


@given(st.integers(2, 5), st.integers(1, 3), st.integers(1, 6))
def test_strided_closed_form_agrees_with_per_layer_arithmetic(k, s, L) -> None:
    direct = network_fields(chain(kernel=k, strides=[s], layers=L, dims=1)).receptive_field()[0]
    assert receptive_field_closed_form(k, 1, L, stride=s) == direct


@given(st.integers(1, 5000), st.integers(2, 6), st.sampled_from(["1", "2**l", "3**l", "l+1"]))
@example(4097, 2, "1")  # 4096 layers: the most allowed
@example(4098, 2, "1")  # 4097 layers: refused
def test_layers_for_receptive_field_is_the_smallest_sufficient_depth(R, k, dil) -> None:
    if dil == "1" and -(-(R - 1) // (k - 1)) > 4096:  # undilated: 1 + L (k - 1) >= R needs too many layers
        with pytest.raises(InvalidArgument, match="more than 4096 layers"):
            layers_for_receptive_field(R, k, dil)
        return
    L = int(layers_for_receptive_field(R, k, dil))
    general = receptive_field_closed_form(k, dil, "n")  # closed form in n, evaluated exactly
    rf = lambda n: int(general.subs(sp.Symbol("n", integer=True, positive=True), n)) if n > 0 else 1
    assert rf(L) >= R
    assert L == 0 or rf(L - 1) < R


def test_layers_for_receptive_field_symbolic() -> None:
    R = sp.Symbol("R", integer=True, positive=True)
    assert layers_for_receptive_field("R", 3, "3**l") == sp.ceiling(sp.log(R) / sp.log(3))
    assert layers_for_receptive_field(1000, 3, "2**l") == 9


def test_chain_fields_symbolic_and_numeric_share_the_path() -> None:
    k, d = sp.symbols("k d", positive=True, integer=True)
    rows = chain_fields([k, k], [1, d], [1, 1], [0, 0])
    assert sp.expand(rows[-1].receptive_field - (k + d * (k - 1))) == 0
    assert rows[-1].receptive_field.subs({k: 3, d: 2}) == chain_fields([3, 3], [1, 2], [1, 1], [0, 0])[-1].receptive_field


# --------------------------------------------------------------------------- parameters


def test_stack_parameter_count_equals_the_network_count() -> None:
    for C, L, k in [(1, 3, 3), (4, 2, 5), (21, 7, 3)]:
        net = chain(kernel=k, layers=L, channels=C)
        assert stack_parameter_count(k, L, C) == net.parameter_count


def test_depthwise_parameter_count() -> None:
    conv = Conv(3, in_channels=64, out_channels=64, groups=64)
    assert conv.weight_count == int(stack_parameter_count(3, 1, 64, bias=False, groups=64)) == 64 * 9


def _matrix_manifold_dim_numeric(N: int, r: int, rng: np.random.Generator) -> int:
    """Rank of the Jacobian of (U, V) -> U V^T at a random point: the dimension of rank-r matrices."""
    U, V = rng.standard_normal((N, r)), rng.standard_normal((N, r))
    cols = []
    for idx in np.ndindex(U.shape):
        dU = np.zeros_like(U); dU[idx] = 1
        cols.append((dU @ V.T).ravel())
    for idx in np.ndindex(V.shape):
        dV = np.zeros_like(V); dV[idx] = 1
        cols.append((U @ dV.T).ravel())
    return int(np.linalg.matrix_rank(np.array(cols).T))


def _kron_manifold_dim_numeric(a: int, L: int, rng: np.random.Generator) -> int:
    """Rank of the Jacobian of (K_0..K_{L-1}) -> K_{L-1} ⊗ ... ⊗ K_0 at a random point."""
    ks = [rng.standard_normal((a, a)) for _ in range(L)]

    def kron_all(kernels):
        out = kernels[0]
        for k in kernels[1:]:
            out = np.kron(k, out)
        return out

    cols = []
    for li in range(L):
        for idx in np.ndindex(a, a):
            d = [k.copy() for k in ks]
            d[li] = np.zeros((a, a)); d[li][idx] = 1
            cols.append(kron_all(d).ravel())  # multilinear: derivative w.r.t. one factor
    return int(np.linalg.matrix_rank(np.array(cols).T))


@pytest.mark.parametrize("a, L", [(2, 2), (2, 3), (3, 2)])
def test_kronecker_degrees_of_freedom_equal_the_jacobian_rank(a, L) -> None:
    counts = {c.name: c for c in kernel_parameter_counts(a**L, a, 1)}
    assert counts["kronecker"].stored == L * a * a
    assert counts["kronecker"].dof == _kron_manifold_dim_numeric(a, L, np.random.default_rng(0))


@pytest.mark.parametrize("N, r", [(4, 1), (5, 2), (6, 3), (3, 3)])
def test_separable_degrees_of_freedom_equal_the_jacobian_rank(N, r) -> None:
    counts = {c.name: c for c in kernel_parameter_counts(N, N, r)}
    assert counts["separable"].stored == 2 * r * N
    assert counts["separable"].dof == _matrix_manifold_dim_numeric(N, r, np.random.default_rng(1))


def test_kronecker_counts_grow_logarithmically_and_separable_linearly() -> None:
    rows = parameter_table([3**L for L in range(1, 7)], 3, 1)
    kron = [r["kronecker_stored"] for r in rows]
    sep = [r["separable_stored"] for r in rows]
    assert [b - a for a, b in pairwise(kron)] == [9] * 5  # +a^2 per tripling of N: logarithmic
    assert [b / a for a, b in pairwise(sep)] == [3.0] * 5  # x3 per tripling of N: linear
    assert all(r["full_stored"] == r["extent"] ** 2 for r in rows)


def test_kernel_counts_reject_extent_not_a_power_of_the_factor() -> None:
    with pytest.raises(InvalidArgument, match="not a power"):
        kernel_parameter_counts(10, 3)


# --------------------------------------------------------------------------- safe parsing


@pytest.mark.parametrize("text", ["__import__('os')", "a.b", "exp(1)", "lambda: 1", "", "x" * 300, "1.5"])
def test_sym_rejects_non_arithmetic_text(text) -> None:
    with pytest.raises(InvalidArgument):
        sym(text)


def test_sym_treats_every_identifier_as_a_symbol() -> None:
    for name in ("N", "S", "E", "I", "Q", "O"):
        assert sym(name).is_Symbol


def test_pool_layers_enter_the_arithmetic_like_unit_dilation_convolutions() -> None:
    a = network_fields(Network((Pool(2, dims=1), Conv(3, dims=1))))
    b = network_fields(Network((Conv(2, stride=2, dims=1), Conv(3, dims=1))))
    assert a.receptive_field() == b.receptive_field() == [6]
