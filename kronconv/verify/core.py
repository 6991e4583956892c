"""The checker's core: reading with limits, the certificate's shape, regeneration and comparison.

A certificate's only inputs are its ``theorem`` and ``claim``.  :func:`check` asks the
theorem kind's module (:data:`REGISTRY`) for the certificate an honest prover emits for
that claim -- statement, verdict, steps, obligations, facts, certificates, notes and the
claims of the related reports -- and compares the whole record with it: integers, strings,
booleans and structure exactly, floats within a tolerance the kind module derives
(:class:`Approx`).  Malformed input (wrong shape or types, unknown fields or kinds, old
schema, parameters beyond the limits) raises :class:`InvalidArgument` (exit 2); a
well-formed record that differs from the regeneration is rejected with the first
difference (exit 1).
"""

from __future__ import annotations

import hashlib
import json
import math
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InvalidArgument
from .coqcite import CitationError, citation_defect

SCHEMA = "kronconv-proof/2"
#: Largest certificate file read, in bytes.
MAX_CERT_BYTES = 32 << 20
#: Most JSON values (objects, arrays, scalars) in one certificate, counted before parsing.
MAX_CERT_NODES = 2_000_000
#: Deepest nesting of lists/objects accepted in a certificate (genuine ones nest about 10 deep).
MAX_CERT_DEPTH = 64
#: Deepest chain of related reports.
MAX_RELATED_DEPTH = 4
TOP_KEYS = ("schema", "theorem", "statement", "claim", "proved", "verdict", "kinds", "assumptions", "steps",
            "certificate", "notes", "related", "hash")


class Mismatch(Exception):
    """A well-formed certificate that is not what the checker regenerates (exit 1)."""


@dataclass(frozen=True)
class Approx:
    """A float the checker recomputed, with the tolerance it derived (stated in the reason on failure)."""

    value: float
    tol: float


@dataclass
class VerifyResult:
    """``ok`` when every check passed; ``reasons`` says why not; ``checked`` lists what was checked."""

    ok: bool = True
    reasons: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def fail(self, why: str) -> None:
        self.ok = False
        self.reasons.append(why)


@dataclass(frozen=True)
class Kind:
    """One theorem kind: claim fields ``{name: (low, high), choices, bool, validator, ...}`` and the regenerator
    ``expect(claim, certificate)`` (the certificate is consulted only for declared free fields)."""

    claim: dict[str, Any]
    expect: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]


#: Theorem kind -> :class:`Kind`; filled by the kind modules (one module per kind).
REGISTRY: dict[str, Kind] = {}


def content_hash(d: dict[str, Any]) -> str:
    body = json.dumps({k: v for k, v in d.items() if k != "hash"}, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(body.encode()).hexdigest()


def _short(v: Any) -> str:
    if isinstance(v, Approx):
        return f"{v.value!r} (within {v.tol:.3g})"
    text = (json.dumps(v, ensure_ascii=False, default=lambda o: o.value if isinstance(o, Approx) else repr(o))
            if not isinstance(v, float) else repr(v))
    return text if len(text) <= 80 else text[:77] + "..."


def _type(v: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number",
            type(None): "null"}.get(type(v), type(v).__name__)


def diff(exp: Any, got: Any, path: str) -> str | None:
    """The first difference between the regeneration ``exp`` and the certificate ``got``, or ``None``."""
    if isinstance(exp, Approx):
        if type(got) not in (int, float) or not math.isfinite(got) or abs(got - exp.value) > exp.tol:
            return f"{path}: certificate has {_short(got)}, the checker derives {_short(exp)}"
        return None
    if type(exp) is not type(got):
        return f"{path}: certificate has {_type(got)} {_short(got)}, the checker derives {_short(exp)}"
    if isinstance(exp, dict):
        keys = _key_defect(exp, got, path)
        if keys:
            return keys
        for k in exp:
            why = diff(exp[k], got[k], f"{path}.{k}")
            if why:
                return why
        return None
    if isinstance(exp, list):
        if len(exp) != len(got):
            return f"{path}: certificate lists {len(got)} item(s), the checker derives {len(exp)}"
        for i, (e, g) in enumerate(zip(exp, got)):
            why = diff(e, g, f"{path}[{i}]")
            if why:
                return why
        return None
    if exp != got:
        return f"{path}: certificate has {_short(got)}, the checker derives {_short(exp)}"
    return None


def _key_defect(exp: dict[str, Any], got: dict[str, Any], path: str) -> str | None:
    """Missing and unknown fields of an object, or ``None`` when the key sets agree."""
    missing = [k for k in exp if k not in got]
    extra = [k for k in got if k not in exp]
    if not (missing or extra):
        return None
    return f"{path}: " + "; ".join(([f"missing field(s) {missing}"] if missing else [])
                                    + ([f"unknown field(s) {extra}"] if extra else []))


_WANT = {dict: "an object", list: "an array", str: "a string", bool: "true or false", int: "an integer",
         float: "a number", type(None): "null"}


def shape_defect(exp: Any, got: Any, path: str) -> str | None:
    """The first place where ``got`` has a different JSON type or key set than the regeneration ``exp``
    (a malformed certificate, exit 2), or ``None``; values and lengths are left to :func:`diff`."""
    if isinstance(exp, Approx):
        ok = type(got) in (int, float)
        want = "a number"
    else:
        ok = type(exp) is type(got)
        want = _WANT.get(type(exp), type(exp).__name__)
    if not ok:
        return f"{path} must be {want}, got {_type(got)}"
    if isinstance(exp, dict):
        keys = _key_defect(exp, got, path)
        if keys:
            return keys
        for k in exp:
            why = shape_defect(exp[k], got[k], f"{path}.{k}")
            if why:
                return why
    elif isinstance(exp, list):
        for i, (e, g) in enumerate(zip(exp, got)):
            why = shape_defect(e, g, f"{path}[{i}]")
            if why:
                return why
    return None


def _need(cond: bool, where: str, want: str, got: Any) -> None:
    if not cond:
        shown = repr(got) if isinstance(got, (int, float, str, bool)) and len(repr(got)) <= 40 else _type(got)
        raise InvalidArgument(f"{where} must be {want}, got {shown}")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def shape(d: Any, where: str, depth: int = 0) -> None:
    """Raise :class:`InvalidArgument` unless ``d`` has a certificate's top-level shape and a valid claim."""
    _need(isinstance(d, dict), where, "a JSON object", d)
    if depth > MAX_RELATED_DEPTH:
        raise InvalidArgument(f"{where}: related reports nest deeper than {MAX_RELATED_DEPTH} levels")
    schema = d.get("schema")
    if isinstance(schema, str) and schema.startswith("kronconv-proof/") and schema != SCHEMA:
        raise InvalidArgument(f"{where}: schema {schema} is no longer accepted (this checker reads {SCHEMA}); "
                              "regenerate the certificate with `kronconv prove ... --format json`")
    missing = [k for k in TOP_KEYS if k not in d]
    extra = [k for k in d if k not in TOP_KEYS]
    if missing or extra:
        raise InvalidArgument(f"{where}: " + "; ".join(([f"missing field(s) {missing}"] if missing else [])
                                                       + ([f"unknown field(s) {extra}"] if extra else [])))
    _need(schema == SCHEMA, f"{where}.schema", repr(SCHEMA), schema)
    for k in ("theorem", "statement", "verdict", "hash"):
        _need(isinstance(d[k], str), f"{where}.{k}", "a string", d[k])
    _need(isinstance(d["proved"], bool), f"{where}.proved", "true or false", d["proved"])
    for k in ("kinds", "assumptions", "steps", "certificate", "notes", "related"):
        _need(isinstance(d[k], list), f"{where}.{k}", "an array", d[k])
    kind = REGISTRY.get(d["theorem"])
    if kind is None:
        raise InvalidArgument(f"{where}.theorem: unknown theorem kind {d['theorem'][:40]!r} "
                              f"(this checker knows {', '.join(sorted(REGISTRY))})")
    c = d["claim"]
    _need(isinstance(c, dict), f"{where}.claim", "an object", c)
    missing = [k for k in kind.claim if k not in c]
    extra = [k for k in c if k not in kind.claim]
    if missing or extra:
        raise InvalidArgument(f"{where}.claim: " + "; ".join(([f"missing field(s) {missing}"] if missing else [])
                                                             + ([f"unknown field(s) {extra}"] if extra else [])))
    for k, spec in kind.claim.items():
        v, w = c[k], f"{where}.claim.{k}"
        if spec == "theorem":
            _need(v == d["theorem"], w, repr(d["theorem"]), v)
        elif spec is bool:
            _need(isinstance(v, bool), w, "true or false", v)
        elif callable(spec):  # the kind module's own validator (raises InvalidArgument)
            spec(v, w)
        elif isinstance(spec, tuple) and spec[0] == "ints":
            _, lo, hi, n = spec
            _need(isinstance(v, list) and len(v) <= n, w, f"an array of at most {n} integers", v)
            for i, x in enumerate(v):
                _need(_is_int(x) and lo <= x <= hi, f"{w}[{i}]", f"an integer in [{lo}, {hi}]", x)
        elif isinstance(spec, tuple) and spec and isinstance(spec[0], str):
            _need(v in spec, w, "one of " + ", ".join(spec), v)
        else:
            lo, hi = spec
            _need(_is_int(v) and lo <= v <= hi, w, f"an integer in [{lo}, {hi}]", v)
    for i, r in enumerate(d["related"]):
        shape(r, f"{where}.related[{i}]", depth + 1)


def check(d: dict[str, Any], res: VerifyResult, where: str = "proof") -> None:
    """Compare a well-shaped certificate with the checker's regeneration (see the module docstring)."""
    if d["hash"] != content_hash(d):
        res.fail(f"{where}: content hash mismatch: the certificate was edited after it was written")
    try:
        exp = REGISTRY[d["theorem"]].expect(d["claim"], d)
    except (Mismatch, CitationError) as exc:
        res.fail(f"{where}: {exc}")
        return
    why = citation_defect(exp.get("steps", []), d["steps"], where)
    if why:
        res.fail(why)
        return
    # The verdict first, by name, then everything else in the record's order.
    if d["proved"] is not exp["proved"]:
        res.fail(f"{where}: verdict {'proved' if d['proved'] else 'refuted'} is wrong: the checker finds the claim "
                 f"{'holds' if exp['proved'] else 'fails'}")
    related = exp.pop("related")
    for k in TOP_KEYS:
        if k in exp:
            why = shape_defect(exp[k], d[k], f"{where}.{k}")
            if why and d["proved"] is not exp["proved"]:  # the wrong verdict's record has another shape
                res.fail(why)
                return
            if why:
                raise InvalidArgument(why)
    for k in TOP_KEYS:
        if k in exp:
            why = diff(exp[k], d[k], f"{where}.{k}")
            if why:
                res.fail(why)
                break
    if len(related) != len(d["related"]):
        res.fail(f"{where}.related: certificate lists {len(d['related'])} report(s), the prover attaches "
                 f"{len(related)} for this claim")
        return
    for i, (want, r) in enumerate(zip(related, d["related"])):
        want = dict(want)
        if want.get("seed", 0) is None:  # the seed of a related rank report is its own claim parameter
            want["seed"] = r["claim"].get("seed")
        if "extent" in want and want["extent"] is None:
            want["extent"] = r["claim"].get("extent")
        why = diff(want, r["claim"], f"{where}.related[{i}].claim")
        if why:
            res.fail(why)
            continue
        check(r, res, f"{where}.related[{i}]")
    if res.ok:
        res.checked.append(f"{where}: {d['theorem']} regenerated from its claim and matched "
                           f"({'proved' if d['proved'] else 'refuted'})")


def count_nodes(obj: Any, limit: int) -> int:
    """JSON values in ``obj`` and its nesting depth, stopping early past the limits (iterative)."""
    stack = [(obj, 1)]
    n = 0
    while stack:
        item, depth = stack.pop()
        n += 1
        if n > limit:
            raise InvalidArgument(f"more than {limit} JSON values (limit MAX_CERT_NODES)")
        if depth > MAX_CERT_DEPTH:
            raise InvalidArgument(f"nested deeper than {MAX_CERT_DEPTH} levels (limit MAX_CERT_DEPTH)")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise InvalidArgument("a number is NaN or infinite")
    return n


def verify_dict(d: Any) -> VerifyResult:
    """Check a certificate record (as loaded from JSON).

    Malformed records raise :class:`InvalidArgument`; a well-formed record that is not
    what an honest prover emits for its claim gives ``ok`` false with reasons.
    """
    count_nodes(d, MAX_CERT_NODES)
    shape(d, "proof")
    res = VerifyResult()
    check(d, res)
    return res


def _finite(text: str) -> float:
    v = float(text)
    if not math.isfinite(v):
        raise InvalidArgument(f"number {text[:20]} is out of the float range")
    return v


def _reject_constant(name: str) -> Any:
    raise InvalidArgument(f"{name} is not a JSON number")


def load(path: str | Path) -> Any:
    """Read a certificate file within :data:`MAX_CERT_BYTES` and :data:`MAX_CERT_NODES` (counted on the
    raw bytes before anything is materialised)."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError as exc:
        raise InvalidArgument(f"cannot read certificate {str(p)!r}: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise InvalidArgument(f"certificate {str(p)!r} is {kind}; give a .json file")
    if st.st_size > MAX_CERT_BYTES:
        raise InvalidArgument(f"certificate {str(p)!r} is larger than {MAX_CERT_BYTES >> 20} MiB (MAX_CERT_BYTES)")
    try:
        with open(p, "rb") as fh:
            raw = fh.read(MAX_CERT_BYTES + 1)
    except OSError as exc:
        raise InvalidArgument(f"cannot read certificate {str(p)!r}: {exc.strerror}") from None
    if len(raw) > MAX_CERT_BYTES:
        raise InvalidArgument(f"certificate {str(p)!r} is larger than {MAX_CERT_BYTES >> 20} MiB (MAX_CERT_BYTES)")
    # Every JSON value but the first follows a ',' or opens after '[' / ':' -- an upper bound, before parsing.
    nodes = raw.count(b",") + raw.count(b"[") + raw.count(b"{") + 1
    if nodes > MAX_CERT_NODES:
        raise InvalidArgument(f"certificate {str(p)!r} may hold {nodes} JSON values, above the limit "
                              f"MAX_CERT_NODES = {MAX_CERT_NODES}")
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite)
    except InvalidArgument as exc:
        raise InvalidArgument(f"certificate {str(p)!r} is not valid: {exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidArgument(f"certificate {str(p)!r} is not JSON: {exc}") from None
    except RecursionError:
        raise InvalidArgument(f"certificate {str(p)!r} is nested too deeply (at most {MAX_CERT_DEPTH} levels)") from None
    except ValueError as exc:  # e.g. integers longer than Python's digit limit
        raise InvalidArgument(f"certificate {str(p)!r} is not valid: {str(exc).splitlines()[0]}") from None


def verify_file(path: str | Path) -> VerifyResult:
    """Load and check ``path``; malformed input raises :class:`InvalidArgument` naming the file (exit 2)."""
    data = load(path)
    try:
        return verify_dict(data)
    except InvalidArgument as exc:
        raise InvalidArgument(f"certificate {str(path)!r}: {exc}") from None
