"""The ALS fit for a dilation base ``b != a``: its embedded TT-SVD start and its note on gridding holes.

* With ``a >= b`` a cascade of ``a``-tap kernels with dilations ``b**l`` contains every cascade of
  ``b``-tap kernels shifted by ``s * (1 + b + ... + b**(L-1))`` (the ``b`` taps placed at ``s .. s+b-1``
  of each layer).  The fit's first start is the TT-SVD of the ``b**L`` window centred in the composed
  extent, so a target that *is* a ``b``-cascade sitting exactly in the middle is recovered exactly.
* With ``b > a`` some positions of the composed extent are reached by no path (sums of digits
  ``q_l * b**l`` with ``q_l < a``); the fit's note counts them, and the target's norm there is a lower bound.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.qtt.fit import _embedded_init, cascade_extent, compose, fit, random_cascade


def _centred_shift(a: int, b: int, layers: int) -> int:
    """The shift s in [0, a - b] that puts the b**L window exactly in the middle of the composed extent."""
    extent = 1 + (a - 1) * sum(b**l for l in range(layers))
    step = sum(b**l for l in range(layers))
    exact = [s for s in range(a - b + 1) if 2 * s * step + b**layers == extent]
    assert len(exact) == 1
    return exact[0]


# (a, b, L, dims): cases where exactly one shift centres the window
CENTRED = st.sampled_from([(4, 2, 3, 1), (6, 2, 2, 1), (4, 2, 2, 2), (5, 3, 2, 1)])


@settings(max_examples=12, deadline=None)
@given(CENTRED, st.integers(1, 2), st.integers(0, 2**32 - 1))
def test_a_centred_b_cascade_is_recovered_from_the_embedded_start(case: tuple[int, int, int, int], channels: int,
                                                                  seed: int) -> None:
    a, b, layers, dims = case
    extent = cascade_extent(a, b, layers)
    s = _centred_shift(a, b, layers)
    o = s * sum(b**l for l in range(layers))
    small = compose(random_cascade(b, layers, dims, channels, np.random.default_rng(seed), integer=False), b)
    assert small.shape == (b**layers,) * dims
    target = np.zeros((extent,) * dims)
    target[tuple(slice(o, o + b**layers) for _ in range(dims))] = small
    res = fit(target, a, layers, channels, b=b, sweeps=1, seed=0, starts=0)
    assert res.fitted_shape == (extent,) * dims and res.offset == (0,) * dims
    assert res.notes[-1] == "best of 1 starts: tt-svd (kernel b embedded); no optimality claim"
    assert res.relative_error < 1e-9


@pytest.mark.parametrize("case", [(4, 2, 3, 1), (6, 2, 2, 1), (4, 2, 2, 2), (5, 3, 2, 1), (6, 2, 3, 1), (5, 3, 3, 1),
                                  (6, 4, 2, 1), (8, 4, 2, 1)])
def test_the_embedded_start_composes_to_the_centred_window(case: tuple[int, int, int, int]) -> None:
    a, b, layers, dims = case
    extent = cascade_extent(a, b, layers)
    o = _centred_shift(a, b, layers) * sum(b**l for l in range(layers))
    small = compose(random_cascade(b, layers, dims, 2, np.random.default_rng(7), integer=False), b)
    target = np.zeros((extent,) * dims)
    window = tuple(slice(o, o + b**layers) for _ in range(dims))
    target[window] = small
    ws = _embedded_init(target, a, b, layers, 2)
    assert [w.shape for w in ws] == [(2 if l < layers - 1 else 1, 1 if l == 0 else 2) + (a,) * dims
                                     for l in range(layers)]
    got = compose(ws, b)
    assert got.shape == target.shape
    assert np.max(np.abs(got - target)) <= 1e-12 * np.max(np.abs(target))


def _reached(a: int, b: int, layers: int) -> set[int]:
    return {sum(q * b**l for l, q in enumerate(qs)) for qs in itertools.product(range(a), repeat=layers)}


@settings(max_examples=12, deadline=None)
@given(st.sampled_from([(2, 3, 2), (2, 3, 3), (2, 4, 2), (3, 4, 2), (2, 5, 2), (3, 5, 2)]),
       st.integers(0, 2**32 - 1))
def test_the_hole_note_counts_the_positions_no_path_reaches(case: tuple[int, int, int], seed: int) -> None:
    a, b, layers = case
    extent = cascade_extent(a, b, layers)
    reach = _reached(a, b, layers)
    holes = [t for t in range(extent) if t not in reach]
    assert holes  # b > a: the dilation pattern has gaps
    target = np.random.default_rng(seed).integers(1, 5, extent).astype(np.float64)  # nonzero everywhere
    res = fit(target, a, layers, 1, b=b, sweeps=1, seed=0, starts=1)
    hole_norm = math.sqrt(sum(target[t] ** 2 for t in holes))
    rel = hole_norm / math.sqrt(float(np.sum(target**2)))
    note = (f"{len(holes)} of {extent} positions are holes of the dilation pattern (no path reaches them); the "
            f"target's norm there, {rel:.3g} relative, is a lower bound of the error of any such cascade")
    assert note in res.notes
    assert res.lower_bound == pytest.approx(hole_norm, rel=1e-12)
    assert res.absolute_error >= hole_norm * (1 - 1e-12)


def test_no_hole_note_when_the_target_is_zero_on_the_holes() -> None:
    a, b, layers = 2, 3, 2  # extent 1 + 1 * (1 + 3) = 5; reached 0, 1, 3, 4; hole at 2
    assert sorted(_reached(a, b, layers)) == [0, 1, 3, 4]
    res = fit(np.array([1.0, 2.0, 0.0, 3.0, 6.0]), a, layers, 1, b=b, sweeps=2, seed=0, starts=1)
    assert res.lower_bound == 0.0
    assert not any("holes" in n for n in res.notes)
    assert res.relative_error < 1e-9  # [1, 2] composed with [1, 3] at dilation 3 is exactly the target


@pytest.mark.parametrize(("case", "target_seed"), [((3, 2, 3, 1), s) for s in range(12)]
                         + [((3, 2, 2, 1), s) for s in (28, 30, 82, 94)])
def test_more_starts_never_give_a_worse_fit(case: tuple[int, int, int, int], target_seed: int) -> None:
    # the random starts come from one generator seeded by `seed`, so the starts of a run with fewer starts are
    # a prefix of those of a run with more: the best final error can only go down
    a, b, layers, channels = case
    target = np.random.default_rng(target_seed).standard_normal(cascade_extent(a, b, layers))
    errors = [fit(target, a, layers, channels, b=b, sweeps=4, seed=0, starts=n).relative_error for n in (0, 1, 2, 3)]
    assert all(later <= earlier * (1 + 1e-12) for earlier, later in itertools.pairwise(errors))


@pytest.mark.parametrize(("sweeps", "done"), [(1, 1), (3, 3), (0, 10)])
def test_als_runs_the_sweeps_asked_for_and_ten_by_default(sweeps: int, done: int) -> None:
    res = fit(np.arange(1.0, 6.0), 2, 2, 1, b=3, sweeps=sweeps, seed=0, starts=1)
    assert res.method == f"als ({done} sweeps)" and len(res.history) == done


def test_the_hole_note_is_written_for_small_values_on_the_holes() -> None:
    # a = 2, b = 3, L = 2: extent 5, hole at position 2; a target of norm well below 1 there still gets the note
    target = np.array([1.0, 2.0, 1e-3, 3.0, 6.0])
    res = fit(target, 2, 2, 1, b=3, sweeps=2, seed=0, starts=1)
    rel = 1e-3 / float(np.linalg.norm(target))
    assert (f"1 of 5 positions are holes of the dilation pattern (no path reaches them); the target's norm there, "
            f"{rel:.3g} relative, is a lower bound of the error of any such cascade") in res.notes
    assert res.lower_bound == 1e-3
