"""The forward pass of ``net_fields`` (unit 0's field and the effective stride of every node) equals the
units a brute-force walk finds, and merges report misalignment exactly when the brute-force fields of
their inputs are centred (or end, or start) apart, by that many pixels."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_netgraph_reverse_pass_brute_force import _chain_back, _chain_graph, _layer, _read_by

from kronconv.layers import ConvTranspose, Upsample
from kronconv.netgraph import NetGraph, NetNode, net_fields
from kronconv.spec import Conv, Pool


@st.composite
def _integer_layer(draw: Any) -> Any:
    """A convolution or pool: unit ``n``'s field is unit 0's shifted by ``n`` effective strides."""
    k = draw(st.integers(1, 4))
    if draw(st.booleans()):
        return Conv(k, dilation=draw(st.integers(1, 3)), stride=draw(st.integers(1, 3)),
                    padding=draw(st.integers(0, 4)), dims=1)
    return Pool(k, stride=draw(st.integers(1, 3)), padding=draw(st.integers(0, k // 2)), dims=1)


def _stride_product(layers: list[Any]) -> Fraction:
    out = Fraction(1)
    for layer in layers:
        if isinstance(layer, Upsample):
            out /= layer.scale[0]
        elif isinstance(layer, ConvTranspose):
            out /= layer.stride[0]
        else:
            out *= layer.stride[0]
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(_integer_layer(), max_size=3), _layer())
def test_forward_field_of_unit_zero_equals_the_units_it_reads(prefix: list[Any], last: Any) -> None:
    layers = [*prefix, last]
    g, ids, _ = _chain_graph([layers], [])
    rep = net_fields(g)
    x = rep.field("x")
    assert (x.receptive_field, x.effective_stride, x.offset) == ((1,), (1,), (0,))
    out = rep.field(ids[0][-1])
    assert out.effective_stride == (_stride_product(layers),)
    iv, _ = _chain_back(layers, (0, 0), Fraction(1))
    if iv is not None:
        assert out.offset == (iv[0],)
        assert out.receptive_field == (iv[1] - iv[0] + 1,)
        assert all(type(v) is int for v in out.offset + out.receptive_field)
    else:
        # a transposed convolution whose unit 0 receives no input: the field spans the positions
        # x = (p - t d) / s that its taps would read (between input units)
        assert isinstance(last, ConvTranspose)
        assert _read_by(last, 0) == set()
        before, _ = _chain_back(prefix, (0, 0), Fraction(1))
        assert before is not None
        j = _stride_product(prefix)
        xs = [Fraction(last.padding[0] - t * last.dilation[0], last.stride[0]) for t in range(last.kernel[0])]
        assert out.offset == (before[0] + min(xs) * j,)
        assert out.receptive_field == (before[1] + max(xs) * j - (before[0] + min(xs) * j) + 1,)


@settings(max_examples=200, deadline=None)
@given(st.lists(_integer_layer(), min_size=1, max_size=3), st.lists(_integer_layer(), min_size=1, max_size=3),
       st.sampled_from(["centre", "end", "start"]))
def test_merge_misalignment_equals_the_brute_force_field_difference(a: list[Any], b: list[Any], align: str) -> None:
    g0, ids, _ = _chain_graph([a, b], [])
    g = NetGraph.build(g0.nodes, dims=1, align=align)
    rep = net_fields(g)
    (alo, ahi), (blo, bhi) = (_chain_back(layers, (0, 0), Fraction(1))[0] for layers in (a, b))  # type: ignore[misc]
    sa, sb = _stride_product(a), _stride_product(b)
    point = {"centre": lambda lo, hi: Fraction(lo + hi, 2), "end": lambda lo, hi: hi, "start": lambda lo, hi: lo}[align]
    off = point(blo, bhi) - point(alo, ahi)
    s = rep.field("sum")
    assert s.offset == (min(alo, blo),)
    assert s.receptive_field == (max(ahi, bhi) - min(alo, blo) + 1,)
    assert s.effective_stride == (max(sa, sb),)
    if off == 0 and sa == sb:
        assert rep.aligned
        assert rep.misalignments == ()
    else:
        (m,) = rep.misalignments
        assert (m.node, m.input, m.reference, m.align) == ("sum", ids[1][-1], ids[0][-1], align)
        assert m.centre_offset == (off,)
        assert m.strides == ((sa,), (sb,))
        assert ("effective strides differ" in m.describe()) == (sa != sb)
        assert rep.to_dict()["misalignments"][0]["centre_offset"] == (
            int(off) if off.denominator == 1 else float(off))


def test_misalignment_message_shows_half_pixels_and_both_strides() -> None:
    g = NetGraph.build([NetNode("x", "input"), NetNode("a", "conv", ("x",), Conv(2, dims=1)),
                        NetNode("b", "conv", ("x",), Conv(1, stride=2, dims=1)),
                        NetNode("sum", "add", ("a", "b"))], dims=1)
    (m,) = net_fields(g).misalignments
    # centres: a covers units 0..1 (centre 1/2), b covers unit 0 (centre 0)
    assert m.describe() == "sum: input 'b' is centred -0.5 px from 'a'; effective strides differ (1 vs 2)"
