r"""The equivalence check: a cascade of dilated layers against one correlation with the Kronecker kernel.

See the :mod:`kronconv.checks` docstring for what is compared and where
(valid/full/circular everywhere, per-layer ``same`` padding on the interior only).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..backend import get_xp, resolve_backend, to_numpy
from ..errors import InvalidArgument
from ..kron import array_module, kron_channels
from ..numeric import (
    MAX_BYTES,
    MAX_WORK,
    cascade_padding,
    cascade_with_bound,
    check_limits,
    conv_geometry,
    correlate,
    gamma,
    inflation,
    unit_roundoff,
)
from ..numeric.correlation import correlate_with_bound, correlation_plan
from .compare import _DTYPES, _finite, _int_arg, compare_with_bound

__all__ = [
    "PLANTS",
    "EquivalenceResult",
    "check_equivalence",
]

#: Deliberately false variants of the equivalence claim (``none`` is the true claim).
PLANTS = ("none", "swap", "flip", "relu")


@dataclass(frozen=True)
class EquivalenceResult:
    """Cascade vs. one Kronecker-kernel convolution on random data, against the rounding bound."""

    holds: bool
    max_abs_error: float
    bound: float
    max_error_ratio: float | None
    relative_error: float
    backend: str
    dtype: str
    dims: int
    layers: int
    kernel: int
    dilation_base: int
    dilations: tuple[int, ...]
    channels: int
    size: int
    batch: int
    padding: str
    operation: str
    plant: str
    seed: int
    cascade_shape: tuple[int, ...]
    kronecker_shape: tuple[int, ...]
    kronecker_kernel_shape: tuple[int, ...]
    compared_shape: tuple[int, ...]
    border: tuple[tuple[int, int], ...]
    interior_only: bool
    claim: str
    note: str

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, tuple):
                d[k] = [list(x) if isinstance(x, tuple) else x for x in v]
        return {"check": "equivalence", **d}


def _random(rng: np.random.Generator, shape: tuple[int, ...], dtype: str, scale: float = 1.0) -> np.ndarray:
    return (rng.standard_normal(shape) * scale).astype(dtype)


def _kron_widths(padding: str, border: Any, ext_k: int, dims: int) -> tuple[list[tuple[int, int]], str]:
    if padding == "valid":
        return [(0, 0)] * dims, "zeros"
    if padding == "full":
        return [(ext_k - 1, ext_k - 1)] * dims, "zeros"
    widths = [(min(lo, ext_k - 1), ext_k - 1 - min(lo, ext_k - 1)) for lo, _ in border]
    return widths, ("circular" if padding == "circular" else "zeros")


def estimate_equivalence(layers: int, kernel: int, dims: int, size: int, channels: int, batch: int,
                         dilations: tuple[int, ...], padding: str, dtype: str, backend: str = "numpy"
                         ) -> tuple[int, int]:
    """Multiply-adds and peak bytes of :func:`check_equivalence`, from the plans of the correlations it runs.

    Mirrors the calls: per cascade layer the value, the magnitude for its bound and (after
    the first) the propagated bound (direct, float64 for the bounds); on the Kronecker side
    the correlation with its bound (:func:`~kronconv.numeric.correlation.correlate_with_bound`,
    direct or FFT by the cost model) and the kernel-rounding term; plus the Kronecker kernels.

    Examples
    --------
    >>> w, b = estimate_equivalence(5, 3, 2, 258, 1, 1, (1, 3, 9, 27, 81), "valid", "float64")
    >>> 1e7 < w < 2e8, b < 2**30
    (True, True)
    """
    a, L, D, C, B = kernel, layers, dims, channels, batch
    ext_k = a**L
    per_layer = [np.zeros((1, 1) + (a,) * D)] * L
    from ..numeric.cascades import _cascade_layers

    work, peak = 0, 0
    shape: tuple[int, ...] = (B, C) + (size,) * D
    live = 8 * B * C * size**D * 3  # x, |x| and one float64 copy on the Kronecker side
    for i, (ds, widths, fill) in enumerate(_cascade_layers(per_layer, list(dilations), padding)):
        geo = conv_geometry(shape, (C, C) + (a,) * D, dilation=ds, padding=list(widths), boundary=fill)
        p64 = correlation_plan(geo, np.float64, "direct")
        p = correlation_plan(geo, dtype, "direct")
        work += p.work + p64.work * (2 if i else 1)
        outs = B * C * math.prod(geo.out_size)
        peak = max(peak, live + max(p.nbytes, p64.nbytes) + 8 * 4 * outs)
        shape = (B, C) + geo.out_size
    kernel_elems = C * C * ext_k**D
    live += 8 * outs * 2 + 8 * kernel_elems * 3  # cascade value and bound; K, K_abs, |K|
    border = cascade_padding(per_layer, list(dilations), padding)
    kwidths, kfill = _kron_widths(padding, border, ext_k, D)
    geo = conv_geometry((B, C) + (size,) * D, (C, C) + (ext_k,) * D, padding=kwidths, boundary=kfill)
    method = "auto" if backend == "numpy" else "direct"
    plans = [correlation_plan(geo, dtype, method)]
    if plans[0].method == "direct":  # its bound: a float64 magnitude correlation
        plans.append(correlation_plan(geo, np.float64, "direct"))
    if L > 1:  # the kernel-rounding term
        plans.append(correlation_plan(geo, np.float64, method))
    work += sum(p.work for p in plans) + 2 * kernel_elems * C * (L - 1)
    peak = max(peak, live + max(p.nbytes for p in plans) + 8 * 3 * B * C * math.prod(geo.out_size))
    return work, peak


def _corr_op(x: Any, k: Any, operation: str, widths: Any, fill: str, **lim: Any) -> Any:
    xp = array_module(k)
    if operation == "convolution":
        k = xp.ascontiguousarray(k[(slice(None), slice(None)) + (slice(None, None, -1),) * (k.ndim - 2)])
    return correlate(x, k, padding=list(widths), boundary=fill, **lim)


def check_equivalence(layers: int = 3, kernel: int = 3, *, dims: int = 2, size: int | None = None,
                      channels: int = 1, batch: int = 1, dtype: str = "float64", backend: str = "auto",
                      seed: int = 0, dilation_base: int | None = None, padding: str = "valid",
                      operation: str = "convolution", plant: str = "none",
                      max_bytes: int | None = MAX_BYTES, max_work: int | None = MAX_WORK) -> EquivalenceResult:
    r"""Check "cascade with dilations :math:`b^l` = one convolution with the Kronecker kernel" numerically.

    Parameters
    ----------
    layers, kernel
        :math:`L` layers of :math:`a \times \dots \times a` kernels (``kernel = a``).
    dilation_base
        :math:`b` (default :math:`a`): layer :math:`l` has dilation :math:`b^l`.
        The identity is claimed with the Kronecker kernel of :math:`a`, so
        :math:`b \ne a` is a false claim and must fail.
    padding
        ``valid``, ``full``, ``circular`` (exact) or ``same`` (zeros; interior only).
    operation
        ``convolution`` (Yu & Koltun's true convolution) or ``correlation``.
    plant
        ``none`` or a deliberately false variant: ``swap`` (Kronecker factors in
        reverse order), ``flip`` (flipped Kronecker kernel), ``relu`` (ReLU
        between the cascade's layers).
    size
        Spatial size per axis; default :math:`E - 1 + 16` for the largest
        kernel extent :math:`E`, leaving 16 compared outputs per axis.

    The bound at each compared output is the cascade's propagated bound plus
    the Kronecker side's :math:`\gamma_{n_K} (|x| \star |\hat K|) + \gamma_{m} (|x| \star K_{abs})`,
    where :math:`n_K = a^{LD} C` terms per output and :math:`m = (L-1) C`
    roundings per entry of the computed kernel :math:`\hat K` (:math:`K_{abs}`
    is the kernel built from :math:`|W_l|`).

    Examples
    --------
    >>> r = check_equivalence(layers=2, kernel=3, dims=1, padding="same", channels=2, backend="numpy")
    >>> r.holds, r.border, r.interior_only
    (True, ((4, 4),), True)
    """
    a = _int_arg("kernel", kernel, 1, 64)
    L = _int_arg("layers", layers, 1, 64)
    D = _int_arg("dims", dims, 1, 3)
    C = _int_arg("channels", channels, 1, 4096)
    B = _int_arg("batch", batch, 1, 4096)
    seed = _int_arg("seed", seed, 0, 2**63 - 1)
    b = a if dilation_base is None else _int_arg("dilation_base", dilation_base, 1, 1 << 20)
    if dtype not in _DTYPES:
        raise InvalidArgument(f"dtype must be one of {', '.join(_DTYPES)}, got {dtype!r}")
    if padding not in ("valid", "same", "full", "circular"):
        raise InvalidArgument(f"padding must be one of valid, same, full, circular, got {padding!r}")
    if operation not in ("convolution", "correlation"):
        raise InvalidArgument(f"operation must be 'convolution' or 'correlation', got {operation!r}")
    if plant not in PLANTS:
        raise InvalidArgument(f"plant must be one of {', '.join(PLANTS)}, got {plant!r}")
    if L * math.log2(max(b, 2)) > 40 or L * math.log2(max(a, 2)) > 40:
        raise InvalidArgument(f"dilations {b}**l or extents {a}**{L} exceed 2**40; use fewer layers")
    dilations = tuple(b**l for l in range(L))
    ext_c = sum(d * (a - 1) for d in dilations) + 1
    ext_k = a**L
    n = max(ext_c, ext_k) - 1 + 16 if size is None else _int_arg("size", size, 1, 1 << 30)
    be = resolve_backend(backend)
    xp = get_xp(be)

    # estimates before any allocation
    work, nbytes = estimate_equivalence(L, a, D, n, C, B, dilations, padding, dtype, be)
    check_limits(nbytes, work, max_bytes=max_bytes, max_work=max_work, what="the equivalence check")

    rng = np.random.default_rng(seed)
    fan = C * a**D
    ws_np = [_random(rng, (C, C) + (a,) * D, dtype, 1.0 / math.sqrt(fan)) for _ in range(L)]
    x_np = _random(rng, (B, C) + (n,) * D, dtype)
    ws = [xp.asarray(w) for w in ws_np]
    x = xp.asarray(x_np)
    lim: dict[str, Any] = {"max_bytes": max_bytes, "max_work": max_work}

    kws = ws[::-1] if plant == "swap" else ws
    K = kron_channels(kws)
    Kabs = kron_channels([xp.abs(w.astype(np.float64)) for w in kws])
    if plant == "flip":
        flip = (slice(None), slice(None)) + (slice(None, None, -1),) * D
        K, Kabs = xp.ascontiguousarray(K[flip]), xp.ascontiguousarray(Kabs[flip])

    per_layer = [np.zeros((1, 1) + (a,) * D)] * L
    border = cascade_padding(per_layer, list(dilations), padding)
    yc, ec = cascade_with_bound(x, ws, list(dilations), padding=padding, operation=operation,
                                activation="relu" if plant == "relu" else None, **lim)

    kw_widths, fill = _kron_widths(padding, border, ext_k, D)
    u = unit_roundoff(dtype)
    n_k = C * ext_k**D
    m = (L - 1) * C
    xabs = xp.abs(x.astype(np.float64))
    if be == "numpy":
        # the cost model may take the FFT path; each path brings its own bound
        flip = (slice(None), slice(None)) + (slice(None, None, -1),) * D if operation == "convolution" else ()
        kop = np.ascontiguousarray(K[flip]) if flip else K
        yk, ek, _ = correlate_with_bound(x, kop, padding=kw_widths, boundary=fill, **lim)
        if m:
            kabs = np.ascontiguousarray(Kabs[flip]) if flip else Kabs
            geo_k = conv_geometry(x.shape, kabs.shape, padding=kw_widths, boundary=fill)
            if correlation_plan(geo_k, np.float64, "auto").method == "direct":
                mag = correlate(xabs, kabs, padding=kw_widths, boundary=fill, **lim) * inflation(n_k + 4)
            else:
                v, e, _ = correlate_with_bound(xabs, kabs, padding=kw_widths, boundary=fill, method="auto", **lim)
                mag = np.maximum(v + e, 0.0)
            ek = ek + gamma(m, u) * mag
        ek = ek * inflation(m + 4 * L + 8)  # float64 rounding of K_abs, the sum and this evaluation
    else:
        yk = _corr_op(x, K, operation, kw_widths, fill, **lim)
        ek = gamma(n_k, u) * _corr_op(xabs, xp.abs(K.astype(np.float64)), operation, kw_widths, fill, **lim)
        if m:
            ek = ek + gamma(m, u) * _corr_op(xabs, Kabs, operation, kw_widths, fill, **lim)
        ek = ek * inflation(n_k + m + 4 * L + 8)  # float64 rounding of K_abs, the sums and this evaluation

    yc_h, yk_h, ec_h, ek_h = (to_numpy(v) for v in (yc, yk, ec, ek))
    common = tuple(min(p, q) for p, q in zip(yc_h.shape[2:], yk_h.shape[2:]))
    interior = padding == "same"
    if interior:
        region = tuple(slice(lo, min(n - hi, c)) for (lo, hi), c in zip(border, common))
        if any(s.stop - s.start < 1 for s in region):
            raise InvalidArgument(
                f"size {n} leaves no interior with 'same' padding: the border is {border[0][0]} + "
                f"{border[0][1]} per axis; use --size > {ext_c - 1}")
    else:
        region = tuple(slice(0, c) for c in common)
    sel = (slice(None), slice(None)) + region
    A, Bk = yc_h[sel], yk_h[sel]
    bound = ec_h[sel] + ek_h[sel]
    holds, err, bnd, ratio = compare_with_bound(A, Bk, bound)
    scale = float(np.abs(A).max()) or 1.0
    exact = {"valid": "exact", "full": "exact", "circular": "exact", "same": "exact on the interior only"}[padding]
    claim = (f"{operation} cascade of {L} layer(s) of {a}-tap kernels with dilations {b}**l "
             f"equals one {operation} with the {ext_k}-tap Kronecker kernel"
             + (" (sum of Kronecker products over channels)" if C > 1 else ""))
    notes = []
    if yc_h.shape != yk_h.shape:
        notes.append(f"output shapes differ ({yc_h.shape[2:]} vs {yk_h.shape[2:]}); compared the common "
                     f"leading region {common}")
    if interior:
        notes.append(f"per-layer zero 'same' padding: compared only the interior, excluding a border of "
                     f"{list(border[0])} (left, right) per axis where a layer reads padding")
    if b != a:
        notes.append(f"dilation base {b} != kernel size {a}: the identity is not claimed to hold")
    if plant != "none":
        notes.append(f"planted false claim '{plant}'")
    notes.append(f"identity {exact} in '{padding}' mode; the bound covers rounding only "
                 f"(u = 2**{round(math.log2(u))})")
    return EquivalenceResult(
        holds=holds, max_abs_error=err, bound=bnd, max_error_ratio=_finite(ratio),
        relative_error=err / scale, backend=be, dtype=dtype, dims=D, layers=L, kernel=a,
        dilation_base=b, dilations=dilations, channels=C, size=n, batch=B, padding=padding,
        operation=operation, plant=plant, seed=seed, cascade_shape=tuple(yc_h.shape),
        kronecker_shape=tuple(yk_h.shape), kronecker_kernel_shape=tuple(int(v) for v in K.shape),
        compared_shape=tuple(A.shape), border=tuple(border) if interior else tuple((0, 0) for _ in range(D)),
        interior_only=interior, claim=claim, note="; ".join(notes))
