"""``kronconv rf``: per-layer receptive field, effective stride, offset and parameters."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .._util import squash as _squash
from ..errors import InvalidSpec
from ..formulas import network_fields, network_output_size
from ..render import table, to_json
from ..spec import PRESETS, preset, read_spec_data
from ._common import (
    add_format_arg,
    add_stack_args,
    check_sources,
    int_list,
    network_from_args,
    write_output,
)
from ._models import add_model_args, load_imported

HEADERS = ["layer", "name", "type", "kernel", "dilation", "stride", "padding", "channels",
           "receptive field", "eff. stride", "offset", "centre", "parameters"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rf", help="receptive field of a chain of layers",
                       description="Per-layer receptive field (size of the input window one output unit "
                                   "sees), effective stride, offset of the first unit's field, its centre "
                                   "and parameter counts. Exact integer arithmetic (SymPy).")
    add_stack_args(p)
    p.add_argument("--input-size", type=int_list(1, 1 << 30, "--input-size"), metavar="N[,N...]",
                   help="also compute output sizes for this input size (one value or one per axis)")
    add_model_args(p)
    add_format_arg(p)
    p.set_defaults(func=run)


def list_presets(fmt: str) -> str:
    rows = []
    for name, (_, desc, params) in PRESETS.items():
        net = preset(name)
        ft = network_fields(net)
        rows.append({"name": name, "description": desc, "parameters": list(params),
                     "layers": len(net), "receptive_field": ft.to_dict()["receptive_field"]})
    if fmt == "json":
        return to_json({"presets": rows})
    return table(["preset", "layers", "receptive field (defaults)", "parameters", "description"],
                 [[r["name"], r["layers"], r["receptive_field"], ",".join(r["parameters"]), r["description"]]
                  for r in rows], fmt)


def run_graph(args: argparse.Namespace, data: dict | None = None, imported: Any = None) -> int:
    """A branching network (spec file with ``nodes``, or an imported model): per-node fields, output sizes
    where the input size is known, and the alignment verdict."""
    from ..netgraph import graph_from_dict, net_fields, node_sizes

    if imported is not None:
        g = imported.graph
        size = imported.input_size
        if args.input_size is not None:
            raise InvalidSpec("--input-size is for spec files; give an imported model's size with --input-shape")
        sources = imported.sources
        notes = list(imported.notes)
    else:
        g = graph_from_dict(data, source=args.spec)
        size = None if args.input_size is None else tuple(args.input_size)
        sources = {}
        notes = list(g.notes)
    sizes = node_sizes(g, size) if size is not None else None
    report = net_fields(g)
    out = report.to_dict()
    out["network"] = out["network"] or Path(args.spec or "model").stem
    out["notes"] = notes
    params = {n.id: (n.layer.weight_count + n.layer.bias_count) if n.layer is not None else 0 for n in g.nodes}
    for node in out["nodes"]:
        node["parameters"] = params[node["id"]]
        if sources:
            node["source_op"] = sources.get(node["id"], "")
        if sizes is not None:
            node["output_size"] = _squash(list(sizes[node["id"]]))
    out["parameters"] = sum(params.values())
    if sizes is not None:
        out["input_size"] = _squash(list(size))  # type: ignore[arg-type]
        out["output_size"] = _squash(list(sizes[g.output]))
    if imported is not None:
        out["format"] = imported.format
    if args.format == "json":
        write_output(to_json(out), args.out)
        return 0 if report.aligned else 1
    headers = ["node", "op"] + (["model op"] if sources else []) + [
        "inputs", "receptive field", "eff. stride", "eff. padding", "centre"] + (
        ["output size"] if sizes is not None else []) + ["parameters"]
    rows = []
    for n in out["nodes"]:
        row = [n["id"], n["op"]] + ([n.get("source_op", "")] if sources else []) + [
            ",".join(n["inputs"]) or "-", _fmt(n["receptive_field"]), _fmt(n["effective_stride"]),
            _fmt(n["effective_padding"]), _fmt(n["centre"])]
        if sizes is not None:
            row.append(_fmt(n["output_size"]))
        rows.append(row + [n["parameters"]])
    verdict = "aligned" if report.aligned else "MISALIGNED: " + "; ".join(m["message"] for m in out["misalignments"])
    rf = _fmt(out["receptive_field"])
    if report.whole_input:
        gp = ", ".join(report.global_nodes) or "a global operation"
        others = (f"through the other paths {rf}" if any(report.receptive_field)
                  else "no path avoids it")
        rf = f"the whole input (global pooling at {gp}); {others}"
    summary = (f"output {out['output']}: receptive field {rf}, effective stride "
               f"{_fmt(out['effective_stride'])}, effective padding {_fmt(out['effective_padding'])}, "
               + (f"output size {_fmt(out['output_size'])}, " if sizes is not None else "")
               + f"{out['parameters']} parameters; merges {verdict}")
    fmt = args.format
    body = table(headers, rows, "text" if fmt == "text" else fmt)
    tail = "".join(f"\nnote: {n}" for n in notes)
    text = (f"{out['network']} ({g.dims}-D graph)\n{body}\n\n{summary}{tail}" if fmt == "text"
            else f"% {summary}\n{body}" if fmt == "latex" else f"**{out['network']}**: {summary}\n\n{body}{tail}")
    write_output(text, args.out)
    return 0 if report.aligned else 1


def run(args: argparse.Namespace) -> int:
    imported = load_imported(args)
    if imported is not None:
        return run_graph(args, imported=imported)
    check_sources(args)
    if args.list_presets:
        write_output(list_presets(args.format), args.out)
        return 0
    if args.spec is not None and args.preset is None:
        data = read_spec_data(args.spec)
        if "nodes" in data:
            return run_graph(args, data)
    net = network_from_args(args)
    ft = network_fields(net)
    data = ft.to_dict()
    sizes = None
    if args.input_size is not None:
        size = args.input_size[0] if len(args.input_size) == 1 else args.input_size
        sizes = network_output_size(net, size)
        data["input_size"] = args.input_size if len(args.input_size) > 1 else args.input_size[0]
        for row, s in zip(data["layers"], sizes):
            row["output_size"] = s[0] if len(set(s)) == 1 else s
        data["output_size"] = data["layers"][-1]["output_size"]
    if args.format == "json":
        write_output(to_json(data), args.out)
        return 0
    headers = HEADERS + (["output size"] if sizes else [])
    rows = []
    for r in data["layers"]:
        ch = f"{r['in_channels']}->{r['out_channels']}" if r["in_channels"] is not None else "-"
        row = [r["index"], r["name"] or "-", r["type"], r["kernel"], r["dilation"], r["stride"], r["padding"], ch,
               r["receptive_field"], r["effective_stride"], r["offset"], r["centre"], r["parameters"]]
        if sizes:
            row.append(r["output_size"])
        rows.append(row)
    title = net.name or "network"
    summary = (f"receptive field {_fmt(data['receptive_field'])}, effective stride {_fmt(data['effective_stride'])}, "
               f"{data['parameters']} parameters")
    if args.format == "md":
        text = f"**{title}** ({net.dims}-D): {summary}\n\n" + table(headers, rows, "md")
    elif args.format == "latex":
        text = f"% {title} ({net.dims}-D): {summary}\n" + table(headers, rows, "latex")
    else:
        desc = f" - {net.description}" if net.description else ""
        text = f"{title} ({net.dims}-D){desc}\n" + table(headers, rows, "text") + f"\n\n{summary}"
    write_output(text, args.out)
    return 0


def _fmt(v: object) -> str:
    return "x".join(map(str, v)) if isinstance(v, list) else f"{v}"
