"""The direct paths' tap limits as ``docs/cpu-engine.md`` states them, on both sides of each limit.

``stack``: one input channel per group, stride 1, at most 32 taps (one dimension);
``taps``: one input channel per group, strided, at most 48 taps; more taps run ``einsum``;
``flat``: one channel per group in two or more dimensions at most 16 taps along the last axis.
Each case also checks the values against an exact integer reference.
"""

from __future__ import annotations

import numpy as np
import pytest

from kronconv.numeric import conv_geometry, correlate
from kronconv.numeric.correlation import correlation_plan, direct_path


def _exact_1d(x: np.ndarray, w: np.ndarray, stride: int) -> np.ndarray:
    """Valid 1-D correlation of one signal and one kernel, from the definition, in integers."""
    xi, wi = x.astype(np.int64).ravel(), w.astype(np.int64).ravel()
    k = wi.size
    return np.array([int(xi[i:i + k] @ wi) for i in range(0, xi.size - k + 1, stride)])


@pytest.mark.parametrize("taps, stride, path", [
    (32, 1, "stack"), (33, 1, "taps"),  # stride 1, one axis: past the stack limit the tap loop
    (48, 2, "taps"), (49, 2, "einsum"),  # strided
])
def test_one_dimensional_tap_limits_of_the_documented_paths(taps, stride, path) -> None:
    rng = np.random.default_rng(taps)
    x = rng.integers(-9, 10, (1, 1, 300)).astype(np.float64)
    w = rng.integers(-9, 10, (1, 1, taps)).astype(np.float64)
    geo = conv_geometry(x.shape, w.shape, stride=stride)
    assert direct_path(geo) == path
    assert correlation_plan(geo, np.float64, "direct").path == path
    assert np.array_equal(correlate(x, w, stride=stride).ravel(), _exact_1d(x, w, stride))


@pytest.mark.parametrize("last, path", [(16, "flat"), (17, "stack")])
def test_last_axis_limit_of_the_flat_path_with_one_channel(last, path) -> None:
    # 2 x 16 = 32 taps stay within the stack path's limit on the other side
    rng = np.random.default_rng(last)
    x = rng.integers(-9, 10, (1, 1, 6, 60)).astype(np.float64)
    w = rng.integers(-9, 10, (1, 1, 1, last)).astype(np.float64)
    geo = conv_geometry(x.shape, w.shape)
    assert direct_path(geo) == path
    ref = np.stack([_exact_1d(x[0, 0, r], w[0, 0, 0], 1) for r in range(6)])
    assert np.array_equal(correlate(x, w)[0, 0], ref)
