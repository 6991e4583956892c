"""The numeric checks hold where the mathematics says so and fail, by far, on planted false claims."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import seeds

from kronconv.checks import (
    EquivalenceResult,
    EquivarianceResult,
    check_equivalence,
    check_equivariance,
    compare_with_bound,
    equivariance_network,
)
from kronconv.errors import InvalidArgument, InvalidSpec, TooLarge
from kronconv.numeric import total_stride

# --------------------------------------------------------------------------- equivalence


@given(a=st.integers(2, 3), L=st.integers(1, 3), C=st.integers(1, 2), dims=st.integers(1, 2),
       padding=st.sampled_from(["valid", "same", "full", "circular"]),
       dtype=st.sampled_from(["float32", "float64"]), seed=seeds())
@settings(max_examples=15)
def test_cascade_equals_kronecker_kernel_within_the_bound(a, L, C, dims, padding, dtype, seed) -> None:
    if dims == 2 and a**L > 9:
        L = 2
    r = check_equivalence(layers=L, kernel=a, dims=dims, channels=C, padding=padding, dtype=dtype,
                          seed=seed, backend="numpy")
    assert r.holds and r.max_abs_error <= r.bound
    assert r.max_error_ratio is not None and r.max_error_ratio <= 1
    assert r.kronecker_kernel_shape == (C, C) + (a**L,) * dims


def test_float32_error_is_real_and_below_its_bound() -> None:
    r = check_equivalence(layers=3, kernel=3, dims=2, channels=2, dtype="float32", backend="numpy")
    assert r.holds and 0 < r.max_abs_error <= r.bound
    assert r.bound < 1e-2 * max(1.0, r.max_abs_error / r.relative_error)  # bound is informative


@pytest.mark.parametrize("padding", ["valid", "same", "circular"])
@pytest.mark.parametrize("plant", ["swap", "flip", "relu"])
def test_planted_false_claims_fail_far_above_the_bound(padding: str, plant: str) -> None:
    r = check_equivalence(layers=3, kernel=3, dims=2, padding=padding, plant=plant, dtype="float32",
                          backend="numpy")
    assert not r.holds
    assert r.max_error_ratio is not None and r.max_error_ratio > 100
    assert r.relative_error > 0.01


@pytest.mark.parametrize("b", [1, 2, 4])
def test_dilation_base_other_than_kernel_size_fails_and_says_how_badly(b: int) -> None:
    r = check_equivalence(layers=3, kernel=3, dims=1, dilation_base=b, backend="numpy")
    assert not r.holds and r.relative_error > 0.01
    assert r.dilations == (1, b, b * b)
    assert "not claimed" in r.note


def test_same_padding_compares_only_the_interior_and_reports_the_border() -> None:
    r = check_equivalence(layers=3, kernel=3, dims=2, padding="same", backend="numpy")
    assert r.holds and r.interior_only
    assert r.border == ((13, 13), (13, 13))  # (27 - 1) / 2 on each side
    assert r.compared_shape == (1, 1, r.size - 26, r.size - 26)
    assert "interior" in r.note
    with pytest.raises(InvalidArgument, match="no interior"):
        check_equivalence(layers=3, kernel=3, dims=1, padding="same", size=26, backend="numpy")


def test_even_kernel_same_padding_border_is_asymmetric() -> None:
    r = check_equivalence(layers=3, kernel=2, dims=1, padding="same", backend="numpy")
    assert r.holds and r.border == ((4, 3),)  # sum of e_l // 2 = 1 + 1 + 2, of (e_l - 1) // 2 = 0 + 1 + 2


def test_equivalence_result_json_has_the_required_fields() -> None:
    r = check_equivalence(layers=2, kernel=3, dims=1, backend="numpy")
    d = json.loads(json.dumps(r.to_dict()))
    for key in ("holds", "max_abs_error", "bound", "backend"):
        assert key in d
    assert d["backend"] == "numpy" and d["holds"] is True
    assert isinstance(r, EquivalenceResult)


def test_equivalence_refuses_huge_requests_before_allocating() -> None:
    with pytest.raises(TooLarge, match="limit"):
        check_equivalence(layers=6, kernel=3, dims=3, backend="numpy")
    with pytest.raises(TooLarge, match="multiply-adds"):
        check_equivalence(layers=3, kernel=3, dims=2, backend="numpy", max_work=1000)


@pytest.mark.parametrize("kwargs,match", [
    ({"kernel": 0}, "kernel must be an integer"),
    ({"padding": "reflect"}, "padding must be one of"),
    ({"dtype": "float16"}, "dtype must be one of"),
    ({"plant": "oops"}, "plant must be one of"),
    ({"backend": "tpu"}, "backend must be one of"),
    ({"layers": 2, "kernel": 3, "dims": 1, "size": 5}, "smaller than the dilated kernel extent"),
])
def test_equivalence_bad_input_names_the_allowed_range(kwargs, match) -> None:
    with pytest.raises(InvalidArgument, match=match):
        check_equivalence(**{"backend": "numpy", **kwargs})


def test_compare_with_bound_counts_zero_bound_mismatch_as_failure() -> None:
    ok, err, bnd, ratio = compare_with_bound(np.array([1.0]), np.array([1.5]), np.array([0.0]))
    assert not ok and err == 0.5 and bnd == 0.0 and ratio == float("inf")


# --------------------------------------------------------------------------- equivariance


@pytest.mark.parametrize("padding", ["circular", "zeros"])
def test_dilated_stack_is_equivariant_for_every_shift(padding: str) -> None:
    r = check_equivariance("dilated", layers=3, dims=2, channels=3, padding=padding, shifts=[1, 2, 3, (1, -2), 5],
                           dtype="float32", backend="numpy")
    assert r.holds and r.matches_theory
    assert all(s.holds and s.expected for s in r.shifts)
    assert r.consistency == 1.0
    assert r.interior_only == (padding == "zeros")


@pytest.mark.parametrize("padding", ["circular", "zeros"])
@pytest.mark.parametrize("arch,levels,stride", [("pooling", 1, 2), ("pooling", 2, 4), ("strided", 2, 4)])
def test_subsampling_nets_are_equivariant_only_for_multiples_of_the_total_stride(padding, arch, levels, stride) -> None:
    r = check_equivariance(arch, layers=levels, dims=1, channels=3, padding=padding, backend="numpy")
    assert r.total_stride == (stride,)
    assert [s.shift[0] for s in r.shifts] == list(range(1, 2 * stride + 1))  # default scan
    assert r.holding_shifts == [[stride], [2 * stride]]
    assert not r.holds and r.matches_theory
    failing = [s for s in r.shifts if not s.holds]
    assert all(s.max_error_ratio is None or s.max_error_ratio > 1e6 for s in failing)
    assert r.consistency is not None and r.consistency < 1.0


def test_two_dimensional_pooling_net_needs_both_components_multiple_of_two() -> None:
    r = check_equivariance("pooling", layers=1, dims=2, channels=2, shifts=[(2, 0), (2, 1), (4, -2)],
                           backend="numpy")
    assert [s.holds for s in r.shifts] == [True, False, True]
    assert r.matches_theory


def test_zhang_consistency_is_lower_for_off_grid_shifts() -> None:
    r = check_equivariance("strided", layers=2, dims=2, channels=4, shifts=[1, 4], backend="numpy")
    off, on = r.shifts
    assert on.consistency == 1.0 and off.consistency is not None and off.consistency < 1.0


def test_yu_koltun_basic_preset_is_equivariant_with_circular_padding() -> None:
    r = check_equivariance("preset", preset_name="yu-koltun-basic:C=3", dims=2, shifts=[1, 7], size=24,
                           dtype="float32", backend="numpy")
    assert r.holds and r.network == "yu-koltun-basic" and len(r.layers) == 8
    assert r.total_stride == (1, 1)


def test_zero_padding_needs_an_interior() -> None:
    with pytest.raises(InvalidArgument, match="no interior"):
        check_equivariance("dilated", layers=3, dims=1, padding="zeros", size=16, shifts=[4], backend="numpy")


def test_equivariance_refuses_huge_presets() -> None:
    with pytest.raises(TooLarge):
        check_equivariance("preset", preset_name="yu-koltun-frontend", backend="numpy")


@pytest.mark.parametrize("kwargs,exc,match", [
    ({"arch": "resnet"}, InvalidArgument, "arch must be one of"),
    ({"arch": "preset"}, InvalidArgument, "needs a preset name"),
    ({"arch": "preset", "preset_name": "nope"}, InvalidSpec, "unknown preset"),
    ({"kernel": 4}, InvalidArgument, "kernel must be odd"),
    ({"padding": "reflect"}, InvalidArgument, "padding must be"),
    ({"shifts": [(1, 2, 3)]}, InvalidArgument, "a shift is one integer or 2 integers"),
    ({"arch": "strided", "size": 30}, InvalidArgument, "multiple of the total stride"),
])
def test_equivariance_bad_input(kwargs, exc, match) -> None:
    with pytest.raises(exc, match=match):
        check_equivariance(**{"backend": "numpy", **kwargs})


def test_equivariance_result_json_has_the_required_fields() -> None:
    r = check_equivariance("pooling", layers=1, dims=1, shifts=[1, 2], backend="numpy")
    d = json.loads(json.dumps(r.to_dict()))
    for key in ("holds", "max_abs_error", "bound", "backend", "holding_shifts", "shifts", "consistency"):
        assert key in d
    assert d["holds"] is False and d["holding_shifts"] == [[2]]
    assert isinstance(r, EquivarianceResult)


def test_architectures_have_the_documented_total_stride() -> None:
    assert total_stride(equivariance_network("dilated", layers=4)[1]) == (1, 1)
    assert total_stride(equivariance_network("pooling", layers=3, dims=1)[1]) == (8,)
    assert total_stride(equivariance_network("strided", layers=2, dims=3)[1]) == (4, 4, 4)


def test_zero_padding_interior_is_exactly_the_clean_outputs() -> None:
    """Hand count: dilations 1, 2, 4 (halo 7 per side), size 40, shift 3.

    f(T x)[i] reads T x[i - 7 .. i + 7], which must avoid padding and the wrapped samples 0..2:
    i in [10, 32]; T f(x)[i] = f(x)[i - 3] needs i - 3 in [7, 32]: i in [10, 35]. Together 23 outputs.
    """
    r = check_equivariance("dilated", layers=3, dims=1, channels=1, size=40, shifts=[3], padding="zeros",
                           backend="numpy")
    assert r.shifts[0].compared == 23 and r.holds
    r2 = check_equivariance("dilated", layers=3, dims=1, channels=1, size=40, shifts=[-3], padding="zeros",
                            backend="numpy")
    assert r2.shifts[0].compared == 23 and r2.holds


@pytest.mark.parametrize("seed", range(8))
def test_equivalence_estimates_within_two_of_counted_work_and_traced_memory(seed) -> None:
    # the limits refuse only what is really too big: the estimate is compared with the
    # multiply-adds the chosen paths really do and with tracemalloc's peak
    import tracemalloc

    from kronconv.checks.equivalence import estimate_equivalence
    from kronconv.numeric.correlation import WORK_DONE
    from kronconv.numeric.spectral import FFT_WORK_DONE

    rng = np.random.default_rng(seed)
    dims, a = int(rng.integers(1, 3)), int(rng.integers(2, 4))
    layers = int(rng.integers(2, 6 if dims == 1 else 5))
    channels, batch = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    padding = str(rng.choice(["valid", "same", "full", "circular"]))
    dtype = str(rng.choice(["float32", "float64"]))
    dil = tuple(a**l for l in range(layers))
    size = max(sum(d * (a - 1) for d in dil) + 1, a**layers) - 1 + (400 if dims == 1 else 48)
    work, nbytes = estimate_equivalence(layers, a, dims, size, channels, batch, dil, padding, dtype)
    kw = {"layers": layers, "kernel": a, "dims": dims, "channels": channels, "batch": batch, "size": size,
          "padding": padding, "dtype": dtype, "backend": "numpy"}
    check_equivalence(**kw)  # warm up
    before = WORK_DONE[0] + FFT_WORK_DONE[0]
    tracemalloc.start()
    try:
        r = check_equivalence(**kw)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    done = WORK_DONE[0] + FFT_WORK_DONE[0] - before
    assert r.holds
    assert 0.5 <= work / done <= 2.0, (work, done)
    assert 0.5 <= nbytes / peak <= 2.0, (nbytes, peak)


def test_equivalence_with_five_layers_runs_under_the_default_limits() -> None:
    r = check_equivalence(layers=5, kernel=3, dims=2, backend="numpy")
    assert r.holds and r.kronecker_kernel_shape == (1, 1, 243, 243)
