r"""Exact polynomial convolution operators as monomial index tuples (the fast core of ``prove``).

Every tap of every layer kernel is its own symbol, so every entry of a composed
kernel is a polynomial with non-negative integer coefficients in which each
monomial takes exactly one symbol from each layer (it is *multilinear by
layer*).  Such a polynomial is stored as a list of terms, one per occurrence of a
monomial, and a monomial is one integer: layer :math:`l` contributes symbol
index :math:`s_l \in [0, S)` as the digit of weight :math:`S^l` (``S`` = symbols
per layer).  Two polynomials are equal iff their multisets of terms are equal,
because all coefficients are positive counts (nothing can cancel); comparing two
operators is therefore a sort and an array comparison — exact integer arithmetic,
no floating point, no SymPy expression trees.

A :class:`PolyOperator` is a linear operator on multi-channel signals:

.. math::

    G[o](t) = \sum_{\text{terms}} \Big(\prod_l k_l[s_l]\Big)\, F[i](t + \delta),

one term per ``(out=o, inp=i, offset=δ, monomial)``.  A true convolution
with kernel tap at index ``p`` reads ``F(t - p)`` (offset ``-p``); a
cross-correlation reads ``F(t + p)`` (offset ``+p``).  Composition adds offsets
and multiplies monomials, chaining channels.  A cascade of ``L`` layers of
``a^D`` taps and ``C`` channels has :math:`C^{L+1} a^{DL}` terms; requests above
:data:`MAX_TERMS` are refused with :class:`~kronconv.errors.TooLarge` before any
work is done.

Examples
--------
>>> lay = Layout(kernel=3, dims=1, channels=1, layers=2)
>>> lhs = cascade_operator(lay, [1, 3])
>>> rhs = kron_operator(lay)
>>> compare(lhs, rhs).equal
True
>>> compare(cascade_operator(lay, [1, 2]), rhs).equal
False
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from .errors import InvalidArgument, TooLarge

__all__ = [
    "MAX_TERMS",
    "Comparison",
    "Layout",
    "PolyOperator",
    "cascade_operator",
    "check_size",
    "compare",
    "compose",
    "estimate_terms",
    "evaluate_kernel",
    "kernel_operator",
    "kron_operator",
    "layer_operator",
    "monomial_expr",
    "symbol",
]

#: Largest number of terms (monomial occurrences) one operator may hold: 2**20.  With
#: 2-D 3x3 single-channel layers that admits L = 6 (3**12 = 531,441 terms); L = 7
#: (4.8 million terms: about 3 s CPU and 887 MiB peak) is refused, so every accepted
#: ``kronconv prove`` (with its related reports) stays well under 1 GiB and 10 s.  Peak memory
#: is about 160-180 bytes per term above the interpreter's own (``benchmarks/prove_memory.py``).
MAX_TERMS = 1 << 20

ORIGINS = ("corner", "centre")


@dataclass(frozen=True)
class Layout:
    """Shape of the symbolic layer kernels: ``layers`` kernels of ``kernel^dims`` taps, ``channels`` in and out.

    Examples
    --------
    >>> Layout(3, 2, 2, 4).symbols_per_layer
    36
    """

    kernel: int
    dims: int
    channels: int
    layers: int
    origin: str = "corner"

    def __post_init__(self) -> None:
        for name, v, lo, hi in (("kernel", self.kernel, 1, 64), ("dims", self.dims, 1, 3),
                                ("channels", self.channels, 1, 64), ("layers", self.layers, 1, 64)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
                raise InvalidArgument(f"{name} must be an integer in [{lo}, {hi}], got {v!r}")
        if self.origin not in ORIGINS:
            raise InvalidArgument(f"origin must be one of {', '.join(ORIGINS)}, got {self.origin!r}")
        if self.origin == "centre" and self.kernel % 2 == 0:
            raise InvalidArgument(
                f"--origin centre needs an odd kernel (taps -r..r), got kernel {self.kernel}; "
                "an even kernel has no centre tap: use --origin corner")
        if self.symbols_per_layer ** self.layers >= 1 << 62:
            raise TooLarge(f"{self.layers} layers of {self.symbols_per_layer} symbols overflow the 62-bit "
                           "monomial encoding: need symbols_per_layer**layers < 2**62")

    @property
    def taps(self) -> int:
        return int(self.kernel) ** int(self.dims)

    @property
    def symbols_per_layer(self) -> int:
        return int(self.channels) ** 2 * self.taps

    @property
    def radius(self) -> int:
        """``r`` with taps ``-r..r`` for ``origin='centre'`` (0 for corner)."""
        return (self.kernel - 1) // 2 if self.origin == "centre" else 0


def estimate_terms(layout: Layout, channel_sum: bool = True) -> int:
    """Terms of the cascade operator (and of the Kronecker operator): ``C**(L+1) * a**(D L)``.

    Examples
    --------
    >>> estimate_terms(Layout(3, 2, 1, 6))
    531441
    """
    paths = layout.channels ** (layout.layers + 1) if channel_sum else layout.channels ** 2
    return paths * layout.taps ** layout.layers


def check_size(layout: Layout, channel_sum: bool = True, limit: int | None = None) -> int:
    """Raise :class:`TooLarge` when the exact check would exceed :data:`MAX_TERMS`; return the estimate.

    Examples
    --------
    >>> check_size(Layout(3, 2, 1, 8))
    Traceback (most recent call last):
    ...
    kronconv.errors.TooLarge: exact check of 8 layers of 3^2 taps, 1 channel(s) needs 43046721 terms, above the limit MAX_TERMS = 1048576 (2-D a=3 allows L <= 6)
    """
    lim = MAX_TERMS if limit is None else limit
    both = max(estimate_terms(layout, True), estimate_terms(layout, channel_sum))
    if both > lim:
        ok = 0
        while estimate_terms(Layout(layout.kernel, layout.dims, layout.channels, ok + 1)) <= lim:
            ok += 1
        raise TooLarge(
            f"exact check of {layout.layers} layers of {layout.kernel}^{layout.dims} taps, "
            f"{layout.channels} channel(s) needs {both} terms, above the limit MAX_TERMS = {lim} "
            f"({layout.dims}-D a={layout.kernel} allows L <= {ok})")
    return both


@dataclass(frozen=True, eq=False)
class PolyOperator:
    """Terms ``(out, inp, offset, monomial)``; see the module docstring for the meaning."""

    layout: Layout
    out: np.ndarray  #: (T,) output channel
    inp: np.ndarray  #: (T,) input channel
    offset: np.ndarray  #: (T, D) input offset read by the term
    mono: np.ndarray  #: (T,) monomial key: sum_l s_l * S**l

    @property
    def size(self) -> int:
        return int(self.out.shape[0])


def _taps(layout: Layout) -> np.ndarray:
    """Tap positions (a^D, D) in C order, shifted by ``-r`` for the centre origin."""
    a, D = layout.kernel, layout.dims
    grid = np.indices((a,) * D).reshape(D, -1).T.astype(np.int64)
    return grid - layout.radius


def layer_operator(layout: Layout, layer: int, dilation: int | Sequence[int], correlation: bool = False) -> PolyOperator:
    """The operator of one layer: ``K_layer *_d F`` (or correlation), taps as symbols.

    Examples
    --------
    >>> op = layer_operator(Layout(3, 1, 1, 1), 0, 2)
    >>> op.offset.ravel().tolist(), op.mono.tolist()
    ([0, -2, -4], [0, 1, 2])
    """
    if not 0 <= layer < layout.layers:
        raise InvalidArgument(f"layer must be in [0, {layout.layers - 1}], got {layer}")
    D, C, A = layout.dims, layout.channels, layout.taps
    d = np.array([dilation] * D if isinstance(dilation, (int, np.integer)) else list(dilation), dtype=np.int64)
    if d.shape != (D,) or (d < 1).any():
        raise InvalidArgument(f"dilation must be >= 1 per axis ({D} axes), got {dilation!r}")
    pos = _taps(layout) * d
    sign = 1 if correlation else -1
    o, i, t = np.meshgrid(np.arange(C), np.arange(C), np.arange(A), indexing="ij")
    o, i, t = o.ravel(), i.ravel(), t.ravel()
    sym = (o * C + i) * A + t
    S = layout.symbols_per_layer
    return PolyOperator(layout, o.astype(np.int32), i.astype(np.int32), sign * pos[t],
                        sym.astype(np.int64) * S**layer)


def compose(first: PolyOperator, second: PolyOperator) -> PolyOperator:
    """``second ∘ first``: apply ``first``, then ``second`` (channels chain, offsets add).

    The two operators must use disjoint layers (their monomial digits add).
    """
    if first.layout != second.layout:
        raise InvalidArgument("operators from different layouts cannot be composed")
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    for c in range(first.layout.channels):
        fi = np.flatnonzero(first.out == c)
        si = np.flatnonzero(second.inp == c)
        if fi.size and si.size:
            parts.append((np.tile(fi, si.size), np.repeat(si, fi.size)))
    if not parts:
        empty = np.zeros(0, np.int64)
        return PolyOperator(first.layout, empty.astype(np.int32), empty.astype(np.int32),
                            np.zeros((0, first.layout.dims), np.int64), empty)
    f = np.concatenate([p[0] for p in parts])
    s = np.concatenate([p[1] for p in parts])
    return PolyOperator(first.layout, second.out[s], first.inp[f], first.offset[f] + second.offset[s],
                        first.mono[f] + second.mono[s])


def cascade_operator(layout: Layout, dilations: Sequence[int], correlation: bool = False) -> PolyOperator:
    """The cascade ``F_{l+1} = K_l *_{d_l} F_l`` (or correlations), composed layer by layer.

    Examples
    --------
    >>> cascade_operator(Layout(2, 1, 1, 2), [1, 2]).offset.ravel().tolist()
    [0, -1, -2, -3]
    """
    if len(dilations) != layout.layers:
        raise InvalidArgument(f"need {layout.layers} dilations, got {len(dilations)}")
    check_size(layout)
    op = layer_operator(layout, 0, dilations[0], correlation)
    for l in range(1, layout.layers):
        op = compose(op, layer_operator(layout, l, dilations[l], correlation))
    return op


def kron_operator(layout: Layout, *, order: str = "last-outer", flip: bool = False, channel_sum: bool = True,
                  correlation: bool = False) -> PolyOperator:
    r"""Convolution (or correlation) with the Kronecker kernel of the layer kernels, by ``numpy.kron``'s index map.

    ``order='last-outer'`` is :math:`K_{L-1} \otimes \cdots \otimes K_0` (layer ``l`` is base-``a``
    digit ``l`` of a position, least significant first); ``'first-outer'`` is the reversed product.
    ``flip`` reverses the kernel on every axis; ``channel_sum=False`` uses one product per channel
    pair, :math:`K_{L-1}[o,i] \otimes \cdots \otimes K_0[o,i]`, instead of the sum over channel paths.

    Examples
    --------
    >>> op = kron_operator(Layout(2, 1, 1, 2))
    >>> op.offset.ravel().tolist(), [(m % 2, m // 2) for m in op.mono.tolist()]
    ([0, -1, -2, -3], [(0, 0), (1, 0), (0, 1), (1, 1)])
    """
    if order not in ("last-outer", "first-outer"):
        raise InvalidArgument(f"order must be 'last-outer' or 'first-outer', got {order!r}")
    check_size(layout, channel_sum)
    a, D, C, L, A, S = layout.kernel, layout.dims, layout.channels, layout.layers, layout.taps, layout.symbols_per_layer
    N = a**L
    pos = np.indices((N,) * D).reshape(D, -1).T.astype(np.int64)  # (N^D, D) corner positions
    taps = []
    for l in range(L):
        e = l if order == "last-outer" else L - 1 - l
        digit = (pos // a**e) % a  # (N^D, D) the tap of layer l on each axis
        taps.append(np.ravel_multi_index(tuple(digit.T), (a,) * D).astype(np.int64))
    if channel_sum:
        idx = np.arange(C ** (L + 1), dtype=np.int64)  # c_0 (input) .. c_L (output), c_0 most significant;
        paths = np.stack([(idx // C ** (L - j)) % C for j in range(L + 1)], axis=1)  # not np.indices: <= 64 axes
    else:
        oi = np.indices((C, C)).reshape(2, -1).T  # (o, i)
        paths = np.concatenate([oi[:, 1:2].repeat(L, axis=1), oi[:, 0:1]], axis=1) if L else oi
    P, M = paths.shape[0], pos.shape[0]
    mono = np.zeros((P, M), np.int64)
    for l in range(L):
        if channel_sum:
            o_l, i_l = paths[:, l + 1], paths[:, l]
        else:
            o_l, i_l = paths[:, L], paths[:, 0]
        sym = ((o_l * C + i_l) * A)[:, None] + taps[l][None, :]
        mono += sym * S**l
    kidx = (N - 1) - pos if flip else pos
    kidx = kidx - (N - 1) // 2 if layout.origin == "centre" else kidx
    sign = 1 if correlation else -1
    off = np.broadcast_to(sign * kidx, (P, M, D)).reshape(-1, D)
    return PolyOperator(layout, np.repeat(paths[:, L], M).astype(np.int32), np.repeat(paths[:, 0], M).astype(np.int32),
                        off.copy(), mono.ravel())


def kernel_operator(layout: Layout, kernel: np.ndarray, correlation: bool = False) -> PolyOperator:
    """Single-channel convolution with an explicit kernel of layer-0 symbol indices (``-1`` = zero tap).

    The kernel's origin is its corner (or its centre for ``origin='centre'``; odd extents only).

    Examples
    --------
    >>> from kronconv.kron import dilate
    >>> lay = Layout(3, 1, 1, 1)
    >>> diluted = dilate(np.arange(3), 2)  # [0, -, 1, -, 2] as symbol indices, zeros -> -1
    >>> op = kernel_operator(lay, np.where(np.arange(5) % 2 == 0, diluted, -1))
    >>> compare(op, layer_operator(lay, 0, 2)).equal
    True
    """
    kernel = np.asarray(kernel)
    if kernel.ndim != layout.dims or layout.channels != 1:
        raise InvalidArgument(f"kernel must have {layout.dims} axes and the layout 1 channel")
    nz = np.argwhere(kernel >= 0).astype(np.int64)
    if layout.origin == "centre":
        if any(n % 2 == 0 for n in kernel.shape):
            raise InvalidArgument(f"a centred kernel needs odd extents, got shape {kernel.shape}")
        nz = nz - (np.array(kernel.shape) - 1) // 2
    idx = tuple((np.argwhere(kernel >= 0)).T)
    sign = 1 if correlation else -1
    z = np.zeros(nz.shape[0], np.int32)
    return PolyOperator(layout, z, z.copy(), sign * nz, kernel[idx].astype(np.int64))


@dataclass(frozen=True)
class Comparison:
    """Result of comparing two operators term by term (exact)."""

    equal: bool
    lhs_terms: int
    rhs_terms: int
    lhs_extent: tuple[int, ...]  #: per axis: max offset - min offset + 1 (0 when empty)
    rhs_extent: tuple[int, ...]
    #: first differing (out, inp, offset, monomial key, lhs coefficient, rhs coefficient), or None
    witness: tuple[int, int, tuple[int, ...], int, int, int] | None


def _extent(op: PolyOperator) -> tuple[int, ...]:
    if op.size == 0:
        return (0,) * op.layout.dims
    return tuple(int(x) for x in op.offset.max(axis=0) - op.offset.min(axis=0) + 1)


def compare(lhs: PolyOperator, rhs: PolyOperator) -> Comparison:
    """Exact equality of two operators as polynomials in the kernel symbols (multiset of terms).

    Examples
    --------
    >>> lay = Layout(3, 2, 1, 2)
    >>> c = compare(cascade_operator(lay, [1, 3]), kron_operator(lay, order="first-outer"))
    >>> c.equal, c.witness[4:]
    (False, (0, 1))
    """
    lay = lhs.layout
    D = lay.dims
    cols_l = [lhs.out.astype(np.int64), lhs.inp.astype(np.int64)] + [lhs.offset[:, k] for k in range(D)] + [lhs.mono]
    cols_r = [rhs.out.astype(np.int64), rhs.inp.astype(np.int64)] + [rhs.offset[:, k] for k in range(D)] + [rhs.mono]
    lo = [min(int(a.min()) if a.size else 0, int(b.min()) if b.size else 0) for a, b in zip(cols_l, cols_r)]
    hi = [max(int(a.max()) if a.size else 0, int(b.max()) if b.size else 0) for a, b in zip(cols_l, cols_r)]
    radix = [h - l_ + 1 for l_, h in zip(lo, hi)]
    total = 1
    for r in radix:
        total *= r
    if total >= 1 << 62:  # keys would overflow int64: compare rows of columns instead (slower, same result)
        return _compare_rows(lhs, rhs, cols_l, cols_r, D)

    def keys(cols: list[np.ndarray]) -> np.ndarray:
        k = np.zeros(cols[0].shape[0], np.int64)
        for c, l_, r in zip(cols, lo, radix):
            k = k * r + (c - l_)
        return np.sort(k)

    kl, kr = keys(cols_l), keys(cols_r)
    equal = kl.shape == kr.shape and bool(np.array_equal(kl, kr))
    witness = None
    if not equal:
        ul, cl = np.unique(kl, return_counts=True)
        ur, cr = np.unique(kr, return_counts=True)
        allk = np.union1d(ul, ur)
        cnt_l, cnt_r = np.zeros(allk.size, np.int64), np.zeros(allk.size, np.int64)
        cnt_l[np.searchsorted(allk, ul)] = cl  # ul, ur are subsets of allk; either may be empty
        cnt_r[np.searchsorted(allk, ur)] = cr
        j = int(np.flatnonzero(cnt_l != cnt_r)[0])
        key = int(allk[j])
        vals = []
        for r, l_ in zip(reversed(radix), reversed(lo)):
            vals.append(key % r + l_)
            key //= r
        vals.reverse()
        witness = (int(vals[0]), int(vals[1]), tuple(int(v) for v in vals[2:2 + D]), int(vals[-1]),
                   int(cnt_l[j]), int(cnt_r[j]))
    return Comparison(equal, lhs.size, rhs.size, _extent(lhs), _extent(rhs), witness)


def _compare_rows(lhs: PolyOperator, rhs: PolyOperator, cols_l: list[np.ndarray], cols_r: list[np.ndarray],
                  D: int) -> Comparison:
    """Row-wise multiset comparison (used when packed keys would not fit in 62 bits)."""
    ml, mr = np.stack(cols_l, axis=1), np.stack(cols_r, axis=1)
    ul, cl = np.unique(ml, axis=0, return_counts=True)
    ur, cr = np.unique(mr, axis=0, return_counts=True)
    equal = ul.shape == ur.shape and bool(np.array_equal(ul, ur)) and bool(np.array_equal(cl, cr))
    witness = None
    if not equal:
        dl = {tuple(r): int(c) for r, c in zip(ul.tolist(), cl)}
        dr = {tuple(r): int(c) for r, c in zip(ur.tolist(), cr)}
        key = min(k for k in set(dl) | set(dr) if dl.get(k, 0) != dr.get(k, 0))
        witness = (int(key[0]), int(key[1]), tuple(int(v) for v in key[2:2 + D]), int(key[-1]),
                   dl.get(key, 0), dr.get(key, 0))
    return Comparison(equal, lhs.size, rhs.size, _extent(lhs), _extent(rhs), witness)


def symbol(layout: Layout, layer: int, sym: int) -> sp.Symbol:
    """The SymPy symbol of layer ``layer``'s symbol index ``sym``: ``k1[0,2]`` or ``k1[o,i][0,2]``.

    Examples
    --------
    >>> symbol(Layout(3, 2, 1, 2), 1, 5)
    k1[1,2]
    """
    C, A = layout.channels, layout.taps
    oi, t = divmod(int(sym), A)
    o, i = divmod(oi, C)
    tap = np.unravel_index(t, (layout.kernel,) * layout.dims)
    idx = ",".join(str(int(x) - layout.radius) for x in tap)
    ch = f"[{o},{i}]" if C > 1 else ""
    return sp.Symbol(f"k{layer}{ch}[{idx}]")


def decode_monomial(layout: Layout, key: int) -> list[int]:
    """Per-layer symbol indices of a monomial key."""
    S = layout.symbols_per_layer
    return [(int(key) // S**l) % S for l in range(layout.layers)]


def monomial_expr(layout: Layout, key: int) -> sp.Expr:
    """The monomial of a key as a SymPy product.

    Examples
    --------
    >>> monomial_expr(Layout(3, 1, 1, 2), 2 + 3 * 1)
    k0[2]*k1[1]
    """
    return sp.Mul(*[symbol(layout, l, s) for l, s in enumerate(decode_monomial(layout, key))])


def evaluate_kernel(op: PolyOperator, values: Sequence[np.ndarray]) -> tuple[np.ndarray, tuple[int, ...]]:
    """Substitute integers for the symbols: returns ``(kernel[o, i, *offset - min], min_offset)``.

    ``values[l]`` is layer ``l``'s kernel, shape ``(C, C) + (a,)*D`` (or ``(a,)*D`` for one channel).
    The result holds the operator's *offset* kernel (use ``-offset`` to get convolution indices).
    Exact: integer products in Python ints when int64 could overflow.

    Examples
    --------
    >>> lay = Layout(2, 1, 1, 2)
    >>> k, lo = evaluate_kernel(cascade_operator(lay, [1, 2]), [np.array([1, 2]), np.array([1, 10])])
    >>> k[0, 0].tolist(), lo
    ([20, 10, 2, 1], (-3,))
    """
    lay = op.layout
    C, D, S = lay.channels, lay.dims, lay.symbols_per_layer
    flat = [np.asarray(v).reshape(-1) for v in values]
    if len(flat) != lay.layers or any(f.size != S for f in flat):
        raise InvalidArgument(f"need {lay.layers} kernels of {S} entries each")
    bound = 1
    for f in flat:
        bound *= max(abs(int(f.min())), abs(int(f.max()))) if f.size else 0  # np.abs(-2**63) < 0
    dtype: Any = np.int64 if bound * max(op.size, 1) < 1 << 62 else object
    prod = np.ones(op.size, dtype=dtype)
    for l in range(lay.layers):
        prod = prod * flat[l].astype(dtype)[(op.mono // S**l) % S]
    lo = op.offset.min(axis=0) if op.size else np.zeros(D, np.int64)
    ext = (op.offset.max(axis=0) - lo + 1) if op.size else np.zeros(D, np.int64)
    out = np.zeros((C, C) + tuple(int(e) for e in ext), dtype=dtype)
    np.add.at(out, (op.out, op.inp) + tuple((op.offset - lo).T), prod)
    return out, tuple(int(x) for x in lo)
