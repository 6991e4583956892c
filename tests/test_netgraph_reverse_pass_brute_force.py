"""The reverse pass of ``net_fields`` equals a brute-force walk: for each layer, the input units read by
the units of an interval are enumerated one by one from the layer's definition (PyTorch's indexing for
convolutions, pools, transposed convolutions and nearest / half-pixel linear upsampling), then hulled;
merges take the hull over their successors' intervals and the largest stride."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.layers import ConvTranspose, GlobalPool, Upsample
from kronconv.netgraph import NetGraph, NetNode, net_fields
from kronconv.spec import Conv, Pool

Interval = tuple[int, int] | None


def _read_by(layer: Any, u: int) -> set[int]:
    """Input units that output unit ``u`` of ``layer`` reads (1-D, unbounded input, padding counted)."""
    if isinstance(layer, Upsample):
        c = layer.scale[0]
        if layer.mode == "nearest":
            return {math.floor(Fraction(u, c))}
        x = (Fraction(u) + Fraction(1, 2)) / c - Fraction(1, 2)  # half-pixel source position
        return {math.floor(x), math.ceil(x)}
    if isinstance(layer, ConvTranspose):
        s, d, p, k = layer.stride[0], layer.dilation[0], layer.padding[0], layer.kernel[0]
        # input i writes output i*s - p + t*d for each tap t
        lo_i = (u + p - (k - 1) * d) // s - 1
        hi_i = (u + p) // s + 1
        return {i for i in range(lo_i, hi_i + 1) for t in range(k) if i * s - p + t * d == u}
    s, d, p, k = layer.stride[0], layer.dilation[0], layer.padding[0], layer.kernel[0]
    return {u * s - p + t * d for t in range(k)}


def _reverse(layer: Any, iv: Interval) -> Interval:
    if iv is None:
        return None
    read = set().union(*(_read_by(layer, u) for u in range(iv[0], iv[1] + 1)))
    return (min(read), max(read)) if read else None


def _stride(layer: Any) -> Fraction:
    if isinstance(layer, Upsample):
        return Fraction(1, layer.scale[0])
    if isinstance(layer, ConvTranspose):
        return Fraction(1, layer.stride[0])
    return Fraction(layer.stride[0])


def _chain_back(layers: list[Any], iv: Interval, stride: Fraction) -> tuple[Interval, Fraction]:
    """Walk ``layers`` (in forward order) backwards from ``iv``; the stride is 0 once nothing is read."""
    for layer in reversed(layers):
        iv = _reverse(layer, iv)
        stride = stride * _stride(layer) if iv is not None else Fraction(0)
    return iv, stride


@st.composite
def _layer(draw: Any) -> Any:
    kind = draw(st.sampled_from(["conv", "pool", "convt", "nearest", "linear"]))
    if kind == "conv":
        k = draw(st.integers(1, 4))
        return Conv(k, dilation=draw(st.integers(1, 3)), stride=draw(st.integers(1, 3)),
                    padding=draw(st.integers(0, 4)), dims=1)
    if kind == "pool":
        k = draw(st.integers(1, 4))
        d = draw(st.integers(1, 2))
        return Pool(k, stride=draw(st.integers(1, 3)), dilation=d,
                    padding=draw(st.integers(0, (d * (k - 1) + 1) // 2)), dims=1)
    if kind == "convt":
        s = draw(st.integers(1, 3))
        d = draw(st.integers(1, 3))
        return ConvTranspose(kernel=draw(st.integers(1, 4)), stride=s, dilation=d,
                             padding=draw(st.integers(0, 3)), dims=1)
    return Upsample(draw(st.integers(1, 4)), mode=kind, dims=1)


def _chain_graph(branches: list[list[Any]], tail: list[Any]) -> tuple[NetGraph, list[list[str]], list[str]]:
    """``x`` -> each branch -> (an ``add`` when there are two branches) -> tail."""
    nodes = [NetNode("x", "input")]
    ids: list[list[str]] = []
    ends = []
    for b, layers in enumerate(branches):
        prev = "x"
        ids.append([])
        for i, layer in enumerate(layers):
            nid = f"b{b}_{i}"
            nodes.append(NetNode(nid, layer.kind, (prev,), layer))
            ids[-1].append(nid)
            prev = nid
        ends.append(prev)
    prev = ends[0]
    if len(ends) == 2:
        nodes.append(NetNode("sum", "add", tuple(ends)))
        prev = "sum"
    tail_ids = []
    for i, layer in enumerate(tail):
        nid = f"t{i}"
        nodes.append(NetNode(nid, layer.kind, (prev,), layer))
        tail_ids.append(nid)
        prev = nid
    return NetGraph.build(nodes, dims=1), ids, tail_ids


def _assert_field(rep: Any, node_id: str, iv: Interval, stride: Fraction) -> None:
    f = rep.field(node_id)
    if iv is None:  # the output unit reads nothing of this node
        assert (f.output_receptive_field, f.output_padding, f.output_stride) == ((0,), (0,), (0,))
    else:
        assert all(type(v) is int for v in f.output_receptive_field + f.output_padding), node_id
        assert f.output_receptive_field == (iv[1] - iv[0] + 1,), node_id
        assert f.output_padding == (-iv[0],), node_id
        assert f.output_stride == (stride,), node_id


@settings(max_examples=150, deadline=None)
@given(st.lists(_layer(), min_size=1, max_size=4), st.integers(-6, 12))
def test_chain_reverse_pass_equals_brute_force(layers: list[Any], unit: int) -> None:
    g, ids, _ = _chain_graph([layers], [])
    rep = net_fields(g, unit=unit)
    assert rep.unit == (unit,)
    iv: Interval = (unit, unit)
    stride = Fraction(1)
    for nid, layer in zip(reversed(ids[0]), reversed(layers)):
        _assert_field(rep, nid, iv, stride)
        iv, stride = _chain_back([layer], iv, stride)
    _assert_field(rep, "x", iv, stride)
    if iv is not None:
        assert rep.receptive_field == (iv[1] - iv[0] + 1,)
        assert rep.effective_padding == (-iv[0],)


@settings(max_examples=150, deadline=None)
@given(st.lists(_layer(), min_size=1, max_size=3), st.lists(_layer(), min_size=1, max_size=3),
       st.lists(_layer(), max_size=2), st.integers(-4, 8))
def test_merge_reverse_pass_is_the_hull_of_its_branches(a: list[Any], b: list[Any], tail: list[Any],
                                                        unit: int) -> None:
    g, _, _ = _chain_graph([a, b], tail)
    rep = net_fields(g, unit=unit)
    at_sum, s_sum = _chain_back(tail, (unit, unit), Fraction(1))
    _assert_field(rep, "sum", at_sum, s_sum)
    ends = [_chain_back(layers, at_sum, s_sum) for layers in (a, b)]
    got = [e for e in ends if e[0] is not None]
    if not got:
        _assert_field(rep, "x", None, Fraction(0))
        return
    hull = (min(e[0][0] for e in got), max(e[0][1] for e in got))  # type: ignore[index]
    _assert_field(rep, "x", hull, max(e[1] for e in got))


@settings(max_examples=60, deadline=None)
@given(st.lists(_layer(), min_size=1, max_size=3), st.integers(-4, 8))
def test_global_pooling_paths_mark_the_whole_input_and_add_no_interval(layers: list[Any], unit: int) -> None:
    # x -> branch -> c; c -> global -> resize; concat(c, resize): the concat reads c directly and through
    # the global pooling, which needs all of c
    g, ids, _ = _chain_graph([layers], [])
    c = ids[0][-1]
    nodes = [*g.nodes, NetNode("gp", "global", (c,), GlobalPool(dims=1)),
             NetNode("up", "upsample", ("gp",), Upsample(size=5, dims=1)), NetNode("cat", "concat", (c, "up"))]
    rep = net_fields(NetGraph.build(nodes, dims=1), unit=unit)
    assert [rep.field(n).output_whole for n in ("x", c, "gp", "up", "cat")] == [True, True, True, False, False]
    assert rep.whole_input
    assert rep.to_dict()["receptive_field"] == "whole input"
    _assert_field(rep, "gp", None, Fraction(0))  # the resize reads the pooled value, not a window of it
    _assert_field(rep, "up", (unit, unit), Fraction(1))
    _assert_field(rep, c, (unit, unit), Fraction(1))
    iv, stride = _chain_back(layers, (unit, unit), Fraction(1))
    _assert_field(rep, "x", iv, stride)
    if iv is not None:
        assert rep.to_dict()["other_paths_receptive_field"] == iv[1] - iv[0] + 1
