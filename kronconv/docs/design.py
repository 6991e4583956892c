r"""Page ``designing-dilation-schedules.md``: the inverse problem, the k^L bound, and famous schedules scored.

Everything is computed from :mod:`kronconv.design` (search, scores, repair),
:func:`kronconv.graph.hdc_rule` (through the scores) and
:func:`kronconv.theorems.hole_free.prove_hole_free_bound`.

Examples
--------
>>> rows = famous()
>>> [r["name"] for r in rows][:2]
['Yu & Koltun 2^l (5 layers)', 'Yu & Koltun context module']
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import DocsContext, Figure, Page
from ._text import frame, math, md_table

__all__ = ["EXAMPLE", "FAMOUS", "aspp_parallel", "build", "famous"]

#: (name, kernel, schedule text, layers for B**l)
FAMOUS: tuple[tuple[str, int, str, int | None], ...] = (
    ("Yu & Koltun 2^l (5 layers)", 3, "2**l", 5),
    ("Yu & Koltun context module", 3, "1,1,2,4,8,16,1", None),
    ("HDC 1,2,5 repeated", 3, "1,2,5 x3", None),
    ("WaveNet 1..512 repeated", 2, "1,2,4,...,512 x3", None),
    ("ASPP 6,12,18 as a chain", 3, "6,12,18", None),
    ("ASPP 12,24,36 as a chain", 3, "12,24,36", None),
)
#: The worked search example: receptive field, kernel, dims.
EXAMPLE = (100, 3, 2)
ASPP_RATES = ((6, 12, 18), (12, 24, 36))


def famous() -> list[dict[str, Any]]:
    """Score the famous schedules (as chains) beside the best schedule of the same depth (objective 'layers')."""
    from ..design.grammar import parse_schedule
    from ..design.repair import repair
    from ..design.search import best_of_depth, score

    out = []
    for name, k, text, L in FAMOUS:
        sched = parse_schedule(text, L)
        s = score((k,), sched)
        best, how = best_of_depth((k,), len(sched), s.receptive_field, "layers")
        rep = None if s.hole_free else repair(k, sched)
        out.append({"name": name, "kernel": k, "text": text, "schedule": sched, "score": s, "best": best,
                    "how": how, "repair": rep})
    return out


def aspp_parallel(rates: tuple[int, ...], kernel: int = 3) -> dict[str, Any]:
    """ASPP as parallel branches on one axis: a 1x1 branch plus one k-tap branch per rate, summed (centred).

    Path counts add across branches; the field is ``2 r_max + 1`` (k = 3).
    """
    r = (kernel - 1) // 2
    ext = r * max(rates)
    counts = np.zeros(2 * ext + 1, dtype=np.int64)
    counts[ext] += 1  # the 1x1 branch
    for rate in rates:
        for t in range(-r, r + 1):
            counts[ext + rate * t] += 1
    reached = int(np.count_nonzero(counts))
    return {"rates": rates, "field": len(counts), "reached": reached, "holes": len(counts) - reached,
            "max_paths": int(counts.max()), "offsets": [int(i - ext) for i in np.nonzero(counts)[0]]}


def _s(sched: Any) -> str:
    return ",".join(map(str, sched)) if len(sched) <= 12 else ",".join(map(str, sched[:6])) + f",… ({len(sched)} layers)"


def _fig(items: list[tuple[str, Any]]) -> Figure:
    def draw() -> Any:
        from matplotlib.figure import Figure as MFigure

        from ..design.sumset import path_counts

        fig = MFigure(figsize=(11.0, 2.6))
        axes = fig.subplots(1, len(items))
        for ax, (label, (k, sched)) in zip(axes, items):
            c = path_counts(k, sched)
            ax.bar(np.arange(len(c)), c, width=1.0, color="tab:blue")
            holes = int((c == 0).sum())
            hx = np.nonzero(c == 0)[0]
            if len(hx):
                ax.plot(hx, np.zeros(len(hx)), "x", color="red", markersize=4)
            ax.set_title(f"{label}\nk={k}, field {len(c)}, max {int(c.max())} paths"
                         + (f", {holes} holes" if holes else ""), fontsize=8)
            ax.set_xlabel("offset", fontsize=8)
            ax.tick_params(labelsize=7)
        fig.suptitle("Paths from one output to each input offset (one axis; holes as red crosses)", fontsize=9)
        fig.tight_layout()
        return fig

    return Figure("design-path-counts", "one-axis path counts of four schedules", draw)


def build(ctx: DocsContext) -> Page:
    """The design page."""
    from ..design.report import SCOPE, design
    from ..design.search import PRUNING_RULES
    from ..proof import render_proof
    from ..theorems.hole_free import prove_hole_free_bound

    R, k, D = EXAMPLE
    rep = design((k,), (R,), dims=D, top=6)
    ex = rep.to_dict()
    proof = prove_hole_free_bound(3, 4)
    false = prove_hole_free_bound(3, 4, "k**L + 1")
    rows_ex = [[s.layers, _s(s.axes[0].dilations), "x".join(map(str, s.receptive_field)), s.params, s.max_paths,
                f"{float(s.single_path_fraction):.3f}", "satisfied" if s.hdc_satisfied else "violated"]
               for s in rep.shown]
    fam = famous()
    rows_f = []
    dis = []
    for f in fam:
        s, b = f["score"], f["best"]
        rows_f.append([f["name"], f["kernel"], _s(f["schedule"]), s.layers, s.receptive_field[0],
                       "yes" if s.hole_free else f"no ({s.holes})", "-" if s.ratio is None else s.max_paths,
                       f"{float(s.single_path_fraction):.3f}", "satisfied" if s.hdc_satisfied else "violated",
                       "-" if b is None else f"{_s(b.axes[0].dilations)} (field {b.receptive_field[0]})"])
        if s.hdc_agrees is False:
            dis.append(f"{f['name']} ({'hole-free' if s.hole_free else 'holes'}, rule "
                       f"{'satisfied' if s.hdc_satisfied else 'violated'})")
    repairs = [f"- **{f['name']}** (k = {f['kernel']}): {f['repair'].distance} changed layers -> "
               + "; ".join(_s(x) for x in f["repair"].schedules[:4])
               for f in fam if f["repair"] is not None]
    aspp = [aspp_parallel(r) for r in ASPP_RATES]
    rows_a = [[",".join(map(str, a["rates"])), a["field"], a["reached"], a["holes"], a["max_paths"],
               ", ".join(map(str, a["offsets"]))] for a in aspp]
    fig = _fig([("Kronecker 1,3,9,27", (3, (1, 3, 9, 27))), ("HDC 1,2,5 x2", (3, (1, 2, 5, 1, 2, 5))),
                ("2^l, 4 layers", (3, (1, 2, 4, 8))), ("2,2,2", (3, (2, 2, 2)))])
    opt = ex["optimality"]
    sections = [
        "## The problem\n\n"
        "Given a receptive field $R$ and $k$-tap kernels, which dilation schedules $d_1, \\dots, d_L$ reach a "
        "field of at least $R$ with **no holes**, in the fewest layers, with the most uniform path counts?  On "
        "one axis a chain of stride-1 layers reaches the offsets"
        + math(r"S = \{0,\dots,k-1\}\, d_1 + \dots + \{0,\dots,k-1\}\, d_L, \qquad RF = (k-1)\sum_i d_i + 1,")
        + "\nand the number of paths to an offset is the coefficient of $\\prod_i (1 + z^{d_i} + \\dots + "
        "z^{(k-1)d_i})$.  The schedule is hole-free iff $S$ is the interval $[0, RF-1]$.  Square kernels reduce "
        "2-D and 3-D to one axis, and path counts multiply across axes.  " + f"Scope: {SCOPE}.",
        "## The prefix lemma and the $k^L$ bound\n\n"
        "Sort the dilations and let $m_j = (k-1)\\sum_{i \\le j} d_i$.  **A schedule is hole-free iff "
        "$d_{j+1} \\le m_j + 1$ for every $j$** (so $d_1 = 1$): if the first $j$ layers cover $[0, m_j]$, the "
        "$k$ translates by $t\\,d_{j+1}$ overlap or touch exactly when $d_{j+1} \\le m_j + 1$; and if "
        "$d_{j+1} > m_j + 1$ the offset $m_j + 1$ is a hole, because every later dilation is at least "
        "$d_{j+1}$.  Hence $RF_{j+1} \\le k\\,RF_j$ and"
        + math(r"RF \le k^L \quad\text{for every hole-free chain of } L \text{ layers},")
        + "\nwith equality only for the mixed-radix (Kronecker) schedule $1, k, k^2, \\dots$, which reaches each "
        "offset by exactly one path (base-$k$ numerals).  The bound also follows by counting: $S$ is the image "
        "of the $k^L$ tap tuples, so $|S| \\le k^L$.  So any hole-free chain reaching $R$ needs at least "
        "$\\lceil \\log_k R \\rceil$ layers, whatever its dilations.  The proof as data "
        "(`kronconv prove --theorem hole-free-bound --kernel 3 --layers 4`, re-checked by `kronconv verify`; "
        "the refuted variant \"$k^L + 1$\" claims "
        f"{false.steps[-1].facts['claimed']}, above the counting bound {false.steps[-1].facts['largest']}):\n\n"
        + render_proof(proof, "md"),
        "## The search\n\n"
        "`kronconv design` enumerates every multiset of dilations once, in nondecreasing order (the order results "
        "are reported in), and cuts only subtrees that contain no candidate:\n\n"
        + "\n".join(f"- **{i}** {r}: {w}." for i, r, w in PRUNING_RULES)
        + "\n\nThe size of the tree is counted exactly before searching (a memoized count over depth, last "
        "dilation and sum) and the search is refused above its limit.  The scored candidates are filtered to "
        "the Pareto front over layers, field per axis, parameters ($L \\prod_a k_a$ per channel pair), the "
        "max/min path ratio and the fraction of positions reached by a single path (both ends of a field are "
        "always reached by one path, so the ratio is the largest path count).  Each result is stated as "
        "*optimal within the stated search space*; its claim is re-derived by `kronconv.verify.holefree` "
        "without any of the search code: an unpruned enumeration for small spaces, the bound otherwise.",
        f"## Example: field {R} with {k}x{k} kernels\n\n"
        f"`kronconv design --rf {R} --kernel {k}`: {ex['nodes_visited']} nodes visited "
        f"(counted before searching: {ex['nodes_estimated']}), depths 1..{ex['search_space']['max_layers']}, "
        f"Pareto front of {ex['front_size']} schedules; the fewest layers is {rep.min_layers}, the lower bound "
        f"$\\lceil\\log_{k} {R}\\rceil = {opt['layers_lower_bound']}$.  First {len(rows_ex)} by the 'layers' "
        "objective:\n\n"
        + md_table(["layers", "dilations", "field", "params", "max/min paths", "single-path fraction", "HDC rule"],
                   rows_ex),
        "## Famous schedules, scored as chains\n\n"
        "Each beside the best hole-free schedule of the same depth that reaches at least the same field (objective "
        "'layers': the mixed radix whenever it fits, proved best).  ASPP rates are scored here as a chain "
        "(each rate one layer after the other) so that they sit on the same axes as the others -- this is not "
        "how ASPP uses them; the next section scores them as the parallel branches they are.\n\n"
        + md_table(["schedule", "k", "dilations", "layers", "field", "hole-free", "max/min paths",
                    "single-path fraction", "HDC rule", "best of the same depth"], rows_f)
        + "\n\n" + fig.markdown()
        + "\n\nThe HDC rule (as implemented in `kronconv graph`, applied to the whole chain) disagrees with the exact "
        "hole check on: " + ("; ".join(dis) if dis else "none") + ".  The rule was stated for one group of "
        "increasing rates and looks only at $M_2$, computed backwards from the last rate, so on a chain with "
        "restarts its verdict depends on where the chain ends; the exact check is the sumset "
        "(see [gridding](gridding.md) for a scan of the rule against the truth).\n\n"
        "Nearest hole-free schedules (`--repair`, fewest changed layers, same depth):\n\n" + "\n".join(repairs),
        "## ASPP as parallel branches\n\n"
        "Atrous spatial pyramid pooling applies one $3 \\times 3$ convolution per rate *in parallel* (plus a "
        "$1 \\times 1$ branch) and sums or concatenates the results, so one axis reaches the union "
        "$\\{0\\} \\cup \\bigcup_r r\\{-1, 0, 1\\}$ and path counts add across branches:\n\n"
        + md_table(["rates", "field", "reached", "holes", "max paths", "reached offsets"], rows_a)
        + "\n\nAs parallel branches ASPP is not a chain and `kronconv design` does not search it; its rates are in "
        "feature-map pixels of a backbone with output stride 8 or 16, whose own field fills the gaps between "
        "the sampled offsets -- strides are out of scope here.",
    ]
    text = frame("Designing dilation schedules",
                 "The inverse problem: from a target receptive field to the dilation schedules that reach it without "
                 "holes, with a proof that no hole-free chain of $L$ layers of $k$-tap kernels exceeds $k^L$, an "
                 "exhaustive search with stated pruning rules, and the famous schedules (Yu & Koltun, HDC, WaveNet, "
                 "ASPP) scored against the best schedule of the same depth.",
                 sections, ["yu-koltun", "wang", "wavenet", "deeplabv3", "drn"], "kronconv docs --out docs")
    return Page("designing-dilation-schedules", "Designing dilation schedules",
                "hole-free schedules, the k^L bound, famous schedules scored", text, (fig,))
