"""QTT fit and rank profile: input refusals, memory limits, and exact arithmetic beyond int64."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.errors import InvalidArgument, TooLarge
from kronconv.qtt.als import MAX_FIT_BYTES
from kronconv.qtt.fit import compose_exact, exact_cascade, fit
from kronconv.qtt.ranks import PRIMES, exact_rank, levels_for, rank_profile, unfolding


def _weights(draw: st.DrawFn) -> tuple[list[np.ndarray], int]:
    dims = draw(st.integers(1, 2))
    a = draw(st.integers(2, 3))
    layers = draw(st.integers(1, 3))
    chans = [1] + [draw(st.integers(1, 3)) for _ in range(layers)]
    ws = []
    for l in range(layers):
        shape = (chans[l + 1], chans[l]) + (a,) * dims
        mags = np.array(draw(st.lists(st.integers(1, 3), min_size=math.prod(shape), max_size=math.prod(shape))))
        signs = np.array(draw(st.lists(st.sampled_from([-1, 1]), min_size=mags.size, max_size=mags.size)))
        ws.append((mags * signs).reshape(shape))
    return ws, draw(st.sampled_from([a, a + 1]))


@settings(max_examples=40, deadline=None)
@given(st.composite(_weights)())
def test_compose_exact_beyond_int64_is_multilinear(case: tuple[list[np.ndarray], int]) -> None:
    # every weight times 2**62 forces the Python-integer path; the composed kernel is multilinear
    # in the layers, so it must be the small (int64-path) result times 2**(62 L).
    ws, b = case
    small = compose_exact(ws, b)
    big = compose_exact([w.astype(object) * (1 << 62) for w in ws], b)
    assert big.dtype == object
    assert big.shape == small.shape
    scale = 1 << (62 * len(ws))
    assert all(int(x) == int(y) * scale for x, y in zip(big.ravel(), small.ravel()))


def test_compose_exact_beyond_int64_keeps_output_channel_zero() -> None:
    # two output channels: the composed kernel is channel 0's ([1, 2] then [[3, 1]] -> 3, 6, 1, 2)
    w0 = np.array([[[1, 2]]], dtype=object) * (1 << 62)
    w1 = np.array([[[3, 1]], [[5, 7]]], dtype=object) * (1 << 62)
    got = compose_exact([w0, w1], 2)
    assert [int(x) for x in got] == [v << 124 for v in (3, 6, 1, 2)]


def test_exact_cascade_refuses_a_non_integer_kernel() -> None:
    with pytest.raises(InvalidArgument, match="exact_cascade needs an integer-valued kernel"):
        exact_cascade(np.array([0.5, 1.0, 2.0]), 3, 1, 1)


@pytest.mark.parametrize("b", [None, 3])
@pytest.mark.parametrize("kernel", [np.array(3.0), np.ones((2, 2, 2, 2))])
def test_fit_refuses_kernels_of_zero_or_four_axes(kernel: np.ndarray, b: int | None) -> None:
    # b = 3 != a takes the ALS fit, which has no rank profile to catch the kernel later
    with pytest.raises(InvalidArgument, match=rf"kernel must be 1-, 2- or 3-D, got {kernel.ndim} axes"):
        fit(kernel, 2, 2, 1, b=b)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_fit_and_rank_profile_refuse_non_finite_entries(bad: float) -> None:
    k = np.array([1.0, bad, 2.0, 3.0])
    for b in (None, 3):
        with pytest.raises(InvalidArgument, match="kernel has NaN or infinite entries"):
            fit(k, 2, 2, 1, b=b)
    with pytest.raises(InvalidArgument, match="kernel has NaN or infinite entries"):
        rank_profile(k, 2)


def test_rank_profile_refuses_non_numbers() -> None:
    with pytest.raises(InvalidArgument, match="kernel must hold real numbers"):
        rank_profile(np.array(["1", "2", "3", "4"]), 2)
    with pytest.raises(InvalidArgument, match="kernel must hold real numbers"):
        rank_profile(np.array([1 + 1j, 2, 3, 4]), 2)


def test_fit_refuses_negative_sweeps() -> None:
    with pytest.raises(InvalidArgument, match="--sweeps must be >= 0, got -1"):
        fit(np.arange(1.0, 10.0), 3, 2, 1, sweeps=-1)


def test_fit_refuses_an_als_matrix_above_the_memory_limit() -> None:
    # 2-D, a = 3, 4 layers: extent 81, so one ALS matrix has 81**2 rows and 24 * 24 * 9 columns
    nbytes = 8 * 81**2 * 24 * 24 * 9
    assert nbytes > MAX_FIT_BYTES
    with pytest.raises(TooLarge, match=rf"would take {nbytes} bytes \(6561 x 5184\)"):
        fit(np.ones((3, 3)), 3, 4, 24, sweeps=1)


@pytest.mark.parametrize("a", [1, 0])
def test_levels_for_refuses_kernel_sizes_below_two(a: int) -> None:
    with pytest.raises(InvalidArgument, match=rf"kernel size a must be >= 2, got {a}"):
        levels_for(1, a)
    assert levels_for(1, 2) == 1


def test_unfolding_index_message_names_the_last_index() -> None:
    # 3 levels have 2 unfoldings, indices 0 and 1
    with pytest.raises(InvalidArgument, match=r"unfolding index must be in \[0, 1\], got 2"):
        unfolding(np.arange(8), 2, 3, 2)
    assert unfolding(np.arange(8), 2, 3, 1).shape == (2, 4)


def test_exact_rank_needs_primes_beyond_the_built_in_list() -> None:
    # diag(p1 p2, p3 p4, p5 p6, p7 p8) has rank 4, but rank 3 modulo each built-in prime; the
    # Hadamard bound equals the product of those primes, so one more (new) prime must decide.
    p = [int(x) for x in PRIMES]
    m = np.diag([p[0] * p[1], p[2] * p[3], p[4] * p[5], p[6] * p[7]]).astype(np.int64)
    assert exact_rank(m) == 4


def test_rank_profile_frobenius_is_the_kernel_norm() -> None:
    k = np.random.default_rng(3).standard_normal(27)
    prof = rank_profile(k, 3, mode="numeric")
    assert prof.frobenius == pytest.approx(float(np.linalg.norm(k)), rel=1e-12)
