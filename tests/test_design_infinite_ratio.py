"""A schedule with holes has an infinite max/min path ratio, above every finite ratio however large.

With two or three axes the path counts multiply, so a hole-free schedule's ratio can exceed any fixed
integer: the front and the ranking must still treat the holed schedule's ratio as the larger one.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.design.scoring import Score, pareto_front, rank, score

#: 2 taps, 34 layers: 32 ones then 2 and 34 is hole-free by the prefix lemma (2 <= 33, 34 <= 35), field 69.
SPREAD = [1] * 32 + [2, 34]
#: 34 layers of dilation 2: field 69 too, but offset 1 is never reached (only even offsets are).
EVENS = [2] * 34


def _ratio(s: Score) -> Fraction | None:
    """max/min path count over the field from the per-axis numbers; ``None`` (infinite) with a hole."""
    lo = 1
    hi = 1
    for a in s.axes:
        lo *= a.min_paths
        hi *= a.max_paths
    return None if lo == 0 else Fraction(hi, lo)


def _single(s: Score) -> Fraction:
    num = den = 1
    for a in s.axes:
        num *= a.single_path
        den *= a.receptive_field
    return Fraction(num, den)


def _ratio_le(a: Fraction | None, b: Fraction | None) -> bool:
    if b is None:
        return True
    return a is not None and a <= b


def _dominates(a: Score, b: Score) -> bool:
    """Every objective of ``a`` at least as good as ``b``'s and one strictly better (None ratio = infinite)."""
    ra, rb = _ratio(a), _ratio(b)
    fa = [x.receptive_field for x in a.axes]
    fb = [x.receptive_field for x in b.axes]
    pa = len(a.axes[0].dilations) * 2 ** len(a.axes)
    pb = len(b.axes[0].dilations) * 2 ** len(b.axes)
    la, lb = len(a.axes[0].dilations), len(b.axes[0].dilations)
    weak = (la <= lb and all(x >= y for x, y in zip(fa, fb)) and pa <= pb and _ratio_le(ra, rb)
            and _single(a) <= _single(b))
    strict = (la < lb or any(x > y for x, y in zip(fa, fb)) or pa < pb or (_ratio_le(ra, rb) and ra != rb)
              or _single(a) < _single(b))
    return weak and strict


def test_the_two_schedules_have_the_stated_properties() -> None:
    spread, evens = score((2, 2, 2), SPREAD, False), score((2, 2, 2), EVENS, False)
    assert spread.receptive_field == evens.receptive_field == (69, 69, 69)
    assert spread.hole_free and not evens.hole_free
    assert evens.ratio is None
    # three axes of about 2^30 paths each: the hole-free ratio is far above 2^62
    assert spread.ratio is not None and spread.ratio > 1 << 80
    # both reach only the two end offsets of each axis by a single path
    assert spread.single_path_fraction == evens.single_path_fraction == Fraction(8, 69**3)


def test_a_hole_free_schedule_with_a_huge_ratio_dominates_a_holed_one() -> None:
    spread, evens = score((2, 2, 2), SPREAD, False), score((2, 2, 2), EVENS, False)
    assert _dominates(spread, evens)
    for order in ([spread, evens], [evens, spread]):
        assert [s.schedule for s in pareto_front(order)] == [tuple(SPREAD)]


def test_ranking_puts_the_holed_schedule_last_whatever_the_finite_ratio() -> None:
    spread, evens = score((2, 2, 2), SPREAD, False), score((2, 2, 2), EVENS, False)
    for objective in ("layers", "params", "uniformity", "robust"):
        assert [s.schedule for s in rank([evens, spread], objective)] == [tuple(SPREAD), tuple(EVENS)]


def test_objectives_order_the_infinite_ratio_above_the_finite_one() -> None:
    spread, evens = score((2, 2, 2), SPREAD, False), score((2, 2, 2), EVENS, False)
    # same layers, fields, params and single fraction: only the ratio entry differs
    assert spread.objectives()[:-2] == evens.objectives()[:-2]
    assert spread.objectives() < evens.objectives()


_tail = st.lists(st.integers(1, 40), min_size=0, max_size=3)


@settings(max_examples=60, deadline=None)
@given(st.lists(_tail, min_size=1, max_size=6), st.sampled_from([1, 2, 3]))
def test_front_equals_brute_force_dominance_with_large_path_counts(tails: list[list[int]], axes: int) -> None:
    # 34 layers of 2 taps: thirty-odd ones make the path counts large (about 2^30 per axis), the
    # tails make some schedules hole-free with a wider field and others holed
    scores = [score((2,) * axes, [1] * (34 - len(t)) + t, False) for t in tails]
    scores.append(score((2,) * axes, EVENS, False))
    want = [s for s in scores if not any(_dominates(o, s) for o in scores)]
    got = pareto_front(scores)
    assert sorted(map(id, got)) == sorted(map(id, want))
