"""Pooling, upsampling and global pooling carry no parameters.

The parameter totals of a chain (:attr:`Network.parameter_count`) and of a
graph (``kronconv rf --format json`` on a graph spec) must equal the weights
and biases of the convolutions alone, counted here from the kernel sizes and
channel counts: ``c_in * c_out / groups * prod(kernel)`` weights plus ``c_out``
biases.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kronconv.cli import main
from kronconv.layers import ConvTranspose, GlobalPool, Upsample
from kronconv.spec import Conv, Network, Pool


def _conv_params(c_in: int, c_out: int, kernel: tuple[int, ...], bias: bool, groups: int = 1) -> int:
    return c_in * (c_out // groups) * math.prod(kernel) + (c_out if bias else 0)


def test_each_parameter_free_layer_kind_counts_zero_weights_and_biases() -> None:
    for layer in (Pool(2), Pool(3, stride=1, mode="avg", dims=1), Upsample(2), Upsample(size=4, dims=1),
                  GlobalPool(), GlobalPool(mode="max", dims=3)):
        assert (layer.weight_count, layer.bias_count) == (0, 0), layer


@given(st.lists(st.one_of(
    st.tuples(st.just("conv"), st.integers(1, 4), st.integers(1, 3), st.booleans()),
    st.tuples(st.just("pool"), st.integers(1, 3), st.just(0), st.just(False))), min_size=1, max_size=5),
    st.integers(1, 3))
def test_chain_parameter_count_is_the_convolutions_weights_and_biases(layers, c0: int) -> None:
    built, expected, c = [], 0, c0
    for kind, k, c_out, bias in layers:
        if kind == "conv":
            built.append(Conv(k, in_channels=c, out_channels=c_out, bias=bias, dims=2))
            expected += _conv_params(c, c_out, (k, k), bias)
            c = c_out
        else:
            built.append(Pool(k, stride=1, dims=2))
    assert Network(built).parameter_count == expected


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(c_in=st.integers(1, 3), c_mid=st.integers(1, 4), c_out=st.integers(1, 4), k=st.integers(1, 3),
       kt=st.integers(1, 3), conv_bias=st.booleans(), convt_bias=st.booleans())
def test_graph_rf_json_parameters_count_only_convolutions(tmp_path_factory, capsys, c_in: int, c_mid: int,
                                                           c_out: int, k: int, kt: int, conv_bias: bool,
                                                           convt_bias: bool) -> None:
    spec = {"dims": 2, "nodes": [
        {"id": "x", "op": "input", "channels": c_in},
        {"id": "c", "op": "conv", "inputs": ["x"], "kernel": k, "out_channels": c_mid, "bias": conv_bias},
        {"id": "p", "op": "pool", "inputs": ["c"], "kernel": 2, "stride": 1},
        {"id": "u", "op": "upsample", "inputs": ["p"], "scale": 2},
        {"id": "t", "op": "convt", "inputs": ["u"], "kernel": kt, "stride": 2, "out_channels": c_out,
         "bias": convt_bias},
        {"id": "g", "op": "global", "inputs": ["t"]},
        {"id": "b", "op": "upsample", "inputs": ["g"], "size": 1}]}
    path = Path(tmp_path_factory.mktemp("spec")) / "net.json"
    path.write_text(json.dumps(spec))
    code = main(["rf", str(path), "--format", "json"])
    d = json.loads(capsys.readouterr().out)
    assert code == 0
    want = {"x": 0, "c": _conv_params(c_in, c_mid, (k, k), conv_bias), "p": 0, "u": 0,
            "t": _conv_params(c_mid, c_out, (kt, kt), convt_bias), "g": 0, "b": 0}
    assert {n["id"]: n["parameters"] for n in d["nodes"]} == want
    assert d["parameters"] == sum(want.values())


def test_convtranspose_weight_count_matches_a_direct_count() -> None:
    t = ConvTranspose((2, 3), in_channels=4, out_channels=6, groups=2, dims=2)
    # each of the 4 input channels feeds 6 / 2 = 3 output channels through a 2 x 3 kernel
    assert (t.weight_count, t.bias_count) == (4 * 3 * 6, 6)
