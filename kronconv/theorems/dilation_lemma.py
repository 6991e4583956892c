r"""The two index lemmas behind the cascade theorem, proved for symbolic sizes, and the dilation theorem.

*Dilation lemma* (general): :math:`K *_d F = \mathrm{dilate}(K, d) * F` and
:math:`\mathrm{dilate}(K, d) = K \otimes E_d` with the :math:`d - 1` trailing zeros
of every axis trimmed.

*Kronecker lemma* (general): for :math:`A` of extent :math:`m` and :math:`B` of
extent exactly :math:`n` per axis, :math:`\mathrm{dilate}(A, n) * B = A \otimes B`.
The index argument: the term :math:`A[i] B[j]` lands at :math:`t = n i + j`; the map
:math:`\varphi(i, j) = n i + j` is a bijection :math:`[0,m) \times [0,n) \to [0, mn)`
with inverse :math:`\psi(t) = (\lfloor t/n \rfloor, t \bmod n)`, which is exactly
``numpy.kron``'s index map.  The integer facts are SymPy :class:`~kronconv.proof.Obligation` s
over symbols ``m, n, d >= 1``, ``i, j, u, tau >= 0``; the cited rules (Euclidean
division, the floor characterisation, the ``numpy.kron`` index map) are listed as
assumptions.

Examples
--------
>>> all(o.holds() for s in lemma_steps() for o in s.obligations)
True
>>> prove_dilation_lemma(kernel=3, dims=2, dilation=2).proved
True
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import sympy as sp

from ..coqref import citation
from ..errors import InvalidArgument, TooLarge
from ..kron import dilate, selector
from ..polykernel import Layout, compare, kernel_operator, layer_operator
from ..proof import Certificate, Obligation, Proof, Step, discharge

__all__ = [
    "ASSUMPTIONS",
    "MAX_LEMMA_ENTRIES",
    "SYMBOLS",
    "SYMBOLS_EXT",
    "dilation_steps",
    "fact",
    "kronecker_lemma_step",
    "lemma_steps",
    "prove_dilation_lemma",
]

#: Largest untrimmed ``K ⊗ E_d`` (entries) the dilation-lemma instance builds: 2**22.
MAX_LEMMA_ENTRIES = 1 << 22

#: The symbols of the general lemmas.
SYMBOLS = {
    "m": sp.Symbol("m", integer=True, positive=True),
    "n": sp.Symbol("n", integer=True, positive=True),
    "d": sp.Symbol("d", integer=True, positive=True),
    "i": sp.Symbol("i", integer=True, nonnegative=True),
    "j": sp.Symbol("j", integer=True, nonnegative=True),
    "u": sp.Symbol("u", integer=True, nonnegative=True),
    "v": sp.Symbol("v", integer=True, positive=True),
    "tau": sp.Symbol("tau", integer=True, nonnegative=True),
    "t": sp.Symbol("t", integer=True),
}

#: Symbols available to obligations (the lemma symbols plus ``a, l, L, r``).
SYMBOLS_EXT = dict(SYMBOLS, a=sp.Symbol("a", integer=True, positive=True),
                   l=sp.Symbol("l", integer=True, nonnegative=True), L=sp.Symbol("L", integer=True, positive=True),
                   r=sp.Symbol("r", integer=True, nonnegative=True), b=sp.Symbol("b", integer=True, positive=True),
                   k=sp.Symbol("k", integer=True, positive=True))

#: Definitions and cited rules the general steps rely on.
ASSUMPTIONS = (
    ("Definitions: (K * F)[t] = Σ_τ K[τ] F[t − τ] (true convolution), (K *_d F)[t] = Σ_τ K[τ] F[t − d·τ] "
     "(dilated), (K ⋆ F)[t] = Σ_τ K[τ] F[t + τ] (cross-correlation); kernel indices from 0 per axis "
     "(--origin centre: from −r); signals are zero outside a finite support, so every sum is finite."),
    ("Convolution of finitely supported arrays is associative and commutative, and bilinear in its two "
     "arguments (finite sums, reindexed; e.g. Oppenheim & Schafer, Discrete-Time Signal Processing, §2.3)."),
    ("numpy.kron index map: for arrays of equal rank, kron(A, B)[n·i + j] = A[i]·B[j] on every axis, "
     "n = B's extent on that axis (NumPy documentation of numpy.kron)."),
    ("Euclidean division: for n ≥ 1 each integer t = n·q + r with unique q = ⌊t/n⌋ and 0 ≤ r = t mod n < n; "
     "⌊x⌋ = q iff q ≤ x < q + 1."),
)


@lru_cache(maxsize=1024)
def fact(kind: str, text: str, rhs: str = "0", note: str = "") -> Obligation:
    """The obligation ``text = rhs`` (or ``kind`` of ``text``) over :data:`SYMBOLS_EXT`; parsed once per process
    (an :class:`~kronconv.proof.Obligation` is immutable, and every proof restates the same facts)."""
    return Obligation.parse(kind, text, rhs, SYMBOLS_EXT, note)


def dilation_steps(prefix: str = "S", dims: int | None = None) -> list[Step]:
    r"""General steps: dilated convolution is convolution with the diluted kernel, which is ``K ⊗ E_d`` trimmed.

    Each cites its Coq theorem (1-D when ``dims == 1``, else the theorem for every D).
    """
    t1 = Step(
        f"{prefix}1",
        "Dilation as convolution: (K *_d F)[t] = Σ_s dilate(K, d)[s] F[t − s], where dilate(K, d)[d·τ] = K[τ] "
        "and dilate(K, d)[s] = 0 when d ∤ s; extent d(m − 1) + 1. Reindex s = d·τ: injective because d ≥ 1, "
        "and it recovers τ = ⌊s/d⌋ with s mod d = 0.",
        "dilation-as-convolution", (), "general",
        (fact("equal", "floor(d*tau/d)", "tau", "⌊dτ/d⌋ = τ"),
         fact("equal", "Mod(d*tau, d)", "0", "dτ mod d = 0"),
         fact("positive", "d", note="d ≥ 1, so τ ↦ dτ is injective")),
        coq=citation("dilation-as-convolution", dims),
    )
    t2 = Step(
        f"{prefix}2",
        "Dilation as a Kronecker product: (K ⊗ E_d)[s] = K[⌊s/d⌋]·[s mod d = 0] (numpy.kron index map, E_d "
        "has its single 1 at 0), which is dilate(K, d)[s]; its last d − 1 entries per axis, s = d(m − 1) + v "
        "with 0 < v < d, are 0 because s mod d = v ≠ 0, so trimming them leaves extent d·m − (d − 1).",
        "dilation-as-kronecker", (f"{prefix}1",), "general",
        (fact("equal", "Mod(d*(m - 1) + v, d)", "Mod(v, d)", "(d(m−1)+v) mod d = v mod d"),
         fact("equal", "d*m - (d - 1)", "d*(m - 1) + 1", "trimmed extent = dilated extent")),
        coq=citation("dilation-as-kronecker", dims),
    )
    return [t1, t2]


def kronecker_lemma_step(step_id: str, premises: tuple[str, ...], dims: int | None = None) -> Step:
    r"""General step: ``dilate(A, n) * B = A ⊗ B`` for ``B`` of extent exactly ``n`` (per axis)."""
    return Step(
        step_id,
        "Kronecker lemma: if A has extent m and B extent exactly n per axis, then dilate(A, n) * B = A ⊗ B. "
        "By the dilation step (dilate(A, n) * B)[t] = Σ_i A[i] B[t − n·i], and B[t − n·i] ≠ 0 only for "
        "j = t − n·i ∈ [0, n): the sum is over pairs with φ(i, j) = n·i + j = t. φ maps [0,m)×[0,n) into "
        "[0, mn) (φ(0,0) = 0, φ(m−1, n−1) = mn − 1) and ψ(t) = (⌊t/n⌋, t mod n) inverts it: for j = n − 1 − u "
        "≤ n − 1, i ≤ (n·i + j)/n < i + 1 gives ⌊(n·i + j)/n⌋ = i and remainder j; n·⌊t/n⌋ + t mod n = t; "
        "⌊t/n⌋ ≤ m − 1 for t ≤ mn − 1. So each t ∈ [0, mn) receives exactly one term, "
        "(dilate(A, n) * B)[t] = A[⌊t/n⌋]·B[t mod n] = (A ⊗ B)[t] (numpy.kron index map), extent mn; "
        "in D dimensions the same holds on every axis.",
        "kronecker-lemma", premises, "general",
        (fact("equal", "n*(m - 1) + (n - 1)", "m*n - 1", "φ(m−1, n−1) = mn − 1"),
         fact("equal", "(n*i + j)/n", "i + j/n", "(n·i + j)/n = i + j/n"),
         fact("nonnegative", "j/n", note="j/n ≥ 0"),
         fact("positive", "1 - (n - 1 - u)/n", note="j = n − 1 − u gives j/n < 1"),
         fact("equal", "(n*i + j) - n*i", "j", "remainder (n·i + j) − n·i = j"),
         fact("equal", "n*floor(t/n) + Mod(t, n)", "t", "φ(ψ(t)) = t"),
         fact("positive", "m - (m*n - 1)/n", note="⌊t/n⌋ ≤ (mn − 1)/n < m")),
        coq=citation("kronecker-lemma", dims),
    )


def lemma_steps() -> list[Step]:
    """The general lemma steps ``S1`` (dilation as convolution), ``S2`` (as Kronecker), ``S3`` (Kronecker lemma)."""
    steps = dilation_steps("S")
    steps.append(kronecker_lemma_step("S3", ("S1",)))
    return steps


def prove_dilation_lemma(kernel: int = 3, dims: int = 2, dilation: int = 2, correlation: bool = False,
                         origin: str = "corner") -> Proof:
    r"""Prove ``K *_d F = (K ⊗ E_d)_{trimmed} * F``: general steps plus an exact instance check.

    The instance check builds the trimmed ``numpy.kron(K, E_d)`` of a kernel of symbol indices
    and compares the convolution with it to the dilated convolution, monomial by monomial.

    Examples
    --------
    >>> p = prove_dilation_lemma(3, 1, 3)
    >>> p.kinds, p.steps[-1].facts["diluted_extent"]
    (['symbolic', 'instance'], [7])
    """
    if isinstance(dilation, bool) or not isinstance(dilation, int) or not 1 <= dilation <= 4096:
        raise InvalidArgument(f"dilation must be an integer in [1, 4096], got {dilation!r}")
    if isinstance(kernel, int) and isinstance(dims, int) and 1 <= dims <= 3 \
            and (kernel * dilation) ** dims > MAX_LEMMA_ENTRIES:
        raise TooLarge(f"the dilation-lemma instance builds K ⊗ E_d with ({kernel}·{dilation})^{dims} entries, above "
                       f"the limit MAX_LEMMA_ENTRIES = {MAX_LEMMA_ENTRIES}; use a smaller kernel, dilation or dims")
    lay = Layout(kernel, dims, 1, 1, origin)
    sym = np.arange(lay.taps).reshape((kernel,) * dims)
    big = np.kron(sym + 1, selector(dilation, dims))  # 0 marks a zero tap
    trimmed = big[tuple(slice(0, dilation * (kernel - 1) + 1) for _ in range(dims))] - 1
    if not np.array_equal(np.where(trimmed >= 0, trimmed, 0), dilate(sym, dilation) * (trimmed >= 0)):
        raise AssertionError("kron.dilate disagrees with the trimmed Kronecker product")  # pragma: no cover
    cmp = compare(layer_operator(lay, 0, dilation, correlation), kernel_operator(lay, trimmed, correlation))
    steps = dilation_steps("S", dims)
    general_ok = not discharge(steps)
    op = "⋆" if correlation else "*"
    steps.append(Step(
        "S3", f"Instance: for a {'x'.join([str(kernel)] * dims)} kernel of symbols and d = {dilation}, K {op}_d F "
              f"and (K ⊗ E_d)_trimmed {op} F have the same terms (exact monomial comparison)",
        "exact-instance-check", ("S1", "S2"), "instance",
        facts={"terms": cmp.lhs_terms, "equal": cmp.equal, "diluted_extent": list(trimmed.shape)}))
    claim = {"theorem": "dilation-lemma", "kernel": kernel, "dims": dims, "dilation": dilation,
             "correlation": correlation, "origin": origin}
    certs = (
        Certificate("symbolic", "for all kernel sizes m ≥ 1 and dilations d ≥ 1: K *_d F = (K ⊗ E_d)_trimmed * F",
                    "index argument; SymPy obligations in S1–S2; cited numpy.kron index map", general_ok,
                    {"steps": ["S1", "S2"]}),
        Certificate("instance", f"a = {kernel}, D = {dims}, d = {dilation}: equal entry by entry", "exact monomial "
                    "multiset comparison", cmp.equal, {"terms": cmp.lhs_terms, "extent": list(cmp.lhs_extent)}),
    )
    return Proof("dilation-lemma", f"A dilated convolution K {op}_d F equals the plain "
                 f"{'correlation' if correlation else 'convolution'} with the diluted kernel K ⊗ E_d "
                 "(trailing zeros trimmed)", claim, ASSUMPTIONS, tuple(steps), certs, cmp.equal and general_ok)
