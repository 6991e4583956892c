"""The fit's argument guards at their edges: the smallest accepted value of each and the largest refused one,
with the message naming the refused value."""

from __future__ import annotations

import numpy as np
import pytest

from kronconv.errors import InvalidArgument
from kronconv.qtt.fit import fit


@pytest.mark.parametrize("kernel", [np.array([3, -1, 2]), np.array([[1, 2], [5, 7]]), np.array([0.5, 2.25, -1.0])])
def test_one_layer_is_the_kernel_itself(kernel: np.ndarray) -> None:
    a = kernel.shape[0]
    res = fit(kernel, a, 1, 1)
    assert res.layers == 1 and len(res.weights) == 1
    assert res.weights[0].shape == (1, 1) + kernel.shape
    assert np.array_equal(res.weights[0][0, 0], kernel.astype(np.float64))
    assert res.absolute_error == 0.0


def test_one_layer_with_another_base_is_the_kernel_itself() -> None:
    k = np.array([1.0, -2.0, 4.0])
    res = fit(k, 3, 1, 1, b=2, sweeps=1, starts=1)  # one layer: the dilation b**0 = 1 whatever b is
    assert res.layers == 1 and res.fitted_shape == (3,)
    assert res.relative_error < 1e-12


def test_the_smallest_accepted_arguments_and_the_largest_refused() -> None:
    k = np.arange(1.0, 5.0)  # 4 taps = 2**2
    assert fit(k, 2, 2, 1).channels == 1  # a = 2, C = 1, sweeps = 0 all accepted
    assert fit(k, 2, 2, 1, b=3, sweeps=1, starts=1).b == 3
    assert fit(np.arange(1.0, 6.0), 3, 2, 1, b=2, sweeps=1, starts=0).b == 2  # b = 2 accepted
    for kwargs, message in [
        ({"a": 1, "layers": 2, "channels": 1}, "--kernel must be >= 2, got 1"),
        ({"a": 2, "layers": 0, "channels": 1}, "--layers must be >= 1, got 0"),
        ({"a": 2, "layers": 2, "channels": 0}, "--channels must be >= 1, got 0"),
        ({"a": 2, "layers": 2, "channels": 1, "b": 1}, "--dilation-base must be >= 2, got 1"),
        ({"a": 2, "layers": 2, "channels": 1, "sweeps": -1}, "--sweeps must be >= 0, got -1"),
    ]:
        with pytest.raises(InvalidArgument, match=f"^{message}$"):
            fit(k, **kwargs)
