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
    correlate,
    gamma,
    inflation,
    unit_roundoff,
)
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
    kernel_elems = C * C * ext_k**D
    big = B * C * (n + 2 * max(ext_c, ext_k)) ** D
    nbytes = 8 * (kernel_elems * 3 + big * 8)
    work_c = 3 * sum(B * C * (n + ext_c) ** D * C * a**D for _ in range(L))
    work_k = 3 * B * C * (n + ext_k) ** D * C * ext_k**D + 2 * kernel_elems * C
    check_limits(nbytes, work_c + work_k, max_bytes=max_bytes, max_work=max_work, what="the equivalence check")

    rng = np.random.default_rng(seed)
    fan = C * a**D
    ws_np = [_random(rng, (C, C) + (a,) * D, dtype, 1.0 / math.sqrt(fan)) for _ in range(L)]
    x_np = _random(rng, (B, C) + (n,) * D, dtype)
    ws = [xp.asarray(w) for w in ws_np]
    x = xp.asarray(x_np)
    lim = {"max_bytes": max_bytes, "max_work": max_work}

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

    if padding == "valid":
        kw_widths, fill = [(0, 0)] * D, "zeros"
    elif padding == "full":
        kw_widths, fill = [(ext_k - 1, ext_k - 1)] * D, "zeros"
    else:
        kw_widths = [(min(lo, ext_k - 1), ext_k - 1 - min(lo, ext_k - 1)) for lo, _ in border]
        fill = "circular" if padding == "circular" else "zeros"
    yk = _corr_op(x, K, operation, kw_widths, fill, **lim)
    u = unit_roundoff(dtype)
    n_k = C * ext_k**D
    m = (L - 1) * C
    xabs = xp.abs(x.astype(np.float64))
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
