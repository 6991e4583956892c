"""The graph's equivariance prediction on small graphs whose lattice, stride, border and breaking ops are known."""

from __future__ import annotations

from fractions import Fraction

from kronconv.checks import predict_equivariance, shift_predicted
from kronconv.layers import ConvTranspose, GlobalPool, Upsample
from kronconv.netgraph import NetGraph, NetNode
from kronconv.spec import Conv, Pool


def _chain(*layers: object, dims: int = 1) -> NetGraph:
    nodes = [NetNode("x", "input")]
    for i, layer in enumerate(layers):
        op = {"Conv": "conv", "Pool": "pool", "ConvTranspose": "convt", "Upsample": "upsample",
              "GlobalPool": "global"}[type(layer).__name__]
        nodes.append(NetNode(f"n{i}", op, (nodes[-1].id,), layer))
    return NetGraph.build(nodes, dims=dims)


def test_stride_one_layers_break_nothing_and_keep_stride_one() -> None:
    p = predict_equivariance(_chain(Conv(3, padding=1, dims=1), Conv(3, dilation=2, padding=2, dims=1),
                                    Pool(3, stride=1, padding=1, dims=1), Upsample(1, dims=1)))
    assert p.lattice == (1,) and p.output_stride == (Fraction(1),) and p.breaking == ()
    assert p.border == ((4, 4),) and not p.global_output


def test_upsampling_divides_the_stride() -> None:
    p = predict_equivariance(_chain(Pool(4, dims=1), Upsample(2, dims=1)))
    assert p.output_stride == (Fraction(2),) and p.lattice == (4,)
    assert [b.op for b in p.breaking] == ["pool", "upsample"]
    assert p.breaking[1].reason == "nearest upsampling x[2]: equivariant only for whole input units"
    q = predict_equivariance(_chain(Upsample(3, mode="linear", dims=1)))
    assert q.output_stride == (Fraction(1, 3),) and q.lattice == (1,)


def test_transposed_convolution_divides_the_stride() -> None:
    p = predict_equivariance(_chain(Conv(3, stride=3, dims=1), ConvTranspose(3, stride=3, dims=1)))
    assert p.output_stride == (Fraction(1),) and p.lattice == (3,)
    assert p.breaking[1].reason == "transposed stride [3]: output on a finer grid, step ['1']"  # 3 x 1/3


def test_global_pooling_predicts_only_the_zero_shift() -> None:
    p = predict_equivariance(_chain(Conv(3, padding=1, dims=2), GlobalPool("avg", dims=2), dims=2))
    assert p.global_output and p.lattice == (None, None) and p.border == ((0, 0), (0, 0))
    assert shift_predicted(p, (0, 0)) and not shift_predicted(p, (1, 0)) and not shift_predicted(p, (0, 4))
    assert p.to_dict() == {"output": "n1", "lattice": [None, None], "output_stride": ["1", "1"],
                           "border": [[0, 0], [0, 0]], "global_output": True,
                           "breaking": [{"node": "n1", "op": "global", "reason": p.breaking[0].reason}]}


def test_borders_are_never_negative() -> None:
    # a 1-tap transposed convolution with padding 1 crops one unit per end: its field sits right of the output
    p = predict_equivariance(_chain(ConvTranspose(1, padding=1, dims=1)))
    assert p.border[0][0] == 0 and all(v >= 0 for b in p.border for v in b)
    q = predict_equivariance(_chain(Conv(1, padding=2, dims=1)))  # the field lies left of the output unit
    assert q.border[0][0] == 2 and all(v >= 0 for b in q.border for v in b)


def test_ceil_mode_pooling_is_named_as_a_border_effect() -> None:
    p = predict_equivariance(_chain(Pool(2, ceil_mode=True, dims=1)))
    assert [b.reason for b in p.breaking][-1] == "ceil_mode: the last window depends on the input size (a border effect)"
