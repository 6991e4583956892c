r"""Kind ``qtt-rank``: exact representability of a kernel by a dilated cascade with ``C`` channels.

The claim parameters are the kernel's integer entries and shape, ``a`` (``kernel_size``), ``L``,
``C`` and ``D``.  From them :func:`expect` regenerates the certificate an honest
``kronconv prove --theorem qtt-rank`` emits: the zero-padding, the digit reordering, every QTT
unfolding and its exact rank (fraction-free Bareiss elimination on Python integers -- a
different algorithm from the prover's multi-modular one), the verdict "representable iff every
rank <= C", the statement (its own template), the general steps with their SymPy obligations
(discharged here), and either the refutation (the first unfolding of rank above ``C``) or the
construction.  The record is compared exactly.

Free field: the construction's rational weights ``W_l`` (``certificate[1].evidence.witness.weights``)
-- any weights with at most ``C`` channels between layers whose composed kernel is the kernel
prove the claim.  They are parsed strictly (canonical fractions, ``a^D`` taps, chained channel
counts), and their composed kernel is recomputed as sums over channel paths of products of digit
entries and compared with the kernel entry by entry; nothing derived from them is trusted.

Resources are estimated from the claim before any work, with the prover's limits: at most
:data:`MAX_ENTRIES` padded entries and :data:`MAX_WORK` operations for composing the witness
(the Bareiss work is then at most ``MAX_ENTRIES * 128``).

Examples
--------
>>> bareiss_rank([[2, 4, 6], [1, 2, 3], [0, 1, 1]])
2
>>> c = {"theorem": "qtt-rank", "kernel": [1, 2, 3, 4, 5, 6, 7, 8, 9], "shape": [9], "kernel_size": 3,
...      "layers": 2, "channels": 1, "dims": 1}
>>> e = expect(c); e["verdict"], e["certificate"][1]["evidence"]["witness"]
('refuted', {'ranks': [2], 'unfolding': 0, 'rank': 2})
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from ..errors import InvalidArgument
from .core import REGISTRY, Kind, Mismatch
from .steps import cert, obligations, step

__all__ = ["MAX_ENTRIES", "MAX_WORK", "bareiss_rank", "expect", "statement"]

#: Largest padded kernel (entries) (the prover's ``MAX_CERT_ENTRIES``).
MAX_ENTRIES = 1 << 14
#: Largest work of composing a witness, ``entries * (2 C + (L - 2) C^2)`` (the prover's ``MAX_CERT_WORK``).
MAX_WORK = 1 << 23
#: Largest magnitude of a kernel entry (the prover's kernels are 64-bit integers).
MAX_ENTRY = (1 << 63) - 1
_FRACTION = re.compile(r"-?[0-9]{1,400}(/[0-9]{1,400})?")

_A = "Symbol('a', integer=True, positive=True)"
_Lp = "Symbol('L', integer=True, positive=True)"
_Dp = "Symbol('D', integer=True, positive=True)"
_lp = "Symbol('l', integer=True, positive=True)"
_r = "Symbol('r', integer=True, positive=True)"
_q = "Symbol('q', integer=True)"
#: The general steps S1-S3 (text, rule, premises, obligations), as the prover states them; discharged here.
GENERAL = [
    (("Digit expansion: by the cascade theorem (one channel: K_{L-1} ⊗ ... ⊗ K_0) and the channel-sum "
     "theorem, the composed kernel is K[t] = Σ_c Π_l W_l[c_(l+1), c_l][q_l] with t = Σ_l q_l a^l per "
     "axis, q_l ∈ [0, a); the digits cover [0, a^L) exactly (the largest t is Σ (a−1) a^l = a^L − 1)."),
     "cascade-theorem + channel-sum", [],
     [("equal", (f"Equality(Sum(Mul(Pow({_A}, {_q}), Add({_A}, Integer(-1))), Tuple({_q}, Integer(0), "
                f"Add({_Lp}, Integer(-1)))), Add(Pow({_A}, {_Lp}), Integer(-1)))"),
       "Eq(Sum(a**q*(a - 1), (q, 0, L - 1)), a**L - 1)", "largest position Σ (a−1) a^l = a^L − 1")]),
    (("(⇒) Splitting the path sum at channel c_(l+1) writes unfolding l (rows: digits q_(L−1)..q_(l+1), "
     "a^(D(L−1−l)) of them; columns: q_l..q_0, a^(D(l+1))) as U·V with U[rows, c] = "
     "Σ Π_{j>l} W_j and V[c, cols] = Σ Π_{j≤l} W_j: rank ≤ C."),
     "matrix-factorisation", ["S1"],
     [("equal", (f"Equality(Mul(Pow({_A}, Mul({_Dp}, Add({_lp}, Integer(1)))), Pow({_A}, Mul({_Dp}, Add({_Lp}, "
                f"Mul(Integer(-1), {_lp}), Integer(-1))))), Pow({_A}, Mul({_Dp}, {_Lp})))"),
       "Eq(a**(D*(l + 1))*a**(D*(L - l - 1)), a**(D*L))", "rows x columns of unfolding l = a^(DL) entries")]),
    (("(⇐) Sequential factorisation: M_1 = X_1 R_1 (R_1: r rows spanning the row space of the first "
     "unfolding, X_1 of full column rank); unfolding l+1 equals (X ⊗ I)·reshape(R), so the next "
     "matrix has the rank of the next unfolding; the factors are the cores W_l with bonds r_l ≤ C, "
     "padded with zero channels to C (Oseledets 2011, Thm 2.1)."),
     "tt-svd-construction", ["S1"],
     [("equal", (f"Equality(Mul(Pow({_A}, {_Dp}), Pow({_A}, Mul({_Dp}, {_lp})), {_r}), Mul(Pow({_A}, Mul({_Dp}, "
                f"Add({_lp}, Integer(1)))), {_r}))"),
       "Eq(a**D*a**(D*l)*r, a**(D*(l + 1))*r)", "reshaping R (r x a^(D(l+1))) to (r a^D) x a^(Dl) keeps every entry")]),
]
ASSUMPTIONS = ["linear layers (no nonlinearity, no bias)", "kernel zero-padded at the end of each axis to a^L"]


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


def _kernel_json(v: Any, where: str) -> None:
    if not isinstance(v, list):
        raise InvalidArgument(f"{where} must be an array (nested per axis), got {type(v).__name__}")


def _flatten(x: Any, depth: int, where: str) -> list[Any]:
    if depth == 0:
        return [x]
    if not isinstance(x, list):
        raise InvalidArgument(f"{where}: nesting does not match its shape")
    return [v for item in x for v in _flatten(item, depth - 1, where)]


def _padded(c: Mapping[str, Any]) -> dict[tuple[int, ...], int]:
    """Kernel entries by position; refuses bad shapes and oversize claims (the limit named) before work."""
    a, L, C, D, shape = (c[k] for k in ("kernel_size", "layers", "channels", "dims", "shape"))
    if a < 2:
        raise InvalidArgument(f"claim.kernel_size must be an integer in [2, 64], got {a}")
    if len(shape) != D or any(n < 1 for n in shape):
        raise InvalidArgument(f"claim.shape must be {D} positive integers, got {shape}")
    if a**L > 1 << 20 or (a**L) ** D > MAX_ENTRIES:
        raise InvalidArgument(f"claim needs a padded kernel of ({a}**{L})**{D} entries, above the checker's limit "
                              f"MAX_ENTRIES = {MAX_ENTRIES} (the prover refuses it too)")
    entries = (a**L) ** D
    work = entries * (2 * C + max(L - 2, 0) * C * C)
    if work > MAX_WORK:
        raise InvalidArgument(f"claim needs about {work} operations to compose its witness, above the checker's "
                              f"limit MAX_WORK = {MAX_WORK} (the prover refuses it too)")
    if any(n > a**L for n in shape):
        raise InvalidArgument(f"claim.shape {shape} exceeds a^L = {a**L} per axis")
    flat = _flatten(c["kernel"], D, "claim.kernel")
    size = 1
    for n in shape:
        size *= n
    if len(flat) != size:
        raise InvalidArgument(f"claim.kernel has {len(flat)} entries, shape {shape} needs {size}")
    out = {}
    for idx, v in zip(itertools.product(*(range(n) for n in shape)), flat):
        if isinstance(v, bool) or not isinstance(v, int) or abs(v) > MAX_ENTRY:
            raise InvalidArgument(f"claim.kernel entries must be integers of magnitude at most {MAX_ENTRY}, got "
                                  f"{v!r}"[:120])
        out[idx] = v
    return out


def _weights(w: list[Any], a: int, L: int, C: int, D: int) -> list[list[list[list[Fraction]]]]:
    """Parse the witness weights strictly (malformed: exit 2); more than ``C`` channels: a mismatch (exit 1)."""
    where = "certificate[1].evidence.witness.weights"
    if len(w) != L:
        raise InvalidArgument(f"{where} must list {L} layer(s), got {len(w)}")
    out = []
    for l, layer in enumerate(w):
        if not isinstance(layer, list) or not layer or not all(isinstance(r, list) and r for r in layer):
            raise InvalidArgument(f"{where}[{l}] must be a non-empty (C_out, C_in, taps) nested array")
        if len({len(r) for r in layer}) != 1:
            raise InvalidArgument(f"{where}[{l}]: rows of different lengths")
        if len(layer) > C and l < L - 1 or len(layer[0]) > C:
            raise Mismatch(f"{where}[{l}]: the witness uses {max(len(layer), len(layer[0]))} channels, more than "
                           f"C = {C}")
        rows = []
        for row in layer:
            taps = []
            for t in row:
                flat = _flatten(t, D, f"{where}[{l}]")
                if len(flat) != a**D or any(not isinstance(x, list) or len(x) != a for x in _levels(t, D)):
                    raise InvalidArgument(f"{where}[{l}]: kernels must be {a}^{D} taps")
                vals = []
                for x in flat:
                    if not isinstance(x, str) or not _FRACTION.fullmatch(x):
                        raise InvalidArgument(f"{where}[{l}]: entries must be fractions as strings, got {x!r}"[:160])
                    try:
                        f = Fraction(x)
                    except ZeroDivisionError:
                        raise InvalidArgument(f"{where}[{l}]: entry {x!r} divides by zero"[:160]) from None
                    if str(f) != x:
                        raise Mismatch(f"{where}[{l}]: entry {x!r} is not in lowest terms (the prover writes {str(f)!r})")
                    vals.append(f)
                taps.append(vals)
            rows.append(taps)
        out.append(rows)
    if len(out[0][0]) != 1 or len(out[-1]) != 1:
        raise InvalidArgument(f"{where}: the first layer must have one input channel and the last one output channel")
    for l in range(1, L):
        if len(out[l][0]) != len(out[l - 1]):
            raise InvalidArgument(f"{where}[{l}] expects {len(out[l][0])} channel(s), layer {l - 1} gives "
                                  f"{len(out[l - 1])}")
    return out


def _levels(t: Any, D: int) -> list[Any]:
    """Every list of a tap array (each must have ``a`` items)."""
    out, todo = [], [(t, D)]
    while todo:
        x, d = todo.pop()
        if d:
            out.append(x)
            todo.extend((y, d - 1) for y in x)
    return out


def _compose(ws: list[list[list[list[Fraction]]]], a: int, L: int, D: int) -> dict[tuple[int, ...], Fraction]:
    """Composed kernel of the weights by the digit formula: sum over channel paths of products of digit entries."""
    out = {}
    for pos in itertools.product(range(a**L), repeat=D):
        vec = [Fraction(1)]  # channel vector after layer l (starts: one input channel)
        for l in range(L):
            q = 0
            for d in range(D):
                q = q * a + (pos[d] // a**l) % a
            vec = [sum((row[i][q] * vec[i] for i in range(len(vec))), Fraction(0)) for row in ws[l]]
        out[pos] = vec[0]
    return out


def _given_weights(got: Mapping[str, Any] | None) -> Any:
    try:
        return got["certificate"][1]["evidence"]["witness"]["weights"]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        return None


def expect(c: Mapping[str, Any], got: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The certificate an honest prover emits for a ``qtt-rank`` claim (limits checked first; the witness
    weights of a construction taken from ``got`` and replayed)."""
    entries = _padded(c)
    a, L, C, D = c["kernel_size"], c["layers"], c["channels"], c["dims"]
    ranks = [bareiss_rank(_unfolding(entries, a, L, D, l)) for l in range(L - 1)]
    representable = all(r <= C for r in ranks)
    steps, ok = [], True
    for i, (text, rule, prem, rows) in enumerate(GENERAL):
        obs, holds = obligations(rows)
        ok = ok and holds
        steps.append(step(f"S{i + 1}", text, rule, prem, "general", obs))
    steps.append(step("S4", f"Instance: exact ranks of the {L - 1} unfolding(s) of the padded kernel are {ranks} "
                            "(exact elimination over the rationals).", "exact-rank", ["S2", "S3"], "instance",
                      facts={"ranks": ranks}))
    witness: dict[str, Any] = {"ranks": ranks}
    if representable:
        given = _given_weights(got)
        if isinstance(given, list):
            ws = _weights(given, a, L, C, D)
            comp = _compose(ws, a, L, D)
            bad = next((p for p, v in comp.items() if v != entries.get(p, 0)), None)
            if bad is not None:
                raise Mismatch(f"certificate[1].evidence.witness.weights compose to {comp[bad]} at position "
                               f"{list(bad)}, the kernel has {entries.get(bad, 0)} there")
        witness["weights"] = given if isinstance(given, list) else []
        text = ("L = 1: the kernel is its own single layer." if L == 1 else
                f"all ranks ≤ C = {C}: S3's construction with exact skeleton steps gives rational weights "
                "(the witness); the composed kernel equals the kernel exactly")
        steps.append(step("S5", text, "exact-construction", ["S3", "S4"], "instance", facts={"channels": C}))
    else:
        l = next(i for i, r in enumerate(ranks) if r > C)
        witness.update({"unfolding": l, "rank": ranks[l]})
        steps.append(step("S5", f"Unfolding {l} (between layers {l} and {l + 1}) has exact rank {ranks[l]} > C = "
                                f"{C}: by S2 no {C}-channel cascade has this composed kernel.",
                          "rank-bound", ["S2", "S4"], "instance", facts={"unfolding": l, "rank": ranks[l]}))
    certs = [cert("symbolic", "representable iff every QTT unfolding rank ≤ C, for all a, L, D, C",
                  "cited cascade/channel-sum theorems; factorisation arguments; SymPy obligations in S1–S3",
                  ok, {"steps": ["S1", "S2", "S3"]}),
             cert("instance", "exact ranks and " + ("an exact construction" if representable else
                                                    "an unfolding of rank > C"),
                  "multi-modular exact rank; exact integer cascade (kronconv.numeric) on an impulse",
                  True, {"witness": witness})]
    proved = ok and representable
    return {"theorem": "qtt-rank", "claim": dict(c), "statement": statement(a, L, C, D, list(c["shape"])),
            "proved": proved, "verdict": "proved" if proved else "refuted", "kinds": ["symbolic", "instance"],
            "assumptions": list(ASSUMPTIONS), "steps": steps, "certificate": certs, "notes": [], "related": []}


REGISTRY["qtt-rank"] = Kind({"theorem": "theorem", "kernel": _kernel_json, "shape": ("ints", 1, 1 << 20, 3),
                             "kernel_size": (1, 64), "layers": (1, 64), "channels": (1, 64), "dims": (1, 3)}, expect)
