"""What ``conv_geometry`` accepts and refuses, on both sides of every limit, and the sizes it derives.

Output sizes are counted by brute force (the window positions that fit in the
padded input); refusals must name the offending value.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kronconv.errors import InvalidArgument
from kronconv.numeric import conv_geometry, pad_widths


def _positions(size: int, lo: int, hi: int, extent: int, stride: int) -> int:
    """Window starts ``i`` with ``i % stride == 0`` and ``i + extent <= size + lo + hi``."""
    return sum(1 for i in range(size + lo + hi) if i % stride == 0 and i + extent <= size + lo + hi)


@given(st.integers(1, 3), st.data())
def test_output_sizes_and_costs_count_the_windows(dims, data) -> None:
    n = data.draw(st.tuples(*[st.integers(1, 30)] * dims))
    k = data.draw(st.tuples(*[st.integers(1, 5)] * dims))
    d = data.draw(st.tuples(*[st.integers(1, 4)] * dims))
    s = data.draw(st.tuples(*[st.integers(1, 4)] * dims))
    g = data.draw(st.integers(1, 3))
    cg, og, nb = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    widths = data.draw(st.tuples(*[st.tuples(st.integers(0, 6), st.integers(0, 6))] * dims))
    ext = [dd * (kk - 1) + 1 for kk, dd in zip(k, d)]
    fits = all(nn + lo + hi >= e for nn, (lo, hi), e in zip(n, widths, ext))
    args = ((nb, g * cg) + n, (g * og, cg) + k)
    kw = {"dilation": d, "stride": s, "padding": widths, "groups": g}
    if not fits:
        ax = next(a for a in range(dims) if n[a] + sum(widths[a]) < ext[a])
        with pytest.raises(InvalidArgument, match=f"axis {ax}: input size {n[ax]} .* extent {ext[ax]}; "
                                                  f"need at least {ext[ax] - sum(widths[ax])}"):
            conv_geometry(*args, **kw)
        return
    geo = conv_geometry(*args, **kw)
    outs = tuple(_positions(nn, lo, hi, e, ss) for nn, (lo, hi), e, ss in zip(n, widths, ext, s))
    assert geo.out_size == outs
    assert geo.pad == widths and geo.extent == tuple(ext)
    assert geo.terms == cg * math.prod(k)
    assert geo.work == nb * g * og * math.prod(outs) * cg * math.prod(k)
    padded = nb * g * cg * math.prod(nn + lo + hi for nn, (lo, hi) in zip(n, widths))
    outs_n = math.prod(outs)
    assert geo.nbytes(8) == 8 * (padded + nb * g * cg * outs_n + 3 * nb * g * og * outs_n)


@given(st.lists(st.integers(1, 12), min_size=1, max_size=3))
def test_named_padding_modes_give_their_output_sizes(extents) -> None:
    dims = len(extents)
    valid, _ = pad_widths("valid", extents)
    full, _ = pad_widths("full", extents)
    same, fill_same = pad_widths("same", extents)
    circ, fill_circ = pad_widths("circular", extents)
    assert valid == ((0, 0),) * dims
    assert full == tuple((e - 1, e - 1) for e in extents)
    assert all(lo + hi == e - 1 and lo - hi in (0, 1) for (lo, hi), e in zip(same, extents))
    assert circ == same and (fill_same, fill_circ) == ("zeros", "circular")


def test_input_rank_limits() -> None:
    for rank in (3, 4, 5):
        assert conv_geometry((1, 1) + (2,) * (rank - 2), (1, 1) + (1,) * (rank - 2)).dims == rank - 2
    for rank in (2, 6):
        with pytest.raises(InvalidArgument, match=re.escape(f"1-3 spatial axes, got {(1,) * rank}")):
            conv_geometry((1,) * rank, (1,) * rank)
    with pytest.raises(InvalidArgument, match=r"weight must have shape \(C_out, C_in/groups, k_1..k_2\), got \(1, 1, 1\)"):
        conv_geometry((1, 1, 4, 4), (1, 1, 1))


@pytest.mark.parametrize("bad", [0, -1, True, 2.0, "2"])
def test_groups_must_be_a_positive_integer(bad) -> None:
    with pytest.raises(InvalidArgument, match=re.escape(f"groups must be an integer >= 1, got {bad!r}")):
        conv_geometry((1, 2, 4), (2, 2, 1), groups=bad)
    assert conv_geometry((1, 2, 4), (2, 2, 1), groups=1).groups == 1
    assert conv_geometry((1, 2, 4), (2, 1, 1), groups=np.int64(2)).groups == 2


def test_groups_must_divide_both_channel_counts() -> None:
    with pytest.raises(InvalidArgument, match="groups=2 must divide in_channels=3 and out_channels=4"):
        conv_geometry((1, 3, 4), (4, 1, 1), groups=2)
    with pytest.raises(InvalidArgument, match="groups=2 must divide in_channels=4 and out_channels=3"):
        conv_geometry((1, 4, 4), (3, 2, 1), groups=2)
    with pytest.raises(InvalidArgument, match="2 input channels per group, expected in_channels/groups = 1"):
        conv_geometry((1, 2, 4), (2, 2, 1), groups=2)


@pytest.mark.parametrize("x, w", [((0, 1, 4), (1, 1, 1)), ((1, 1, 0), (1, 1, 1)), ((1, 1, 4), (0, 1, 1)),
                                  ((1, 1, 4), (1, 1, 0))])
def test_empty_shapes_are_refused(x, w) -> None:
    with pytest.raises(InvalidArgument, match=r"shapes must be non-empty, got input \(.*\) and weight"):
        conv_geometry(x, w)


@pytest.mark.parametrize("name", ["dilation", "stride"])
def test_dilation_and_stride_entries_start_at_one(name) -> None:
    assert getattr(conv_geometry((1, 1, 9, 9), (1, 1, 2, 2), **{name: (1, 1)}), name) == (1, 1)
    for bad in (0, -2, True, 1.5):
        with pytest.raises(InvalidArgument, match=re.escape(f"{name} entries must be integers >= 1, got {bad!r}")):
            conv_geometry((1, 1, 9, 9), (1, 1, 2, 2), **{name: (1, bad)})
    with pytest.raises(InvalidArgument, match=rf"{name} needs 2 entries \(one per axis\), got 3"):
        conv_geometry((1, 1, 9, 9), (1, 1, 2, 2), **{name: (1, 1, 1)})


def test_padding_arguments_are_checked() -> None:
    with pytest.raises(InvalidArgument, match="boundary must be one of zeros, circular, got 'reflect'"):
        pad_widths(0, [3], "reflect")
    with pytest.raises(InvalidArgument, match="padding must be one of valid, same, full, circular or widths, got 'half'"):
        pad_widths("half", [3])
    with pytest.raises(InvalidArgument, match=r"padding needs 2 entries \(one per axis\), got 1"):
        pad_widths([1], [3, 3])
    assert pad_widths(0, [3, 3]) == (((0, 0), (0, 0)), "zeros")
    assert pad_widths([(0, 2), 1], [3, 3], "circular") == (((0, 2), (1, 1)), "circular")
    for bad in (-1, (0, -1), True, (1, 2, 3), (1,), 0.5):
        with pytest.raises(InvalidArgument, match="padding widths must be integers >= 0 or"):
            pad_widths([bad], [3])
