"""The one-axis Pareto front (hole-free schedules, one kernel size) against dominance recomputed from path counts."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.design.scoring import pareto_front, score
from kronconv.design.search import iter_hole_free


def _objectives(k: int, ds: tuple[int, ...]) -> tuple[int, int, Fraction, Fraction]:
    """(layers, field, max/min paths, single-path fraction) from the product of the tap polynomials."""
    c = np.ones(1, dtype=np.int64)
    for d in ds:
        tap = np.zeros((k - 1) * d + 1, dtype=np.int64)
        tap[::d] = 1
        c = np.convolve(c, tap)
    assert c.min() >= 1  # hole-free
    return len(ds), len(c), Fraction(int(c.max()), int(c.min())), Fraction(int((c == 1).sum()), len(c))


def _dominates(a: tuple[int, int, Fraction, Fraction], b: tuple[int, int, Fraction, Fraction]) -> bool:
    # fewer layers (and so fewer parameters), larger field, smaller ratio, smaller single fraction
    better = (a[0] <= b[0], a[1] >= b[1], a[2] <= b[2], a[3] <= b[3])
    return all(better) and a != b


def test_a_wider_field_with_the_same_paths_dominates() -> None:
    # 2 taps: (1,1,2,2) has counts 1,2,3,4,3,2,1 and (1,1,1,2) has 1,3,4,4,3,1: same depth and largest
    # count 4, single fraction 2/7 < 2/6, and a field of 7 > 6
    wide, narrow = score((2,), (1, 1, 2, 2), False), score((2,), (1, 1, 1, 2), False)
    assert _dominates(_objectives(2, (1, 1, 2, 2)), _objectives(2, (1, 1, 1, 2)))
    for order in ([wide, narrow], [narrow, wide]):
        assert [s.schedule for s in pareto_front(order)] == [(1, 1, 2, 2)]


_POOL = {k: [s for L in (1, 2, 3, 4) for s in iter_hole_free(k, L)] for k in (2, 3)}


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([2, 3]), st.data())
def test_one_axis_front_equals_brute_force_dominance(k: int, data: st.DataObject) -> None:
    picked = data.draw(st.lists(st.sampled_from(_POOL[k]), min_size=1, max_size=8, unique=True))
    scores = [score((k,), ds, False) for ds in picked]
    objs = [_objectives(k, ds) for ds in picked]
    want = {ds for ds, o in zip(picked, objs) if not any(_dominates(p, o) for p in objs)}
    got = pareto_front(scores)
    assert {s.schedule for s in got} == want
    assert len(got) == len(want)
