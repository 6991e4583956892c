"""Which engine a correlation runs on, and what each dispatch branch refuses.

NumPy arrays run the NumPy engine; CuPy float arrays the GPU kernel, after the
method and size checks; any other array type (a duck array exposing ``shape``,
``dtype`` and ``astype``) the array-generic tap loop.  Expected values come from
a brute-force loop over the defining sum, in exact integer arithmetic.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kronconv.errors import InvalidArgument, TooLarge
from kronconv.numeric import conv_geometry, correlate
from kronconv.numeric import correlation as corr
from kronconv.numeric.correlation import direct_path


def _brute(x: np.ndarray, w: np.ndarray, groups: int, dilation: int, lo: int, hi: int) -> np.ndarray:
    """1-D grouped, dilated, zero-padded correlation straight from the definition (stride 1)."""
    nb, cin, n = x.shape
    cout, cg, k = w.shape
    og = cout // groups
    xp = np.zeros((nb, cin, n + lo + hi), dtype=object)
    xp[:, :, lo:lo + n] = x.astype(object)
    m = n + lo + hi - dilation * (k - 1)
    y = np.zeros((nb, cout, m), dtype=object)
    for b, o, i in itertools.product(range(nb), range(cout), range(m)):
        gi = o // og
        y[b, o, i] = sum(int(w[o, c, t]) * xp[b, gi * cg + c, i + t * dilation]
                         for c in range(cg) for t in range(k))
    return y.astype(np.int64)


@given(st.integers(2, 4), st.integers(1, 3), st.integers(1, 6), st.integers(1, 3), st.integers(1, 2),
       st.integers(0, 3), st.integers(0, 3), st.integers(0, 2**32 - 1))
def test_depthwise_stack_path_writes_each_group_to_its_own_channels(groups, og, k, d, nb, lo, hi, seed) -> None:
    # one input channel per group, stride 1, one axis: the stack path (one GEMM per group)
    rng = np.random.default_rng(seed)
    n = d * (k - 1) + 1 + int(rng.integers(0, 12))
    x = rng.integers(-9, 10, (nb, groups, n)).astype(np.float64)
    w = rng.integers(-9, 10, (groups * og, 1, k)).astype(np.float64)
    geo = conv_geometry(x.shape, w.shape, dilation=d, padding=((lo, hi),), groups=groups)
    assert direct_path(geo) == "stack"
    y = correlate(x, w, dilation=d, padding=((lo, hi),), groups=groups)
    assert y.shape == (nb, groups * og, n + lo + hi - d * (k - 1))
    assert np.array_equal(y, _brute(x, w, groups, d, lo, hi))


def test_complex_inputs_are_refused_naming_both_dtypes() -> None:
    x = np.ones((1, 1, 5), dtype=np.complex128)
    w = np.ones((1, 1, 2))
    with pytest.raises(InvalidArgument, match=r"real \(float or integer\), got complex128 and float64"):
        correlate(x, w)
    with pytest.raises(InvalidArgument, match="got float64 and complex64"):
        correlate(w, np.ones((1, 1, 2), dtype=np.complex64))


def test_bool_inputs_are_refused() -> None:
    with pytest.raises(InvalidArgument, match="got bool and bool"):
        correlate(np.ones((1, 1, 4), dtype=bool), np.ones((1, 1, 2), dtype=bool))


class _DuckArray:
    """An array type that is neither NumPy nor CuPy: shape, dtype and astype only."""

    def __init__(self, a: np.ndarray) -> None:
        self._a = a
        self.shape = a.shape
        self.dtype = a.dtype
        self.ndim = a.ndim

    def astype(self, dtype: object, copy: bool = True) -> np.ndarray:
        return self._a.astype(dtype, copy=copy)


@pytest.mark.parametrize("groups, cg, og", [(1, 1, 1), (1, 3, 2), (2, 1, 2), (2, 2, 1)])
def test_other_array_types_run_the_generic_tap_loop_with_the_same_values(groups, cg, og) -> None:
    rng = np.random.default_rng(groups * 10 + cg * 3 + og)
    x = rng.integers(-9, 10, (2, groups * cg, 11)).astype(np.float64)
    w = rng.integers(-9, 10, (groups * og, cg, 3)).astype(np.float64)
    got = correlate(_DuckArray(x), _DuckArray(w), dilation=2, padding=((1, 2),), groups=groups)
    assert isinstance(got, np.ndarray)
    assert np.array_equal(got, _brute(x, w, groups, 2, 1, 2))


def test_other_array_types_obey_the_work_limit() -> None:
    x, w = np.ones((1, 1, 100)), np.ones((1, 1, 10))
    with pytest.raises(TooLarge, match="max_work"):
        correlate(_DuckArray(x), _DuckArray(w), max_work=100)  # 91 outputs * 10 taps = 910 multiply-adds
    assert correlate(_DuckArray(x), _DuckArray(w), max_work=910).ravel().tolist() == [10.0] * 91


def test_gpu_arrays_are_refused_an_unknown_method_before_any_gpu_work(monkeypatch) -> None:
    # the CuPy branch checks the method name and the limits before it loads the GPU module
    monkeypatch.setattr(corr, "backend_of", lambda a: "cupy")
    x, w = np.ones((1, 1, 100)), np.ones((1, 1, 10))
    with pytest.raises(InvalidArgument, match=r"method must be one of direct, fft, auto, got 'spectral'"):
        correlate(x, w, method="spectral")
    for method in ("direct", "fft", "auto"):  # known methods pass the check and reach the work limit
        with pytest.raises(TooLarge, match="910 multiply-adds, above the limit 909"):
            correlate(x, w, method=method, max_work=909)


@pytest.mark.parametrize("boundary", ["zeros", "circular"])
@pytest.mark.parametrize("n", [40, 70001])  # one row block; several (2**16 elements a block)
def test_stack_path_wraps_circular_padding_and_joins_row_blocks(boundary, n) -> None:
    rng = np.random.default_rng(n)
    x = rng.integers(-9, 10, (1, 2, n)).astype(np.float64)
    w = rng.integers(-9, 10, (2, 1, 5)).astype(np.float64)
    kw = {"dilation": 3, "padding": ((7, 5),), "boundary": boundary, "groups": 2}
    assert direct_path(conv_geometry(x.shape, w.shape, **kw)) == "stack"
    xp = np.pad(x, ((0, 0), (0, 0), (7, 5)), mode="wrap" if boundary == "circular" else "constant")
    ref = sum(w[:, 0, t, None] * xp[:, :, 3 * t:3 * t + n] for t in range(5))  # n + 7 + 5 - 12 outputs
    assert np.array_equal(correlate(x, w, **kw), ref)
