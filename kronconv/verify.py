r"""The small, independent checker behind ``kronconv verify CERT.json``.

It shares no code with the prover (only NumPy, SymPy and the standard library;
the one kronconv import is the error class) and re-derives every claim from the
certificate's *stated parameters* with its own, simpler method:

* **Structure and integrity**: schema, field types, unique step ids, premises that
  name earlier steps, scopes, certificate kinds (a numeric certificate must carry
  backend, dtype, error bound and seed), verdict = all certificates hold, and the
  SHA-256 content hash.
* **Obligations**: every stored SymPy obligation is parsed with a name whitelist
  (no ``eval`` of arbitrary code) and discharged again; independently, the checker
  rebuilds the facts each general rule needs (its own table, :data:`REQUIRED`) and
  checks them, so weakening a stored obligation does not weaken the proof.
* **The cascade instance, by the unit-vector reduction.**  Every entry of the
  composed kernel, and of the claimed Kronecker kernel, is a polynomial that is
  *linear in each layer's entries separately* (multilinear by layer): each monomial
  takes exactly one entry from each layer.  A polynomial
  :math:`P = \sum_j c_j \prod_l k_l[j_l]` of that form is determined by its values at
  the unit choices (all entries 0 except one per layer, equal to 1):
  :math:`P(e_{j_0}, \dots, e_{j_{L-1}}) = c_j`.  So the two kernels are equal as
  polynomials iff they are equal for every unit choice.  With unit kernels the
  cascade is a chain of shifted impulses — nonzero iff the chosen channels chain,
  at offset :math:`\pm\sum_l d_l (q_l - r)` — and the Kronecker kernel is an
  impulse at ``numpy.kron``'s position of the chosen taps (computed with
  ``numpy.kron`` itself when small).  Offsets decompose per axis, so it suffices to
  compare, on one axis, all :math:`a^L` tap tuples; channels only decide *whether*
  both sides are nonzero.  Exact integers throughout.
* **Counterexamples** are replayed by direct sparse convolution (with the stated
  nonlinearity), the claimed side by ``numpy.kron`` of the dense kernels.
* **Kronecker ranks** are recomputed from the recorded integer kernels (own dense
  convolution, own rearrangement, ``sympy.Matrix.rank``); the kernels must match the seed.

Examples
--------
>>> from kronconv.theorems import prove
>>> verify_dict(prove(layers=2).to_dict()).ok
True
>>> d = prove(layers=2).to_dict(); d["claim"]["dilations"] = [1, 2]
>>> r = verify_dict(d); r.ok, r.reasons[0][:26]
(False, 'content hash mismatch: the')
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import stat
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from .errors import InvalidArgument

__all__ = ["MAX_CERT_BYTES", "MAX_CERT_DEPTH", "REQUIRED", "VerifyResult", "cascade_holds", "verify_dict",
           "verify_file"]

_NAMES = {"Symbol", "Integer", "Rational", "Add", "Mul", "Pow", "floor", "Mod", "Equality", "Sum", "Tuple",
          "integer", "positive", "nonnegative", "True", "False", "true", "false", "tanh", "Half", "One",
          "Zero", "NegativeOne", "BooleanTrue", "Piecewise", "ExprCondPair"}
_S = {n: sp.Symbol(n, integer=True, positive=True) for n in ("m", "n", "d", "a", "b", "k", "L", "v")}
_S.update({n: sp.Symbol(n, integer=True, nonnegative=True) for n in ("i", "j", "u", "tau", "l", "r")})
_S["t"] = sp.Symbol("t", integer=True)


def _f(text: str) -> sp.Expr:
    return sp.parse_expr(text, local_dict=dict(_S))


#: Facts each general rule needs, as expressions that must simplify to 0 (``0 <`` for tuples).
REQUIRED: dict[str, list[Any]] = {
    "dilation-as-convolution": [_f("floor(d*tau/d) - tau"), _f("Mod(d*tau, d)")],
    "dilation-as-kronecker": [_f("Mod(d*(m - 1) + v, d) - Mod(v, d)")],
    "kronecker-lemma": [_f("n*(m - 1) + n - 1 - (m*n - 1)"), _f("(n*i + j)/n - i - j/n"),
                        _f("n*floor(t/n) + Mod(t, n) - t"), ("pos", _f("1 - (n - 1 - u)/n")),
                        ("pos", _f("m - (m*n - 1)/n"))],
    "induction-base": [_f("a**0 - 1")],
    "induction-step": [_f("a*a**(l + 1) - a**(l + 2)")],
    "induction-conclusion": [],
    "channel-bilinearity": [],
    "correlation-reflection": [_f("(-t + d*tau) + (t - d*tau)")],
    "extent-induction": [_f("1 + (a - 1)*(b - 1)/(b - 1) - a"),
                         _f("(a - 1)*(b**(L + 1) - 1)/(b - 1) - (a - 1)*(b**L - 1)/(b - 1) - (a - 1)*b**L")],
    "centred-index": [_f("r*((2*r + 1)**L - 1) - r*(2*r)*Sum((2*r + 1)**l, (l, 0, L - 1))")],
}


#: Rules a general step must cite (by the rule of its premises): the shape of the induction.
PREMISES = {"kronecker-lemma": {"dilation-as-convolution"},
            "induction-step": {"kronecker-lemma", "induction-base"},
            "induction-conclusion": {"induction-base", "induction-step"}}


@dataclass
class VerifyResult:
    """``ok`` when every check passed; ``reasons`` says why not; ``checked`` lists what was checked."""

    ok: bool = True
    reasons: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def fail(self, why: str) -> None:
        self.ok = False
        self.reasons.append(why)


def _parse(text: str) -> sp.Basic:
    bare = re.sub(r"'[A-Za-z0-9_\[\],]*'", "''", str(text))
    bad = [n for n in re.findall(r"[A-Za-z_]\w*", bare) if n not in _NAMES]
    if bad or len(text) > 20000:
        raise ValueError(f"disallowed name {bad[0]!r}" if bad else "expression too long")
    with sp.evaluate(False):
        return sp.sympify(text)


def _zero(e: Any) -> bool:
    if isinstance(e, tuple):
        return bool(sp.simplify(e[1]).is_positive)
    return bool(sp.simplify(sp.sympify(e).rewrite(sp.floor).doit()) == 0)


def _obligation_holds(kind: str, e: sp.Basic) -> bool:
    if kind == "equal":
        if e is sp.true:
            return True
        return isinstance(e, sp.Equality) and _zero(e.lhs - e.rhs)
    s = sp.simplify(sp.sympify(e).rewrite(sp.floor).doit())
    return bool({"positive": s.is_positive, "nonnegative": s.is_nonnegative, "true": s is sp.true}.get(kind))


def _hash(d: dict[str, Any]) -> str:
    body = json.dumps({k: v for k, v in d.items() if k != "hash"}, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(body.encode()).hexdigest()


# --------------------------------------------------------------------------- cascade re-derivation


def _kron_positions(a: int, L: int, order: str) -> np.ndarray:
    """Kernel index of kron(e_{q_{L-1}}, ..., e_{q_0}) (or the reversed order) for all tap tuples, 1-D."""
    tuples = np.array(list(product(range(a), repeat=L)), dtype=np.int64)[:, ::-1]  # column l = q_l
    if a**L <= 4096:  # literally with numpy.kron
        out = np.empty(len(tuples), np.int64)
        eye = np.eye(a, dtype=np.int64)
        for n, q in enumerate(tuples):
            seq = [eye[q[l]] for l in range(L)]
            seq = seq[::-1] if order == "last-outer" else seq  # outer factor first
            v = seq[0]
            for w in seq[1:]:
                v = np.kron(v, w)
            out[n] = int(np.argmax(v))
        return out
    w = a ** np.arange(L) if order == "last-outer" else a ** np.arange(L)[::-1]
    return tuples @ w


def cascade_holds(claim: dict[str, Any]) -> tuple[bool, str]:
    """Decide a linear cascade claim by the unit-vector reduction (see the module docstring)."""
    a, L, C = int(claim["kernel"]), int(claim["layers"]), int(claim["channels"])
    dil = [int(x) for x in claim["dilations"]]
    if len(dil) != L or a < 1 or C < 1 or a**L > 10**7:
        raise ValueError("claim parameters out of the checker's range")
    if C > 1 and L > 1 and not claim["channel_sum"]:
        return False, "a unit choice whose channel path changes channel is nonzero in the cascade only"
    r = (a - 1) // 2 if claim["origin"] == "centre" else 0
    N = a**L
    tuples = np.array(list(product(range(a), repeat=L)), dtype=np.int64)[:, ::-1]
    cascade = (tuples - r) @ np.array(dil, dtype=np.int64)  # kernel index of the chained impulse
    kidx = _kron_positions(a, L, claim["order"])
    if claim["flip"]:
        kidx = (N - 1) - kidx
    kidx = kidx - (N - 1) // 2 if claim["origin"] == "centre" else kidx
    bad = np.flatnonzero(cascade != kidx)
    if bad.size:
        return False, f"tap tuple {tuples[bad[0]].tolist()} lands at {int(cascade[bad[0]])}, claimed {int(kidx[bad[0]])}"
    return True, "all unit choices agree"


def _dense_unit(entries: list[dict[str, Any]], layer: int, C: int, a: int, D: int, r: int) -> np.ndarray:
    k = np.zeros((C, C) + (a,) * D, dtype=object)
    for e in entries:
        if e["layer"] == layer:
            k[(e["out"], e["in"]) + tuple(int(x) + r for x in e["tap"])] += e["value"]
    return k


def _replay(claim: dict[str, Any], ce: dict[str, Any]) -> tuple[Any, Any]:
    """(cascade value, claimed value) of a counterexample, recomputed."""
    a, L, C, D = (int(claim[k]) for k in ("kernel", "layers", "channels", "dims"))
    r = (a - 1) // 2 if claim["origin"] == "centre" else 0
    s = 1 if claim["correlation"] else -1
    sig = {(ce["input"]["channel"],) + tuple(ce["input"]["position"]): ce["input"]["value"]}
    for l in range(L):
        nxt: dict[tuple[int, ...], Any] = {}
        for e in (e for e in ce["kernels"] if e["layer"] == l):
            for key, f in sig.items():
                if key[0] == e["in"]:
                    t = tuple(p - s * claim["dilations"][l] * q for p, q in zip(key[1:], e["tap"]))
                    nxt[(e["out"],) + t] = nxt.get((e["out"],) + t, 0) + e["value"] * f
        if l < L - 1 and claim["nonlinearity"] != "none":
            fn = (lambda x: max(x, 0)) if claim["nonlinearity"] == "relu" else math.tanh
            nxt = {k: fn(v) for k, v in nxt.items()}
        sig = nxt
    got = sig.get((ce["output_channel"],) + tuple(ce["position"]), 0)
    ks = [_dense_unit(ce["kernels"], l, C, a, D, r) for l in range(L)]
    i0, o = ce["input"]["channel"], ce["output_channel"]
    paths = product(range(C), repeat=L - 1) if claim["channel_sum"] or C == 1 else [None]
    total = None
    for p in paths:
        chans = [i0, *p, o] if p is not None else None
        fac = [ks[l][chans[l + 1], chans[l]] if chans else ks[l][o, i0] for l in range(L)]
        if any(not f.any() for f in fac):
            continue
        seq = fac[::-1] if claim["order"] == "last-outer" else fac
        v = seq[0]
        for w in seq[1:]:
            v = np.kron(v, w)
        total = v if total is None else total + v
    if total is None:
        return got, 0
    N = a**L
    if claim["flip"]:
        total = total[(slice(None, None, -1),) * D]
    off = (N - 1) // 2 if claim["origin"] == "centre" else 0
    tau = [(p - q) * -s for p, q in zip(ce["position"], ce["input"]["position"])]
    idx = tuple(x + off for x in tau)
    want = total[idx] * ce["input"]["value"] if all(0 <= x < N for x in idx) else 0
    return got, want


# --------------------------------------------------------------------------- Kronecker rank re-derivation


def _composed(kernels: list[np.ndarray], dil: list[int]) -> np.ndarray:
    comp = None
    for k, d in zip(kernels, dil):
        C, D, a = k.shape[0], k.ndim - 2, k.shape[-1]
        dk = np.zeros((C, C) + (d * (a - 1) + 1,) * D, dtype=object)
        dk[(slice(None), slice(None)) + (slice(None, None, d),) * D] = k
        if comp is None:
            comp = dk
            continue
        n1, n2 = dk.shape[2], comp.shape[2]
        out = np.zeros((C, C) + (n1 + n2 - 1,) * D, dtype=object)
        for idx in np.ndindex(*dk.shape[2:]):
            for o, c in np.ndindex(C, C):
                if dk[(o, c) + idx]:
                    out[(o, slice(None)) + tuple(slice(x, x + n2) for x in idx)] += dk[(o, c) + idx] * comp[c]
        comp = out
    assert comp is not None
    return comp


def _check_rank(d: dict[str, Any], res: VerifyResult) -> None:
    c = d["claim"]
    inst = [x for x in d["certificate"] if x["kind"] == "instance"]
    if not inst:
        return res.fail("kronecker-rank: no instance certificate")
    ev = inst[0]["evidence"]
    if "extent-induction" not in {s["rule"] for s in d["steps"]} or not all(_zero(e) for e in REQUIRED["extent-induction"]):
        return res.fail("kronecker-rank: the extent induction step is missing")
    L, a, b, D, C, seed = (int(c[k]) for k in ("layers", "kernel", "base", "dims", "channels", "seed"))
    extent = 1 + (a - 1) * sum(b**l for l in range(L))
    if extent**D > MAX_CHECK_TERMS or L * C * C * a**D > MAX_CHECK_TERMS:
        return res.fail(f"kronecker-rank: claim parameters out of the checker's range (extent {extent}, "
                        f"{D}-D, {C} channel(s), {L} layers)")
    rng = np.random.default_rng(seed)
    ks = [rng.integers(-3, 4, size=(C, C) + (a,) * D) for _ in range(L)]
    if [k.tolist() for k in ks] != ev["kernels"]:
        return res.fail("kronecker-rank: recorded kernels do not match the seed")
    k00 = _composed([np.array(k, dtype=object) for k in ks], [b**l for l in range(L)])[0, 0]
    E = k00.shape[0]
    if E != c["extent"] or E != ev["extent"] or E != 1 + (a - 1) * sum(b**l for l in range(L)):
        return res.fail(f"kronecker-rank: extent is {E}, certificate says {c['extent']}")
    facs = [(p, E // p) for p in range(2, E) if E % p == 0]
    if [(x["outer"], x["inner"]) for x in ev["ranks"]] != facs:
        return res.fail("kronecker-rank: factorisations listed do not match the extent")
    for row in ev["ranks"]:
        if "exact_rank" in row:
            p, q = row["outer"], row["inner"]
            R = k00.reshape(sum(((p, q) for _ in range(D)), ()))
            R = R.transpose(tuple(range(0, 2 * D, 2)) + tuple(range(1, 2 * D, 2))).reshape(p**D, q**D)
            rank = sp.Matrix(R.tolist()).rank()
            if rank != row["exact_rank"]:
                return res.fail(f"kronecker-rank: exact rank w.r.t. {p}x{q} is {rank}, certificate says "
                                f"{row['exact_rank']}")
    res.checked.append(f"kronecker-rank: extent {E}, {len(facs)} factorisation(s) re-derived")


# --------------------------------------------------------------------------- driver


#: Largest composed-kernel term count the checker re-derives (the prover's MAX_TERMS is 2**23).
MAX_CHECK_TERMS = 1 << 23
#: Most kernel entries a counterexample may list (the prover's use one unit entry per layer).
MAX_CE_ENTRIES = 4096


def _check_cascade(d: dict[str, Any], res: VerifyResult) -> None:
    c = d["claim"]
    a, L = int(c["kernel"]), int(c["layers"])
    size = int(c["channels"]) ** (L + 1) * a ** (int(c["dims"]) * L)
    if size > MAX_CHECK_TERMS:
        return res.fail(f"claim parameters out of the checker's range: {size} composed-kernel terms, "
                        f"above {MAX_CHECK_TERMS}")
    rules = {s["rule"] for s in d["steps"] if s["scope"] == "general"}
    st = d["statement"]
    first, last = st.find("K_0"), st.find(f"K_{L - 1}", st.find(" equals "))
    if (f"L = {L} layers" not in st or f"d = {c['dilations']}" not in st or ("flip(" in st) != c["flip"]
            or ("⋆" in st) != c["correlation"] or (L > 1 and (first < 0 or last < 0
                                                          or (last < first) != (c["order"] == "last-outer")))):
        res.fail("the statement text does not match the claim's parameters")
    general = (c["dilations"] == [a**l for l in range(L)] and (c["order"] == "last-outer" or L == 1)
               and not c["flip"] and (c["channels"] == 1 or c["channel_sum"] or L == 1)
               and (c["nonlinearity"] == "none" or L == 1))
    if "symbolic" in d["kinds"]:
        if not general:
            res.fail("a symbolic certificate for a claim outside the general theorem's form")
        need = {"dilation-as-convolution", "kronecker-lemma", "induction-base", "induction-step",
                "induction-conclusion"}
        need |= {"channel-bilinearity"} if c["channels"] > 1 else set()
        need |= {"correlation-reflection"} if c["correlation"] else set()
        need |= {"centred-index"} if c["origin"] == "centre" else set()
        if need - rules:
            res.fail(f"general proof is missing step(s) with rule {sorted(need - rules)}")
        by_id = {s["id"]: s["rule"] for s in d["steps"]}
        for s in d["steps"]:
            cited = {by_id.get(p) for p in s["premises"]}
            if PREMISES.get(s["rule"], set()) - cited:
                res.fail(f"step {s['id']} ({s['rule']}) does not rest on {sorted(PREMISES[s['rule']] - cited)}")
        for rule in sorted(need):
            if not all(_zero(e) for e in REQUIRED[rule]):  # pragma: no cover - SymPy regression
                res.fail(f"required fact of rule {rule} does not hold")
    if c["nonlinearity"] != "none" and L > 1:
        truth, why = False, "nonlinearity between layers"
    else:
        truth, why = cascade_holds(c)
        inst = [s for s in d["steps"] if s["rule"] == "exact-instance-check"]
        if not inst:
            res.fail("no exact-instance-check step")
        else:
            f = inst[0]["facts"]
            C, D = int(c["channels"]), int(c["dims"])
            ext = [1 + (a - 1) * sum(c["dilations"])] * D
            terms = C ** (L + 1) * a ** (D * L)
            if f.get("equal") is not truth or f.get("cascade_extent") != ext or f.get("cascade_terms") != terms:
                res.fail(f"instance facts disagree with the re-derivation (equal={truth}, extent={ext}, terms={terms})")
    if d["proved"] is not truth:
        res.fail(f"verdict {'proved' if d['proved'] else 'refuted'} is wrong: the checker finds "
                 f"{'it holds' if truth else 'it fails'} ({why})")
    if general and not truth:  # pragma: no cover
        res.fail("checker inconsistency: general form but the instance fails")
    ces = [s["facts"] for s in d["steps"] if s["rule"] == "counterexample"]
    if not d["proved"] and not ces:
        res.fail("a refutation without a counterexample step")
    for ce in ces:
        kernels = ce.get("kernels")
        if not isinstance(kernels, list) or len(kernels) > MAX_CE_ENTRIES:
            res.fail(f"counterexample kernels must be a list of at most {MAX_CE_ENTRIES} entries")
            continue
        got, want = _replay(c, ce)
        bound = 0.0
        numeric = [x for x in d["certificate"] if x["kind"] == "numeric"]
        if numeric:
            bound = float(numeric[0]["evidence"]["error_bound"])
        if abs(got - ce["cascade_value"]) > bound or want != ce["claimed_value"]:
            res.fail(f"counterexample replays to cascade {got}, claim {want}; certificate says "
                     f"{ce['cascade_value']}, {ce['claimed_value']}")
        elif abs(got - want) <= bound:
            res.fail(f"counterexample does not separate the sides: {got} vs {want} (bound {bound})")
        else:
            res.checked.append(f"counterexample replayed: cascade {got} vs claimed {want}")
    res.checked.append(f"cascade claim re-derived: {'holds' if truth else 'fails'} ({why})")


def _check_rf(d: dict[str, Any], res: VerifyResult) -> None:
    want = {"plain-stack": ("l*(k - 1) + k", "k", "(k - 1)", "l"), "kronecker-cascade": ("a**L", "a", "(a - 1)*a**L", "L"),
            "yu-koltun": ("2**(i + 2) - 1", "3", "2*2**(i + 1)", "i")}
    names = {s["facts"].get("claim") for s in d["steps"] if s["rule"] == "rf-induction"}
    if names != set(want):
        return res.fail(f"receptive-field proof covers {sorted(n for n in names if n)}, needs {sorted(want)}")
    for name, (f, base, inc, v) in want.items():
        e, var = _f(f), _S[v]
        first = 0 if v in ("l", "i") else 1
        if not (_zero(e.subs(var, first) - _f(base)) and _zero(e.subs(var, var + 1) - e - _f(inc))):
            res.fail(f"receptive-field induction for {name} fails")
    res.checked.append("receptive-field inductions re-derived")


def _check_dilation(d: dict[str, Any], res: VerifyResult) -> None:
    c = d["claim"]
    a, D, dd = int(c["kernel"]), int(c["dims"]), int(c["dilation"])
    rules = {s["rule"] for s in d["steps"]}
    if {"dilation-as-convolution", "dilation-as-kronecker"} - rules:
        return res.fail("dilation-lemma proof is missing a general step")
    ok = True
    for q in range(a):  # unit reduction, one axis: kron(e_q, E_d) trimmed has its 1 at d*q
        big = np.kron(np.eye(a, dtype=int)[q], np.eye(dd, dtype=int)[0])[: dd * (a - 1) + 1]
        ok = ok and int(np.argmax(big)) == dd * q and int(big.sum()) == 1
    inst = [s["facts"] for s in d["steps"] if s["rule"] == "exact-instance-check"]
    if not inst or inst[0].get("diluted_extent") != [dd * (a - 1) + 1] * D:
        res.fail("dilation-lemma instance facts disagree with the re-derivation")
    if d["proved"] is not ok:
        res.fail("dilation-lemma verdict disagrees with the re-derivation")
    res.checked.append(f"dilation lemma re-derived for a={a}, d={dd}, D={D}")


def _check(d: Any, res: VerifyResult, where: str = "proof") -> None:
    if not isinstance(d, dict):
        return res.fail(f"{where}: not a JSON object")
    keys = ("schema", "theorem", "statement", "claim", "proved", "verdict", "kinds", "assumptions", "steps",
            "certificate", "related", "hash")
    missing = [k for k in keys if k not in d]
    if missing:
        return res.fail(f"{where}: missing field(s) {missing}")
    if d["schema"] != "kronconv-proof/1":
        return res.fail(f"{where}: unknown schema {d['schema']!r}")
    if d["hash"] != _hash(d):
        res.fail(f"content hash mismatch: the {where} was edited after it was written")
    if not isinstance(d["proved"], bool) or d["verdict"] != ("proved" if d["proved"] else "refuted"):
        res.fail(f"{where}: verdict field inconsistent with 'proved'")
    seen: set[str] = set()
    for s in d["steps"]:
        if s.get("scope") not in ("general", "instance") or not isinstance(s.get("id"), str):
            res.fail(f"{where}: step {s.get('id')!r} has a bad scope or id")
        for p in s.get("premises", []):
            if p not in seen:
                res.fail(f"{where}: step {s['id']} cites {p}, which is not an earlier step")
        if s["id"] in seen:
            res.fail(f"{where}: duplicate step id {s['id']}")
        seen.add(s["id"])
        for o in s.get("obligations", []):
            try:
                e = _parse(o["expr"])
            except (ValueError, TypeError, SyntaxError, sp.SympifyError) as exc:
                res.fail(f"{where}: step {s['id']}: obligation does not parse ({exc})")
                continue
            if not _obligation_holds(o["kind"], e):
                res.fail(f"{where}: step {s['id']}: obligation {o.get('text', o['expr'])} ({o['kind']}) does not hold")
    certs = d["certificate"]
    if not certs or [x.get("kind") for x in certs] != d["kinds"]:
        res.fail(f"{where}: certificate list empty or kinds field inconsistent")
    for x in certs:
        if x.get("kind") not in ("symbolic", "instance", "numeric"):
            res.fail(f"{where}: unknown certificate kind {x.get('kind')!r}")
        if x.get("kind") == "numeric" and {"backend", "dtype", "error_bound", "seed"} - set(x.get("evidence", {})):
            res.fail(f"{where}: numeric certificate without backend/dtype/error_bound/seed")
    if d["proved"] != all(x.get("holds") for x in certs):
        res.fail(f"{where}: verdict disagrees with the certificates")
    try:
        {"cascade": _check_cascade, "receptive-field": _check_rf, "dilation-lemma": _check_dilation,
         "kronecker-rank": _check_rank}[d["theorem"]](d, res)
    except KeyError as exc:
        res.fail(f"{where}: unknown theorem or missing field {exc}")
    except (ValueError, TypeError, IndexError, AttributeError, OverflowError, ZeroDivisionError) as exc:
        res.fail(f"{where}: cannot re-derive ({type(exc).__name__}: {str(exc)[:200]})")
    for n, r in enumerate(d["related"]):
        _check(r, res, f"related[{n}]")


def verify_dict(d: Any) -> VerifyResult:
    """Check a proof record (as loaded from JSON).

    A record that is not shaped like a certificate at all (wrong JSON types,
    parameters outside the prover's ranges, nesting too deep) raises
    :class:`InvalidArgument`; a well-formed record whose claims do not check out
    is rejected with reasons (``ok`` false).
    """
    if _nesting(d, MAX_CERT_DEPTH) > MAX_CERT_DEPTH:
        raise InvalidArgument(f"nested deeper than {MAX_CERT_DEPTH} levels")
    _validate(d, "proof")
    res = VerifyResult()
    _check(d, res)
    return res


# --------------------------------------------------------------------------- shape of a certificate

_STR_FIELDS = ("schema", "theorem", "statement", "verdict", "hash")
_LIST_FIELDS = ("kinds", "assumptions", "notes")
#: Claim parameters: (low, high) for integers; the prover's own ranges.
_CLAIM_INTS = {"layers": (1, 64), "kernel": (1, 64), "dims": (1, 3), "channels": (1, 64), "base": (1, 1 << 20),
               "dilation": (1, 4096), "seed": (0, 1 << 31), "extent": (1, 1 << 62)}
_CLAIM_BOOLS = ("correlation", "flip", "channel_sum")
_CLAIM_CHOICES = {"nonlinearity": ("none", "relu", "tanh"), "origin": ("corner", "centre"),
                  "order": ("last-outer", "first-outer")}
MAX_RELATED_DEPTH = 4


def _type_name(v: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number",
            type(None): "null"}.get(type(v), type(v).__name__)


def _need(cond: bool, where: str, want: str, got: Any) -> None:
    if not cond:
        shown = repr(got) if isinstance(got, (int, float, str, bool)) and len(repr(got)) <= 40 else _type_name(got)
        raise InvalidArgument(f"{where} must be {want}, got {shown}")


def _validate(d: Any, where: str, depth: int = 0) -> None:
    """Raise :class:`InvalidArgument` unless ``d`` has a certificate's JSON types (missing fields are left
    to the checker, which rejects them with a reason)."""
    _need(isinstance(d, dict), where, "a JSON object", d)
    if depth > MAX_RELATED_DEPTH:
        raise InvalidArgument(f"{where}: related proofs nest deeper than {MAX_RELATED_DEPTH} levels")
    for k in _STR_FIELDS:
        if k in d:
            _need(isinstance(d[k], str), f"{where}.{k}", "a string", d[k])
    for k in _LIST_FIELDS:
        if k in d:
            _need(isinstance(d[k], list), f"{where}.{k}", "an array", d[k])
    if "kinds" in d:
        for i, x in enumerate(d["kinds"]):
            _need(isinstance(x, str), f"{where}.kinds[{i}]", "a string", x)
    if "proved" in d:
        _need(isinstance(d["proved"], bool), f"{where}.proved", "true or false", d["proved"])
    if "claim" in d:
        c = d["claim"]
        _need(isinstance(c, dict), f"{where}.claim", "an object", c)
        for k, (lo, hi) in _CLAIM_INTS.items():
            if k in c:
                v = c[k]
                _need(isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi, f"{where}.claim.{k}",
                      f"an integer in [{lo}, {hi}]", v)
        for k in _CLAIM_BOOLS:
            if k in c:
                _need(isinstance(c[k], bool), f"{where}.claim.{k}", "true or false", c[k])
        for k, choices in _CLAIM_CHOICES.items():
            if k in c:
                _need(c[k] in choices, f"{where}.claim.{k}", "one of " + ", ".join(choices), c[k])
        if "dilations" in c:
            dil = c["dilations"]
            _need(isinstance(dil, list) and len(dil) <= 64, f"{where}.claim.dilations",
                  "an array of at most 64 integers", dil)
            for i, v in enumerate(dil):
                _need(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 1 << 40,
                      f"{where}.claim.dilations[{i}]", f"an integer in [1, {1 << 40}]", v)
    if "steps" in d:
        _need(isinstance(d["steps"], list), f"{where}.steps", "an array", d["steps"])
        for i, st in enumerate(d["steps"]):
            w = f"{where}.steps[{i}]"
            _need(isinstance(st, dict), w, "an object", st)
            for k in ("id", "rule", "scope", "claim"):
                if k in st:
                    _need(isinstance(st[k], str), f"{w}.{k}", "a string", st[k])
            if "premises" in st:
                _need(isinstance(st["premises"], list) and all(isinstance(x, str) for x in st["premises"]),
                      f"{w}.premises", "an array of strings", st["premises"])
            if "obligations" in st:
                _need(isinstance(st["obligations"], list), f"{w}.obligations", "an array", st["obligations"])
                for j, o in enumerate(st["obligations"]):
                    _need(isinstance(o, dict) and isinstance(o.get("expr"), str) and isinstance(o.get("kind"), str),
                          f"{w}.obligations[{j}]", "an object with string 'expr' and 'kind'", o)
            if "facts" in st:
                _need(isinstance(st["facts"], dict), f"{w}.facts", "an object", st["facts"])
    if "certificate" in d:
        _need(isinstance(d["certificate"], list), f"{where}.certificate", "an array", d["certificate"])
        for i, x in enumerate(d["certificate"]):
            w = f"{where}.certificate[{i}]"
            _need(isinstance(x, dict), w, "an object", x)
            if "holds" in x:
                _need(isinstance(x["holds"], bool), f"{w}.holds", "true or false", x["holds"])
            if "evidence" in x:
                _need(isinstance(x["evidence"], dict), f"{w}.evidence", "an object", x["evidence"])
    if "related" in d:
        _need(isinstance(d["related"], list), f"{where}.related", "an array", d["related"])
        for i, r in enumerate(d["related"]):
            _validate(r, f"{where}.related[{i}]", depth + 1)


#: Largest certificate file read, in bytes.
MAX_CERT_BYTES = 64 << 20
#: Deepest nesting of lists/objects accepted in a certificate (genuine ones nest about 10 deep).
MAX_CERT_DEPTH = 64


def _nesting(obj: Any, limit: int) -> int:
    """Nesting depth of lists/dicts, stopping early past ``limit`` (iterative: no recursion)."""
    stack = [(obj, 1)]
    deepest = 0
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            stack.extend((c, depth + 1) for c in (item.values() if isinstance(item, dict) else item))
    return deepest


def _reject_constant(name: str) -> Any:
    raise InvalidArgument(f"{name} is not a JSON number")


def verify_file(path: str | Path) -> VerifyResult:
    """Load and check ``path``; unreadable or non-JSON input raises :class:`InvalidArgument` (exit 2)."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError as exc:
        raise InvalidArgument(f"cannot read certificate {str(p)!r}: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):  # a directory, FIFO or device would block or never end
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise InvalidArgument(f"certificate {str(p)!r} is {kind}; give a .json file")
    if st.st_size > MAX_CERT_BYTES:
        raise InvalidArgument(f"certificate {str(p)!r} is larger than 64 MiB")
    try:
        with open(p, "rb") as fh:
            raw = fh.read(MAX_CERT_BYTES + 1)
    except OSError as exc:
        raise InvalidArgument(f"cannot read certificate {str(p)!r}: {exc.strerror}") from None
    if len(raw) > MAX_CERT_BYTES:
        raise InvalidArgument(f"certificate {str(p)!r} is larger than 64 MiB")
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except InvalidArgument as exc:
        raise InvalidArgument(f"certificate {str(p)!r} is not valid: {exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidArgument(f"certificate {str(p)!r} is not JSON: {exc}") from None
    except RecursionError:
        raise InvalidArgument(f"certificate {str(p)!r} is nested too deeply (at most {MAX_CERT_DEPTH} levels)") from None
    except ValueError as exc:  # e.g. integers longer than Python's digit limit
        raise InvalidArgument(f"certificate {str(p)!r} is not valid: {str(exc).splitlines()[0]}") from None
    try:
        return verify_dict(data)
    except InvalidArgument as exc:
        raise InvalidArgument(f"certificate {str(p)!r}: {exc}") from None
