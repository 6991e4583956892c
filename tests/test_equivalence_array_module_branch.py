"""The equivalence check's array-module branch (the one a GPU backend takes), run on NumPy arrays.

On a non-NumPy backend the check evaluates the Kronecker side with plain direct
correlations and bounds it with :math:`\\gamma_{n_K}(|x| \\star |\\hat K|) + \\gamma_m(|x| \\star K_{abs})`;
on NumPy it calls :func:`~kronconv.numeric.correlation.correlate_with_bound`, which on the direct path
bounds the same sums.  Routing the backend resolver to NumPy arrays runs the first branch on the CPU:
both branches must compute the same values and the same bound (to float64 rounding), and a planted
false claim must still fail.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from kronconv.checks import check_equivalence, equivalence

CASES: list[dict[str, Any]] = [
    {"layers": 2, "kernel": 3, "dims": 1},
    {"layers": 3, "kernel": 2, "dims": 2, "channels": 2},
    {"layers": 2, "kernel": 3, "dims": 1, "dtype": "float32", "padding": "same"},
    {"layers": 2, "kernel": 3, "dims": 2, "operation": "correlation", "padding": "full", "channels": 3},
    {"layers": 3, "kernel": 2, "dims": 1, "padding": "circular", "batch": 2, "seed": 7},
]


@pytest.fixture
def generic_branch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the check take its non-NumPy branch while computing on NumPy arrays."""
    monkeypatch.setattr(equivalence, "resolve_backend", lambda backend: "array-module")
    monkeypatch.setattr(equivalence, "get_xp", lambda backend: np)


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
def test_generic_branch_gives_the_numpy_branchs_values_and_bound(case: dict[str, Any], monkeypatch) -> None:
    ref = check_equivalence(backend="numpy", **case)
    monkeypatch.setattr(equivalence, "resolve_backend", lambda backend: "array-module")
    monkeypatch.setattr(equivalence, "get_xp", lambda backend: np)
    got = check_equivalence(backend="numpy", **case)
    assert got.backend == "array-module" and ref.backend == "numpy"
    assert got.holds and ref.holds
    assert got.max_abs_error == ref.max_abs_error and got.compared_shape == ref.compared_shape
    assert got.bound == pytest.approx(ref.bound, rel=1e-9, abs=0)
    assert got.max_error_ratio == pytest.approx(ref.max_error_ratio, rel=1e-9, abs=0)


@pytest.mark.parametrize("plant", ["flip", "swap", "relu"])
def test_generic_branch_still_refuses_a_planted_false_claim(plant: str, generic_branch: None) -> None:
    r = check_equivalence(layers=2, kernel=3, dims=1, plant=plant)
    assert not r.holds and r.max_abs_error > 1e3 * r.bound
    assert r.bound < 1e-12  # a rounding bound in float64, not an order-one allowance
