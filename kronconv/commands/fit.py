"""``kronconv fit KERNEL.npy --kernel a --layers L --channels C``: fit a kernel with a linear dilated cascade.

parse -> load -> :func:`kronconv.qtt.fit.fit` -> render -> write (``--out`` the cascade as .npz or .onnx).
Exit 0 on success, 2 on bad input (one line, nothing written).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..atomic import check_writable
from ..errors import BackendUnavailable, InvalidArgument
from ..qtt.fit import fit
from ..qtt.io import load_kernel, save_cascade
from ..render import table, to_json
from ._common import positive_int, write_output

__all__ = ["register", "render_fit", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fit", help="fit a kernel with an L-layer, C-channel dilated cascade (TT-SVD / ALS)",
                       description="Fit KERNEL (.npy) with a linear cascade of L layers of a^D kernels, C channels "
                                   "between layers and dilations b^l. b = a: TT-SVD of the base-a digit tensor "
                                   "(exact rational construction for integer kernels whose QTT ranks are <= C), "
                                   "with the error bound sqrt(sum of squared discarded singular values); "
                                   "b != a: alternating least squares (no optimality claim). The fitted cascade "
                                   "is run by kronconv's numeric engine and compared with the target.")
    p.add_argument("kernel_file", metavar="KERNEL.npy", help="kernel array (.npy; read with allow_pickle=False)")
    p.add_argument("--kernel", dest="a", type=positive_int(2, 64, "--kernel"), required=True,
                   help="kernel size a of every layer")
    p.add_argument("--layers", type=positive_int(1, 64, "--layers"), required=True, help="number of layers L")
    p.add_argument("--channels", type=positive_int(1, 4096, "--channels"), required=True,
                   help="channels C between layers")
    p.add_argument("--dilation-base", dest="b", type=positive_int(2, 64, "--dilation-base"), default=None,
                   help="dilations b^l (default b = a)")
    p.add_argument("--sweeps", type=positive_int(0, 1000, "--sweeps"), default=None,
                   help="ALS sweeps (default 0 after TT-SVD for b = a, 10 for b != a)")
    p.add_argument("--starts", type=positive_int(0, 100, "--starts"), default=2,
                   help="random ALS starts for b != a (default 2)")
    p.add_argument("--seed", type=positive_int(0, 1 << 31, "--seed"), default=0, help="seed of the random starts")
    p.add_argument("--out", metavar="CASCADE", help="write the fitted cascade (.npz, or .onnx if onnx is installed)")
    p.add_argument("--format", choices=("text", "md", "json"), default="text", help="report format (default text)")
    p.set_defaults(func=run)


def render_fit(d: dict, fmt: str) -> str:
    """Text or Markdown for :meth:`kronconv.qtt.fit.FitResult.to_dict`."""
    rows = [["method", d["method"]], ["layers x channels", f"{d['layers']} x {d['channels']}"],
            ["dilations", ", ".join(map(str, d["dilations"]))],
            ["weights", "; ".join("x".join(map(str, s)) for s in d["weight_shapes"])]]
    if d["ranks"]:
        rows.append([f"QTT ranks ({d['rank_mode']})", ", ".join(map(str, d["ranks"]))])
    rows.append(["exact", "yes" if d["exact"] else "no"])
    rows.append(["relative error", f"{d['relative_error']:.6g}"])
    if d["error_bound"] is not None:
        rows.append(["TT-SVD bound (relative)", f"{d['relative_error_bound']:.6g}"])
    if d["lower_bound"] is not None:
        rows.append(["best possible >= (relative)", f"{(d['lower_bound'] / d['norm']) if d['norm'] else 0.0:.6g}"])
    rows.append(["parameters (cascade / dense)", f"{d['parameters']['cascade']} / {d['parameters']['dense']}"])
    body = table(["quantity", "value"], rows, fmt)
    notes = "\n".join(f"note: {n}" for n in d["notes"])
    return body + ("\n" + ("\n" if fmt == "md" else "") + notes if notes else "")


def run(args: argparse.Namespace) -> int:
    if args.out is not None:  # refuse before any work: nothing written half-way
        suffix = Path(args.out).suffix
        if suffix not in (".npz", ".onnx"):
            raise InvalidArgument(f"--out must end in .npz or .onnx, got {args.out!r}")
        if suffix == ".onnx":
            try:
                import onnx  # noqa: F401
            except ImportError:
                raise BackendUnavailable("--out .onnx needs the onnx package: pip install onnx "
                                         "(or write .npz)") from None
        check_writable(args.out, "--out")
    kernel = load_kernel(args.kernel_file)
    b = args.a if args.b is None else args.b
    sweeps = args.sweeps if args.sweeps is not None else (0 if b == args.a else 10)
    if b != args.a and sweeps == 0:
        raise InvalidArgument("--sweeps must be >= 1 when --dilation-base differs from --kernel")
    res = fit(kernel, args.a, args.layers, args.channels, b=b, sweeps=sweeps, seed=args.seed, starts=args.starts)
    d = res.to_dict()
    if args.out is not None:
        d["written"] = {"path": args.out, "format": save_cascade(res, args.out)}
    write_output(to_json(d) if args.format == "json" else render_fit(d, args.format), None)
    return 0
