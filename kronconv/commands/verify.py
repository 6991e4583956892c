"""``kronconv verify CERT.json``: re-check a saved proof with the small independent checker.

parse -> :func:`kronconv.verify.verify_file` -> render -> write.  Exit 0 ok, 1 rejected
(with the reasons), 2 unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..errors import InvalidArgument, KronconvError, short_repr
from ..verify import verify_file
from ._common import write_output


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("verify", help="re-check a saved certificate (kronconv prove --format json)",
                       description="Re-derive a saved proof's claims with a checker that shares no code with "
                                   "the prover: structure, content hash, SymPy obligations, the instance claim "
                                   "by the unit-vector reduction, counterexamples by direct convolution. "
                                   "Exit 0 ok, 1 rejected, 2 unreadable input.")
    p.add_argument("certificates", metavar="CERT.json", nargs="+",
                   help="one or more files written by kronconv prove --format json")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    p.add_argument("--out", metavar="FILE", help="write the output to FILE instead of standard output")
    p.set_defaults(func=run)


def _verify(path: str) -> Any:
    try:
        return verify_file(path)
    except KronconvError as exc:  # Python's digit-limit error suggests a setting; the user needs the reason
        if "set_int_max_str_digits" in str(exc):
            raise InvalidArgument(f"certificate {short_repr(path)}: an integer has more than "
                                  f"{sys.get_int_max_str_digits()} digits; no certificate holds such numbers "
                                  "(regenerate it with kronconv prove)") from None
        raise


def run(args: argparse.Namespace) -> int:
    results = [(path, _verify(path)) for path in args.certificates]  # unreadable input raises: exit 2
    if args.format == "json":
        items = [{"certificate": path, "ok": res.ok, "reasons": res.reasons, "checked": res.checked}
                 for path, res in results]
        text = json.dumps(items[0] if len(items) == 1 else {"ok": all(i["ok"] for i in items),
                                                            "certificates": items}, indent=2)
    else:
        blocks = []
        for path, res in results:
            if res.ok:
                blocks.append("ok: " + path + "\n" + "\n".join(f"  checked: {c}" for c in res.checked))
            else:
                blocks.append("rejected: " + path + "\n" + "\n".join(f"  reason: {r}" for r in res.reasons))
        if len(results) > 1:
            bad = sum(not res.ok for _, res in results)
            blocks.append(f"{len(results) - bad} ok, {bad} rejected")
        text = "\n".join(blocks)
    write_output(text, args.out)
    return 0 if all(res.ok for _, res in results) else 1
