r"""Independent checker for ``qtt-rank`` certificates (exact representability by a dilated cascade).

Imports nothing from kronconv (standard library only): from the claim parameters
(kernel entries, ``a``, ``L``, ``C``) it re-derives the zero-padding, the digit
reordering, every QTT unfolding, its exact rank (fraction-free Bareiss elimination
on Python integers -- a different algorithm from the prover's multi-modular one),
and the verdict "representable iff every rank <= C".  It then compares, exactly,
the certificate's statement (regenerated from a template), verdict, rank list, and
either the refutation witness (an unfolding whose rank exceeds ``C``) or the
construction witness (rational weights ``W_l``, whose composed kernel it recomputes
as sums over channel paths of products of digit entries and compares with the kernel).

Resources are estimated before any work: at most :data:`MAX_ENTRIES` kernel entries
and :data:`MAX_WORK` Bareiss operations.

Examples
--------
>>> cert = {"theorem": "qtt-rank", "claim": {"theorem": "qtt-rank", "kernel": [1, 2, 3, 6], "shape": [4],
...         "kernel_size": 2, "layers": 2, "channels": 1, "dims": 1},
...         "statement": statement(2, 2, 1, 1, [4]), "proved": True, "verdict": "proved",
...         "witness": {"ranks": [1], "weights": [[[["1", "2"]]], [[["1", "3"]]]]}}
>>> check_qtt_certificate(cert).ok
True
>>> cert["witness"]["ranks"] = [2]
>>> check_qtt_certificate(cert).reasons
['claimed ranks [2] differ from the re-derived exact ranks [1]']
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

__all__ = ["MAX_ENTRIES", "MAX_WORK", "CheckResult", "bareiss_rank", "check_qtt_certificate", "statement"]

#: Largest padded kernel (entries) the checker accepts.
MAX_ENTRIES = 1 << 14
#: Largest total Bareiss work (sum of rows * cols * min(rows, cols) over the unfoldings), and largest work of
#: composing a witness (positions * sum over layers of C_out * C_in): about ten seconds of Python arithmetic.
MAX_WORK = 1 << 23
_CLAIM_KEYS = {"theorem", "kernel", "shape", "kernel_size", "layers", "channels", "dims"}


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    reasons: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)


def statement(a: int, layers: int, channels: int, dims: int, shape: list[int]) -> str:
    """The statement a ``qtt-rank`` certificate must carry, regenerated from its parameters."""
    return (f"The given {'x'.join(map(str, shape))} kernel, zero-padded to {a}^{layers} per axis, is the composed "
            f"kernel of a linear {layers}-layer cascade of {a}^{dims}-tap kernels with {channels} channel(s) between "
            f"layers and dilations {a}^l (l = 0..{layers - 1})")


def bareiss_rank(rows: list[list[int]]) -> int:
    """Rank over Q of an integer matrix (fraction-free Gaussian elimination).

    Examples
    --------
    >>> bareiss_rank([[2, 4, 6], [1, 2, 3], [0, 1, 1]])
    2
    """
    m = [list(r) for r in rows]
    if not m or not m[0]:
        return 0
    nr, nc = len(m), len(m[0])
    rank, prev = 0, 1
    for c in range(nc):
        piv = next((i for i in range(rank, nr) if m[i][c] != 0), None)
        if piv is None:
            continue
        m[rank], m[piv] = m[piv], m[rank]
        p = m[rank][c]
        for i in range(rank + 1, nr):
            f = m[i][c]
            m[i] = [(p * x - f * y) // prev for x, y in zip(m[i], m[rank])]
        prev = p
        rank += 1
        if rank == nr:
            break
    return rank


def _flatten(x: Any, depth: int) -> list[Any]:
    if depth == 0:
        return [x]
    if not isinstance(x, list):
        raise TypeError("kernel nesting does not match its shape")
    return [v for item in x for v in _flatten(item, depth - 1)]


def _int(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError(f"kernel entry {v!r} is not an integer")
    return v


def _padded(claim: Mapping[str, Any]) -> tuple[dict[tuple[int, ...], int], int, int, int, int]:
    a, L, C, D = (claim[k] for k in ("kernel_size", "layers", "channels", "dims"))
    for name, v, lo in (("kernel_size", a, 2), ("layers", L, 1), ("channels", C, 1), ("dims", D, 1)):
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise ValueError(f"claim {name} must be an integer >= {lo}, got {v!r}")
    if D > 3:
        raise ValueError(f"claim dims must be 1, 2 or 3, got {D}")
    shape = claim["shape"]
    if not isinstance(shape, list) or len(shape) != D or any(isinstance(n, bool) or not isinstance(n, int) or n < 1
                                                             for n in shape):
        raise ValueError(f"claim shape {shape!r} is not {D} positive integers")
    if L > 64 or a**L > 1 << 20 or (a**L) ** D > MAX_ENTRIES:
        raise ValueError(f"padded kernel ({a}^{L})^{D} exceeds the checker limit MAX_ENTRIES = {MAX_ENTRIES}")
    if any(n > a**L for n in shape):
        raise ValueError(f"kernel shape {shape} exceeds a^L = {a**L} per axis")
    flat = _flatten(claim["kernel"], D)
    size = 1
    for n in shape:
        size *= n
    if len(flat) != size:
        raise ValueError(f"kernel has {len(flat)} entries, shape {shape} needs {size}")
    entries = {}
    for idx, v in zip(itertools.product(*(range(n) for n in shape)), flat):
        entries[idx] = _int(v)
    return entries, a, L, C, D


def _unfolding(entries: Mapping[tuple[int, ...], int], a: int, L: int, D: int, l: int) -> list[list[int]]:
    """Rows: coarse digits (levels L-1..l+1), columns: fine digits (levels l..0); each level a D-tuple."""
    n = a**D
    rows, cols = n ** (L - 1 - l), n ** (l + 1)
    out = [[0] * cols for _ in range(rows)]
    for pos, v in entries.items():
        if v == 0:
            continue
        # level digits of every axis; level tuple index = sum_d digit_d * a^(D-1-d)
        lev = [0] * L
        for d, t in enumerate(pos):
            for lv in range(L):
                lev[lv] += ((t // a**lv) % a) * a ** (D - 1 - d)
        r = 0
        for lv in range(L - 1, l, -1):
            r = r * n + lev[lv]
        c = 0
        for lv in range(l, -1, -1):
            c = c * n + lev[lv]
        out[r][c] = v
    return out


def _compose(weights: list[Any], a: int, L: int, D: int, extent: int) -> dict[tuple[int, ...], Fraction]:
    """Composed kernel of rational weights by the digit formula: sum over channel paths of products."""
    ws = []
    for l, w in enumerate(weights):
        if not isinstance(w, list) or not w or not all(isinstance(row, list) and row for row in w):
            raise ValueError(f"weight {l} is not a (C_out, C_in, taps) nested list")
        ws.append([[[Fraction(str(v)) for v in _flatten(taps, D)] for taps in row] for row in w])
    if ws[0] and len(ws[0][0]) != 1 or len(ws[-1]) != 1:
        raise ValueError("first layer must have C_in = 1 and last layer C_out = 1")
    for l in range(1, L):
        if len(ws[l][0]) != len(ws[l - 1]):
            raise ValueError(f"layer {l} expects {len(ws[l][0])} channels, layer {l - 1} gives {len(ws[l - 1])}")
    for l, w in enumerate(ws):
        if any(len(taps) != a**D for row in w for taps in row):
            raise ValueError(f"layer {l} kernels must have {a}^{D} taps")
    out = {}
    for pos in itertools.product(range(extent), repeat=D):
        vec = [Fraction(1)]  # channel vector after layer l (starts: one input channel)
        for l in range(L):
            q = 0
            for d in range(D):
                q = q * a + (pos[d] // a**l) % a
            vec = [sum((row[i][q] * vec[i] for i in range(len(vec))), Fraction(0)) for row in ws[l]]
        out[pos] = vec[0]
    return out


def check_qtt_certificate(cert: Mapping[str, Any]) -> CheckResult:
    """Re-check a ``qtt-rank`` certificate (a dict with ``claim``, ``statement``, ``proved``/``verdict``,
    ``witness``); see the module docstring.  Never raises on malformed input: it rejects."""
    reasons: list[str] = []
    checked: list[str] = []
    try:
        claim = cert["claim"]
        if not isinstance(claim, Mapping) or set(claim) != _CLAIM_KEYS:
            return CheckResult(False, [f"claim must have exactly the fields {sorted(_CLAIM_KEYS)}"])
        if claim["theorem"] != "qtt-rank" or cert.get("theorem") != "qtt-rank":
            return CheckResult(False, [f"unknown theorem {cert.get('theorem')!r} (this checker knows 'qtt-rank')"])
        entries, a, L, C, D = _padded(claim)
        work = sum((a**D) ** (L - 1 - l) * (a**D) ** (l + 1) * min((a**D) ** (L - 1 - l), (a**D) ** (l + 1))
                   for l in range(L - 1))
        if work > MAX_WORK:
            return CheckResult(False, [(f"rank re-derivation needs about {work} operations, above the checker "
                                        f"limit MAX_WORK = {MAX_WORK}")])
        want = statement(a, L, C, D, list(claim["shape"]))
        if cert.get("statement") != want:
            reasons.append(f"statement differs from the one regenerated from the claim: {want!r}")
        ranks = [bareiss_rank(_unfolding(entries, a, L, D, l)) for l in range(L - 1)]
        checked.append(f"exact ranks {ranks} (Bareiss) of the {L - 1} unfolding(s)")
        representable = all(r <= C for r in ranks)
        proved = cert.get("proved")
        if proved is not representable or cert.get("verdict") != ("proved" if representable else "refuted"):
            reasons.append(f"verdict {cert.get('verdict')!r} / proved {proved!r} differ from the re-derived "
                           f"{'proved' if representable else 'refuted'} (ranks {ranks}, C = {C})")
        wit = cert.get("witness")
        if wit is None:  # a Proof.to_dict(): the witness is the evidence of its instance certificate
            inst = [c for c in cert.get("certificate", []) if isinstance(c, Mapping) and c.get("kind") == "instance"]
            wit = inst[0].get("evidence", {}).get("witness") if len(inst) == 1 else None
        if not isinstance(wit, Mapping):
            return CheckResult(False, reasons + ["certificate has no witness"], checked)
        if wit.get("ranks") != ranks:
            reasons.append(f"claimed ranks {wit.get('ranks')!r} differ from the re-derived exact ranks {ranks}")
        if representable and (L > 1 or "weights" in wit):
            wl = list(wit.get("weights") or [])
            cwork = (a**L) ** D * sum(len(w) * len(w[0]) if isinstance(w, list) and w and isinstance(w[0], list)
                                      else 1 for w in wl)
            if cwork > MAX_WORK:
                msg = f"composing the witness needs about {cwork} operations, above the checker limit MAX_WORK = {MAX_WORK}"
                return CheckResult(False, [*reasons, msg], checked)
            got = _compose(wl, a, L, D, a**L)
            bad = [p for p, v in got.items() if v != entries.get(p, 0)]
            if bad:
                reasons.append(f"witness weights compose to a different kernel (first difference at {bad[0]})")
            else:
                checked.append("witness weights compose exactly to the kernel (channel-path sums, fractions)")
            widths = [len(w) for w in wit["weights"][:-1]]
            if any(c > C for c in widths):
                reasons.append(f"witness uses {max(widths)} channels, more than C = {C}")
        elif not representable:
            l = wit.get("unfolding")
            if isinstance(l, bool) or not isinstance(l, int) or not 0 <= l < L - 1:
                reasons.append(f"refutation witness names unfolding {l!r}, not one of 0..{L - 2}")
            elif ranks[l] <= C or wit.get("rank") != ranks[l]:
                reasons.append(f"refutation witness: unfolding {l} has exact rank {ranks[l]} (claimed "
                               f"{wit.get('rank')!r}), which must exceed C = {C}")
            else:
                checked.append(f"unfolding {l} has exact rank {ranks[l]} > C = {C}: no {C}-channel cascade")
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError) as exc:
        return CheckResult(False, reasons + [f"cannot re-derive: {type(exc).__name__}: {exc}"], checked)
    return CheckResult(not reasons, reasons, checked)
