"""Theorem kinds ``receptive-field`` (three closed forms) and ``dilation-lemma`` (dilation = ``K ⊗ E_d``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InvalidArgument
from .coqcite import cite
from .core import REGISTRY, Kind
from .steps import cert, general, obligations, step
from .table import ASSUMPTIONS, GENERAL, RF_ASSUMPTIONS

#: name -> (kernel, dilation of layer j) of the three receptive-field claims, checked with k = a = 3.
RF = {"plain-stack": (3, lambda j: 1), "kronecker-cascade": (3, lambda j: 3**j), "yu-koltun": (3, lambda j: 2**j)}
RF_TEXT = ("a plain stack of k x k layers has field l(k − 1) + k after layer l (from 0); a cascade of a x a layers "
           "with dilations a^l has field a^L after L layers; Yu & Koltun: 3x3 layers with dilations 2^i give F_(i+1) "
           "a field of 2^(i+2) − 1")


def _rf_claimed(name: str, m: int) -> int:
    """The claimed field after ``m + 1`` layers (k = a = 3)."""
    return {"plain-stack": m * 2 + 3, "kronecker-cascade": 3 ** (m + 1), "yu-koltun": 2 ** (m + 2) - 1}[name]


def expect_rf(c: dict[str, Any], got: dict[str, Any] | None = None) -> dict[str, Any]:
    n = c["check_layers"]
    steps, inst, ok = [], {}, True
    for i, (name, (k, dil)) in enumerate(RF.items()):
        text, rows = GENERAL[f"rf-induction:{name}"]
        obs, holds = obligations(rows)
        ok = ok and holds
        steps.append(step(f"S{2 * i + 1}", text, "rf-induction", [], "general", obs, {"claim": name},
                          cite(f"rf-induction:{name}")))
        # own recurrence: r = 1, then r += (k - 1) d_j per layer
        fields = [1 + sum((k - 1) * dil(j) for j in range(m + 1)) for m in range(n)]
        ok = ok and fields == [_rf_claimed(name, m) for m in range(n)]
        inst[name] = fields
        steps.append(step(f"S{2 * i + 2}", f"Instance (k = a = 3): chain_fields gives {fields} for the first {n} depths, "
                                           "matching the formula.", "exact-evaluation", [f"S{2 * i + 1}"], "instance",
                          facts={"claim": name, "fields": fields}))
    certs = [cert("symbolic", RF_TEXT, "SymPy: closed form minus claim simplifies to 0; base case and recurrence", True,
                  {"claims": list(RF)}),
             cert("instance", f"the three formulas match exact chain arithmetic for {n} depths with k = a = 3",
                  "kronconv.formulas.chain_fields (integers)", ok, {"fields": inst})]
    return {"theorem": "receptive-field", "claim": dict(c), "statement": "Receptive fields: plain stack l(k − 1) + k; "
            "Kronecker cascade a^L; Yu & Koltun 2^(i+2) − 1", "proved": ok, "verdict": "proved" if ok else "refuted",
            "kinds": ["symbolic", "instance"], "assumptions": list(RF_ASSUMPTIONS), "steps": steps,
            "certificate": certs, "notes": [], "related": []}


def expect_lemma(c: dict[str, Any], got: dict[str, Any] | None = None) -> dict[str, Any]:
    a, D, dd, corr = c["kernel"], c["dims"], c["dilation"], c["correlation"]
    if c["origin"] == "centre" and a % 2 == 0:
        raise InvalidArgument(f"claim.origin 'centre' needs an odd kernel, got kernel {a}")
    s1, ok1 = general("S1", "dilation-as-convolution", [], dims=D)
    s2, ok2 = general("S2", "dilation-as-kronecker", ["S1"], dims=D)
    truth = True
    for q in range(a):  # unit reduction on one axis: kron(e_q, e_0 of length d) trimmed has its single 1 at d*q
        big = np.kron(np.eye(a, dtype=np.int64)[q], np.eye(dd, dtype=np.int64)[0])[: dd * (a - 1) + 1]
        truth = truth and int(np.argmax(big)) == dd * q and int(big.sum()) == 1
    ext = [dd * (a - 1) + 1] * D
    op = "⋆" if corr else "*"
    s3 = step("S3", f"Instance: for a {'x'.join([str(a)] * D)} kernel of symbols and d = {dd}, K {op}_d F and "
                    f"(K ⊗ E_d)_trimmed {op} F have the same terms (exact monomial comparison)",
              "exact-instance-check", ["S1", "S2"], "instance", facts={"terms": a**D, "equal": truth, "diluted_extent": ext})
    certs = [cert("symbolic", "for all kernel sizes m ≥ 1 and dilations d ≥ 1: K *_d F = (K ⊗ E_d)_trimmed * F",
                  "index argument; SymPy obligations in S1–S2; cited numpy.kron index map", ok1 and ok2,
                  {"steps": ["S1", "S2"]}),
             cert("instance", f"a = {a}, D = {D}, d = {dd}: equal entry by entry", "exact monomial multiset comparison",
                  truth, {"terms": a**D, "extent": ext})]
    proved = truth and ok1 and ok2
    return {"theorem": "dilation-lemma", "claim": dict(c), "statement": f"A dilated convolution K {op}_d F equals the "
            f"plain {'correlation' if corr else 'convolution'} with the diluted kernel K ⊗ E_d (trailing zeros trimmed)",
            "proved": proved, "verdict": "proved" if proved else "refuted", "kinds": ["symbolic", "instance"],
            "assumptions": list(ASSUMPTIONS), "steps": [s1, s2, s3], "certificate": certs, "notes": [], "related": []}


REGISTRY["receptive-field"] = Kind({"theorem": "theorem", "check_layers": (1, 64)}, expect_rf)
REGISTRY["dilation-lemma"] = Kind({"theorem": "theorem", "kernel": (1, 64), "dims": (1, 3), "dilation": (1, 4096),
                                   "correlation": bool, "origin": ("corner", "centre")}, expect_lemma)
