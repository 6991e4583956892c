"""Presets reproduce their published architectures (Yu & Koltun 2015, Table 1 and the VGG-16 front end),
and preset parameters are range-checked at both ends with the parameter named."""

from __future__ import annotations

import pytest

from kronconv.errors import InvalidSpec
from kronconv.spec import Conv, Pool, chain, preset

#: Parameters (weights + biases) of Keras' VGG16 with its 1000-class top: conv blocks 14,714,688,
#: fc1 102,764,544, fc2 16,781,312, predictions 4,097,000. The front end with ``classes=1000`` has exactly
#: these layers (fc6 a 7x7 convolution on 512 channels = fc1 on 7*7*512 inputs).
KERAS_VGG16_PARAMETERS = 138_357_544


def _field(layers: list[tuple[int, int, int]]) -> tuple[int, int]:
    """Receptive field and effective stride of a chain given as (kernel, dilation, stride) rows."""
    rf, jump = 1, 1
    for k, d, s in layers:
        rf += d * (k - 1) * jump
        jump *= s
    return rf, jump


def _rows(net: object) -> list[tuple[int, int, int]]:
    return [(la.kernel[0], la.dilation[0], la.stride[0]) for la in net.layers]  # type: ignore[attr-defined]


def test_frontend_is_vgg16_with_pool4_pool5_removed() -> None:
    net = preset("yu-koltun-frontend:classes=1000")
    assert net.parameter_count == KERAS_VGG16_PARAMETERS
    names = [la.name for la in net.layers]
    assert names == ["conv1_1", "conv1_2", "pool1", "conv2_1", "conv2_2", "pool2", "conv3_1", "conv3_2",
                     "conv3_3", "pool3", "conv4_1", "conv4_2", "conv4_3", "conv5_1", "conv5_2", "conv5_3",
                     "fc6", "fc7", "final"]
    # VGG-16 as published: 3x3 convolutions, 2x2/2 pools; conv5 dilated 2, fc6 7x7 dilated 4
    paper = ([(3, 1, 1)] * 2 + [(2, 1, 2)] + [(3, 1, 1)] * 2 + [(2, 1, 2)] + [(3, 1, 1)] * 3 + [(2, 1, 2)]
             + [(3, 1, 1)] * 3 + [(3, 2, 1)] * 3 + [(7, 4, 1), (1, 1, 1), (1, 1, 1)])
    assert _rows(net) == paper
    assert _field(paper) == (380, 8)
    assert [la.out_channels for la in net.layers if isinstance(la, Conv)][-3:] == [4096, 4096, 1000]
    # 'same' padding everywhere: d (k - 1) / 2
    assert all(la.padding[0] == la.dilation[0] * (la.kernel[0] - 1) // 2 for la in net.layers if isinstance(la, Conv))
    assert all(isinstance(la, Pool) for la in net.layers if la.name.startswith("pool"))


def test_frontend_default_has_21_classes() -> None:
    net = preset("yu-koltun-frontend")
    assert net.layers[-1].out_channels == 21
    assert net.dims == 2
    assert net.parameter_count == KERAS_VGG16_PARAMETERS - 4_097_000 + 4096 * 21 + 21


@pytest.mark.parametrize("c", [1, 21, 64])
def test_basic_context_module_has_64_c_squared_weights(c: int) -> None:
    net = preset(f"yu-koltun-basic:C={c}")
    # Table 1: dilations 1, 1, 2, 4, 8, 16, 1 on 3x3 layers, then a 1x1 layer; C channels throughout
    assert _rows(net) == [(3, d, 1) for d in (1, 1, 2, 4, 8, 16, 1)] + [(1, 1, 1)]
    assert _field(_rows(net)) == (67, 1)
    assert sum(la.weight_count for la in net.layers) == 64 * c * c
    assert net.parameter_count == 64 * c * c + 8 * c


def test_large_context_module_widens_as_table_1() -> None:
    net = preset("yu-koltun-large")
    widths = [2, 2, 4, 8, 16, 32, 32, 1]  # output channels in units of C (Table 1, large)
    assert [la.out_channels for la in net.layers] == [21 * w for w in widths]
    assert [la.in_channels for la in net.layers] == [21] + [21 * w for w in widths[:-1]]
    assert net.dims == 2
    assert _field(_rows(net)) == (67, 1)


def test_default_context_module_has_21_channels() -> None:
    net = preset("yu-koltun-basic")
    assert {la.out_channels for la in net.layers} == {21}
    assert net.in_channels == 21
    assert net.dims == 2


def test_exponential_dilation_limit_both_sides() -> None:
    net = preset("exponential:base=2,layers=21")
    assert net.layers[-1].dilation == (2**20, 2**20)
    with pytest.raises(InvalidSpec) as exc:
        preset("exponential:base=2,layers=22")
    assert str(exc.value) == "dilation 2**21 exceeds the limit 1048576"
    assert [la.dilation[0] for la in preset("exponential:base=1,layers=30").layers] == [1] * 30


def test_kronecker_accepts_a_equal_one() -> None:
    net = preset("kronecker:a=1,layers=3")
    assert [(la.kernel[0], la.dilation[0]) for la in net.layers] == [(1, 1)] * 3
    assert net.name == "kronecker"
    with pytest.raises(InvalidSpec, match=r"^preset parameter a must be an integer in \[1, 1048576\], got 0$"):
        preset("kronecker:a=0")


def test_preset_parameters_are_parsed_and_range_checked() -> None:
    net = preset("plain:k=5,layers=2,dims=3")
    assert [la.kernel for la in net.layers] == [(5, 5, 5)] * 2
    assert preset("plain:layers=4096").layers[-1].kernel == (3, 3)
    with pytest.raises(InvalidSpec, match=r"^preset parameter dims must be an integer in \[1, 3\], got 4$"):
        preset("plain:dims=4")
    with pytest.raises(InvalidSpec, match=r"^preset parameter layers must be an integer in \[1, 4096\], got 4097$"):
        preset("plain:layers=4097")
    with pytest.raises(InvalidSpec) as exc:
        preset("plain:")
    assert str(exc.value) == ("preset 'plain': empty parameter list after ':'; give NAME alone or "
                              "NAME:k=INT,layers=INT,channels=INT,dims=INT")


def test_chain_broadcasts_single_values_and_checks_the_layer_count() -> None:
    net = chain(kernels=[5], dilations=[1, 2, 4], dims=1)
    assert [(la.kernel[0], la.dilation[0]) for la in net.layers] == [(5, 1), (5, 2), (5, 4)]
    assert len(chain(kernel=3, layers=1, dims=1)) == 1
    with pytest.raises(InvalidSpec, match=r"^layers must be an integer in \[1, 4096\], got 0$"):
        chain(kernel=3, layers=0, dims=1)
    with pytest.raises(InvalidSpec, match=r"^--dilations has 2 entries, expected 1 or 3 \(one per layer\)$"):
        chain(kernels=[3, 3, 3], dilations=[1, 2], dims=1)
