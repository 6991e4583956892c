"""The Pareto front of schedules with different dilations per axis (the general sweep) against brute-force dominance.

Objectives, recomputed here from the product of each axis's tap polynomials: layers (fewer), field per axis
(larger), parameters (fewer), max/min path count over the field (smaller), single-path fraction (smaller).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.design.scoring import pareto_front, score
from kronconv.design.search import iter_hole_free

Objectives = tuple[int, tuple[int, ...], int, Fraction, Fraction]


def _counts(k: int, ds: tuple[int, ...]) -> np.ndarray:
    c = np.ones(1, dtype=np.int64)
    for d in ds:
        tap = np.zeros((k - 1) * d + 1, dtype=np.int64)
        tap[::d] = 1
        c = np.convolve(c, tap)
    return c


def _objectives(kernels: tuple[int, ...], per_axis: tuple[tuple[int, ...], ...]) -> Objectives:
    cs = [_counts(k, ds) for k, ds in zip(kernels, per_axis)]
    assert all(c.min() >= 1 for c in cs)  # hole-free on every axis
    hi = int(np.prod([int(c.max()) for c in cs]))
    lo = int(np.prod([int(c.min()) for c in cs]))
    single = Fraction(int(np.prod([int((c == 1).sum()) for c in cs])), int(np.prod([len(c) for c in cs])))
    layers = len(per_axis[0])
    return layers, tuple(len(c) for c in cs), layers * int(np.prod(kernels)), Fraction(hi, lo), single


def _dominates(a: Objectives, b: Objectives) -> bool:
    weak = (a[0] <= b[0] and all(x >= y for x, y in zip(a[1], b[1])) and a[2] <= b[2] and a[3] <= b[3]
            and a[4] <= b[4])
    return weak and a != b


def _front(kernels: tuple[int, ...], schedules: list[tuple[tuple[int, ...], ...]]) -> set:
    objs = [_objectives(kernels, s) for s in schedules]
    return {s for s, o in zip(schedules, objs) if not any(_dominates(p, o) for p in objs)}


def _schedule(s: object) -> tuple[tuple[int, ...], ...]:
    return s if isinstance(s[0], tuple) else (s, s)  # type: ignore[index, return-value]


def test_equal_ratio_and_a_wider_field_dominates() -> None:
    # second axis (1,1,2,2) reaches 7 positions, (1,1,1,2) only 6; both pairs have max/min paths 24
    wide = ((1, 1, 1, 1), (1, 1, 2, 2))
    narrow = ((1, 1, 1, 1), (1, 1, 1, 2))
    ow, on = _objectives((2, 2), wide), _objectives((2, 2), narrow)
    assert ow[3] == on[3] == 24 and ow[1] == (5, 7) and on[1] == (5, 6)
    assert _dominates(ow, on)
    for order in ([wide, narrow], [narrow, wide]):
        got = pareto_front([score((2, 2), [list(a) for a in s], False) for s in order])
        assert [_schedule(s.schedule) for s in got] == [wide]


def test_a_ratio_one_larger_is_not_weakly_better() -> None:
    # (1,1,3,3) on the first axis: field 9, ratio 4; (1,1,1,4): field 8, ratio 3 -- neither dominates
    wide = ((1, 1, 3, 3), (1, 2, 4, 8))
    even = ((1, 1, 1, 4), (1, 2, 4, 8))
    ow, oe = _objectives((2, 2), wide), _objectives((2, 2), even)
    assert (ow[3], oe[3]) == (4, 3) and ow[1][0] > oe[1][0]
    assert not _dominates(ow, oe) and not _dominates(oe, ow)
    for order in ([wide, even], [even, wide]):
        got = pareto_front([score((2, 2), [list(a) for a in s], False) for s in order])
        assert {_schedule(s.schedule) for s in got} == {wide, even}


_ONE_AXIS = {L: list(iter_hole_free(2, L)) for L in (2, 3, 4)}


@st.composite
def _pair(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...]]:
    L = draw(st.sampled_from([2, 3, 4]))
    return draw(st.sampled_from(_ONE_AXIS[L])), draw(st.sampled_from(_ONE_AXIS[L]))


@settings(max_examples=200, deadline=None)
@given(st.lists(_pair(), min_size=1, max_size=8, unique=True), st.sampled_from([(2, 2), (2, 3)]))
def test_per_axis_front_equals_brute_force_dominance(schedules: list, kernels: tuple[int, int]) -> None:
    # 3 taps on the second axis: the same dilations are hole-free there too (the prefix bound only grows)
    scores = [score(kernels, [list(a) for a in s], False) for s in schedules]
    got = pareto_front(scores)
    assert {tuple(a.dilations for a in s.axes) for s in got} == _front(kernels, schedules)
    assert len(got) == len(_front(kernels, schedules))
