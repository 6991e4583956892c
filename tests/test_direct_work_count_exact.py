"""The direct paths' work estimate equals, exactly, the multiply-adds their inner operations do.

``correlation_plan`` mirrors the blocking of the path that runs; the engine
counts the operands of every GEMM, tap update and contraction it performs
(``WORK_DONE``).  The two must agree to the unit on every geometry, block
budget and dtype, not just within the 2x of ``test_spectral``.
"""

from __future__ import annotations

from unittest import mock

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from kronconv.numeric import channelgemm, conv_geometry, correlate
from kronconv.numeric.correlation import WORK_DONE, correlation_plan, direct_path


@given(st.integers(0, 2**32 - 1), st.sampled_from([np.float32, np.float64]),
       st.sampled_from([1, 1 << 10, 1 << 14, 1 << 20]))
def test_direct_work_estimate_equals_the_counted_multiply_adds(seed, dtype, block_bytes) -> None:
    rng = np.random.default_rng(seed)
    dims = int(rng.integers(1, 4))
    g, cg, og = int(rng.integers(1, 3)), int(rng.choice([1, 2, 3])), int(rng.integers(1, 4))
    k = tuple(int(v) for v in rng.integers(1, 5 if dims == 3 else 9, dims))
    d = tuple(int(v) for v in rng.integers(1, 3, dims))
    s = tuple(int(v) for v in rng.integers(1, 3, dims)) if rng.integers(2) else (1,) * dims
    n = tuple(int(dd * (kk - 1) + 1 + rng.integers(0, 30 if dims < 3 else 6)) for kk, dd in zip(k, d))
    padding = str(rng.choice(["valid", "same", "full", "circular"]))
    x = rng.standard_normal((int(rng.integers(1, 3)), g * cg) + n).astype(dtype)
    w = rng.standard_normal((g * og, cg) + k).astype(dtype)
    kw = {"dilation": d, "stride": s, "padding": padding, "groups": g}
    geo = conv_geometry(x.shape, w.shape, **kw)
    with mock.patch.object(channelgemm, "_BLOCK_BYTES", block_bytes):
        plan = correlation_plan(geo, x.dtype, "direct")
        before = WORK_DONE[0]
        y = correlate(x, w, **kw)
        done = WORK_DONE[0] - before
    assert plan.path == direct_path(geo)
    assert plan.terms == geo.terms == cg * int(np.prod(k))
    assert y.shape == (x.shape[0], g * og) + geo.out_size
    assert done == plan.work, (plan, done)
    # every path computes at least the outputs' products, at most twice that (the padded row tails)
    assert geo.work <= plan.work <= 2 * geo.work
