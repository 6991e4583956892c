"""Up-front work and memory estimates: their values on small cases, and refusal exactly above the limit.

Multiply-adds are counted independently: the correlation engine's own counter
(``WORK_DONE``, incremented by each path as it runs) and, for the plain model,
outputs times products per output counted by a loop over output positions.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from kronconv.checks import check_equivalence
from kronconv.checks.equivalence import estimate_equivalence
from kronconv.checks.equivariance import check_equivariance
from kronconv.errors import TooLarge
from kronconv.numeric import pool
from kronconv.numeric.correlation import WORK_DONE, correlate, correlation_plan
from kronconv.numeric.geometry import check_limits, conv_geometry
from kronconv.numeric.spectral import FFT_WORK_DONE

#: (input shape, weight shape, keywords, the path the NumPy engine takes)
CASES = [
    ((1, 1, 64, 64), (1, 1, 3, 3), {}, "flat"),
    ((1, 1, 40, 40), (1, 1, 17, 17), {}, "einsum"),
    ((1, 1, 512), (1, 1, 3), {}, "stack"),
    ((1, 4, 32, 32), (8, 4, 3, 3), {"stride": 2}, "im2col"),
    ((1, 1, 64, 64), (1, 1, 3, 3), {"stride": 2}, "taps"),
    ((2, 4, 20, 20), (6, 2, 3, 3), {"groups": 2, "padding": "same"}, "flat"),
    ((1, 3, 40), (2, 3, 5), {"dilation": 2, "padding": "full"}, "flat"),
]


def _loop_count(x_shape, w_shape, kw) -> int:
    """Multiply-adds of a naive correlation: every output sums C_in/groups * taps products."""
    geo = conv_geometry(x_shape, w_shape, **kw)
    per_output = (x_shape[1] // kw.get("groups", 1)) * math.prod(w_shape[2:])
    outputs = sum(1 for _ in itertools.product(range(x_shape[0]), range(w_shape[0]),
                                               *(range(m) for m in geo.out_size)))
    return outputs * per_output


@pytest.mark.parametrize("x_shape, w_shape, kw, path", CASES)
def test_geometry_work_is_outputs_times_products_per_output(x_shape, w_shape, kw, path) -> None:
    assert conv_geometry(x_shape, w_shape, **kw).work == _loop_count(x_shape, w_shape, kw)


@pytest.mark.parametrize("x_shape, w_shape, kw, path", CASES)
def test_planned_work_equals_the_work_each_path_does(x_shape, w_shape, kw, path) -> None:
    geo = conv_geometry(x_shape, w_shape, **kw)
    plan = correlation_plan(geo, np.float64, "direct")
    assert plan.path == path
    before = WORK_DONE[0]
    correlate(np.ones(x_shape), np.ones(w_shape), **kw)
    assert WORK_DONE[0] - before == plan.work
    if path != "flat":  # the flat path also computes the tails of padded rows
        assert plan.work == geo.work


@pytest.mark.parametrize("x_shape, w_shape, kw, path", CASES)
def test_correlation_is_refused_exactly_above_its_estimates(x_shape, w_shape, kw, path) -> None:
    plan = correlation_plan(conv_geometry(x_shape, w_shape, **kw), np.float64, "direct")
    x, w = np.ones(x_shape), np.ones(w_shape)
    correlate(x, w, max_work=plan.work, max_bytes=plan.nbytes, **kw)  # at the limit: runs
    with pytest.raises(TooLarge, match="multiply-adds"):
        correlate(x, w, max_work=plan.work - 1, **kw)
    with pytest.raises(TooLarge, match="GiB"):
        correlate(x, w, max_bytes=plan.nbytes - 1, **kw)


def test_geometry_bytes_count_padded_input_tap_slice_and_three_output_arrays() -> None:
    geo = conv_geometry((2, 3, 10, 12), (4, 3, 3, 3), padding=[(1, 2), (0, 3)])
    assert geo.out_size == (11, 13)
    padded = 2 * 3 * (10 + 3) * (12 + 3)
    outs = 11 * 13
    assert geo.nbytes(8) == 8 * (padded + 2 * 3 * outs + 3 * 2 * 4 * outs)
    assert geo.nbytes(4) * 2 == geo.nbytes(8)


def test_check_limits_boundary_is_inclusive() -> None:
    check_limits(100, 7, max_bytes=100, max_work=7)
    with pytest.raises(TooLarge, match="max_bytes"):
        check_limits(101, 7, max_bytes=100, max_work=7)
    with pytest.raises(TooLarge, match="max_work"):
        check_limits(100, 8, max_bytes=100, max_work=7)
    check_limits(10**30, 10**30, max_bytes=None, max_work=None)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pooling_is_refused_exactly_above_its_byte_estimate(dtype) -> None:
    x = np.ones((1, 2, 9, 9), dtype=dtype)
    # padded input 2*11*11, one tap slice 2*5*5 and three output arrays 3*2*5*5, at 8 bytes an
    # element even for float32 (the int64 argmax indices)
    need = 8 * (2 * 11 * 11 + 2 * 25 + 3 * 2 * 25)
    pool(x, 3, 2, [(1, 1), (1, 1)], max_bytes=need)
    with pytest.raises(TooLarge, match="pooling"):
        pool(x, 3, 2, [(1, 1), (1, 1)], max_bytes=need - 1)


@pytest.mark.parametrize("kw", [
    {"layers": 2, "kernel": 3, "dims": 1, "size": 40, "channels": 2, "batch": 1, "padding": "valid",
     "dtype": "float64"},
    {"layers": 3, "kernel": 2, "dims": 2, "size": 20, "channels": 1, "batch": 2, "padding": "same",
     "dtype": "float32"},
])
def test_equivalence_estimate_is_the_correlations_run_plus_the_kronecker_products(kw) -> None:
    L, a, D, C = kw["layers"], kw["kernel"], kw["dims"], kw["channels"]
    work, nbytes = estimate_equivalence(L, a, D, kw["size"], C, kw["batch"], tuple(a**l for l in range(L)),
                                        kw["padding"], kw["dtype"])
    before = WORK_DONE[0] + FFT_WORK_DONE[0]
    assert check_equivalence(backend="numpy", **kw).holds
    done = WORK_DONE[0] + FFT_WORK_DONE[0] - before
    # building the C x C channel Kronecker kernel: L - 1 products, each 2 C multiply-adds per entry
    assert work == done + 2 * (C * C * (a**L) ** D) * C * (L - 1)
    check_equivalence(backend="numpy", max_work=work, max_bytes=nbytes, **kw)
    with pytest.raises(TooLarge, match="multiply-adds"):
        check_equivalence(backend="numpy", max_work=work - 1, **kw)
    with pytest.raises(TooLarge, match="GiB"):
        check_equivalence(backend="numpy", max_bytes=nbytes - 1, **kw)


def test_equivariance_check_is_refused_exactly_above_its_estimate() -> None:
    L, k, C, n, B, shifts = 2, 3, 2, 12, 1, [1, 2]
    runs = 1 + len(shifts)
    # per layer: B * C outputs per position, n positions, C * k products each; three passes per run
    # (value, magnitude, propagated bound)
    work = 3 * runs * L * B * C * n * C * k
    nbytes = 8 * 12 * (B * C * n * k)  # twelve float64 arrays of the largest (outputs x taps) block
    kw = {"dims": 1, "layers": L, "kernel": k, "channels": C, "size": n, "batch": B, "shifts": shifts,
          "backend": "numpy"}
    assert check_equivariance("dilated", max_work=work, max_bytes=nbytes, **kw).holds
    with pytest.raises(TooLarge, match="multiply-adds"):
        check_equivariance("dilated", max_work=work - 1, **kw)
    with pytest.raises(TooLarge, match="GiB"):
        check_equivariance("dilated", max_bytes=nbytes - 1, **kw)


@pytest.mark.parametrize("kernels, dilations, strides", [([3, 3, 3], [1, 3, 9], [1, 1, 1]),
                                                          ([3, 2, 3], [1, 2, 1], [2, 1, 1]),
                                                          ([5, 3], [2, 1], [1, 3])])
def test_cone_estimate_counts_the_cells_it_builds_and_their_taps(kernels, dilations, strides) -> None:
    from kronconv.graph import unit_graph
    from kronconv.graph.lattice import estimate
    from kronconv.spec import chain

    for dims in (1, 2):
        net = chain(kernels=kernels, dilations=dilations, strides=strides, dims=dims)
        e = estimate(net)
        ug = unit_graph(net)
        assert e.cells == tuple(lev.counts.size for lev in ug.levels)
        # every cell of layer l's level sends one path count per tap of that layer; the input level's
        # cells are visited once each
        assert e.work == e.cells[0] + sum(c * k**dims for c, k in zip(e.cells[1:], kernels))
        assert e.path_bound == math.prod(kernels) ** dims == ug.summary().total_paths


def test_cone_is_refused_exactly_above_its_work_limit(monkeypatch) -> None:
    from kronconv.graph import cone, unit_graph
    from kronconv.graph.lattice import estimate
    from kronconv.spec import chain

    net = chain(kernel=3, dilations=[1, 2, 4], dims=2)
    work = estimate(net).work
    monkeypatch.setattr(cone, "MAX_WORK", work)
    assert unit_graph(net).summary().receptive_field == (15, 15)
    monkeypatch.setattr(cone, "MAX_WORK", work - 1)
    with pytest.raises(TooLarge, match=f"needs {work} cell-taps"):
        unit_graph(net)
