r"""Page ``translation-equivariance.md``: error versus shift for dilated, pooling and strided nets.

Every number comes from :func:`kronconv.checks.check_equivariance` (NumPy
backend, float64, fixed seed): it runs :math:`f(T_s x)` and :math:`T_s f(x)`
with a propagated rounding-error bound and reports, per shift, whether the
difference stays within the bound.  Errors that are within the bound are
printed as such (their exact value is rounding noise that differs between
machines); errors far above it are printed to three significant digits.

Examples
--------
>>> runs = equivariance_runs(max_shift=2, dims=1)
>>> [(r.arch, r.holding_shifts) for r in runs]
[('dilated', [[0], [1], [2]]), ('pooling', [[0]]), ('strided', [[0]])]
"""

from __future__ import annotations

from typing import Any

from ._text import frame, math, md_table, sig
from .page import DocsContext, Figure, Page

__all__ = ["ARCHS", "SEED", "build", "equivariance_runs"]

ARCHS = ("dilated", "pooling", "strided")
SEED = 2019
MAX_SHIFT = 16
SIZE = 64


def equivariance_runs(max_shift: int = MAX_SHIFT, dims: int = 2, padding: str = "circular",
                      size: int | None = SIZE) -> list[Any]:
    """One :class:`~kronconv.checks.EquivarianceResult` per architecture, shifts ``0..max_shift``."""
    from ..checks import check_equivariance

    return [check_equivariance(arch, shifts=list(range(max_shift + 1)), padding=padding, layers=3, kernel=3,
                               channels=4, dims=dims, size=size if padding == "circular" or size else None,
                               backend="numpy", dtype="float64", seed=SEED)
            for arch in ARCHS]


def _err(rec: Any) -> str:
    return f"within bound ({sig(rec.bound, 2)})" if rec.holds else sig(rec.max_abs_error)


def _cons(rec: Any) -> str:
    if rec.consistency is None:
        return "-"
    return f"{rec.consistency:.3f}"


def _fig(runs: list[Any]) -> Figure:
    def draw() -> Any:
        from matplotlib.figure import Figure as MFigure

        fig = MFigure(figsize=(10.0, 4.0))
        ax1, ax2 = fig.subplots(1, 2)
        floor = 1e-18
        for r, marker in zip(runs, ("o", "s", "^")):
            xs = [rec.shift[0] for rec in r.shifts]
            ax1.plot(xs, [max(rec.max_abs_error, floor) for rec in r.shifts], marker=marker, label=r.arch)
            ax2.plot(xs, [rec.consistency for rec in r.shifts], marker=marker, label=r.arch)
        bounds = [rec.bound for r in runs for rec in r.shifts]
        ax1.axhline(max(bounds), color="grey", linestyle="--", linewidth=1, label="largest rounding bound")
        ax1.set_yscale("log")
        ax1.set_ylim(floor / 3, 100)
        ax1.set_xlabel("shift s (pixels, both axes)")
        ax1.set_ylabel(r"max $|f(T_s x) - T_s f(x)|$  (exact 0 drawn at $10^{-18}$)")
        ax1.set_title("equivariance error vs shift", fontsize=10)
        ax1.legend(fontsize=8)
        ax1.grid(True, alpha=0.3)
        ax2.set_ylim(0, 1.05)
        ax2.set_xlabel("shift s (pixels, both axes)")
        ax2.set_ylabel("shift consistency (argmax agreement)")
        ax2.set_title("per-pixel argmax agreement (Zhang 2019 style)", fontsize=10)
        ax2.grid(True, alpha=0.3)
        fig.tight_layout()
        return fig

    return Figure("equivariance-vs-shift", "equivariance error and shift consistency versus shift", draw)


def build(ctx: DocsContext) -> Page:
    """The translation-equivariance page."""
    try:
        from ..checks import check_equivariance  # noqa: F401
    except ImportError as exc:  # pragma: no cover - the checks module is part of the package
        text = frame("Translation equivariance", f"*Not available in this build: kronconv.checks cannot be "
                     f"imported ({exc}).*", [], [], "kronconv docs --out docs")
        return Page("translation-equivariance", "Translation equivariance", "not available", text)
    runs = equivariance_runs()
    zero_runs = equivariance_runs(max_shift=4, padding="zeros", size=None)
    fig = _fig(runs)
    by = {r.arch: r for r in runs}
    rows = []
    for i in range(MAX_SHIFT + 1):
        row: list[Any] = [i]
        for arch in ARCHS:
            rec = by[arch].shifts[i]
            row += [_err(rec), _cons(rec)]
        rows.append(row)
    nets = md_table(["architecture", "layers", "total stride", "keeps the resolution?",
                     "shifts that hold (0..16)", "as predicted"],
                    [[r.arch, r.network, "x".join(map(str, r.total_stride)),
                      "yes" if max(r.total_stride) == 1 else "no (subsamples)",
                      ", ".join(str(s[0]) for s in r.holding_shifts), "yes" if r.matches_theory else "NO"]
                     for r in runs])
    zrows = [[r.arch, r.size, ", ".join(str(s[0]) for s in r.holding_shifts),
              ", ".join(str(rec.compared) for rec in r.shifts), "yes" if r.matches_theory else "NO"]
             for r in zero_runs]
    first = runs[0]
    sections = [
        "## The property\n\n"
        "A map $f$ on images is *translation equivariant* when shifting the input shifts the output:"
        + math(r"f(T_s x) = T_s f(x) \quad\text{for all shifts } s, \qquad (T_s x)(p) = x(p - s).")
        + "\nEvery convolution -- dilated or not -- is equivariant on the whole plane, and so is a stack "
        "of convolutions and pointwise nonlinearities with stride 1; this is why dilated context modules "
        "keep full resolution *and* equivariance.  Subsampling (stride $S$, pooling) only commutes with "
        "shifts by multiples of $S$: $\\downarrow_S T_s = T_{s/S} \\downarrow_S$ needs $S \\mid s$ "
        "(Azulay & Weiss 2019; Zhang 2019).  A net that subsamples by a total stride $S$ and upsamples "
        "back is therefore equivariant exactly for $s \\in S\\mathbb{Z}$.",
        "## The numeric check\n\n"
        f"`kronconv check equivariance` (`kronconv.checks.check_equivariance`): random input and He-normal "
        f"weights (seed {SEED}), {first.channels} channels, 2-D, {first.size}x{first.size}, circular padding "
        f"(a torus, so every output is compared), ReLU after every convolution but the last, float64 on "
        "NumPy.  A shift *holds* when $|f(T_s x) - T_s f(x)| \\le E(T_s x) + T_s E(x)$ at every output, with "
        "$E$ the propagated rounding-error bound of each forward pass; shifts are applied on both axes.\n\n"
        + nets
        + "\n\nError (max over outputs and channels; *within bound* means the shift holds, the printed number "
        "being the rounding bound) and shift consistency (fraction of pixels whose argmax over the output "
        "channels is unchanged, in the spirit of Zhang 2019's classification consistency):\n\n"
        + md_table(["shift"] + [h for a in ARCHS for h in (f"{a}: error", f"{a}: consistency")], rows)
        + "\n\n" + fig.markdown(),
        ("The dilated stack holds for every shift, within the rounding bound (on the torus the shifted "
        "computation performs the same floating-point operations, so the observed difference is typically "
        "exactly 0; the figure draws 0 at $10^{-18}$).  The SegNet-like "
        "pooling/unpooling net and the strided net hold only at multiples of their total stride "
        f"{'x'.join(map(str, by['pooling'].total_stride))}; in between the error is of the order of the "
        "output itself and a large share of the pixels change their argmax."),
        "## With zero padding: interior only\n\n"
        "With zero padding, a finite image is not shift invariant at its border (the shifted-in samples "
        "are new, the shifted-out ones are lost).  The check then compares only outputs that read no "
        "padding and no wrapped-around sample -- the same interior as for the cascade identity on "
        "[dilated convolution](dilated-convolution.md) -- and the conclusions are unchanged:\n\n"
        + md_table(["architecture", "image size", "shifts that hold (0..4)", "outputs compared per shift",
                    "as predicted"], zrows),
        ("GPU runs of the same checks, where a GPU was available, are in the committed "
        "[reports](reports.md)."),
    ]
    text = frame(
        "Translation equivariance",
        "Error versus shift for a dilated stack, a pooling/unpooling (SegNet-like) net and a strided net, "
        "from the numeric checks with derived rounding bounds.",
        sections,
        ["zhang", "azulay", "yu-koltun"],
        "kronconv docs --out docs",
    )
    return Page("translation-equivariance", "Translation equivariance",
                "error vs shift: dilated vs pooling/unpooling vs strided", text, (fig,))
