"""Refusals of the check helpers: an empty comparison region, an unknown built-in architecture."""

from __future__ import annotations

import numpy as np
import pytest

from kronconv.checks import compare_with_bound
from kronconv.checks.equivariance import ARCHS, equivariance_network
from kronconv.errors import InvalidArgument


@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 4)])
def test_comparing_an_empty_region_is_refused(shape: tuple[int, ...]) -> None:
    a = np.zeros(shape)
    with pytest.raises(InvalidArgument, match="nothing to compare: the compared region is empty"):
        compare_with_bound(a, a, np.ones(shape))


def test_a_mask_that_selects_nothing_is_refused_but_one_unit_is_compared() -> None:
    a, b = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.5, 3.0])
    with pytest.raises(InvalidArgument, match="the compared region is empty"):
        compare_with_bound(a, b, np.full(3, 0.1), mask=np.zeros(3, dtype=bool))
    assert compare_with_bound(a, b, np.full(3, 0.1), mask=np.array([False, True, False])) == (False, 0.5, 0.1, 5.0)
    assert compare_with_bound(a, b, np.full(3, 0.1), mask=np.array([True, False, True])) == (True, 0.0, 0.1, 0.0)


@pytest.mark.parametrize("arch", ["Dilated", "segnet", "", "presets"])
def test_unknown_architecture_is_refused_naming_the_choices(arch: str) -> None:
    with pytest.raises(InvalidArgument) as exc:
        equivariance_network(arch, layers=2)
    assert str(exc.value) == f"arch must be one of {', '.join(ARCHS)}, got {arch!r}"
    assert "dilated, pooling, strided, preset" in str(exc.value)
