r"""Dilated, strided, grouped correlation and convolution: the NumPy engine's paths, its cost model, the GPU dispatch.

NumPy arrays run one of the direct paths of :func:`_correlate_np` (``stack``,
``taps``, ``einsum``, ``flat``, ``im2col``; see :func:`direct_path`) or, with
``method='fft'``/``'auto'``, the FFT path of :mod:`kronconv.numeric.spectral`;
:func:`correlation_plan` chooses and estimates work and memory.  CuPy float
arrays run the CUDA kernel of :mod:`kronconv.gpu.kernels` with the same
:class:`~kronconv.numeric.geometry.ConvGeometry`; other array types the
array-generic tap loop :func:`_correlate_xp`.  ``docs/cpu-engine.md`` describes
the paths and the bounds.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..backend import backend_of
from ..errors import InvalidArgument
from ..kron import array_module
from .bounds import gamma, inflation, unit_roundoff
from .channelgemm import correlate_flat, flat_layout, flat_waste
from .geometry import (
    MAX_BYTES,
    MAX_WORK,
    ConvGeometry,
    Padding,
    _pad,
    _tap_slices,
    check_limits,
    conv_geometry,
)
from .spectral import correlate_fft, fft_nbytes, fft_work

__all__ = [
    "METHODS",
    "CorrelationPlan",
    "convolve",
    "convolve_plain",
    "correlate",
    "correlate_plain",
    "correlate_with_bound",
    "correlation_plan",
    "direct_path",
]

# --------------------------------------------------------------------------- the NumPy direct engine

#: Elements of one working block (about 256 KiB of float64): the accumulator
#: block and its tap slices stay in the L2 cache.
_BLOCK_ELEMS = 1 << 15
#: Bytes of one im2col block of the channel path (about 4 MiB).
_COLS_BYTES = 4 << 20
#: Kernels with more taps than this use one contraction per block instead of a loop over taps.
_TAP_LOOP_MAX = 48

#: Multiply-adds done by the NumPy engine, counted from the operands of its
#: inner operations (read by the tests against the estimates).
WORK_DONE = [0]


def _windows(xpad: np.ndarray, geo: ConvGeometry) -> np.ndarray:
    """Strided view ``(N, C, *out, *k)`` of the padded input: ``V[..., i, t] = xpad[..., i s + t d]``."""
    axes = tuple(range(2, 2 + geo.dims))
    v = sliding_window_view(xpad, geo.extent, axis=axes)
    sel = (slice(None), slice(None))
    sel += tuple(slice(None, None, s) for s in geo.stride)
    sel += tuple(slice(None, None, d) for d in geo.dilation)
    return v[sel]


def _row_blocks(rows: int, per_row: int, budget: int) -> list[tuple[int, int]]:
    step = max(1, budget // max(per_row, 1))
    return [(r, min(rows, r + step)) for r in range(0, rows, step)]


def _correlate_np(x: np.ndarray, w: np.ndarray, geo: ConvGeometry, dtype: Any) -> np.ndarray:
    """NumPy direct correlation over strided windows, blocked so that the working set fits in cache.

    Every output is the sum of exactly ``geo.terms`` products (the taps times the
    input channels of its group), in an order that depends on the path, so the
    bound :math:`\\gamma_n \\sum |W||x|` with :math:`n` = ``geo.terms`` holds:

    * one input channel per group: a loop over taps on row blocks of the output
      (``acc += W[t] * x[t]`` in place), or, for more than ``_TAP_LOOP_MAX`` taps,
      one ``einsum`` contraction of the window view per row block;
    * several input channels per group, stride 1: per row block one GEMM with the
      last axis's taps in its rows and shifted sums of the products
      (:func:`~kronconv.numeric.channelgemm.correlate_flat`);
    * otherwise a blocked im2col (a copy of the windows of a row block, at most
      ``_COLS_BYTES``) and one GEMM per block and group.
    """
    x = x.astype(dtype, copy=False)
    w = w.astype(dtype, copy=False)
    nb, g = geo.batch, geo.groups
    cg, og = geo.in_channels // g, geo.out_channels // g
    out = np.empty((nb, geo.out_channels) + geo.out_size, dtype=dtype)
    path = direct_path(geo)
    if path == "stack":
        _stack_flat(x, w, geo, out)
        return out
    if path == "flat":
        WORK_DONE[0] += correlate_flat(x, w, geo, out)
        return out
    v = _windows(_pad(x, geo.pad, geo.boundary, 0), geo)
    rows, rest = geo.out_size[0], math.prod(geo.out_size[1:])
    if cg == 1:
        # (N, g, 1, *out, *k) against (g, og, *k): output channel o = gi * og + j reads channel gi
        vg = v.reshape((nb, g, 1) + v.shape[2:])
        wg = w.reshape((g, og) + geo.kernel)
        outg = out.reshape((nb, g, og) + geo.out_size)
        per_row = nb * geo.out_channels * rest
        if path == "taps":
            taps = list(itertools.product(*(range(k) for k in geo.kernel)))
            wts = [wg[(slice(None), slice(None)) + t].reshape((1, g, og) + (1,) * geo.dims) for t in taps]
            for r0, r1 in _row_blocks(rows, per_row, _BLOCK_ELEMS):
                acc = outg[:, :, :, r0:r1]
                tmp = np.empty(acc.shape, dtype=dtype)
                for ti, t in enumerate(taps):
                    xs = vg[(slice(None), slice(None), slice(None), slice(r0, r1)) + (slice(None),) * (geo.dims - 1) + t]
                    if ti == 0:
                        np.multiply(xs, wts[ti], out=acc)
                    else:
                        np.multiply(xs, wts[ti], out=tmp)
                        acc += tmp
                    WORK_DONE[0] += acc.size
        else:
            letters = "abcdefghij"[: geo.dims]
            spec = f"ng{'ABC'[:geo.dims]}{letters},go{letters}->ngo{'ABC'[:geo.dims]}"
            for r0, r1 in _row_blocks(rows, per_row * geo.taps, _BLOCK_ELEMS * 8):
                blk = v[:, :, r0:r1]
                outg[:, :, :, r0:r1] = np.einsum(spec, blk, wg)
                WORK_DONE[0] += outg[:, :, :, r0:r1].size * geo.taps
        return out
    _channels_im2col(v, w, geo, out)
    return out


def direct_path(geo: ConvGeometry) -> str:
    """The direct path the NumPy engine takes.

    One input channel per group: ``flat`` (stride 1, two or more dimensions, at most
    ``_FLAT_LAST_TAPS_MAX`` taps along the last axis), ``stack`` (stride 1, the taps'
    flat views copied into one block and one GEMM), else ``taps`` or ``einsum``;
    several: ``flat`` (stride 1) or ``im2col``.

    Examples
    --------
    >>> from kronconv.numeric.geometry import conv_geometry
    >>> [direct_path(conv_geometry((1, c, 64, 64), (8, c, k, k))) for c, k in ((1, 3), (1, 9), (4, 3))]
    ['flat', 'flat', 'flat']
    >>> [direct_path(conv_geometry((1, 1, 300, 300), (1, 1, k, k))) for k in (17, 243)]
    ['einsum', 'einsum']
    >>> direct_path(conv_geometry((1, 1, 512), (1, 1, 3)))
    'stack'
    >>> direct_path(conv_geometry((1, 4, 64, 64), (8, 4, 3, 3), stride=2))
    'im2col'
    >>> [direct_path(conv_geometry((1, 1, 64, 64), (1, 1, k, k), stride=2)) for k in (3, 9)]
    ['taps', 'einsum']
    """
    if geo.in_channels == geo.groups:
        if geo.dims >= 2 and geo.kernel[-1] <= _FLAT_LAST_TAPS_MAX and _gemm_waste(geo) <= _FLAT_WASTE_MAX:
            return "flat"
        if geo.taps <= _STACK_MAX and _flat_waste(geo) <= _FLAT_WASTE_MAX:
            return "stack"
        return "taps" if geo.taps <= _TAP_LOOP_MAX else "einsum"
    return "flat" if _gemm_waste(geo) <= _FLAT_WASTE_MAX else "im2col"


#: Most taps along the last axis for which one input channel per group (two or more dimensions,
#: stride 1) takes the ``flat`` path: its GEMM has the last axis's taps in its rows and the other
#: axes' taps inside, and it adds ``k_last - 1`` shifted products, so a long last axis (the
#: 243-tap kernels of ``check equivalence``) is faster on ``einsum`` (measured with
#: ``benchmarks/cpu.py``: 3x3 to 9x9 kernels run 2-7x faster on ``flat`` than on ``stack``/``einsum``).
_FLAT_LAST_TAPS_MAX = 16
#: Most taps of the ``stack`` path (one channel per group; more use ``einsum``).
_STACK_MAX = 32
#: The ``stack`` and ``flat`` paths may compute this many times the needed outputs (the padded row tails).
_FLAT_WASTE_MAX = 2.0


def _flat_waste(geo: ConvGeometry) -> float:
    """Positions per output computed by the stack path: padded row length over output row length (inf with stride)."""
    if any(s != 1 for s in geo.stride):
        return math.inf
    padded = [n + lo + hi for n, (lo, hi) in zip(geo.in_size, geo.pad)]
    return math.prod(padded[1:]) / math.prod(geo.out_size[1:])


def _gemm_waste(geo: ConvGeometry) -> float:
    """Positions per output computed by the flat path (inf with stride)."""
    return math.inf if any(s != 1 for s in geo.stride) else flat_waste(geo)


def _stack_flat(x: np.ndarray, w: np.ndarray, geo: ConvGeometry, out: np.ndarray) -> None:
    """One input channel per group, stride 1: the taps' flat ranges of the padded input in one block, one GEMM.

    Along the flattened padded input, tap ``t`` of output row block ``r0:r1`` is the
    contiguous range starting at ``r0 P_0 + \\sum_a t_a d_a P_a`` (``P_a`` the element
    strides of the padded axes); the ranges of all taps are copied into one
    ``(taps, span)`` block and multiplied once.  The row tails past the output
    width are computed and dropped.
    """
    nb, g = geo.batch, geo.groups
    og = geo.out_channels // g
    m = tuple(n + lo + hi for n, (lo, hi) in zip(geo.in_size, geo.pad))
    buf = np.zeros(x.shape[:2] + (m[0] + 1,) + m[1:], dtype=out.dtype)  # one spare row: no view runs off the end
    if geo.boundary == "zeros":
        buf[(slice(None), slice(None)) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(geo.in_size, geo.pad))] = x
    else:
        buf[:, :, : m[0]] = _pad(x, geo.pad, geo.boundary, 0)
    flat = buf.reshape(nb, geo.in_channels, -1)
    strides = [math.prod(m[a + 1:]) for a in range(geo.dims)]
    p0 = strides[0]
    offs = [sum(t * d * p for t, d, p in zip(tap, geo.dilation, strides))
            for tap in itertools.product(*(range(k) for k in geo.kernel))]
    wg = w.reshape(g, og, geo.taps)
    keep = (slice(None), slice(None)) + tuple(slice(0, o) for o in geo.out_size[1:])
    for r0, r1 in _row_blocks(geo.out_size[0], (geo.taps + og) * p0, 2 * _BLOCK_ELEMS):
        span = (r1 - r0) * p0
        acc = np.empty((og, span), dtype=out.dtype)
        tmp = np.empty((geo.taps, span), dtype=out.dtype)
        for n in range(nb):
            for gi in range(g):
                xs = flat[n, gi]
                for ti, off in enumerate(offs):
                    tmp[ti] = xs[r0 * p0 + off:r0 * p0 + off + span]
                np.matmul(wg[gi], tmp, out=acc)
                WORK_DONE[0] += og * geo.taps * span
                out[n, gi * og:(gi + 1) * og, r0:r1] = acc.reshape((og, r1 - r0) + m[1:])[keep]


def _channels_im2col(v: np.ndarray, w: np.ndarray, geo: ConvGeometry, out: np.ndarray) -> None:
    """Several channels: blocked im2col (the windows of a row block, at most ``_COLS_BYTES``) and one GEMM per block."""
    nb, g = geo.batch, geo.groups
    cg, og = geo.in_channels // g, geo.out_channels // g
    wm = w.reshape(g, og, cg * geo.taps)
    per_row = cg * geo.taps * math.prod(geo.out_size[1:]) * out.dtype.itemsize
    perm = (0,) + tuple(range(1 + geo.dims, 1 + 2 * geo.dims)) + tuple(range(1, 1 + geo.dims))
    for r0, r1 in _row_blocks(geo.out_size[0], per_row, _COLS_BYTES):
        for n in range(nb):
            for gi in range(g):
                blk = v[n, gi * cg:(gi + 1) * cg, r0:r1]  # (cg, rows, *rest_out, *k)
                # (cg, *k, *out) contiguous: rows of the GEMM's right factor
                cols = np.ascontiguousarray(blk.transpose(perm)).reshape(cg * geo.taps, -1)
                res = wm[gi] @ cols
                WORK_DONE[0] += og * cols.shape[0] * cols.shape[1]
                out[n, gi * og:(gi + 1) * og, r0:r1] = res.reshape((og, r1 - r0) + geo.out_size[1:])


# --------------------------------------------------------------------------- cost model

#: Correlation methods: ``direct`` (every output a sum of ``terms`` products), ``fft``, ``auto`` (cheaper of the two).
METHODS = ("direct", "fft", "auto")
#: Nanoseconds per multiply-add of each path, float32 and float64, one thread (measured with
#: ``benchmarks/cpu.py``; only their ratios matter).  ``einsum`` is slower on short kernel rows.
_NS_PER_MADD = {"taps": (0.5, 1.7), "einsum": (0.12, 0.7), "flat": (0.08, 0.15), "flat_1d": (0.12, 0.25),
                "stack": (0.8, 1.5), "im2col": (0.2, 0.4),
                "fft": (0.45, 1.0)}


def _modelled_ns(plan: CorrelationPlan, geo: ConvGeometry, dt: np.dtype[Any]) -> float:
    key = "flat_1d" if plan.path == "flat" and geo.dims == 1 else plan.path  # one GEMM per tap in one dimension
    ns = _NS_PER_MADD[key][0 if dt.itemsize <= 4 else 1]
    if plan.path == "einsum":
        ns *= 1 + (130 if dt.itemsize <= 4 else 12) / geo.kernel[-1]
    return ns * plan.work


@dataclass(frozen=True)
class CorrelationPlan:
    """The path one correlation takes and what it costs: multiply-adds done and peak extra bytes."""

    method: str
    path: str
    work: int
    nbytes: int
    #: Products summed into one output on the direct path (the ``n`` of its bound); 0 for FFT.
    terms: int


def _block_rows(rows: int, per_row: int, budget: int) -> int:
    return min(rows, max(1, budget // max(per_row, 1)))


def _direct_plan(geo: ConvGeometry, itemsize: int) -> CorrelationPlan:
    """Work and peak memory of the direct path, mirroring its blocking (the tests compare with counts)."""
    path = direct_path(geo)
    nb, g = geo.batch, geo.groups
    cg, og = geo.in_channels // g, geo.out_channels // g
    outs = nb * geo.out_channels * math.prod(geo.out_size)
    rows, rest = geo.out_size[0], math.prod(geo.out_size[1:])
    padded_any = any(lo or hi for lo, hi in geo.pad)
    padded = nb * geo.in_channels * math.prod(n + lo + hi for n, (lo, hi) in zip(geo.in_size, geo.pad))
    work = geo.work
    if path == "stack":
        row = math.prod(n + lo + hi for n, (lo, hi) in zip(geo.in_size[1:], geo.pad[1:]))
        work = nb * geo.out_channels * geo.terms * rows * row
        per_row = (geo.taps + og) * row
        span_elems = _block_rows(rows, per_row, 2 * _BLOCK_ELEMS) * per_row
        extra = padded + nb * geo.in_channels * row + span_elems + (padded if geo.boundary != "zeros" else 0)
    elif path == "flat":
        lay = flat_layout(geo, itemsize)
        work = lay.work(geo)
        extra = lay.extra_elems(geo) + (padded if geo.boundary != "zeros" and padded_any and geo.dims > 1 else 0)
    elif path == "im2col":
        per_row = cg * geo.taps * rest
        r = _block_rows(rows, per_row * itemsize, _COLS_BYTES)
        extra = padded * padded_any + r * per_row + og * r * rest
    elif path == "taps":
        extra = padded * padded_any + _block_rows(rows, nb * geo.out_channels * rest, _BLOCK_ELEMS) * nb * geo.out_channels * rest
    else:
        per_row = nb * geo.out_channels * rest
        extra = padded * padded_any + _block_rows(rows, per_row * geo.taps, 8 * _BLOCK_ELEMS) * per_row
    return CorrelationPlan("direct", path, work, itemsize * (extra + outs), geo.terms)


def correlation_plan(geo: ConvGeometry, dtype: Any, method: str = "auto") -> CorrelationPlan:
    """Choose the path of one correlation (NumPy engine) and estimate its work and memory.

    ``auto`` takes the FFT path for float inputs, one group, when its modelled
    time (work times the path's relative cost per multiply-add) is lower.

    Examples
    --------
    >>> from kronconv.numeric.geometry import conv_geometry
    >>> geo = conv_geometry((1, 1, 512, 512), (1, 1, 31, 31))
    >>> correlation_plan(geo, np.float64).method, correlation_plan(geo, np.float64, "direct").work
    ('fft', 223263364)
    >>> plan = correlation_plan(conv_geometry((1, 1, 512, 512), (1, 1, 15, 15)), np.float64)
    >>> plan.method, plan.path, plan.work  # the flat path computes the padded rows' tails too
    ('direct', 'flat', 57369600)
    >>> correlation_plan(conv_geometry((1, 1, 512), (1, 1, 3)), np.float32).path
    'stack'
    """
    if method not in METHODS:
        raise InvalidArgument(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    dt = np.dtype(dtype)
    direct = _direct_plan(geo, dt.itemsize)
    fft_ok = dt in (np.float32, np.float64) and geo.groups == 1
    if method == "direct" or (method == "auto" and not fft_ok):
        return direct
    if not fft_ok:
        raise InvalidArgument(f"method 'fft' needs float32/float64 data and groups=1, got {dt} and groups={geo.groups}")
    fft = CorrelationPlan("fft", "fft", fft_work(geo), fft_nbytes(geo, dt.itemsize), 0)
    if method == "fft":
        return fft
    return fft if _modelled_ns(fft, geo, dt) < _modelled_ns(direct, geo, dt) else direct


# --------------------------------------------------------------------------- correlation


def _result_dtype(x: Any, w: Any) -> Any:
    dt = np.result_type(x.dtype, w.dtype)
    if dt.kind not in "iuf":
        raise InvalidArgument(f"inputs must be real (float or integer), got {x.dtype} and {w.dtype}")
    return dt


def _correlate_xp(x: Any, w: Any, geo: ConvGeometry, dtype: Any) -> Any:
    """Array-generic core: per kernel tap, one strided slice copy and one GEMM per group.

    The accumulator is laid out ``(groups, C_out / groups, N * positions)`` so
    that each product is a plain 2-D matrix product (BLAS), not a broadcast one.
    """
    xp = array_module(x)
    x = x.astype(dtype, copy=False)
    w = w.astype(dtype, copy=False)
    xpad = _pad(x, geo.pad, geo.boundary, 0)
    nb, g = geo.batch, geo.groups
    cg, og = geo.in_channels // g, geo.out_channels // g
    cols = nb * math.prod(geo.out_size)
    # taps first and contiguous: wt[tap, group] is a contiguous (Og, Cg) matrix
    wt = xp.ascontiguousarray(xp.moveaxis(w.reshape(g, og, cg, geo.taps), -1, 0))
    acc = xp.zeros((g, og, cols), dtype=dtype)
    for ti, tap in enumerate(itertools.product(*(range(k) for k in geo.kernel))):
        xs = xpad[_tap_slices(geo, tap)].reshape((nb, g, cg) + geo.out_size)
        xt = xp.moveaxis(xs, 0, 2).reshape(g, cg, cols)  # the one copy per tap
        if cg == 1:
            acc += wt[ti, :, :, 0, None] * xt
        else:
            for gi in range(g):
                acc[gi] += xp.matmul(wt[ti, gi], xt[gi])
    out = acc.reshape((geo.out_channels, nb) + geo.out_size)
    return xp.ascontiguousarray(xp.moveaxis(out, 1, 0))


def _prepare(x: Any, w: Any, kw: dict[str, Any]) -> tuple[ConvGeometry, Any]:
    if backend_of(x) != backend_of(w):
        raise InvalidArgument(f"input and weight must live on one backend, got {backend_of(x)} and {backend_of(w)}")
    geo = conv_geometry(x.shape, w.shape, **kw)
    return geo, _result_dtype(x, w)


def correlate(x: Any, w: Any, *, dilation: Any = 1, stride: Any = 1, padding: Padding = "valid",
              boundary: str = "zeros", groups: int = 1, max_bytes: int | None = MAX_BYTES,
              max_work: int | None = MAX_WORK, method: str = "direct") -> Any:
    r"""Dilated, strided, grouped cross-correlation of ``(N, C_in, *n)`` with ``(C_out, C_in/groups, *k)``.

    NumPy arrays run the NumPy engine; CuPy float32/float64 arrays run the CUDA
    kernel of :mod:`kronconv.gpu`.  See the module docstring for the padding
    modes and the error bound.  ``method='direct'`` (the default) sums the
    ``terms`` products of every output, so the entry-wise bound
    :math:`\gamma_n \sum |W||x|` holds; ``'fft'`` and ``'auto'`` (the cheaper by
    :func:`correlation_plan`) may take the FFT path of
    :mod:`kronconv.numeric.spectral`, whose bound differs -- use
    :func:`correlate_with_bound` to get the bound of the path taken.

    Examples
    --------
    >>> x = np.arange(5.0).reshape(1, 1, 5)
    >>> correlate(x, np.ones((1, 1, 2)), padding="same").ravel().tolist()
    [0.0, 1.0, 3.0, 5.0, 7.0]
    >>> correlate(x, np.ones((1, 1, 3)), padding="circular", stride=2).ravel().tolist()
    [5.0, 6.0, 7.0]
    >>> correlate(np.ones((1, 4, 3)), np.ones((2, 2, 1)), groups=2)[0, :, 0].tolist()
    [2.0, 2.0]
    """
    geo, dtype = _prepare(x, w, {"dilation": dilation, "stride": stride, "padding": padding,
                                 "boundary": boundary, "groups": groups})
    if backend_of(x) == "cupy" and dtype in (np.float32, np.float64):
        if method not in METHODS:
            raise InvalidArgument(f"method must be one of {', '.join(METHODS)}, got {method!r}")
        check_limits(geo.nbytes(dtype.itemsize), geo.work, max_bytes=max_bytes, max_work=max_work, what="correlation")
        from ..gpu.run import correlate_gpu

        return correlate_gpu(x, w, geo, dtype)
    if not isinstance(x, np.ndarray):
        check_limits(geo.nbytes(dtype.itemsize), geo.work, max_bytes=max_bytes, max_work=max_work, what="correlation")
        return _correlate_xp(x, w, geo, dtype)
    plan = correlation_plan(geo, dtype, method)
    check_limits(plan.nbytes, plan.work, max_bytes=max_bytes, max_work=max_work, what="correlation")
    if plan.method == "fft":
        return correlate_fft(x, w, geo, dtype)[0]
    return _correlate_np(x, w, geo, dtype)


def correlate_with_bound(x: np.ndarray, w: np.ndarray, *, dilation: Any = 1, stride: Any = 1,
                         padding: Padding = "valid", boundary: str = "zeros", groups: int = 1,
                         max_bytes: int | None = MAX_BYTES, max_work: int | None = MAX_WORK,
                         method: str = "auto") -> tuple[np.ndarray, np.ndarray, CorrelationPlan]:
    r"""A NumPy correlation, a bound on its rounding error at every output, and the plan that ran.

    On the direct path the bound is :math:`\gamma_n (|W| \star |x|)` with
    :math:`n` = ``terms`` (evaluated by a second, float64 direct correlation and
    inflated for its own rounding); on the FFT path it is the norm-wise bound of
    :mod:`kronconv.numeric.spectral`, one value per batch item and output
    channel, broadcast to the output's shape.  Integer inputs give a zero bound
    where :math:`\sum |W||x|` fits the integer type (and :math:`2^{53}`), ``inf`` elsewhere.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x, w = rng.standard_normal((1, 1, 300)), rng.standard_normal((1, 1, 200))
    >>> y, e, plan = correlate_with_bound(x, w, method="fft")
    >>> exact = correlate(x, w)
    >>> plan.method, bool((abs(y - exact) <= e + correlate_with_bound(x, w, method="direct")[1]).all())
    ('fft', True)
    """
    if not isinstance(x, np.ndarray) or not isinstance(w, np.ndarray):
        raise InvalidArgument("correlate_with_bound takes NumPy arrays")
    geo, dtype = _prepare(x, w, {"dilation": dilation, "stride": stride, "padding": padding,
                                 "boundary": boundary, "groups": groups})
    plan = correlation_plan(geo, dtype, method)
    bound_plan = correlation_plan(geo, np.float64, "direct")
    check_limits(plan.nbytes + (bound_plan.nbytes if plan.method == "direct" else 0),
                 plan.work + (bound_plan.work if plan.method == "direct" else 0),
                 max_bytes=max_bytes, max_work=max_work, what="correlation")
    if plan.method == "fft":
        y, e = correlate_fft(x, w, geo, dtype)
        return y, np.broadcast_to(e, y.shape).copy(), plan
    y = _correlate_np(x, w, geo, dtype)
    u = unit_roundoff(dtype)
    mag = _correlate_np(np.abs(x.astype(np.float64)), np.abs(w.astype(np.float64)), geo, np.float64)
    mag *= inflation(geo.terms + 4)
    if u == 0.0:  # integers: exact while every partial sum fits
        fits = min(2.0**53, float(np.iinfo(dtype).max))
        return y, np.where(mag < fits, 0.0, math.inf), plan
    return y, gamma(geo.terms, u) * mag, plan


def _flip(w: Any) -> Any:
    return w[(slice(None), slice(None)) + (slice(None, None, -1),) * (w.ndim - 2)]


def convolve(x: Any, w: Any, **kwargs: Any) -> Any:
    r"""True (kernel-flipped) convolution; same arguments as :func:`correlate`.

    In ``full`` mode, :math:`y[t] = \sum_\tau K[\tau] x[t - \tau]`.

    Examples
    --------
    >>> x = np.array([0.0, 1.0, 0.0, 0.0]).reshape(1, 1, 4)
    >>> convolve(x, np.array([1.0, 2.0, 3.0]).reshape(1, 1, 3), padding="full").ravel().tolist()
    [0.0, 1.0, 2.0, 3.0, 0.0, 0.0]
    """
    if getattr(w, "ndim", 0) < 3:
        raise InvalidArgument(f"w must have shape (C_out, C_in/groups, k_1[, k_2[, k_3]]), got "
                              f"{tuple(np.shape(w))}; for plain signals use convolve_plain")
    xp = array_module(w)
    return correlate(x, xp.ascontiguousarray(_flip(w)), **kwargs)


def _plain(op: Any, x: Any, k: Any, kwargs: dict[str, Any]) -> Any:
    if x.ndim not in (1, 2, 3) or k.ndim != x.ndim:
        raise InvalidArgument(f"plain signals need 1-3 axes and a kernel of equal rank, got {x.ndim} and {k.ndim}")
    return op(x[None, None], k[None, None], **kwargs)[0, 0]


def correlate_plain(x: Any, k: Any, **kwargs: Any) -> Any:
    """:func:`correlate` for a bare signal and kernel (no batch or channel axes).

    Examples
    --------
    >>> correlate_plain(np.array([1, 2, 3, 4]), np.array([1, -1])).tolist()
    [-1, -1, -1]
    """
    return _plain(correlate, x, k, kwargs)


def convolve_plain(x: Any, k: Any, **kwargs: Any) -> Any:
    """:func:`convolve` for a bare signal and kernel (no batch or channel axes)."""
    return _plain(convolve, x, k, kwargs)
