"""Max and average pooling, and the argmax indices, against loops over the windows.

Small integer inputs make ties frequent: the documented rule is that the first
tap in C order wins (like ``numpy.argmax``) and zero-boundary padding never wins
a max.  Indices are flat positions in the unpadded input (PyTorch's convention),
wrapped around for circular boundaries.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kronconv.errors import InvalidArgument, TooLarge
from kronconv.numeric import conv_geometry, pool


def _brute_pool(x: np.ndarray, k, s, widths, boundary: str, mode: str):
    """Loop over batch, channel, output position and window tap."""
    dims = x.ndim - 2
    n = x.shape[2:]
    outs = [(n[a] + widths[a][0] + widths[a][1] - k[a]) // s[a] + 1 for a in range(dims)]
    y = np.zeros(x.shape[:2] + tuple(outs))
    idx = np.zeros(x.shape[:2] + tuple(outs), dtype=np.int64)
    for b, c in itertools.product(range(x.shape[0]), range(x.shape[1])):
        for o in itertools.product(*(range(m) for m in outs)):
            best, arg, total = None, 0, 0.0
            for t in itertools.product(*(range(kk) for kk in k)):
                pos = [o[a] * s[a] + t[a] - widths[a][0] for a in range(dims)]
                inside = all(0 <= p < nn for p, nn in zip(pos, n))
                if boundary == "circular":
                    pos = [p % nn for p, nn in zip(pos, n)]
                    inside = True
                if not inside:  # zero padding: 0 for the average, never the max
                    continue
                v = float(x[(b, c) + tuple(pos)])
                total += v
                if best is None or v > best:
                    best, arg = v, int(np.ravel_multi_index(pos, n))
            y[(b, c) + o] = total / math.prod(k) if mode == "avg" else best
            idx[(b, c) + o] = arg
    return y, idx


@given(st.integers(1, 2), st.sampled_from(["zeros", "circular"]), st.integers(0, 2**32 - 1))
def test_max_pool_values_and_first_tap_argmax_match_the_window_loop(dims, boundary, seed) -> None:
    rng = np.random.default_rng(seed)
    k = tuple(int(v) for v in rng.integers(1, 4, dims))
    s = tuple(int(v) for v in rng.integers(1, 4, dims))
    widths = tuple((int(rng.integers(0, kk // 2 + 1)), int(rng.integers(0, kk // 2 + 1))) for kk in k)
    n = tuple(int(kk + rng.integers(0, 7)) for kk in k)
    x = rng.integers(-2, 3, (2, 2) + n).astype(np.float64)  # many ties
    y, idx = pool(x, k, s, widths, boundary=boundary, return_indices=True)
    ry, ridx = _brute_pool(x, k, s, widths, boundary, "max")
    assert np.array_equal(y, ry)
    assert np.array_equal(idx, ridx)
    assert np.array_equal(pool(x, k, s, widths, boundary=boundary), ry)


@given(st.integers(1, 2), st.sampled_from(["zeros", "circular"]), st.integers(0, 2**32 - 1))
def test_average_pool_divides_by_the_window_size_counting_padding(dims, boundary, seed) -> None:
    rng = np.random.default_rng(seed)
    k = tuple(int(v) for v in rng.integers(1, 4, dims))
    s = tuple(int(v) for v in rng.integers(1, 4, dims))
    widths = tuple((int(rng.integers(0, kk)), int(rng.integers(0, kk))) for kk in k)
    n = tuple(int(kk + rng.integers(0, 7)) for kk in k)
    x = rng.integers(-9, 10, (1, 3) + n).astype(np.float64)
    ry, _ = _brute_pool(x, k, s, widths, boundary, "avg")
    assert np.allclose(pool(x, k, s, widths, mode="avg", boundary=boundary), ry, rtol=0, atol=1e-12)


def test_integer_max_pool_pads_with_the_smallest_integer() -> None:
    x = np.array([-5, -7, -9], dtype=np.int32).reshape(1, 1, 3)
    y, idx = pool(x, 3, 1, 1, return_indices=True)
    assert y.dtype == np.int32
    assert y.ravel().tolist() == [-5, -5, -7] and idx.ravel().tolist() == [0, 0, 1]


def test_pool_refusals_name_the_value() -> None:
    x = np.zeros((1, 1, 4))
    with pytest.raises(InvalidArgument, match=r"input must have shape \(N, C, n_1\[, n_2\[, n_3\]\]\), got \(4,\)"):
        pool(np.zeros(4), 2)
    with pytest.raises(InvalidArgument, match="pool mode must be 'max' or 'avg', got 'lp'"):
        pool(x, 2, mode="lp")
    with pytest.raises(InvalidArgument, match="pool padding must be widths, got 'same'"):
        pool(x, 2, padding="same")
    assert pool(np.zeros((1, 1, 2, 2, 2)), 2).shape == (1, 1, 1, 1, 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int16])
def test_pool_memory_estimate_counts_eight_bytes_an_element(dtype) -> None:
    # the argmax indices are int64, so even float32 or int16 data is costed at 8 bytes an element
    x = np.zeros((2, 3, 40, 40), dtype=dtype)
    geo = conv_geometry(x.shape, (3, 1, 2, 2), stride=2, groups=3)
    need = geo.nbytes(8)
    assert pool(x, 2, max_bytes=need).shape == (2, 3, 20, 20)
    with pytest.raises(TooLarge, match=r"pooling needs an estimated"):
        pool(x, 2, max_bytes=need - 1)
