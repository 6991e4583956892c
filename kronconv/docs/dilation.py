r"""Page ``dilated-convolution.md``: definitions, dilation as a Kronecker product, conventions.

Every identity on the page is checked here on integer examples (exact
equality), and the border region where the 'same'-padded cascade differs from
one convolution with the composed kernel is computed and compared with the
predicted margin :math:`m = \sum_{l \ge 1} d_l r_l`.

Examples
--------
>>> band = padding_experiment_1d()
>>> band.margin, sorted(p for (p,) in band.predicted if p < 20)
(6, [1, 2, 3, 5])
>>> band.observed == band.predicted, band.predicted <= band.band
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..formulas import network_fields
from ..kron import dilate, kron_kernel, selector
from ..spec import preset
from ._maths import cascade_kernel, conv_full, conv_same
from ._text import frame, math, md_table, pmatrix, vector
from .page import DocsContext, Figure, Page

__all__ = ["PaddingBand", "build", "dilated_by_definition", "padding_experiment_1d", "padding_experiment_2d", "tainted_outputs"]

SEED = 7


def dilated_by_definition(f: Any, k: Any, l: int) -> Any:
    r""":math:`(F *_l k)(p) = \sum_{s + l t = p} F(s) k(t)` by the definition (1-D, full support).

    Examples
    --------
    >>> import numpy as np
    >>> dilated_by_definition(np.array([1, 1]), np.array([1, 2]), 2).tolist()
    [1, 1, 2, 2]
    """
    n = len(f) + l * (len(k) - 1)
    out = np.zeros(n, dtype=np.int64)
    for s in range(len(f)):
        for t in range(len(k)):
            out[s + l * t] += int(f[s]) * int(k[t])
    return out


@dataclass(frozen=True)
class PaddingBand:
    """Where a 'same'-padded cascade differs from one 'same' convolution with the composed kernel."""

    size: tuple[int, ...]
    dilations: tuple[int, ...]
    extent: int
    margin: int
    observed: frozenset[tuple[int, ...]]
    predicted: frozenset[tuple[int, ...]]  #: outputs reached by a path through a truncated sample
    band: frozenset[tuple[int, ...]]  #: all outputs closer than ``margin`` to a border
    valid_equal: bool
    full_equal: bool
    diff: Any  # |difference| map (numpy array), for the figure


def _same_cascade(x: Any, kernels: list[Any], dilations: list[int]) -> Any:
    y = x
    for k, d in zip(kernels, dilations):
        y = conv_same(y, dilate(k, d))
    return y


def _valid(full: Any, extent: int, size: tuple[int, ...]) -> Any:
    return full[tuple(slice(extent - 1, n) for n in size)]


def _band(size: tuple[int, ...], margin: int) -> frozenset[tuple[int, ...]]:
    idx = np.indices(size).reshape(len(size), -1).T
    return frozenset(tuple(int(v) for v in p) for p in idx
                     if any(c < margin or c > n - 1 - margin for c, n in zip(p, size)))


def _shift_or(mask: Any, offsets: list[tuple[int, ...]]) -> Any:
    """``out[q] = any(mask[q + o] for o in offsets)`` with False outside ``mask``."""
    out = np.zeros_like(mask)
    for o in offsets:
        src = tuple(slice(max(0, v), n + min(0, v)) for v, n in zip(o, mask.shape))
        dst = tuple(slice(max(0, -v), n + min(0, -v)) for v, n in zip(o, mask.shape))
        out[dst] |= mask[src]
    return out


def tainted_outputs(size: tuple[int, ...], dilations: list[int], k: int = 3) -> frozenset[tuple[int, ...]]:
    """Outputs of a 'same'-padded cascade that read a truncated (outside, nonzero) intermediate sample.

    Propagates, layer by layer, which samples may differ from the untruncated
    computation: layer ``i >= 1`` output ``q`` reads ``q + d_i j``, ``|j| <= r_i``;
    a read is bad when it hits a bad sample or a sample outside the image whose
    untruncated value can be nonzero.  Generic kernels and inputs make every
    such output differ; special values can cancel (so the observed set is a subset).
    """
    r = (k - 1) // 2
    pad = sum(d * r for d in dilations)
    ext = tuple(n + 2 * pad for n in size)
    inside = np.zeros(ext, dtype=bool)
    inside[tuple(slice(pad, pad + n) for n in size)] = True
    support = inside.copy()  # untruncated support of the current intermediate signal
    bad = np.zeros(ext, dtype=bool)
    dims = len(size)
    for i, d in enumerate(dilations):
        offs = [tuple(int(v) * d for v in o) for o in np.ndindex(*((2 * r + 1,) * dims))]
        offs = [tuple(v - d * r for v in o) for o in offs]
        if i > 0:
            bad = _shift_or(bad | (support & ~inside), offs) & inside
        support = _shift_or(support, offs)
    idx = np.argwhere(bad[tuple(slice(pad, pad + n) for n in size)])
    return frozenset(tuple(int(v) for v in p) for p in idx)


def _experiment(size: tuple[int, ...], dilations: list[int], seed: int) -> PaddingBand:
    rng = np.random.default_rng(seed)
    dims = len(size)
    kernels = [rng.integers(-999, 1000, (3,) * dims) for _ in dilations]
    x = rng.integers(-999, 1000, size)
    composed = cascade_kernel(kernels, dilations)
    extent = composed.shape[0]
    cascade = _same_cascade(x, kernels, dilations)
    single = conv_same(x, composed)
    diff = np.abs(cascade - single)
    observed = frozenset(tuple(int(v) for v in p) for p in zip(*np.nonzero(diff)))
    margin = sum(d * 1 for d in dilations[1:])  # r_l = (3 - 1) / 2 = 1
    full_c = x
    for k, d in zip(kernels, dilations):
        full_c = conv_full(full_c, dilate(k, d))
    full_s = conv_full(x, composed)
    valid_c = x
    for k, d in zip(kernels, dilations):
        e = 2 * d + 1
        valid_c = _valid(conv_full(valid_c, dilate(k, d)), e, valid_c.shape)
    valid_s = _valid(full_s, extent, size)
    return PaddingBand(size, tuple(dilations), extent, margin, observed,
                       tainted_outputs(size, dilations), _band(size, margin),
                       bool(np.array_equal(valid_c, valid_s)), bool(np.array_equal(full_c, full_s)), diff)


def padding_experiment_1d() -> PaddingBand:
    """1-D, length 40, 3-tap kernels with dilations 1, 2, 4 (Yu & Koltun's first layers)."""
    return _experiment((40,), [1, 2, 4], SEED)


def padding_experiment_2d() -> PaddingBand:
    """2-D, 64x64, 3x3 kernels with dilations 1, 3, 9 (the 27x27 Kronecker cascade)."""
    return _experiment((64, 64), [1, 3, 9], SEED + 1)


def _fig_selector(k: Any, d: int) -> Figure:
    kd = np.kron(k, selector(d, 2))
    dil = dilate(k, d)

    def draw() -> Any:
        from matplotlib.figure import Figure as MFigure

        fig = MFigure(figsize=(9.0, 3.0))
        axes = fig.subplots(1, 4, gridspec_kw={"width_ratios": [k.shape[1], d, kd.shape[1], dil.shape[1]]})
        panels = [(k, "$K$"), (selector(d, 2), f"$E_{d}$"), (kd, rf"$K \otimes E_{d}$"),
                  (dil, f"dilate$(K, {d})$ (trimmed)")]
        vmax = float(np.abs(k).max())
        for ax, (a, title) in zip(axes, panels):
            ax.imshow(a, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
            for (i, j), v in np.ndenumerate(a):
                ax.text(j, i, str(int(v)), ha="center", va="center", fontsize=8,
                        color="black" if v == 0 else "white")
            ax.set_title(title, fontsize=10)
            ax.set_xticks([])
            ax.set_yticks([])
        fig.suptitle("Dilation is a Kronecker product with the selector (origin at the corner)", fontsize=10)
        fig.tight_layout()
        return fig

    return Figure("dilation-selector", "dilation as a Kronecker product with a selector", draw)


def _fig_band(band: PaddingBand) -> Figure:
    def draw() -> Any:
        from matplotlib.figure import Figure as MFigure
        from matplotlib.patches import Rectangle

        fig = MFigure(figsize=(5.2, 4.6))
        ax = fig.subplots()
        im = ax.imshow(np.log10(1 + band.diff), cmap="magma")
        n0, n1 = band.size
        m = band.margin
        ax.add_patch(Rectangle((m - 0.5, m - 0.5), n1 - 2 * m, n0 - 2 * m, fill=False,
                               edgecolor="cyan", linewidth=1.5, linestyle="--"))
        ax.set_title(f"|same-padded cascade - one conv with the {band.extent}x{band.extent} kernel|\n"
                     f"dilations {', '.join(map(str, band.dilations))}; dashed: predicted interior "
                     f"(margin {m})", fontsize=9)
        fig.colorbar(im, ax=ax, label="log10(1 + |difference|)")
        fig.tight_layout()
        return fig

    return Figure("padding-interior", "where the same-padded cascade differs from one convolution", draw)


def _and(items: list[int]) -> str:
    words = [str(i) for i in items]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def build(ctx: DocsContext) -> Page:
    """The dilated-convolution page."""
    rng = np.random.default_rng(SEED)
    # 1-D definition checked against numpy.convolve with the dilated kernel
    k1 = np.array([1, 2, 3])
    f1 = rng.integers(-5, 6, 12)
    by_def = dilated_by_definition(f1, k1, 2)
    by_conv = np.convolve(f1, dilate(k1, 2))
    assert np.array_equal(by_def, by_conv)
    kron1 = np.kron(k1, selector(2, 1))
    # 2-D Kronecker-with-selector example
    k2 = np.array([[1, 2], [3, 4]])
    kron2 = np.kron(k2, selector(3, 2))
    dil2 = dilate(k2, 3)
    assert np.array_equal(kron2[:4, :4], dil2) and not kron2[4:].any() and not kron2[:, 4:].any()
    # random checks of dilate == trimmed kron for many kernels and dilations
    trials = 0
    for d in range(1, 6):
        for shape in [(3,), (2, 3), (3, 3), (2, 2, 2)]:
            k = rng.integers(-9, 10, shape)
            e = np.kron(k, selector(d, len(shape)))
            trimmed = e[tuple(slice(0, d * (n - 1) + 1) for n in shape)]
            assert np.array_equal(trimmed, dilate(k, d))
            trials += 1
    # convolution vs cross-correlation: flipping commutes with dilation and Kronecker products
    ks = [rng.integers(-3, 4, (3, 3)) for _ in range(3)]
    flip_kron = np.flip(kron_kernel(ks))
    kron_flip = kron_kernel([np.flip(k) for k in ks])
    flip_ok = bool(np.array_equal(flip_kron, kron_flip))
    flip_dil = all(np.array_equal(np.flip(dilate(k, d)), dilate(np.flip(k), d)) for k in ks for d in (2, 3))
    # centring: Yu & Koltun's context module, padding = dilation keeps the field centred
    basic = preset("yu-koltun-basic")
    ft = network_fields(basic)
    rf = ft.receptive_field()[0]
    shift = sum(layer.dilation[0] * (layer.kernel[0] - 1) // 2 for layer in basic.layers)
    centre = ft.centre()[0]
    b1 = padding_experiment_1d()
    b2 = padding_experiment_2d()
    exact_inside = [p for p in range(b1.margin) if (p,) not in b1.predicted]

    sections = []
    sections.append(r"""## Definition

Yu & Koltun (2015) define the dilated convolution of a signal $F$ with a kernel $k$ at dilation $l$ by

$$
(F *_l k)(p) = \sum_{s + l t = p} F(s)\, k(t) = \sum_{t} F(p - l t)\, k(t),
$$

for $p, s, t \in \mathbb{Z}$ (1-D) or $\mathbb{Z}^2$ (2-D, with $l t$ scaling both coordinates).
$l = 1$ is the ordinary convolution.  A kernel of $k$ taps per axis touches
$l(k - 1) + 1$ input samples per axis (its *dilated extent*), but it still has only $k$ weights
per axis.  In 2-D with a $k \times k$ kernel the sum runs over $t = (t_1, t_2)$ and the taps sit
on the lattice $l\mathbb{Z}^2$:

$$
(F *_l k)(p_1, p_2) = \sum_{t_1, t_2} F(p_1 - l t_1,\ p_2 - l t_2)\, k(t_1, t_2).
$$
""")
    sections.append(
        "Checked by the page generator: for the kernel $k = " + vector(k1) + "$, dilation 2 and the "
        "random integer signal $F = " + vector(f1) + "$ (seed " + str(SEED) + "), the double sum of the "
        "definition equals `numpy.convolve(F, dilate(k, 2))` entry for entry:\n"
        + math(r"F *_2 k = " + vector(by_def)))
    sections.append(r"""## Dilation is a Kronecker product with a selector

Let $E_l$ be the *selector*: the array of shape $l$ per axis with a single 1 at the origin corner.
Inserting $l - 1$ zeros between neighbouring taps is the Kronecker product with $E_l$, followed by
trimming the $l - 1$ trailing zeros of each axis:

$$
k^{\uparrow l} = \left(k \otimes E_l\right)\big|_{\,[0,\ l(k-1)]^D},
\qquad F *_l k = F * k^{\uparrow l}.
$$
""")
    sections.append(
        "In 1-D, with $k = " + vector(k1) + "$: "
        "$k \\otimes E_2 = " + vector(kron1) + "$, and dropping the trailing zero gives "
        "$k^{\\uparrow 2} = " + vector(dilate(k1, 2)) + "$.  In 2-D (`kronconv.kronecker.dilate`, "
        "`kronconv.kronecker.selector`):"
        + math(r"K = " + pmatrix(k2) + r",\qquad K \otimes E_3 = " + pmatrix(kron2)
               + r",\qquad K^{\uparrow 3} = " + pmatrix(dil2))
        + f"\nThe same identity was checked exactly for {trials} random integer kernels "
        "(shapes 3, 2x3, 3x3, 2x2x2; dilations 1 to 5).\n\n"
        + _fig_selector(np.array([[2, -1, 3], [1, 4, -2], [-3, 1, 2]]), 3).markdown()
    )
    sections.append(r"""Because the trailing zeros are the only difference, the Kronecker form composes: dilating the
cascade kernel $K_1 \otimes K_0$ of two $a$-tap layers by $a^2$ gives the third factor's position
in $K_2 \otimes K_1 \otimes K_0$.  This is the mechanism behind the
[cascade theorem](cascade-theorem.md).""")
    sections.append(
        "## Conventions\n\n"
        "### Convolution or cross-correlation\n\n"
        "Deep-learning libraries compute the *cross-correlation* "
        "$(F \\star_l k)(p) = \\sum_t F(p + l t)\\, k(t)$, which is the convolution with the flipped "
        "kernel $\\bar k(t) = k(-t)$ (up to the origin shift discussed below).  Flipping commutes with "
        "dilation and with Kronecker products,"
        + math(r"\overline{k^{\uparrow l}} = \bar k^{\uparrow l}, \qquad "
               r"\overline{K_2 \otimes K_1 \otimes K_0} = \bar K_2 \otimes \bar K_1 \otimes \bar K_0,")
        + "\nso every statement on these pages holds for cross-correlation with the same factor order. "
        f"Checked exactly on three random 3x3 integer kernels: flip of the Kronecker product equals the "
        f"product of flips: **{'yes' if flip_ok else 'NO'}**; flip commutes with dilation 2 and 3: "
        f"**{'yes' if flip_dil else 'NO'}**."
    )
    sections.append(
        "### Where the kernel's origin is\n\n"
        "`numpy.kron`, the selector $E_l$ and `kronconv.kronecker` put the kernel's origin at the **corner**: "
        "$t \\in \\{0, \\dots, k-1\\}$.  Yu & Koltun centre it: a $(2r+1)$-tap filter lives on "
        "$\\Omega_r = [-r, r]$.  The two differ by a pure translation of the output,"
        + math(r"(F *_l k)_{\text{centred}}(p) = (F *_l k)_{\text{corner}}(p + l r),")
        + "\nand translations add along a cascade: layer $i$ contributes $d_i r_i$, and "
        "$\\sum_i d_i r_i = (N - 1)/2$ where $N = 1 + \\sum_i 2 d_i r_i$ is the extent of the composed "
        "kernel.  So the composed corner-origin kernel, re-centred at its middle tap, is exactly the "
        "centred cascade.  For Yu & Koltun's basic context module (dilations "
        + ", ".join(str(l.dilation[0]) for l in basic.layers)
        + f"), the shifts add up to {shift} = ({rf} - 1)/2, and `network_fields` (padding = dilation, "
        f"as in the paper) puts the centre of output unit 0's field at input coordinate {int(centre)}: "
        "the module is aligned with its input."
    )
    sections.append(
        "### Padding: the identity holds exactly for 'full' and 'valid', only in the interior for 'same'\n\n"
        "A cascade of linear convolutions equals one convolution with the composed kernel "
        "$k_{L-1}^{\\uparrow d_{L-1}} * \\dots * k_0^{\\uparrow d_0}$ when nothing is cropped in between "
        "('full' convolution of finitely supported signals) and also for 'valid' convolution (each output "
        "only uses real input).  With 'same' zero padding *per layer*, each layer crops its result to the "
        "input size, and later layers read zeros where the untruncated intermediate signal is not zero. "
        "Layer $i \\ge 1$ reads its input at $q + d_i j$, $|j| \\le r_i$ (for $k_i = 2 r_i + 1$ taps); "
        "layer 0 reads the zero-padded input exactly as the single convolution does.  So every output at "
        "least"
        + math(r"m = \sum_{i=1}^{L-1} d_i r_i")
        + "\nsamples from every border is exact.  Closer to the border, an output is wrong exactly when a "
        "chain of reads leads from it through a truncated sample (outside the image, untruncated value "
        "not zero) back into the image -- for generic kernels; special values may cancel.  Because dilated "
        "reads jump over samples, this set can have gaps (`tainted_outputs` in "
        "`kronconv/docs/dilation.py` computes it).  The generator checks all of this on random integer "
        f"data (entries in [-999, 999], seed {SEED}):\n\n"
        + md_table(
            ["setting", "composed extent", "margin m", "outputs that differ", "predicted by the read chains",
             "all within the margin band", "'valid' exact", "'full' exact"],
            [[f"{len(b.size)}-D, {'x'.join(map(str, b.size))}, dilations {', '.join(map(str, b.dilations))}",
              b.extent, b.margin, len(b.observed),
              "all" if b.observed == b.predicted else f"{len(b.observed)} of {len(b.predicted)}",
              "yes" if b.observed <= b.band else "NO", "yes" if b.valid_equal else "NO",
              "yes" if b.full_equal else "NO"] for b in (b1, b2)])
        + "\n\nIn 1-D with dilations " + ", ".join(map(str, b1.dilations)) + ", the affected outputs at the "
        "left border are " + ", ".join(str(p) for (p,) in sorted(b1.predicted) if p < b1.size[0] // 2)
        + f" (margin {b1.margin}): outputs {_and(exact_inside)} are exact although they lie inside the margin.  "
        "`kronconv check equivalence --padding same` compares the simpler, conservative interior of outputs that "
        "read no padding in any layer."
        + "\n\n" + _fig_band(b2).markdown()
        + "\n\nThe identities on these pages are therefore statements about linear layers on the whole "
        "plane (or 'valid' outputs); on a padded finite image they hold in the interior only.  They also "
        "need the layers to be linear: Yu & Koltun's context module has a ReLU after every layer, so the "
        "trained module is not one big convolution -- the theorem describes its linear skeleton (and its "
        "identity initialisation)."
    )
    text = frame(
        "Dilated convolution",
        "Definitions in 1-D and 2-D, dilation as a Kronecker product with a selector, and the conventions "
        "(convolution or cross-correlation, where the kernel's origin is, padding) that decide where the "
        "identities of the other pages hold exactly.",
        sections,
        ["yu-koltun", "dumoulin", "van-loan-2000"],
        "kronconv docs --out docs",
    )
    return Page("dilated-convolution", "Dilated convolution",
                "definitions, dilation = Kronecker product with a selector, conventions, padding",
                text, (_fig_selector(np.array([[2, -1, 3], [1, 4, -2], [-3, 1, 2]]), 3), _fig_band(b2)))
