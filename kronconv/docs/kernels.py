r"""Page ``kronecker-kernels.md``: what Kronecker kernels look like, ranks, nearest Kronecker products.

* 27x27 kernels :math:`K_2 \otimes K_1 \otimes K_0` from three random 3x3
  kernels, checked (exactly, integers) to equal the composed kernel of the
  dilation-1, 3, 9 cascade;
* self-similar "fractal" kernels :math:`K^{\otimes L}`;
* rank-1 (separable) 27x27 kernels for comparison, with the matrix rank and the
  Kronecker rank of each (exact rational arithmetic);
* the nearest Kronecker product (Van Loan & Pitsianis 1993) of Yu & Koltun's
  3x3 / dilation :math:`2^l` cascades, over every factorisation of the (padded)
  extent, against i.i.d. random kernels of the same size.

Examples
--------
>>> rows = nearest_kronecker_study(layers=(2,), draws=3)
>>> rows[0].extent, rows[0].padded, rows[0].best_error < rows[0].baseline_error
(7, 8, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..kron import kron_kernel, nearest_kronecker, rearrange
from ._maths import cascade_kernel, exact_rank
from ._text import frame, math, md_table, pmatrix, sig
from .page import DocsContext, Figure, Page

__all__ = ["NearestRow", "build", "kron_error", "kron_splits", "nearest_kronecker_study"]

SEED = 2015
DRAWS = 20


def kron_splits(m: int) -> list[tuple[int, int]]:
    """Factorisations ``m = p q`` with ``p, q >= 2`` (outer, inner), in increasing ``p``.

    Examples
    --------
    >>> kron_splits(16)
    [(2, 8), (4, 4), (8, 2)]
    >>> kron_splits(7)
    []
    """
    return [(p, m // p) for p in range(2, m) if m % p == 0]


@dataclass(frozen=True)
class NearestRow:
    """Nearest-Kronecker-product error of the 3x3 / dilation 2^l cascade with ``layers`` layers."""

    layers: int
    extent: int          #: composed extent 2^(L+1) - 1
    padded: int          #: extent used for the best split (extent, or extent + 1 with a zero row/column)
    placement: str       #: "none", "end" (zeros after the kernel) or "start"
    split: tuple[int, int]
    best_error: float    #: mean relative Frobenius error over the draws
    min_error: float
    max_error: float
    baseline_error: float  #: same split, i.i.d. Gaussian kernels of the padded size
    kronecker_rank: int    #: exact rank of the rearrangement, integer kernels, best split
    split_ranks: tuple[int, ...]  #: exact Kronecker ranks for every split of the padded extent


def kron_error(a: Any, outer: tuple[int, ...], inner: tuple[int, ...]) -> float:
    r"""Relative error of the nearest Kronecker product, from the singular values of :math:`\mathcal{R}(A)`.

    Same value as the third output of :func:`kronconv.kronecker.nearest_kronecker`
    (singular values only, no singular vectors).

    Examples
    --------
    >>> import numpy as np
    >>> a = np.kron(np.arange(1.0, 5.0).reshape(2, 2), np.ones((3, 3)))
    >>> kron_error(a, (2, 2), (3, 3)) < 1e-12
    True
    """
    s = np.linalg.svd(rearrange(np.asarray(a, dtype=np.float64), outer, inner), compute_uv=False)
    total = float(np.sqrt((s**2).sum()))
    return float(np.sqrt((s[1:] ** 2).sum())) / total if total > 0 else 0.0


def _place(a: Any, placement: str) -> Any:
    if placement == "none":
        return a
    pad = ((0, 1),) * a.ndim if placement == "end" else ((1, 0),) * a.ndim
    return np.pad(a, pad)


def nearest_kronecker_study(layers: Sequence[int] = (2, 3, 4, 5), draws: int = DRAWS) -> list[NearestRow]:
    """For each depth, the factorisation and placement with the smallest mean relative error."""
    out = []
    for L in layers:
        dil = [2**l for l in range(L)]
        n = 2 ** (L + 1) - 1
        errors: dict[tuple[int, str, int, int], list[float]] = {}
        for draw in range(draws):
            rng = np.random.default_rng([SEED, L, draw])
            a = cascade_kernel([rng.standard_normal((3, 3)) for _ in range(L)], dil)
            for m, placement in ((n, "none"), (n + 1, "end"), (n + 1, "start")):
                pa = _place(a, placement)
                for p, q in kron_splits(m):
                    errors.setdefault((m, placement, p, q), []).append(kron_error(pa, (p, p), (q, q)))
        key = min(errors, key=lambda k_: (float(np.mean(errors[k_])), k_))
        m, placement, p, q = key
        errs = errors[key]
        base = []
        for draw in range(draws):
            rng = np.random.default_rng([SEED + 1, L, draw])
            base.append(kron_error(rng.standard_normal((m, m)), (p, p), (q, q)))
        rng = np.random.default_rng([SEED + 2, L])
        ai = _place(cascade_kernel([rng.integers(1, 51, (3, 3)) * rng.choice([-1, 1], (3, 3))
                                    for _ in range(L)], dil), placement)
        krank = exact_rank(rearrange(ai, (p, p), (q, q)))
        ranks = tuple(exact_rank(rearrange(ai, (pp, pp), (qq, qq))) for pp, qq in kron_splits(m))
        out.append(NearestRow(L, n, m, placement, (p, q), float(np.mean(errs)), float(min(errs)),
                              float(max(errs)), float(np.mean(base)), krank, ranks))
    return out


def _imshow_panels(panels: list[tuple[Any, str]], title: str, figsize: tuple[float, float],
                   cmap: str = "RdBu_r", symmetric: bool = True) -> Any:
    from matplotlib.figure import Figure as MFigure

    fig = MFigure(figsize=figsize)
    axes = fig.subplots(1, len(panels))
    for ax, (a, t) in zip(np.atleast_1d(axes), panels):
        vmax = float(np.abs(a).max()) or 1.0
        if symmetric:
            ax.imshow(a, cmap=cmap, vmin=-vmax, vmax=vmax, interpolation="nearest")
        else:
            ax.imshow(a, cmap=cmap, interpolation="nearest")
        if a.shape[0] <= 5 and a.shape[1] <= 5:  # small factors: print the integer entries
            for (i, j), val in np.ndenumerate(a):
                ax.text(j, i, str(int(val)), ha="center", va="center", fontsize=9)
        ax.set_title(t, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def build(ctx: DocsContext) -> Page:
    """The Kronecker-kernels page."""
    rng = np.random.default_rng(SEED)
    k0, k1, k2 = (rng.integers(-3, 4, (3, 3)) for _ in range(3))
    for k in (k0, k1, k2):
        k[1, 1] = 4  # full-rank-friendly, visible centre
    big = kron_kernel([k0, k1, k2])
    cascade = cascade_kernel([k0, k1, k2], [1, 3, 9])
    kron_equals_cascade = bool(np.array_equal(big, cascade))
    carpet = np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]])
    vicsek = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]])
    rk = rng.integers(-2, 3, (3, 3))
    rk[1, 1] = 3
    powers = [(kron_kernel([carpet] * 4), "carpet $S^{\\otimes 4}$"),
              (kron_kernel([vicsek] * 4), "cross $V^{\\otimes 4}$"),
              (kron_kernel([rk] * 4), "random $R^{\\otimes 4}$")]
    u, v = rng.integers(-4, 5, 27), rng.integers(-4, 5, 27)
    rank1 = np.outer(u, v)
    us = [rng.integers(-2, 3, 3) for _ in range(3)]
    vs = [rng.integers(-2, 3, 3) for _ in range(3)]
    for x in us + vs:
        x[1] = 2
    rank1_kron = kron_kernel([np.outer(a, b) for a, b in zip(us, vs)])
    full = rng.integers(-4, 5, (27, 27))
    rank_rows = []
    for name, a in (("$K_2 \\otimes K_1 \\otimes K_0$ (random factors)", big),
                    ("carpet $S^{\\otimes 3}$", kron_kernel([carpet] * 3)),
                    ("random rank-1 $u v^T$", rank1),
                    ("Kronecker of rank-1 factors", rank1_kron),
                    ("i.i.d. random 27x27", full)):
        rank_rows.append([name, exact_rank(a), exact_rank(rearrange(a, (3, 3), (9, 9))),
                          exact_rank(rearrange(a, (9, 9), (3, 3)))])
    study = nearest_kronecker_study()
    # figure of the L = 3 cascade and its nearest Kronecker product
    row3 = next(r for r in study if r.layers == 3)
    rng3 = np.random.default_rng([SEED, 3, 0])
    a3 = _place(cascade_kernel([rng3.standard_normal((3, 3)) for _ in range(3)], [1, 2, 4]), row3.placement)
    p, q = row3.split
    b3, c3, e3 = nearest_kronecker(a3, (p, p), (q, q))
    approx = np.kron(b3, c3)

    fig_factors = Figure(
        "kronecker-27x27",
        "three random 3x3 kernels and their 27x27 Kronecker product",
        lambda: _imshow_panels([(k0, "$K_0$"), (k1, "$K_1$"), (k2, "$K_2$"),
                                (big, r"$K_2 \otimes K_1 \otimes K_0$")],
                               "A 27x27 Kronecker kernel = the dilation 1, 3, 9 cascade", (10.0, 3.0)))
    fig_fractal = Figure(
        "kronecker-fractals",
        "Kronecker powers of one 3x3 kernel: self-similar 81x81 kernels",
        lambda: _imshow_panels(powers, "Self-similar kernels $K^{\\otimes 4}$ (81x81)", (10.0, 3.6),
                               cmap="viridis", symmetric=False))
    fig_rank1 = Figure(
        "rank1-27x27",
        "rank-1 separable 27x27 kernels for comparison",
        lambda: _imshow_panels([(rank1, "random rank-1 $u v^T$"),
                                (rank1_kron, "Kronecker of rank-1 factors"),
                                (big, "Kronecker of random factors")],
                               "Separable (rank-1) versus Kronecker kernels", (9.0, 3.4)))
    fig_nearest = Figure(
        "nearest-kronecker",
        "the 3x3 dilation 1,2,4 cascade kernel, its nearest Kronecker product and the residual",
        lambda: _nearest_figure(a3, approx, e3, row3, study))

    sections = [
        "## A 27x27 kernel from three 3x3 kernels\n\n"
        f"Three random integer 3x3 kernels (seed {SEED}):"
        + math(f"K_0 = {pmatrix(k0)},\\quad K_1 = {pmatrix(k1)},\\quad K_2 = {pmatrix(k2)}.")
        + "\nTheir Kronecker product $K = K_2 \\otimes K_1 \\otimes K_0$ is 27x27 with entries"
        + math(r"K(3^2 i_2 + 3 i_1 + i_0,\ 3^2 j_2 + 3 j_1 + j_0) = K_2(i_2, j_2)\, K_1(i_1, j_1)\, K_0(i_0, j_0),")
        + "\nand it equals the composed kernel of the cascade with dilations 1, 3, 9 "
        f"(`cascade_kernel`, exact integer check): **{'yes' if kron_equals_cascade else 'NO'}**.  "
        "Each factor sets the pattern at one scale: $K_2$ the coarse 3x3 grid of 9x9 blocks, $K_0$ the "
        "finest detail repeated in every 3x3 cell.\n\n" + fig_factors.markdown(),
        "## Self-similar (\"fractal\") kernels\n\n"
        "Taking every factor equal, $K^{\\otimes L}$, gives a kernel that looks the same at every scale "
        "(the cascade of $L$ identical layers with dilations $1, 3, \\dots, 3^{L-1}$).  With the carpet "
        + math(r"S = " + pmatrix(carpet) + r",\qquad V = " + pmatrix(vicsek) + ",")
        + "\n$S^{\\otimes L}$ is the Sierpinski carpet and $V^{\\otimes L}$ the Vicsek fractal; a random "
        "factor gives a random self-similar texture.\n\n" + fig_fractal.markdown(),
        "## Rank-1 (separable) kernels, and two kinds of rank\n\n"
        "A separable kernel $u v^T$ has matrix rank 1.  Matrix rank and *Kronecker rank* are different "
        "notions: the Kronecker rank (Van Loan & Pitsianis 1993) is the matrix rank of the rearrangement "
        "$\\mathcal{R}(A)$ whose rows are the vectorised blocks of $A$, so that "
        "$\\mathcal{R}(B \\otimes C) = \\operatorname{vec}(B)\\operatorname{vec}(C)^T$.  A Kronecker product "
        "of full-rank factors has full matrix rank ($\\operatorname{rank}(B \\otimes C) = "
        "\\operatorname{rank} B \\cdot \\operatorname{rank} C$) but Kronecker rank 1; a random rank-1 kernel "
        "has matrix rank 1 but a large Kronecker rank.  Exact ranks (rational arithmetic):\n\n"
        + md_table(["27x27 kernel", "matrix rank", "Kronecker rank, 3x3 (x) 9x9", "Kronecker rank, 9x9 (x) 3x3"],
                   rank_rows)
        + "\n\nA Kronecker product of rank-1 factors is rank-1 in both senses: "
        "$(u_2 v_2^T) \\otimes (u_1 v_1^T) \\otimes (u_0 v_0^T) = (u_2 \\otimes u_1 \\otimes u_0)"
        "(v_2 \\otimes v_1 \\otimes v_0)^T$.  Parameter counts of these families are compared in "
        "[parameter counts](parameter-counts.md).\n\n" + fig_rank1.markdown(),
        "## How far from Kronecker are Yu & Koltun's cascades?\n\n"
        "With 3x3 kernels and dilations $2^l$ the layers overlap (the kernel has 3 taps but the dilation "
        "only doubles), so the composed kernel of extent $2^{L+1} - 1$ is not a Kronecker product.  "
        "Van Loan & Pitsianis: for factor shapes $p \\times p$ and $q \\times q$,"
        + math(r"\min_{B, C} \|A - B \otimes C\|_F = \|\mathcal{R}(A) - \operatorname{vec}(B)\operatorname{vec}(C)^T\|_F"
               r" = \Big(\sum_{i \ge 2} \sigma_i^2\big(\mathcal{R}(A)\big)\Big)^{1/2},")
        + "\nwith $B, C$ from the top singular pair (`kronconv.kronecker.nearest_kronecker`).  The extents "
        "$7, 31$ are prime, so the kernel is also tried zero-padded by one row and column (at the end or "
        "the start) to $2^{L+1}$; every factorisation $p q$ of the extent is tried and the one with the "
        f"smallest mean relative error $\\|A - B \\otimes C\\|_F / \\|A\\|_F$ over {DRAWS} draws of Gaussian "
        "kernels is reported, next to the same split applied to i.i.d. Gaussian kernels (no structure) and "
        "the exact Kronecker rank of one integer draw:\n\n"
        + md_table(["layers L", "extent", "best split (padding)", "relative error: mean",
                    "min", "max", "i.i.d. random kernel", "Kronecker rank (exact)",
                    "Kronecker ranks of all splits"],
                   [[r.layers, r.extent, f"{r.split[0]}x{r.split[0]} (x) {r.split[1]}x{r.split[1]} on "
                     f"{r.padded}x{r.padded}" + ("" if r.placement == "none" else f" ({r.placement})"),
                     sig(r.best_error), sig(r.min_error), sig(r.max_error), sig(r.baseline_error),
                     r.kronecker_rank, ", ".join(map(str, r.split_ranks))] for r in study])
        + "\n\nThe cascade kernels sit roughly halfway between an exact Kronecker product (error 0, "
        "as for dilations $3^l$ above) and an unstructured kernel, and more depth does not help.  Their "
        "Kronecker rank (integer kernels with nonzero entries in [-50, 50]; a zero tap can lower it) is "
        + ("4 for every power-of-2 split" if all(set(r.split_ranks) == {4} for r in study)
           else "as listed") + ": in 1-D the padded kernel is the polynomial "
        "$\\prod_l k_l(x^{2^l})$ of degree $< 2^{L+1}$, and splitting its exponents into high and low binary "
        "digits leaves one carry -- the top tap $k_{l,2} x^{2^{l+1}}$ of the layer at the split crosses into "
        "the high digits -- so it is a sum of two Kronecker products per axis, four in 2-D.  "
        "The smallest error comes from a $2 \\times 2$ inner factor, i.e. from splitting off the finest "
        "scale.\n\n" + fig_nearest.markdown(),
    ]
    text = frame(
        "What Kronecker kernels look like",
        "Kernels of dilated cascades with dilations $a^l$ are Kronecker products of the layer kernels. "
        "This page draws them, compares them with separable (rank-1) kernels, separates matrix rank from "
        "Kronecker rank, and measures how far Yu & Koltun's dilation-$2^l$ cascades are from any Kronecker "
        "product.",
        sections,
        ["van-loan-pitsianis", "van-loan-2000", "zhou", "yu-koltun"],
        "kronconv docs --out docs",
    )
    return Page("kronecker-kernels", "What Kronecker kernels look like",
                "27x27 Kronecker kernels, fractal powers, rank-1 comparison, nearest Kronecker products",
                text, (fig_factors, fig_fractal, fig_rank1, fig_nearest))


def _nearest_figure(a: Any, approx: Any, err: float, row: NearestRow, study: list[NearestRow]) -> Any:
    from matplotlib.figure import Figure as MFigure

    fig = MFigure(figsize=(11.0, 3.2))
    axes = fig.subplots(1, 4, gridspec_kw={"width_ratios": [1, 1, 1, 1.3]})
    vmax = float(np.abs(a).max())
    p, q = row.split
    for ax, (m, t) in zip(axes[:3], ((a, f"one draw: cascade 1, 2, 4 ({row.padded}x{row.padded})"),
                                     (approx, f"nearest $B \\otimes C$ ({p}x{p} (x) {q}x{q})"),
                                     (a - approx, f"residual (rel. error {sig(err)})"))):
        ax.imshow(m, cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest")
        ax.set_title(t, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    ax = axes[3]
    xs = [r.layers for r in study]
    ax.plot(xs, [r.best_error for r in study], "o-", label="dilation $2^l$ cascade (mean)")
    ax.fill_between(xs, [r.min_error for r in study], [r.max_error for r in study], alpha=0.2)
    ax.plot(xs, [r.baseline_error for r in study], "s--", label="i.i.d. random kernel")
    ax.plot(xs, [0.0] * len(xs), "^:", label="dilation $3^l$ (exact Kronecker)")
    ax.set_xlabel("layers L")
    ax.set_ylabel("relative Frobenius error")
    ax.set_ylim(-0.05, 1.0)
    ax.set_xticks(xs)
    ax.legend(fontsize=7)
    ax.set_title("nearest Kronecker product error", fontsize=9)
    fig.tight_layout()
    return fig
