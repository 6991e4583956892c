"""``kronconv check equivalence|equivariance``: numeric checks with derived error bounds.

Parse -> :mod:`kronconv.checks` -> render (text, Markdown or JSON) -> write.
Exit 0 when the checked property holds, 1 when it does not, 2 on bad input.  For equivariance,
``--expect equivariant`` (default) asks for equivariance at every tested shift and ``--expect
predicted`` for the behaviour the graph predicts; ``check equivariance MODEL`` audits a model.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..atomic import check_writable
from ..audit_report import plot_audit, render_audit, short_number
from ..checks import (
    ARCHS,
    EXECUTORS,
    PLANTS,
    AuditModel,
    EquivalenceResult,
    EquivarianceResult,
    audit_equivariance,
    check_equivalence,
    check_equivariance,
    model_from_graph,
    model_from_onnx,
    model_from_torch,
)
from ..errors import InvalidArgument
from ..netgraph import from_network, graph_from_dict, is_graph_spec, read_spec_data
from ..numeric import MAX_BYTES, MAX_WORK
from ..render import table, to_json
from ..spec import load_spec
from ._common import add_format_arg, int_list, positive_int, write_output

__all__ = ["register", "render_equivalence", "render_equivariance", "run"]

FORMATS = ("text", "md", "json")


def _common_args(p: argparse.ArgumentParser, dtype_default: str = "float64") -> None:
    p.add_argument("--dims", type=positive_int(1, 3, "--dims"), default=2,
                   help="spatial dimensions 1-3 (default 2; presets take dims=... in their name)")
    p.add_argument("--size", type=positive_int(1, 1 << 20, "--size"), default=None,
                   help="spatial size per axis (default: chosen from the kernel extent / receptive field)")
    p.add_argument("--batch", type=positive_int(1, 4096, "--batch"), default=1, help="batch size (default 1)")
    p.add_argument("--dtype", choices=("float32", "float64"), default=dtype_default,
                   help=f"element type (default {dtype_default})")
    p.add_argument("--backend", choices=("auto", "numpy", "cupy"), default="auto",
                   help="auto picks cupy only where a GPU is usable (default auto)")
    p.add_argument("--seed", type=positive_int(0, 2**63 - 1, "--seed"), default=0, help="random seed (default 0)")
    p.add_argument("--max-memory", type=positive_int(1, 1 << 30, "--max-memory"), default=MAX_BYTES >> 20,
                   metavar="MIB", help=f"refuse operations estimated above this many MiB (default {MAX_BYTES >> 20})")
    p.add_argument("--max-work", type=positive_int(1, 1 << 62, "--max-work"), default=MAX_WORK, metavar="N",
                   help=f"refuse checks estimated above N multiply-adds (default {MAX_WORK})")
    add_format_arg(p, FORMATS)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="numeric equivalence and equivariance checks with error bounds",
                       description="Numeric checks on random data, each compared elementwise against a rigorous "
                                   "floating-point error bound. Exit 0 holds, 1 fails, 2 bad input.")
    p.set_defaults(func=run, _check=None, _check_parser=p)
    checks = p.add_subparsers(dest="check", metavar="CHECK", parser_class=type(p))

    e = checks.add_parser(
        "equivalence", help="cascade of dilated convolutions vs one Kronecker-kernel convolution",
        description="Runs the cascade of L a-tap layers with dilations b**l (b = a by default) and the single "
                    "convolution with the Kronecker kernel K_{L-1} x ... x K_0 (sum of Kronecker products with "
                    "channels) and compares them against the sum of both computations' rounding bounds. Exact in "
                    "valid, full and circular modes; with per-layer zero 'same' padding only the interior (away "
                    "from a border of the summed padding widths) is compared. --dilation-base b != a and --plant "
                    "are false claims that must fail.")
    e.add_argument("--layers", type=positive_int(1, 64, "--layers"), default=3, help="number of layers L (default 3)")
    e.add_argument("--kernel", type=positive_int(1, 64, "--kernel"), default=3, help="kernel size a (default 3)")
    e.add_argument("--dilation-base", type=positive_int(1, 1 << 20, "--dilation-base"), default=None,
                   metavar="B", help="dilations B**l (default: the kernel size a)")
    e.add_argument("--channels", type=positive_int(1, 4096, "--channels"), default=1, help="channels C (default 1)")
    e.add_argument("--padding", choices=("valid", "same", "full", "circular"), default="valid",
                   help="per-layer padding (default valid)")
    e.add_argument("--operation", choices=("convolution", "correlation"), default="convolution",
                   help="true convolution (default) or cross-correlation")
    e.add_argument("--plant", choices=PLANTS, default="none",
                   help="plant a false claim: swap (factor order), flip (flipped kernel), relu (nonlinearity)")
    _common_args(e)
    e.set_defaults(_check=run_equivalence)

    q = checks.add_parser(
        "equivariance", help="shift equivariance of dilated, pooling, strided or preset networks",
        description="Shifts the input, compares the output of the shifted input with the shifted output, per "
                    "shift, against the propagated rounding bound (interior only for zero padding). Dilated "
                    "stacks are equivariant for every shift; pooling/unpooling and strided nets only for "
                    "multiples of their total stride. Reports the shift consistency (argmax agreement, Zhang "
                    "2019 style).")
    q.add_argument("model", nargs="?", default=None, metavar="MODEL",
                   help="a model to audit: a .onnx file or a TOML/JSON chain or graph spec (or give --torch); "
                        "without it, a built-in --arch")
    q.add_argument("--arch", nargs="+", default=None, metavar="ARCH",
                   help="dilated | pooling | strided | preset NAME[:k=v,...] (default dilated)")
    q.add_argument("--preset", default=None, help="preset for --arch preset (alternative to --arch preset NAME)")
    q.add_argument("--shift", nargs="+", type=int_list(-(1 << 20), 1 << 20, "--shift"), default=None,
                   metavar="S", help="shifts: S (every axis) or S1,S2[,S3] per axis (default 1..max(2*stride,3))")
    q.add_argument("--padding", choices=("circular", "zeros"), default="circular", help="boundary (default circular)")
    q.add_argument("--layers", type=positive_int(1, 16, "--layers"), default=3,
                   help="layers (dilated) or levels (pooling, strided) (default 3)")
    q.add_argument("--kernel", type=positive_int(1, 63, "--kernel"), default=3, help="odd kernel size (default 3)")
    q.add_argument("--channels", type=positive_int(1, 4096, "--channels"), default=4,
                   help="channels of the built-in nets (default 4; presets take C=... in their name)")
    q.add_argument("--no-relu", action="store_true", help="no ReLU between convolutions")
    q.add_argument("--expect", choices=("equivariant", "predicted"), default="equivariant",
                   help="exit 0 iff equivariant at every tested shift (default), or iff every tested shift "
                        "behaves as the graph predicts (equivariant exactly on the predicted lattice)")
    m = q.add_argument_group("models (MODEL or --torch)")
    m.add_argument("--torch", metavar="MODULE:ATTR",
                   help="a torch.nn.Module (or a callable returning one) importable as MODULE:ATTR; needs "
                        "--input-shape")
    m.add_argument("--input-shape", type=int_list(1, 1 << 20, "--input-shape"), metavar="N,C,H[,W[,D]]",
                   help="input shape (required with --torch; for ONNX where the model leaves it open)")
    m.add_argument("--shifts", type=shift_range, default=None, metavar="A:B|S1,S2,...",
                   help="shifts applied along each axis in turn, a range A:B (inclusive) or a list "
                        "(default 1..max(2 L, 4), L the predicted period)")
    m.add_argument("--executor", nargs="+", choices=EXECUTORS, default=None,
                   help="numpy (kronconv's engine; spec files), torch, onnxruntime (default: all that can run "
                        "the model)")
    m.add_argument("--plot", metavar="FILE", default=None,
                   help="error vs shift per axis and a heat map of the deviation (.png, .svg or .pdf)")
    _common_args(q)
    q.set_defaults(_check=run_equivariance)


def run(args: argparse.Namespace) -> int:
    """Dispatch to the chosen check; without one, a one-line error (exit 2)."""
    if args._check is None:
        raise InvalidArgument("choose a check: equivalence or equivariance (see kronconv check --help)")
    return int(args._check(args))


def run_equivalence(args: argparse.Namespace) -> int:
    res = check_equivalence(
        layers=args.layers, kernel=args.kernel, dims=args.dims, size=args.size, channels=args.channels,
        batch=args.batch, dtype=args.dtype, backend=args.backend, seed=args.seed,
        dilation_base=args.dilation_base, padding=args.padding, operation=args.operation, plant=args.plant,
        max_bytes=args.max_memory << 20, max_work=args.max_work)
    write_output(render_equivalence(res, args.format), args.out)
    return 0 if res.holds else 1


def shift_range(text: str) -> list[int]:
    """argparse ``type=`` for ``--shifts``: ``A:B`` (inclusive) or ``S1,S2,...``, each in -4096..4096."""
    t = text.strip()
    try:
        if ":" in t:
            a, b = (int(v) for v in t.split(":"))
            vals = list(range(a, b + 1))
        else:
            vals = [int(v) for v in t.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shifts must be A:B or a comma-separated list of integers, "
                                         f"got {text!r}") from None
    if not 1 <= len(vals) <= 64 or any(abs(v) > 4096 for v in vals):
        raise argparse.ArgumentTypeError(f"--shifts must give 1-64 shifts in -4096..4096, got {text!r}")
    return vals


_ARCH_ONLY = ("shift", "preset", "padding", "layers", "kernel", "channels", "no_relu", "dims", "dtype", "backend")
_MODEL_ONLY = ("shifts", "executor", "plot", "input_shape")


def run_equivariance(args: argparse.Namespace) -> int:
    if args.model is not None or args.torch is not None:
        return run_audit(args)
    given = [n for n in _MODEL_ONLY if getattr(args, n) is not None]
    if given:
        raise InvalidArgument(f"--{given[0].replace('_', '-')} is for a MODEL or --torch, not a built-in --arch")
    arch, *rest = args.arch or ["dilated"]
    if arch not in ARCHS:
        raise InvalidArgument(f"--arch must be one of {', '.join(ARCHS)}, got {arch!r}")
    if rest and (arch != "preset" or len(rest) > 1):
        raise InvalidArgument(f"--arch takes a preset name only after 'preset', got {' '.join(args.arch)!r}")
    name = rest[0] if rest else args.preset
    if args.preset is not None and rest:
        raise InvalidArgument("give the preset once: --arch preset NAME or --preset NAME")
    if name is not None and arch != "preset":
        raise InvalidArgument(f"--preset needs --arch preset, got --arch {arch}")
    shifts = None if args.shift is None else [s[0] if len(s) == 1 else s for s in args.shift]
    res = check_equivariance(
        arch, preset_name=name, shifts=shifts, padding=args.padding, layers=args.layers, kernel=args.kernel,
        channels=args.channels, dims=args.dims, size=args.size, batch=args.batch, dtype=args.dtype,
        backend=args.backend, seed=args.seed, activation=None if args.no_relu else "relu",
        max_bytes=args.max_memory << 20, max_work=args.max_work)
    write_output(render_equivariance(res, args.format), args.out)
    return 0 if (res.holds if args.expect == "equivariant" else res.matches_theory) else 1


def _audit_model(args: argparse.Namespace) -> AuditModel:
    path = args.model
    if args.torch is not None:
        if path is not None:
            raise InvalidArgument(f"give one model: {path!r} or --torch {args.torch}")
        if args.input_shape is None:
            raise InvalidArgument("--torch needs --input-shape N,C,H[,W[,D]]")
        from ._models import _resolve

        return model_from_torch(_resolve(args.torch), args.input_shape)
    if not Path(path).is_file():
        raise InvalidArgument(f"MODEL must be an existing .onnx, .toml or .json file, got {path!r}")
    if path.lower().endswith(".onnx"):
        return model_from_onnx(path, input_shape=args.input_shape)
    if args.input_shape is not None:
        raise InvalidArgument("--input-shape is for ONNX or --torch models; a spec file takes --size")
    data = read_spec_data(path)
    graph = graph_from_dict(data, source=path) if is_graph_spec(data) else from_network(load_spec(path))
    return model_from_graph(graph, seed=args.seed, name=graph.name or Path(path).stem)


def run_audit(args: argparse.Namespace) -> int:
    """``check equivariance MODEL``: the audit of an imported model or spec file."""
    arch_given = [n for n in _ARCH_ONLY if getattr(args, n) not in (None, False)
                  and not (n in ("padding", "layers", "kernel", "channels", "dims", "dtype", "backend")
                           and getattr(args, n) == _DEFAULTS[n])]
    if args.arch is not None or arch_given:
        bad = "--arch" if args.arch is not None else f"--{arch_given[0].replace('_', '-')}"
        raise InvalidArgument(f"{bad} is for the built-in architectures, not for a MODEL")
    if args.plot is not None:
        check_writable(args.plot, "--plot")
        if Path(args.plot).suffix.lower() not in (".png", ".svg", ".pdf"):
            raise InvalidArgument(f"--plot must end in .png, .svg or .pdf, got {args.plot!r}")
    if args.out is not None and args.out != "-":
        check_writable(args.out, "--out")
    model = _audit_model(args)
    res = audit_equivariance(model, shifts=args.shifts, executors=args.executor, size=args.size,
                             batch=args.batch, seed=args.seed, max_bytes=args.max_memory << 20,
                             max_work=args.max_work)
    if args.plot is not None:
        plot_audit(res, args.plot)
    write_output(render_audit(res, args.format), args.out)
    return 0 if (res.equivariant if args.expect == "equivariant" else res.as_predicted) else 1


_DEFAULTS = {"padding": "circular", "layers": 3, "kernel": 3, "channels": 4, "dims": 2, "dtype": "float64",
             "backend": "auto"}


# --------------------------------------------------------------------------- rendering


def _verdict(holds: bool) -> str:
    return "HOLDS" if holds else "FAILS"


def render_equivalence(r: EquivalenceResult, fmt: str) -> str:
    """Text, Markdown or JSON for an :class:`~kronconv.checks.EquivalenceResult`."""
    if fmt == "json":
        return to_json(r.to_dict())
    rows = [
        ["claim", r.claim],
        ["result", _verdict(r.holds)],
        ["max abs error", short_number(r.max_abs_error)],
        ["bound (largest elementwise)", short_number(r.bound)],
        ["max error / bound", short_number(r.max_error_ratio)],
        ["relative error", short_number(r.relative_error)],
        ["backend, dtype", f"{r.backend}, {r.dtype}"],
        ["dims, size, batch, channels", f"{r.dims}, {r.size}, {r.batch}, {r.channels}"],
        ["dilations", ",".join(map(str, r.dilations))],
        ["padding", r.padding + (f" (interior only, border {list(r.border[0])} per axis)" if r.interior_only else "")],
        ["compared", "x".join(map(str, r.compared_shape))],
        ["Kronecker kernel", "x".join(map(str, r.kronecker_kernel_shape))],
        ["plant, seed", f"{r.plant}, {r.seed}"],
    ]
    if fmt == "md":
        return (f"**equivalence check: {_verdict(r.holds)}**\n\n" + table(["field", "value"], rows, "md")
                + f"\n\n{r.note}")
    width = max(len(k) for k, _ in rows)
    return (f"equivalence check: {_verdict(r.holds)}\n" + "\n".join(f"  {k.ljust(width)}  {v}" for k, v in rows)
            + f"\nnote: {r.note}")


def _shifts(records: list[Any], limit: int = 6) -> str:
    names = [",".join(map(str, s.shift)) for s in records]
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ("shift " if len(names) == 1 else "shifts ") + "; ".join(names[:limit]) + more


def equivariance_summary(r: EquivarianceResult) -> str:
    """The verdict in words: where the output is and is not equivariant, and whether theory predicted it.

    E.g. "not equivariant for shifts 1,1; 2,2 ... - as predicted: total stride 8x8, so equivariance is
    expected exactly for multiples of 8x8; equivariant for shifts 8,8; 16,16".
    """
    stride = "x".join(map(str, r.total_stride))
    bad = [s for s in r.shifts if not s.holds]
    good = [s for s in r.shifts if s.holds]
    if all(v == 1 for v in r.total_stride):
        theory = "total stride 1, so equivariance is expected for every shift"
    else:
        theory = f"total stride {stride}, so equivariance is expected exactly for multiples of {stride}"
    if not bad:
        said = f"equivariance check: HOLDS - equivariant for every tested shift ({len(good)})"
    else:
        said = f"equivariance check: FAILS - not equivariant for {_shifts(bad)}"
    if r.matches_theory:
        tail = f" - as predicted: {theory}"
        if bad and good:
            tail += f"; equivariant for {_shifts(good)}"
    else:
        wrong = [s for s in r.shifts if s.holds != s.expected]
        tail = f" - NOT as predicted ({theory}): unexpected result for {_shifts(wrong)}"
    return said + tail


def render_equivariance(r: EquivarianceResult, fmt: str) -> str:
    """Text, Markdown or JSON for an :class:`~kronconv.checks.EquivarianceResult`."""
    if fmt == "json":
        return to_json(r.to_dict())
    head = equivariance_summary(r)
    info = (f"network: {r.network} [{r.arch}], {r.dims}-D size {r.size}, channels {r.channels}->{r.out_channels}, "
            f"padding {r.padding}, total stride {'x'.join(map(str, r.total_stride))}, {r.backend}, {r.dtype}, "
            f"seed {r.seed}; shift consistency {short_number(r.consistency)}")
    rows = [[",".join(map(str, s.shift)), "yes" if s.holds else "no", "yes" if s.expected else "no",
             short_number(s.max_abs_error), short_number(s.bound), short_number(s.max_error_ratio), short_number(s.consistency), s.compared]
            for s in r.shifts]
    headers = ["shift", "holds", "expected", "max abs error", "bound", "error/bound", "consistency", "compared"]
    if fmt == "md":
        return f"**{head}**\n\n{info}\n\n" + table(headers, rows, "md") + f"\n\n{r.note}"
    return f"{head}\n{info}\n" + table(headers, rows, "text") + f"\n\nnote: {r.note}"
