"""``polykernel.compose`` chains channels term by term, whichever channels the two operators use."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.polykernel import Layout, PolyOperator, compose

Row = tuple[int, int, tuple[int, ...], int]  # (out, inp, offset, monomial)


def _operator(layout: Layout, rows: list[Row]) -> PolyOperator:
    D = layout.dims
    return PolyOperator(layout, np.array([r[0] for r in rows], dtype=np.int32),
                        np.array([r[1] for r in rows], dtype=np.int32),
                        np.array([r[2] for r in rows], dtype=np.int64).reshape(len(rows), D),
                        np.array([r[3] for r in rows], dtype=np.int64))


def _rows(op: PolyOperator) -> Counter:
    return Counter((int(o), int(i), tuple(int(v) for v in off), int(m))
                   for o, i, off, m in zip(op.out, op.inp, op.offset, op.mono))


@st.composite
def _operators(draw: st.DrawFn) -> tuple[Layout, list[Row], list[Row]]:
    D, C = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    channels = draw(st.lists(st.integers(0, C - 1), min_size=1, max_size=C, unique=True))  # channels in use

    def row(layer: int) -> st.SearchStrategy[Row]:
        return st.tuples(st.sampled_from(channels), st.sampled_from(channels),
                         st.tuples(*[st.integers(-3, 3)] * D), st.integers(0, 3).map(lambda s: s * 4**layer))

    first = draw(st.lists(row(0), max_size=6))
    second = draw(st.lists(st.tuples(st.integers(0, C - 1), st.integers(0, C - 1), st.tuples(*[st.integers(-3, 3)] * D),
                                     st.integers(0, 3).map(lambda s: s * 4)), max_size=6))
    return Layout(2, D, C, 2), first, second


@settings(max_examples=200, deadline=None)
@given(_operators())
def test_compose_equals_the_brute_force_product_of_terms(case: tuple[Layout, list[Row], list[Row]]) -> None:
    lay, first, second = case
    got = compose(_operator(lay, first), _operator(lay, second))
    want = Counter((s[0], f[1], tuple(a + b for a, b in zip(f[2], s[2])), f[3] + s[3])
                   for f in first for s in second if f[0] == s[1])  # second reads what first writes
    assert _rows(got) == want
    assert got.size == sum(want.values())
    assert got.offset.shape == (got.size, lay.dims)
    assert got.out.dtype == np.int32 and got.inp.dtype == np.int32 and got.mono.dtype == np.int64


def test_operators_on_disjoint_channels_compose_to_nothing() -> None:
    lay = Layout(2, 2, 2, 2)
    first = _operator(lay, [(0, 1, (1, 0), 3), (0, 0, (0, 0), 1)])  # writes channel 0 only
    second = _operator(lay, [(1, 1, (0, 2), 4)])  # reads channel 1 only
    got = compose(first, second)
    assert got.size == 0 and got.offset.shape == (0, 2) and got.mono.shape == (0,)
