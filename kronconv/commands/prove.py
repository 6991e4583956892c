"""``kronconv prove``: state a theorem about dilated cascades and prove or refute it.

parse -> :func:`kronconv.theorems.prove` -> :func:`kronconv.proof.render_proof` -> write.
Exit 0 proved, 1 refuted, 2 bad input (including requests above the documented size
limit :data:`kronconv.polykernel.MAX_TERMS`).
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
                   help="seed of the random integer kernels of Kronecker-rank reports (default 0)")
    add_format_arg(p)
    p.set_defaults(func=run)


#: Defaults of the options; ``None`` in the parser tells "not given" from "given the default".
DEFAULTS: dict[str, Any] = {"layers": 3, "kernel": 3, "dims": 2, "channels": 1, "dilation_base": None, "nonlinearity": "none",
            "correlation": False, "origin": "corner", "seed": 0}

#: Options each theorem reads; any other option given is refused rather than silently ignored.
USED = {
    "cascade": set(DEFAULTS),
    "channel-sum": set(DEFAULTS) - {"seed"},
    "dilation-lemma": {"kernel", "dims", "dilation_base", "correlation", "origin"},
    "kronecker-rank": {"layers", "kernel", "dims", "channels", "dilation_base", "seed"},
    "receptive-field": set(),
}


def run(args: argparse.Namespace) -> int:
    given = {k for k in DEFAULTS if getattr(args, k) not in (None, False)}
    unused = sorted(given - USED[args.theorem])
    if unused:
        names = ", ".join("--" + k.replace("_", "-") for k in unused)
        reads = ", ".join("--" + k.replace("_", "-") for k in sorted(USED[args.theorem])) or "no option"
        raise InvalidArgument(f"--theorem {args.theorem} does not use {names} (it reads {reads}); "
                              "omit it rather than have it ignored")
    v = {k: DEFAULTS[k] if getattr(args, k) is None else getattr(args, k) for k in DEFAULTS}
    proof = prove(layers=v["layers"], kernel=v["kernel"], dims=v["dims"], channels=v["channels"],
                  base=v["dilation_base"], nonlinearity=v["nonlinearity"], correlation=v["correlation"],
                  origin=v["origin"], theorem=args.theorem, seed=v["seed"])
    write_output(render_proof(proof, args.format), args.out)
    return 0 if proof.proved else 1
