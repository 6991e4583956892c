"""Shift equivariance laws hold for every random draw, not only for seed 0.

Circular padding: a stride-1 dilated stack commutes with every shift; a network
of total stride S commutes with shifts that are multiples of S (compared within
the propagated rounding bound).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.checks.equivariance import check_equivariance


@settings(max_examples=15)
@given(seed=st.integers(0, 2**63 - 1), layers=st.integers(1, 3), channels=st.integers(1, 3),
       dtype=st.sampled_from(["float32", "float64"]))
def test_dilated_stack_is_equivariant_for_any_seed(seed: int, layers: int, channels: int, dtype: str) -> None:
    r = check_equivariance("dilated", dims=1, layers=layers, channels=channels, size=16, shifts=[1, 3, -2],
                           dtype=dtype, seed=seed, backend="numpy")
    assert r.seed == seed and r.holds and r.matches_theory
    assert all(s.max_abs_error <= s.bound for s in r.shifts)


@settings(max_examples=15)
@given(seed=st.integers(0, 2**63 - 1), layers=st.integers(1, 2), arch=st.sampled_from(["strided", "pooling"]))
def test_subsampling_nets_are_equivariant_to_multiples_of_their_stride_for_any_seed(seed: int, layers: int,
                                                                                    arch: str) -> None:
    S = 2**layers
    r = check_equivariance(arch, dims=1, layers=layers, channels=2, size=16, shifts=[S, 2 * S, -S],
                           seed=seed, backend="numpy")
    if arch == "strided":
        assert r.total_stride == (S,)
    assert r.holds and all(s.expected for s in r.shifts)
