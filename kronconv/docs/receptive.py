r"""Page ``receptive-fields.md``: the plain, exponential and Kronecker closed forms, Yu & Koltun's table.

All closed forms come from :func:`kronconv.formulas.receptive_field_closed_form`
(SymPy summation), all tables from :func:`kronconv.formulas.network_fields` /
:func:`kronconv.formulas.chain_fields` (exact integers).  The published values
of Yu & Koltun's Table 1 are kept only as a reference column that the computed
values are compared with.

Examples
--------
>>> rows = depth_table(4)
>>> [(r["layers"], r["plain"], r["exponential"], r["kronecker"]) for r in rows][-1]
(4, 9, 31, 81)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ..formulas import (
    chain_fields,
    layers_for_receptive_field,
    network_fields,
    receptive_field_closed_form,
)
from ..spec import Conv, preset
from ._text import frame, math, md_table, tex, vector
from .page import DocsContext, Figure, Page

__all__ = ["PUBLISHED_TABLE1", "build", "depth_table", "path_counts"]

#: Yu & Koltun 2015, Table 1 (reference values the computed ones are compared with):
#: receptive field of each layer and the large module's output channels in units of C.
PUBLISHED_TABLE1 = {
    "receptive_field": (3, 5, 9, 17, 33, 65, 67, 67),
    "large_channels": (2, 2, 4, 8, 16, 32, 32, 1),
}

MAX_DEPTH = 12


def depth_table(depth: int = MAX_DEPTH) -> list[dict[str, int]]:
    """Receptive field after 1..depth layers of the three stacks, by the layer recurrence (exact)."""
    plain = chain_fields([3] * depth, [1] * depth, [1] * depth, [0] * depth)
    expo = chain_fields([3] * depth, [2**l for l in range(depth)], [1] * depth, [0] * depth)
    kron = chain_fields([3] * depth, [3**l for l in range(depth)], [1] * depth, [0] * depth)
    return [{"layers": i + 1, "plain": int(p.receptive_field), "exponential": int(e.receptive_field),
             "kronecker": int(k.receptive_field)} for i, (p, e, k) in enumerate(zip(plain, expo, kron))]


def path_counts(kernel: int, dilations: list[int]) -> Any:
    r"""Number of paths from one output to each input offset of a 1-D cascade.

    The coefficients of :math:`\prod_l (1 + x^{d_l} + \dots + x^{(k-1) d_l})`.

    Examples
    --------
    >>> path_counts(3, [1, 3]).tolist()
    [1, 1, 1, 1, 1, 1, 1, 1, 1]
    """
    out = np.ones(1, dtype=np.int64)
    for d in dilations:
        taps = np.zeros(d * (kernel - 1) + 1, dtype=np.int64)
        taps[::d] = 1
        out = np.convolve(out, taps)
    return out


def _fig_depth(rows: list[dict[str, int]]) -> Figure:
    def draw() -> Any:
        from matplotlib.figure import Figure as MFigure

        fig = MFigure(figsize=(6.4, 4.2))
        ax = fig.subplots()
        x = [r["layers"] for r in rows]
        for key, label, marker in (("plain", r"plain 3x3: $2L+1$", "o"),
                                   ("exponential", r"exponential, dilation $2^l$: $2^{L+1}-1$", "s"),
                                   ("kronecker", r"Kronecker, dilation $3^l$: $3^L$", "^")):
            ax.plot(x, [r[key] for r in rows], marker=marker, label=label)
        ax.set_yscale("log")
        ax.set_xlabel("depth L (number of 3x3 layers)")
        ax.set_ylabel("receptive field (samples per axis)")
        ax.set_title("Receptive field vs depth (exact, from the layer recurrence)", fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        return fig

    return Figure("receptive-field-vs-depth", "receptive field versus depth, log scale", draw)


def _at(expr: sp.Expr, **values: int) -> int:
    """Substitute symbols by name and return the integer value."""
    return int(expr.xreplace({s: values[s.name] for s in expr.free_symbols}))


def _channels(m: int) -> str:
    return "C" if m == 1 else f"{m}C"


def build(ctx: DocsContext) -> Page:
    """The receptive-fields page."""
    i_ = sp.Symbol("i", positive=True, integer=True)
    plain = receptive_field_closed_form("k", 1, "L")
    expo_k = receptive_field_closed_form("k", "2**l", "L")
    expo3 = receptive_field_closed_form(3, "2**l", "L")
    kron = receptive_field_closed_form("a", "a**l", "L")
    yk_form = sp.simplify(expo3.xreplace({s: i_ + 1 for s in expo3.free_symbols if s.name == "L"}))
    assert sp.simplify(yk_form - (2 ** (i_ + 2) - 1)) == 0
    rows = depth_table()
    checks = [
        _at(plain, k=3, L=r["layers"]) == r["plain"]
        and _at(expo3, L=r["layers"]) == r["exponential"]
        and _at(kron, a=3, L=r["layers"]) == r["kronecker"]
        for r in rows
    ]
    all_match = all(checks)
    lf_plain = layers_for_receptive_field("R", 3, 1)
    lf_expo = layers_for_receptive_field("R", 3, "2**l")
    lf_kron = layers_for_receptive_field("R", 3, "3**l")
    pc_expo = path_counts(3, [1, 2, 4])
    pc_kron = path_counts(3, [1, 3, 9])
    # Yu & Koltun context module
    basic = preset("yu-koltun-basic")
    large = preset("yu-koltun-large:C=1")
    ftb = network_fields(basic)
    yk_rows = []
    yk_match = True
    for idx, (lb, ll) in enumerate(zip(basic.layers, large.layers)):
        rf = ftb.receptive_field(idx)[0]
        pub = PUBLISHED_TABLE1["receptive_field"][idx]
        pub_c = PUBLISHED_TABLE1["large_channels"][idx]
        ok = rf == pub and ll.out_channels == pub_c and lb.out_channels == basic.layers[0].in_channels
        yk_match &= ok
        assert isinstance(lb, Conv)
        yk_rows.append([idx + 1, f"{lb.kernel[0]}x{lb.kernel[1]}", lb.dilation[0], f"{rf}x{rf}",
                        f"{pub}x{pub}", "C", _channels(ll.out_channels), _channels(pub_c),
                        "yes" if ok else "NO"])
    C = sp.Symbol("C", positive=True, integer=True)
    basic_w = sum(l.weight_count for l in preset("yu-koltun-basic:C=1").layers) * C**2
    basic_b = sum(l.bias_count for l in preset("yu-koltun-basic:C=1").layers) * C
    large_w = sum(l.weight_count for l in large.layers) * C**2
    large_b = sum(l.bias_count for l in large.layers) * C
    front = preset("yu-koltun-frontend")
    ftf = network_fields(front)
    both = basic
    fig = _fig_depth(rows)

    sections = [
        r"""## The layer recurrence

For a chain of layers with kernel $k_l$, dilation $d_l$ and stride $s_l$ (Araujo, Norris & Sim 2019),
the receptive field $r$ and the effective stride ("jump") $J$ after layer $l$ are

$$
r_l = r_{l-1} + d_l (k_l - 1)\, J_{l-1}, \qquad J_l = s_l J_{l-1}, \qquad r_{-1} = J_{-1} = 1,
$$

since a dilated kernel spans $d_l(k_l - 1) + 1$ samples of its input, whose neighbouring samples are
$J_{l-1}$ input samples apart.  With stride 1 throughout, $J \equiv 1$ and

$$
r(L) = 1 + \sum_{l=0}^{L-1} d_l\,(k_l - 1).
$$

The three closed forms below are this sum evaluated by SymPy (`kronconv formula rf`).""",
        "## Plain stacks: linear growth\n\nWith $d_l = 1$:"
        + math(r"r(L) = 1 + \sum_{l=0}^{L-1} (k - 1) = " + tex(sp.factor(plain - 1)) + " + 1 = " + tex(plain))
        + "\nso $L$ plain 3x3 layers see $2L + 1$ samples per axis, and reaching a field $R$ takes "
        f"$L = {tex(lf_plain)}$ layers (`kronconv formula layers-for --rf R --kernel 3`).",
        "## Exponential stacks (Yu & Koltun): $2^{i+2} - 1$\n\n"
        "Yu & Koltun's cascade $F_{i+1} = F_i *_{2^i} k_i$ uses dilation $d_l = 2^l$.  The geometric sum gives"
        + math(r"r(L) = 1 + (k - 1)\sum_{l=0}^{L-1} 2^l = 1 + (k - 1)(2^L - 1) = " + tex(expo_k))
        + "\nand for $k = 3$"
        + math(r"r(L) = " + tex(expo3) + ".")
        + "\n$F_{i+1}$ is the output of $L = i + 1$ layers, so its receptive field is "
        f"$r(i + 1) = {tex(yk_form)}$ -- exactly the paper's $(2^{{i+2}} - 1) \\times (2^{{i+2}} - 1)$ "
        "(SymPy confirms the difference simplifies to 0).  The number of layers for a field $R$ is "
        f"${tex(lf_expo)}$: logarithmic in $R$ with no loss of resolution (stride 1).",
        "## Kronecker stacks: $a^L$\n\n"
        "With $a$-tap kernels and dilation $d_l = a^l$, the sum telescopes:"
        + math(r"r(L) = 1 + (a - 1)\sum_{l=0}^{L-1} a^l = 1 + (a - 1)\frac{a^L - 1}{a - 1} = " + tex(kron) + ".")
        + "\nThe field is covered *exactly once*: an input offset $t \\in [0, a^L)$ is reached from the "
        "output by the taps $t_l \\in \\{0, \\dots, a-1\\}$ with $t = \\sum_l t_l a^l$, i.e. by the base-$a$ "
        "digits of $t$, which exist and are unique.  This is why the composed kernel is the Kronecker "
        "product $K_{L-1} \\otimes \\dots \\otimes K_0$ (see [the cascade theorem](cascade-theorem.md)).  "
        f"Fields $R$ need ${tex(lf_kron)}$ layers for $a = 3$.",
        "### Path counts\n\n"
        "The number of paths from one output to each input offset is the coefficient list of "
        "$\\prod_l (1 + x^{d_l} + \\dots + x^{(k-1)d_l})$.  For three 3-tap layers:\n\n"
        + md_table(["dilations", "field", "paths to offsets 0, 1, ...", "min", "max"],
                   [["1, 2, 4", len(pc_expo), vector(pc_expo), int(pc_expo.min()), int(pc_expo.max())],
                    ["1, 3, 9", len(pc_kron), vector(pc_kron), int(pc_kron.min()), int(pc_kron.max())]])
        + "\n\nThe exponential stack reaches every offset (no holes) but unevenly -- its composed kernel is "
        "a sum of overlapping products, not a single Kronecker product; the Kronecker stack reaches each "
        "offset once.  Dilations that grow faster than the kernel (e.g. 3-tap kernels with dilations "
        "$4^l$) leave offsets with no path at all: see [gridding](gridding.md).",
        "## Receptive field versus depth\n\n"
        "Computed from the layer recurrence (`chain_fields`) and compared with the three closed forms at "
        f"every depth from 1 to {MAX_DEPTH}: "
        f"**{'all equal' if all_match else 'MISMATCH'}**.\n\n"
        + md_table(["layers L", "plain 3x3", "exponential (3x3, dilation 2^l)", "Kronecker (3x3, dilation 3^l)"],
                   [[r["layers"], r["plain"], r["exponential"], r["kronecker"]] for r in rows])
        + "\n\n" + fig.markdown(),
        "## Yu & Koltun's context module (Table 1), computed\n\n"
        "`kronconv rf --preset yu-koltun-basic` and `--preset yu-koltun-large`: seven 3x3 layers with "
        "dilations 1, 1, 2, 4, 8, 16, 1 and padding equal to the dilation, then a 1x1 output layer "
        "(each layer is followed by a truncated ReLU, which does not change receptive fields).  The "
        "'published' columns are the paper's Table 1, kept as a reference to compare with:\n\n"
        + md_table(["layer", "kernel", "dilation", "receptive field (computed)", "published",
                    "channels, basic", "channels, large (computed)", "published", "match"], yk_rows)
        + f"\n\nAll rows match: **{'yes' if yk_match else 'NO'}**.  Weights (excluding biases): basic "
        f"module ${tex(basic_w)}$ (+ ${tex(basic_b)}$ biases), large module ${tex(large_w)}$ "
        f"(+ ${tex(large_b)}$ biases), counted layer by layer from the presets.",
        (f"The front end (`--preset yu-koltun-frontend`: VGG-16 with pool4/pool5 removed, conv5 dilated 2, "
        f"fc6 dilated 4) has receptive field {ftf.receptive_field()[0]} and effective stride "
        f"{ftf.effective_stride()[0]}; followed by the basic module (effective stride "
        f"{ftf.effective_stride()[0]}, so each context-module sample is {ftf.effective_stride()[0]} input "
        f"pixels apart) the field grows by {ftf.effective_stride()[0]} x ({network_fields(both).receptive_field()[0]} - 1) = "
        f"{ftf.effective_stride()[0] * (network_fields(both).receptive_field()[0] - 1)} pixels to "
        f"{ftf.receptive_field()[0] + ftf.effective_stride()[0] * (network_fields(both).receptive_field()[0] - 1)}."),
    ]
    text = frame(
        "Receptive fields",
        "Closed forms for plain (linear), exponential ($2^{i+2} - 1$) and Kronecker ($a^L$) stacks, derived "
        "from the layer recurrence, checked against it, and Yu & Koltun's context-module table recomputed.",
        sections,
        ["araujo", "yu-koltun", "dumoulin"],
        "kronconv docs --out docs",
    )
    return Page("receptive-fields", "Receptive fields",
                "plain, exponential and Kronecker closed forms; Yu & Koltun's table; field vs depth",
                text, (fig,))
