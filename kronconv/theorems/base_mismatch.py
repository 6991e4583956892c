r"""Dilation base ``b != a``: the composed kernel's extent and Kronecker rank (Van Loan–Pitsianis).

With dilations :math:`b^l` the composed kernel of ``L`` layers of extent ``a`` has extent

.. math::  E(L) = 1 + (a - 1)\,\frac{b^L - 1}{b - 1} \qquad (b \ge 2),

proved by induction from the receptive-field recurrence :math:`E(L+1) = E(L) + (a-1) b^L`
(dilated extent :math:`b^L (a-1) + 1`), against :math:`a^L` for the Kronecker kernel:
the shapes differ unless :math:`b = a` (or ``L = 1``).  The refutation of the
Kronecker claim itself is the exact counterexample of :func:`.cascade.prove_cascade`;
this module adds the *Kronecker rank* of the composed kernel for random small-integer
kernels with respect to every factorisation :math:`E = p \cdot q` (per axis): the
matrix rank of the Van Loan–Pitsianis rearrangement, exactly (SymPy, integers) where
the matrix is small and numerically (SVD, NumPy's ``matrix_rank`` tolerance) always.
A prime extent has no nontrivial factorisation, which is reported as such.  The same
report serves the channel case (rank of one channel pair's composed kernel).

Examples
--------
>>> p = prove_kronecker_rank(layers=2, kernel=3, base=2, dims=1, seed=0)
>>> p.claim["extent"], [r["outer"] for r in p.certificates[-1].evidence["ranks"]]
(7, [])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..coqref import citation
from ..errors import InvalidArgument, TooLarge
from ..exact_rank import exact_rank, rank_work
from ..kron import numeric_kronecker_rank, rearrange
from ..polykernel import Layout, cascade_operator, check_size, evaluate_kernel
from ..proof import Certificate, Proof, Step, discharge
from .dilation_lemma import fact

__all__ = ["MAX_DENSE", "RANK_WORK_LIMIT", "composed_kernel", "factorizations", "prove_kronecker_rank", "random_kernels", "rank_entry_bound"]

#: Largest dense composed kernel (entries) a Kronecker-rank report builds: 2**22.
MAX_DENSE = 1 << 22

#: Most elementary operations (worst case, :func:`kronconv.exact_rank.rank_work`) the exact ranks of
#: one report may take: about a second of vectorised elimination.
RANK_WORK_LIMIT = 1 << 28


def rank_entry_bound(layers: int, kernel: int, dims: int, channels: int) -> int:
    """A priori bound on the composed kernel's entries: kernels in [-3, 3], at most
    ``C**(L-1) * a**(D (L-1))`` products of ``L`` entries per output entry."""
    return 3**layers * channels ** (layers - 1) * kernel ** (dims * (layers - 1))


def random_kernels(layers: int, kernel: int, dims: int, channels: int, seed: int) -> list[np.ndarray]:
    """Reproducible small-integer kernels in [-3, 3], shape ``(C, C) + (a,)*D`` per layer.

    Examples
    --------
    >>> random_kernels(1, 2, 1, 1, 0)[0].tolist()
    [[[2, 1]]]
    """
    rng = np.random.default_rng(seed)
    return [rng.integers(-3, 4, size=(channels, channels) + (kernel,) * dims) for _ in range(layers)]


def composed_kernel(layout: Layout, dilations: list[int], kernels: list[np.ndarray]) -> np.ndarray:
    """The exact composed convolution kernel ``K[o, i, ...]`` (corner-indexed) of a cascade.

    Examples
    --------
    >>> lay = Layout(2, 1, 1, 2)
    >>> composed_kernel(lay, [1, 2], [np.array([[[1, 2]]]), np.array([[[1, 10]]])])[0, 0].tolist()
    [1, 2, 10, 20]
    """
    dense, _ = evaluate_kernel(cascade_operator(layout, dilations), kernels)
    return dense[(slice(None), slice(None)) + (slice(None, None, -1),) * layout.dims]  # offsets -> kernel index


def factorizations(n: int) -> list[tuple[int, int]]:
    """Nontrivial ``(p, q)`` with ``p * q == n``.

    Examples
    --------
    >>> factorizations(15), factorizations(7)
    ([(3, 5), (5, 3)], [])
    """
    return [(p, n // p) for p in range(2, n) if n % p == 0]


def prove_kronecker_rank(layers: int, kernel: int = 3, base: int = 2, dims: int = 2, channels: int = 1,
                         seed: int = 0) -> Proof:
    """Extent and Kronecker rank of the composed kernel (channel pair 0, 0) for random integer kernels."""
    if base < 1:
        raise InvalidArgument(f"base must be >= 1, got {base}")
    lay = Layout(kernel, dims, channels, layers)
    check_size(lay)
    dil = [base**l for l in range(layers)]
    extent = 1 + (kernel - 1) * sum(dil)
    if channels * channels * extent**dims > MAX_DENSE:
        raise TooLarge(f"Kronecker-rank report needs a dense composed kernel of {channels}x{channels}x{extent}^{dims} "
                       f"entries, above the limit MAX_DENSE = {MAX_DENSE}; use a smaller base or fewer layers")
    bound = rank_entry_bound(layers, kernel, dims, channels)
    work = layers * kernel**dims * channels**2 * extent**dims  # dense composition (the checker's way)
    work += sum(rank_work(p**dims, q**dims, bound) for p, q in factorizations(extent))
    if work > RANK_WORK_LIMIT:
        raise TooLarge(f"exact Kronecker ranks of the {extent}^{dims} composed kernel need up to {work} operations, "
                       f"above the limit RANK_WORK_LIMIT = {RANK_WORK_LIMIT}; use a smaller base or fewer layers")
    ks = random_kernels(layers, kernel, dims, channels, seed)
    comp = composed_kernel(lay, dil, ks)
    k00 = comp[0, 0]
    E = int(k00.shape[0])
    formula = 1 + (kernel - 1) * (sum(base**l for l in range(layers)))
    steps = [
        Step("S1", "Extent by induction: E(1) = a and E(L+1) = E(L) + (a − 1)·b^L (receptive-field recurrence with "
                   "dilated extent b^L(a − 1) + 1), solved by E(L) = 1 + (a − 1)(b^L − 1)/(b − 1) for b ≥ 2 "
                   "(and 1 + (a − 1)L for b = 1).",
             "extent-induction", (), "general",
             (fact("equal", "1 + (a - 1)*(b**1 - 1)/(b - 1)", "a", "E(1) = a"),
              fact("equal", "(1 + (a - 1)*(b**(L + 1) - 1)/(b - 1)) - (1 + (a - 1)*(b**L - 1)/(b - 1))",
                   "(a - 1)*b**L", "E(L+1) − E(L) = (a − 1) b^L")), coq=citation("extent-induction")),
        Step("S2", f"Instance: with a = {kernel}, b = {base}, L = {layers} the composed kernel has extent {E} per axis "
                   f"(formula: {formula}); the Kronecker kernel has extent a^L = {kernel**layers}"
                   + (" — the shapes differ." if E != kernel**layers else "."),
             "exact-evaluation", ("S1",), "instance", facts={"extent": E, "formula": formula,
                                                               "kron_extent": kernel**layers}),
    ]
    rows: list[dict[str, Any]] = []
    for p, q in factorizations(E):
        R = rearrange(k00, (p,) * dims, (q,) * dims)
        row: dict[str, Any] = {"outer": p, "inner": q, "numeric_rank": numeric_kronecker_rank(k00, (p,) * dims, (q,) * dims),
                               "max_rank": int(min(R.shape)), "exact_rank": exact_rank(R)}
        rows.append(row)
    text = "; ".join(f"w.r.t. {r['outer']}^{dims} ⊗ {r['inner']}^{dims}: rank {r['exact_rank']}"
                     f" (of at most {r['max_rank']})" for r in rows) or f"extent {E} is prime: no nontrivial factorisation"
    steps.append(Step("S3", f"Kronecker rank of the composed kernel (Van Loan–Pitsianis rearrangement): {text}. Rank 1 "
                            "would mean a single Kronecker product of factors of those shapes.",
                      "kronecker-rank", ("S2",), "instance", facts={"ranks": rows}))
    ev = {"kernels": [k.tolist() for k in ks], "dilations": dil, "seed": seed, "extent": E, "ranks": rows}
    general_ok = not discharge(steps)
    certs = [Certificate("symbolic", "E(L) = 1 + (a − 1)(b^L − 1)/(b − 1) for all a, L and b ≥ 2",
                         "induction; SymPy obligations in S1", general_ok, {"steps": ["S1"]})]
    if rows:
        certs.append(Certificate("numeric", "numeric Kronecker ranks", "SVD of the rearrangement", True,
                                 {"backend": "numpy", "dtype": "float64",
                                  "error_bound": "singular values below max(R.shape)·eps·s_max count as 0",
                                  "seed": seed, "ranks": [[r["outer"], r["numeric_rank"]] for r in rows]}))
    certs.append(Certificate("instance", "exact extent and exact Kronecker ranks (integer kernels)",
                             "exact integer evaluation; modular elimination with a Hadamard-bound stopping rule "
                             "(kronconv.exact_rank) on the rearrangement", True, ev))
    if any(r["exact_rank"] != r["numeric_rank"] for r in rows):  # pragma: no cover
        raise AssertionError("numeric and exact Kronecker ranks disagree")
    claim = {"theorem": "kronecker-rank", "layers": layers, "kernel": kernel, "base": base, "dims": dims,
             "channels": channels, "seed": seed, "extent": E}
    ch = f", channel pair (0, 0) of {channels}" if channels > 1 else ""
    return Proof("kronecker-rank", f"For L = {layers} layers of {kernel}^{dims} random integer kernels (seed {seed}{ch}) "
                 f"with dilations {base}^l, the composed kernel has extent {E} per axis and the Kronecker ranks listed",
                 claim, (), tuple(steps), tuple(certs), general_ok and E == formula)
