r"""Kronecker kernels: build, dilate-as-Kronecker, nearest Kronecker product, Kronecker rank.

Conventions follow ``numpy.kron`` on arrays of equal rank: for kernels
:math:`K_0, \dots, K_{L-1}` (layer 0 first) the cascade kernel is
:math:`K_{L-1} \otimes \cdots \otimes K_1 \otimes K_0`, the last layer's kernel
being the outer (slowest-varying) factor.  Dilation by :math:`d` is the
Kronecker product with the selector :math:`E_d` (a single 1 at the origin
corner, shape :math:`d` per axis), with the :math:`d - 1` trailing zeros of each
axis trimmed.

The Van Loan–Pitsianis rearrangement (Van Loan & Pitsianis 1993) maps
:math:`A = B \otimes C` to the rank-1 matrix :math:`\mathrm{vec}(B)\,\mathrm{vec}(C)^T`;
the best Kronecker approximation comes from the top singular pair and the
*Kronecker rank* of :math:`A` is the matrix rank of the rearrangement (not the
matrix rank of :math:`A`).

All functions are array-generic: pass CuPy arrays and CuPy is used (``xp`` is
taken from the input).

Examples
--------
>>> import numpy as np
>>> dilate(np.array([1, 2, 3]), 2)
array([1, 0, 2, 0, 3])
>>> kron_kernel([np.array([1, 1]), np.array([1, 10])]).tolist()
[1, 1, 10, 10]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import InvalidArgument, InvalidType, TooLarge, short_repr

__all__ = [
    "MAX_ENTRIES",
    "array_module",
    "dilate",
    "kron",
    "kron_channels",
    "kron_kernel",
    "kronecker_rank",
    "nearest_kronecker",
    "numeric_kronecker_rank",
    "rearrange",
    "selector",
    "unrearrange",
]


#: Most entries of an array built by this module (``dilate``, ``kron``, ``kron_kernel``, ``selector``): 2**26.
MAX_ENTRIES = 1 << 26


def _int(value: Any, name: str, lo: int = 1) -> int:
    """A Python or NumPy integer ``>= lo`` (floats and bools refused), as ``int``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise InvalidType(f"{name} must be an integer, got {type(value).__name__} {short_repr(value)}")
    if int(value) < lo:
        raise InvalidArgument(f"{name} must be an integer >= {lo}, got {int(value)}")
    return int(value)


def _shape(value: Any, name: str) -> tuple[int, ...]:
    """A shape: a sequence of positive integers, one per axis."""
    if isinstance(value, (int, np.integer, str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise InvalidType(f"{name} must be a shape (a tuple of positive integers, one per axis), "
                          f"got {short_repr(value)}")
    return tuple(_int(v, f"{name}[{i}]") for i, v in enumerate(value))


def _array(a: Any, name: str) -> Any:
    """``a`` as a NumPy or CuPy array of numbers (lists are converted; other objects refused)."""
    if type(a).__module__.startswith("cupy"):
        return a
    if a is None or isinstance(a, (str, bytes, dict)):
        raise InvalidType(f"{name} must be an array, got {type(a).__name__} {short_repr(a)}")
    arr = np.asarray(a)
    if arr.dtype.kind not in "biufc":
        raise InvalidType(f"{name} must be an array of numbers, got dtype {arr.dtype}")
    return arr


def _finite(r: Any, xp: Any) -> None:
    """Refuse a NaN or infinite entry (an SVD of it fails or means nothing), naming the first one."""
    bad = ~xp.isfinite(r)
    if bool(bad.any()):
        v = float(r[bad][0])
        raise InvalidArgument(f"a must have finite entries, got {v} ({int(bad.sum())} entries are not finite)")


def _check_entries(shape: Sequence[int], what: str) -> None:
    n = 1
    for s in shape:
        n *= int(s)
    if n > MAX_ENTRIES:
        raise TooLarge(f"{what} would have shape {tuple(int(s) for s in shape)} ({n} entries), above the limit "
                       f"MAX_ENTRIES = {MAX_ENTRIES}")


def array_module(a: Any) -> Any:
    """``cupy`` for CuPy arrays, else ``numpy`` (without importing CuPy needlessly)."""
    mod = type(a).__module__
    if mod.startswith("cupy"):
        import cupy

        return cupy
    return np


def selector(d: int, dims: int, dtype: Any = np.int64, xp: Any = np) -> Any:
    """The selector :math:`E_d`: shape ``(d,) * dims``, a single 1 at the origin corner.

    Examples
    --------
    >>> selector(2, 2).tolist()
    [[1, 0], [0, 0]]
    """
    d, dims = _int(d, "d"), _int(dims, "dims")
    _check_entries((d,) * dims, "the selector")
    e = xp.zeros((d,) * dims, dtype=dtype)
    e[(0,) * dims] = 1
    return e


def dilate(kernel: Any, d: int | Sequence[int]) -> Any:
    """Insert ``d - 1`` zeros between neighbouring taps on every axis.

    Equals ``np.kron(kernel, selector(d))`` with the trailing zeros trimmed, so the
    extent is ``d (k - 1) + 1`` per axis.

    Examples
    --------
    >>> import numpy as np
    >>> k = np.arange(1, 5).reshape(2, 2)
    >>> dilate(k, 2).tolist()
    [[1, 0, 2], [0, 0, 0], [3, 0, 4]]
    >>> bool((dilate(k, 3) == np.kron(k, selector(3, 2))[:4, :4]).all())
    True
    """
    kernel = _array(kernel, "kernel")
    xp = array_module(kernel)
    if isinstance(d, (int, np.integer)) and not isinstance(d, (bool, np.bool_)):
        ds = (_int(d, "d"),) * kernel.ndim
    elif isinstance(d, (Sequence, np.ndarray)) and not isinstance(d, (str, bytes)):
        ds = tuple(_int(x, f"d[{i}]") for i, x in enumerate(d))
    else:
        raise InvalidType(f"d (the dilation) must be an integer or one integer per axis, got "
                          f"{type(d).__name__} {short_repr(d)}")
    if len(ds) != kernel.ndim:
        raise InvalidArgument(f"d (the dilation) needs one entry per axis ({kernel.ndim} axes), got {short_repr(d)}")
    shape = tuple(dd * (k - 1) + 1 for k, dd in zip(kernel.shape, ds))
    _check_entries(shape, "the dilated kernel")
    out = xp.zeros(shape, dtype=kernel.dtype)
    out[tuple(slice(None, None, int(dd)) for dd in ds)] = kernel
    return out


def kron_kernel(kernels: Sequence[Any]) -> Any:
    """``K_{L-1} ⊗ ... ⊗ K_0`` for kernels given in layer order ``[K_0, ..., K_{L-1}]``.

    Examples
    --------
    >>> import numpy as np
    >>> kron_kernel([np.eye(2, dtype=int), np.ones((1, 1), dtype=int)]).shape
    (2, 2)
    """
    if isinstance(kernels, (str, bytes)) or not isinstance(kernels, (Sequence, np.ndarray)):
        raise InvalidType(f"kernels must be a list of arrays, got {type(kernels).__name__} {short_repr(kernels)}")
    if len(kernels) == 0:
        raise InvalidArgument("kron_kernel needs at least 1 kernel, got 0")
    ks = [_array(k, f"kernels[{i}]") for i, k in enumerate(kernels)]
    if any(k.ndim != ks[0].ndim for k in ks):
        raise InvalidArgument(f"kernels must have equal rank, got ranks {[k.ndim for k in ks]}")
    _check_entries([int(np.prod([k.shape[ax] for k in ks], dtype=object)) for ax in range(ks[0].ndim)],
                   "the Kronecker kernel")
    xp = array_module(ks[0])
    out = ks[0]
    for k in ks[1:]:
        out = xp.kron(k, out)
    return out


def kron(*factors: Any) -> Any:
    r"""Kronecker product :math:`A \otimes B \otimes \cdots` of kernels of equal rank, first factor outermost.

    ``kron(a, b)`` equals ``numpy.kron(a, b)`` (validated, size-guarded); the cascade kernel of
    layers ``K_0, ..., K_{L-1}`` is ``kron(K_{L-1}, ..., K_0)`` = :func:`kron_kernel` ``([K_0, ..., K_{L-1}])``.

    Examples
    --------
    >>> import numpy as np
    >>> kron(np.array([1, 10]), np.array([1, 2])).tolist()
    [1, 2, 10, 20]
    """
    if not factors:
        raise InvalidArgument("kron needs at least 1 factor, got 0")
    return kron_kernel(list(reversed(factors)))


def rearrange(a: Any, outer: Sequence[int], inner: Sequence[int]) -> Any:
    r"""Van Loan–Pitsianis rearrangement :math:`R(A)` for factors of shapes ``outer``, ``inner``.

    Row :math:`i` is the flattened inner-shaped block :math:`A_i` (blocks taken in
    C order over the outer index), so that
    ``rearrange(np.kron(B, C)) == outer(B.ravel(), C.ravel())``.

    Examples
    --------
    >>> import numpy as np
    >>> B, C = np.array([[1, 2], [3, 4]]), np.array([[0, 1, 2]])
    >>> bool((rearrange(np.kron(B, C), B.shape, C.shape) == np.outer(B, C)).all())
    True
    """
    a = _array(a, "a")
    outer, inner = _shape(outer, "outer"), _shape(inner, "inner")
    if len(outer) != a.ndim or len(inner) != a.ndim:
        raise InvalidArgument(f"outer {outer} and inner {inner} need {a.ndim} axes each")
    if tuple(o * i for o, i in zip(outer, inner)) != tuple(a.shape):
        raise InvalidArgument(f"shape {tuple(a.shape)} is not outer {outer} times inner {inner} per axis")
    n = a.ndim
    split = a.reshape(sum(((o, i) for o, i in zip(outer, inner)), ()))
    perm = tuple(range(0, 2 * n, 2)) + tuple(range(1, 2 * n, 2))
    p = 1
    for o in outer:
        p *= o
    return split.transpose(perm).reshape(p, -1)


def unrearrange(r: Any, outer: Sequence[int], inner: Sequence[int]) -> Any:
    """Inverse of :func:`rearrange`."""
    outer, inner = tuple(int(x) for x in outer), tuple(int(x) for x in inner)
    n = len(outer)
    t = r.reshape(outer + inner)
    perm = sum(((k, n + k) for k in range(n)), ())
    return t.transpose(perm).reshape(tuple(o * i for o, i in zip(outer, inner)))


def nearest_kronecker(a: Any, outer: Sequence[int], inner: Sequence[int]) -> tuple[Any, Any, float]:
    r"""Best :math:`B \otimes C` in Frobenius norm, and the relative error :math:`\|A - B\otimes C\|_F / \|A\|_F`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> B, C = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    >>> _, _, err = nearest_kronecker(np.kron(B, C), (3, 3), (3, 3))
    >>> err < 1e-12
    True
    """
    a = _array(a, "a")
    xp = array_module(a)
    r = rearrange(a.astype(xp.float64), outer, inner)
    _finite(r, xp)
    u, s, vt = xp.linalg.svd(r, full_matrices=False)
    b = (u[:, 0] * xp.sqrt(s[0])).reshape(tuple(outer))
    c = (vt[0] * xp.sqrt(s[0])).reshape(tuple(inner))
    norm = float(xp.sqrt((s**2).sum()))
    err = float(xp.sqrt((s[1:] ** 2).sum())) / norm if norm > 0 else 0.0
    return b, c, err


def numeric_kronecker_rank(a: Any, outer: Sequence[int], inner: Sequence[int], rtol: float | None = None) -> int:
    r"""Numeric Kronecker rank: the SVD rank of the rearrangement :math:`R(A)` (also ``kronecker_rank``).

    Singular values below ``rtol * s_max`` count as zero; the default
    ``rtol = max(R.shape) * eps(float64)`` is NumPy's ``matrix_rank`` rule.  The exact
    rank of an integer kernel is :func:`kronconv.exact_rank.exact_rank` of the rearrangement.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.kron(np.eye(2), np.ones((2, 2))) + np.kron(np.ones((2, 2)), np.diag([1.0, 2.0]))
    >>> numeric_kronecker_rank(A, (2, 2), (2, 2))
    2
    """
    a = _array(a, "a")
    if rtol is not None and (isinstance(rtol, bool) or not isinstance(rtol, (int, float, np.number))
                             or not 0 <= float(rtol) < 1):
        raise InvalidArgument(f"rtol must be a number in [0, 1), got {short_repr(rtol)}")
    xp = array_module(a)
    r = rearrange(a.astype(xp.float64), outer, inner)
    _finite(r, xp)
    s = xp.linalg.svd(r, compute_uv=False)
    if s.size == 0 or float(s[0]) == 0.0:
        return 0
    tol = (max(r.shape) * np.finfo(np.float64).eps if rtol is None else rtol) * float(s[0])
    return int((s > tol).sum())


#: The numeric Kronecker rank under its earlier name.
kronecker_rank = numeric_kronecker_rank


def kron_channels(weights: Sequence[Any]) -> Any:
    r"""Multi-channel cascade kernel: a sum of Kronecker products over channel paths.

    For weights ``W_l`` of shape ``(C_{l+1}, C_l, *k_l)`` given in layer order,
    returns ``W`` of shape ``(C_L, C_0, *(prod of k_l per axis))`` with

    .. math::

        W[o, i] = \sum_{c_1, \dots, c_{L-1}} W_{L-1}[o, c_{L-1}] \otimes \cdots \otimes W_0[c_1, i],

    the kernel of the single convolution equal to the cascade with dilations
    :math:`\prod_{j<l} k_j` (for one channel it is :func:`kron_kernel`).
    Computed by ``L - 1`` contractions, each summing ``C_l`` products per entry.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> ws = [rng.integers(-3, 4, (1, 1, 2, 2)) for _ in range(3)]
    >>> bool((kron_channels(ws)[0, 0] == kron_kernel([w[0, 0] for w in ws])).all())
    True
    >>> a, b = rng.integers(-3, 4, (2, 3, 2)), rng.integers(-3, 4, (4, 2, 3))
    >>> w = kron_channels([a, b])
    >>> bool((w[1, 2] == np.kron(b[1, 0], a[0, 2]) + np.kron(b[1, 1], a[1, 2])).all())
    True
    """
    if isinstance(weights, (str, bytes)) or not isinstance(weights, (Sequence, np.ndarray)):
        raise InvalidType(f"weights must be a list of arrays, got {type(weights).__name__} {short_repr(weights)}")
    if len(weights) == 0:
        raise InvalidArgument("kron_channels needs at least 1 weight array, got 0")
    weights = [_array(w, f"weights[{i}]") for i, w in enumerate(weights)]
    xp = array_module(weights[0])
    out = weights[0]
    if out.ndim < 3:
        raise InvalidArgument(f"weights must have shape (C_out, C_in, *k), got {tuple(out.shape)}")
    dims = out.ndim - 2
    for w in weights[1:]:
        if w.ndim != out.ndim:
            raise InvalidArgument(f"weights must have equal rank, got {w.ndim} and {out.ndim}")
        if w.shape[1] != out.shape[0]:
            raise InvalidArgument(f"channel mismatch: a layer gives {out.shape[0]} channels, the next expects {w.shape[1]}")
        t = xp.tensordot(w, out, axes=([1], [0]))  # (O, *kb, I, *ka)
        perm = [0, 1 + dims] + [ax for d in range(dims) for ax in (1 + d, 2 + dims + d)]
        shape = (w.shape[0], out.shape[1]) + tuple(kb * ka for kb, ka in zip(w.shape[2:], out.shape[2:]))
        out = t.transpose(perm).reshape(shape)
    return out
