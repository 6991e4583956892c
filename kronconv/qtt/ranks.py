r"""Quantized tensor-train (QTT) unfoldings of a kernel and their exact or numeric ranks.

Digit order
-----------
kronconv composes a linear cascade with dilations :math:`a^l` as
:math:`K_{L-1} \otimes \cdots \otimes K_0` (``numpy.kron`` order, layer 0 the
fastest-varying factor, see :mod:`kronconv.kron`).  Per axis the position
:math:`t \in [0, a^L)` therefore has base-:math:`a` digits
:math:`t = \sum_l q_l a^l` with layer :math:`l` contributing digit :math:`q_l`
(:math:`q_0 = t \bmod a`).  With :math:`C` channels between layers
(weights ``W_l`` of shape ``(C_out, C_in, a, ..., a)``, ``C_in = 1`` for layer 0
and ``C_out = 1`` for layer :math:`L-1`)

.. math::

    K[t] = \sum_{c_1, \dots, c_{L-1}} W_{L-1}[0, c_{L-1}][q_{L-1}] \cdots W_1[c_2, c_1][q_1]\, W_0[c_1, 0][q_0],

a tensor train in the digits, coarse digit first, with bond dimension :math:`C`.
In :math:`D` dimensions the digit of level :math:`l` is the tuple of the
:math:`D` axis digits (one mode of size :math:`a^D`, C order over the axes).
:func:`digit_tensor` reorders a kernel of extent :math:`a^L` per axis into
this ``(a^D,) * L`` tensor (mode ``j`` = level :math:`L-1-j`).

Unfoldings and ranks
--------------------
The unfolding between layer :math:`l` and :math:`l+1` (``l = 0 .. L-2``) has
rows indexed by the coarse digits :math:`(q_{L-1}, \dots, q_{l+1})` and columns
by the fine digits :math:`(q_l, \dots, q_0)`: an
:math:`a^{D(L-1-l)} \times a^{D(l+1)}` matrix.  In the sum above it factors
through the channel index :math:`c_{l+1}`, so its rank is at most the number of
channels between layer :math:`l` and :math:`l + 1`; ``ranks[l]`` is that rank.

* **Exact** (integer-valued kernels): the rank over :math:`\mathbb{Q}` by
  multi-modular elimination (:func:`exact_rank`).  The rank modulo a prime is a
  lower bound (a nonzero minor mod :math:`p` is a nonzero integer minor).  It is
  also an upper bound when it equals ``min(m, n)``; otherwise, if the ranks
  modulo primes :math:`p_1, \dots, p_k` all equal :math:`r` and
  :math:`\prod p_i > H`, the Hadamard bound on every :math:`(r+1)`-minor
  (product of the :math:`r+1` largest row norms), each such minor is divisible
  by :math:`\prod p_i` and at most :math:`H` in size, hence zero: the rank is
  exactly :math:`r`.  Work :math:`O(r\,m\,n)` int64 operations per prime.  (This module keeps its own routine; a shared exact-rank module for the
  library is planned, and this one should then be unified with it.)
* **Numeric** (floats): singular values :math:`\sigma_i > \tau = \max(m, n)\,
  \varepsilon\, \sigma_1` count (``numpy.linalg.matrix_rank``'s rule).  The
  bound: a backward-stable SVD returns the exact singular values of
  :math:`A + E` with :math:`\|E\|_2 \lesssim \max(m,n)\,\varepsilon\,\|A\|_2`
  (Golub & Van Loan, 4th ed., §8.6), and rounding the data to float64 adds
  :math:`\|\Delta A\|_2 \le \tfrac{\varepsilon}{2}\|A\|_F \le \tfrac{\varepsilon}{2}\sqrt{\min(m,n)}\,\sigma_1`;
  by Weyl's inequality a singular value below :math:`\tau` cannot be told from
  zero at float64 precision.

Examples
--------
>>> import numpy as np
>>> k = np.kron(np.array([1, 2]), np.array([3, 5]))      # K_1 ⊗ K_0: one channel
>>> rank_profile(k, 2).ranks
(1,)
>>> exact_rank(np.array([[1, 2], [2, 4], [3, 7]]))
2
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InvalidArgument, TooLarge

__all__ = [
    "EXACT_WORK_LIMIT",
    "MAX_ENTRIES",
    "PRIMES",
    "SVD_WORK_LIMIT",
    "Prepared",
    "RankProfile",
    "digit_tensor",
    "exact_rank",
    "from_digit_tensor",
    "is_integral",
    "levels_for",
    "numeric_tolerance",
    "pad_to_power",
    "rank_mod_p",
    "rank_profile",
    "unfolding",
    "unfolding_shapes",
]

#: Largest (padded) kernel accepted, in entries (2**22 = 4 Mi; 32 MiB as float64).
MAX_ENTRIES = 1 << 22
#: Largest total SVD work sum_k m_k n_k min(m_k, n_k) over the unfoldings (2**34 flops, a few seconds).
SVD_WORK_LIMIT = 1 << 34
#: Largest total modular-elimination work sum_k m_k n_k min(m_k, n_k) for exact ranks (2**31 int64 ops).
EXACT_WORK_LIMIT = 1 << 31
#: Largest prime below 2**31 and its predecessors: products of two residues fit in int64.
PRIMES = (2147483647, 2147483629, 2147483587, 2147483579, 2147483563, 2147483549, 2147483543, 2147483497)
_MAX_INT = 1 << 62


def levels_for(extent: int, a: int) -> int:
    """Smallest ``L >= 1`` with ``a**L >= extent``.

    Examples
    --------
    >>> levels_for(27, 3), levels_for(28, 3), levels_for(1, 2)
    (3, 4, 1)
    """
    if a < 2:
        raise InvalidArgument(f"kernel size a must be >= 2, got {a}")
    L, p = 1, a
    while p < extent:
        L, p = L + 1, p * a
    return L


@dataclass(frozen=True)
class Prepared:
    """A kernel zero-padded (at the end of each axis) to extent ``a**L`` per axis."""

    kernel: Any
    a: int
    levels: int
    original_shape: tuple[int, ...]

    @property
    def dims(self) -> int:
        return int(self.kernel.ndim)

    @property
    def padded(self) -> bool:
        return tuple(self.kernel.shape) != self.original_shape


def pad_to_power(kernel: Any, a: int, levels: int | None = None) -> Prepared:
    """Zero-pad ``kernel`` at the end of each axis to ``a**L`` (``L`` the smallest that fits, or ``levels``).

    The padding sits at the high end of every axis (the corner origin of kronconv's
    composed kernels): the composed kernel of a cascade is corner-indexed, so a
    kernel of extent ``n < a**L`` is the corner block of the padded one.

    Examples
    --------
    >>> import numpy as np
    >>> p = pad_to_power(np.ones((3, 2)), 2)
    >>> p.kernel.shape, p.levels, p.padded
    ((4, 4), 2, True)
    """
    k = np.asarray(kernel)
    if k.ndim not in (1, 2, 3):
        raise InvalidArgument(f"kernel must be 1-, 2- or 3-D, got {k.ndim} axes (shape {k.shape})")
    if a < 2:
        raise InvalidArgument(f"kernel size a must be >= 2, got {a}")
    if any(n < 1 for n in k.shape):
        raise InvalidArgument(f"kernel extents must be >= 1, got shape {k.shape}")
    need = max(levels_for(n, a) for n in k.shape)
    L = need if levels is None else int(levels)
    if L < need:
        raise InvalidArgument(f"kernel extent {max(k.shape)} exceeds a**L = {a}**{L} = {a**L}; "
                              f"need --layers >= {need}")
    entries = (a**L) ** k.ndim
    if entries > MAX_ENTRIES:
        raise TooLarge(f"padded kernel would have ({a}**{L})**{k.ndim} = {entries} entries, above the limit "
                       f"MAX_ENTRIES = {MAX_ENTRIES}")
    if tuple(k.shape) == (a**L,) * k.ndim:
        return Prepared(k, a, L, tuple(k.shape))
    out = np.zeros((a**L,) * k.ndim, dtype=k.dtype)
    out[tuple(slice(0, n) for n in k.shape)] = k
    return Prepared(out, a, L, tuple(k.shape))


def digit_tensor(kernel: Any, a: int, levels: int) -> Any:
    """Reorder a kernel of extent ``a**L`` per axis into ``(a**D,) * L``: mode ``j`` is level ``L-1-j``.

    Examples
    --------
    >>> import numpy as np
    >>> digit_tensor(np.arange(4), 2, 2).tolist()    # t = 2 q_1 + q_0: rows q_1, columns q_0
    [[0, 1], [2, 3]]
    >>> k = np.arange(16).reshape(4, 4)      # 2-D: mode entries are (row digit, column digit) pairs
    >>> int(digit_tensor(k, 2, 2)[0b10, 0b01]) == int(k[2 * 1 + 0, 2 * 0 + 1])
    True
    """
    k = np.asarray(kernel)
    D = k.ndim
    if tuple(k.shape) != (a**levels,) * D:
        raise InvalidArgument(f"digit_tensor needs extent {a}**{levels} per axis, got shape {k.shape}")
    split = k.reshape((a,) * (levels * D))
    perm = [d * levels + j for j in range(levels) for d in range(D)]
    return split.transpose(perm).reshape((a**D,) * levels)


def from_digit_tensor(t: Any, a: int, levels: int, dims: int) -> Any:
    """Inverse of :func:`digit_tensor`.

    Examples
    --------
    >>> import numpy as np
    >>> k = np.arange(64).reshape(8, 8)
    >>> bool((from_digit_tensor(digit_tensor(k, 2, 3), 2, 3, 2) == k).all())
    True
    """
    split = np.asarray(t).reshape((a,) * (levels * dims))
    perm = [d * levels + j for j in range(levels) for d in range(dims)]
    inv = np.argsort(perm)
    return split.transpose(inv).reshape((a**levels,) * dims)


def unfolding_shapes(a: int, levels: int, dims: int) -> list[tuple[int, int]]:
    """``(rows, cols)`` of the unfolding between layer ``l`` and ``l+1``, ``l = 0 .. L-2``.

    Examples
    --------
    >>> unfolding_shapes(3, 3, 2)
    [(81, 9), (9, 81)]
    """
    n = a**dims
    return [(n ** (levels - 1 - l), n ** (l + 1)) for l in range(levels - 1)]


def unfolding(kernel: Any, a: int, levels: int, layer: int) -> Any:
    """The unfolding between layer ``layer`` and ``layer + 1``: coarse digits x fine digits.

    Examples
    --------
    >>> import numpy as np
    >>> unfolding(np.arange(8), 2, 3, 0).shape, unfolding(np.arange(8), 2, 3, 1).shape
    ((4, 2), (2, 4))
    """
    if not 0 <= layer <= levels - 2:
        raise InvalidArgument(f"unfolding index must be in [0, {levels - 2}], got {layer}")
    t = digit_tensor(kernel, a, levels)
    rows, cols = unfolding_shapes(a, levels, np.asarray(kernel).ndim)[layer]
    return t.reshape(rows, cols)


# --------------------------------------------------------------------------- exact ranks


def is_integral(kernel: Any) -> bool:
    """True for integer/bool arrays and finite float arrays whose entries are all integers, below 2**62 in size.

    Examples
    --------
    >>> import numpy as np
    >>> is_integral(np.array([1.0, -2.0])), is_integral(np.array([0.5])), is_integral(np.array([3]))
    (True, False, True)
    """
    k = np.asarray(kernel)
    if k.dtype.kind == "b" or k.size == 0:
        return k.dtype.kind in "biu"
    if k.dtype.kind in "iu":  # entries must stay below 2**62 in size (int64 elimination, no overflow)
        return bool(int(k.max()) < _MAX_INT and int(k.min()) > -_MAX_INT)
    if k.dtype.kind != "f":
        return False
    return bool(np.all(np.isfinite(k)) and np.all(k == np.round(k)) and np.all(np.abs(k) < 2.0**62))


def _as_int_rows(m: Any) -> Any:
    """An integer matrix as int64, or raise: floats must be whole, floats and unsigned below 2**62."""
    m = np.asarray(m)
    if m.dtype.kind == "f":
        if not is_integral(m):
            raise InvalidArgument("exact rank needs integer-valued entries")
        return m.astype(np.int64)
    if m.dtype.kind == "u" and m.size and int(m.max()) >= _MAX_INT:
        raise InvalidArgument("exact rank needs entries below 2**62 in size")
    return m.astype(np.int64)


def rank_mod_p(m: Any, p: int = PRIMES[0]) -> tuple[int, list[int], list[int]]:
    """Rank of an integer matrix over GF(p), with pivot rows and columns (original indices).

    The pivot rows are linearly independent over GF(p), hence over Q; the
    square block ``m[rows][:, cols]`` is invertible mod ``p``.

    Examples
    --------
    >>> import numpy as np
    >>> rank_mod_p(np.array([[0, 0], [1, 2], [2, 4]]))
    (1, [1], [0])
    """
    a = np.mod(_as_int_rows(m), p)
    nrows, ncols = a.shape
    perm = list(range(nrows))
    rank, pcols = 0, []
    for c in range(ncols):
        if rank == nrows:
            break
        nz = np.nonzero(a[rank:, c])[0]
        if nz.size == 0:
            continue
        piv = rank + int(nz[0])
        if piv != rank:
            a[[rank, piv]] = a[[piv, rank]]
            perm[rank], perm[piv] = perm[piv], perm[rank]
        inv = pow(int(a[rank, c]), p - 2, p)
        a[rank] = (a[rank] * inv) % p
        below = a[rank + 1:, c].copy()
        mask = below != 0
        if mask.any():
            view = a[rank + 1:]
            view[mask] = (view[mask] - (below[mask, None] * a[rank][None, :]) % p) % p
        pcols.append(c)
        rank += 1
    return rank, perm[:rank], pcols


def _hadamard_log2(m: Any, r: int) -> float:
    """log2 of the Hadamard bound on every (r+1)-minor: product of the r+1 largest row (or column) norms."""
    m = np.asarray(m, dtype=np.float64)
    out = math.inf
    for axis in (1, 0):
        norms = np.sort(np.sqrt((m * m).sum(axis=axis)))[::-1][: r + 1]
        if norms.size < r + 1 or norms[-1] == 0:
            return -math.inf  # fewer than r + 1 nonzero rows (columns): every (r+1)-minor is 0
        out = min(out, float(np.sum(np.log2(norms))))
    return out + 1e-9 * max(1.0, abs(out))  # float64 rounding of the logs, generously covered


def exact_rank(m: Any) -> int:
    """The rank over Q of an integer matrix, by multi-modular elimination (see the module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> exact_rank(np.array([[2, 4, 6], [1, 2, 3], [0, 1, 1]]))
    2
    >>> exact_rank(np.zeros((3, 2), dtype=int))
    0
    """
    return _exact_rank_detail(m)[0]


def _primes() -> Any:
    yield from PRIMES
    p = PRIMES[-1]
    import sympy

    while True:
        p = int(sympy.prevprime(p))
        yield p


def _exact_rank_detail(m: Any) -> tuple[int, int]:
    """(rank over Q, number of primes used).

    Every prime ``p`` used has rank mod ``p`` at most the returned ``r`` (so every
    (r+1)-minor is divisible by it) and one of them has rank ``r`` (a lower bound);
    primes are added until ``r = min(m, n)`` or their product exceeds the Hadamard
    bound of the (r+1)-minors.
    """
    mi = _as_int_rows(m)
    if mi.size == 0:
        return 0, 0
    r, used, logprod = -1, 0, 0.0
    for p in _primes():
        r = max(r, rank_mod_p(mi, p)[0])
        used, logprod = used + 1, logprod + math.log2(p)
        if r == min(mi.shape) or logprod > _hadamard_log2(mi, r):
            return r, used
    raise AssertionError("unreachable")  # pragma: no cover


# --------------------------------------------------------------------------- numeric ranks


def numeric_tolerance(shape: Sequence[int], s_max: float) -> float:
    """``max(m, n) * eps(float64) * s_max``: singular values at or below it count as zero.

    Examples
    --------
    >>> numeric_tolerance((4, 8), 1.0) == 8 * 2.0**-52
    True
    """
    return float(max(shape) * np.finfo(np.float64).eps * s_max)


# --------------------------------------------------------------------------- the profile


@dataclass(frozen=True)
class RankProfile:
    """QTT rank profile of a kernel (see the module docstring for the conventions).

    ``ranks[l]``: rank of the unfolding between layer ``l`` and ``l + 1`` = the fewest
    channels there; ``min_channels`` = ``max(1, *ranks)``: the fewest
    channels of a uniform-width ``L``-layer cascade with dilations ``a**l`` whose
    composed kernel equals the (padded) kernel exactly (``mode == 'exact'``) or to
    float64 precision (``'numeric'``).
    """

    a: int
    levels: int
    dims: int
    original_shape: tuple[int, ...]
    padded_shape: tuple[int, ...]
    mode: str
    ranks: tuple[int, ...]
    shapes: tuple[tuple[int, int], ...]
    singular_values: tuple[tuple[float, ...], ...]
    tolerances: tuple[float, ...]
    primes: tuple[int, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def padded(self) -> bool:
        return self.original_shape != self.padded_shape

    @property
    def min_channels(self) -> int:
        return max([1, *self.ranks])

    @property
    def frobenius(self) -> float:
        return math.sqrt(sum(s * s for s in self.singular_values[0])) if self.singular_values else 0.0

    def tail(self, channels: int) -> tuple[float, ...]:
        """Per unfolding, ``sqrt(sum_{i > C} sigma_i**2)``: the error of the best rank-``C`` truncation."""
        return tuple(math.sqrt(sum(s * s for s in sv[channels:])) for sv in self.singular_values)

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "layers": self.levels, "dims": self.dims, "shape": list(self.original_shape),
                "padded_shape": list(self.padded_shape), "padded": self.padded, "mode": self.mode,
                "ranks": list(self.ranks), "min_channels": self.min_channels,
                "unfoldings": [{"between_layers": [l, l + 1], "rows": r, "cols": c, "rank": rk,
                                "singular_values": list(sv), "tolerance": tol}
                               for l, ((r, c), rk, sv, tol) in enumerate(zip(self.shapes, self.ranks,
                                                                             self.singular_values,
                                                                             self.tolerances))],
                "primes": list(self.primes), "notes": list(self.notes)}


def _work(shapes: Sequence[tuple[int, int]]) -> int:
    return sum(r * c * min(r, c) for r, c in shapes)


def rank_profile(kernel: Any, a: int, *, levels: int | None = None, mode: str = "auto") -> RankProfile:
    """QTT ranks and unfolding singular values of ``kernel`` (zero-padded to ``a**L`` per axis).

    ``mode``: ``exact`` (integer-valued kernels; multi-modular exact ranks),
    ``numeric`` (SVD with the tolerance of :func:`numeric_tolerance`) or ``auto``
    (exact when integer-valued and within :data:`EXACT_WORK_LIMIT`, else numeric, with a note).
    Singular values are always reported (float64 SVD).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> k = rng.integers(-3, 4, 27)               # a generic 1-D kernel of extent 3**3
    >>> p = rank_profile(k, 3)
    >>> p.mode, p.ranks, p.min_channels
    ('exact', (3, 3), 3)
    """
    if mode not in ("auto", "exact", "numeric"):
        raise InvalidArgument(f"mode must be auto, exact or numeric, got {mode!r}")
    k = np.asarray(kernel)
    if k.dtype.kind not in "biuf":
        raise InvalidArgument(f"kernel must hold real numbers (integer or float), got dtype {k.dtype}")
    if k.dtype.kind == "f" and not np.all(np.isfinite(k)):
        raise InvalidArgument("kernel has NaN or infinite entries")
    prep = pad_to_power(k, a, levels)
    L, D = prep.levels, prep.dims
    shapes = unfolding_shapes(a, L, D)
    if _work(shapes) > SVD_WORK_LIMIT:
        raise TooLarge(f"SVDs of the unfoldings need about {_work(shapes)} flops, above the limit "
                       f"SVD_WORK_LIMIT = {SVD_WORK_LIMIT}")
    notes: list[str] = []
    if prep.padded:
        notes.append(f"zero-padded from {'x'.join(map(str, prep.original_shape))} to "
                     f"{'x'.join(map(str, prep.kernel.shape))} (a**L = {a}**{L} per axis; zeros at the end of each axis)")
    integral = is_integral(k)
    use = mode
    if mode == "auto":
        use = "exact" if integral else "numeric"
        if use == "exact" and _work(shapes) > EXACT_WORK_LIMIT:
            use = "numeric"
            notes.append(f"integer kernel but exact ranks need about {_work(shapes)} operations, above "
                         f"EXACT_WORK_LIMIT = {EXACT_WORK_LIMIT}: numeric ranks instead")
    if use == "exact":
        if not integral:
            raise InvalidArgument("exact ranks need an integer-valued kernel (integer dtype or floats with integer "
                                  "values below 2**62); use mode numeric")
        if _work(shapes) > EXACT_WORK_LIMIT:
            raise TooLarge(f"exact ranks need about {_work(shapes)} operations, above the limit "
                           f"EXACT_WORK_LIMIT = {EXACT_WORK_LIMIT}; use mode numeric")
    t = digit_tensor(prep.kernel, a, L)
    ranks, svs, tols, primes = [], [], [], []
    tf = t.astype(np.float64)
    for (r, c) in shapes:
        m = tf.reshape(r, c)
        s = np.linalg.svd(m, compute_uv=False) if m.size else np.zeros(0)
        tol = numeric_tolerance((r, c), float(s[0]) if s.size else 0.0)
        if use == "exact":
            rk, used = _exact_rank_detail(t.reshape(r, c))
            primes.append(used)
        else:
            rk = int((s > tol).sum()) if s.size and s[0] > 0 else 0
        ranks.append(rk)
        svs.append(tuple(float(x) for x in s))
        tols.append(tol)
    if L == 1:
        notes.append("L = 1: a single layer; no unfolding (any kernel is one a^D layer)")
    return RankProfile(a, L, D, prep.original_shape, tuple(prep.kernel.shape), use, tuple(ranks),
                       tuple(shapes), tuple(svs), tuple(tols), tuple(primes), tuple(notes))
