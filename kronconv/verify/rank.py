r"""Theorem kind ``kronecker-rank``: extent and Kronecker ranks of a composed kernel of seeded random kernels.

The kernels are redrawn from the seed (``numpy.random.default_rng(seed).integers(-3, 4)``,
as the prover documents), composed by the checker's own dense convolution, rearranged
(Van Loan--Pitsianis) and ranked exactly by the checker's own modular elimination with a
Hadamard-bound stopping rule (the maximum of ranks modulo primes whose product exceeds the
bound on every minor is the rank over the rationals).  ``numeric_rank`` must equal the exact
rank (the prover refuses to emit a report where its SVD rank disagrees).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import InvalidArgument
from .core import REGISTRY, Kind
from .limits import factorizations, rank_limits
from .steps import cert, general, step

CLAIM = {"theorem": "theorem", "layers": (1, 64), "kernel": (1, 64), "base": (1, 1 << 20), "dims": (1, 3),
         "channels": (1, 64), "seed": (0, 1 << 31), "extent": (1, 1 << 62)}


def _is_prime(n: int) -> bool:
    return n > 1 and all(n % f for f in range(2, math.isqrt(n) + 1))


def _rank_mod(m: list[list[int]], p: int) -> int:
    a = np.array([[x % p for x in row] for row in m], dtype=np.int64)
    r = 0
    for c in range(a.shape[1]):
        nz = np.flatnonzero(a[r:, c])
        if nz.size:
            a[[r, r + nz[0]]] = a[[r + nz[0], r]]
            a[r] = a[r] * pow(int(a[r, c]), p - 2, p) % p
            a[r + 1:] = (a[r + 1:] - a[r + 1:, c:c + 1] * a[r]) % p
            r += 1
            if r == a.shape[0]:
                break
    return r


def exact_rank(m: list[list[int]]) -> int:
    """Rank over the rationals: max of ranks mod primes below 2**31 until the product of the primes
    exceeds the Hadamard bound on every minor (squares compared exactly) or the rank is full."""
    full = min(len(m), len(m[0]))
    h2 = math.prod(sorted((max(1, sum(x * x for x in row)) for row in m), reverse=True)[:full])
    best, prod2, p = 0, 1, 1 << 31
    while best < full and prod2 <= h2:
        p -= 1
        if _is_prime(p):
            best, prod2 = max(best, _rank_mod(m, p)), prod2 * p * p
    return best


def composed(ks: list[np.ndarray], dil: list[int], dtype: Any = np.int64) -> np.ndarray:
    """Kernel ``[o, ...]`` from input channel 0 of the cascade ``dilate(K_0, d_0)`` then ``dilate(K_1, d_1)``
    ... (own dense convolution; work ``L a^D C^2 E^D``)."""
    comp = None  # [c, ...]: the response at channel c to input channel 0
    for k, d in zip(ks, dil):
        C, D, a = k.shape[0], k.ndim - 2, k.shape[-1]
        if comp is None:
            comp = np.zeros((C,) + (d * (a - 1) + 1,) * D, dtype=dtype)
            comp[(slice(None),) + (slice(None, None, d),) * D] = k[:, 0]
            continue
        n = comp.shape[1]
        out = np.zeros((C,) + (d * (a - 1) + n,) * D, dtype=dtype)
        for idx in np.ndindex(*k.shape[2:]):
            at = tuple(slice(d * x, d * x + n) for x in idx)
            out[(slice(None),) + at] += np.tensordot(k[(slice(None), slice(None)) + idx], comp, axes=1)
        comp = out
    assert comp is not None
    return comp


def expect(c: dict[str, Any], got: dict[str, Any] | None = None) -> dict[str, Any]:
    L, a, b, D, C, seed = (c[k] for k in ("layers", "kernel", "base", "dims", "channels", "seed"))
    why = rank_limits(L, a, b, D, C)
    if why:
        raise InvalidArgument(f"claim needs {why}: above the checker's limit (the prover refuses it too)")
    rng = np.random.default_rng(seed)
    ks = [rng.integers(-3, 4, size=(C, C) + (a,) * D) for _ in range(L)]
    dil = [b**l for l in range(L)]
    big = 3**L * C ** (L - 1) * a ** (D * (L - 1)) >= 1 << 62  # int64 could overflow: Python ints
    k00 = composed([k.astype(object) for k in ks] if big else ks, dil, object if big else np.int64)[0]
    E = int(k00.shape[0])
    formula = 1 + (a - 1) * sum(dil)
    s1, ok = general("S1", "extent-induction", [])
    s2 = step("S2", f"Instance: with a = {a}, b = {b}, L = {L} the composed kernel has extent {E} per axis (formula: "
                    f"{formula}); the Kronecker kernel has extent a^L = {a**L}"
              + (" — the shapes differ." if E != a**L else "."), "exact-evaluation", ["S1"], "instance",
              facts={"extent": E, "formula": formula, "kron_extent": a**L})
    rows = []
    for p, q in factorizations(E):
        m = k00.reshape(sum(((p, q) for _ in range(D)), ()))
        m = m.transpose(tuple(range(0, 2 * D, 2)) + tuple(range(1, 2 * D, 2))).reshape(p**D, q**D)
        rk = exact_rank([[int(x) for x in row] for row in m])
        rows.append({"outer": p, "inner": q, "numeric_rank": rk, "max_rank": min(p**D, q**D), "exact_rank": rk})
    text = "; ".join(f"w.r.t. {r['outer']}^{D} ⊗ {r['inner']}^{D}: rank {r['exact_rank']} (of at most "
                     f"{r['max_rank']})" for r in rows) or f"extent {E} is prime: no nontrivial factorisation"
    s3 = step("S3", f"Kronecker rank of the composed kernel (Van Loan–Pitsianis rearrangement): {text}. Rank 1 would "
                    "mean a single Kronecker product of factors of those shapes.", "kronecker-rank", ["S2"], "instance",
              facts={"ranks": rows})
    certs = [cert("symbolic", "E(L) = 1 + (a − 1)(b^L − 1)/(b − 1) for all a, L and b ≥ 2",
                  "induction; SymPy obligations in S1", ok, {"steps": ["S1"]})]
    if rows:
        certs.append(cert("numeric", "numeric Kronecker ranks", "SVD of the rearrangement", True,
                          {"backend": "numpy", "dtype": "float64",
                           "error_bound": "singular values below max(R.shape)·eps·s_max count as 0", "seed": seed,
                           "ranks": [[r["outer"], r["numeric_rank"]] for r in rows]}))
    certs.append(cert("instance", "exact extent and exact Kronecker ranks (integer kernels)",
                      "exact integer evaluation; modular elimination with a Hadamard-bound stopping rule "
                      "(kronconv.exact_rank) on the rearrangement", True,
                      {"kernels": [k.tolist() for k in ks], "dilations": dil, "seed": seed, "extent": E, "ranks": rows}))
    ch = f", channel pair (0, 0) of {C}" if C > 1 else ""
    proved = ok and E == formula
    return {"theorem": "kronecker-rank", "claim": dict(c, extent=E),
            "statement": f"For L = {L} layers of {a}^{D} random integer kernels (seed {seed}{ch}) with dilations "
                         f"{b}^l, the composed kernel has extent {E} per axis and the Kronecker ranks listed",
            "proved": proved, "verdict": "proved" if proved else "refuted", "kinds": [x["kind"] for x in certs],
            "assumptions": [], "steps": [s1, s2, s3], "certificate": certs, "notes": [], "related": []}


REGISTRY["kronecker-rank"] = Kind(CLAIM, expect)
