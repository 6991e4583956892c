r"""Fitting a kernel with a linear dilated cascade: TT-SVD, exact rational construction, ALS.

Layout of the result: per layer ``l`` a weight ``W_l`` of shape
``(C_out, C_in, a, ..., a)`` (``D`` spatial axes), ``C_in = 1`` for layer 0 and
``C_out = 1`` for the last layer, dilation ``b**l``; the composed kernel is what
:func:`kronconv.numeric.cascade` gives on a one-pixel impulse with ``full``
padding (``operation='convolution'``), or equivalently the correlation kernel of
the correlation cascade.  See :mod:`kronconv.qtt.ranks` for the digit order.

* ``b == a`` — **TT-SVD** (Oseledets 2011, Alg. 1) of the digit tensor truncated to
  rank ``C`` at every step.  With :math:`\sigma^{(k)}_i` the singular values of the
  unfolding between layers, the error obeys

  .. math::

      \max_k \Big(\sum_{i > C} \sigma^{(k)\,2}_i\Big)^{1/2} \;\le\; \min_{\text{rank} \le C} \|K - \hat K\|_F
      \;\le\; \|K - K_{\text{TT-SVD}}\|_F \;\le\; \Big(\sum_k \sum_{i > C} \sigma^{(k)\,2}_i\Big)^{1/2},

  the left inequality because any cascade with ``C`` channels has every unfolding
  of rank :math:`\le C` (Eckart–Young), the right one Oseledets' Theorem 2.2; so
  TT-SVD is within :math:`\sqrt{L-1}` of the best.  Optional ALS sweeps follow
  (never increasing the error).
* ``b == a``, integer-valued kernel with every rank :math:`\le C` — an **exact**
  rational construction (cross/skeleton steps: pivot rows and columns from a
  modular elimination, ``X = M[:, J] M[I, J]^{-1}`` in fractions), scaled to
  integer weights and checked by running the integer cascade.
* ``b != a`` — **alternating least squares** over the layers: the composed kernel
  is linear in each layer's weight with the others fixed, so each step is a
  linear least-squares problem; the error never increases.  Started from the
  ``b == a`` solution for kernel ``b`` embedded in the ``a`` taps (when
  ``a >= b``) and from random starts; the best is kept.  No optimality claim.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> ws = random_cascade(3, 2, 1, 2, rng)              # a = 3, L = 2, D = 1, C = 2
>>> k = compose(ws, 3)
>>> r = fit(k, 3, 2, 2)
>>> r.exact, r.ranks
(True, (2,))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import InvalidArgument, TooLarge
from ..numeric import cascade_with_bound
from .als import MAX_FIT_BYTES, _als_work, _impulse, als, compose
from .ranks import (
    SVD_WORK_LIMIT,
    digit_tensor,
    is_integral,
    pad_to_power,
    rank_mod_p,
    rank_profile,
    unfolding_shapes,
)

__all__ = [
    "ALS_WORK_LIMIT",
    "EXACT_RANK_LIMIT",
    "MAX_FIT_BYTES",
    "FitResult",
    "als",
    "cascade_extent",
    "compose",
    "compose_exact",
    "exact_cascade",
    "fit",
    "random_cascade",
    "tt_svd",
]

#: Largest total ALS work (sweeps x layers x rows x columns**2 of the least-squares problems), 2**34.
ALS_WORK_LIMIT = 1 << 34
#: Largest bond rank for which the exact rational construction is attempted.
EXACT_RANK_LIMIT = 64


def cascade_extent(a: int, b: int, layers: int) -> int:
    """Extent per axis of the composed kernel of ``L`` layers of extent ``a`` with dilations ``b**l``.

    Examples
    --------
    >>> cascade_extent(3, 3, 3), cascade_extent(3, 2, 4)
    (27, 31)
    """
    return 1 + (a - 1) * sum(b**l for l in range(layers))


def random_cascade(a: int, layers: int, dims: int, channels: int, rng: np.random.Generator,
                   integer: bool = True) -> list[Any]:
    """Random weights in kronconv's layer layout (small integers in [-3, 3], or standard normal).

    Examples
    --------
    >>> [w.shape for w in random_cascade(2, 3, 1, 4, np.random.default_rng(0))]
    [(4, 1, 2), (4, 4, 2), (1, 4, 2)]
    """
    out = []
    for l in range(layers):
        shape = (1 if l == layers - 1 else channels, 1 if l == 0 else channels) + (a,) * dims
        out.append(rng.integers(-3, 4, shape) if integer else rng.standard_normal(shape))
    return out


def compose_exact(weights: Sequence[Any], b: int) -> Any:
    """The composed kernel of integer weights, exactly: the numeric engine in int64 when a bound shows no
    partial sum reaches 2**62, else Python integers (object arrays, direct digit-path sums).

    Examples
    --------
    >>> compose_exact([np.array([[[1, 2]]]), np.array([[[3, 1]]])], 2).tolist()
    [3, 6, 1, 2]
    """
    dims = weights[0].ndim - 2
    absw = [np.abs(w.astype(np.float64)) for w in weights]
    bound = float(np.max(compose(absw, b))) * (1 + 1e-9) if absw else 0.0
    if bound < 2.0**62:  # every partial sum of the int64 cascade is bounded by the cascade of |W|
        return compose([w.astype(np.int64) for w in weights], b)
    # exact fallback: sum of dilated full convolutions with Python ints
    y = np.ones((1,) + (1,) * dims, dtype=object)  # channels x spatial
    for l, w in enumerate(weights):
        d = b**l
        ext = tuple(d * (n - 1) + 1 for n in w.shape[2:])
        out = np.zeros((w.shape[0],) + tuple(e + s - 1 for e, s in zip(ext, y.shape[1:])), dtype=object)
        for o in range(w.shape[0]):
            for i in range(w.shape[1]):
                for q in np.ndindex(*w.shape[2:]):
                    v = int(w[(o, i) + q])
                    if v:
                        sl = tuple(slice(d * qq, d * qq + s) for qq, s in zip(q, y.shape[1:]))
                        out[(o,) + sl] += v * y[i]
        y = out
    return y[0]


# --------------------------------------------------------------------------- b == a: TT-SVD


def _cores_to_weights(cores: Sequence[Any], a: int, dims: int, channels: int) -> list[Any]:
    """TT cores (level L-1 first, shape (r_left, a**D, r_right)) -> layer weights padded to C channels."""
    L = len(cores)
    ws: list[Any] = [None] * L
    for j, g in enumerate(cores):
        l = L - 1 - j
        co = 1 if l == L - 1 else channels
        ci = 1 if l == 0 else channels
        w = np.zeros((co, ci) + (a,) * dims, dtype=g.dtype)
        w[: g.shape[0], : g.shape[2]] = g.transpose(0, 2, 1).reshape((g.shape[0], g.shape[2]) + (a,) * dims)
        ws[l] = w
    return ws


def tt_svd(kernel: Any, a: int, layers: int, channels: int) -> tuple[list[Any], list[float]]:
    """TT-SVD of the (padded) kernel truncated to ``channels``: layer weights and, per step, the
    Frobenius norm of the discarded singular values (Oseledets 2011, Alg. 1).

    Examples
    --------
    >>> w, disc = tt_svd(np.kron(np.array([1.0, 2.0]), np.array([3.0, 5.0])), 2, 2, 1)
    >>> np.allclose(compose(w, 2), [3, 5, 6, 10]), disc[0] < 1e-12
    (True, True)
    """
    t = digit_tensor(pad_to_power(kernel, a, layers).kernel, a, layers).astype(np.float64)
    dims = np.asarray(kernel).ndim
    n = a**dims
    cores, disc = [], []
    m, rl = t.reshape(n, -1), 1
    for _ in range(layers - 1):
        m = m.reshape(rl * n, -1)
        u, s, vt = np.linalg.svd(m, full_matrices=False)
        r = min(channels, s.size)
        disc.append(float(np.sqrt(np.sum(s[r:] ** 2))))
        cores.append(u[:, :r].reshape(rl, n, r))
        m, rl = s[:r, None] * vt[:r], r
    cores.append(m.reshape(rl, n, 1))
    return _cores_to_weights(cores, a, dims, channels), disc


def _frac_inverse(m: list[list[Fraction]]) -> list[list[Fraction]]:
    n = len(m)
    aug = [row[:] + [Fraction(int(i == j)) for j in range(n)] for i, row in enumerate(m)]
    for c in range(n):
        piv = next(i for i in range(c, n) if aug[i][c] != 0)
        aug[c], aug[piv] = aug[piv], aug[c]
        inv = 1 / aug[c][c]
        aug[c] = [v * inv for v in aug[c]]
        for i in range(n):
            if i != c and aug[i][c] != 0:
                f = aug[i][c]
                aug[i] = [x - f * y for x, y in zip(aug[i], aug[c])]
    return [row[n:] for row in aug]


def exact_cascade(kernel: Any, a: int, layers: int, channels: int) -> tuple[list[Any], list[int]] | None:
    """Integer weights ``W_l`` and integer scales ``s_l`` with ``compose(W) == K * prod(s_l)`` exactly,
    ``C = channels`` channels, or ``None`` when some unfolding rank exceeds ``channels`` or
    :data:`EXACT_RANK_LIMIT`.  Not checked here (see :func:`fit`).

    Examples
    --------
    >>> k = np.kron(np.array([1, 2, 0]), np.array([3, 1, 1]))
    >>> ws, scales = exact_cascade(k, 3, 2, 1)
    >>> bool((compose_exact(ws, 3) == k * np.prod(scales)).all())
    True
    """
    k = pad_to_power(np.asarray(kernel), a, layers).kernel
    if not is_integral(k):
        raise InvalidArgument("exact_cascade needs an integer-valued kernel")
    dims = k.ndim
    n = a**dims
    t = digit_tensor(k, a, layers).astype(object)
    t = np.vectorize(int, otypes=[object])(t)
    cores, scales = [], []
    m, rl = t.reshape(n, -1), 1
    for _ in range(layers - 1):
        m = m.reshape(rl * n, -1)
        r, rows, cols = rank_mod_p(m.astype(np.int64) if _fits(m) else m)
        if r > channels or r > EXACT_RANK_LIMIT:
            return None
        if r == 0:
            rows, cols, r = [0], [0], 1  # zero kernel: keep one (zero) channel
            x = [[Fraction(0)] for _ in range(m.shape[0])]
        else:
            block = [[Fraction(int(m[i, j])) for j in cols] for i in rows]
            inv = _frac_inverse(block)
            mc = [[Fraction(int(m[i, j])) for j in cols] for i in range(m.shape[0])]
            x = [[sum((row[q] * inv[q][c] for q in range(r)), Fraction(0)) for c in range(r)] for row in mc]
        den = 1
        for row in x:
            for v in row:
                den = den * v.denominator // math.gcd(den, v.denominator)
        core = np.array([[int(v * den) for v in row] for row in x], dtype=object).reshape(rl, n, r)
        cores.append(core)
        scales.append(den)
        m, rl = m[rows], r
    cores.append(m.reshape(rl, n, 1))
    scales.append(1)
    ws = _cores_to_weights(cores, a, dims, channels)
    return [_int_array(w) for w in ws], scales


def _fits(m: Any) -> bool:
    return bool(max((abs(int(v)) for v in np.asarray(m).ravel()), default=0) < (1 << 62))


def _int_array(w: Any) -> Any:
    return w.astype(np.int64) if _fits(w) else w


# --------------------------------------------------------------------------- ALS (any b)


@dataclass(frozen=True)
class FitResult:
    """A fitted cascade and its report.

    ``relative_error`` is :math:`\\|\\mathrm{compose}(W) - K\\|_F / \\|K\\|_F` with the composed
    kernel computed by kronconv's numeric engine (``0`` when ``exact``).  For ``b == a``:
    ``error_bound`` (absolute, Oseledets) and ``lower_bound`` (absolute, best possible),
    both from the singular values of the unfoldings; ``tolerance`` covers float64 rounding
    of the check error <= bound.  For ``b != a``: ``error_bound`` is ``None`` and
    ``lower_bound`` is the target's norm on the holes of the dilation pattern (positions
    no channel path reaches, where every such cascade's kernel is 0).
    """

    a: int
    b: int
    layers: int
    channels: int
    dims: int
    method: str
    weights: tuple[Any, ...]
    ranks: tuple[int, ...]
    rank_mode: str
    relative_error: float
    absolute_error: float
    norm: float
    error_bound: float | None
    lower_bound: float | None
    tolerance: float
    exact: bool
    exact_scales: tuple[int, ...] | None
    parameters: dict[str, int]
    history: tuple[float, ...] = ()
    target_shape: tuple[int, ...] = ()
    fitted_shape: tuple[int, ...] = ()
    offset: tuple[int, ...] = ()
    seed: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def dilations(self) -> list[int]:
        return [self.b**l for l in range(self.layers)]

    def to_dict(self) -> dict[str, Any]:
        return {"kernel_size": self.a, "dilation_base": self.b, "layers": self.layers, "channels": self.channels,
                "dims": self.dims, "dilations": self.dilations, "method": self.method, "ranks": list(self.ranks),
                "rank_mode": self.rank_mode, "relative_error": self.relative_error,
                "absolute_error": self.absolute_error, "norm": self.norm,
                "error_bound": self.error_bound,
                "relative_error_bound": (self.error_bound / self.norm if self.error_bound is not None and self.norm
                                         else (0.0 if self.error_bound is not None else None)),
                "lower_bound": self.lower_bound, "tolerance": self.tolerance, "exact": self.exact,
                "parameters": dict(self.parameters), "history": list(self.history),
                "target_shape": list(self.target_shape), "fitted_shape": list(self.fitted_shape),
                "offset": list(self.offset), "seed": self.seed,
                "weight_shapes": [list(w.shape) for w in self.weights], "notes": list(self.notes)}


def _params(a: int, dims: int, layers: int, channels: int) -> int:
    """Weights of the cascade: C + (L-2) C^2 + C filters of a^D taps (one layer: a^D)."""
    if layers == 1:
        return a**dims
    return a**dims * (2 * channels + (layers - 2) * channels * channels)


def _check_kernel(k: Any) -> Any:
    k = np.asarray(k)
    if k.dtype.kind not in "biuf":
        raise InvalidArgument(f"kernel must hold real numbers (integer or float), got dtype {k.dtype}")
    if k.ndim not in (1, 2, 3):
        raise InvalidArgument(f"kernel must be 1-, 2- or 3-D, got {k.ndim} axes (shape {k.shape})")
    if k.dtype.kind == "f" and not np.all(np.isfinite(k)):
        raise InvalidArgument("kernel has NaN or infinite entries")
    return k


def fit(kernel: Any, a: int, layers: int, channels: int, *, b: int | None = None, sweeps: int = 0,
        seed: int = 0, starts: int = 2) -> FitResult:
    """Fit ``kernel`` with an ``L``-layer, ``C``-channel linear cascade of ``a^D`` kernels, dilations ``b**l``.

    See the module docstring for the methods.  The kernel is zero-padded at the end of each
    axis to ``a**L`` (``b == a``) or centred in the composed extent
    ``1 + (a-1)(b**L - 1)/(b - 1)`` (``b != a``); a larger kernel is refused.

    Examples
    --------
    >>> r = fit(np.arange(1.0, 10.0), 3, 2, 1)            # 1..9 is not one Kronecker product
    >>> r.ranks, r.exact, r.relative_error <= r.error_bound / r.norm + r.tolerance / r.norm
    ((2,), False, True)
    """
    k = _check_kernel(kernel)
    b = a if b is None else int(b)
    if a < 2:
        raise InvalidArgument(f"--kernel must be >= 2, got {a}")
    if b < 2:
        raise InvalidArgument(f"--dilation-base must be >= 2, got {b}")
    if layers < 1:
        raise InvalidArgument(f"--layers must be >= 1, got {layers}")
    if channels < 1:
        raise InvalidArgument(f"--channels must be >= 1, got {channels}")
    if sweeps < 0:
        raise InvalidArgument(f"--sweeps must be >= 0, got {sweeps}")
    dims = k.ndim
    dense = int(np.prod(k.shape))
    params = {"cascade": _params(a, dims, layers, channels), "dense": dense}
    wbytes = 8 * params["cascade"]
    if wbytes > MAX_FIT_BYTES:
        raise TooLarge(f"the cascade's weights would take {wbytes} bytes ({params['cascade']} numbers), above the "
                       f"limit MAX_FIT_BYTES = {MAX_FIT_BYTES}; use fewer channels")
    if b == a:
        return _fit_tt(k, a, layers, channels, sweeps, seed, params)
    return _fit_als(k, a, b, layers, channels, max(sweeps, 1) if sweeps else 10, seed, starts, params)


def _fit_tt(k: Any, a: int, layers: int, channels: int, sweeps: int, seed: int,
            params: dict[str, int]) -> FitResult:
    prep = pad_to_power(k, a, layers)
    dims = prep.dims
    shapes = unfolding_shapes(a, layers, dims)
    work = sum(r * c * min(r, c) for r, c in shapes)
    if work > SVD_WORK_LIMIT:
        raise TooLarge(f"TT-SVD needs about {work} flops, above the limit SVD_WORK_LIMIT = {SVD_WORK_LIMIT}")
    E = a**layers
    if sweeps:
        aw = _als_work(E, dims, a, channels, layers, sweeps)
        if aw > ALS_WORK_LIMIT:
            raise TooLarge(f"{sweeps} ALS sweeps need about {aw} flops, above the limit ALS_WORK_LIMIT = "
                           f"{ALS_WORK_LIMIT}; use fewer sweeps or channels")
    prof = rank_profile(prep.kernel, a, levels=layers)
    target = prep.kernel
    norm = float(np.linalg.norm(target.astype(np.float64)))
    tails = prof.tail(channels)
    bound = math.sqrt(sum(x * x for x in tails))
    lower = max(tails, default=0.0)
    notes = list(prof.notes)
    eps = float(np.finfo(np.float64).eps)
    if prof.mode == "exact" and max(prof.ranks, default=0) <= channels:
        built = exact_cascade(target, a, layers, channels)
        if built is not None:
            ws_int, scales = built
            lhs = compose_exact(ws_int, a)
            scale = math.prod(scales)
            rhs = np.asarray(target).astype(object) * scale
            if lhs.shape == rhs.shape and all(int(x) == int(y) for x, y in zip(lhs.ravel(), rhs.ravel())):
                wf = tuple(np.array(w, dtype=np.float64) / s for w, s in zip(ws_int, reversed(_per_layer(scales))))
                notes.append("exact: integer weights W_l with composed kernel = K * prod(scales), checked by "
                             "the integer cascade (kronconv.numeric, impulse input)")
                # exact ranks <= C: every discarded singular value is exactly 0, so are both bounds
                return FitResult(a, a, layers, channels, dims, "exact", wf, prof.ranks, prof.mode, 0.0, 0.0, norm,
                                 0.0, 0.0, 0.0, True, tuple(_per_layer(scales)[::-1]), params,
                                 (), tuple(k.shape), tuple(target.shape), (0,) * dims, seed, tuple(notes))
            notes.append("exact construction failed its check; floating TT-SVD instead")  # pragma: no cover
    ws, _disc = tt_svd(target, a, layers, channels)
    method = "tt-svd"
    hist: list[float] = []
    if sweeps:
        ws, hist = als(target, ws, a, sweeps)
        method = f"tt-svd + {sweeps} ALS sweeps"
    got, err_b = cascade_with_bound(_impulse(dims, np.float64), ws, [a**l for l in range(layers)],
                                    padding="full", operation="convolution")
    diff = float(np.linalg.norm(got[0, 0] - target))
    # float64 slack of "error <= bound": the engine's rounding bound plus max(m, n) eps ||K||_F per SVD step
    tol = float(np.linalg.norm(err_b)) + sum(max(s) for s in shapes) * eps * norm + eps * bound
    if sweeps:
        notes.append("ALS sweeps after TT-SVD never increase the error, so the TT-SVD bound still applies")
    return FitResult(a, a, layers, channels, dims, method, tuple(ws), prof.ranks, prof.mode,
                     diff / norm if norm else 0.0, diff, norm, bound, lower, tol, False, None, params,
                     tuple(hist), tuple(k.shape), tuple(target.shape), (0,) * dims, seed, tuple(notes))


def _per_layer(scales: Sequence[int]) -> list[int]:
    """Scales are per TT core (level L-1 first); return them in core order (reverse for layer order)."""
    return list(scales)


def _fit_als(k: Any, a: int, b: int, layers: int, channels: int, sweeps: int, seed: int, starts: int,
             params: dict[str, int]) -> FitResult:
    dims = k.ndim
    E = cascade_extent(a, b, layers)
    if max(k.shape) > E:
        raise InvalidArgument(f"kernel extent {max(k.shape)} exceeds the cascade's composed extent "
                              f"1 + (a-1)(b^L-1)/(b-1) = {E} (a = {a}, b = {b}, L = {layers}); add layers")
    if E**dims > (1 << 22):
        raise TooLarge(f"composed extent {E}^{dims} = {E**dims} entries, above the limit 2**22")
    n_starts = starts + (1 if a >= b else 0)
    work = _als_work(E, dims, a, channels, layers, sweeps) * n_starts
    if work > ALS_WORK_LIMIT:
        raise TooLarge(f"ALS needs about {work} flops ({n_starts} starts x {sweeps} sweeps), above the limit "
                       f"ALS_WORK_LIMIT = {ALS_WORK_LIMIT}; use fewer sweeps, channels or layers")
    off = tuple((E - n) // 2 for n in k.shape)
    target = np.zeros((E,) * dims)
    target[tuple(slice(o, o + n) for o, n in zip(off, k.shape))] = k
    norm = float(np.linalg.norm(target))
    rng = np.random.default_rng(seed)
    inits: list[tuple[str, list[Any]]] = []
    notes = [f"target centred in the composed extent {E} per axis (offset {off[0]})" if E != max(k.shape) else
             "target extent equals the composed extent"]
    if a >= b:
        inits.append(("tt-svd (kernel b embedded)", _embedded_init(target, a, b, layers, channels)))
    for _ in range(starts):
        ws0 = random_cascade(a, layers, dims, channels, rng, integer=False)
        scale = (norm / max(float(np.linalg.norm(compose(ws0, b))), 1e-300)) ** (1.0 / layers) if norm else 1.0
        inits.append(("random", [w * scale for w in ws0]))
    best: tuple[float, str, list[Any], list[float]] | None = None
    for name, ws0 in inits:
        ws, hist = als(target, ws0, b, sweeps)
        err = hist[-1] if hist else 1.0
        if best is None or err < best[0]:
            best = (err, name, ws, hist)
    assert best is not None
    _, name, ws, hist = best
    got = compose(ws, b)
    diff = float(np.linalg.norm(got - target))
    # positions no path reaches (gridding holes): every cascade's composed kernel is 0 there
    reach = compose([np.ones((1, 1) + (a,) * dims)] * layers, b) > 0
    hole = float(np.linalg.norm(target[~reach]))
    if hole > 0:
        notes.append(f"{int((~reach).sum())} of {E**dims} positions are holes of the dilation pattern (no path "
                     f"reaches them); the target's norm there, {hole / norm:.3g} relative, is a lower bound "
                     "of the error of any such cascade")
    notes.append(f"best of {len(inits)} starts: {name}; no optimality claim")
    return FitResult(a, b, layers, channels, dims, f"als ({sweeps} sweeps)", tuple(ws), (), "none",
                     diff / norm if norm else 0.0, diff, norm, None, hole, 0.0, False, None, params,
                     tuple(hist), tuple(k.shape), (E,) * dims, off, seed, tuple(notes))


def _embedded_init(target: Any, a: int, b: int, layers: int, channels: int) -> list[Any]:
    """TT-SVD of a ``b**L`` window of the target with kernel ``b``, embedded in the ``a`` taps at shift ``s``."""
    dims = target.ndim
    E = target.shape[0]
    best_s = min(range(a - b + 1), key=lambda s: abs(s * (b**layers - 1) // (b - 1) + b**layers / 2 - E / 2))
    o = best_s * (b**layers - 1) // (b - 1)
    window = target[tuple(slice(o, o + b**layers) for _ in range(dims))]
    ws_b, _ = tt_svd(window, b, layers, channels)
    out = []
    for w in ws_b:
        big = np.zeros(w.shape[:2] + (a,) * dims)
        big[(slice(None), slice(None)) + tuple(slice(best_s, best_s + b) for _ in range(dims))] = w
        out.append(big)
    return out
