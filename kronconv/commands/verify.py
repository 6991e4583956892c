"""``kronconv verify CERT.json``: re-check a saved proof with the small independent checker.

parse -> :func:`kronconv.verify.verify_file` -> render -> write.  Exit 0 ok, 1 rejected
(with the reasons), 2 malformed input; with several files, one line per malformed file and
the worst status.

``--coq`` re-runs the Coq layer: with ``coqc`` on ``PATH`` the shipped development is
recompiled (:func:`kronconv.coqref.check_with_coqc`) and ``Print Assumptions`` must be closed
for every theorem the accepted certificates cite (else exit 1, with the reason); without
``coqc`` the output says that the Coq layer was not re-run (exit status unaffected).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..errors import InvalidArgument, KronconvError, short_repr
from ..verify import VerifyResult, verify_file
from ._common import write_output


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("verify", help="re-check a saved certificate (kronconv prove --format json)",
                       description="Regenerate a saved certificate from its theorem kind and claim with a "
                                   "checker that shares no code with the prover, and compare: statement, "
                                   "verdict (re-derived), steps, obligations, facts, ranks, counterexamples "
                                   "(replayed) and related reports. Exit 0 ok, 1 rejected (first difference "
                                   "named), 2 malformed input (one line per file).")
    p.add_argument("certificates", metavar="CERT.json", nargs="+",
                   help="one or more files written by kronconv prove --format json")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    p.add_argument("--out", metavar="FILE", help="write the output to FILE instead of standard output")
    p.add_argument("--coq", action="store_true",
                   help="also re-run the Coq layer: with coqc on PATH, recompile the shipped development and require "
                        "Print Assumptions to be closed for every cited theorem; without coqc, say it was not re-run")
    p.set_defaults(func=run)


def _cited(d: Any) -> set[str]:
    """Names of the Coq theorems cited by the general steps of a certificate and its related reports."""
    out = {s["coq"]["theorem"] for s in d.get("steps", []) if isinstance(s, dict) and isinstance(s.get("coq"), dict)}
    for r in d.get("related", []):
        out |= _cited(r)
    return out


def coq_layer(paths: list[str]) -> dict[str, Any]:
    """Re-run the Coq layer for the theorems cited in ``paths`` (already accepted by the checker).

    Returns ``{"rerun", "ok", "cited", "message", ...}``; ``ok`` is ``None`` when ``coqc`` is absent.
    """
    from .. import coqref
    from ..verify.core import load

    cited = sorted(set().union(*(_cited(load(p)) for p in paths))) if paths else []
    exe = coqref.coqc_path()
    if exe is None:
        return {"rerun": False, "ok": None, "cited": cited,
                "message": "the Coq layer was not re-run: coqc is not on PATH (the citations were checked against "
                           "the statement hashes of the shipped .v files only)"}
    chk = coqref.check_with_coqc(coqc=exe)
    open_ = [n for n in cited if n not in chk.closed]
    ok = chk.compiled and not open_
    if not chk.compiled:
        msg = f"the Coq development does not compile: {chk.message.strip()[:2000]}"
    elif open_:
        msg = f"Print Assumptions is not closed for cited theorem(s) {', '.join(open_)}"
    else:
        msg = (f"re-run with {chk.version.splitlines()[0] if chk.version else exe}: the development compiled and "
               f"Print Assumptions is closed under the global context for all {len(cited)} cited theorem(s)")
    return {"rerun": True, "ok": ok, "cited": cited, "closed": [n for n in cited if n in chk.closed],
            "not_closed": open_, "coqc": exe, "version": chk.version, "seconds": round(chk.seconds, 1), "message": msg}


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
    if len(args.certificates) == 1:  # malformed input raises: one line, exit 2
        results = [(args.certificates[0], _verify(args.certificates[0]))]
    else:  # many files: one line each (malformed ones included), exit status the worst
        results = []
        for path in args.certificates:
            try:
                results.append((path, _verify(path)))
            except InvalidArgument as exc:
                results.append((path, VerifyResult(ok=False, reasons=[f"malformed: {exc}"])))
    coq = coq_layer([path for path, res in results if res.ok]) if args.coq else None
    if args.format == "json":
        items = [{"certificate": path, "ok": res.ok, "reasons": res.reasons, "checked": res.checked}
                 for path, res in results]
        obj = items[0] if len(items) == 1 else {"ok": all(i["ok"] for i in items), "certificates": items}
        if coq is not None:
            obj["coq"] = coq
        text = json.dumps(obj, indent=2)
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
        if coq is not None:
            blocks.append(("coq: " if coq["ok"] is not False else "coq: FAILED: ") + coq["message"])
        text = "\n".join(blocks)
    write_output(text, args.out)
    if any(r.reasons and r.reasons[0].startswith("malformed: ") for _, r in results):
        return 2
    if coq is not None and coq["ok"] is False:
        return 1
    return 0 if all(res.ok for _, res in results) else 1
