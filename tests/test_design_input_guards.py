"""Design guards on rarely used inputs: grammar limits, repair targets, search-space ranges, progress."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.design import SearchSpace, design, parse_schedule, repair
from kronconv.design.scoring import pareto_front, score
from kronconv.design.search import search
from kronconv.design.sumset import check_kernel
from kronconv.errors import InvalidArgument

#: Documented limits (kronconv.design.grammar / search module docs).
MAX_SCHEDULE_LAYERS = 4096
MAX_LAYERS = 40
LARGEST_MAX_DILATION = 1 << 30


def test_arithmetic_ellipsis_refuses_a_last_term_off_the_progression() -> None:
    # 1, 3, 5, ... never reaches 8: the progression would jump from 7 to 9.
    with pytest.raises(InvalidArgument, match=r"last term 8 is not a later term .* difference 2"):
        parse_schedule("1,3,5,...,8")
    with pytest.raises(InvalidArgument, match=r"last term 5 is not a later term"):
        parse_schedule("1,3,5,...,5")
    assert parse_schedule("1,3,5,...,9") == (1, 3, 5, 7, 9)


def test_repeated_body_longer_than_the_layer_limit_is_refused() -> None:
    # two terms repeated 2048 times is exactly the limit; 2049 times is two layers over.
    assert parse_schedule("1,2 x 2048") == (1, 2) * 2048
    with pytest.raises(InvalidArgument, match=rf"4098 layers, at most {MAX_SCHEDULE_LAYERS} are allowed"):
        parse_schedule("1,2 x 2049")


def test_repair_refuses_a_field_no_chain_of_that_depth_reaches() -> None:
    # two 3-tap layers cover at most 3 * 3 = 9 positions hole-free.
    with pytest.raises(InvalidArgument, match=r"at most 3\^2 = 9"):
        repair(3, [1, 2], rf=10)
    res = repair(3, [1, 2], rf=9)
    assert (1, 3) in res.schedules


def test_design_notes_when_the_repair_target_is_out_of_reach() -> None:
    rep = design([3], [10], dims=1, repair_schedule="1,2", max_layers=3)
    assert any("repair keeps the depth 2" in n and "at most 3^2" in n for n in rep.notes)
    reached = design([3], [9], dims=1, repair_schedule="1,2", max_layers=3)
    assert not any("repair keeps the depth" in n for n in reached.notes)


def test_score_key_refuses_an_unknown_objective() -> None:
    s = score((3,), [1, 3], False)
    with pytest.raises(InvalidArgument, match=r"objective must be one of .*got 'speed'"):
        s.key("speed")


def test_a_schedule_with_holes_never_dominates_a_hole_free_one() -> None:
    # (1, 5) with 3 taps reaches 13 positions but leaves holes (infinite max/min ratio),
    # (1, 1) reaches 5 with finite ratio: neither dominates, both stay on the front.
    holes, full = score((3,), [1, 5], False), score((3,), [1, 1], False)
    assert holes.axes[0].min_paths == 0 and full.axes[0].min_paths > 0
    assert {s.schedule for s in pareto_front([holes, full])} == {(1, 5), (1, 1)}
    assert {s.schedule for s in pareto_front([full, holes])} == {(1, 5), (1, 1)}


def _brute_front(scores: list) -> list:
    """Scores whose objective vector no other score's vector is componentwise <= and different from."""
    objs = [s.objectives() for s in scores]
    return [s for s, o in zip(scores, objs)
            if not any(p != o and all(x <= y for x, y in zip(p, o)) for p in objs)]


_schedules = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(lambda d: tuple(sorted(d)))


@settings(max_examples=150, deadline=None)
@given(st.lists(_schedules, min_size=1, max_size=10))
def test_pareto_front_equals_brute_force_dominance(schedules: list) -> None:
    # a schedule with holes in the mix (2 taps, dilations 1 and 4) makes the general sweep run
    one_axis = [score((2,), d, False) for d in schedules] + [score((2,), (1, 4), False)]
    # kernel sizes 3 and 5 on two axes take the general sweep too
    two_axes = [score((3, 5), d, False) for d in schedules]
    for group in (one_axis, two_axes):
        got = pareto_front(group)
        assert sorted(map(id, got)) == sorted(map(id, _brute_front(group)))


def test_a_larger_field_with_a_worse_ratio_does_not_dominate() -> None:
    # 2 taps: (1,1,3,3) covers 9 positions with max/min paths 4, (1,1,1,3) covers 7 with ratio 3
    wide, even = score((2,), (1, 1, 3, 3), False), score((2,), (1, 1, 1, 3), False)
    assert (wide.ratio, even.ratio) == (4, 3)
    holes = score((2,), (1, 4), False)
    assert {s.schedule for s in pareto_front([wide, even, holes])} == {(1, 1, 3, 3), (1, 1, 1, 3), (1, 4)}


@pytest.mark.parametrize("kernels", [(), (3, 3, 3, 3)])
def test_search_space_needs_one_to_three_axes(kernels: tuple[int, ...]) -> None:
    with pytest.raises(InvalidArgument, match=rf"1 to 3 axes, got {len(kernels)}"):
        SearchSpace(kernels, (5,) * len(kernels), 4)
    assert SearchSpace((3, 3, 3), (5, 5, 5), 4).dims == 3


@pytest.mark.parametrize("bad", [0, MAX_LAYERS + 1, True, 2.0])
def test_search_space_max_layers_range(bad: object) -> None:
    with pytest.raises(InvalidArgument, match=rf"max_layers must be an integer in \[1, {MAX_LAYERS}\]"):
        SearchSpace((3,), (5,), bad)  # type: ignore[arg-type]
    assert SearchSpace((3,), (5,), MAX_LAYERS).max_layers == MAX_LAYERS


def test_search_space_max_dilation_message_names_the_bound() -> None:
    with pytest.raises(InvalidArgument, match=r"max_dilation must be an integer in \[1, 1073741824\], "
                                              r"got 1073741825"):
        SearchSpace((3,), (5,), 4, LARGEST_MAX_DILATION + 1)
    with pytest.raises(InvalidArgument, match=r"\[1, 1073741824\], got 0"):
        SearchSpace((3,), (5,), 4, 0)
    assert SearchSpace((3,), (5,), 4, LARGEST_MAX_DILATION).max_dilation == LARGEST_MAX_DILATION


def test_search_reports_progress_every_2048_nodes() -> None:
    calls: list[tuple[int, int]] = []
    res = search(SearchSpace((2,), (10,), 8, 8), progress=lambda n, e: calls.append((n, e)))
    assert res.nodes > 2048
    expected = [(n, res.estimate) for n in range(2048, res.nodes + 1, 2048)] + [(res.estimate, res.estimate)]
    assert calls == expected


@pytest.mark.parametrize("bad", [1, 0, -3, True, 2.0, "3", np.int64(1)])
def test_check_kernel_refuses_non_kernel_sizes(bad: object) -> None:
    with pytest.raises(InvalidArgument, match="kernel size must be an integer >= 2"):
        check_kernel(bad)  # type: ignore[arg-type]


def test_check_kernel_accepts_integers_from_two() -> None:
    assert check_kernel(2) == 2
    got = check_kernel(np.int64(5))
    assert got == 5 and type(got) is int
