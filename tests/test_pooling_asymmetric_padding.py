"""Pooling with different padding on the two sides of an axis: numeric values, sizes, fields, cones.

Every reference here is a brute-force window scan written in this file: output
``o`` of an axis reads input positions ``o s - lo + t`` for ``t < k``; positions
outside ``[0, n)`` are padding (``-inf`` for max, a zero counted in the mean for
average pooling, a wrapped sample for a circular boundary).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.checks.executors import graph_forward
from kronconv.formulas import network_fields, network_output_size
from kronconv.graph import unit_graph
from kronconv.netgraph import NetGraph, NetNode
from kronconv.numeric import pool
from kronconv.spec import Conv, Network, Pool


def _out_len(n: int, k: int, s: int, lo: int, hi: int) -> int:
    return (n + lo + hi - k) // s + 1


def _brute_pool(x: np.ndarray, k: tuple[int, ...], s: tuple[int, ...], pads: list[tuple[int, int]],
                mode: str, boundary: str) -> tuple[np.ndarray, np.ndarray]:
    """Pooled values and (for max) the flat index of the first maximum in the unpadded input."""
    sizes = x.shape[2:]
    outs = tuple(_out_len(n, kk, ss, lo, hi) for n, kk, ss, (lo, hi) in zip(sizes, k, s, pads))
    y = np.zeros(x.shape[:2] + outs)
    idx = np.zeros(x.shape[:2] + outs, dtype=np.int64)
    for b, c in itertools.product(range(x.shape[0]), range(x.shape[1])):
        for o in itertools.product(*(range(m) for m in outs)):
            vals, where = [], []
            for t in itertools.product(*(range(kk) for kk in k)):
                p = [oo * ss - lo + tt for oo, ss, (lo, _), tt in zip(o, s, pads, t)]
                if boundary == "circular":
                    p = [pp % n for pp, n in zip(p, sizes)]
                if all(0 <= pp < n for pp, n in zip(p, sizes)):
                    vals.append(float(x[(b, c) + tuple(p)]))
                    where.append(int(np.ravel_multi_index(tuple(p), sizes)))
                else:
                    vals.append(-math.inf if mode == "max" else 0.0)
                    where.append(-1)
            if mode == "max":
                j = int(np.argmax(vals))
                y[(b, c) + o], idx[(b, c) + o] = vals[j], where[j]
            else:
                y[(b, c) + o] = sum(vals) / len(vals)
    return y, idx


@st.composite
def _pool_case(draw: st.DrawFn) -> tuple[int, tuple[int, ...], tuple[int, ...], list[tuple[int, int]], int]:
    dims = draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 4)) for _ in range(dims))
    s = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    pads = [(draw(st.integers(0, kk // 2)), draw(st.integers(0, kk // 2))) for kk in k]
    seed = draw(st.integers(0, 2**32 - 1))
    return dims, k, s, pads, seed


@settings(max_examples=40)
@given(case=_pool_case(), mode=st.sampled_from(["max", "avg"]), boundary=st.sampled_from(["zeros", "circular"]))
def test_pool_with_per_side_padding_equals_the_window_scan(case, mode: str, boundary: str) -> None:
    _, k, s, pads, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1, 2) + tuple(int(rng.integers(max(kk, 2), 9)) for kk in k))
    want, want_idx = _brute_pool(x, k, s, pads, mode, boundary)
    if mode == "max":
        y, idx = pool(x, k, s, pads, mode="max", boundary=boundary, return_indices=True)
        np.testing.assert_array_equal(idx, want_idx)
    else:
        y = pool(x, k, s, pads, mode="avg", boundary=boundary)
    assert y.shape == want.shape
    np.testing.assert_allclose(y, want, rtol=1e-13, atol=1e-13)


def test_pool_low_and_high_padding_are_not_interchangeable() -> None:
    x = np.array([5.0, 1.0, 2.0, 3.0, 4.0]).reshape(1, 1, 5)
    # low side: windows [pad, 5], [1, 2], [3, 4]; high side: [5, 1], [2, 3], [4, pad]
    assert pool(x, 2, 2, [(1, 0)], mode="max").ravel().tolist() == [5.0, 2.0, 4.0]
    assert pool(x, 2, 2, [(0, 1)], mode="max").ravel().tolist() == [5.0, 3.0, 4.0]
    assert pool(x, 2, 2, [(1, 0)], mode="avg").ravel().tolist() == [2.5, 1.5, 3.5]
    assert pool(x, 2, 2, [(0, 1)], mode="avg").ravel().tolist() == [3.0, 2.5, 2.0]
    assert pool(x, 2, 2, [(0, 0)], mode="max").ravel().tolist() == [5.0, 3.0]


@given(n=st.integers(3, 40), k=st.integers(1, 5), s=st.integers(1, 3), lo=st.integers(0, 2), hi=st.integers(0, 2))
def test_output_size_and_field_of_a_per_side_padded_pool(n: int, k: int, s: int, lo: int, hi: int) -> None:
    lo, hi = min(lo, k // 2), min(hi, k // 2)
    net = Network((Conv(3, dims=1), Pool(k, stride=s, padding=lo, padding_hi=hi, dims=1)))
    if n - 2 + lo + hi < k:
        return
    assert network_output_size(net, n) == [[n - 2], [_out_len(n - 2, k, s, lo, hi)]]
    f = network_fields(net)
    # field of the first output unit: pool window [-lo, k - 1 - lo] of the conv's outputs, each 3 wide
    assert f.receptive_field() == [k + 2] and f.offset() == [-lo] and f.effective_stride() == [s]


@given(n=st.integers(4, 20), k=st.integers(2, 5), s=st.integers(1, 3), lo=st.integers(0, 2), hi=st.integers(0, 2))
def test_cone_of_every_unit_of_a_per_side_padded_pool(n: int, k: int, s: int, lo: int, hi: int) -> None:
    lo, hi = min(lo, k // 2), min(hi, k // 2)
    if n + lo + hi < k:
        return
    net = Network((Pool(k, stride=s, padding=lo, padding_hi=hi, dims=1),))
    m = _out_len(n, k, s, lo, hi)
    for u in range(m):
        first, last = max(u * s - lo, 0), min(u * s - lo + k - 1, n - 1)
        origin, c = unit_graph(net, unit=u, input_size=n).path_counts()
        assert origin == (first,) and c.tolist() == [1] * (last - first + 1)
    with pytest.raises(ValueError, match=f"need 0 <= unit <= {m - 1}"):
        unit_graph(net, unit=m, input_size=n)


@settings(max_examples=30)
@given(case=_pool_case(), mode=st.sampled_from(["max", "avg"]))
def test_numpy_executor_runs_a_per_side_padded_pool_like_the_window_scan(case, mode: str) -> None:
    dims, k, s, pads, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1, 2) + tuple(int(rng.integers(max(kk, 2), 9)) for kk in k))
    layer = Pool(k, stride=s, padding=[list(p) for p in pads], mode=mode, dims=dims)
    g = NetGraph.build([NetNode("input", "input", channels=2), NetNode("p", "pool", ("input",), layer)], dims=dims)
    want, _ = _brute_pool(x, k, s, pads, mode, "zeros")
    np.testing.assert_allclose(graph_forward(g, {}, x), want, rtol=1e-13, atol=1e-13)
