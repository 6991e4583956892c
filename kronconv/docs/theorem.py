r"""Page ``cascade-theorem.md``: the cascade/Kronecker theorem, its certificate, channels, refuted variants.

The certificate text is the prover's own rendering
(:func:`kronconv.proof.render_proof` of :func:`kronconv.theorems.prove`), the
list of certificates and their verdicts comes from
:data:`kronconv.proofs_build.CERTIFICATES`, and each refuted variant's
counterexample is read from its proof's ``counterexample`` step.

Examples
--------
>>> page = build(None)
>>> "**Verdict: PROVED**" in page.text and "**refuted**" in page.text
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..kron import dilate, kron_kernel
from ._maths import cascade_kernel, conv_full
from ._text import frame, math, md_table
from .page import DocsContext, Figure, Page

__all__ = ["build", "counterexample_text", "demote"]


def demote(markdown: str, levels: int = 1) -> str:
    """Push every ATX heading down by ``levels`` (``## A`` -> ``### A``), at most to ``######``.

    Examples
    --------
    >>> demote("## A\\ntext\\n### B")
    '### A\\ntext\\n#### B'
    """
    out = []
    for line in markdown.splitlines():
        if line.startswith("#"):
            hashes = len(line) - len(line.lstrip("#"))
            line = "#" * min(6, hashes + levels) + line[hashes:]
        out.append(line)
    return "\n".join(out)


def counterexample_text(proof: Any) -> str:
    """The claim of the proof's counterexample step, else its failing certificate's method, else ''."""
    for step in proof.steps:
        if step.rule == "counterexample":
            return str(step.claim)
    for cert in proof.certificates:
        if not cert.holds:
            return f"{cert.claim} ({cert.method})"
    return ""


SEED = 3


def _fig_induction() -> Figure:
    """The induction, drawn: each dilated kernel places non-overlapping copies of the kernel so far."""
    rng = np.random.default_rng(SEED)
    k0, k1, k2 = (rng.integers(1, 6, (3, 3)) * rng.choice([-1, 1], (3, 3)) for _ in range(3))
    c1 = conv_full(dilate(k1, 3), k0)
    c2 = conv_full(dilate(k2, 9), c1)
    assert np.array_equal(c1, kron_kernel([k0, k1])) and np.array_equal(c2, kron_kernel([k0, k1, k2]))
    assert np.array_equal(c2, cascade_kernel([k0, k1, k2], [1, 3, 9]))
    ones = np.ones((3, 3), dtype=np.int64)
    overlap = conv_full(dilate(ones, 2), ones)  # number of index pairs landing on each position
    exact = conv_full(dilate(ones, 3), ones)

    def draw() -> object:
        from matplotlib.figure import Figure as MFigure

        fig = MFigure(figsize=(10.5, 6.4))
        axes = fig.subplots(2, 4)
        rows = [[(dilate(k1, 3), "dilate$(K_1, 3)$"), (k0, "$C_0 = K_0$"), (c1, "$C_1 = K_1 \\otimes K_0$"),
                 (exact, "terms per position: 1 (d = 3)")],
                [(dilate(k2, 9), "dilate$(K_2, 9)$"), (c1, "$C_1$ (9x9)"), (c2, "$C_2 = K_2 \\otimes C_1$"),
                 (overlap, "terms per position, d = 2: overlaps")]]
        for r, row in enumerate(rows):
            for c, (a, title) in enumerate(row):
                ax = axes[r][c]
                if c == 3:
                    ax.imshow(a, cmap="Greys", vmin=0, vmax=max(int(a.max()), 2), interpolation="nearest")
                    for (i, j), v in np.ndenumerate(a):
                        ax.text(j, i, str(int(v)), ha="center", va="center", fontsize=8,
                                color="white" if v > 1 else "black")
                else:
                    vmax = float(np.abs(a).max())
                    ax.imshow(a, cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest")
                ax.set_title(title, fontsize=9)
                ax.set_xticks([])
                ax.set_yticks([])
        fig.suptitle("Induction step: dilate(K_(l+1), a^(l+1)) * C_l = K_(l+1) (x) C_l, because C_l has extent "
                     "exactly a^(l+1)", fontsize=10)
        fig.tight_layout()
        return fig

    return Figure("cascade-induction", "the induction step of the cascade theorem, drawn", draw)


#: The Coq theorems shown beside the maths, in the order of the proof.
COQ_SHOWN = ("dconvn_dilate", "dilaten_kron_selector", "dilaten_extent", "convn_dilate_kron", "convnA",
             "cascade_kron", "cascaden_kron", "kron_kerneln_extent", "cascade_ch_kron", "dcorrn_kron",
             "cascade_corr_kron", "centred_offset", "rf_kronecker", "cascade_base2_not_kron")


def _md_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("|", "\\|")


def coq_section() -> str:
    """The Coq statements beside the maths, extracted from the shipped ``.v`` files (:mod:`kronconv.coqref`)."""
    from .. import coqref

    rows = []
    for name in COQ_SHOWN:
        t = coqref.theorem(name)
        rows.append([_md_text(t.statement), f"[`{t.file}`](../kronconv/coq/{t.file}): `{name}`",
                     f"`{coqref.statement_text(name)}`"])
    n = len(coqref.MAIN_THEOREMS)
    return (
        "## Machine-checked in Coq\n\n"
        "The general statements are also proved in Coq with the Mathematical Components library, in a small "
        "development shipped with kronconv ([`kronconv/coq`](../kronconv/coq/README.md), also reached as "
        "`proofs/coq`): no `Admitted`, `admit` or `Axiom`, and `Print Assumptions` prints \"Closed under the "
        f"global context\" for each of its {n} main theorems (`make -C proofs/coq`; `kronconv verify --coq` "
        "re-runs it for the theorems a certificate cites).  Arrays are functions from indices to any ring, "
        "indices start at 0, an array of extent n vanishes from index n on (a NumPy array padded with zeros), "
        "and `kronn n A B` is `numpy.kron`'s index map on every axis; a test evaluates the Coq definitions on "
        "random integer kernels inside Coq and compares every entry with NumPy and kronconv.  Each general "
        "step of a certificate names the theorem that proves it, with the SHA-256 of its statement as written "
        "below.  The statements, extracted from the `.v` files when this page is generated:\n\n"
        + md_table(["kronconv statement", "Coq theorem", "statement in Coq"], rows)
        + "\n\n**What Coq proves and what it does not.**\n\n"
        "- The cascade theorem holds for **every** $D \\ge 1$ (`cascaden_kron`: indices are lists of any "
        "length), every $L$ and every $a \\ge 1$, for every input signal; `kronconv prove` checks instances "
        "for $D \\le 3$ only, which is a limit of its instance checks, not of the theorem.  "
        "The 1-D theorems (`Signal.v`, `Cascade.v`) are cited by 1-D certificates.\n"
        "- **Centred origin** (`--origin centre`): Coq proves the offset identity "
        "$2r \\sum_{l<L} a^l = a^L - 1$ for $a = 2r + 1$ (`centred_offset`); the relabelling of indices "
        "$K^c[\\tau] = K[\\tau + r]$ and the shift of signals over $\\mathbb{Z}$ are not formalised.\n"
        "- **Cross-correlation** is proved at every output index $t \\ge 0$ (`cascade_corr_kron`): all "
        "outputs of a *valid* correlation.  The outputs of a *full* correlation at negative indices are "
        "outputs at indices $\\ge 0$ of the same signal shifted right; that shift is not formalised.\n"
        "- **One dilation per layer on all axes**, and kernels of the same extent $a$ on every axis, as in "
        "`kronconv prove`; per-axis dilations are not formalised.\n"
        "- **Nonlinearities** between layers break the identity; they are refuted by exact instance "
        "counterexamples, not in Coq (that general step cites no Coq theorem: `\"coq\": null`).\n"
    )


def _unavailable(reason: str) -> Page:
    text = frame("The cascade/Kronecker theorem", f"*Not available in this build: {reason}.*", [], [],
                 "kronconv docs --out docs")
    return Page("cascade-theorem", "The cascade/Kronecker theorem", "not available", text)


def build(ctx: DocsContext | None) -> Page:
    """The cascade-theorem page."""
    try:
        from ..proof import render_proof
        from ..proofs_build import CERTIFICATES, built
        from ..theorems import prove
    except ImportError as exc:  # pragma: no cover - the prover is part of the package
        return _unavailable(f"the prover cannot be imported ({exc})")

    main = prove(layers=3)
    fig = _fig_induction()
    certificate_md = demote(render_proof(main, "md").strip(), 2)
    proofs = [(c, built(c)) for c in CERTIFICATES]
    by_name = {c.name: p for c, p in proofs}
    refuted = [(c, p) for c, p in proofs if c.group == "refuted variants"]
    ch = by_name["channels-sum-L2-C2"]
    single = by_name["refuted-channels-single-kronecker"]
    cert_rows = [[f"[{c.name}](../proofs/{c.name}.md)", c.group, c.description, f"**{p.verdict}**",
                  ", ".join(dict.fromkeys(p.kinds))] for c, p in proofs]
    ref_rows = [[c.description, f"**{p.verdict}**", counterexample_text(p) or "-",
                 f"[{c.name}](../proofs/{c.name}.md)"] for c, p in refuted]

    sections = [
        r"""## Statement

Let $K_0, \dots, K_{L-1}$ be kernels of extent $a$ per axis (in $D$ dimensions, one channel) and run
the linear cascade

$$
F_{l+1} = K_l *_{d_l} F_l, \qquad d_l = a^l, \qquad l = 0, \dots, L - 1.
$$

**Theorem.**  The cascade is one convolution with the Kronecker product of its kernels, last layer
outermost:

$$
F_L = \left(K_{L-1} \otimes K_{L-2} \otimes \cdots \otimes K_0\right) * F_0,
$$

a kernel of extent $a^L$ per axis built from $L a^D$ numbers.  For Yu & Koltun's 3x3 kernels this
needs dilations $1, 3, 9, \dots$ -- with their dilations $1, 2, 4, \dots$ it is false (below).""",
        r"""## The general proof: two lemmas and an induction

**Dilation lemma.**  A dilated convolution is an ordinary convolution with the dilated kernel, and
dilation is a Kronecker product with the selector $E_d$ (a single 1 at the origin corner), trimmed
(see [dilated convolution](dilated-convolution.md)):

$$
K *_d F = K^{\uparrow d} * F, \qquad K^{\uparrow d} = \left(K \otimes E_d\right)\big|_{[0,\, d(a-1)]^D}.
$$

**Kronecker lemma.**  If $A$ has extent $m$ and $B$ has extent exactly $n$ per axis, then
$A^{\uparrow n} * B = A \otimes B$.  In 1-D,

$$
\left(A^{\uparrow n} * B\right)(t) = \sum_{i} A(i)\, B(t - n i),
$$

and $B(t - n i) \ne 0$ only for $j = t - n i \in [0, n)$.  The map $\varphi(i, j) = n i + j$ is a
bijection $[0, m) \times [0, n) \to [0, mn)$ with inverse
$\psi(t) = (\lfloor t / n \rfloor,\ t \bmod n)$ (Euclidean division), so every $t$ receives exactly
one term:

$$
\left(A^{\uparrow n} * B\right)(t) = A(\lfloor t/n \rfloor)\, B(t \bmod n) = (A \otimes B)(t),
$$

which is `numpy.kron`'s index map.  In $D$ dimensions the same holds on every axis.

**Induction.**  Let $C_l = K_l^{\uparrow a^l} * \cdots * K_0^{\uparrow a^0}$.  Hypothesis
$H(l)$: $C_l = K_l \otimes \cdots \otimes K_0$, of extent $a^{l+1}$.  $H(0)$ holds since
$d_0 = 1$.  If $H(l)$ holds, then by the dilation lemma, associativity of convolution and the
Kronecker lemma with $m = a$, $n = a^{l+1}$ (the extent of $C_l$ is exactly the next dilation):

$$
F_{l+2} = K_{l+1}^{\uparrow a^{l+1}} * \left(C_l * F_0\right)
= \left(K_{l+1}^{\uparrow a^{l+1}} * C_l\right) * F_0
= \left(K_{l+1} \otimes C_l\right) * F_0,
$$

of extent $a \cdot a^{l+1} = a^{l+2}$: $H(l+1)$.  The step uses $d_{l+1} = a^{l+1}$ *exactly*: a
smaller dilation makes the shifted copies overlap (several index pairs land on one $t$), a larger one
leaves gaps -- which is the [gridding](gridding.md) of the field.  The prover states each of these
index facts as a SymPy obligation over symbolic $m, n, d, i, j, t$ and discharges it; the small
independent checker (`kronconv verify`) re-derives them.

In the figure, with random 3x3 integer kernels (checked exactly: both products equal the composed
kernel of the dilation-1, 3, 9 cascade): each tap of the dilated outer kernel carries one scaled copy
of the kernel composed so far, and the copies tile the square without overlap.  The right column
counts the index pairs $(i, j)$ landing on each position for two 3-tap layers: exactly one with
dilation 3, up to four with dilation 2 -- there the sum mixes products and is no Kronecker product.""" + "\n\n" + fig.markdown(),
        coq_section(),
        "## The certificate of `kronconv prove --layers 3`\n\n"
        "Rendered by the prover (`kronconv prove --layers 3 --format md`); the JSON is "
        "[proofs/cascade-2d-L3.json](../proofs/cascade-2d-L3.json).  It carries two certificates that are "
        "never merged: *symbolic* (the induction above, for all $L$, $a$, $D$) and *instance* (for $L = 3$, "
        "$a = 3$, $D = 2$, the composed kernel computed from symbolic kernel entries equals the Kronecker "
        "kernel monomial by monomial).\n\n" + certificate_md,
        "## Channels: a sum of Kronecker products\n\n"
        "With $C$ channels, $F_{l+1}[o] = \\sum_c K_l[o, c] *_{d_l} F_l[c]$.  Expanding by bilinearity, "
        "every chain of channels $i = c_0 \\to c_1 \\to \\dots \\to c_L = o$ is a one-channel cascade, so"
        + math(r"F_L[o] = \sum_i K[o, i] * F_0[i], \qquad "
               r"K[o, i] = \sum_{c_1, \dots, c_{L-1}} K_{L-1}[o, c_{L-1}] \otimes \cdots \otimes K_1[c_2, c_1] "
               r"\otimes K_0[c_1, i],")
        + "\na sum of $C^{L-1}$ Kronecker products per channel pair -- not one.  "
        f"Certificate [channels-sum-L2-C2](../proofs/channels-sum-L2-C2.md): **{ch.verdict}** "
        f"({', '.join(dict.fromkeys(ch.kinds))}).  The single-product claim is **{single.verdict}**: "
        + (counterexample_text(single) or "see the certificate") + "  "
        + "[Parameter counts](parameter-counts.md) discusses what this means for the number of weights.",
        "## Refuted variants, with counterexamples\n\n"
        "Each false variant is refuted by the exact instance check, and the counterexample (0/1 kernels and "
        "an impulse input) is replayed by direct convolution in `kronconv verify`; the nonlinear "
        "variants are refuted by a concrete input as well (ReLU exactly, tanh numerically with a stated "
        "bound).\n\n"
        + md_table(["claim", "verdict", "counterexample", "certificate"], ref_rows)
        + "\n\nThe dilation-$2^l$ cascade of Yu & Koltun has extent $2^{L+1} - 1$ instead of $3^L$; how far "
        "its kernel is from *any* Kronecker product is measured in "
        "[Kronecker kernels](kronecker-kernels.md#how-far-from-kronecker-are-yu--koltuns-cascades).",
        ("## Conventions\n\n"
        "The theorem does not depend on the convention: cross-correlation (flip every kernel; flips commute "
        "with dilation and Kronecker products) and centred kernels (a pure translation) are proved the same "
        "way -- certificates [cascade-correlation](../proofs/cascade-correlation.md) and "
        "[cascade-centred](../proofs/cascade-centred.md).  It is an identity of linear maps on finitely "
        "supported signals; on a zero-padded finite image it holds in the interior only (see "
        "[dilated convolution](dilated-convolution.md#padding-the-identity-holds-exactly-for-full-and-valid-only-in-the-interior-for-same))."),
        "## All certificates\n\n"
        "Committed in [`proofs/`](../proofs/README.md), regenerated by `kronconv docs --only proofs` and "
        "re-checked in CI with `kronconv verify proofs/*.json`:\n\n"
        + md_table(["certificate", "group", "claim", "verdict", "kinds"], cert_rows),
    ]
    text = frame(
        "The cascade/Kronecker theorem",
        "A cascade of $L$ dilated convolutions with $a$-tap kernels and dilations $a^l$ is one convolution "
        "with the Kronecker product of its kernels.  This page gives the general proof, the machine "
        "certificate of the 3-layer case, the multi-channel generalisation and the variants that are false.",
        sections,
        ["yu-koltun", "van-loan-2000", "zhou"],
        "kronconv docs --out docs",
    )
    return Page("cascade-theorem", "The cascade/Kronecker theorem",
                "statement, induction, certificate of prove --layers 3, channels, refuted variants", text, (fig,))
