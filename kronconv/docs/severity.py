r"""Page ``restriction-severity.md``: how severe is the restriction of a linear dilated cascade?

Everything is computed from :mod:`kronconv.qtt` when the page is built: QTT rank
profiles and TT-SVD errors against the channel count for 27x27 kernels (``a = 3``,
``L = 3``), the same target fitted by ALS with Yu & Koltun's ``2^l`` dilations and
3x3 kernels, and error against parameters for rank-``r`` separable kernels and
``C``-channel cascades.  Test kernels are generated in-process with fixed seeds.

Examples
--------
>>> ks = sample_kernels()
>>> sorted(ks)[:3]
['1/f noise', 'Gabor', 'Gaussian']
>>> {k.shape for k in ks.values()}
{(27, 27)}
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..qtt import rank_profile
from ..qtt.fit import cascade_extent, fit
from . import DocsContext, Figure, Page
from ._text import frame, md_table, sig

__all__ = ["build", "sample_kernels", "separable_errors"]

SEED = 2011
N = 27  # 3^3
A, L = 3, 3
CHANNELS = (1, 2, 3, 4, 6, 9)  # columns shown; the thresholds use every C in 1..9
TARGET = 0.1  # relative error of the "parameters needed" comparison
FLOOR = 1e-4  # figures: errors below it (exact fits, up to rounding) are drawn on the floor
ZERO = 1e-12  # relative values below this are floating residue of exact zeros (printed as "< 1e-12")
ALS_CHANNELS = (1, 2, 4)
ALS_LAYERS = 4  # 3x3 kernels, dilations 1, 2, 4, 8: extent 31 >= 27
ALS_SWEEPS = 4


def sample_kernels() -> dict[str, Any]:
    """The page's 27x27 test kernels (fixed seeds; unit Frobenius norm)."""
    rng = np.random.default_rng(SEED)
    y, x = np.mgrid[0:N, 0:N] - (N - 1) / 2
    out: dict[str, Any] = {}
    out["random"] = rng.standard_normal((N, N))
    out["Gaussian"] = np.exp(-(x**2 + y**2) / (2 * 4.0**2))
    th = math.pi / 6
    xr = x * math.cos(th) + y * math.sin(th)
    out["Gabor"] = np.exp(-(x**2 + y**2) / (2 * 5.0**2)) * np.cos(2 * math.pi * xr / 8.0)
    box9 = np.zeros((N, N))
    box9[9:18, 9:18] = 1.0
    out["box 9x9 (digit-aligned)"] = box9
    box7 = np.zeros((N, N))
    box7[10:17, 10:17] = 1.0
    out["box 7x7 (centred)"] = box7
    # 1/f noise: random phases, amplitude 1/|f| (power 1/f^2, the spectrum of natural images)
    fy, fx = np.meshgrid(np.fft.fftfreq(N), np.fft.fftfreq(N), indexing="ij")
    f = np.hypot(fx, fy)
    f[0, 0] = 1.0
    amp = 1.0 / f
    amp[0, 0] = 0.0
    phase = np.exp(2j * math.pi * rng.random((N, N)))
    out["1/f noise"] = np.real(np.fft.ifft2(amp * phase))
    return {k: v / np.linalg.norm(v) for k, v in out.items()}


def separable_errors(k: Any, ranks: tuple[int, ...]) -> list[float]:
    """Relative error of the best rank-``r`` (sum of ``r`` separable terms) approximation (Eckart–Young)."""
    s = np.linalg.svd(k, compute_uv=False)
    tot = float(np.sqrt(np.sum(s**2)))
    return [float(np.sqrt(np.sum(s[r:] ** 2))) / tot for r in ranks]


def _z(x: float) -> str:
    return sig(x) if x >= ZERO else "< 1e-12"


def _needed(errs: dict[int, float], params: Any) -> str:
    ok = [params(c) for c, e in sorted(errs.items()) if e <= TARGET]
    return str(min(ok)) if ok else f"> {params(max(errs))}"


def _cascade_params(C: int, layers: int = L) -> int:
    return 9 * (2 * C + (layers - 2) * C * C)


def _fig(curves: dict[str, list[float]], tradeoff: dict[str, Any]) -> Figure:
    def draw() -> Any:
        from matplotlib.figure import Figure as MFigure

        fig = MFigure(figsize=(11.0, 4.2))
        ax1, ax2 = fig.subplots(1, 2)
        for name, errs in curves.items():
            ax1.plot(CHANNELS, [max(e, FLOOR) for e in errs], "o-", label=name)
        ax1.set_yscale("log")
        ax1.set_ylim(FLOOR / 2, 2)
        ax1.set_xlabel("channels C between layers")
        ax1.set_ylabel(f"relative error (TT-SVD; exact fits drawn at {FLOOR:g})")
        ax1.set_title("27x27 kernels, 3 layers of 3x3, dilations 3^l", fontsize=10)
        ax1.grid(True, which="both", alpha=0.3)
        ax1.legend(fontsize=7)
        for name, d in tradeoff.items():
            line = ax2.plot(d["sep_params"], d["sep"], "s--", label=f"{name}: rank-r separable")[0]
            ax2.plot(d["cas_params"], d["cas"], "o-", color=line.get_color(), label=f"{name}: cascade 3^l")
            ax2.plot(d["als_params"], d["als"], "^:", color=line.get_color(), label=f"{name}: cascade 2^l (ALS)")
        ax2.set_xscale("log")
        ax2.set_yscale("log")
        ax2.set_ylim(FLOOR / 2, 2)
        ax2.set_xlabel("parameters")
        ax2.set_ylabel(f"relative error (exact fits drawn at {FLOOR:g})")
        ax2.set_title("error against parameters", fontsize=10)
        ax2.grid(True, which="both", alpha=0.3)
        ax2.legend(fontsize=6)
        fig.tight_layout()
        return fig

    return Figure("restriction-severity", "relative error against channels and against parameters", draw)


def build(ctx: DocsContext) -> Page:
    """The restriction-severity page."""
    ks = sample_kernels()
    rank_rows: list[list[Any]] = []
    err_rows: list[list[Any]] = []
    need_rows: list[list[Any]] = []
    curves: dict[str, list[float]] = {}
    for name, k in ks.items():
        prof = rank_profile(k, A, mode="numeric")
        s1 = prof.singular_values[0][0]
        rank_rows.append([name, str(list(prof.ranks)), prof.min_channels,
                          ", ".join(_z(s / s1) for s in prof.singular_values[0][:4])])
        all_err, bounds = {}, {}
        for C in range(1, 10):
            r = fit(k, A, L, C)
            all_err[C] = r.relative_error
            bounds[C] = (r.error_bound or 0.0) / r.norm
            if r.relative_error > bounds[C] + r.tolerance / r.norm:  # pragma: no cover - a library bug
                raise AssertionError(f"{name}: TT-SVD error above its bound at C = {C}")
        curves[name] = [all_err[C] for C in CHANNELS]
        err_rows.append([name] + [f"{_z(all_err[C])} ({_z(bounds[C])})" if all_err[C] >= ZERO else "< 1e-12"
                                  for C in CHANNELS])
        sep = dict(zip(range(1, N + 1), separable_errors(k, tuple(range(1, N + 1)))))
        need_rows.append([name, _needed(sep, lambda r: 2 * N * r), _needed(all_err, _cascade_params), N * N])
    # ALS with 2^l dilations, 3x3 kernels, centred in the composed extent 31
    als_names = ("Gaussian", "Gabor", "1/f noise")
    E = cascade_extent(3, 2, ALS_LAYERS)
    als_rows: list[list[Any]] = []
    tradeoff: dict[str, dict[str, Any]] = {}
    for name in als_names:
        errs = [fit(ks[name], 3, ALS_LAYERS, C, b=2, sweeps=ALS_SWEEPS, seed=SEED, starts=0).relative_error
                for C in ALS_CHANNELS]
        als_rows.append([name] + [f"{_z(e)} @ {_cascade_params(C, ALS_LAYERS)}" for e, C in zip(errs, ALS_CHANNELS)])
        sep_r = (1, 2, 3, 4, 6, 9)
        tradeoff[name] = {"sep_params": [2 * N * r for r in sep_r],
                          "sep": [max(e, FLOOR) for e in separable_errors(ks[name], sep_r)],
                          "cas_params": [_cascade_params(C) for C in CHANNELS],
                          "cas": [max(e, FLOOR) for e in curves[name]],
                          "als_params": [_cascade_params(C, ALS_LAYERS) for C in ALS_CHANNELS], "als": errs}
    trade_rows = []
    for name in als_names:
        d = tradeoff[name]
        trade_rows.append([name] + [f"{_z(e)} @ {p}" for e, p in zip(d["sep"][:4], d["sep_params"][:4])]
                          + [f"{_z(e)} @ {p}" for e, p in zip(d["cas"][:4], d["cas_params"][:4])])

    def _n(text: Any) -> float:
        return math.inf if str(text).startswith(">") else float(text)

    over = [str(r[0]) for r in need_rows if min(_n(r[1]), _n(r[2])) >= N * N]
    cheaper = [str(r[0]) for r in need_rows if r[0] not in over and _n(r[1]) < _n(r[2])]
    cas_cheaper = [str(r[0]) for r in need_rows if r[0] not in over and _n(r[2]) < _n(r[1])]
    box = rank_profile(ks["box 9x9 (digit-aligned)"], A, mode="numeric").ranks
    fig = _fig(curves, tradeoff)
    rnd = dict(zip(CHANNELS, curves["random"]))
    gauss = dict(zip(CHANNELS, curves["Gaussian"]))
    sections = [
        ("## The question and its answer\n\n"
        "Dilated cascades grow the receptive field faster than the parameter count, so they cannot "
        "realise every kernel.  For **linear** cascades with dilation base equal to the kernel size the "
        "restriction is exact and computable.  Write a position $t \\in [0, a^L)$ by its base-$a$ digits "
        "$t = \\sum_l q_l a^l$ (per axis; in 2-D a level's digit is the pair of axis digits).  With $C$ "
        "channels between layers the composed kernel is"
        "\n\n$$\nK[t] = \\sum_{c_1, \\dots, c_{L-1}} W_{L-1}[1, c_{L-1}][q_{L-1}] \\cdots W_1[c_2, c_1][q_1]\\, "
        "W_0[c_1, 1][q_0],\n$$\n\n"
        "layer $l$ supplying digit $q_l$ (kronconv's `numpy.kron` order $K_{L-1} \\otimes \\cdots \\otimes K_0$: "
        "layer 0 is the fastest-varying digit).  That is a **quantized tensor train** with bond dimension "
        "$C$, so (theorem `qtt-rank`, `kronconv.theorems.qtt_rank`): *a kernel of extent $a^L$ is the composed "
        "kernel of an $L$-layer, $C$-channel cascade with dilations $a^l$ iff every unfolding "
        "(coarse digits $q_{L-1..l+1}$ against fine digits $q_{l..0}$) has rank $\\le C$*.  "
        "`kronconv prove --theorem qtt-rank --kernel-file KERNEL.npy --kernel a --channels C` states it for one "
        "integer kernel and writes a certificate that `kronconv verify` re-checks (certificates `qtt-rank-C2` and "
        "`refuted-qtt-rank` in `proofs/`).  "
        "`kronconv ranks KERNEL.npy --kernel a` computes these ranks (exactly for integer kernels), and "
        "`kronconv fit` the best cascade: TT-SVD, whose error is at most "
        "$\\big(\\sum_l \\sum_{i > C} \\sigma_i^{(l)2}\\big)^{1/2}$ and at least the largest single tail "
        "(no $C$-channel cascade can do better), i.e. within $\\sqrt{L-1}$ of optimal."),
        ("## Test kernels\n\n"
        "All $27 \\times 27$ ($a = 3$, $L = 3$: unfoldings $81 \\times 9$ and $9 \\times 81$, so every rank "
        f"is at most 9 and $C = 9$ is always exact), normalised to unit Frobenius norm, seed {SEED}: "
        "**random** (i.i.d. normal), **Gaussian** ($\\sigma = 4$, centred), **Gabor** ($\\sigma = 5$, "
        "wavelength 8, orientation 30°), a **box** of $9 \\times 9$ on the middle digit block "
        "(positions 9..17) and one of $7 \\times 7$ centred (positions 10..16), and **1/f noise** -- a "
        "stand-in for natural-image patches: random phases with amplitude $1/|f|$ (power spectrum "
        "$1/f^2$, the average spectrum of natural images), generated in-process."),
        "## Rank profiles\n\n"
        "Numeric ranks (singular values above $\\max(m, n)\\,\\varepsilon\\,\\sigma_1$; see "
        "`kronconv.qtt.ranks`), the fewest channels for exact representation, and the leading singular "
        "values of the first unfolding:\n\n"
        + md_table(["kernel", "QTT ranks", "min C", "sigma_1..4 / sigma_1 of unfolding 0-1"], rank_rows),
        "## Error against channels ($3^l$ dilations, TT-SVD)\n\n"
        "Relative error $\\|K - \\hat K\\|_F / \\|K\\|_F$ of the TT-SVD cascade, measured by running it with "
        "kronconv's numeric engine, and in brackets the TT-SVD bound:\n\n"
        + md_table(["kernel"] + [f"C = {C}" for C in CHANNELS], err_rows)
        + "\n\n" + fig.markdown() + "\n\n"
        f"A generic kernel needs the full $C = 9$: the random kernel still has relative error "
        f"{sig(rnd[4])} at $C = 4$.  Smooth kernels need fewer channels: the Gaussian reaches {sig(gauss[2])} with "
        f"$C = 2$ and {sig(gauss[3])} with $C = 3$.  Alignment with the digit grid matters: the $9 \\times 9$ "
        "box sitting on one digit block is a product of digit indicators "
        f"(ranks {list(box)}), the centred $7 \\times 7$ box is not.",
        "## Yu & Koltun's $2^l$ dilations (ALS)\n\n"
        f"3x3 kernels with dilations $1, 2, 4, 8$ compose to extent {E}; the $27 \\times 27$ target is "
        "centred in it and fitted by alternating least squares over the layers (the composed kernel is "
        "linear in each layer), started from the base-2 TT-SVD solution embedded in the 3x3 taps, "
        f"{ALS_SWEEPS} sweeps.  Four layers of $3 \\times 3$ store $9(2C + 2C^2)$ numbers.  Achieved relative "
        "errors @ parameters (not optima):\n\n"
        + md_table(["kernel"] + [f"C = {C}" for C in ALS_CHANNELS], als_rows),
        "## Error against parameters\n\n"
        "A rank-$r$ separable kernel $\\sum_{i \\le r} u_i v_i^T$ stores $2 \\cdot 27 r$ numbers (best "
        "error from the matrix SVD, Eckart–Young); a 3-layer cascade with $C$ channels stores "
        "$9(2C + C^2)$.  Relative error @ parameters:\n\n"
        + md_table(["kernel"] + [f"separable r = {r}" for r in (1, 2, 3, 4)] + [f"cascade C = {C}" for C in CHANNELS[:4]],
                   trade_rows)
        + f"\n\nParameters needed for a relative error of at most {TARGET} (separable: $r \\le 27$; "
        "3-layer $3^l$ cascade: $C \\le 9$; dense: 729):\n\n"
        + md_table(["kernel", "separable", "cascade 3^l", "dense"], need_rows)
        + "\n\nA low-rank separable kernel is the cheaper approximation for: "
        + (", ".join(cheaper) or "none of them")
        + "; the cascade for: " + (", ".join(cas_cheaper) or "none of them")
        + "; neither beats the dense kernel for: " + (", ".join(over) or "none of them") + ".  "
        "These are $27 \\times 27$ kernels only; at larger extents the cascade's count grows with "
        "$\\log_a N$ (see [Parameter counts](parameter-counts.md)) while the separable one grows with $N$.",
    ]
    text = frame(
        "How severe is the restriction?",
        "Which kernels a linear dilated cascade can represent exactly (quantized tensor-train ranks), and "
        "how well it approximates the others, measured on random, smooth, box and natural-image-like kernels.",
        sections,
        ["yu-koltun"],
        "kronconv docs --out docs",
    )
    return Page("restriction-severity", "How severe is the restriction?",
                "QTT ranks, TT-SVD and ALS fits: which kernels a dilated cascade can represent", text, (fig,))
