"""Repair's reported work (search-tree nodes visited) and its stages, on cases small enough to count by hand.

The repair search visits, for ``c = 1, 2, ...`` changed layers, one tree per kept sub-multiset: the root (nothing
placed yet), then one node per placed value (a kept dilation, or an inserted one under the prefix bound
``v <= (k-1)(sum so far) + 1``).  ``work`` is the number of nodes visited over the stages run; a schedule that
is already hole-free needs no stage (work 0).
"""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.design import design, repair
from kronconv.design.sumset import is_hole_free
from kronconv.errors import TooLarge


def test_one_layer_of_dilation_two_is_repaired_to_dilation_one_in_two_nodes() -> None:
    # stage c = 1 keeps nothing: the root, then the only insertable value 1 (bound (k-1)*0 + 1 = 1)
    r = repair(2, (2,))
    assert r.distance == 1
    assert r.schedules == ((1,),)
    assert r.work == 2


def test_repair_of_three_three_with_three_taps_visits_three_nodes() -> None:
    # stage c = 1 keeps {3}: root; 3 > 0 + 1 cannot come first, so insert 1 (the only value <= 1);
    # then the kept 3 <= 2*1 + 1 fits: root, (1), (1, 3) -> 3 nodes, one repair
    r = repair(3, (3, 3))
    assert r.distance == 1
    assert r.schedules == ((1, 3),)
    assert r.work == 3


def test_a_hole_free_schedule_needs_no_work() -> None:
    r = repair(3, (1, 2, 5))
    assert (r.distance, r.schedules, r.work) == (0, ((1, 2, 5),), 0)


@pytest.mark.parametrize("L", [1, 2, 3])
def test_every_layer_may_be_changed(L: int) -> None:
    # dilations above every prefix bound with M = 1: nothing can be kept, all L layers become 1
    r = repair(2, (5,) * L, max_dilation=1)
    assert r.distance == L
    assert r.schedules == ((1,) * L,)


def test_all_layers_changed_when_no_kept_dilation_fits_under_the_dilation_limit() -> None:
    # 3 taps, (7, 7) with dilations <= 2: a kept 7 would need a prefix sum >= 3 from one layer of at most 2
    r = repair(3, (7, 7), max_dilation=2)
    assert r.distance == 2
    assert r.schedules == ((1, 1), (1, 2))
    assert all(is_hole_free(3, s) for s in r.schedules)


def test_design_reports_the_repair_work() -> None:
    rep = design([2], dims=1, repair_schedule="2")
    d = rep.to_dict()["repair"]
    assert d["changed_layers"] == 1
    assert d["work"] == 2
    assert [x["dilations"] for x in d["repairs"]] == [[1]]


def test_a_stage_estimated_one_step_past_two_to_the_61_is_refused() -> None:
    # Documented estimate of stage c: the sum over kept sub-multisets of prod_{i < c} min(M, k^i B), with
    # B = (k-1)(sum of the kept dilations) + 1.  Five equal dilations 2^30 keep one sub-multiset per stage,
    # with B > M, so stage c is estimated at M^c.  With M = 1.5 * 2^20, M^3 is about 2^61.75 and M^4 about 2^82.
    k, D, M = 3, 1 << 30, 3 << 19
    assert (1 << 61) < M**3 <= (1 << 62) < M**4
    assert all(min(M, k**i * ((k - 1) * D + 1)) == M for i in range(4))
    limit = M**3
    # stages 1..3 fit (a kept 2^30 never fits after a few small insertions, so nothing is found);
    # stage 4's estimate M^4 is above the limit: refused, naming the stage and the limit
    with pytest.raises(TooLarge, match=rf"repairing with 4 changed layers needs more than {limit} candidate "
                                       rf"insertions \(estimated before running\), above the limit "
                                       rf"MAX_REPAIR_WORK = {limit};"):
        repair(k, (D,) * 5, max_dilation=M, limit=limit)


def test_an_estimate_far_above_a_huge_limit_is_refused() -> None:
    # Regression: the estimate used to stop multiplying past 2^62 and compare that partial product with the
    # limit.  Four dilations 2^40, M = 2^32: stage c is estimated at M^c (one kept sub-multiset, B > M).
    k, D, M = 3, 1 << 40, 1 << 32
    limit = M**2  # 2^64: stages 1 and 2 fit, stage 3 (2^96) does not
    with pytest.raises(TooLarge, match=r"repairing with 3 changed layers needs more than"):
        repair(k, (D,) * 4, max_dilation=M, limit=limit)
    # with a limit of M^3 stage 3 runs (nothing kept fits) and stage 4 changes every layer
    r = repair(k, (D,) * 4, max_dilation=M, limit=M**3)
    assert r.distance == 4 and r.schedules[0] == (1, 1, 1, 1)


def _documented_estimate(k: int, orig: tuple[int, ...], c: int, M: int | None) -> int:
    """Sum over distinct kept sub-multisets of prod_{i < c} min(M, k^i B), B = (k-1)(sum kept) + 1."""
    total = 0
    for kept in set(itertools.combinations(sorted(orig), len(orig) - c)):
        B = (k - 1) * sum(kept) + 1
        total += math.prod(k**i * B if M is None else min(M, k**i * B) for i in range(c))
    return total


def test_stage_estimate_of_one_kept_sub_multiset_equal_to_the_limit_is_accepted() -> None:
    # (5, 5) with 2 taps keeps only {5} in stage 1: estimate B = 1 * 5 + 1 = 6
    assert _documented_estimate(2, (5, 5), 1, None) == 6
    with pytest.raises(TooLarge, match=r"with 1 changed layers needs more than 5 candidate"):
        repair(2, (5, 5), limit=5)
    try:
        repair(2, (5, 5), limit=6)
    except TooLarge as exc:
        assert "with 1 changed layers" not in str(exc)


def test_stage_estimate_sums_every_kept_sub_multiset() -> None:
    # 3 taps, (2, 5, 7): keeping two of three gives B = 15, 19 and 25 -> stage 1 is estimated at 59
    assert _documented_estimate(3, (2, 5, 7), 1, None) == 15 + 19 + 25 == 59
    with pytest.raises(TooLarge, match=r"repairing with 1 changed layers needs more than 58 candidate insertions "
                                       r"\(estimated before running\), above the limit MAX_REPAIR_WORK = 58;"):
        repair(3, (2, 5, 7), limit=58)
    r = repair(3, (2, 5, 7), limit=59)
    assert r.distance == 1 and all(is_hole_free(3, s) for s in r.schedules)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(2, 9), min_size=2, max_size=4), st.sampled_from([2, 3]))
def test_first_stage_is_refused_exactly_above_its_documented_estimate(ds: list[int], k: int) -> None:
    # every dilation >= 2 has a hole at offset 1, so stage 1 always runs (or is refused)
    est = _documented_estimate(k, tuple(ds), 1, None)
    with pytest.raises(TooLarge, match=rf"with 1 changed layers needs more than {est - 1} candidate insertions"):
        repair(k, ds, limit=est - 1)
    # at exactly the estimate stage 1 runs: a repair, or a later stage's refusal
    try:
        assert repair(k, ds, limit=est).distance >= 1
    except TooLarge as exc:
        assert "with 1 changed layers" not in str(exc)
