"""Network descriptions: validation, presets, spec files (TOML/JSON) and hostile input."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kronconv import InvalidSpec
from kronconv.formulas import network_fields
from kronconv.spec import (
    MAX_LAYERS,
    MAX_SIZE,
    Conv,
    Network,
    Pool,
    chain,
    load_spec,
    network_from_dict,
    parse_spec_text,
    preset,
    preset_names,
)


def test_layers_are_frozen_and_broadcast_per_axis() -> None:
    c = Conv((3, 1), dilation=2, dims=2)
    assert c.kernel == (3, 1) and c.dilation == (2, 2) and c.effective_kernel == (5, 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.kernel = (1, 1)  # type: ignore[misc]


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"kernel": 0}, "kernel must be an integer in [1,"),
        ({"kernel": -3}, "got -3"),
        ({"kernel": 2.5}, "got 2.5"),
        ({"kernel": True}, "got True"),
        ({"kernel": "3"}, "got '3'"),
        ({"kernel": 3, "dilation": 0}, "dilation"),
        ({"kernel": 3, "stride": MAX_SIZE + 1}, "stride"),
        ({"kernel": 3, "padding": -1}, "padding"),
        ({"kernel": (3, 3, 3), "dims": 2}, "expected 2"),
        ({"kernel": 3, "dims": 4}, "dims must be an integer in [1, 3]"),
        ({"kernel": 3, "in_channels": 6, "out_channels": 4, "groups": 4}, "groups=4 must divide"),
        ({"kernel": 3, "bias": 1}, "bias"),
    ],
)
def test_conv_rejects_bad_values_naming_them(kwargs, fragment) -> None:
    with pytest.raises(InvalidSpec) as info:
        Conv(**kwargs)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_network_checks_channel_flow_and_dims() -> None:
    with pytest.raises(InvalidSpec, match="in_channels=3 but the previous layer gives 4"):
        Network((Conv(3, out_channels=4), Pool(2), Conv(3, in_channels=3)))
    with pytest.raises(InvalidSpec, match="same dims"):
        Network((Conv(3, dims=1), Conv(3, dims=2)))
    with pytest.raises(InvalidSpec, match="at least 1 layer"):
        Network(())


def test_chain_broadcasts_and_rejects_mismatched_lengths() -> None:
    net = chain(kernels=[3], dilations=[1, 2, 4], strides=[1], dims=1)
    assert [l.dilation[0] for l in net.layers] == [1, 2, 4]
    with pytest.raises(InvalidSpec, match="--dilations has 2 entries, expected 1 or 3"):
        chain(kernels=[3, 3, 3], dilations=[1, 2])


def test_all_presets_build_and_list() -> None:
    for name in preset_names():
        net = preset(name)
        assert len(net) >= 1 and net.description


def test_parameterised_presets() -> None:
    assert network_fields(preset("kronecker:a=3,layers=4")).receptive_field() == [81, 81]
    assert network_fields(preset("exponential:k=3,base=2,layers=5")).receptive_field() == [63, 63]
    assert network_fields(preset("plain:k=5,layers=3,dims=1")).receptive_field() == [13]
    with pytest.raises(InvalidSpec, match="bad preset parameter"):
        preset("kronecker:b=3")
    with pytest.raises(InvalidSpec, match="must be an integer"):
        preset("kronecker:a=x")
    with pytest.raises(InvalidSpec, match="unknown preset"):
        preset("nope")
    with pytest.raises(InvalidSpec, match="exceeds the limit"):
        preset("exponential:base=10,layers=50")


def test_frontend_preset_structure() -> None:
    net = preset("yu-koltun-frontend")
    names = [l.name for l in net.layers]
    assert "pool4" not in names and "pool5" not in names
    assert [l.dilation[0] for l in net.layers if l.name.startswith("conv5")] == [2, 2, 2]
    fc6 = net.layers[names.index("fc6")]
    assert fc6.kernel == (7, 7) and fc6.dilation == (4, 4)
    assert network_fields(net).effective_stride() == [8, 8]  # three poolings left


layer_dict = st.fixed_dictionaries(
    {"kernel": st.integers(1, 7), "dilation": st.integers(1, 5), "stride": st.integers(1, 3),
     "padding": st.integers(0, 3)}
)


@given(st.lists(layer_dict, min_size=1, max_size=6), st.integers(1, 3))
def test_spec_json_and_toml_round_trip(layers, dims) -> None:
    net = network_from_dict({"dims": dims, "layers": layers})
    again = network_from_dict(json.loads(json.dumps(net.to_dict())))
    assert again.layers == net.layers
    toml = f"dims = {dims}\n" + "".join(
        "[[layers]]\n" + "".join(f"{k} = {v}\n" for k, v in l.items()) for l in layers
    )
    assert network_from_dict(parse_spec_text(toml, "toml")).layers == net.layers


def test_load_spec_files(tmp_path) -> None:
    p = tmp_path / "net.toml"
    p.write_text('dims = 1\n[[layers]]\nkernel = 3\ndilation = 2\n[[layers]]\ntype = "pool"\nkernel = 2\n')
    net = load_spec(p)
    assert net.name == "net" and network_fields(net).receptive_field() == [6]
    q = tmp_path / "net.json"
    q.write_text(json.dumps({"name": "x", "dims": 1, "layers": [{"kernel": 5}]}))
    assert load_spec(q).name == "x"


@pytest.mark.parametrize(
    "text, fmt, fragment",
    [
        ("{", "json", "not valid JSON"),
        ("[1, 2]", "json", "top level must be an object"),
        ('{"layers": [{"kernel": NaN}]}', "json", "NaN is not an allowed number"),
        ('{"layers": [{"kernel": "3"}]}', "json", "got '3'"),
        ('{"layers": [{"kernel": 3.5}]}', "json", "got 3.5"),
        ('{"layers": [{"kernel": 99999999999999999999}]}', "json", "kernel must be an integer"),
        ('{"layers": [{"kernel": 3, "colour": 1}]}', "json", "unknown key(s) ['colour']"),
        ('{"layers": [{"type": "deconv", "kernel": 3}]}', "json", "type must be 'conv' or 'pool'"),
        ('{"layers": []}', "json", "non-empty list"),
        ('{"layerz": []}', "json", "unknown top-level key"),
        ('{"layers": [{"kernel": [3, 3, 3]}]}', "json", "expected 2"),
        ('{"layers": [{"dilation": 2}]}', "json", "needs a 'kernel'"),
        ('{"in_channels": 3, "layers": [{"kernel": 3, "in_channels": 5}]}', "json", "previous layer gives 3"),
        ("layers = [[[[[[[[[[1]]]]]]]]]]", "toml", "nesting deeper"),
        ("[" * 100000 + "]" * 100000, "json", "nesting"),
        ("dims = 'two'\n", "toml", "dims must be an integer"),
        ("= 3", "toml", "not valid TOML"),
    ],
)
def test_hostile_spec_text_gives_one_line_errors(text, fmt, fragment) -> None:
    with pytest.raises(InvalidSpec) as info:
        network_from_dict(parse_spec_text(text, fmt))
    msg = str(info.value)
    assert fragment in msg
    assert "\n" not in msg and len(msg) < 400


def test_too_many_layers_and_too_large_files_are_refused(tmp_path) -> None:
    with pytest.raises(InvalidSpec, match=f"at most {MAX_LAYERS}"):
        network_from_dict({"layers": [{"kernel": 1}] * (MAX_LAYERS + 1)})
    big = tmp_path / "big.json"
    big.write_text(" " * (2 << 20) + "{}")
    with pytest.raises(InvalidSpec, match="at most"):
        load_spec(big)
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff\xfe{}")
    with pytest.raises(InvalidSpec, match="cannot read"):
        load_spec(bad)
    with pytest.raises(InvalidSpec, match="must end in .toml or .json"):
        load_spec(tmp_path / "net.yaml")
    with pytest.raises(InvalidSpec, match="cannot read spec file"):
        load_spec(tmp_path / "missing.toml")
