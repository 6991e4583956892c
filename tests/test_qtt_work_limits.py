"""The QTT rank profile's work limits at their edges: a kernel whose unfoldings need exactly the limit's work
is handled as asked (exact ranks stay exact, SVDs run); one operation more falls back or is refused.

The work of an unfolding of shape ``m x n`` is ``m * n * min(m, n)``; the expected totals below are
recomputed from the unfolding matrices themselves (:func:`kronconv.qtt.unfolding`), not from the
routine that checks the limits.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kronconv.qtt.ranks as R
from kronconv.errors import TooLarge
from kronconv.qtt import unfolding

# (a, L, D) with a**(D L) <= 729 and L >= 2 (at least one unfolding)
CASES = st.sampled_from([(2, 2, 1), (2, 3, 1), (2, 4, 1), (3, 2, 1), (3, 3, 1), (2, 2, 2), (2, 3, 2), (3, 2, 2)])


def _kernel(a: int, levels: int, dims: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(-3, 4, (a**levels,) * dims).astype(np.int64)


def _work_of_unfoldings(k: np.ndarray, a: int, levels: int) -> int:
    total = 0
    for layer in range(levels - 1):
        m = unfolding(k, a, levels, layer)
        total += m.size * min(m.shape)
    return total


def test_the_work_of_a_16_tap_binary_kernel_is_128() -> None:
    # a = 2, L = 4: unfoldings 8x2, 4x4, 2x8 -> 16*2 + 16*4 + 16*2 = 128 operations
    assert _work_of_unfoldings(np.arange(16), 2, 4) == 128


@settings(max_examples=20, deadline=None)
@given(CASES, st.integers(0, 2**16))
def test_auto_mode_stays_exact_at_the_exact_work_limit_and_falls_back_one_above(case: tuple[int, int, int],
                                                                               seed: int) -> None:
    a, levels, dims = case
    k = _kernel(a, levels, dims, seed)
    work = _work_of_unfoldings(k, a, levels)
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(R, "EXACT_WORK_LIMIT", work)
        at = R.rank_profile(k, a)
        mp.setattr(R, "EXACT_WORK_LIMIT", work - 1)
        above = R.rank_profile(k, a)
    finally:
        mp.undo()
    assert at.mode == "exact" and len(at.primes) == levels - 1
    assert not any("EXACT_WORK_LIMIT" in n for n in at.notes)
    assert above.mode == "numeric" and above.primes == ()
    assert (f"integer kernel but exact ranks need about {work} operations, above EXACT_WORK_LIMIT = {work - 1}: "
            "numeric ranks instead") in above.notes
    assert at.ranks == above.ranks  # a small random integer kernel: both modes agree


def test_exact_mode_runs_at_its_work_limit_and_is_refused_one_above(monkeypatch: pytest.MonkeyPatch) -> None:
    k = np.arange(16)
    monkeypatch.setattr(R, "EXACT_WORK_LIMIT", 128)
    prof = R.rank_profile(k, 2, mode="exact")
    assert prof.mode == "exact" and prof.ranks == (2, 2, 2)  # arange is affine in its digits: rank 2 at each cut
    monkeypatch.setattr(R, "EXACT_WORK_LIMIT", 127)
    with pytest.raises(TooLarge, match=r"exact ranks need about 128 operations, above the limit "
                                       r"EXACT_WORK_LIMIT = 127; use mode numeric"):
        R.rank_profile(k, 2, mode="exact")


@pytest.mark.parametrize("mode", ["auto", "exact", "numeric"])
def test_svds_run_at_their_work_limit_and_are_refused_one_above(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    k = np.arange(16)
    monkeypatch.setattr(R, "SVD_WORK_LIMIT", 128)
    prof = R.rank_profile(k, 2, mode=mode)
    assert prof.ranks == (2, 2, 2) and len(prof.singular_values) == 3
    monkeypatch.setattr(R, "SVD_WORK_LIMIT", 127)
    with pytest.raises(TooLarge, match=r"SVDs of the unfoldings need about 128 flops, above the limit "
                                       r"SVD_WORK_LIMIT = 127"):
        R.rank_profile(k, 2, mode=mode)


@pytest.mark.parametrize(("a", "layers", "dims"), [(2, 4, 1), (3, 3, 1), (2, 3, 2)])
def test_the_tt_svd_fit_runs_at_its_work_limit_and_is_refused_one_above(monkeypatch: pytest.MonkeyPatch, a: int,
                                                                        layers: int, dims: int) -> None:
    import kronconv.qtt.fit as F

    k = np.random.default_rng(5).standard_normal((a**layers,) * dims)
    work = _work_of_unfoldings(k, a, layers)
    monkeypatch.setattr(F, "SVD_WORK_LIMIT", work)
    res = F.fit(k, a, layers, 1)
    assert res.method == "tt-svd" and res.fitted_shape == (a**layers,) * dims
    monkeypatch.setattr(F, "SVD_WORK_LIMIT", work - 1)
    with pytest.raises(TooLarge, match=rf"TT-SVD needs about {work} flops, above the limit "
                                       rf"SVD_WORK_LIMIT = {work - 1}$"):
        F.fit(k, a, layers, 1)


def test_the_als_fit_accepts_a_composed_extent_of_exactly_2_22_entries() -> None:
    # one layer of a taps with any base b: composed extent a.  a**2 = 2**22 in 2-D (a = 2048) passes the extent
    # guard (and is then refused for its least-squares matrix); one tap more is refused for its extent.
    from kronconv.qtt.fit import fit

    with pytest.raises(TooLarge, match=r"one ALS least-squares matrix would take \d+ bytes .*MAX_FIT_BYTES"):
        fit(np.ones((3, 3)), 2048, 1, 1, b=3)
    with pytest.raises(TooLarge, match=r"composed extent 2049\^2 = 4198401 entries, above the limit 2\*\*22"):
        fit(np.ones((3, 3)), 2049, 1, 1, b=3)
    with pytest.raises(TooLarge, match=r"one ALS least-squares matrix would take \d+ bytes .*MAX_FIT_BYTES"):
        fit(np.ones(3), 1 << 22, 1, 1, b=3)
    with pytest.raises(TooLarge, match=r"composed extent 4194305\^1 = 4194305 entries, above the limit 2\*\*22"):
        fit(np.ones(3), (1 << 22) + 1, 1, 1, b=3)


def _als_estimate(extent: int, dims: int, a: int, channels: int, layers: int, sweeps: int) -> int:
    """sweeps x layer updates per sweep (L forward, L - 2 back; 1 for L = 1) x rows x columns**2, the columns
    being the C x C x a**D entries of one layer's weights."""
    updates = layers + max(layers - 2, 0) if layers > 1 else 1
    cols = channels * channels * a**dims
    return sweeps * updates * extent**dims * cols * cols


@pytest.mark.parametrize(("a", "b", "layers", "starts", "n_starts"), [(2, 3, 2, 1, 1), (3, 2, 2, 1, 2), (2, 3, 3, 2, 2)])
def test_the_als_fit_runs_at_its_work_limit_and_is_refused_one_above(monkeypatch: pytest.MonkeyPatch, a: int, b: int,
                                                                     layers: int, starts: int, n_starts: int) -> None:
    import kronconv.qtt.fit as F

    extent = 1 + (a - 1) * sum(b**l for l in range(layers))
    work = _als_estimate(extent, 1, a, 1, layers, 2) * n_starts  # the embedded TT-SVD start counts when a >= b
    k = np.arange(1.0, extent + 1.0)
    monkeypatch.setattr(F, "ALS_WORK_LIMIT", work)
    res = F.fit(k, a, layers, 1, b=b, sweeps=2, starts=starts)
    assert res.method == "als (2 sweeps)" and len(res.history) == 2
    monkeypatch.setattr(F, "ALS_WORK_LIMIT", work - 1)
    with pytest.raises(TooLarge, match=rf"ALS needs about {work} flops \({n_starts} starts x 2 sweeps\), above the "
                                       rf"limit ALS_WORK_LIMIT = {work - 1}; use fewer sweeps, channels or layers"):
        F.fit(k, a, layers, 1, b=b, sweeps=2, starts=starts)


@pytest.mark.parametrize(("a", "layers", "channels", "sweeps"), [(2, 3, 1, 1), (3, 2, 2, 2), (2, 2, 1, 3)])
def test_als_sweeps_after_tt_svd_run_at_the_work_limit_and_are_refused_one_above(
        monkeypatch: pytest.MonkeyPatch, a: int, layers: int, channels: int, sweeps: int) -> None:
    import kronconv.qtt.fit as F

    work = _als_estimate(a**layers, 1, a, channels, layers, sweeps)
    k = np.random.default_rng(2).standard_normal(a**layers)
    monkeypatch.setattr(F, "ALS_WORK_LIMIT", work)
    res = F.fit(k, a, layers, channels, sweeps=sweeps)
    assert res.method == f"tt-svd + {sweeps} ALS sweeps" and len(res.history) == sweeps
    monkeypatch.setattr(F, "ALS_WORK_LIMIT", work - 1)
    with pytest.raises(TooLarge, match=rf"{sweeps} ALS sweeps need about {work} flops, above the limit "
                                       rf"ALS_WORK_LIMIT = {work - 1}; use fewer sweeps or channels"):
        F.fit(k, a, layers, channels, sweeps=sweeps)


@pytest.mark.slow
def test_auto_mode_ranks_a_2_30_work_kernel_exactly() -> None:
    # 1024 x 1024 ones, a = 2 (L = 10, D = 2): unfoldings 4**(9-l) x 4**(l+1), about 1.79e9 operations in all,
    # between 2**30 and the documented 2**31 exact-work limit: still exact, no fallback note
    k = np.ones((1024, 1024), dtype=np.int64)
    work = sum(4 ** (9 - l) * 4 ** (l + 1) * min(4 ** (9 - l), 4 ** (l + 1)) for l in range(9))
    assert 2**30 < work <= 2**31
    prof = R.rank_profile(k, 2)
    assert prof.mode == "exact" and prof.ranks == (1,) * 9 and prof.notes == ()


def test_one_als_matrix_of_exactly_max_fit_bytes_is_allowed() -> None:
    # a = 2, L = 4 (extent 16), C = 1024: one least-squares matrix is 16 x (1024**2 * 2) float64 = 2**28 bytes,
    # exactly MAX_FIT_BYTES: it passes that check and is refused for its ALS work; C = 1025 is refused for memory
    from kronconv.qtt.als import MAX_FIT_BYTES
    from kronconv.qtt.fit import fit

    assert 8 * 16 * 1024**2 * 2 == MAX_FIT_BYTES == 2**28
    with pytest.raises(TooLarge, match=r"^1 ALS sweeps need about \d+ flops, above the limit ALS_WORK_LIMIT"):
        fit(np.ones(16), 2, 4, 1024, sweeps=1)
    with pytest.raises(TooLarge, match=rf"^one ALS least-squares matrix would take {8 * 16 * 1025**2 * 2} bytes "
                                       rf"\(16 x {1025**2 * 2}\), above the limit MAX_FIT_BYTES = {2**28}"):
        fit(np.ones(16), 2, 4, 1025, sweeps=1)
