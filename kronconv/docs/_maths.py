r"""Small exact helpers for the docs pages: integer convolutions, exact and modular ranks.

Everything here works on integer NumPy arrays (``int64`` or Python-int
``object`` arrays) so that the identities the pages state are checked exactly,
not up to a floating tolerance.

Examples
--------
>>> import numpy as np
>>> conv_full(np.array([1, 2]), np.array([1, 1])).tolist()
[1, 3, 2]
>>> cascade_kernel([np.array([1, 1]), np.array([1, 2])], [1, 2]).tolist()
[1, 1, 2, 2]
>>> exact_rank([[1, 2], [2, 4]]), exact_rank([[1, 2], [3, 4]])
(1, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..exact_rank import exact_rank, rank_mod_p
from ..kron import dilate

__all__ = [
    "PRIME",
    "cascade_kernel",
    "conv_full",
    "conv_same",
    "exact_rank",
    "rank_mod_p",
]

#: Prime for modular ranks (the default of :func:`kronconv.exact_rank.rank_mod_p`).
PRIME = 2_147_483_647


def conv_full(x: Any, k: Any) -> Any:
    """Full N-D convolution (``numpy.convolve(..., "full")`` on every axis), exact on integers.

    Output shape ``x.shape + k.shape - 1``; computed as a sum of shifted copies of
    ``x`` (one per nonzero tap), so it is exact for integer input.

    Examples
    --------
    >>> import numpy as np
    >>> conv_full(np.eye(2, dtype=int), np.ones((1, 2), dtype=int)).tolist()
    [[1, 1, 0], [0, 1, 1]]
    """
    x, k = np.asarray(x), np.asarray(k)
    out = np.zeros(tuple(a + b - 1 for a, b in zip(x.shape, k.shape)),
                   dtype=np.result_type(x.dtype, k.dtype))
    for idx in zip(*np.nonzero(k)):
        sl = tuple(slice(i, i + n) for i, n in zip(idx, x.shape))
        out[sl] += k[idx] * x
    return out


def conv_same(x: Any, k: Any) -> Any:
    """'Same' convolution with zero padding, kernel centred (odd extents only).

    ``conv_same(x, k)[p] = sum_t x[p + c - t] k[t]`` with ``c = (extent - 1) / 2``:
    the full convolution cropped to the input's shape.

    Examples
    --------
    >>> import numpy as np
    >>> conv_same(np.array([1, 2, 3]), np.array([0, 0, 1])).tolist()
    [0, 1, 2]
    """
    k = np.asarray(k)
    if any(n % 2 == 0 for n in k.shape):
        raise ValueError(f"conv_same needs odd kernel extents, got {k.shape}")
    full = conv_full(x, k)
    sl = tuple(slice((n - 1) // 2, (n - 1) // 2 + m) for n, m in zip(k.shape, np.shape(x)))
    return full[sl]


def cascade_kernel(kernels: Sequence[Any], dilations: Sequence[int]) -> Any:
    """The single kernel of a linear cascade: ``dilate(K_0, d_0) * dilate(K_1, d_1) * ...`` (full)."""
    out = dilate(np.asarray(kernels[0]), int(dilations[0]))
    for k, d in zip(kernels[1:], dilations[1:]):
        out = conv_full(out, dilate(np.asarray(k), int(d)))
    return out
