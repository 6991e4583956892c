r"""Theorem kind ``cascade``: the cascade identity, its channel-sum form and every planted-false variant.

**Deciding the claim (the unit-vector reduction).**  Every entry of the composed kernel,
and of the claimed Kronecker kernel, is a polynomial linear in each layer's entries
separately, so the two are equal iff they agree at every *unit choice* (one entry 1 per
layer, all others 0).  With unit kernels the cascade is a chain of shifted impulses,
nonzero iff the chosen channels chain, at offset :math:`\pm\sum_l d_l (q_l - r)`; the claimed
kernel is one impulse at ``numpy.kron``'s index of the chosen taps (A3: on each axis
``kron(A, B)[n i + j] = A[i] B[j]``, so the factor for layer ``l`` has weight ``a^l`` when
the last layer is outermost).  Offsets decompose per axis, so comparing all :math:`a^L`
tap tuples on one axis decides the claim; channels only decide *whether* both sides are
nonzero.  Exact integers; work and memory :math:`O(a^L)`, bounded by :data:`MAX_TERMS`.

**Counterexamples** (refutations) are replayed by direct sparse convolution with the stated
nonlinearity; the claimed side is the impulse above.  The choice of separating unit kernels
is the one free part of a linear refutation: any separating 0/1 choice refutes the claim,
and everything derived from it (positions, values, texts) must match the replay.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import InvalidArgument
from .core import REGISTRY, Approx, Kind, Mismatch
from .limits import MAX_TERMS, rank_limits
from .steps import cert, general, step, tanh_obligation
from .table import ASSUMPTIONS, RANK_SKIPPED, REASONS, SYMBOLIC, SYMBOLIC_CHANNELS, SYMBOLIC_METHOD

#: Assumed accuracy of ``math.tanh`` near [0, 1], in units of 2**-52 (glibc documents <= 2 ulp).
TANH_ULPS = 2

CLAIM = {"theorem": "theorem", "layers": (1, 64), "kernel": (1, 64), "dims": (1, 3), "channels": (1, 64),
         "dilations": ("ints", 1, 1 << 40, 64), "nonlinearity": ("none", "relu", "tanh"), "correlation": bool,
         "origin": ("corner", "centre"), "order": ("last-outer", "first-outer"), "flip": bool, "channel_sum": bool}


def terms(c: dict[str, Any]) -> int:
    """Terms of the composed cascade operator (the prover's estimate): ``C**(L+1) * a**(D L)``."""
    return int(c["channels"]) ** (int(c["layers"]) + 1) * int(c["kernel"]) ** (int(c["dims"]) * int(c["layers"]))


def _kron_weights(a: int, L: int, order: str) -> list[int]:
    return [a**l for l in range(L)] if order == "last-outer" else [a ** (L - 1 - l) for l in range(L)]


def _kron_index(c: dict[str, Any], q: list[int]) -> int:
    """Claimed kernel index (one axis, after flip and centring) of the unit taps ``q`` (corner indices)."""
    a, L = c["kernel"], c["layers"]
    N = a**L
    k = sum(w * x for w, x in zip(_kron_weights(a, L, c["order"]), q))
    k = N - 1 - k if c["flip"] else k
    return k - (N - 1) // 2 if c["origin"] == "centre" else k


def cascade_holds(c: dict[str, Any]) -> tuple[bool, str]:
    """Decide a linear cascade claim by the unit-vector reduction (see the module docstring).

    Examples
    --------
    >>> base = {"kernel": 3, "layers": 2, "channels": 1, "channel_sum": False, "origin": "corner",
    ...         "order": "last-outer", "flip": False}
    >>> cascade_holds(dict(base, dilations=[1, 3]))
    (True, 'all unit choices agree')
    >>> cascade_holds(dict(base, dilations=[1, 2]))[0]
    False
    """
    a, L, C = int(c["kernel"]), int(c["layers"]), int(c["channels"])
    dil = [int(x) for x in c["dilations"]]
    if len(dil) != L or a < 1 or a**L > MAX_TERMS:
        raise InvalidArgument("claim parameters out of the checker's range")
    if C > 1 and L > 1 and not c["channel_sum"]:
        return False, "a unit choice whose channel path changes channel is nonzero in the cascade only"
    r = (a - 1) // 2 if c["origin"] == "centre" else 0
    w = _kron_weights(a, L, c["order"])
    q = np.arange(a, dtype=np.int64)
    casc = np.zeros(1, dtype=np.int64)
    kron = np.zeros(1, dtype=np.int64)
    for l in range(L):  # index = sum_l q_l a^l: q_0 varies fastest
        casc = (casc[None, :] + dil[l] * (q - r)[:, None]).ravel()
        kron = (kron[None, :] + w[l] * q[:, None]).ravel()
    N = a**L
    if c["flip"]:
        kron = (N - 1) - kron
    if c["origin"] == "centre":
        kron = kron - (N - 1) // 2
    bad = np.flatnonzero(casc != kron)
    if bad.size:
        n = int(bad[0])
        tup = [(n // a**l) % a for l in range(L)]
        return False, f"tap tuple {tup} lands at {int(casc[n])}, claimed {int(kron[n])}"
    return True, "all unit choices agree"


def general_form_reason(c: dict[str, Any]) -> str | None:
    a, L = c["kernel"], c["layers"]
    want = [a**l for l in range(L)]
    if c["dilations"] != want:
        return REASONS["dilations"].format(d=c["dilations"], w=want)
    if c["order"] != "last-outer" and L > 1:
        return REASONS["order"]
    if c["flip"]:
        return REASONS["flip"]
    if c["channels"] > 1 and not c["channel_sum"] and L > 1:
        return REASONS["channels"]
    if c["nonlinearity"] != "none" and L > 1:
        return REASONS["nonlinearity"].format(nl=c["nonlinearity"])
    return None


def statement(c: dict[str, Any]) -> str:
    """The checker's own rendering of the claim's statement."""
    L, C = c["layers"], c["channels"]
    idx = list(range(L - 1, -1, -1)) if c["order"] == "last-outer" else list(range(L))
    name = ("K_{0}" if C == 1 else "K_{0}[c_{1},c_{0}]" if c["channel_sum"] else "K_{0}[o,i]")
    names = [name.format(l, l + 1) for l in idx]
    prod = " ⊗ ".join(names) if len(names) <= 4 else f"{names[0]} ⊗ {names[1]} ⊗ ... ⊗ {names[-1]}"
    if C > 1 and c["channel_sum"]:
        inner = "c_1" if L == 2 else f"c_1..c_{L - 1}"
        prod = f"Σ_({inner}) {prod}  (c_{L} = o, c_0 = i)" if L > 1 else f"{prod}  (c_1 = o, c_0 = i)"
    if c["flip"]:
        prod = f"flip({prod})"
    op = "⋆" if c["correlation"] else "*"
    r = (c["kernel"] - 1) // 2
    rhs = f"({prod}) {op} F_0"
    if C > 1:
        rhs = f"Σ_i ({prod}) {op} F_0[i]" if not c["channel_sum"] else f"Σ_i K[o,i] {op} F_0[i] with K[o,i] = {prod}"
    nl = "" if c["nonlinearity"] == "none" else f", with {c['nonlinearity']} after every layer but the last"
    return (f"For L = {L} layers of {'x'.join([str(c['kernel'])] * c['dims'])} kernels ({c['dims']}-D, "
            f"{'one channel' if C == 1 else f'{C} channels'}, "
            f"{'indices from 0' if c['origin'] == 'corner' else f'indices −{r}..{r}'}, "
            f"{'cross-correlations' if c['correlation'] else 'true convolutions'}{nl}), the cascade F_(l+1) = K_l "
            f"{op}_(d_l) F_l with d = {c['dilations']} equals F_{L}[o] = {rhs}.")


def _unit_entries(c: dict[str, Any], ce: Any) -> tuple[list[dict[str, Any]], int, int, list[int]]:
    """The free part of a linear counterexample, validated: unit kernels, input channel, output channel, position."""
    L, a, D, C = c["layers"], c["kernel"], c["dims"], c["channels"]
    r = (a - 1) // 2 if c["origin"] == "centre" else 0
    if not isinstance(ce, dict):
        raise Mismatch("counterexample must be an object")
    ks, inp, o, pos = ce.get("kernels"), ce.get("input"), ce.get("output_channel"), ce.get("position")

    def ints(v: Any, n: int, lo: int, hi: int) -> bool:
        return isinstance(v, list) and len(v) == n and all(type(x) is int and lo <= x <= hi for x in v)

    if not isinstance(ks, list) or len(ks) != L:
        raise Mismatch(f"counterexample must give exactly {L} unit kernel entries (one per layer)")
    out = []
    for l, k in enumerate(ks):
        if not (isinstance(k, dict) and set(k) == {"layer", "out", "in", "tap", "value"} and k["layer"] == l
                and type(k["layer"]) is int and ints([k["out"], k["in"]], 2, 0, C - 1)
                and ints(k["tap"], D, -r, a - 1 - r) and k["value"] == 1 and type(k["value"]) is int):
            raise Mismatch(f"counterexample kernel entry {l} is not a unit entry of layer {l} within range")
        out.append({"layer": l, "out": k["out"], "in": k["in"], "tap": list(k["tap"]), "value": 1})
    if not (isinstance(inp, dict) and ints([inp.get("channel")], 1, 0, C - 1)):
        raise Mismatch(f"counterexample input channel must be an integer in [0, {C - 1}]")
    span = sum(c["dilations"]) * a + a**L
    if not (ints([o], 1, 0, C - 1) and ints(pos, D, -span, span)):
        raise Mismatch(f"counterexample output channel must be in [0, {C - 1}] and position {D} integers in "
                       f"[-{span}, {span}]")
    assert isinstance(o, int) and isinstance(pos, list)
    return out, int(inp["channel"]), o, list(pos)


def replay(c: dict[str, Any], ks: list[dict[str, Any]], i: int, o: int, pos: list[int]) -> dict[str, Any]:
    """Cascade and claimed values at ``(o, pos)`` for unit kernels ``ks`` and a unit impulse at channel ``i``."""
    L, a, D = c["layers"], c["kernel"], c["dims"]
    r = (a - 1) // 2 if c["origin"] == "centre" else 0
    s = -1 if c["correlation"] else 1
    chained = ks[0]["in"] == i and all(ks[l]["in"] == ks[l - 1]["out"] for l in range(1, L))
    where = [s * sum(d * k["tap"][ax] for d, k in zip(c["dilations"], ks)) for ax in range(D)] if chained else None
    cascade = 1 if chained and ks[-1]["out"] == o and where == pos else 0
    if c["channel_sum"] or c["channels"] == 1:
        formed = chained and ks[-1]["out"] == o
    else:
        formed = all(k["out"] == o and k["in"] == i for k in ks)
    at = [s * _kron_index(c, [k["tap"][ax] + r for k in ks]) for ax in range(D)]
    claimed = 1 if formed and at == pos else 0
    return {"cascade_position": where, "cascade_value": cascade, "claimed_value": claimed}


def _unit_text(k: dict[str, Any], C: int) -> str:
    ch = f"[{k['out']},{k['in']}]" if C > 1 else ""
    return f"K_{k['layer']}{ch}[{','.join(map(str, k['tap']))}] = 1"


def _nonlinear(c: dict[str, Any], got: Any) -> dict[str, Any]:
    L, D, nl = c["layers"], c["dims"], c["nonlinearity"]
    origin = [0] * D
    first = -1 if nl == "relu" else 1
    ks = [{"layer": l, "out": 0, "in": 0, "tap": origin, "value": first if l == 0 else 1} for l in range(L)]
    unit = [dict(k, value=1) for k in ks]
    claimed = first if replay(dict(c, nonlinearity="none"), unit, 0, 0, origin)["claimed_value"] else 0
    s1, _ = general("S1", "nonlinear-composition", [])
    ce: dict[str, Any] = {"kernels": ks, "input": {"channel": 0, "position": origin, "value": 1},
                          "output_channel": 0, "position": origin, "claimed_value": claimed, "nonlinearity": nl}
    if nl == "relu":
        if claimed == 0:
            raise Mismatch("no honest certificate has this claim: the prover refuses a nonlinearity combined "
                           "with another planted defect")
        ce["cascade_value"] = 0  # relu(-1) = 0 after layer 0, and 0 stays 0 through unit kernels
        s2 = step("S2", f"Counterexample: K_0 = −1 at the origin tap, K_1..K_{L - 1} = +1 at the origin tap, all other "
                        "taps 0 (and channels other than 0), F_0 = unit impulse. The claimed Kronecker convolution gives "
                        f"{claimed} at the origin; the cascade gives relu(−1) = 0 after layer 0 and 0 at the end. "
                        f"{claimed} ≠ 0.", "counterexample", ["S1"], "instance", facts=ce)
        certs = [cert("instance", statement(c), "exact integer counterexample", False, {"counterexample": ce})]
        holds = False
    else:
        if claimed != 1:
            raise Mismatch("no honest certificate has this claim: the prover refuses a nonlinearity combined "
                           "with another planted defect")
        k = L - 1
        val = 1.0
        for _ in range(k):
            val = math.tanh(val)
        # Each math.tanh call is within TANH_ULPS ulp of tanh and tanh is 1-Lipschitz: the float64 value is
        # within k * TANH_ULPS * 2**-52 of the exact tanh^k(1); the checker allows twice that (its own value
        # may err the other way).
        bound = k * TANH_ULPS * 2.0**-52
        ce["cascade_value"] = Approx(val, 2 * bound)
        obs, ok = tanh_obligation()
        s2 = step("S2", f"Counterexample: every kernel = +1 at the origin tap (others 0), F_0 = unit impulse: the claim "
                        f"gives 1 at the origin, the cascade gives tanh applied {k} time(s) to 1 ≈ {val:.12f}; "
                        "1 − tanh(1) > 0 exactly (SymPy), and tanh^(k)(1) ≤ tanh(1) < 1.", "counterexample", ["S1"],
                  "instance", obs, ce)
        certs = [cert("numeric", statement(c), "float64 evaluation of the cascade at the origin against the claimed "
                      "value, gap compared with a derived error bound", False,
                      {"backend": "python-math", "dtype": "float64", "error_bound": bound, "seed": None,
                       "gap": Approx(abs(1 - val), 2 * bound), "counterexample": ce})]
        holds = not ok  # the refutation rests on 1 - tanh(1) > 0
    return {"steps": [s1, s2], "certificate": certs, "proved": holds,
            "notes": [f"With one layer there is no 'between'; for L ≥ 2 the {nl} breaks linearity."]}


def _got_counterexample(got: dict[str, Any]) -> Any:
    for s in got.get("steps", []) if isinstance(got.get("steps"), list) else []:
        if isinstance(s, dict) and s.get("rule") == "counterexample":
            return s.get("facts")
    return None


def expect(c: dict[str, Any], got: dict[str, Any] | None = None) -> dict[str, Any]:
    """The certificate an honest prover emits for the cascade claim ``c`` (see :mod:`kronconv.verify.core`)."""
    L, a, C = c["layers"], c["kernel"], c["channels"]
    if len(c["dilations"]) != L:
        raise InvalidArgument(f"claim.dilations must list exactly {L} integers (one per layer), got "
                              f"{len(c['dilations'])}")
    if c["origin"] == "centre" and a % 2 == 0:
        raise InvalidArgument(f"claim.origin 'centre' needs an odd kernel, got kernel {a}")
    if c["channel_sum"] and C == 1:
        raise InvalidArgument("claim.channel_sum must be false with one channel (the claim's canonical form)")
    n_terms = terms(c)
    if n_terms > MAX_TERMS:
        raise InvalidArgument(f"claim needs {n_terms} composed-kernel terms, above the checker's limit "
                              f"MAX_TERMS = {MAX_TERMS} (the prover refuses it too)")
    head = {"theorem": "cascade", "statement": statement(c), "claim": dict(c), "assumptions": list(ASSUMPTIONS)}
    if c["nonlinearity"] != "none" and L > 1:
        body = _nonlinear(c, got)
    else:
        body = _linear(c, got or {})
    exp = {**head, **body}
    exp["verdict"] = "proved" if exp["proved"] else "refuted"
    exp["kinds"] = [x["kind"] for x in exp["certificate"]]
    exp["related"], skipped = related(c)
    if skipped:
        exp["notes"] = [*exp["notes"], RANK_SKIPPED]
    return exp


def _linear(c: dict[str, Any], got: dict[str, Any]) -> dict[str, Any]:
    L, a, D, C = c["layers"], c["kernel"], c["dims"], c["channels"]
    truth, _why = cascade_holds(c)
    reason = general_form_reason(c)
    steps: list[dict[str, Any]] = []
    ok = True
    specs = [("S1", "dilation-as-convolution", []), ("S2", "dilation-as-kronecker", ["S1"])]
    if reason is None:
        specs += [("S3", "kronecker-lemma", ["S1"]), ("S4", "induction-base", ["S1"]),
                  ("S5", "induction-step", ["S1", "S3", "S4"]), ("S6", "induction-conclusion", ["S4", "S5"])]
        last, n = "S6", 7
        for cond, rule in ((C > 1, "channel-bilinearity"), (c["correlation"], "correlation-reflection"),
                           (c["origin"] == "centre", "centred-index")):
            if cond:
                specs.append((f"S{n}", rule, [last]))
                last, n = f"S{n}", n + 1
    for sid, rule, prem in specs:
        s, holds = general(sid, rule, prem, dims=D)
        steps.append(s)
        ok = ok and holds
    if reason is None and not truth:  # pragma: no cover - would mean the general proof is wrong
        raise Mismatch("checker inconsistency: the general proof applies but the instance fails")
    single = C > 1 and not c["channel_sum"]
    lt = C ** (L + 1) * a ** (D * L)
    rt = C**2 * a ** (D * L) if single else lt
    le = [1 + (a - 1) * sum(c["dilations"])] * D
    re_ = [a**L] * D
    n = len(steps) + 1
    facts = {"cascade_terms": lt, "claimed_terms": rt, "cascade_extent": le, "claimed_extent": re_, "equal": truth}
    prem = [steps[-1]["id"]] if reason is None and len(steps) > 2 else ["S1"]
    steps.append(step(f"S{n}", f"Exact instance check: the composed cascade operator, computed from symbolic kernel "
                               f"entries ({C * C * a**D} symbols per layer), {'equals' if truth else 'differs from'} the "
                               f"claimed operator monomial by monomial ({lt} vs {rt} terms; extents "
                               f"{'x'.join(map(str, le))} vs {'x'.join(map(str, re_))}).",
                      "exact-instance-check", prem, "instance", facts=facts))
    certs = []
    notes = []
    if reason is None:
        certs.append(cert("symbolic", SYMBOLIC + (SYMBOLIC_CHANNELS if C > 1 else ""), SYMBOLIC_METHOD, ok,
                          {"steps": [s["id"] for s in steps if s["scope"] == "general"]}))
    else:
        notes.append(f"The general proof does not apply: {reason}.")
    ev: dict[str, Any] = {"terms": lt, "extent": le}
    if truth:
        certs.append(cert("instance", f"L = {L}, a = {a}, D = {D}, C = {C}: the composed kernel equals the claimed "
                          "Kronecker kernel entry by entry, as polynomials in the kernel entries",
                          "exact multiset comparison of monomials (integer index tuples, no floating point)", True, ev))
    else:
        ks, i, o, pos = _unit_entries(c, _got_counterexample(got))
        vals = replay(c, ks, i, o, pos)
        if vals["cascade_value"] == vals["claimed_value"]:
            raise Mismatch(f"counterexample does not separate the sides: both give {vals['cascade_value']} at "
                           f"channel {o}, position {pos}")
        ce = {"kernels": ks, "input": {"channel": i, "position": [0] * D, "value": 1},
              "cascade_position": vals["cascade_position"], "output_channel": o, "position": pos,
              "cascade_value": vals["cascade_value"], "claimed_value": vals["claimed_value"]}
        tail = (f"the cascade puts the product of these entries at {ce['cascade_position']})."
                if ce["cascade_position"] is not None else "the cascade never forms it: its channel path is broken).")
        steps.append(step(f"S{n + 1}", f"Counterexample: kernels zero except {', '.join(_unit_text(k, C) for k in ks)}; "
                                       f"F_0 = unit impulse at the origin of channel {i}. At channel {o}, position "
                                       f"{pos} the cascade gives {ce['cascade_value']} and the claim gives "
                                       f"{ce['claimed_value']} (" + tail, "counterexample", [f"S{n}"], "instance",
                          facts=ce))
        ev["counterexample"] = ce
        certs.append(cert("instance", f"the stated identity for L = {L}, a = {a}, D = {D}, C = {C}, "
                          f"d = {c['dilations']}", "exact monomial comparison; concrete 0/1 counterexample "
                          "re-checkable by direct convolution", False, ev))
    proved = truth and (ok or reason is not None)
    return {"steps": steps, "certificate": certs, "proved": proved, "notes": notes}


def related(c: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """Claims of the related reports the prover attaches (seed and extent left free), and whether a rank
    report was skipped for size."""
    L, a, D, C, d = c["layers"], c["kernel"], c["dims"], c["channels"], c["dilations"]
    out: list[dict[str, Any]] = []
    rank = False
    if C > 1 and not c["channel_sum"]:
        out.append(dict(c, channel_sum=True))
        rank = c["nonlinearity"] == "none"
    elif C == 1 and L > 1 and c["nonlinearity"] == "none" and d[1] != a and d == [d[1] ** l for l in range(L)]:
        rank = True
    if not rank:
        return out, False
    b = d[1] if L > 1 else a
    if rank_limits(L, a, b, D, C) is not None:
        return out, True
    out.append({"theorem": "kronecker-rank", "layers": L, "kernel": a, "base": b, "dims": D, "channels": C,
                "seed": None, "extent": None})
    return out, False


REGISTRY["cascade"] = Kind(CLAIM, expect)
