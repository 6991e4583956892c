"""Defaults of the layer descriptions: two spatial dimensions, and pooling that drops a partial last window.

Every layer kind (``Conv``, ``Pool``, ``ConvTranspose``, ``Upsample``,
``GlobalPool``) describes a 2-D layer unless told otherwise, so layers built
with their defaults fit together in a 2-D graph.  ``Pool`` defaults to
PyTorch's ``ceil_mode=False``: the output counts only the windows that fit
inside the padded input, recounted here by listing the window starts.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kronconv.layers import ConvTranspose, GlobalPool, Upsample, layer_output_size
from kronconv.netgraph import NetGraph, NetNode, node_sizes
from kronconv.spec import Conv, Pool


def test_every_layer_kind_defaults_to_two_spatial_dimensions() -> None:
    layers = [Conv(3), Pool(2), ConvTranspose(2, stride=2), Upsample(2), GlobalPool()]
    assert [layer.dims for layer in layers] == [2] * 5
    assert Conv(3).kernel == (3, 3) and Upsample(2).scale == (2, 2)


def test_layers_with_default_dims_build_a_two_dimensional_graph() -> None:
    g = NetGraph.build([
        NetNode("x", "input"),
        NetNode("c", "conv", ("x",), Conv(3, padding=1)),
        NetNode("p", "pool", ("c",), Pool(2)),
        NetNode("t", "convt", ("p",), ConvTranspose(2, stride=2)),
        NetNode("u", "upsample", ("t",), Upsample(2)),
        NetNode("g", "global", ("u",), GlobalPool()),
    ], dims=2)
    # 8 -> conv 3 (padding 1) 8 -> pool 2 4 -> transposed conv 2 (stride 2) 8 -> upsample 16 -> global 1
    assert node_sizes(g, (8, 6)) == {"x": (8, 6), "c": (8, 6), "p": (4, 3), "t": (8, 6), "u": (16, 12),
                                     "g": (1, 1)}


@given(st.integers(1, 6), st.integers(1, 4), st.integers(1, 40))
def test_pool_defaults_to_floor_mode(k: int, s: int, n: int) -> None:
    pool = Pool(k, stride=s, dims=1)
    assert pool.ceil_mode is False
    starts = range(0, n - k + 1, s)  # windows lying wholly inside the input
    if len(starts) == 0:
        return
    assert layer_output_size(pool, 0, n) == len(starts)


def test_pool_default_drops_the_partial_last_window() -> None:
    # 3-wide windows with stride 2 over 6 units: starts 0 and 2 fit, a window at 4 would read unit 6
    assert layer_output_size(Pool(3, stride=2, dims=1), 0, 6) == 2
    assert layer_output_size(Pool(3, stride=2, ceil_mode=True, dims=1), 0, 6) == 3
