"""``kronconv formula``: closed forms (SymPy) for symbolic stacks and parameter comparisons."""

from __future__ import annotations

import argparse
from typing import Any

import sympy as sp

from ..errors import InvalidArgument
from ..formulas import (
    kernel_parameter_counts,
    layers_for_receptive_field,
    parameter_table,
    receptive_field_closed_form,
    stack_parameter_count,
    sym,
)
from ..proof import canonical_srepr
from ..render import Raw, table, to_json
from ._common import int_list, positive_int, write_output


def _fmt_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "md", "latex", "json"), default="text",
                   help="output format (default text)")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("formula", help="closed-form formulas (symbols allowed anywhere a number is)",
                       description="Closed forms derived with SymPy. Any size may be a number or an "
                                   "expression in symbols; the dilation/stride may use the layer index l "
                                   "(0-based), e.g. '2**l' or 'a**l'. Numbers are exact integers: floats, "
                                   "1e5-style numbers and nan/oo are refused; a dilation or stride must be a "
                                   "positive integer at every layer l in range (checked at every l for a "
                                   "concrete --layers, shown symbolically otherwise) or it is refused.")
    fs = p.add_subparsers(dest="quantity", metavar="QUANTITY", required=True, parser_class=type(p))
    rf = fs.add_parser("rf", help="receptive field of L equal layers")
    rf.add_argument("--kernel", default="k", help="kernel size (number or expression; default k)")
    rf.add_argument("--dilation", default="1", help="dilation as an expression of l (default 1)")
    rf.add_argument("--stride", default="1", help="stride as an expression of l (default 1)")
    rf.add_argument("--layers", default="L", help="number of layers (default L)")
    _fmt_arg(rf)
    rf.set_defaults(func=run_rf)

    pa = fs.add_parser("params", help="parameters of L equal convolutions")
    pa.add_argument("--kernel", default="k", help="kernel size (number or expression; default k)")
    pa.add_argument("--layers", default="L", help="number of layers (default L)")
    pa.add_argument("--channels", default="1", help="channels in and out of every layer (default 1)")
    pa.add_argument("--groups", default="1", help="groups, dividing the channels (channels for depthwise; default 1)")
    pa.add_argument("--dims", default="2", help="spatial dimensions 1-3 or a symbol (default 2)")
    pa.add_argument("--no-bias", action="store_true", help="layers without bias")
    _fmt_arg(pa)
    pa.set_defaults(func=run_params)

    lf = fs.add_parser("layers-for", help="fewest layers reaching a receptive field R")
    lf.add_argument("--rf", required=True, help="target receptive field R (number or symbol)")
    lf.add_argument("--kernel", default="3", help="kernel size, at least 2 (default 3)")
    lf.add_argument("--dilation", default="1", help="dilation as an expression of l (default 1)")
    lf.add_argument("--stride", default="1", help="stride as an expression of l (default 1)")
    _fmt_arg(lf)
    lf.set_defaults(func=run_layers_for)

    cp = fs.add_parser("compare", help="full vs Kronecker vs separable parameter counts of an N^D kernel")
    cp.add_argument("--extent", default=None,
                    help="kernel extent N (number or symbol; default N); not with --extents")
    cp.add_argument("--extents", type=int_list(1, 1 << 20, "--extents"),
                    help="table for these concrete extents, each a power of --factor")
    cp.add_argument("--factor", default="3", help="Kronecker factor size a (default 3)")
    cp.add_argument("--rank", default="1", help="separable rank r (default 1)")
    cp.add_argument("--dims", type=positive_int(1, 3, "--dims"), default=2, help="spatial dimensions 1-3 (default 2)")
    _fmt_arg(cp)
    cp.set_defaults(func=run_compare)


def _emit(args: argparse.Namespace, name: str, lhs: str, expr: sp.Expr, inputs: dict[str, Any]) -> int:
    if args.format == "json":
        text = to_json({"quantity": name, "inputs": inputs, "expression": str(expr),
                        "latex": sp.latex(expr), "srepr": canonical_srepr(expr)})
    elif args.format == "latex":
        text = f"{lhs} = {sp.latex(expr)}"
    elif args.format == "md":
        text = f"$${lhs} = {sp.latex(expr)}$$"
    else:
        text = f"{lhs} = {sp.pretty(expr, use_unicode=False)}" if "\n" not in sp.pretty(expr, use_unicode=False) \
            else f"{lhs} =\n{sp.pretty(expr, use_unicode=False)}"
    write_output(text, args.out)
    return 0


def run_rf(args: argparse.Namespace) -> int:
    expr = receptive_field_closed_form(args.kernel, args.dilation, args.layers, args.stride)
    return _emit(args, "receptive_field", "r", expr,
                 {"kernel": args.kernel, "dilation": args.dilation, "stride": args.stride, "layers": args.layers})


def run_params(args: argparse.Namespace) -> int:
    expr = stack_parameter_count(args.kernel, args.layers, args.channels, args.dims,
                                 bias=not args.no_bias, groups=args.groups)
    return _emit(args, "parameters", "P", expr,
                 {"kernel": args.kernel, "layers": args.layers, "channels": args.channels,
                  "groups": args.groups, "dims": args.dims, "bias": not args.no_bias})


def run_layers_for(args: argparse.Namespace) -> int:
    expr = layers_for_receptive_field(args.rf, args.kernel, args.dilation, args.stride)
    return _emit(args, "layers", "L", expr,
                 {"rf": args.rf, "kernel": args.kernel, "dilation": args.dilation, "stride": args.stride})


def run_compare(args: argparse.Namespace) -> int:
    if args.extents is not None:
        if args.extent is not None:
            raise InvalidArgument(f"give --extent or --extents, not both (got --extent {args.extent!r} "
                                  f"and --extents {','.join(map(str, args.extents))})")
        f_expr, r_expr = sym(args.factor, "--factor"), sym(args.rank, "--rank")
        if not (f_expr.is_Integer and r_expr.is_Integer):
            raise InvalidArgument(f"--extents needs integer --factor and --rank, got --factor {args.factor!r} "
                                  f"and --rank {args.rank!r}")
        rank, factor = int(r_expr), int(f_expr)
        rows = parameter_table(args.extents, factor, rank, args.dims)
        if args.format == "json":
            write_output(to_json({"factor": factor, "rank": rank, "dims": args.dims, "rows": rows}), args.out)
            return 0
        heads = list(rows[0])
        write_output(table(heads, [[r[h] for h in heads] for r in rows],
                           "latex" if args.format == "latex" else args.format), args.out)
        return 0
    counts = kernel_parameter_counts(args.extent or "N", args.factor, args.rank, args.dims)
    if args.format == "json":
        write_output(to_json({"extent": args.extent or "N", "factor": args.factor, "rank": args.rank,
                              "dims": args.dims,
                              "methods": [{"name": c.name, "stored": str(c.stored), "dof": str(c.dof),
                                           "stored_latex": sp.latex(c.stored), "dof_latex": sp.latex(c.dof),
                                           "note": c.note} for c in counts]}), args.out)
        return 0
    if args.format in ("md", "latex"):
        cells: list[list[Any]] = [[c.name, Raw(f"${sp.latex(c.stored)}$"), Raw(f"${sp.latex(c.dof)}$"), c.note]
                                  for c in counts]
    else:
        cells = [[c.name, str(c.stored), str(c.dof), c.note] for c in counts]
    write_output(table(["method", "stored numbers", "degrees of freedom", "note"], cells, args.format), args.out)
    return 0
