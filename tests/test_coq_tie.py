"""The Coq definitions are the objects kronconv computes: evaluate them inside Coq and compare.

Random small integer kernels and signals (fixed seeds, several L and a) are
written into a ``.v`` file that ``vm_compute``s the Coq definitions over
mathcomp's integers — the Kronecker kernel, dilation, the Kronecker product with
the selector, convolution, dilated convolution, the cascade, correlation and the
correlation cascade, the multi-channel kernel and cascade (the computable
twins of ``Compute.v``, proved equal to the definitions the theorems are about).
Every entry is compared with ``numpy.kron`` / :mod:`kronconv.kron` /
:mod:`kronconv.numeric`.  A deliberately altered copy of a definition (swapped
index map, wrong dilation, dropped term, wrong offset, swapped channels) must be caught.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from kronconv import coqref
from kronconv.kron import dilate, kron_channels, kron_kernel, selector
from kronconv.numeric import cascade, convolve_plain, correlate_plain

pytestmark = pytest.mark.skipif(coqref.coqc_path() is None,
                                reason="coqc not on PATH: install Coq 8.16+ with mathcomp to tie the definitions")

#: (dims, a, L) cases evaluated per seed.
CASES = [(1, 1, 2), (1, 2, 1), (1, 2, 3), (1, 3, 2), (1, 3, 3), (1, 4, 2),
         (2, 1, 2), (2, 2, 1), (2, 2, 2), (2, 3, 1), (2, 3, 2), (2, 2, 3)]
SEEDS = [11, 23, 1009]


def _coq_seq(values: np.ndarray) -> str:
    if values.ndim == 2:
        return "[:: " + "; ".join(_coq_seq(row) for row in values) + "]"
    return "[:: " + "; ".join(str(int(v)) for v in values.ravel()) + "]"


def _case(rng: np.random.Generator, dims: int, a: int,
          layers: int) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Kernels, a signal for the full convolutions, a signal long enough for valid correlations."""
    ks = [rng.integers(-3, 4, (a,) * dims) for _ in range(layers)]
    x = rng.integers(-3, 4, tuple(int(n) for n in rng.integers(1, 7 if dims == 1 else 4, dims)))
    xc = rng.integers(-3, 4, tuple(a**layers + int(n) for n in rng.integers(0, 3, dims)))
    return ks, x, xc


def _program(cases: list[tuple[list[np.ndarray], np.ndarray, np.ndarray, int]]
             ) -> tuple[str, list[tuple[str, np.ndarray]]]:
    """The .v text and, in output order, (label, expected entries) for every Eval."""
    lines = ["From mathcomp Require Import ssreflect ssrfun ssrbool eqtype ssrnat seq ssralg ssrint.",
             "From Kronconv Require Import Signal Cascade Multi Correlation Compute.",
             "Local Open Scope ring_scope."]
    expect: list[tuple[str, np.ndarray]] = []

    def ev(label: str, shape: tuple[int, ...], expr: str, want: np.ndarray) -> None:
        want = np.asarray(want, dtype=np.int64)
        assert want.shape == shape, (label, want.shape, shape)
        pick = (f"entries {shape[0]}" if len(shape) == 1 else f"entries2 {shape[0]} {shape[1]}") \
            if not label.endswith("corr") else (f"entries1 {shape[0]}" if len(shape) == 1
                                                 else f"entries2 {shape[0]} {shape[1]}")
        lines.append(f"Eval vm_compute in {pick} ({expr}).")
        expect.append((label, want.ravel()))

    for c, (ks, x, xc, a) in enumerate(cases):
        L, dims = len(ks), x.ndim
        one = dims == 1
        arr, of, sel = ("nat", "of_seq", "selector") if one else ("seq nat", "of_rows", "selectorn")
        conv, dconv, casc, kk_def, dil, kr = (("conv_c", "dconv_c", "cascade_c", "kron_kernel", "dilate", "kron")
                                             if one else ("convn_c", "dconvn_c", "cascaden_c", "kron_kerneln",
                                                          "dilaten", "kronn"))
        lines.append(f"Definition K{c} : nat -> {arr} -> int := fun l => {of} "
                     f"(nth [::] [:: {'; '.join(_coq_seq(k) for k in ks)}] l).")
        lines.append(f"Definition F{c} : {arr} -> int := {of} {_coq_seq(x)}.")

        def app(op: str, *args: str, one: bool = one) -> str:
            # 1-D operations return a signal; the D-dimensional ones take the index t first
            # (after the dilation, for dconvn_c).
            if one:
                return f"{op} {' '.join(args)}"
            if op.startswith("dconv"):
                return f"fun t => {op} {args[0]} t {' '.join(args[1:])}"
            return f"fun t => {op} t {' '.join(args)}"

        kk = kron_kernel(ks)                                   # numpy.kron, layer order K_(L-1) ⊗ ... ⊗ K_0
        tag = f"case {c} ({dims}-D, a={a}, L={L})"
        ev(f"{tag} kron_kernel", kk.shape, f"{kk_def} (expn {a}) {L} K{c}", kk)
        for layer, k in enumerate(ks):
            d = a**layer
            want = dilate(k, d)
            ev(f"{tag} dilate l={layer}", want.shape, f"{dil} {d} (K{c} {layer})", want)
            want = np.kron(k, selector(d, dims))
            ev(f"{tag} kron_selector l={layer}", want.shape, f"{kr} {d} (K{c} {layer}) ({sel} int_Ring)", want)
            want = convolve_plain(x, k, dilation=d, padding="full")
            ev(f"{tag} dconv l={layer}", want.shape, app(dconv, str(d), f"(K{c} {layer})", f"F{c}"), want)
        want = convolve_plain(x, kk, padding="full")
        ev(f"{tag} conv", want.shape, app(conv, f"({kk_def} (expn {a}) {L} K{c})", f"F{c}"), want)
        want = cascade(x[None, None], [k[None, None] for k in ks], [a**l for l in range(L)],
                       padding="full", operation="convolution")[0, 0]
        ev(f"{tag} cascade", want.shape, f"{casc} (expn {a}) {L} K{c} F{c}", want)
        # correlations (Correlation.v, index lists in every D), "valid" outputs t >= 0
        kc = f"K{c}" if not one else f"KC{c}"
        if one:
            lines.append(f"Definition KC{c} : nat -> seq nat -> int := fun l => of_list1 "
                         f"(nth [::] [:: {'; '.join(_coq_seq(k) for k in ks)}] l).")
        lines.append(f"Definition G{c} : seq nat -> int := {'of_list1' if one else 'of_rows'} {_coq_seq(xc)}.")
        want = correlate_plain(xc, kk)
        ev(f"{tag} kron_corr", want.shape, f"fun t => corrn_c {a**L} t (kron_kerneln (expn {a}) {L} {kc}) G{c}",
           want)
        want = cascade(xc[None, None], [k[None, None] for k in ks], [a**l for l in range(L)],
                       padding="valid", operation="correlation")[0, 0]
        ev(f"{tag} cascade_corr", want.shape, f"cascade_corr_c (expn {a}) {a} {L} {kc} G{c}", want)
    return "\n".join(lines) + "\n", expect


_ENTRY = re.compile(r"\(?(-?\d+)\)?%Z")
_LIST = re.compile(r"=\s*\[::(.*?)\]\s*:\s*seq", re.DOTALL)


def tie_mismatches(dev: Path, seed: int) -> list[str]:
    """Evaluate the cases of ``seed`` in the compiled development ``dev``; one line per disagreement."""
    rng = np.random.default_rng(seed)
    cases = []
    for dims, a, layers in CASES:
        ks, x, xc = _case(rng, dims, a, layers)
        cases.append((ks, x, xc, a))
    text, expect = _program(cases)
    (dev / "Tie.v").write_text(text, encoding="utf-8")
    r = subprocess.run([coqref.coqc_path() or "coqc", "-Q", ".", coqref.LOGICAL_ROOT, "Tie.v"], cwd=dev,
                       check=False, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    got = [np.array([int(v) for v in _ENTRY.findall(body)], dtype=np.int64) for body in _LIST.findall(r.stdout)]
    assert len(got) == len(expect), f"coqc printed {len(got)} lists for {len(expect)} evaluations"
    bad = []
    for (label, want), have in zip(expect, got):
        if have.shape != want.shape or not (have == want).all():
            bad.append(f"seed {seed} {label}: Coq {have.tolist()} vs kronconv {want.tolist()}")
    return bad


#: (dims, a, channel counts C_0..C_L) for the multi-channel cascade.
CHANNEL_CASES = [(1, 2, (2, 3, 1)), (1, 3, (1, 2, 2)), (1, 2, (2, 2, 3, 2)), (2, 2, (2, 3, 2)), (2, 3, (1, 2, 2))]


def _run(dev: Path, text: str) -> list[np.ndarray]:
    (dev / "Tie.v").write_text(text, encoding="utf-8")
    r = subprocess.run([coqref.coqc_path() or "coqc", "-Q", ".", coqref.LOGICAL_ROOT, "Tie.v"], cwd=dev,
                       check=False, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return [np.array([int(v) for v in _ENTRY.findall(body)], dtype=np.int64) for body in _LIST.findall(r.stdout)]


def _compare(expect: list[tuple[str, np.ndarray]], got: list[np.ndarray], seed: int) -> list[str]:
    assert len(got) == len(expect), f"coqc printed {len(got)} lists for {len(expect)} evaluations"
    return [f"seed {seed} {label}: Coq {have.tolist()} vs kronconv {want.tolist()}"
            for (label, want), have in zip(expect, got) if have.shape != want.shape or not (have == want).all()]


def channel_mismatches(dev: Path, seed: int) -> list[str]:
    """Multi-channel Kronecker kernels and cascades (Channels.v) against kron_channels / numeric.cascade."""
    rng = np.random.default_rng(seed)
    lines = ["From mathcomp Require Import ssreflect ssrfun ssrbool eqtype ssrnat seq ssralg ssrint.",
             "From Kronconv Require Import Signal Multi Channels Compute.",
             "Local Open Scope ring_scope."]
    expect: list[tuple[str, np.ndarray]] = []
    for c, (dims, a, chans) in enumerate(CHANNEL_CASES):
        L = len(chans) - 1
        ws = [rng.integers(-2, 3, (chans[l + 1], chans[l]) + (a,) * dims) for l in range(L)]
        x = rng.integers(-2, 3, (chans[0],) + tuple(int(n) for n in rng.integers(1, 4, dims)))
        of, entries = ("of_list1", "entries1") if dims == 1 else ("of_rows", "entries2")
        nested = "[:: " + "; ".join("[:: " + "; ".join("[:: " + "; ".join(_coq_seq(k) for k in row) + "]"
                                                       for row in w) + "]" for w in ws) + "]"
        lines.append(f"Definition W{c} : nat -> nat -> nat -> seq nat -> int := "
                     f"fun l o i => {of} (nth [::] (nth [::] (nth [::] {nested} l) o) i).")
        lines.append(f"Definition C{c} : nat -> nat := fun l => nth 0%N [:: {'; '.join(f'{n}%N' for n in chans)}] l.")
        lines.append(f"Definition X{c} : nat -> seq nat -> int := fun i => {of} "
                     f"(nth [::] [:: {'; '.join(_coq_seq(xi) for xi in x)}] i).")
        kc = kron_channels(ws)
        want_y = cascade(x[None], ws, [a**l for l in range(L)], padding="full", operation="convolution")[0]
        tag = f"channels {c} ({dims}-D, a={a}, C={list(chans)})"
        for o in range(chans[-1]):
            for i in range(chans[0]):
                shape = " ".join(map(str, kc[o, i].shape))
                lines.append(f"Eval vm_compute in {entries} {shape} (kron_channels_c C{c} {a} {L} W{c} {o} {i}).")
                expect.append((f"{tag} kron_channels[{o}, {i}]", kc[o, i].ravel()))
            shape = " ".join(map(str, want_y[o].shape))
            lines.append(f"Eval vm_compute in {entries} {shape} (cascade_ch_c C{c} {a} {L} W{c} X{c} {o}).")
            expect.append((f"{tag} cascade_ch[{o}]", want_y[o].ravel().astype(np.int64)))
    return _compare(expect, _run(dev, "\n".join(lines) + "\n"), seed)


@pytest.fixture(scope="module")
def development(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return coqref.build_development(tmp_path_factory.mktemp("coq"))


@pytest.mark.parametrize("seed", SEEDS)
def test_coq_definitions_agree_with_numpy_and_kronconv(development: Path, seed: int) -> None:
    assert tie_mismatches(development, seed) == []


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_coq_channel_definitions_agree_with_kron_channels_and_the_cascade(development: Path, seed: int) -> None:
    assert channel_mismatches(development, seed) == []


#: Deliberate alterations of one definition: (file, exact text, replacement, regex of a label that must disagree).
MUTATIONS = [
    ("Signal.v", "Definition kron n A B s := A (s %/ n) * B (s %% n).",
     "Definition kron n A B s := A (s %% n) * B (s %/ n).", r"1-D.* kron_kernel"),
    ("Signal.v", "Definition dilate d K s := if d %| s then K (s %/ d) else 0.",
     "Definition dilate d K s := if d %| s then K (s %/ d.+1) else 0.", r"1-D.* dilate"),
    ("Compute.v", "Definition conv_c A B t := sum_upto t.+1 (fun i => A i * B (t - i)%N).",
     "Definition conv_c A B t := sum_upto t (fun i => A i * B (t - i)%N).", r"1-D.* conv$"),
    ("Cascade.v", "if L is L'.+1 then dconv (d L') (K L') (cascade d L' K F) else F.",
     "if L is L'.+1 then dconv (d L'.+1) (K L') (cascade d L' K F) else F.", r"1-D.* cascade"),
    ("Multi.v", "Definition kronn n A B : arr := fun s => A (map (divn^~ n) s) * B (map (modn^~ n) s).",
     "Definition kronn n A B : arr := fun s => A (map (divn^~ n) (rev s)) * B (map (modn^~ n) s).",
     r"2-D.* kron_kernel"),
    ("Multi.v", "fun s => if all (fun x => d %| x) s then K (map (divn^~ d) s) else 0.",
     "fun s => if all (fun x => d %| x) (behead s) then K (map (divn^~ d) s) else 0.", r"2-D.* dilate"),
]

MUTATIONS.append(
    ("Compute.v", "sum_upto m (fun i => dcorrn_c d m t' (slice K i) (slice F (t0 + d * i)%N))",
     "sum_upto m (fun i => dcorrn_c d m t' (slice K i) (slice F (t0 + d * i + i)%N))", r"cascade_corr"))

MUTATIONS.append(
    ("Compute.v", "fun c => kronn (a ^ L') (W L' o c) (kron_channels_c L' W c i) s",
     "fun c => kronn (a ^ L') (W L' o c) (kron_channels_c L' W i c) s", r"kron_channels"))

#: The computable twin of each altered definition that has one (altered the same way).
TWINS = {
    "Cascade.v": ("Compute.v", "if L is L'.+1 then dconv_c (d L') (K L') (cascade_c d L' K F) else F.",
                  "if L is L'.+1 then dconv_c (d L'.+1) (K L') (cascade_c d L' K F) else F."),
}


def _admit_proofs(text: str) -> str:
    # The altered copy's proofs no longer hold: keep only the definitions, for evaluation.
    return re.sub(r"Proof\..*?(Qed|Defined)\.", "Admitted.", text, flags=re.DOTALL)


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[f"{m[0]}:{m[3]}" for m in MUTATIONS])
def test_tie_detects_an_altered_definition(tmp_path: Path, mutation: tuple[str, str, str, str]) -> None:
    file, old, new, label = mutation
    edits = {file: (old, new)}
    if file in TWINS:
        twin, t_old, t_new = TWINS[file]
        edits[twin] = (t_old, t_new)
    src = tmp_path / "src"
    src.mkdir()
    for p in [coqref.COQ_DIR / "_CoqProject", *coqref.source_files()]:
        text = p.read_text(encoding="utf-8")
        if p.name in edits:
            o, n = edits[p.name]
            assert text.count(o) == 1, f"mutation site not found exactly once in {p.name}: {o}"
            text = text.replace(o, n)
        (src / p.name).write_text(_admit_proofs(text) if p.suffix == ".v" else text, encoding="utf-8")
    dev = coqref.build_development(tmp_path / "build", root=src)
    bad = channel_mismatches(dev, SEEDS[0]) if "channels" in label else tie_mismatches(dev, SEEDS[0])
    assert bad, "the altered definition went unnoticed"
    assert any(re.search(label, line.split(":")[0]) for line in bad), bad[:3]
