"""Padding written as ``[lo, hi]`` pairs, one per axis: each side lands where it belongs, and negatives are refused.

The low side pads before unit 0 and the high side after the last unit, so a
stride-1 convolution of extent ``e`` over ``n`` units gives
``n + lo + hi - e + 1`` units, and unit 0's window starts at ``-lo``; both are
recounted here from the pairs as written.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kronconv.errors import InvalidSpec
from kronconv.layers import layer_output_size
from kronconv.netgraph import from_network, net_fields
from kronconv.spec import MAX_SIZE, Conv, Network, Pool


@given(st.integers(1, 3).flatmap(lambda d: st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)),
                                                     min_size=d, max_size=d)),
       st.integers(1, 4), st.integers(9, 20))
def test_pairs_set_the_low_and_the_high_side(pairs: list[tuple[int, int]], k: int, n: int) -> None:
    conv = Conv(k, padding=[list(p) for p in pairs], dims=len(pairs))
    assert conv.padding == tuple(lo for lo, _ in pairs)
    assert conv.padding_hi == tuple(hi for _, hi in pairs)
    for ax, (lo, hi) in enumerate(pairs):
        assert layer_output_size(conv, ax, n) == n + lo + hi - k + 1


@given(st.integers(0, 4), st.integers(0, 4), st.integers(1, 4))
def test_only_the_low_side_moves_the_window_of_unit_zero(lo: int, hi: int, k: int) -> None:
    g = from_network(Network([Conv(k, padding=[[lo, hi]], dims=1)]))
    # unit 0 reads positions -lo, ..., k - 1 - lo
    assert net_fields(g).field(g.output).offset == (-lo,)


@pytest.mark.parametrize(("pairs", "named", "value"), [
    ([[-1, 0]], "padding[0][0]", -1), ([[0, -1]], "padding[0][1]", -1),
    ([[0, 0], [-2, 1]], "padding[1][0]", -2), ([[0, 0], [1, -3]], "padding[1][1]", -3)])
def test_negative_sides_are_refused_with_their_position(pairs, named: str, value: int) -> None:
    with pytest.raises(InvalidSpec, match=f"^{re.escape(named)} must be an integer in "
                                          rf"\[0, {MAX_SIZE}\], got {value}$"):
        Conv(3, padding=pairs, dims=len(pairs))


def test_zero_on_both_sides_is_accepted() -> None:
    conv = Conv(3, padding=[[0, 0], [0, 1]], dims=2)
    assert (conv.padding, conv.padding_hi) == ((0, 0), (0, 1))
    pool = Pool(3, padding=[[1, 0]], dims=1)
    assert (pool.padding, pool.padding_hi) == ((1,), (0,))
