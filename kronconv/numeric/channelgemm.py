r"""The ``flat`` direct path: stride-1 correlation with several input channels per group, one GEMM per block.

The taps of the last spatial axis go into the rows of the GEMM, the input
channels and the taps of the other axes into its inner dimension.  For a block
of output rows ``a, a+1, ...``

.. math::

    Z_t = W_t \cdot X, \qquad
    W_t[o, (c, t')] = W[o, c, t', t], \qquad
    X[(c, t'), (r, \dots, j)] = \tilde x[c, a + r + t'_0 d_0 - lo_0, \dots, j]

(``t'`` the taps of the axes before the last, ``\tilde x`` the input with zeros
outside it, ``j`` the input's last axis, widened with zero columns where the
output is wider), and every output is the sum of the shifted products

.. math::

    y[o, r, \dots, i] = \sum_t Z_t[o, r, \dots, i + t d_{last} - lo_{last}],

computed as ``k_last - 1`` additions of flat ranges of the products.  Where
``i + t d - lo`` leaves its row the flat range reads a column of the adjacent
row that no kept output reads; those products are set to zero first, which
is the zero padding.  So the padded input is never built (for zero padding),
the column block is a copy of whole input rows, and the GEMM is square-ish
(``k_last C_out`` by ``C_in taps'``), where BLAS runs near its peak: compared
with one GEMM per tap there is no accumulator pass per tap.  In one dimension
(only the channels to contract) one GEMM per tap on views of the padded input,
summed, is as fast.

Every output is a sum of exactly ``taps * C_in/groups`` products (the padding
contributes exact zeros), so the bound :math:`\gamma_n \sum |W||x|` of the
direct paths holds.  :func:`flat_layout` gives the blocking that
:func:`correlate_flat` runs and that the cost model charges for.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from .geometry import ConvGeometry, _pad

__all__ = ["FlatLayout", "correlate_flat", "flat_layout", "flat_waste"]

#: Bytes of one block's column matrix, products and sums together: they stay in the L2 cache
#: with the GEMM's packed copies (measured with ``benchmarks/cpu.py``: 1 MiB is fastest).
_BLOCK_BYTES = 1 << 20
#: Elements of the accumulator block in one dimension.
_BLOCK_ELEMS_1D = 1 << 16


@dataclass(frozen=True)
class FlatLayout:
    """Blocking of the ``flat`` path for one geometry and item size.

    ``rows`` output rows (positions, in one dimension) per block, ``span``
    GEMM columns of a full block, ``inner`` the GEMM's rows (``k_last *
    C_out/groups`` products) and ``depth`` its inner dimension (``C_in/groups *
    taps'``); ``width`` the columns per row of the last axis.  In one dimension
    ``inner`` is ``C_out/groups`` and ``depth`` ``C_in/groups * k``, summed over
    ``k`` GEMMs.
    """

    rows: int
    span: int
    inner: int
    depth: int
    width: int

    def blocks(self, geo: ConvGeometry) -> list[tuple[int, int]]:
        """Output row ranges of the blocks."""
        total = geo.out_size[0]
        return [(a, min(total, a + self.rows)) for a in range(0, total, self.rows)]

    def columns(self, rows: int, geo: ConvGeometry) -> int:
        """GEMM columns of a block of ``rows`` output rows."""
        return rows * math.prod(geo.out_size[1:-1]) * self.width

    def work(self, geo: ConvGeometry) -> int:
        """Multiply-adds of the whole correlation (all batch items and groups)."""
        cols = sum(self.columns(b - a, geo) for a, b in self.blocks(geo))
        return geo.batch * geo.groups * self.inner * self.depth * cols

    def extra_elems(self, geo: ConvGeometry) -> int:
        """Elements of the working buffers (columns, products and their margins or the padded input, weights)."""
        weights = geo.groups * self.inner * self.depth
        if geo.dims == 1:  # the padded input, accumulator and product
            lo, hi = geo.pad[0]
            padded = geo.batch * geo.in_channels * (geo.in_size[0] + lo + hi) if lo or hi else 0
            return padded + 2 * self.inner * self.span + weights
        margin = (geo.kernel[-1] - 1) * geo.dilation[-1] + geo.pad[-1][0]
        return (self.depth + self.inner) * self.span + margin + weights


def _input(geo: ConvGeometry) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    """Input sizes and zero paddings as the path sees them: a non-zero boundary is padded first."""
    if geo.boundary != "zeros" and any(lo or hi for lo, hi in geo.pad):
        return tuple(n + lo + hi for n, (lo, hi) in zip(geo.in_size, geo.pad)), ((0, 0),) * geo.dims
    return geo.in_size, geo.pad


def flat_layout(geo: ConvGeometry, itemsize: int) -> FlatLayout:
    """The blocking of :func:`correlate_flat`: rows per block so that one block's buffers take about 1 MiB.

    Examples
    --------
    >>> from kronconv.numeric.geometry import conv_geometry
    >>> lay = flat_layout(conv_geometry((1, 64, 128, 128), (64, 64, 3, 3), padding="same"), 4)
    >>> lay.rows, lay.span, lay.inner, lay.depth
    (4, 512, 192, 192)
    """
    g = geo.groups
    cg, og = geo.in_channels // g, geo.out_channels // g
    total = geo.out_size[0]
    if geo.dims == 1:
        rows = min(total, max(1, _BLOCK_ELEMS_1D // og))
        return FlatLayout(rows, rows, og, cg * geo.kernel[0], 1)
    inner, depth = geo.kernel[-1] * og, cg * math.prod(geo.kernel[:-1])
    per_column = (depth + inner + og) * itemsize  # columns, products, and the output block they give
    width = max(_input(geo)[0][-1], geo.out_size[-1])
    row = math.prod(geo.out_size[1:-1]) * width
    rows = min(total, max(1, _BLOCK_BYTES // (per_column * row)))
    return FlatLayout(rows, rows * row, inner, depth, width)


def flat_waste(geo: ConvGeometry) -> float:
    """GEMM columns per output of the flat path: its row width over the output width (1 in one dimension)."""
    if geo.dims == 1:
        return 1.0
    return max(_input(geo)[0][-1], geo.out_size[-1]) / geo.out_size[-1]


def correlate_flat(x: np.ndarray, w: np.ndarray, geo: ConvGeometry, out: np.ndarray) -> int:
    """Write the stride-1 correlation of ``x`` with ``w`` into ``out``; return the multiply-adds done.

    ``x`` and ``w`` already have ``out``'s dtype.  Padding other than zeros is
    applied first (a padded copy); zeros are never copied: the column block
    holds the input rows, and the products that the shifted sums would read
    from the neighbouring row are zeroed instead.
    """
    if geo.dims == 1:
        return _correlate_1d(x, w, geo, out)
    g = geo.groups
    cg, og = geo.in_channels // g, geo.out_channels // g
    pads = _input(geo)[1]
    if pads != geo.pad:
        x = _pad(x, geo.pad, geo.boundary, 0)
    lay = flat_layout(geo, out.dtype.itemsize)
    # weights: rows (last-axis tap, output channel), columns (input channel, taps of the other axes)
    wm = np.ascontiguousarray(np.moveaxis(w.reshape((g, og, cg) + geo.kernel), -1, 1)).reshape(g, lay.inner, lay.depth)
    bufs = _Buffers(geo, lay, pads, out.dtype)
    views: dict[int, _Block] = {}
    done = 0
    for n, gi in itertools.product(range(geo.batch), range(g)):
        xg = x[n, gi * cg:(gi + 1) * cg]
        og_slice = slice(gi * og, (gi + 1) * og)
        for a, b in lay.blocks(geo):
            blk = views.get(b - a) or views.setdefault(b - a, _Block(bufs, b - a))
            blk.fill(xg, a)
            np.matmul(wm[gi], blk.cols, out=blk.prods)
            done += blk.prods.shape[0] * blk.cols.size
            for z in blk.zeros:
                z[...] = 0
            for term in blk.terms:
                np.add(blk.acc, term, out=blk.acc)
            out[n, og_slice, a:b] = blk.result
    return done


def _correlate_1d(x: np.ndarray, w: np.ndarray, geo: ConvGeometry, out: np.ndarray) -> int:
    """One dimension: per block of outputs and per tap one GEMM on a view of the padded input, summed.

    ``y[:, a:b] = sum_t W[:, :, t] @ x_pad[:, a + t d : b + t d]``.  With only the
    channels to contract, stacking the taps into one GEMM (as in two or more
    dimensions) is not faster here.
    """
    g = geo.groups
    cg, og = geo.in_channels // g, geo.out_channels // g
    k, d = geo.kernel[0], geo.dilation[0]
    lay = flat_layout(geo, out.dtype.itemsize)
    xp = _pad(x, geo.pad, geo.boundary, 0)
    wt = np.ascontiguousarray(np.moveaxis(w.reshape(g, og, cg, k), -1, 0))  # (k, g, og, cg)
    acc = np.empty((og, lay.span), dtype=out.dtype)
    tmp = np.empty((og, lay.span), dtype=out.dtype)
    done = 0
    for n, gi in itertools.product(range(geo.batch), range(g)):
        xg = xp[n, gi * cg:(gi + 1) * cg]
        for a, b in lay.blocks(geo):
            blk, prod = acc[:, :b - a], tmp[:, :b - a]
            for t in range(k):
                np.matmul(wt[t, gi], xg[:, a + t * d:b + t * d], out=prod if t else blk)
                if t:
                    blk += prod
            done += og * lay.depth * (b - a)
            out[n, gi * og:(gi + 1) * og, a:b] = blk
    return done


class _Buffers:
    """The working buffers of one call: column block, products (with zero margins for the shifted reads)."""

    def __init__(self, geo: ConvGeometry, lay: FlatLayout, pads: tuple[tuple[int, int], ...], dt: np.dtype) -> None:
        kl, dl = geo.kernel[-1], geo.dilation[-1]
        self.geo, self.lay, self.pads = geo, lay, pads
        self.cols = np.zeros((geo.in_channels // geo.groups,) + geo.kernel[:-1] + (lay.span,), dtype=dt)
        # tap t of the last axis reads products at offset shifts[t] from the output's position
        self.shifts = [t * dl - pads[-1][0] for t in range(kl)]
        self.head = max(0, -self.shifts[0])
        self.prods = np.zeros(self.head + lay.inner * lay.span + max(0, self.shifts[-1]), dtype=dt)
        #: the sums accumulate in place over the products of the tap with the smallest shift
        self.first = min(range(kl), key=lambda t: abs(self.shifts[t]))


class _Block:
    """Views of the buffers for a block of ``rows`` output rows (built once per block length)."""

    def __init__(self, bufs: _Buffers, rows: int) -> None:
        geo, lay, shifts, head = bufs.geo, bufs.lay, bufs.shifts, bufs.head
        og, kl = geo.out_channels // geo.groups, len(shifts)
        span = lay.columns(rows, geo)
        size = og * span
        self.bufs, self.rows, self.span = bufs, rows, span
        self.cols = bufs.cols.reshape(lay.depth, lay.span)[:, :span]
        self.prods = bufs.prods[head:head + kl * size].reshape(lay.inner, span)
        starts = [head + t * size + s for t, s in enumerate(shifts)]
        self.acc = bufs.prods[starts[bufs.first]:starts[bufs.first] + size]
        self.terms = [bufs.prods[st:st + size] for t, st in enumerate(starts) if t != bufs.first]
        self.zeros: list[np.ndarray] = []
        self.result = self.acc.reshape((og, rows) + geo.out_size[1:-1] + (lay.width,))[..., :geo.out_size[-1]]
        if any(shifts):
            # output i reads column i + s of tap t's products; past either end of a row that is a
            # column < s or >= width + s of the adjacent row, which no kept output reads: zero them
            for t, s in enumerate(shifts):
                tap = bufs.prods[head + t * size:head + (t + 1) * size].reshape(-1, lay.width)
                self.zeros += [tap[:, j] for j in (range(min(s, lay.width)) if s > 0 else range(max(lay.width + s, 0), lay.width))]
            if span < lay.span or shifts[bufs.first]:  # margins: stale past a short block, or written by the sums
                self.zeros += [bufs.prods[:head], bufs.prods[head + kl * size:head + kl * size + max(0, shifts[-1])]]
        self.taps = [self._tap(tap) for tap in itertools.product(*(range(k) for k in geo.kernel[:-1]))]

    def _tap(self, tap: tuple[int, ...]) -> tuple[np.ndarray, int, tuple[slice, ...], tuple[slice, ...]]:
        """(column rows of this tap, its row offset, the static part of the destination and source indices)."""
        geo, pads = self.bufs.geo, self.bufs.pads
        d, out_size = geo.dilation, geo.out_size
        cg = self.bufs.cols.shape[0]
        blk = self.bufs.cols[(slice(None),) + tap + (slice(0, self.span),)]
        blk = blk.reshape((cg, self.rows) + out_size[1:-1] + (self.bufs.lay.width,))
        sizes = _input(geo)[0]
        dst: list[slice] = []
        src: list[slice] = []
        for ax in range(1, geo.dims - 1):
            off = tap[ax] * d[ax] - pads[ax][0]  # input index of output index 0
            i0, i1 = max(0, -off), min(out_size[ax], sizes[ax] - off)
            dst.append(slice(i0, max(i0, i1)))
            src.append(slice(off + i0, off + max(i0, i1)))
        dst.append(slice(0, sizes[-1]))
        src.append(slice(None))
        return blk, tap[0] * d[0] - pads[0][0], tuple(dst), tuple(src)

    def fill(self, xg: np.ndarray, a: int) -> None:
        """Copy the column block of output rows ``a:a+rows`` from the unpadded input ``xg`` (``(C_in/groups, *n)``).

        ``cols[c, t', (r, i, j)] = x[c, a + r + t'_0 d_0 - lo_0, i + t'_1 d_1 - lo_1, ..., j]``
        (``i`` the exact inner axes of three dimensions, ``j`` the input's last
        axis; columns past it and entries outside the input stay zero).  Rows the
        block reads outside the input along the first axis are zeroed here.
        """
        rows, n0 = self.rows, xg.shape[1]
        for blk, off, dst, src in self.taps:
            first = a + off  # input row of block row 0
            r0, r1 = max(0, -first), min(rows, n0 - first)
            if r1 > r0:
                blk[(slice(None), slice(r0, r1)) + dst] = xg[(slice(None), slice(first + r0, first + r1)) + src]
            if r0 > 0 or r1 < rows:
                blk[:, :r0] = 0
                blk[:, max(r1, r0, 0):] = 0

