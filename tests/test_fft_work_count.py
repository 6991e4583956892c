"""The FFT path's transform sizes and multiply-add count, recomputed from their documented definitions.

``F_a = 2^ceil(log2 M_a)`` per axis (``M_a`` the padded input size, ``docs/cpu-engine.md``);
one complex transform of ``F`` points costs ``(5/2) F log2 F`` multiply-adds (the radix-2
count) and each complex product 4.  A correlation runs ``N C`` forward transforms of the
input, ``O C`` of the kernel, ``N O`` inverse ones and ``N O C F`` products.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from kronconv.numeric import conv_geometry
from kronconv.numeric.spectral import FFT_WORK_DONE, correlate_fft, fft_shape, fft_work


def _next_pow2(m: int) -> int:
    f = 1
    while f < m:
        f *= 2
    return f


@given(st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3),
       st.sampled_from(["valid", "same", "full", "widths"]), st.integers(0, 2**32 - 1))
def test_fft_sizes_and_counted_work_follow_the_radix_two_model(dims, nb, cin, cout, padding, seed) -> None:
    rng = np.random.default_rng(seed)
    k = tuple(int(v) for v in rng.integers(1, 6, dims))
    d = tuple(int(v) for v in rng.integers(1, 3, dims))
    ext = [dd * (kk - 1) + 1 for kk, dd in zip(k, d)]
    n = tuple(int(e + rng.integers(0, 40 if dims == 1 else 12)) for e in ext)
    if padding == "valid":
        widths = [(0, 0)] * dims
    elif padding == "full":
        widths = [(e - 1, e - 1) for e in ext]
    elif padding == "same":  # the extra cell of an even extent goes after
        widths = [((e - 1) // 2, e - 1 - (e - 1) // 2) for e in ext]
    else:
        widths = [(int(rng.integers(0, 9)), int(rng.integers(0, 9))) for _ in range(dims)]
    x = rng.standard_normal((nb, cin) + n)
    w = rng.standard_normal((cout, cin) + k)
    geo = conv_geometry(x.shape, w.shape, dilation=d, padding=padding if padding != "widths" else tuple(widths))
    shape = tuple(_next_pow2(nn + lo + hi) for nn, (lo, hi) in zip(n, widths))
    assert fft_shape(geo) == shape
    f = math.prod(shape)
    p = round(math.log2(f))
    transform = 2.5 * f * p
    expected = (nb * cin + cout * cin + nb * cout) * transform + 4 * nb * cout * cin * f
    assert abs(fft_work(geo) - expected) < 1
    before = FFT_WORK_DONE[0]
    correlate_fft(x, w, geo, np.float64)
    assert abs(FFT_WORK_DONE[0] - before - expected) < 3  # three transform batches, each rounded down


def test_fft_size_of_a_power_of_two_is_itself_and_one_more_doubles() -> None:
    for m in (1, 2, 64, 1024):
        assert fft_shape(conv_geometry((1, 1, m), (1, 1, 1))) == (m,)
        assert fft_shape(conv_geometry((1, 1, m + 1), (1, 1, 1))) == (2 * m,)
