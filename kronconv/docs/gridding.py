r"""Page ``gridding.md``: path-count maps and holes of dilated stacks, next to Wang et al.'s HDC rule.

Path counts, holes and coverage come from the unit-level dependency graph
(:func:`kronconv.graph.unit_graph`), cross-checked against a numeric all-ones
convolution (:func:`kronconv.graph.numeric_check`); the rule of Wang et al.
2018 from :func:`kronconv.graph.hdc_rule`.

Examples
--------
>>> rows = rule_scan(max_rate=4)
>>> rows["total"], rows["agree"] + rows["rule_ok_but_holes"] + rows["rule_fails_but_no_holes"]
(64, 64)
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from ._text import frame, math, md_table
from .page import DocsContext, Figure, Page

__all__ = ["DESIGNS", "build", "rule_scan"]

#: The dilation designs the page analyses (3x3 kernels, 2-D).
DESIGNS = ((2, 2, 2), (1, 2, 5), (1, 2, 9), (1, 3, 9))
#: A design the rule accepts although it leaves holes (r_1 is ignored by the rule).
EXTRA = ((2, 3, 9),)
SCAN_MAX_RATE = 10


def rule_scan(max_rate: int = SCAN_MAX_RATE, kernel: int = 3) -> dict[str, Any]:
    """Compare the HDC rule's verdict with the holes found, for every rate triple in ``1..max_rate``.

    Holes are decided on the 1-D unit graph: an isotropic 2-D stack reaches the
    product of the 1-D reached sets, so it has holes exactly when the 1-D stack does.
    """
    from ..graph import hdc_rule, unit_graph
    from ..spec import chain

    out: dict[str, Any] = {"total": 0, "agree": 0, "rule_ok_but_holes": 0, "rule_fails_but_no_holes": 0,
                           "r1_is_1": {"total": 0, "agree": 0, "rule_ok_but_holes": 0,
                                       "rule_fails_but_no_holes": 0},
                           "examples_ok_but_holes": [], "examples_fails_but_no_holes": []}
    for rates in itertools.product(range(1, max_rate + 1), repeat=3):
        holes = unit_graph(chain(kernel=kernel, dilations=list(rates), dims=1)).summary().holes > 0
        ok = bool(hdc_rule(rates, kernel).satisfied)
        key = "agree" if ok != holes else ("rule_ok_but_holes" if ok else "rule_fails_but_no_holes")
        out["total"] += 1
        out[key] += 1
        if rates[0] == 1:
            out["r1_is_1"]["total"] += 1
            out["r1_is_1"][key] += 1
        ex = {"rule_ok_but_holes": "examples_ok_but_holes",
              "rule_fails_but_no_holes": "examples_fails_but_no_holes"}.get(key)
        if ex and rates[0] == 1:
            out[ex].append(rates)
    out["r1_is_1"]["fails_no_holes_increasing"] = sum(
        1 for r in out["examples_fails_but_no_holes"] if list(r) == sorted(r))
    for ex in ("examples_ok_but_holes", "examples_fails_but_no_holes"):  # prefer non-decreasing designs
        out[ex] = sorted(out[ex], key=lambda r: (list(r) != sorted(r), r))[:4]
    return out


def _fig(maps: list[tuple[tuple[int, ...], Any, int]]) -> Figure:
    def draw() -> Any:
        from matplotlib.figure import Figure as MFigure

        fig = MFigure(figsize=(10.0, 2.9))
        axes = fig.subplots(1, len(maps))
        for ax, (rates, counts, holes) in zip(axes, maps):
            masked = np.ma.masked_equal(counts.astype(float), 0)
            ax.imshow(np.zeros_like(counts), cmap="Reds", vmin=-1, vmax=1, interpolation="nearest")
            im = ax.imshow(masked, cmap="viridis", interpolation="nearest")
            ax.set_title(f"dilations {', '.join(map(str, rates))}\n{counts.shape[0]}x{counts.shape[1]}, "
                         f"{holes} holes", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
            fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
        fig.suptitle("Paths from one output to each input position (3x3 kernels; holes in red)", fontsize=10)
        fig.tight_layout()
        return fig

    return Figure("gridding-path-counts", "path-count maps and holes of four dilation designs", draw)


def _offsets(values: list[int]) -> str:
    return ", ".join(str(v) for v in values) if values else "none"


def _bullets(f: dict[tuple[int, ...], dict[str, Any]]) -> str:
    """Commentary on the designs; every number is read from the computed facts."""
    a, b, c, d, e = (f[r] for r in DESIGNS + EXTRA)
    assert a["gcd"] > 1 and a["m2_ok"] and not a["ok"] and a["holes"] > 0
    assert b["ok"] and b["holes"] == 0 and c["holes"] > 0 and not c["m2_ok"]
    assert d["ok"] and d["holes"] == 0 and d["max_paths"] == 1 and e["ok"] and e["holes"] > 0
    return (
        f"- **2, 2, 2** -- every rate is even, so only even offsets are reached: {a['holes']} of the "
        f"{a['cells']} cells of the 2-D field are holes (1-D offsets {_offsets(a['holes_1d'])}).  The rule "
        f"catches it only through the common factor {a['gcd']}; its $M_2 \\le K$ part passes "
        f"($M_2 = {a['m2']}$).\n"
        f"- **1, 2, 5** -- Wang et al.'s example of a good design: no holes, up to {b['max_paths']} paths "
        "per input position.\n"
        f"- **1, 2, 9** -- the last rate jumps past what the first two cover: 1-D holes at offsets "
        f"{_offsets(c['holes_1d'])}; the rule flags it ($M_2 = {c['m2']} > 3$).\n"
        "- **1, 3, 9** -- the Kronecker cascade: every offset reached by exactly one path, no holes "
        "(base-3 digits, see [the cascade theorem](cascade-theorem.md)).\n"
        f"- **2, 3, 9** (extra) -- the rule is satisfied ($M_2 = {e['m2']}$, no common factor) but there "
        f"are holes at offsets {_offsets(e['holes_1d'])}: no choice of $t_i \\in \\{{-1, 0, 1\\}}$ gives "
        "$2 t_1 + 3 t_2 + 9 t_3 = 13$.  The rule stops at $M_2$ and never looks at $r_1$."
    )


def _scan_verdict(scan: dict[str, Any]) -> str:
    r1 = scan["r1_is_1"]
    overall = ("neither sufficient nor necessary" if scan["rule_ok_but_holes"] and scan["rule_fails_but_no_holes"]
               else "not exact" if scan["rule_ok_but_holes"] or scan["rule_fails_but_no_holes"] else "exact")
    text = f"Over all triples the rule is **{overall}** for a hole-free field.  "
    if r1["rule_ok_but_holes"] == 0:
        text += ("Restricted to $r_1 = 1$ (as in every HDC design) it never accepts a design with holes -- "
                 "in this range it is sufficient -- ")
    else:
        text += (f"Even with $r_1 = 1$ it accepts {r1['rule_ok_but_holes']} designs with holes (e.g. "
                 + "; ".join(", ".join(map(str, x)) for x in scan["examples_ok_but_holes"]) + "), and it ")
    if r1["rule_fails_but_no_holes"]:
        text += (f"but it rejects {r1['rule_fails_but_no_holes']} hole-free designs (e.g. "
                 + "; ".join(", ".join(map(str, x)) for x in scan["examples_fails_but_no_holes"])
                 + "), so it is not necessary"
                 + (" -- although all of those have a smaller rate after a larger one, which HDC designs "
                    "avoid.  " if r1["fails_no_holes_increasing"] == 0 else
                    f" ({r1['fails_no_holes_increasing']} of them with non-decreasing rates).  "))
    text += ("The common-factor condition and the single $M_2$ test are heuristics; holes are a property of the "
             "sumset above.  Decide with the unit graph (`kronconv graph`), use the rule as a design hint.")
    return text


def _unavailable(reason: str) -> Page:
    text = frame("Gridding: holes in the receptive field",
                 f"*Not available in this build: {reason}.*", [], [], "kronconv docs --out docs")
    return Page("gridding", "Gridding", "path-count maps, holes and the HDC rule (not available)", text)


def build(ctx: DocsContext) -> Page:
    """The gridding page."""
    try:
        from ..graph import hdc_rule, numeric_check, unit_graph
    except ImportError as exc:  # pragma: no cover - the graph module is part of the package
        return _unavailable(f"kronconv.graph cannot be imported ({exc})")
    from ..spec import chain

    rows = []
    maps = []
    facts: dict[tuple[int, ...], dict[str, Any]] = {}
    for rates in DESIGNS + EXTRA:
        ug = unit_graph(chain(kernel=3, dilations=list(rates), dims=2))
        s = ug.summary()
        one = unit_graph(chain(kernel=3, dilations=list(rates), dims=1)).summary()
        rule = hdc_rule(rates, 3)
        check = numeric_check(ug)
        _, counts = ug.path_counts()
        if rates in DESIGNS:
            maps.append((rates, counts, s.holes))
        centre = one.bbox[0][0] + (one.receptive_field[0] - 1) // 2
        holes_1d = [p[0] - centre for p in one.hole_positions]
        facts[rates] = {"holes_1d": holes_1d, "m2": int(rule.M[1]), "m2_ok": rule.m2_ok, "gcd": int(rule.gcd),
                        "ok": bool(rule.satisfied), "holes": s.holes, "max_paths": s.max_paths,
                        "cells": s.receptive_field[0] ** 2}
        rows.append([
            ", ".join(map(str, rates)), f"{s.receptive_field[0]}x{s.receptive_field[1]}", s.holes,
            f"{s.coverage.numerator}/{s.coverage.denominator}", s.max_paths,
            ", ".join(str(h) for h in holes_1d) if holes_1d else "none",
            ", ".join(str(int(m)) for m in rule.M), "yes" if rule.m2_ok else "no", int(rule.gcd),
            "satisfied" if rule.satisfied else "violated",
            "agree" if bool(rule.satisfied) == (s.holes == 0) else "**disagree**",
            "yes" if check.agrees else ("NO" if check.ran else "not run"),
        ])
    scan = rule_scan()
    r1 = scan["r1_is_1"]
    fig = _fig(maps)

    sections = [
        "## Why holes appear\n\n"
        "A stack of $k$-tap layers with dilations $d_1, \\dots, d_n$ (stride 1) reaches, from one output, "
        "the input offsets"
        + math(r"\Big\{ \sum_{i=1}^{n} d_i\, t_i \;:\; t_i \in \{-r, \dots, r\} \Big\}, \qquad k = 2r + 1,")
        + "\nand the number of paths to an offset is the coefficient of the polynomial "
        "$\\prod_i \\sum_{t=-r}^{r} x^{d_i t}$ (see [receptive fields](receptive-fields.md)).  The "
        "receptive field is the bounding box $[-r\\sum d_i,\\ r\\sum d_i]$; a **hole** is an offset inside it "
        "that no path reaches -- the input sample is invisible to that output, and neighbouring outputs see "
        "disjoint sub-lattices (*gridding*, Yu, Koltun & Funkhouser 2017; Wang et al. 2018).  For "
        "isotropic 2-D stacks the reached set is the product of the 1-D sets, so the 2-D coverage is the "
        "square of the 1-D coverage.",
        "## Four designs, and the HDC rule\n\n"
        "Wang et al. (2018) propose *hybrid dilated convolution* (HDC): for kernel size $K$ and rates "
        "$r_1, \\dots, r_n$ define"
        + math(r"M_n = r_n, \qquad M_i = \max\big[M_{i+1} - 2 r_i,\ M_{i+1} - 2(M_{i+1} - r_i),\ r_i\big],")
        + "\nthe largest distance between two neighbouring nonzero taps, and require $M_2 \\le K$; the rates "
        "of a group should also have no common factor greater than 1 (the rule as given in secondary "
        "sources; `kronconv graph` implements it).  The unit graph gives the ground truth next to it "
        "(`kronconv graph --kernel 3 --dilations 1,2,9 --dims 2`); \"numeric\" confirms the path counts "
        "with an all-ones convolution:\n\n"
        + md_table(["dilations", "field", "holes (2-D)", "coverage", "max paths", "1-D hole offsets",
                    "M_1..M_n", "M_2 <= K", "gcd", "HDC rule", "rule vs holes", "numeric"], rows)
        + "\n\n" + fig.markdown(),
        _bullets(facts),
        "## How good is the rule?  A scan\n\n"
        f"Every rate triple $r_1, r_2, r_3 \\in \\{{1, \\dots, {SCAN_MAX_RATE}\\}}$ with 3-tap kernels, rule "
        "verdict against holes actually found (unit graph):\n\n"
        + md_table(["triples", "rule agrees with the holes", "rule satisfied but holes",
                    "rule violated but no holes"],
                   [[f"all ({scan['total']})", scan["agree"], scan["rule_ok_but_holes"],
                     scan["rule_fails_but_no_holes"]],
                    [f"with $r_1 = 1$ ({r1['total']})", r1["agree"], r1["rule_ok_but_holes"],
                     r1["rule_fails_but_no_holes"]]])
        + "\n\n" + _scan_verdict(scan),
    ]
    text = frame(
        "Gridding: holes in the receptive field",
        "Which input positions a dilated stack actually sees: path-count maps and holes computed on the "
        "unit-level dependency graph for dilations (2,2,2), (1,2,5), (1,2,9) and (1,3,9), with the "
        "hybrid-dilated-convolution rule of Wang et al. (2018) next to the holes actually found.",
        sections,
        ["wang", "drn", "yu-koltun"],
        "kronconv docs --out docs",
    )
    return Page("gridding", "Gridding", "path-count maps, holes and the HDC rule", text, (fig,))
