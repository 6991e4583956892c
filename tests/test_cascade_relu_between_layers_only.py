"""ReLU in a numeric cascade sits between layers only: the last layer's output keeps its negative values.

The reference is a plain-Python 1-D multi-channel correlation loop, written here
without the library's correlation engine; seeds are drawn by hypothesis.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.numeric import cascade, cascade_with_bound, forward
from kronconv.spec import Conv


def _corr1d(x: np.ndarray, w: np.ndarray, d: int) -> np.ndarray:
    """Valid dilated correlation of ``(N, C, n)`` with ``(O, C, k)``, by explicit sums."""
    nb, c, n = x.shape
    o, _, k = w.shape
    m = n - d * (k - 1)
    y = np.zeros((nb, o, m))
    for b in range(nb):
        for oc in range(o):
            for i in range(m):
                y[b, oc, i] = sum(w[oc, ic, t] * x[b, ic, i + d * t] for ic in range(c) for t in range(k))
    return y


def _reference(x: np.ndarray, ws: list[np.ndarray], ds: list[int], relu: bool) -> np.ndarray:
    y = x
    for i, (w, d) in enumerate(zip(ws, ds)):
        y = _corr1d(y, w, d)
        if relu and i < len(ws) - 1:
            y = np.maximum(y, 0.0)
    return y


def _draw(seed: int, layers: int, channels: int) -> tuple[np.ndarray, list[np.ndarray], list[int]]:
    rng = np.random.default_rng(seed)
    ds = [2**l for l in range(layers)]
    ws = [rng.standard_normal((channels, channels, 2)) for _ in range(layers)]
    x = rng.standard_normal((2, channels, sum(ds) + 6))
    return x, ws, ds


@settings(max_examples=25)
@given(seed=st.integers(0, 2**32 - 1), layers=st.integers(1, 3), channels=st.integers(1, 2))
def test_relu_cascade_equals_relu_between_layers_and_not_after_the_last(seed: int, layers: int,
                                                                         channels: int) -> None:
    x, ws, ds = _draw(seed, layers, channels)
    ref = _reference(x, ws, ds, relu=True)
    y = cascade(x, ws, ds, activation="relu")
    np.testing.assert_allclose(y, ref, rtol=1e-12, atol=1e-12)
    yb, e = cascade_with_bound(x, ws, ds, activation="relu")
    np.testing.assert_allclose(yb, ref, rtol=1e-12, atol=1e-12)
    assert (np.abs(yb - ref) <= e + 1e-12).all()


def test_last_layer_negative_outputs_survive_a_relu_cascade() -> None:
    # a last layer of weight -1 turns the (non-negative) rectified values negative
    x = np.array([[[1.0, -2.0, 3.0, -4.0, 5.0]]])
    ws = [np.array([[[1.0, 1.0]]]), np.array([[[-1.0]]])]
    # layer 1: [-1, 1, -1, 1] -> relu [0, 1, 0, 1] -> layer 2: [0, -1, 0, -1]
    want = [0.0, -1.0, 0.0, -1.0]
    assert cascade(x, ws, [1, 1], activation="relu").ravel().tolist() == want
    assert cascade_with_bound(x, ws, [1, 1], activation="relu")[0].ravel().tolist() == want
    # and without the activation the first layer's negatives pass through
    assert cascade(x, ws, [1, 1]).ravel().tolist() == [1.0, -1.0, 1.0, -1.0]
    # one layer: nothing is between layers, so ReLU changes nothing
    assert cascade(x, ws[:1], [1], activation="relu").ravel().tolist() == [-1.0, 1.0, -1.0, 1.0]


def test_forward_applies_relu_after_every_convolution_but_the_last() -> None:
    x = np.array([[[1.0, -2.0, 3.0, -4.0, 5.0]]])
    layers = [Conv(2, dims=1, bias=False), Conv(1, dims=1, bias=False)]
    params = [(np.array([[[1.0, 1.0]]]), None), (np.array([[[-1.0]]]), None)]
    r = forward(x, layers, params, activation="relu")
    assert r.output.ravel().tolist() == [0.0, -1.0, 0.0, -1.0]
    assert forward(x, layers, params, activation=None).output.ravel().tolist() == [1.0, -1.0, 1.0, -1.0]


@settings(max_examples=20)
@given(seed=st.integers(0, 2**32 - 1), layers=st.integers(1, 3), channels=st.integers(1, 2))
def test_linear_cascade_equals_the_explicit_sum_for_any_seed(seed: int, layers: int, channels: int) -> None:
    x, ws, ds = _draw(seed, layers, channels)
    ref = _reference(x, ws, ds, relu=False)
    y, e = cascade_with_bound(x, ws, ds)
    np.testing.assert_allclose(y, ref, rtol=1e-12, atol=1e-12)
    assert (np.abs(y - ref) <= e + 1e-13).all()
