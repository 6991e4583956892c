r"""The cascade theorem: L dilated layers with dilations a^l equal one convolution with a Kronecker kernel.

A :class:`CascadeClaim` is a *statement* — possibly false — of the form

.. math::

    F_L = \big(K_{L-1} \otimes \cdots \otimes K_0\big) * F_0
    \quad\text{for}\quad F_{l+1} = K_l *_{d_l} F_l,

with knobs for the dimension, channels, dilations, correlation, origin and
(to plant false claims) the Kronecker order, a flipped kernel and a missing
channel sum.  :func:`prove_cascade` decides it:

* if the claim has the proven general form (``d_l = a^l``, last layer outer, no
  flip, channel sum when ``C > 1``), the **general** proof applies: induction on
  the layers from the Kronecker lemma (:mod:`.dilation_lemma`), valid for every
  ``L`` and ``a``;
* in every case the **instance** is checked exactly: the composed cascade operator
  from symbolic kernel entries is compared with the claimed Kronecker operator,
  monomial by monomial (:mod:`kronconv.polykernel`);
* a failed instance check gives a concrete counterexample (0/1 kernels and an
  impulse input) and the verdict *refuted*; the prover never reports *proved*
  unless the exact check passed.

Examples
--------
>>> p = prove_cascade(CascadeClaim(layers=3))
>>> p.proved, p.kinds
(True, ['symbolic', 'instance'])
>>> prove_cascade(CascadeClaim(layers=3, order="first-outer")).proved
False
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..errors import InvalidArgument, TooLarge
from ..polykernel import (
    Comparison,
    Layout,
    cascade_operator,
    check_size,
    compare,
    decode_monomial,
    kron_operator,
)
from ..proof import Certificate, Proof, Step, discharge
from .dilation_lemma import ASSUMPTIONS, dilation_steps, fact, kronecker_lemma_step

__all__ = ["CascadeClaim", "counterexample", "general_form_reason", "prove_cascade", "statement_text"]

NONLINEARITIES = ("none", "relu", "tanh")


@dataclass(frozen=True)
class CascadeClaim:
    """A cascade-equals-Kronecker-convolution statement (true or false).

    ``base`` defaults to ``kernel``; ``dilations`` (per layer) overrides ``base``.
    ``channel_sum=False`` claims one Kronecker product per channel pair
    (``K[o,i] = K_{L-1}[o,i] ⊗ ... ⊗ K_0[o,i]``), which is false for ``C > 1``.

    Examples
    --------
    >>> CascadeClaim(layers=3, kernel=2).resolved_dilations
    (1, 2, 4)
    >>> CascadeClaim(layers=3, base=2).resolved_dilations
    (1, 2, 4)
    """

    layers: int
    kernel: int = 3
    dims: int = 2
    channels: int = 1
    base: int | None = None
    dilations: tuple[int, ...] | None = None
    nonlinearity: str = "none"
    correlation: bool = False
    origin: str = "corner"
    order: str = "last-outer"
    flip: bool = False
    channel_sum: bool = False

    def __post_init__(self) -> None:
        for name, v, lo, hi in (("layers", self.layers, 1, 64), ("kernel", self.kernel, 1, 64),
                                ("dims", self.dims, 1, 3), ("channels", self.channels, 1, 64)):
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                raise InvalidArgument(f"{name} must be an integer in [{lo}, {hi}], got {v!r}")
        if self.base is not None and (isinstance(self.base, bool) or not isinstance(self.base, int)
                                      or not 1 <= self.base <= 1 << 20):
            raise InvalidArgument(f"dilation base must be an integer in [1, {1 << 20}], got {self.base!r}")
        if self.dilations is not None and (len(self.dilations) != self.layers or any(
                isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 1 << 40 for d in self.dilations)):
            raise InvalidArgument(f"dilations must be {self.layers} integers >= 1, got {self.dilations!r}")
        if self.dilations is None and self.resolved_base ** (self.layers - 1) > 1 << 40:
            raise InvalidArgument(
                f"dilations b**l up to {self.resolved_base}**{self.layers - 1} exceed the limit 2**40; "
                "use a smaller --dilation-base or fewer layers")
        if self.nonlinearity not in NONLINEARITIES:
            raise InvalidArgument(f"nonlinearity must be one of {', '.join(NONLINEARITIES)}, got {self.nonlinearity!r}")
        if self.order not in ("last-outer", "first-outer"):
            raise InvalidArgument(f"order must be 'last-outer' or 'first-outer', got {self.order!r}")
        self.layout  # validates origin / kernel parity  # noqa: B018

    @property
    def resolved_base(self) -> int:
        return self.kernel if self.base is None else self.base

    @property
    def resolved_dilations(self) -> tuple[int, ...]:
        if self.dilations is not None:
            return tuple(int(d) for d in self.dilations)
        return tuple(self.resolved_base**l for l in range(self.layers))

    @property
    def layout(self) -> Layout:
        return Layout(self.kernel, self.dims, self.channels, self.layers, self.origin)

    def to_dict(self) -> dict[str, Any]:
        """The canonical, machine-readable claim (what :mod:`kronconv.verify` re-derives from)."""
        return {"theorem": "cascade", "layers": self.layers, "kernel": self.kernel, "dims": self.dims,
                "channels": self.channels, "dilations": list(self.resolved_dilations),
                "nonlinearity": self.nonlinearity, "correlation": self.correlation, "origin": self.origin,
                "order": self.order, "flip": self.flip,
                "channel_sum": self.channel_sum and self.channels > 1}  # one canonical form per claim


def general_form_reason(c: CascadeClaim) -> str | None:
    """``None`` when the general (all-sizes) proof covers the claim, else why it does not."""
    want = tuple(c.kernel**l for l in range(c.layers))
    if c.resolved_dilations != want:
        return (f"dilations {list(c.resolved_dilations)} are not a^l = {list(want)}: the Kronecker lemma needs "
                "layer l's dilation to equal the extent a^l of the kernel composed so far")
    if c.order != "last-outer" and c.layers > 1:
        return "the claimed Kronecker order puts layer 0 outermost; the lemma makes the last layer the outer factor"
    if c.flip:
        return "the claimed kernel is flipped; the lemma gives the unflipped Kronecker kernel"
    if c.channels > 1 and not c.channel_sum and c.layers > 1:
        return "with C > 1 channels the lemma gives a sum over channel paths, not one Kronecker product per pair"
    if c.nonlinearity != "none" and c.layers > 1:
        return f"a {c.nonlinearity} between layers is not linear, so convolutions do not compose"
    return None


def _kron_text(c: CascadeClaim) -> str:
    idx = list(range(c.layers - 1, -1, -1)) if c.order == "last-outer" else list(range(c.layers))

    def name(l: int) -> str:
        if c.channels == 1:
            return f"K_{l}"
        return f"K_{l}[c_{l + 1},c_{l}]" if c.channel_sum else f"K_{l}[o,i]"

    names = [name(l) for l in idx]
    prod = " ⊗ ".join(names) if len(names) <= 4 else f"{names[0]} ⊗ {names[1]} ⊗ ... ⊗ {names[-1]}"
    if c.channels > 1 and c.channel_sum:
        inner = "c_1" if c.layers == 2 else f"c_1..c_{c.layers - 1}"
        prod = (f"Σ_({inner}) {prod}  (c_{c.layers} = o, c_0 = i)" if c.layers > 1
                else f"{prod}  (c_1 = o, c_0 = i)")
    if c.flip:
        prod = f"flip({prod})"
    return prod


def statement_text(c: CascadeClaim) -> str:
    """The human-readable statement of a claim."""
    op = "⋆" if c.correlation else "*"
    kind = "cross-correlations" if c.correlation else "true convolutions"
    size = "x".join([str(c.kernel)] * c.dims)
    nl = "" if c.nonlinearity == "none" else f", with {c.nonlinearity} after every layer but the last"
    ch = "one channel" if c.channels == 1 else f"{c.channels} channels"
    origin = "indices from 0" if c.origin == "corner" else f"indices −{c.layout.radius}..{c.layout.radius}"
    rhs = f"({_kron_text(c)}) {op} F_0"
    if c.channels > 1:
        rhs = f"Σ_i ({_kron_text(c)}) {op} F_0[i]" if not c.channel_sum else f"Σ_i K[o,i] {op} F_0[i] with K[o,i] = {_kron_text(c)}"
    return (f"For L = {c.layers} layers of {size} kernels ({c.dims}-D, {ch}, {origin}, {kind}{nl}), "
            f"the cascade F_(l+1) = K_l {op}_(d_l) F_l with d = {list(c.resolved_dilations)} equals "
            f"F_{c.layers}[o] = {rhs}.")


def _general_steps(c: CascadeClaim) -> list[Step]:
    steps = dilation_steps("S")
    steps.append(kronecker_lemma_step("S3", ("S1",)))
    steps.append(Step(
        "S4", "Induction hypothesis H(l): C_l := dilate(K_l, a^l) * ... * dilate(K_0, a^0) = K_l ⊗ ... ⊗ K_0, of "
              "extent a^(l+1) per axis. Base H(0): d_0 = a^0 = 1 and dilate(K, 1) = K, of extent a.",
        "induction-base", ("S1",), "general",
        (fact("equal", "a**0", "1", "d_0 = 1"),
         fact("equal", "1*(a - 1) + 1", "a", "dilate(K, 1) has extent a"))))
    steps.append(Step(
        "S5", "Step H(l) ⇒ H(l+1): F_(l+2) = K_(l+1) *_(a^(l+1)) F_(l+1) = dilate(K_(l+1), a^(l+1)) * (C_l * F_0) "
              "(S1, H(l)) = (dilate(K_(l+1), a^(l+1)) * C_l) * F_0 (associativity, A2) = (K_(l+1) ⊗ C_l) * F_0 "
              "(S3 with m = a, n = a^(l+1) = extent of C_l), of extent a·a^(l+1) = a^(l+2).",
        "induction-step", ("S1", "S3", "S4"), "general",
        (fact("equal", "a*a**(l + 1)", "a**(l + 2)", "extent a·a^(l+1) = a^(l+2)"),
         fact("equal", "a**(l + 1)", "a*a**l", "dilation a^(l+1) = a·a^l = extent of C_l")))) 
    steps.append(Step(
        "S6", "By induction, for every L ≥ 1, a ≥ 1 and D ≥ 1 (per axis): F_L = (K_(L−1) ⊗ ... ⊗ K_0) * F_0.",
        "induction-conclusion", ("S4", "S5"), "general"))
    last = "S6"
    nxt = 7
    if c.channels > 1:
        steps.append(Step(
            f"S{nxt}", "Channels: F_(l+1)[o] = Σ_c K_l[o,c] *_(d_l) F_l[c]; expanding by bilinearity (A2), F_L[o] = "
                       "Σ_i Σ_(c_1..c_(L−1)) (chain of K_(L−1)[o,c_(L−1)], ..., K_0[c_1,i]) * F_0[i], and each chain is a "
                       "one-channel cascade, so by S6 K[o,i] = Σ_(c_1..c_(L−1)) K_(L−1)[o,c_(L−1)] ⊗ ... ⊗ K_0[c_1,i].",
            "channel-bilinearity", (last,), "general"))
        last, nxt = f"S{nxt}", nxt + 1
    if c.correlation:
        steps.append(Step(
            f"S{nxt}", "Cross-correlation: with the reflection (R G)(t) = G(−t), R(K ⋆_d F) = K *_d (R F), since "
                       "(K ⋆_d F)(−t) = Σ K[τ] F(−t + dτ) = Σ K[τ] (R F)(t − dτ). A cascade of correlations is therefore "
                       "R ∘ (cascade of convolutions) ∘ R = R ∘ (C * ·) ∘ R = C ⋆ ·, with the same kernel C.",
            "correlation-reflection", (last,), "general",
            (fact("equal", "-t + d*tau", "-(t - d*tau)", "−t + dτ = −(t − dτ)"),)))
        last, nxt = f"S{nxt}", nxt + 1
    if c.origin == "centre":
        steps.append(Step(
            f"S{nxt}", "Centred origin: a = 2r + 1 and taps τ = q − r with q ∈ [0, a). The composite offset "
                       "Σ_l a^l τ_l = Σ_l a^l q_l − r Σ_(l<L) a^l = (corner position) − (a^L − 1)/2, so the composite is the "
                       "corner Kronecker kernel indexed −(a^L − 1)/2..(a^L − 1)/2: the centred Kronecker kernel.",
            "centred-index", (last,), "general",
            (fact("equal", "r*Sum((2*r + 1)**l, (l, 0, L - 1))", "((2*r + 1)**L - 1)/2", "a = 2r + 1: r·Σ_(l<L) a^l = (a^L − 1)/2"),)))
        last, nxt = f"S{nxt}", nxt + 1
    return steps


def counterexample(c: CascadeClaim, cmp: Comparison) -> dict[str, Any]:
    """A concrete refutation from the comparison's witness: 0/1 kernels, an impulse, two different outputs.

    Each layer kernel is zero except one entry equal to 1 — the entry of the witness
    monomial in that layer — and ``F_0`` is a unit impulse at the origin of input
    channel ``i``.  Every other monomial then vanishes, so the cascade output and the
    claimed output at ``(o, t = −offset)`` equal the two coefficients of the witness.
    """
    assert cmp.witness is not None
    o, i, off, mono, lhs, rhs = cmp.witness
    lay = c.layout
    kernels: list[dict[str, Any]] = []
    for l, s in enumerate(decode_monomial(lay, mono)):
        oi, tap = divmod(s, lay.taps)
        ko, ki = divmod(oi, lay.channels)
        pos = [int(x) - lay.radius for x in np.unravel_index(tap, (c.kernel,) * c.dims)]
        kernels.append({"layer": l, "out": ko, "in": ki, "tap": pos, "value": 1})
    chained = kernels[0]["in"] == i and all(kernels[l]["in"] == kernels[l - 1]["out"] for l in range(1, len(kernels)))
    sign = -1 if c.correlation else 1
    where = ([sign * sum(d * k["tap"][ax] for d, k in zip(c.resolved_dilations, kernels)) for ax in range(c.dims)]
             if chained else None)
    return {"kernels": kernels, "input": {"channel": i, "position": [0] * c.dims, "value": 1},
            "cascade_position": where,
            "output_channel": o, "position": [-x for x in off], "cascade_value": lhs, "claimed_value": rhs}


def prove_cascade(c: CascadeClaim, seed: int = 0) -> Proof:
    """Decide a :class:`CascadeClaim`: general proof where it applies, exact instance check always.

    Related reports ride along, by one rule that depends on the claim alone (so a checker
    can tell which belong): with ``C > 1`` channels and no channel sum, the channel-sum
    theorem and (linear claims) the Kronecker-rank report of random kernels drawn from
    ``seed``; with one channel, ``L > 1``, no nonlinearity and dilations ``b^l`` for a base
    ``b != a``, the Kronecker-rank report.  A report above the size limits is replaced by a
    note.

    Raises :class:`~kronconv.errors.TooLarge` (before any work) above :data:`kronconv.polykernel.MAX_TERMS`.
    """
    return _with_related(_decide(c), c, seed)


#: Note recorded when a related Kronecker-rank report would exceed the size limits.
RANK_SKIPPED = "Kronecker-rank report skipped: it is above the prover's size limits."


def _with_related(p: Proof, c: CascadeClaim, seed: int) -> Proof:
    from .base_mismatch import prove_kronecker_rank

    d = c.resolved_dilations
    related: list[Proof] = []
    rank = None
    if c.channels > 1 and not c.channel_sum:
        related.append(_decide(replace(c, channel_sum=True)))
        rank = c.nonlinearity == "none"
    elif c.channels == 1 and c.layers > 1 and c.nonlinearity == "none" and d[1] != c.kernel \
            and list(d) == [d[1] ** l for l in range(c.layers)]:
        rank = True
    notes = p.notes
    if rank:
        try:
            related.append(prove_kronecker_rank(c.layers, c.kernel, d[1] if c.layers > 1 else c.kernel, c.dims,
                                                c.channels, seed))
        except TooLarge:
            notes = (*notes, RANK_SKIPPED)
    return replace(p, related=tuple(related), notes=notes)


def _decide(c: CascadeClaim) -> Proof:
    if c.nonlinearity != "none" and c.layers > 1:
        from .nonlinearity import prove_nonlinearity

        return prove_nonlinearity(c)
    lay = c.layout
    check_size(lay, c.channel_sum or c.channels == 1)
    reason = general_form_reason(c)
    channel_sum = c.channel_sum or c.channels == 1
    lhs = cascade_operator(lay, c.resolved_dilations, c.correlation)
    rhs = kron_operator(lay, order=c.order, flip=c.flip, channel_sum=channel_sum, correlation=c.correlation)
    cmp = compare(lhs, rhs)
    if reason is None and not cmp.equal:  # pragma: no cover - would mean a bug in the general proof or the check
        raise AssertionError(f"internal inconsistency: general proof applies but the instance check failed: {cmp}")
    steps = _general_steps(c) if reason is None else dilation_steps("S")
    failed = discharge(steps)
    if failed:  # pragma: no cover - a SymPy regression must never turn into "proved"
        raise AssertionError(f"general proof obligations failed: {failed}")
    prem = tuple(s.id for s in steps if s.rule in ("induction-conclusion", "channel-bilinearity",
                                                    "correlation-reflection", "centred-index"))[-1:] or ("S1",)
    n = len(steps) + 1
    facts: dict[str, Any] = {"cascade_terms": cmp.lhs_terms, "claimed_terms": cmp.rhs_terms,
                             "cascade_extent": list(cmp.lhs_extent), "claimed_extent": list(cmp.rhs_extent),
                             "equal": cmp.equal}
    size = "x".join([str(e) for e in cmp.lhs_extent])
    steps.append(Step(
        f"S{n}", f"Exact instance check: the composed cascade operator, computed from symbolic kernel entries "
                 f"({lay.symbols_per_layer} symbols per layer), {'equals' if cmp.equal else 'differs from'} the "
                 f"claimed operator monomial by monomial ({cmp.lhs_terms} vs {cmp.rhs_terms} terms; extents {size} vs "
                 f"{'x'.join(str(e) for e in cmp.rhs_extent)}).",
        "exact-instance-check", prem if reason is None else ("S1",), "instance", facts=facts))
    certs: list[Certificate] = []
    notes: list[str] = []
    if reason is None:
        certs.append(Certificate(
            "symbolic", "for all L ≥ 1, a ≥ 1 and D ∈ {1, 2, 3}: a cascade with dilations a^l equals convolution "
                        "with the Kronecker kernel K_(L−1) ⊗ ... ⊗ K_0" + (" (summed over channel paths)" if c.channels > 1
                                                                           else ""),
            "induction on the layers from the Kronecker lemma; index facts discharged by SymPy; cited rules A1–A4",
            True, {"steps": [s.id for s in steps if s.scope == "general"]}))
    else:
        notes.append(f"The general proof does not apply: {reason}.")
    ev: dict[str, Any] = {"terms": cmp.lhs_terms, "extent": list(cmp.lhs_extent)}
    if cmp.equal:
        certs.append(Certificate(
            "instance", f"L = {c.layers}, a = {c.kernel}, D = {c.dims}, C = {c.channels}: the composed kernel equals the "
                        "claimed Kronecker kernel entry by entry, as polynomials in the kernel entries",
            "exact multiset comparison of monomials (integer index tuples, no floating point)", True, ev))
    else:
        ce = counterexample(c, cmp)
        steps.append(Step(
            f"S{n + 1}", f"Counterexample: kernels zero except {', '.join(_unit_text(k, c) for k in ce['kernels'])}; "
                         f"F_0 = unit impulse at the origin of channel {ce['input']['channel']}. At channel "
                         f"{ce['output_channel']}, position {ce['position']} the cascade gives {ce['cascade_value']} and "
                         f"the claim gives {ce['claimed_value']} ("
                         + (f"the cascade puts the product of these entries at {ce['cascade_position']})."
                            if ce["cascade_position"] is not None else
                            "the cascade never forms it: its channel path is broken)."),
            "counterexample", (f"S{n}",), "instance", facts=ce))
        ev.update(counterexample=ce)
        certs.append(Certificate(
            "instance", f"the stated identity for L = {c.layers}, a = {c.kernel}, D = {c.dims}, C = {c.channels}, "
                        f"d = {list(c.resolved_dilations)}",
            "exact monomial comparison; concrete 0/1 counterexample re-checkable by direct convolution", False, ev))
    return Proof("cascade", statement_text(c), c.to_dict(), ASSUMPTIONS, tuple(steps), tuple(certs), cmp.equal,
                 notes=tuple(notes))


def _unit_text(k: dict[str, Any], c: CascadeClaim) -> str:
    ch = f"[{k['out']},{k['in']}]" if c.channels > 1 else ""
    return f"K_{k['layer']}{ch}[{','.join(map(str, k['tap']))}] = 1"


def with_options(c: CascadeClaim, **kw: Any) -> CascadeClaim:
    """``dataclasses.replace`` for claims (keeps validation)."""
    return replace(c, **kw)
