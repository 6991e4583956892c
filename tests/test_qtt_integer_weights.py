"""The exact QTT construction returns its integer weights as int64 arrays whenever they fit (entries below
2**62 in size), so that they feed NumPy and the numeric engine directly; the zero kernel has rank 0 at every
unfolding in both rank modes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.qtt import rank_profile
from kronconv.qtt.fit import compose, compose_exact, exact_cascade, fit, random_cascade

CASES = st.sampled_from([(2, 2, 1), (2, 3, 1), (3, 2, 1), (3, 3, 1), (2, 2, 2), (3, 2, 2)])


@settings(max_examples=25, deadline=None)
@given(CASES, st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_exact_cascade_weights_are_int64_when_small(case: tuple[int, int, int], channels: int, seed: int) -> None:
    a, layers, dims = case
    k = compose(random_cascade(a, layers, dims, channels, np.random.default_rng(seed), integer=True), a)
    k = np.asarray(k, dtype=np.int64)
    built = exact_cascade(k, a, layers, channels)
    assert built is not None  # a C-channel cascade's kernel has every unfolding rank <= C
    ws, scales = built
    assert len(ws) == layers and len(scales) == layers
    for w in ws:
        assert isinstance(w, np.ndarray)
        assert int(np.max(np.abs(w.astype(object)))) < 1 << 62
        assert w.dtype == np.int64
    got = compose_exact(ws, a)
    want = k.astype(object) * int(np.prod(np.array(scales, dtype=object)))
    assert got.shape == k.shape and all(int(x) == int(y) for x, y in zip(got.ravel(), want.ravel()))


@pytest.mark.parametrize(("a", "layers", "dims"), [(2, 2, 1), (2, 4, 1), (3, 3, 1), (2, 3, 2)])
@pytest.mark.parametrize("mode", ["exact", "numeric", "auto"])
def test_the_zero_kernel_has_rank_zero_at_every_unfolding(a: int, layers: int, dims: int, mode: str) -> None:
    for dtype in (np.int64, np.float64):
        prof = rank_profile(np.zeros((a**layers,) * dims, dtype=dtype), a, mode=mode)
        assert prof.ranks == (0,) * (layers - 1)
        assert prof.min_channels == 1
        assert all(max(sv, default=0.0) == 0.0 for sv in prof.singular_values)


def test_a_single_tap_has_rank_one_at_every_unfolding_in_numeric_mode() -> None:
    k = np.zeros(16)
    k[5] = 1e-300  # tiny but nonzero: rank 1 at every cut, not 0
    assert rank_profile(k, 2, mode="numeric").ranks == (1, 1, 1)


def test_fitting_the_zero_kernel_is_exact_with_one_zero_channel() -> None:
    res = fit(np.zeros(9), 3, 2, 1)
    assert res.exact and res.ranks == (0,) and res.absolute_error == 0.0
    assert all(not np.any(w) for w in res.weights)


def test_exact_cascade_weights_of_2_62_or_more_are_python_integers() -> None:
    # unfolding [[q, 0, 0], [0, s, 0], [5, 7, 0]] (a = 3, L = 2), rank 2: row 2 = (5/q) row 0 + (7/s) row 1, so
    # the coefficient core carries the common denominator q s, which lies in [2**62, 2**63) for these coprime q, s
    q, s = (1 << 31) + 11, (1 << 31) + 45
    assert math.gcd(q, s) == 1 and 1 << 62 <= q * s < 1 << 63
    k = np.array([[q, 0, 0], [0, s, 0], [5, 7, 0]], dtype=np.int64).ravel()
    built = exact_cascade(k, 3, 2, 2)
    assert built is not None
    ws, scales = built
    big = [w for w in ws if max(abs(int(x)) for x in w.ravel()) >= 1 << 62]
    small = [w for w in ws if max(abs(int(x)) for x in w.ravel()) < 1 << 62]
    assert len(big) == 1 and len(small) == 1
    assert big[0].dtype == object and all(type(x) is int for x in big[0].ravel())
    assert q * s in {abs(int(x)) for x in big[0].ravel()}
    assert small[0].dtype == np.int64
    got = compose_exact(ws, 3)
    factor = math.prod(int(x) for x in scales)
    assert [int(x) for x in got.ravel()] == [int(x) * factor for x in k]


def test_an_exact_cascade_weight_of_exactly_2_62_is_a_python_integer() -> None:
    # unfolding [[q, 0, 0], [0, 1, 0], [1, q, 0]] with q = 2**31: row 2 = (1/q) row 0 + q row 1, so the
    # coefficient core, scaled by the denominator q, holds q * q = 2**62 exactly
    q = 1 << 31
    k = np.array([[q, 0, 0], [0, 1, 0], [1, q, 0]], dtype=np.int64).ravel()
    built = exact_cascade(k, 3, 2, 2)
    assert built is not None
    ws, scales = built
    tops = [max(abs(int(x)) for x in w.ravel()) for w in ws]
    assert sorted(tops) == [q, 1 << 62]
    for w, top in zip(ws, tops):
        assert w.dtype == (object if top >= 1 << 62 else np.int64)
    got = compose_exact(ws, 3)
    factor = math.prod(int(x) for x in scales)
    assert [int(x) for x in got.ravel()] == [int(x) * factor for x in k]


def test_an_exact_cascade_weight_just_below_2_62_stays_int64() -> None:
    # as above with row 2 = (1/q) row 0 + 2**30 row 1: the coefficient core holds q * 2**30 = 2**61 < 2**62
    q = 1 << 31
    k = np.array([[q, 0, 0], [0, 1, 0], [1, 1 << 30, 0]], dtype=np.int64).ravel()
    built = exact_cascade(k, 3, 2, 2)
    assert built is not None
    ws, _scales = built
    assert sorted(max(abs(int(x)) for x in w.ravel()) for w in ws) == [q, 1 << 61]
    assert all(w.dtype == np.int64 for w in ws)


@pytest.mark.parametrize(("a", "layers", "dims", "channels"), [(3, 3, 2, 4), (5, 3, 1, 6)])
def test_random_integer_cascades_use_every_value_from_minus_3_to_3(a: int, layers: int, dims: int,
                                                                   channels: int) -> None:
    ws = random_cascade(a, layers, dims, channels, np.random.default_rng(0), integer=True)
    values = np.concatenate([w.ravel() for w in ws])
    assert values.size >= 150  # enough draws that each of the 7 values turns up (fixed seed)
    assert set(values.tolist()) == set(range(-3, 4))
