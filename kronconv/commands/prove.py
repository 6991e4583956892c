"""``kronconv prove``: state a theorem about dilated cascades and prove or refute it.

parse -> :func:`kronconv.theorems.prove` -> :func:`kronconv.proof.render_proof` -> write.
Exit 0 proved, 1 refuted, 2 bad input (including requests above the documented size
limits: :data:`kronconv.polykernel.MAX_TERMS`; ``MAX_FIELD`` of :mod:`kronconv.theorems.hole_free`;
``MAX_CERT_ENTRIES`` and ``MAX_CERT_WORK`` of :mod:`kronconv.theorems.qtt_rank`).
"""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import InvalidArgument
from ..proof import render_proof
from ..theorems import THEOREMS, prove
from ._common import add_format_arg, positive_int, write_output


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "prove", help="prove (or refute) the cascade = Kronecker-convolution theorem and its variants",
        description="State the theorem for the given parameters and prove it: a general proof (induction on the "
                    "layers from the Kronecker lemma, index facts discharged by SymPy, valid for every L and a) "
                    "where the claim has that form, and always an exact instance check (the composed kernel "
                    "from symbolic entries against the Kronecker kernel, monomial by monomial). False claims are "
                    "refuted with a concrete counterexample. Exit 0 proved, 1 refuted, 2 bad input.")
    p.add_argument("--layers", type=positive_int(1, 64, "--layers"), default=None, help="number of layers L (default 3)")
    p.add_argument("--kernel", type=positive_int(1, 64, "--kernel"), default=None, help="kernel size a (default 3)")
    p.add_argument("--dims", type=positive_int(1, 3, "--dims"), default=None, help="spatial dimensions 1-3 (default 2)")
    p.add_argument("--channels", type=positive_int(1, 64, "--channels"), default=None,
                   help="channels C (default 1; C > 1 states the single-Kronecker claim, which is refuted; "
                        "see --theorem channel-sum)")
    p.add_argument("--dilation-base", type=positive_int(1, 1 << 20, "--dilation-base"), default=None,
                   help="dilations b**l (default b = kernel); for --theorem dilation-lemma the dilation d")
    p.add_argument("--nonlinearity", choices=("none", "relu", "tanh"), default=None,
                   help="nonlinearity after every layer but the last (default none)")
    p.add_argument("--correlation", action="store_true", help="cross-correlation (PyTorch's 'convolution')")
    p.add_argument("--origin", choices=("corner", "centre"), default=None,
                   help="kernel indices from 0 (corner) or -r..r (centre, odd kernels; Yu & Koltun)")
    p.add_argument("--theorem", choices=THEOREMS, default="cascade", help="which theorem (default cascade)")
    p.add_argument("--seed", type=positive_int(0, 1 << 31, "--seed"), default=None,
                   help="seed of the random integer kernels of Kronecker-rank reports and of seeded qtt-rank "
                        "instances (default 0)")
    p.add_argument("--max-rf", metavar="EXPR", default=None,
                   help="hole-free-bound: the claimed largest hole-free field, an expression in k and L "
                        "(default k**L, the true value; e.g. 'k**L + 1' is refuted by the counting bound)")
    p.add_argument("--kernel-file", metavar="K.npy", default=None,
                   help="qtt-rank: the integer kernel (.npy) claimed to be a --channels cascade's composed kernel "
                        "with dilations kernel**l")
    p.add_argument("--rank", type=positive_int(1, 64, "--rank"), default=None,
                   help="qtt-rank without --kernel-file: the seeded composed kernel of a random cascade with this "
                        "many channels (--layers layers, --seed)")
    add_format_arg(p)
    p.set_defaults(func=run)


#: Defaults of the options; ``None`` in the parser tells "not given" from "given the default".
DEFAULTS: dict[str, Any] = {"layers": 3, "kernel": 3, "dims": 2, "channels": 1, "dilation_base": None, "nonlinearity": "none",
            "correlation": False, "origin": "corner", "seed": 0}
#: Options of the hole-free-bound and qtt-rank theorems only.
EXTRA: dict[str, Any] = {"max_rf": "k**L", "kernel_file": None, "rank": None}

#: Options each theorem reads; any other option given is refused rather than silently ignored.
USED = {
    "cascade": set(DEFAULTS),
    "channel-sum": set(DEFAULTS) - {"seed"},
    "dilation-lemma": {"kernel", "dims", "dilation_base", "correlation", "origin"},
    "kronecker-rank": {"layers", "kernel", "dims", "channels", "dilation_base", "seed"},
    "receptive-field": set(),
    "hole-free-bound": {"kernel", "layers", "max_rf"},
    "qtt-rank": {"kernel", "layers", "channels", "kernel_file", "rank", "seed"},
}


def run(args: argparse.Namespace) -> int:
    given = {k for k in (*DEFAULTS, *EXTRA) if getattr(args, k) not in (None, False)}
    unused = sorted(given - USED[args.theorem])
    if unused:
        names = ", ".join("--" + k.replace("_", "-") for k in unused)
        reads = ", ".join("--" + k.replace("_", "-") for k in sorted(USED[args.theorem])) or "no option"
        raise InvalidArgument(f"--theorem {args.theorem} does not use {names} (it reads {reads}); "
                              "omit it rather than have it ignored")
    v = {k: d if getattr(args, k) is None else getattr(args, k) for k, d in {**DEFAULTS, **EXTRA}.items()}
    qtt_kernel = None
    if args.theorem == "qtt-rank":
        if (args.kernel_file is None) == (args.rank is None):
            raise InvalidArgument("--theorem qtt-rank needs either --kernel-file K.npy or a seeded instance "
                                  "--rank R (with --layers, --seed), not both")
        if args.kernel_file is not None:
            if args.seed is not None:
                raise InvalidArgument("--seed is read only by the seeded instance (--rank); omit it with --kernel-file")
            from ..qtt.io import load_kernel

            qtt_kernel = load_kernel(args.kernel_file)
    if args.theorem == "qtt-rank" and args.kernel_file is not None and args.layers is None:
        v["layers"] = None  # the fewest layers whose extent a**L holds the kernel
    proof = prove(layers=v["layers"], kernel=v["kernel"], dims=v["dims"], channels=v["channels"],
                  base=v["dilation_base"], nonlinearity=v["nonlinearity"], correlation=v["correlation"],
                  origin=v["origin"], theorem=args.theorem, seed=v["seed"], max_rf=v["max_rf"],
                  qtt_kernel=qtt_kernel, rank=v["rank"])
    write_output(render_proof(proof, args.format), args.out)
    return 0 if proof.proved else 1
