"""``kronconv design``: dilation schedules that reach a receptive field without holes, and how famous ones compare.

Searches every hole-free schedule in a stated space (pruning rules printed with
the result), ranks the Pareto front by ``--objective``, scores ``--include``
schedules beside the best schedule of the same depth, repairs a schedule with
holes (``--repair``), and evaluates the HDC rule beside the exact hole check.
Exit status: 0 done; 1 no hole-free schedule found in the space (or no repair);
2 bad input or a search estimated above its limit.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..design.grammar import GRAMMAR
from ..design.report import SCOPE, DesignReport, design
from ..design.search import MAX_LAYERS, MAX_NODES, OBJECTIVES, Score
from ..design.sumset import path_counts
from ..errors import InvalidSpec
from ..render import table, to_json
from ._common import check_writable, int_list, positive_int, write_output

__all__ = ["BAR_MIN_NODES", "plot_schedules", "register", "render_design", "run"]

#: Searches with fewer nodes than this get no progress bar.
BAR_MIN_NODES = 20_000


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "design", help="search dilation schedules that reach a receptive field without holes",
        description="Exhaustive search, with stated pruning rules, of the hole-free dilation schedules that reach a "
                    "receptive field, ranked on the Pareto front of layers, field, parameters and path-count "
                    f"uniformity; famous schedules scored with --include, holes repaired with --repair. Scope: {SCOPE}. "
                    "Exit 0: done; 1: nothing hole-free found; 2: bad input or the space is above its limit "
                    f"(MAX_NODES = {MAX_NODES}).")
    p.add_argument("--rf", type=int_list(1, 1 << 22, "--rf"), metavar="R[,R...]",
                   help="receptive field to reach, per axis or one for all")
    p.add_argument("--kernel", type=int_list(2, 64, "--kernel"), metavar="K[,K...]", required=True,
                   help="kernel size of every layer, one for all axes or one per axis (2-64)")
    p.add_argument("--dims", type=positive_int(1, 3, "--dims"), help="spatial dimensions 1-3 (default 2, or the "
                   "number of per-axis kernel sizes)")
    p.add_argument("--max-layers", type=positive_int(1, MAX_LAYERS, "--max-layers"),
                   help="deepest schedule searched (default: the fewest possible layers plus up to 2, within the limit)")
    p.add_argument("--max-dilation", type=positive_int(1, 1 << 30, "--max-dilation"),
                   help="largest dilation searched (default unbounded)")
    p.add_argument("--objective", choices=OBJECTIVES, default="layers", help="ranking of the front (default layers)")
    p.add_argument("--top", type=positive_int(0, 10000, "--top"), default=10,
                   help="front members shown (default 10; 0 = all)")
    p.add_argument("--include", nargs="+", metavar="SCHEDULE", default=[],
                   help=f"score these schedules too: {GRAMMAR}")
    p.add_argument("--layers", type=positive_int(1, 4096, "--layers"), help="L of B**l schedules (default --max-layers)")
    p.add_argument("--repair", metavar="SCHEDULE", help="nearest hole-free schedules (fewest changed layers) to this one")
    p.add_argument("--plot", metavar="FILE.png", help="path-count maps of the top schedules side by side (matplotlib)")
    p.add_argument("--format", choices=("text", "md", "json"), default="text", help="output format (default text)")
    p.add_argument("--out", metavar="FILE", help="write the output to FILE instead of standard output")
    p.set_defaults(func=run)


class _Bar:
    """A progress bar on standard error (the CLI creates one only when stderr is a terminal).

    Drawn only for searches of at least :data:`BAR_MIN_NODES` nodes (counted before searching).
    """

    def __init__(self) -> None:
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        if total < BAR_MIN_NODES:
            return
        pct = min(100, 100 * done // max(total, 1))
        if pct == self.last:
            return
        self.last = pct
        n = pct // 4
        sys.stderr.write(f"\rkronconv design: [{'#' * n}{'.' * (25 - n)}] {pct:3d}% ({done}/{total} nodes)")
        if pct >= 100:
            sys.stderr.write("\n")
        sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    if args.plot is not None:
        from ..graph import require_matplotlib

        require_matplotlib()
    targets = [(w, p) for w, p in (("--plot", args.plot), ("--out", args.out)) if p is not None and p != "-"]
    for what, path in targets:
        check_writable(path, what)
    if len(targets) == 2 and Path(targets[0][1]).resolve() == Path(targets[1][1]).resolve():
        raise InvalidSpec(f"--plot and --out must name different files, got {args.plot!r}")
    if args.plot is not None and args.rf is None and not args.include:
        raise InvalidSpec("--plot needs schedules to draw: give --rf or --include")
    bar = _Bar() if sys.stderr.isatty() else None
    rep = design(args.kernel, args.rf, dims=args.dims, max_layers=args.max_layers, max_dilation=args.max_dilation,
                 objective=args.objective, top=args.top, include=args.include, layers=args.layers,
                 repair_schedule=args.repair, progress=bar)
    data = rep.to_dict()
    if args.plot is not None:
        picks = list(rep.shown[:4]) + [i.score for i in rep.includes][: max(0, 4 - len(rep.shown[:4]))]
        plot_schedules(picks, args.plot)
        data["plot"] = args.plot
    text = to_json(data) if args.format == "json" else render_design(rep, data, args.format)
    write_output(text, args.out)
    found = rep.space is None or bool(rep.front)
    repaired = rep.repair is None or bool(rep.repair.schedules)
    return 0 if found and repaired else 1


def _sched(d: Any) -> str:
    if d and isinstance(d[0], list):
        return " / ".join(",".join(map(str, a)) for a in d)
    return ",".join(map(str, d))


def _ratio(v: Any) -> str:
    return "inf (holes)" if v is None else str(v)


def _row(d: dict[str, Any]) -> list[Any]:
    hdc = d.get("hdc_satisfied")
    agree = d.get("hdc_agrees_with_holes")
    return [d["layers"], _sched(d["dilations"]), "x".join(map(str, d["receptive_field"])),
            "yes" if d["hole_free"] else f"NO ({d['holes']})", d["params"], _ratio(d["max_min_ratio"]),
            f"{d['single_path_fraction']:.4f}",
            ("-" if hdc is None else "ok" if hdc else "violated") + ("" if agree is not False else " (disagrees)")]


HEAD = ["layers", "dilations", "field", "hole-free", "params", "max/min paths", "single-path frac", "HDC rule"]


def render_design(rep: DesignReport, data: dict[str, Any], fmt: str) -> str:
    """Text or Markdown rendering of :meth:`DesignReport.to_dict` data."""
    out: list[str] = []
    h = (lambda t: f"## {t}") if fmt == "md" else (lambda t: f"{t}\n{'=' * len(t)}")
    out.append(("**Scope:** " if fmt == "md" else "Scope: ") + SCOPE + ".")
    if rep.space is not None:
        sp = data["search_space"]
        opt = data["optimality"]
        out.append(h("Search"))
        lines = [f"space: {sp['description']}",
                 f"max layers: {sp['max_layers']}" + (" (default: fewest possible plus up to 2 within the limit)"
                                                      if data["max_layers_default"] else ""),
                 (f"nodes: {data['nodes_visited']} visited ({data['nodes_estimated']} counted before searching, "
                 f"limit {MAX_NODES})"),
                 (f"Pareto front: {data['front_size']} schedules (layers, field, params, max/min paths, single-path "
                 f"fraction); ranked by '{data['objective']}', {data['shown']} shown"),
                 (f"fewest layers: {rep.min_layers} (any hole-free chain needs >= {opt['layers_lower_bound']}: "
                 f"{'optimal over all dilation schedules' if opt['fewest_layers_optimal_over_all_schedules'] else 'optimal within the space only'})"),
                 f"claim: {opt['statement']}"]
        out.append("\n".join(("- " if fmt == "md" else "  ") + line for line in lines))
        out.append(("Pruning rules:" if fmt != "md" else "Pruning rules:\n") + "\n" + "\n".join(
            f"{'- ' if fmt == 'md' else '  '}{r['id']}: {r['rule']} -- {r['why']}" for r in opt["pruning_rules"]))
        if data["front"]:
            out.append(table(HEAD, [_row(d) for d in data["front"]], fmt))
    if data["includes"]:
        out.append(h("Included schedules (each with the best schedule of the same depth)"))
        rows = []
        for i in data["includes"]:
            rows.append(["given: " + i["schedule"]] + _row(i))
            b = i["best_same_depth"]
            rows.append(["best same depth"] + (_row(b) if b else ["-"] * len(HEAD)))
        out.append(table(["schedule"] + HEAD, rows, fmt))
        notes = [f"{i['schedule']}: best of depth {i['layers']}: {i['best_same_depth_how']}" for i in data["includes"]]
        if notes:
            out.append("\n".join(("- " if fmt == "md" else "  ") + n for n in notes))
    if "repair" in data:
        r = data["repair"]
        out.append(h("Repair"))
        o = r["original"]
        head = (f"{_sched(o['dilations'])}: {'hole-free already' if o['hole_free'] else str(o['holes']) + ' holes'}; "
                f"nearest hole-free: {r['changed_layers']} changed layer(s), {len(r['repairs'])} schedule(s)")
        out.append(head)
        if r["repairs"]:
            out.append(table(HEAD, [_row(d) for d in r["repairs"][:20]], fmt))
    dis = data["hdc_disagreements"]
    out.append(h("HDC rule (Wang et al. 2018) against the exact hole check"))
    if dis:
        out.append(table(["where", "dilations", "hole-free", "HDC rule", "why"],
                         [[d["where"], _sched(d["dilations"]), "yes" if d["hole_free"] else "no",
                           "satisfied" if d["hdc_satisfied"] else "violated", d["why"]] for d in dis], fmt))
    else:
        out.append("the rule agrees with the exact hole check on every schedule shown")
    out += [("*Note:* " if fmt == "md" else "Note: ") + n for n in data["notes"]]
    if "plot" in data:
        out.append(f"plot: {data['plot']}")
    return "\n\n".join(out)


def plot_schedules(scores: list[Score], path: str) -> None:
    """Path-count maps of ``scores`` side by side (2-D: axes 0 and 1 as an image; 1-D: bars), written atomically."""
    import numpy as np

    from ..atomic import atomic_write
    from ..graph import require_matplotlib

    plt = require_matplotlib()
    n = max(1, len(scores))
    fig, axs = plt.subplots(1, n, figsize=(3.6 * n, 3.4), squeeze=False)
    try:
        for ax, s in zip(axs[0], scores):
            counts = [path_counts(a.kernel, a.dilations) for a in s.axes]
            title = f"{_sched(s.to_dict()['dilations'])}\nfield {'x'.join(map(str, s.receptive_field))}, max {s.max_paths}"
            if len(counts) >= 2 and len(counts[0]) * len(counts[1]) <= 1 << 20:
                img = np.outer(counts[0], counts[1]).astype(float)
                im = ax.imshow(np.ma.masked_equal(img, 0), cmap="viridis", interpolation="nearest")
                fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
                ax.set_xticks([])
                ax.set_yticks([])
            else:
                c = counts[0]
                ax.bar(np.arange(len(c)), c, width=1.0, color="tab:blue")
                ax.set_xlabel("offset (axis 0)")
                ax.set_ylabel("paths")
            ax.set_title(title, fontsize=8)
        fig.suptitle("paths from one output to each input position", fontsize=9)
        fig.tight_layout()
        atomic_write(path, lambda fh: fig.savefig(fh, format="png", dpi=100, bbox_inches="tight"), "--plot")
    finally:
        plt.close(fig)
