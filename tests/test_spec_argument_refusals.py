"""Layer, chain, preset and input-size arguments outside their documented ranges are refused with a
message naming the bad value and the allowed range; the largest allowed value is accepted."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kronconv.errors import InvalidSpec
from kronconv.netgraph import NetGraph, NetNode, node_sizes
from kronconv.spec import Conv, Pool, chain, preset

#: Largest input size entry accepted by node_sizes (documented as [1, 2**30]).
_MAX_INPUT = 2**30


def test_chain_without_any_layer_information_is_refused() -> None:
    with pytest.raises(InvalidSpec, match=r"^no layers given: pass --kernel/--kernels, --dilations or --layers$"):
        chain()
    with pytest.raises(InvalidSpec, match=r"^no layers given"):
        chain(channels=3, dims=2)


@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 20))
def test_pool_padding_is_at_most_half_the_dilated_window(k: int, d: int, p: int) -> None:
    extent = max(range(0, k * d, d)) + 1  # taps at 0, d, ..., (k - 1) d: the window spans up to the last
    if 2 * p <= extent:
        assert Pool(k, dilation=d, padding=p, dims=1).padding == (p,)
    else:
        with pytest.raises(InvalidSpec) as exc:
            Pool(k, dilation=d, padding=p, dims=1)
        assert str(exc.value) == f"pool padding {p} must be at most half the (dilated) kernel {extent}"


def test_pool_padding_message_names_the_dilated_window() -> None:
    with pytest.raises(InvalidSpec) as exc:
        Pool(3, dilation=2, padding=3, dims=1)
    assert str(exc.value) == "pool padding 3 must be at most half the (dilated) kernel 5"
    with pytest.raises(InvalidSpec, match=r"pool padding 2 must be at most half the \(dilated\) kernel 3$"):
        Pool(3, padding=1, padding_hi=2, dims=1)


def test_high_side_padding_given_twice_must_agree() -> None:
    with pytest.raises(InvalidSpec, match=r"^give the high-side padding once: as \[lo, hi\] pairs or as padding_hi$"):
        Conv(3, padding=[[1, 2]], padding_hi=1, dims=1)
    with pytest.raises(InvalidSpec, match=r"give the high-side padding once"):
        Conv(3, padding=[[0, 0], [1, 2]], padding_hi=[0, 3], dims=2)
    same = Conv(3, padding=[[1, 2]], padding_hi=2, dims=1)
    assert (same.padding, same.padding_hi) == ((1,), (2,))


@pytest.mark.parametrize("bad", [3, None, 2.5, ["plain"], b"plain"])
def test_preset_name_must_be_a_string(bad: object) -> None:
    with pytest.raises(InvalidSpec, match=r"^preset must be a string, got "):
        preset(bad)  # type: ignore[arg-type]


def _one_conv() -> NetGraph:
    return NetGraph.build([NetNode("x", "input"), NetNode("c", "conv", ("x",), Conv(1, dims=1))], dims=1)


def test_node_sizes_accepts_the_largest_input_and_refuses_one_more() -> None:
    g = _one_conv()
    assert node_sizes(g, _MAX_INPUT) == {"x": (_MAX_INPUT,), "c": (_MAX_INPUT,)}
    with pytest.raises(InvalidSpec) as exc:
        node_sizes(g, _MAX_INPUT + 1)
    assert str(exc.value) == f"input size entries must be integers in [1, {_MAX_INPUT}], got {_MAX_INPUT + 1}"
    with pytest.raises(InvalidSpec, match=rf"^input size entries must be integers in \[1, {_MAX_INPUT}\], got 0$"):
        node_sizes(g, 0)
