"""Shared pytest configuration: hypothesis profiles, the ``gpu`` marker and the ``xp`` fixture.

``HYPOTHESIS_PROFILE=ci`` (used by .ci/run) runs fewer, derandomized examples;
``dev`` (default) runs more.  GPU tests are marked ``gpu`` and skip with a
printed reason where CuPy or a usable CUDA device is missing.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from kronconv.backend import gpu_unavailable_reason

settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = gpu_unavailable_reason()
    if reason is None:
        return
    skip = pytest.mark.skip(reason=f"gpu test skipped: {reason}")
    for item in items:
        if item.get_closest_marker("gpu"):
            item.add_marker(skip)


@pytest.fixture(params=["numpy", pytest.param("cupy", marks=pytest.mark.gpu)])
def xp(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """The array module under test: numpy always, cupy where a GPU is usable."""
    if request.param == "numpy":
        return np
    import cupy

    return cupy
