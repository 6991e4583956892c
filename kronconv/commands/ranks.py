"""``kronconv ranks KERNEL.npy --kernel a``: QTT rank profile of a kernel (fewest channels of a dilated cascade).

parse -> :func:`kronconv.qtt.io.load_kernel` -> :func:`kronconv.qtt.rank_profile` -> render -> write.
Exit 0 on success, 2 on bad input (one line).
"""

from __future__ import annotations

import argparse

from ..qtt import rank_profile
from ..qtt.io import load_kernel
from ..render import table, to_json
from ._common import positive_int, write_output

__all__ = ["register", "render_profile", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ranks", help="QTT rank profile of a kernel: fewest channels of an exact dilated cascade",
                       description="Unfold KERNEL (a .npy file, 1-D/2-D/3-D, zero-padded to a**L per axis) by "
                                   "its base-a digits and report the rank of every unfolding: ranks[l] is the "
                                   "fewest channels between layer l and l+1 of a linear cascade of a^D kernels "
                                   "with dilations a^l whose composed kernel is KERNEL. Exact ranks for "
                                   "integer-valued kernels (multi-modular), numeric ones (tolerance "
                                   "max(m,n)*eps*sigma_1) for floats.")
    p.add_argument("kernel_file", metavar="KERNEL.npy", help="kernel array (.npy; read with allow_pickle=False)")
    p.add_argument("--kernel", dest="a", type=positive_int(2, 64, "--kernel"), required=True,
                   help="kernel size a of every layer (the digit base)")
    p.add_argument("--layers", type=positive_int(1, 64, "--layers"), default=None,
                   help="number of layers L (default: the smallest with a**L >= the extent)")
    p.add_argument("--mode", choices=("auto", "exact", "numeric"), default="auto",
                   help="exact (integer kernels), numeric, or auto (default)")
    p.add_argument("--format", choices=("text", "md", "json"), default="text", help="output format (default text)")
    p.add_argument("--out", metavar="FILE", help="write the output to FILE instead of standard output")
    p.set_defaults(func=run)


def _sv(values: tuple[float, ...], n: int = 6) -> str:
    head = ", ".join(f"{v:.4g}" for v in values[:n])
    return head + (f", ... ({len(values)} values)" if len(values) > n else "")


def render_profile(prof: object, fmt: str) -> str:
    """Text or Markdown for a :class:`kronconv.qtt.RankProfile`."""
    d = prof.to_dict()  # type: ignore[attr-defined]
    rows = [[f"{u['between_layers'][0]}-{u['between_layers'][1]}", f"{u['rows']}x{u['cols']}", u["rank"],
             f"{u['tolerance']:.3g}" if d["mode"] == "numeric" else "exact", _sv(tuple(u["singular_values"]))]
            for u in d["unfoldings"]]
    head = (f"kernel {'x'.join(map(str, d['shape']))}, a = {d['a']}, L = {d['layers']}, {d['dims']}-D, "
            f"{d['mode']} ranks")
    summary = (f"ranks {d['ranks']}; fewest channels for an exact {d['layers']}-layer cascade with dilations "
               f"{d['a']}^l: C = {d['min_channels']}")
    body = table(["layers", "unfolding", "rank", "tolerance", "singular values"], rows, fmt) if rows else "(no unfolding)"
    notes = "\n".join(f"note: {n}" for n in d["notes"])
    if fmt == "md":
        return f"**{head}**\n\n{body}\n\n{summary}" + ("\n\n" + notes if notes else "")
    return f"{head}\n{body}\n{summary}" + ("\n" + notes if notes else "")


def run(args: argparse.Namespace) -> int:
    kernel = load_kernel(args.kernel_file)
    prof = rank_profile(kernel, args.a, levels=args.layers, mode=args.mode)
    text = to_json(prof.to_dict()) if args.format == "json" else render_profile(prof, args.format)
    write_output(text, args.out)
    return 0
