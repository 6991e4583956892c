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

from ..kron import dilate

__all__ = [
    "PRIME",
    "cascade_kernel",
    "conv_full",
    "conv_same",
    "exact_rank",
    "rank_mod_p",
]

#: Prime for modular ranks: products of two residues fit in int64.
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


def exact_rank(rows: Any) -> int:
    """Rank over the rationals of an integer matrix (fraction-free Bareiss elimination on Python ints).

    Examples
    --------
    >>> exact_rank([[2, 4, 6], [1, 2, 3], [0, 1, 1]])
    2
    """
    m = [[int(v) for v in r] for r in np.asarray(rows, dtype=object).tolist()]
    if not m:
        return 0
    nrows, ncols = len(m), len(m[0])
    rank, prev = 0, 1
    for c in range(ncols):
        piv = next((i for i in range(rank, nrows) if m[i][c] != 0), None)
        if piv is None:
            continue
        m[rank], m[piv] = m[piv], m[rank]
        p = m[rank][c]
        for i in range(rank + 1, nrows):
            f = m[i][c]
            m[i] = [(p * x - f * y) // prev for x, y in zip(m[i], m[rank])]
        prev = p
        rank += 1
        if rank == nrows:
            break
    return rank


def rank_mod_p(a: Any, p: int = PRIME) -> int:
    r"""Rank of an integer matrix over :math:`\mathbb{F}_p` -- a *lower bound* of its rank over :math:`\mathbb{Q}`.

    (A nonzero minor mod p is a nonzero integer minor.)  Vectorised Gaussian
    elimination in ``int64``; entries are reduced mod ``p`` first.

    Examples
    --------
    >>> import numpy as np
    >>> rank_mod_p(np.array([[1, 2], [2, 4], [0, 1]]))
    2
    """
    m = np.mod(np.asarray(a, dtype=object), p).astype(np.int64)
    rows, cols = m.shape
    rank = 0
    for c in range(cols):
        if rank == rows:
            break
        nz = np.nonzero(m[rank:, c])[0]
        if nz.size == 0:
            continue
        piv = rank + int(nz[0])
        if piv != rank:
            m[[rank, piv]] = m[[piv, rank]]
        inv = pow(int(m[rank, c]), p - 2, p)
        m[rank] = (m[rank] * inv) % p
        below = m[rank + 1:, c].copy()
        mask = below != 0
        if mask.any():
            sub = m[rank + 1:][mask]
            sub = (sub - (below[mask, None] * m[rank][None, :]) % p) % p
            view = m[rank + 1:]  # a view: boolean assignment writes through to m
            view[mask] = sub
        rank += 1
    return rank
