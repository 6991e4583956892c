"""Design report limits and statements: ``top`` range, the HDC rule on every shown schedule, the space's description."""

from __future__ import annotations

import dataclasses
import re

import pytest

from kronconv.design import SearchSpace, design
from kronconv.design.grammar import parse_schedule
from kronconv.design.search import best_of_depth, search
from kronconv.design.sumset import is_hole_free
from kronconv.errors import InvalidArgument

#: Documented range of ``top`` (kronconv.design.report.design): 0 (show all) to 10000.
TOP_MAX = 10000


def _small(top: int) -> object:
    # 3 taps, field >= 9, at most 3 layers: a front of several schedules (at least (1, 3) and deeper ones)
    return design([3], [9], dims=1, max_layers=3, top=top)


@pytest.mark.parametrize("top", [0, 1, TOP_MAX])
def test_top_accepts_zero_to_ten_thousand(top: int) -> None:
    rep = _small(top)
    assert rep.top == top
    want = len(rep.front) if top == 0 else min(top, len(rep.front))
    assert len(rep.shown) == want
    assert rep.to_dict()["shown"] == want


@pytest.mark.parametrize("top", [-1, TOP_MAX + 1])
def test_top_outside_the_range_is_refused_naming_the_value(top: int) -> None:
    with pytest.raises(InvalidArgument, match=rf"top must be an integer in \[0, {TOP_MAX}\], got {top}$"):
        _small(top)


def test_top_zero_shows_every_front_member_with_its_hdc_verdict() -> None:
    rep = _small(0)
    d = rep.to_dict()
    assert len(rep.front) > 1
    assert d["shown"] == d["front_size"] == len(d["front"])
    for entry in d["front"]:
        # every shown schedule carries the HDC rule's verdict beside the exact hole check
        assert "hdc_rule" in entry and entry["hdc_satisfied"] is not None
        assert entry["hdc_agrees_with_holes"] is not None
    for s in rep.front:
        assert s.hdc_satisfied is not None


def test_top_one_fills_the_hdc_verdict_of_the_shown_schedule() -> None:
    rep = _small(1)
    d = rep.to_dict()
    assert len(d["front"]) == 1 and d["front_size"] > 1
    assert d["front"][0]["hdc_satisfied"] is not None


def test_one_axis_space_is_described_as_one_axis() -> None:
    text = SearchSpace((3,), (9,), 2).describe()
    assert text.endswith("receptive field >= 9, one axis; every multiset of dilations once, reported in "
                         "nondecreasing order; no strides, pooling or branches")
    assert "each axis searched on its own" not in text


def test_multi_axis_spaces_say_how_the_axes_are_searched() -> None:
    assert "the same dilation on every axis" in SearchSpace((3, 3), (9, 9), 2).describe()
    assert "each axis searched on its own" in SearchSpace((3, 5), (9, 9), 2).describe()
    assert "each axis searched on its own" in SearchSpace((3, 3), (9, 10), 2).describe()


def test_search_space_is_immutable_and_hashable() -> None:
    space = SearchSpace((3,), (9,), 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        space.max_layers = 40  # type: ignore[misc]
    assert hash(space) == hash(SearchSpace((3,), (9,), 2))
    assert len({space, SearchSpace((3,), (9,), 2)}) == 1


def test_mixed_radix_shortcut_applies_exactly_when_its_largest_dilation_fits() -> None:
    # 3 layers of 3 taps: the mixed-radix schedule 1, 3, 9 has largest dilation 3^2 = 9
    best, how = best_of_depth((3,), 3, (10,), "uniformity", max_dilation=9)
    assert best is not None and best.schedule == (1, 3, 9)
    assert how.startswith("mixed radix")
    # with dilations <= 8 it does not fit: the depth is searched, and the best differs from 1, 3, 9
    best8, how8 = best_of_depth((3,), 3, (10,), "uniformity", max_dilation=8)
    assert how8.startswith("exhaustive search of depth 3")
    assert best8 is not None and best8.schedule != (1, 3, 9) and max(best8.schedule) <= 8
    assert is_hole_free(3, best8.schedule) and best8.receptive_field[0] >= 10
    # the searched best is the least max/min ratio of every hole-free 3-layer schedule in the space
    res = search(SearchSpace((3,), (10,), 3, 8, min_layers=3))
    assert best8.ratio == min(c.ratio for c in res.scores())


def test_mixed_radix_shortcut_with_per_axis_kernels_needs_every_axis_to_fit() -> None:
    # 2 layers: 3 taps need dilation 3, 5 taps need 5
    _, how = best_of_depth((3, 5), 2, (9, 25), "layers", max_dilation=5)
    assert how.startswith("mixed radix")
    _, how4 = best_of_depth((3, 5), 2, (9, 20), "layers", max_dilation=4)
    assert not how4.startswith("mixed radix")


def test_geometric_ellipsis_error_names_the_first_two_terms() -> None:
    with pytest.raises(InvalidArgument, match=r"the last term 10 is not a later term of the progression 1, 2, "
                                              r"\.\.\. with ratio 2$"):
        parse_schedule("1,2,4,...,10")
    with pytest.raises(InvalidArgument, match=r"progression 3, 9, \.\.\. with ratio 3$"):
        parse_schedule("3,9,27,...,100")


def test_schedule_text_of_ten_thousand_characters_is_the_longest_accepted() -> None:
    # surrounding spaces count towards the length and are stripped afterwards
    assert parse_schedule("1" + " " * 9999) == (1,)
    with pytest.raises(InvalidArgument, match=r"schedule text has 10001 characters, at most 10000 are allowed"):
        parse_schedule("1" + " " * 10000)


def test_power_schedule_refuses_a_last_dilation_above_two_to_the_30() -> None:
    largest = 1 << 30
    # 3^18 = 387420489 fits, 3^19 = 1162261467 does not
    assert parse_schedule("3**l", layers=19)[-1] == 3**18
    with pytest.raises(InvalidArgument, match=rf"3\*\*19 exceeds the largest dilation {largest}"):
        parse_schedule("3**l", layers=20)
    # 2^30 itself is the largest dilation
    assert parse_schedule("2**l", layers=31)[-1] == largest
    with pytest.raises(InvalidArgument, match=rf"2\*\*31 exceeds the largest dilation {largest}"):
        parse_schedule("2^l", layers=32)
    # base 1 never grows
    assert parse_schedule("1**l", layers=40) == (1,) * 40


@pytest.mark.parametrize("bad", [None, 12, 1.5, ["1", "2"]])
def test_schedule_that_is_not_a_string_is_refused_naming_it(bad: object) -> None:
    with pytest.raises(InvalidArgument, match=rf"schedule must be a non-empty string, got {re.escape(repr(bad))} "):
        parse_schedule(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_blank_schedule_is_refused(blank: str) -> None:
    with pytest.raises(InvalidArgument, match=r"schedule must be a non-empty string"):
        parse_schedule(blank)


def test_search_kernel_sizes_go_up_to_64() -> None:
    assert SearchSpace((64,), (1,), 1).kernels == (64,)
    assert SearchSpace((2, 64), (1, 1), 1).kernels == (2, 64)
    with pytest.raises(InvalidArgument, match=r"kernel size must be in \[2, 64\], got 65$"):
        SearchSpace((65,), (1,), 1)
