"""``cascade`` and ``cascade_with_bound``: the layer loop, the ReLU placement, the refusals.

The reference is an explicit loop of ``correlate`` calls with a ReLU between
layers (never after the last), in exact integer-valued float64 arithmetic.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kronconv.errors import InvalidArgument
from kronconv.numeric import cascade, cascade_with_bound, correlate, pad_widths


def _loop(x, kernels, dilations, padding, relu: bool, flip: bool = False):
    y = x
    for i, (w, d) in enumerate(zip(kernels, dilations)):
        if flip:
            w = np.ascontiguousarray(w[(slice(None), slice(None)) + (slice(None, None, -1),) * (w.ndim - 2)])
        ds = (d,) * (w.ndim - 2)
        widths, fill = pad_widths(padding, [dd * (k - 1) + 1 for k, dd in zip(w.shape[2:], ds)])
        y = correlate(y, w, dilation=ds, padding=list(widths), boundary=fill)
        if relu and i < len(kernels) - 1:
            y = np.maximum(y, 0)
    return y


@given(st.integers(1, 2), st.integers(1, 4), st.sampled_from(["valid", "same", "full", "circular"]),
       st.sampled_from([None, "relu"]), st.sampled_from(["correlation", "convolution"]), st.integers(0, 2**32 - 1))
def test_cascade_is_the_loop_of_its_layers(dims, depth, padding, activation, operation, seed) -> None:
    rng = np.random.default_rng(seed)
    chans = [int(v) for v in rng.integers(1, 3, depth + 1)]
    kernels = [rng.integers(-3, 4, (chans[i + 1], chans[i]) + tuple(int(v) for v in rng.integers(1, 4, dims)))
               .astype(np.float64) for i in range(depth)]
    dilations = [int(v) for v in rng.integers(1, 3, depth)]
    need = sum(d * (max(w.shape[2:]) - 1) for w, d in zip(kernels, dilations)) + 1
    x = rng.integers(-5, 6, (1, chans[0]) + (need + int(rng.integers(0, 5)),) * dims).astype(np.float64)
    kw = {"padding": padding, "operation": operation, "activation": activation}
    ref = _loop(x, kernels, dilations, padding, activation == "relu", operation == "convolution")
    got = cascade(x, kernels, dilations, **kw)
    y, e = cascade_with_bound(x, kernels, dilations, **kw)
    assert np.array_equal(got, ref) and np.array_equal(y, ref)
    assert e.shape == ref.shape and (e >= 0).all()


def test_relu_acts_between_layers_but_not_after_the_last() -> None:
    x = np.array([1.0, -2.0, 3.0, -4.0]).reshape(1, 1, 4)
    ident = np.ones((1, 1, 1))
    neg = -np.ones((1, 1, 1))
    for f in (cascade, lambda *a, **k: cascade_with_bound(*a, **k)[0]):
        assert f(x, [ident, neg], [1, 1], activation="relu").ravel().tolist() == [-1.0, 0.0, -3.0, 0.0]
        assert f(x, [neg], [1], activation="relu").ravel().tolist() == [-1.0, 2.0, -3.0, 4.0]
        # the ReLU clips at 0, not above: values in (0, 1) survive it
        small = np.array([0.25, -0.5]).reshape(1, 1, 2)
        assert f(small, [ident, ident], [1, 1], activation="relu").ravel().tolist() == [0.25, 0.0]


def test_float32_cascade_bound_covers_the_float64_distance() -> None:
    rng = np.random.default_rng(5)
    kernels = [rng.standard_normal((2, 1, 3, 3)), rng.standard_normal((2, 2, 3, 3)), rng.standard_normal((1, 2, 3, 3))]
    x = rng.standard_normal((1, 1, 40, 40))
    for act in (None, "relu"):
        ref = cascade(x, kernels, [1, 2, 4], padding="same", activation=act)
        y, e = cascade_with_bound(x.astype(np.float32), [k.astype(np.float32) for k in kernels], [1, 2, 4],
                                  padding="same", activation=act)
        assert (np.abs(y.astype(np.float64) - ref) <= e).all()
        assert 0 < float(e.max()) < 1e-4 * float(np.abs(ref).max())


def test_cascade_refusals() -> None:
    x = np.zeros((1, 1, 8))
    k = np.ones((1, 1, 2))
    for f in (cascade, cascade_with_bound):
        with pytest.raises(InvalidArgument, match="at least one kernel, got 0 kernels and 0 dilations"):
            f(x, [], [])
        with pytest.raises(InvalidArgument, match="got 1 kernels and 2 dilations"):
            f(x, [k], [1, 2])
        with pytest.raises(InvalidArgument, match=r"cascade weights must have shape \(C_out, C_in, \*k\), got \(2,\)"):
            f(x, [np.ones(2)], [1])
        with pytest.raises(InvalidArgument, match="operation must be 'correlation' or 'convolution', got 'sum'"):
            f(x, [k], [1], operation="sum")
        with pytest.raises(InvalidArgument, match="activation must be 'relu' or None, got 'tanh'"):
            f(x, [k], [1], activation="tanh")
    for dims in (1, 2, 3):  # one to three spatial axes
        xd, kd = np.ones((1, 1) + (4,) * dims), np.ones((1, 1) + (2,) * dims)
        assert cascade(xd, [kd], [1]).ravel().tolist() == [2.0**dims] * 3**dims
