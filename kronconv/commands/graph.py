"""``kronconv graph``: which input positions reach an output unit, by how many paths, and the holes.

Takes the same network sources as ``kronconv rf`` (flags, ``--preset``, a spec
file); a spec file with a top-level ``nodes`` list is a branching graph
(``docs/graph-specs.md``) and also gets a per-node receptive-field table and
the alignment check.  Exit status: 0 when the field has no holes (and, for a
graph, every merge is aligned), 1 when it has holes or a merge is misaligned
(or a cross-check fails), 2 on bad input.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..atomic import write_together
from ..errors import InvalidSpec
from ..graph import (
    EXPORT_FORMATS,
    PADDING_MODES,
    GraphReport,
    analyse,
    export_graph,
    plot_path_counts,
    require_matplotlib,
)
from ..netgraph import NetGraph, graph_from_dict, is_graph_spec, read_spec_data
from ..render import table, to_json
from ..spec import Network
from ._models import add_model_args, load_imported
from ._common import (
    add_format_arg,
    add_stack_args,
    check_sources,
    check_writable,
    int_list,
    network_from_args,
    write_output,
)

__all__ = ["load_model", "register", "render_report", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "graph", help="unit-level dependency graph: exact field, holes, path counts",
        description="Build the dependency graph of one output unit (or a window of units): the input "
                    "positions it actually depends on, the holes inside the field's bounding box, the "
                    "number of paths to every input position (checked against a numeric all-ones "
                    "convolution) and the hybrid-dilated-convolution rule's verdict. Spec files with "
                    "'nodes' describe branching graphs (residual additions, concatenations). "
                    "Exit 0: no holes (and aligned); 1: holes or misaligned; 2: bad input.")
    add_stack_args(p)
    p.add_argument("--unit", type=int_list(-(1 << 30), 1 << 30, "--unit"), metavar="U[,U...]",
                   help="first output unit per axis (default: 0, or the centre with --input-size)")
    p.add_argument("--window", type=int_list(1, 4096, "--window"), metavar="W[,W...]", default=[1],
                   help="number of output units per axis (default 1)")
    p.add_argument("--input-size", type=int_list(1, 1 << 30, "--input-size"), metavar="N[,N...]",
                   help="bounded input grid (default: unbounded, no boundary effects)")
    p.add_argument("--padding-mode", choices=PADDING_MODES, default=None,
                   help="boundary handling with --input-size (default zeros: padding is not input)")
    p.add_argument("--export", nargs=2, metavar=("FORMAT", "FILE"),
                   help=f"write the dependency graph: FORMAT one of {', '.join(EXPORT_FORMATS)}")
    p.add_argument("--plot", metavar="FILE.png", help="draw the path-count map with holes marked (matplotlib)")
    p.add_argument("--no-numeric", action="store_true", help="skip the numeric cross-check")
    add_model_args(p)
    add_format_arg(p)
    p.set_defaults(func=run)


def load_model(args: argparse.Namespace) -> Network | NetGraph:
    """A chain from the stack flags, or a :class:`NetGraph` when the spec file has ``nodes`` or is a model."""
    imported = load_imported(args)
    if imported is not None:
        return imported.graph
    if args.spec is not None and not args.list_presets:
        data = read_spec_data(args.spec)
        if is_graph_spec(data):
            others = [n for n in ("preset", "kernel", "kernels", "dilations", "strides", "paddings", "layers")
                      if getattr(args, n) is not None]
            if others:
                raise InvalidSpec(f"give one network source, got a spec file and --{others[0]}")
            g = graph_from_dict(data, source=args.spec)
            return g if g.name else replace(g, name=Path(args.spec).stem)
    return network_from_args(args)


def _one(values: list[int] | None) -> Any:
    if values is None:
        return None
    return values[0] if len(values) == 1 else values


def run(args: argparse.Namespace) -> int:
    if args.padding_mode is not None and args.input_size is None:
        raise InvalidSpec(f"--padding-mode {args.padding_mode} needs --input-size (on the unbounded grid "
                          "there is no boundary to pad)")
    args.padding_mode = args.padding_mode or "zeros"
    with write_together():  # export, plot and --out land together or not at all
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    if getattr(args, "torch", None) is None and not str(args.spec or "").lower().endswith(".onnx"):
        check_sources(args)
    if args.list_presets:
        from .rf import list_presets

        write_output(list_presets(args.format), args.out)
        return 0
    if args.export is not None and args.export[0] not in EXPORT_FORMATS:
        raise InvalidSpec(f"--export FORMAT must be one of {', '.join(EXPORT_FORMATS)}, got {args.export[0]!r}")
    if args.plot is not None:
        require_matplotlib()  # fail before anything is written
    # every destination is checked before any of them is written: no export without its report
    targets = [(what, path) for what, path in (("--export", args.export[1] if args.export else None),
                                               ("--plot", args.plot), ("--out", args.out))
               if path is not None and path != "-"]
    for what, path in targets:
        check_writable(path, what)
    resolved = [Path(path).resolve() for _, path in targets]
    if len(set(resolved)) != len(resolved):
        raise InvalidSpec(f"{', '.join(w for w, _ in targets)} must name different files, got "
                          f"{', '.join(repr(p) for _, p in targets)}")
    model = load_model(args)
    report = analyse(model, _one(args.unit), _one(args.window), _one(args.input_size), args.padding_mode,
                     check_numeric=not args.no_numeric, keep_levels=args.export is not None)
    data = report.to_dict()
    if args.export is not None:
        G = report.unit_graph.to_networkx()
        export_graph(G, args.export[0], args.export[1])
        data["export"] = {"format": args.export[0], "file": args.export[1], "nodes": G.number_of_nodes(),
                          "edges": G.number_of_edges()}
    if args.plot is not None:
        plot_path_counts(report.unit_graph, args.plot)
        data["plot"] = args.plot
    text = to_json(data) if args.format == "json" else render_report(report, data, args.format)
    write_output(text, args.out)
    return 0 if report.ok else 1


def _x(v: Any) -> str:
    return "x".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)


def render_report(report: GraphReport, data: dict[str, Any], fmt: str) -> str:
    """Text / Markdown / LaTeX rendering of :meth:`GraphReport.to_dict` data."""
    s = report.summary
    g = report.unit_graph.graph
    kind = "chain" if g.is_chain else "graph"
    where = "unbounded grid" if data["input_size"] is None else (
        f"input {_x(data['input_size'])}, padding {data['padding_mode']}")
    head = (f"{g.name or 'network'} ({g.dims}-D {kind}, {len(g.nodes) - 1} operations), output unit "
            f"{_x(data['unit'])}, window {_x(data['window'])}, {where}")
    agrees = data["agrees_with_formula"]
    formula = _x(list(report.formula_receptive_field)) + (
        "" if agrees is None else " (agrees)" if agrees else " (DISAGREES)")
    box = " x ".join(f"[{a}..{b}]" for a, b in s.bbox) or "-"
    holes = f"{s.holes} of {s.reached + s.holes} positions in the box"
    if s.hole_positions:
        shown = ", ".join(str(p[0]) if len(p) == 1 else "(" + ",".join(map(str, p)) + ")"
                          for p in s.hole_positions[:8])
        holes += f" (first: {shown}{', ...' if s.holes > 8 else ''})"
    num = report.numeric
    numeric = ("agrees" if num.agrees else "DISAGREES: " + num.reason) if num.ran else f"not run ({num.reason})"
    rule = report.hdc
    rule_txt = (f"rates {','.join(map(str, rule.rates))}, K={rule.kernel}: M2 = {rule.M[1] if len(rule.M) > 1 else rule.M[0]}"
                f" <= K: {_yn(rule.m2_ok)}, no common factor (gcd {rule.gcd}): {_yn(rule.gcd_ok)} -> "
                if rule is not None else "") + report.hdc_verdict()
    rows: list[list[Any]] = [
        ["receptive field", _x(list(s.receptive_field)) if s.reached else "empty (the unit sees only padding)"],
        ["formula receptive field", formula],
        ["bounding box", box],
        ["reached positions", s.reached],
        ["holes", holes],
        ["coverage", f"{float(s.coverage):.4%} ({s.coverage.numerator}/{s.coverage.denominator})"],
        ["max paths", s.max_paths],
        ["centre paths", s.centre_paths],
        ["total paths", s.total_paths],
        ["spread (std, px)", ", ".join(f"{v:.3f}" for v in s.spread) + " (a uniform field: "
         + ", ".join(f"{v:.3f}" for v in s.spread_uniform) + ")"],
        ["one path per position", "yes" if s.single_path else "no"],
        ["numeric cross-check", numeric],
        ["HDC rule (Wang et al. 2018)", rule_txt],
    ]
    if not g.is_chain:
        rows.append(["merges aligned", "yes" if report.fields.aligned else "NO"])
    if "export" in data:
        e = data["export"]
        rows.append(["exported", f"{e['file']} ({e['format']}, {e['nodes']} nodes, {e['edges']} edges)"])
    if "plot" in data:
        rows.append(["plot", data["plot"]])
    if fmt == "text":
        width = max(len(r[0]) for r in rows)
        parts = ["\n".join(f"{r[0].ljust(width)}  {r[1]}" for r in rows)]
    else:
        parts = [table(["quantity", "value"], rows, fmt)]
    if not g.is_chain:
        node_rows = [[n["id"], n["op"], ",".join(n["inputs"]) or "-", _x(n["receptive_field"]),
                      _x(n["effective_stride"]), _x(n["effective_padding"]), _x(n["centre"]),
                      _x(n["output_receptive_field"])] for n in data["nodes"]]
        parts.append(table(["node", "op", "inputs", "receptive field", "eff. stride", "eff. padding",
                            "centre", "output field here"], node_rows, fmt))
        for m in report.fields.misalignments:
            parts.append(("misaligned: " if fmt != "latex" else "% misaligned: ") + m.describe())
    for note in report.notes:
        parts.append(("note: " if fmt != "latex" else "% note: ") + note)
    if fmt == "md":
        return f"**{head}**\n\n" + "\n\n".join(parts)
    if fmt == "latex":
        return f"% {head}\n" + "\n\n".join(parts)
    return head + "\n" + "\n\n".join(parts)


def _yn(v: bool | None) -> str:
    return "undecided" if v is None else "yes" if v else "no"
