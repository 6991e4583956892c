"""Chain layers and spec files: range checks at both ends, per-side padding pairs, parameter counts
against PyTorch's modules, spec round trips, and the size and nesting limits of spec files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.errors import InvalidSpec
from kronconv.spec import (
    MAX_SIZE,
    Conv,
    Network,
    Pool,
    network_from_dict,
    parse_spec_text,
    read_spec_data,
)

#: Documented limits of spec files (docs/spec-files.md): 1 MiB, 8 levels of tables/lists.
MAX_SPEC_BYTES = 1 << 20
MAX_SPEC_DEPTH = 8


def test_sizes_accepted_up_to_max_size_and_refused_past_it() -> None:
    assert Conv(MAX_SIZE, dims=1).kernel == (MAX_SIZE,)
    assert Conv(1, dilation=np.int64(MAX_SIZE), dims=1).dilation == (MAX_SIZE,)
    for bad in (0, MAX_SIZE + 1):
        with pytest.raises(InvalidSpec, match=rf"^kernel must be an integer in \[1, {MAX_SIZE}\], got {bad}$"):
            Conv(bad, dims=1)
    with pytest.raises(InvalidSpec, match=r"^kernel must be an integer in \[1, \d+\], got True$"):
        Conv(True, dims=1)


def test_per_axis_lists_need_one_entry_per_axis() -> None:
    assert Conv([3, 5], dims=2).kernel == (3, 5)
    with pytest.raises(InvalidSpec) as exc:
        Conv([3, 3], dims=1)
    assert str(exc.value) == "kernel has 2 entries [3, 3], expected 1 (one per axis)"


def test_padding_pairs_give_each_side() -> None:
    c = Conv(3, padding=[[1, 2], [0, 3]], dims=2)
    assert (c.padding, c.padding_hi) == ((1, 0), (2, 3))
    sym = Conv(3, padding=[1, 0], dims=2)
    assert (sym.padding, sym.padding_hi) == ((1, 0), (1, 0))
    with pytest.raises(InvalidSpec, match=r"^padding \[\[1, 2\]\] must have 2 entries, each an int or \[lo, hi\]$"):
        Conv(3, padding=[[1, 2]], dims=2)
    with pytest.raises(InvalidSpec, match=r"must have 1 entries, each an int or \[lo, hi\]$"):
        Conv(3, padding=[[1, 2, 3]], dims=1)
    # the spec form writes pairs only where the sides differ, and reads back the same layer
    net = Network((c, Conv(3, padding=2, in_channels=1, dims=2)))
    layers = net.to_dict()["layers"]
    assert layers[0]["padding"] == [[1, 2], [0, 3]]
    assert layers[1]["padding"] == [2, 2]
    assert network_from_dict(net.to_dict()) == net


def test_groups_must_be_positive() -> None:
    assert Conv(3, in_channels=4, out_channels=4, groups=4, dims=1).groups == 4
    with pytest.raises(InvalidSpec, match=r"^groups must be an integer in \[1, \d+\], got 0$"):
        Conv(3, groups=0, dims=1)


@pytest.fixture(scope="module")
def torch() -> Any:
    return pytest.importorskip("torch", reason="PyTorch not installed: parameter counts are not cross-checked")


@settings(max_examples=40, deadline=None)
@given(k=st.lists(st.integers(1, 4), min_size=2, max_size=2), g=st.integers(1, 3), cin=st.integers(1, 3),
       cout=st.integers(1, 3), bias=st.booleans())
def test_conv_parameter_count_equals_torch(torch: Any, k: list[int], g: int, cin: int, cout: int,
                                           bias: bool) -> None:
    conv = Conv(k, in_channels=cin * g, out_channels=cout * g, groups=g, bias=bias, dims=2)
    mod = torch.nn.Conv2d(cin * g, cout * g, tuple(k), groups=g, bias=bias)
    assert conv.weight_count == mod.weight.numel()
    assert conv.weight_count + conv.bias_count == sum(p.numel() for p in mod.parameters())


def test_pools_have_no_parameters_and_keep_channels() -> None:
    pool = Pool(2, dims=1)
    assert (pool.weight_count, pool.bias_count, pool.in_channels) == (0, 0, None)
    net = Network((pool, Conv(3, in_channels=3, out_channels=2, dims=1), Pool(3, dims=1)))
    assert net.in_channels == 3
    assert net.parameter_count == 3 * 2 * 3 + 2
    assert Network((Pool(2, dims=1),)).in_channels == 1
    with pytest.raises(TypeError):
        Pool(2, dims=1, kind="conv")  # type: ignore[call-arg]


def test_pool_options_survive_the_spec_round_trip() -> None:
    net = Network((Pool(3, stride=2, dilation=2, padding=[[1, 2]], ceil_mode=True, mode="avg", dims=1, name="p"),
                   Pool(2, dims=1)))
    data = net.to_dict()
    assert data["layers"][0]["ceil_mode"] is True
    assert data["layers"][0]["dilation"] == [2]
    assert "ceil_mode" not in data["layers"][1] and "dilation" not in data["layers"][1]
    back = network_from_dict(data)
    assert back == net
    assert back.layers[0].ceil_mode is True


def test_spec_defaults_dims_2_and_one_input_channel() -> None:
    net = network_from_dict({"layers": [{"kernel": 3}]})
    assert net.dims == 2
    assert net.in_channels == 1
    assert net.layers[0].kernel == (3, 3)
    with pytest.raises(InvalidSpec) as exc:
        network_from_dict({"dims": 1, "layers": []})
    assert str(exc.value) == "spec: 'layers' must be a non-empty list of layer tables"
    with pytest.raises(InvalidSpec, match=r"^spec: layers\[0\]\.type must be 'conv' or 'pool', got 'relu'$"):
        network_from_dict({"dims": 1, "layers": [{"type": "relu", "kernel": 3}]})
    with pytest.raises(InvalidSpec, match=r"^spec: layers\[0\] must be a table/object, got int$"):
        network_from_dict({"dims": 1, "layers": [3]})


def _layer_nested(levels: int) -> dict[str, Any]:
    """A layer table holding ``levels`` tables in all (itself included), each inside the previous."""
    table: dict[str, Any] = {"kernel": 3}
    for _ in range(levels - 1):
        table = {"kernel": 3, "name": table}
    return table


def test_spec_nesting_limit_both_sides() -> None:
    # the top table and the layers list are levels 1 and 2; the layer tables start at level 3
    at_limit = {"dims": 1, "layers": [_layer_nested(MAX_SPEC_DEPTH - 2)]}
    with pytest.raises(InvalidSpec) as exc:  # within the limit: refused only for the name's value
        network_from_dict(at_limit)
    assert "nesting" not in str(exc.value)
    assert "name" in str(exc.value)
    too_deep = {"dims": 1, "layers": [_layer_nested(MAX_SPEC_DEPTH - 1)]}
    with pytest.raises(InvalidSpec, match=rf"^spec: nesting deeper than {MAX_SPEC_DEPTH} levels is not allowed$"):
        network_from_dict(too_deep)
    lists: Any = 3
    for _ in range(MAX_SPEC_DEPTH):  # the layers list itself and deeper lists: levels 2 .. MAX + 1
        lists = [lists]
    with pytest.raises(InvalidSpec, match=r"^spec: nesting deeper than"):
        network_from_dict({"dims": 1, "layers": lists})
    assert network_from_dict({"dims": 1, "layers": [{"kernel": [3], "padding": [[0, 1]]}]}).layers[0].padding_hi == (1,)


def test_spec_text_size_limit_both_sides(tmp_path: Path) -> None:
    body = json.dumps({"dims": 1, "layers": [{"kernel": 3}]})
    exact = body + " " * (MAX_SPEC_BYTES - len(body))
    assert len(exact.encode()) == MAX_SPEC_BYTES
    assert parse_spec_text(exact, "json")["dims"] == 1
    with pytest.raises(InvalidSpec, match=rf"^spec: spec files may be at most {MAX_SPEC_BYTES} bytes$"):
        parse_spec_text(exact + " ", "json")
    p = tmp_path / "net.json"
    p.write_text(exact)
    assert read_spec_data(p)["layers"] == [{"kernel": 3}]
    p.write_text(exact + " ")
    with pytest.raises(InvalidSpec, match=rf"is {MAX_SPEC_BYTES + 1} bytes; at most {MAX_SPEC_BYTES} allowed$"):
        read_spec_data(p)


def test_spec_text_errors_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(InvalidSpec, match=r"^spec: the top level must be an object, got list$"):
        parse_spec_text("[1, 2]", "json")
    with pytest.raises(InvalidSpec, match=r"^spec: not valid JSON \(Expecting value at line 1\)$"):
        parse_spec_text('{"dims": }', "json")
    p = tmp_path / "bad.toml"
    head = b'dims = 1\nname = "'
    p.write_bytes(head + b'\xff"\n')
    with pytest.raises(InvalidSpec, match=rf"not UTF-8 text \(bad byte at {len(head)}\)$"):
        read_spec_data(p)
