"""Shared pytest configuration: hypothesis profiles, the ``gpu`` marker and the ``xp`` fixture.

``HYPOTHESIS_PROFILE=ci`` (used by .ci/run) runs fewer, derandomized examples;
``dev`` (default) runs more.  GPU tests are marked ``gpu`` and skip with a
printed reason where CuPy or a usable CUDA device is missing.
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@lru_cache(maxsize=1)
def gpu_unavailable_reason() -> str | None:
    """``None`` when CuPy imports and sees at least one CUDA device, else why not."""
    try:
        import cupy
    except Exception as exc:  # noqa: BLE001 - any import failure means no GPU backend
        return f"CuPy is not importable ({type(exc).__name__}: {exc})"
    try:
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # noqa: BLE001
        return f"CuPy imports but the CUDA runtime fails ({type(exc).__name__})"
    if n < 1:
        return "CuPy imports but no CUDA device is visible"
    return None


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
