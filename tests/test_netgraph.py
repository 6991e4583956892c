"""Layer-level branching graphs: fields per node, reverse/forward agreement, alignment, spec files.

Also the unit-level cone of branching graphs (residual additions, concatenations):
its field equals the layer-level reverse pass, and its path counts equal a
forward numeric convolution and the explicit networkx graph's dynamic programming.
"""

from __future__ import annotations

import dataclasses
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kronconv.errors import InvalidSpec
from kronconv.formulas import network_fields
from kronconv.graph import graph_path_counts, numeric_check, numeric_path_counts, unit_graph
from kronconv.netgraph import (
    NetGraph,
    NetNode,
    from_network,
    graph_from_dict,
    is_graph_spec,
    load_graph_spec,
    net_fields,
)
from kronconv.spec import Conv, Network, Pool, parse_spec_text

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"


# --------------------------------------------------------------------------- strategies


@st.composite
def conv_st(draw, dims: int, stride: int | None = None):
    k = draw(st.integers(1, 3))
    d = draw(st.integers(1, 3))
    s = draw(st.integers(1, 2)) if stride is None else stride
    p = draw(st.integers(0, 3))
    return Conv(k, dilation=d, stride=s, padding=p, dims=dims)


@st.composite
def dag_st(draw, dims: int = 1, max_blocks: int = 3):
    """Residual blocks, parallel branches joined by concat, plain convs; strides agree across merges."""
    nodes = [NetNode("x", "input")]
    prev = "x"
    count = 0

    chans = {"x": 1}

    def new(op: str, inputs: tuple[str, ...], layer=None) -> str:
        nonlocal count
        count += 1
        nid = f"n{count}"
        if layer is not None:  # every conv keeps the channel count of its input
            layer = dataclasses.replace(layer, in_channels=chans[inputs[0]], out_channels=chans[inputs[0]])
        nodes.append(NetNode(nid, op, inputs, layer))
        chans[nid] = sum(chans[i] for i in inputs) if op == "concat" else chans[inputs[0]]
        return nid

    for _ in range(draw(st.integers(1, max_blocks))):
        kind = draw(st.sampled_from(["conv", "residual", "branches"]))
        if kind == "conv":
            prev = new("conv", (prev,), draw(conv_st(dims)))
        elif kind == "residual":
            main = prev
            stride = 1
            for _ in range(draw(st.integers(1, 2))):
                layer = draw(conv_st(dims))
                stride *= layer.stride[0]
                main = new("conv", (main,), layer)
            if stride == 1 and draw(st.booleans()):
                short = prev  # identity shortcut
            else:
                short = new("conv", (prev,), Conv(1, stride=stride, dims=dims))
            prev = new("add", (main, short))
        else:
            s = draw(st.integers(1, 2))
            branches = tuple(new("conv", (prev,), draw(conv_st(dims, stride=s)))
                             for _ in range(draw(st.integers(2, 3))))
            prev = new("concat", branches)
    return NetGraph.build(nodes, dims=dims)


@st.composite
def chain_st(draw, dims: int = 1):
    layers = []
    for _ in range(draw(st.integers(1, 5))):
        if draw(st.integers(0, 4)) == 0:
            k = draw(st.integers(1, 3))
            layers.append(Pool(k, stride=draw(st.integers(1, 3)), padding=draw(st.integers(0, k // 2)), dims=dims))
        else:
            layers.append(draw(conv_st(dims)))
    return Network(tuple(layers))


# --------------------------------------------------------------------------- laws


@given(chain_st(dims=1))
def test_chain_graph_fields_equal_formulas(net):
    rep = net_fields(from_network(net))
    ft = network_fields(net)
    for i, f in enumerate(rep.fields[1:]):
        assert list(f.receptive_field) == ft.receptive_field(i)
        assert list(f.effective_stride) == ft.effective_stride(i)
        assert list(f.offset) == ft.offset(i)
    assert list(rep.receptive_field) == ft.receptive_field()
    assert rep.aligned


@given(chain_st(dims=1))
def test_reverse_recursion_matches_araujo_on_chains(net):
    # r_{l-1} = s_l r_l + (k_l - s_l), P_{l-1} = s_l P_l + p_l, from the output back
    rep = net_fields(from_network(net))
    r, S, P = 1, 1, 0
    for layer, f in zip(reversed(net.layers), reversed(rep.fields[:-1])):
        k, s, p = layer.effective_kernel[0], layer.stride[0], layer.padding[0]
        r, S, P = s * r + (k - s), s * S, s * P + p
        assert (f.output_receptive_field[0], f.output_stride[0], f.output_padding[0]) == (r, S, P)


@given(dag_st(dims=1))
def test_reverse_pass_at_input_equals_forward_pass_at_output(g):
    rep = net_fields(g)
    out = rep.output
    assert rep.receptive_field == out.receptive_field
    assert rep.effective_padding == out.effective_padding
    assert rep.effective_stride == out.effective_stride


@given(dag_st(dims=1), st.integers(1, 3))
def test_unit_graph_field_of_branching_net_equals_layer_level_field(g, window):
    rep = net_fields(g)
    s = unit_graph(g, window=window).summary()
    r, S, P = rep.receptive_field[0], rep.effective_stride[0], rep.effective_padding[0]
    assert s.receptive_field == (r + (window - 1) * S,)
    assert s.bbox[0][0] == -P


@given(dag_st(dims=1))
def test_branching_path_counts_equal_forward_numeric_convolution(g):
    ug = unit_graph(g)
    assert numeric_check(ug).agrees is True
    dp = graph_path_counts(ug.to_networkx())
    for pos, cnt in ug.input.positions():
        assert dp[(0, pos)] == cnt


@given(dag_st(dims=2, max_blocks=2))
def test_branching_path_counts_2d_equal_outer_structure_free_numeric(g):
    assert numeric_check(unit_graph(g)).agrees is True


def test_branching_numeric_is_not_separable():
    # a sum of two Kronecker products is not one: the 2-D counts are not an outer product
    g = graph_from_dict({"dims": 2, "nodes": [
        {"id": "x", "op": "input"},
        {"id": "a", "op": "conv", "inputs": ["x"], "kernel": [3, 1], "padding": [1, 0]},
        {"id": "b", "op": "conv", "inputs": ["x"], "kernel": [1, 3], "padding": [0, 1]},
        {"id": "s", "op": "add", "inputs": ["a", "b"]}]})
    _, c = numeric_path_counts(g)
    assert c.tolist() == [[0, 1, 0], [1, 2, 1], [0, 1, 0]]
    assert np.linalg.matrix_rank(c.astype(float)) == 2
    s = unit_graph(g).summary()
    assert s.holes == 4 and s.coverage == Fraction(5, 9)


# --------------------------------------------------------------------------- the examples


def test_resnet_block_example_fields():
    g = load_graph_spec(EXAMPLES / "resnet-block.toml")
    rep = net_fields(g)
    # main path: 3x3 s2 p1 then 3x3 p1 -> r = 3 + 2*2 = 7, J = 2, P = 1 + 1*2 = 3; shortcut 1x1 s2: r 1, P 0
    assert rep.field("conv2").receptive_field == (7, 7) and rep.field("conv2").effective_padding == (3, 3)
    assert rep.field("shortcut").receptive_field == (1, 1) and rep.field("shortcut").centre == (0, 0)
    assert rep.aligned and rep.receptive_field == (7, 7) and rep.effective_stride == (2, 2)
    s = unit_graph(g).summary()
    assert s.receptive_field == (7, 7) and s.holes == 0
    assert s.total_paths == 81 + 1  # 9 x 9 main-path paths plus the shortcut
    assert s.max_paths == 4 and s.centre_paths == 1 + 1
    assert g.channels[g.index("sum")] == 128


def test_aspp_head_example_fields_and_gridding():
    g = load_graph_spec(EXAMPLES / "aspp-head.toml")
    rep = net_fields(g)
    assert [rep.field(b).receptive_field[0] for b in ("b1x1", "b_d6", "b_d12", "b_d18")] == [1, 13, 25, 37]
    assert rep.aligned and rep.receptive_field == (37, 37)
    s = unit_graph(g).summary()
    # 1x1 centre + three 3x3 grids that all contain the centre: 3 * 8 + 1 positions
    assert s.reached == 25 and s.holes == 37 * 37 - 25 and s.max_paths == 4 and s.centre_paths == 4
    assert g.channels[g.index("cat")] == 4 * 256


def test_misaligned_branch_is_reported_with_its_offset():
    g = graph_from_dict({"dims": 1, "nodes": [
        {"id": "x", "op": "input"},
        {"id": "valid", "op": "conv", "inputs": ["x"], "kernel": 3},  # no padding: centre moves by 1
        {"id": "sum", "op": "add", "inputs": ["x", "valid"]}]})
    rep = net_fields(g)
    assert not rep.aligned
    m = rep.misalignments[0]
    assert (m.node, m.input, m.reference, m.centre_offset) == ("sum", "valid", "x", (Fraction(1),))
    assert "centred 1 px" in m.describe()


def test_aspp_with_padding_not_equal_dilation_is_misaligned():
    g = graph_from_dict({"dims": 2, "nodes": [
        {"id": "x", "op": "input"},
        {"id": "a", "op": "conv", "inputs": ["x"], "kernel": 3, "dilation": 6, "padding": 6},
        {"id": "b", "op": "conv", "inputs": ["x"], "kernel": 3, "dilation": 12, "padding": 6},
        {"id": "cat", "op": "concat", "inputs": ["a", "b"]}]})
    (m,) = net_fields(g).misalignments
    assert m.centre_offset == (Fraction(6), Fraction(6))


def test_stride_mismatch_is_reported():
    g = graph_from_dict({"dims": 1, "nodes": [
        {"id": "x", "op": "input"},
        {"id": "a", "op": "conv", "inputs": ["x"], "kernel": 1, "stride": 2},
        {"id": "b", "op": "conv", "inputs": ["x"], "kernel": 1},
        {"id": "s", "op": "add", "inputs": ["a", "b"]}]})
    (m,) = net_fields(g).misalignments
    assert m.strides == ((2,), (1,)) and "strides differ" in m.describe()


def test_half_pixel_offset_with_even_kernels():
    g = graph_from_dict({"dims": 1, "nodes": [
        {"id": "x", "op": "input"},
        {"id": "a", "op": "conv", "inputs": ["x"], "kernel": 2},
        {"id": "s", "op": "add", "inputs": ["x", "a"]}]})
    assert net_fields(g).misalignments[0].centre_offset == (Fraction(1, 2),)


# --------------------------------------------------------------------------- spec files


def test_spec_round_trip_and_json_form():
    g = load_graph_spec(EXAMPLES / "resnet-block.toml")
    data = g.to_dict()
    again = graph_from_dict(json.loads(json.dumps(data)))
    assert again == g
    assert is_graph_spec(data) and not is_graph_spec({"layers": []})


def test_examples_parse_as_graph_specs():
    for name in ("resnet-block.toml", "aspp-head.toml"):
        data = parse_spec_text((EXAMPLES / name).read_text(), "toml")
        assert is_graph_spec(data)
        assert graph_from_dict(data).name == name.removesuffix(".toml")


def _spec(*nodes, **top):
    return {"dims": 1, **top, "nodes": list(nodes)}


X = {"id": "x", "op": "input"}


@pytest.mark.parametrize("data, match", [
    (_spec({"id": "x", "op": "relu"}), "op must be one of"),
    (_spec(X, {"id": "c", "op": "conv", "inputs": ["y"], "kernel": 3}), "unknown input 'y'"),
    (_spec(X, X), "duplicate node id"),
    (_spec({"id": "c", "op": "conv", "inputs": [], "kernel": 3}), "exactly 1 input"),
    (_spec(X, {"id": "a", "op": "add", "inputs": ["x"]}), "at least 2 inputs"),
    (_spec(X, {"id": "a", "op": "conv", "inputs": ["b"], "kernel": 1},
           {"id": "b", "op": "conv", "inputs": ["a"], "kernel": 1}), "cycle"),
    (_spec(X, {"id": "a", "op": "conv", "inputs": ["x"], "kernel": 1},
           {"id": "b", "op": "conv", "inputs": ["x"], "kernel": 1}), "without successors"),
    (_spec(X, {"id": "a", "op": "conv", "inputs": ["x"], "kernel": 1, "out_channels": 4},
           {"id": "s", "op": "add", "inputs": ["x", "a"]}), "needs equal channels"),
    (_spec(X, {"id": "a", "op": "conv", "inputs": ["x"], "kernel": 0}), r"kernel must be an integer in \[1"),
    (_spec(X, {"id": "a", "op": "conv", "inputs": ["x"], "kernel": 3, "channels": 2}), "only for the input"),
    (_spec(X, {"id": "a", "op": "add", "inputs": ["x", "x"]}), "repeated input"),
    (_spec(X, {"id": "a b", "op": "conv", "inputs": ["x"], "kernel": 3}), "id must be"),
    (_spec(X, {"id": "a", "op": "conv", "inputs": ["x"], "kernel": 3, "colour": 1}), "unknown key"),
    ({"nodes": [X], "layers": []}, "unknown top-level key"),
    ({"nodes": []}, "non-empty list"),
    (_spec(X, {"id": "x2", "op": "input"}, {"id": "s", "op": "add", "inputs": ["x", "x2"]}), "exactly 1 'input'"),
    (_spec(X, {"id": "c", "op": "conv", "inputs": ["x"], "kernel": 3}, output=3), "'output' must be"),
])
def test_bad_graph_specs_are_rejected_with_one_line(data, match):
    with pytest.raises(InvalidSpec, match=match) as info:
        graph_from_dict(data)
    assert "\n" not in str(info.value)


def test_conv_in_channels_inferred_from_its_input():
    g = graph_from_dict({"dims": 1, "in_channels": 3, "nodes": [
        X, {"id": "a", "op": "conv", "inputs": ["x"], "kernel": 3, "out_channels": 8},
        {"id": "b", "op": "conv", "inputs": ["a"], "kernel": 3}]})
    assert g.node("b").layer.in_channels == 8 and g.channels == (3, 8, 8)


def test_load_graph_spec_rejects_a_chain_file(tmp_path):
    p = tmp_path / "chain.json"
    p.write_text(json.dumps({"layers": [{"kernel": 3}]}))
    with pytest.raises(InvalidSpec, match="not a graph spec"):
        load_graph_spec(p)


def test_layer_level_networkx_graph():
    G = load_graph_spec(EXAMPLES / "aspp-head.toml").to_networkx()
    assert G.in_degree("cat") == 4 and G.nodes["b_d6"]["dilation"] == "6,6"


@pytest.mark.parametrize("mode", ["zeros", "circular", "reflect", "replicate"])
def test_resnet_block_on_a_bounded_grid_agrees_with_numeric(mode):
    g = load_graph_spec(EXAMPLES / "resnet-block.toml")
    ug = unit_graph(g, unit=(0, 3), input_size=8, padding_mode=mode)
    assert numeric_check(ug).agrees is True
    dp = graph_path_counts(ug.to_networkx())
    assert all(dp[(0, pos)] == cnt for pos, cnt in ug.input.positions())


def test_merge_of_unequal_grid_sizes_is_bad_input():
    from kronconv.errors import InvalidArgument

    g = graph_from_dict({"dims": 1, "nodes": [
        X, {"id": "valid", "op": "conv", "inputs": ["x"], "kernel": 3},
        {"id": "sum", "op": "add", "inputs": ["x", "valid"]}]})
    with pytest.raises(InvalidArgument, match="equal spatial size"):
        unit_graph(g, input_size=10)


def test_nodes_that_do_not_lead_to_the_output_are_ignored_with_a_note():
    g = graph_from_dict({"dims": 1, "output": "a", "nodes": [
        {"id": "x", "op": "input"}, {"id": "a", "op": "conv", "inputs": ["x"], "kernel": 3},
        {"id": "b", "op": "conv", "inputs": ["x"], "kernel": 5}]})
    assert [n.id for n in g.nodes] == ["x", "a"]
    assert len(g.notes) == 1 and "b" in g.notes[0] and "do not lead to the output 'a'" in g.notes[0]
    assert net_fields(g).receptive_field == (3,)
