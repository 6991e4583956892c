"""The memory estimates of the correlation plan against tracemalloc's peak, and the default limits.

The plan mirrors the blocking of the path that runs (``correlation_plan``):
on the FFT path the largest of the sets of arrays alive together (an input and its spectrum,
the kernel and its spectrum beside the input spectra, the three spectra of the channel product),
on the ``einsum`` path the output plus one contraction block.  Where those terms
dominate, the estimate must be close to the measured peak, tighter than the 2x
that ``test_spectral`` allows on random requests.
"""

from __future__ import annotations

import math
import tracemalloc
from unittest import mock

import numpy as np
import pytest

from kronconv.errors import TooLarge
from kronconv.numeric import MAX_WORK, channelgemm, check_limits, conv_geometry, correlate
from kronconv.numeric.correlation import correlation_plan, direct_path


def _peak(x: np.ndarray, w: np.ndarray, kw: dict) -> int:
    correlate(x, w, **kw)  # warm up: imports, FFT plans
    tracemalloc.start()
    try:
        correlate(x, w, **kw)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _direct_estimate_to_peak(x: np.ndarray, w: np.ndarray, kw: dict, path: str) -> float:
    """The direct plan's memory estimate over the traced peak, after checking the plan takes ``path``."""
    geo = conv_geometry(x.shape, w.shape, **kw)
    plan = correlation_plan(geo, x.dtype, "direct")
    assert direct_path(geo) == path
    return plan.nbytes / _peak(x, w, kw)


@pytest.mark.parametrize("shape_x, shape_w, dtype, padding", [
    ((1, 1, 5000), (1, 1, 7), "float64", "valid"),
    ((1, 1, 3000), (1, 1, 100), "float32", "same"),
    ((1, 2, 4000), (4, 2, 9), "float64", "valid"),
    ((3, 1, 100, 100), (1, 1, 3, 3), "float32", "circular"),
    # long kernels: the dilated kernel and its spectrum are made while the input's spectrum lives
    ((1, 3, 4096), (2, 3, 1500), "float64", "valid"),
    ((1, 4, 2048), (4, 4, 1000), "float32", "valid"),
    # many input transforms, shorter than their power-of-two length: each input and its spectrum together
    ((8, 4, 600), (1, 4, 3), "float32", "valid"),
    ((8, 4, 1500), (1, 4, 5), "float64", "valid"),
])
def test_fft_memory_estimate_is_close_to_the_traced_peak(shape_x, shape_w, dtype, padding) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape_x).astype(dtype)
    w = rng.standard_normal(shape_w).astype(dtype)
    kw = {"padding": padding, "method": "fft"}
    plan = correlation_plan(conv_geometry(x.shape, w.shape, padding=padding), x.dtype, "fft")
    assert plan.method == "fft"
    ratio = plan.nbytes / _peak(x, w, kw)
    assert 0.95 <= ratio <= 1.3, ratio


@pytest.mark.parametrize("shape_x, shape_w, groups", [
    ((8, 8, 6000), (8, 1, 60), 8),  # one axis: an output row is batch * channels values
    ((2, 4, 200, 200), (8, 1, 9, 9), 4),  # two axes: a row is batch * channels * width values
])
def test_einsum_memory_estimate_is_the_output_and_one_block(shape_x, shape_w, groups) -> None:
    x, w = np.ones(shape_x), np.ones(shape_w)
    ratio = _direct_estimate_to_peak(x, w, {"stride": 2, "groups": groups}, "einsum")
    assert 0.95 <= ratio <= 1.05, ratio


def test_taps_memory_estimate_counts_the_block_of_a_large_batch() -> None:
    # 8 batch items * 8 channels per output row: a block of 2**15 values is 512 rows
    x, w = np.ones((8, 8, 6000)), np.ones((8, 1, 5))
    ratio = _direct_estimate_to_peak(x, w, {"stride": 2, "groups": 8}, "taps")
    assert 0.8 <= ratio <= 1.25, ratio


def test_default_work_limit_is_two_to_the_32() -> None:
    # documented in geometry: "2**32, about 4.3e9" multiply-adds per operation
    assert MAX_WORK == 2**32
    check_limits(0, 2**32)
    with pytest.raises(TooLarge, match=r"4\.29e\+09 multiply-adds, above the limit 4\.29e\+09"):
        check_limits(0, 2**32 + 1)


def test_correlation_just_over_the_default_work_limit_is_refused_before_running() -> None:
    # (2**16 + 1) outputs of 2**16 taps each: 2**32 + 2**16 multiply-adds
    x, w = np.zeros((1, 1, 2**17)), np.zeros((1, 1, 2**16))
    assert conv_geometry(x.shape, w.shape).work == 2**32 + 2**16
    with pytest.raises(TooLarge, match=r"above the limit 4\.29e\+09 \(max_work\)"):
        correlate(x, w)


@pytest.mark.parametrize("shape_x, shape_w, padding, dtype", [
    ((1, 16, 128, 128), (16, 16, 3, 3), "same", np.float32),
    ((1, 8, 64, 200), (8, 8, 5, 5), "valid", np.float64),
    ((1, 1, 200, 200), (4, 1, 5, 5), "valid", np.float32),
    ((1, 4, 100, 100), (4, 4, 3, 3), "same", np.float64),
])
@pytest.mark.parametrize("budget", [1 << 18, None])  # None: the default, documented as 1 MiB
def test_flat_path_block_buffers_take_about_the_block_budget(shape_x, shape_w, padding, dtype, budget) -> None:
    # flat_layout: "rows per block so that one block's buffers take about 1 MiB" (_BLOCK_BYTES);
    # beyond the output array, the peak is the column block, the products and their margins:
    # at most the budget, and at least half of it unless one output row alone takes more
    x, w = np.ones(shape_x, dtype), np.ones(shape_w, dtype)
    geo = conv_geometry(x.shape, w.shape, padding=padding)
    assert direct_path(geo) == "flat"
    out_bytes = x.dtype.itemsize * shape_w[0] * math.prod(geo.out_size)
    if budget is None:
        budget = 1 << 20
        buffers = _peak(x, w, {"padding": padding}) - out_bytes
    else:
        with mock.patch.object(channelgemm, "_BLOCK_BYTES", budget):
            buffers = _peak(x, w, {"padding": padding}) - out_bytes
    row_bytes = x.dtype.itemsize * (shape_x[1] + shape_w[0]) * math.prod(w.shape[2:]) * shape_x[-1]
    assert min(0.5 * budget, row_bytes) <= buffers <= 1.05 * budget, buffers / budget


@pytest.mark.parametrize("shape_x, shape_w, kw, path", [
    ((8, 8, 194), (8, 1, 60), {"stride": 2, "groups": 8}, "einsum"),  # one block: the contraction's result
    ((4, 1, 3000), (16, 1, 20), {"padding": "same"}, "stack"),  # the (taps, span) block and its products
    ((1, 32, 128), (32, 32, 5), {"stride": 2}, "im2col"),  # the column block of all rows and the GEMM result
    ((1, 4, 8000), (8, 4, 3), {"padding": "same"}, "flat"),  # one axis: the padded input, accumulator and product
])
def test_direct_memory_estimate_counts_the_working_block(shape_x, shape_w, kw, path) -> None:
    x, w = np.ones(shape_x), np.ones(shape_w)
    geo = conv_geometry(x.shape, w.shape, **kw)
    assert direct_path(geo) == path
    ratio = correlation_plan(geo, x.dtype, "direct").nbytes / _peak(x, w, kw)
    assert 0.9 <= ratio <= 1.1, ratio
