"""The Coq definitions are the objects kronconv computes: evaluate them inside Coq and compare.

Random small integer kernels and signals (fixed seeds, several L and a) are
written into a ``.v`` file that ``vm_compute``s the Coq definitions over
mathcomp's integers — the Kronecker kernel, dilation, the Kronecker product with
the selector, convolution, dilated convolution and the cascade (the computable
twins of ``Compute.v``, proved equal to the definitions the theorems are about).
Every entry is compared with ``numpy.kron`` / :mod:`kronconv.kron` /
:mod:`kronconv.numeric`.  A deliberately altered copy of a definition (swapped
index map, wrong dilation, wrong convolution index) must be caught.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from kronconv import coqref
from kronconv.kron import dilate, kron_kernel, selector
from kronconv.numeric import cascade, convolve_plain

pytestmark = pytest.mark.skipif(coqref.coqc_path() is None,
                                reason="coqc not on PATH: install Coq 8.16+ with mathcomp to tie the definitions")

#: (dims, a, L) cases evaluated per seed.
CASES_1D = [(1, 1, 2), (1, 2, 1), (1, 2, 3), (1, 3, 2), (1, 3, 3), (1, 4, 2)]
SEEDS = [11, 23, 1009]


def _coq_seq(values: np.ndarray) -> str:
    return "[:: " + "; ".join(str(int(v)) for v in values.ravel()) + "]"


def _case(rng: np.random.Generator, a: int, layers: int) -> tuple[list[np.ndarray], np.ndarray]:
    ks = [rng.integers(-3, 4, a) for _ in range(layers)]
    x = rng.integers(-3, 4, int(rng.integers(1, 7)))
    return ks, x


def _program(cases: list[tuple[list[np.ndarray], np.ndarray, int]]) -> tuple[str, list[tuple[str, np.ndarray]]]:
    """The .v text and, in output order, (label, expected entries) for every Eval."""
    lines = ["From mathcomp Require Import ssreflect ssrfun ssrbool eqtype ssrnat seq ssralg ssrint.",
             "From Kronconv Require Import Signal Cascade Compute.",
             "Local Open Scope ring_scope."]
    expect: list[tuple[str, np.ndarray]] = []

    def ev(label: str, n: int, expr: str, want: np.ndarray) -> None:
        lines.append(f"Eval vm_compute in entries {n} ({expr}).")
        expect.append((label, np.asarray(want, dtype=np.int64).ravel()))

    for c, (ks, x, a) in enumerate(cases):
        L = len(ks)
        lines.append(f"Definition K{c} : nat -> nat -> int := fun l => of_seq "
                     f"(nth [::] [:: {'; '.join(_coq_seq(k) for k in ks)}] l).")
        lines.append(f"Definition F{c} : nat -> int := of_seq {_coq_seq(x)}.")
        kk = kron_kernel(ks)                                   # numpy.kron, layer order K_(L-1) ⊗ ... ⊗ K_0
        tag = f"case {c} (a={a}, L={L})"
        ev(f"{tag} kron_kernel", a**L, f"kron_kernel (expn {a}) {L} K{c}", kk)
        for layer, k in enumerate(ks):
            d = a**layer
            ev(f"{tag} dilate l={layer}", d * (a - 1) + 1, f"dilate {d} (K{c} {layer})", dilate(k, d))
            ev(f"{tag} kron_selector l={layer}", d * a, f"kron {d} (K{c} {layer}) (selector int_Ring)",
               np.kron(k, selector(d, 1)))
            ev(f"{tag} dconv l={layer}", len(x) + d * (a - 1), f"dconv_c {d} (K{c} {layer}) F{c}",
               convolve_plain(x, k, dilation=d, padding="full"))
        ev(f"{tag} conv", len(x) + a**L - 1, f"conv_c (kron_kernel (expn {a}) {L} K{c}) F{c}", np.convolve(kk, x))
        want = cascade(x.reshape(1, 1, -1), [k.reshape(1, 1, -1) for k in ks], [a**l for l in range(L)],
                       padding="full", operation="convolution")
        ev(f"{tag} cascade", len(x) + a**L - 1, f"cascade_c (expn {a}) {L} K{c} F{c}", want)
    return "\n".join(lines) + "\n", expect


_ENTRY = re.compile(r"\(?(-?\d+)\)?%Z")
_LIST = re.compile(r"=\s*\[::(.*?)\]\s*:\s*seq", re.S)


def tie_mismatches(dev: Path, seed: int) -> list[str]:
    """Evaluate the cases of ``seed`` in the compiled development ``dev``; one line per disagreement."""
    rng = np.random.default_rng(seed)
    cases = []
    for _, a, layers in CASES_1D:
        ks, x = _case(rng, a, layers)
        cases.append((ks, x, a))
    text, expect = _program(cases)
    (dev / "Tie.v").write_text(text, encoding="utf-8")
    r = subprocess.run([coqref.coqc_path() or "coqc", "-Q", ".", coqref.LOGICAL_ROOT, "Tie.v"], cwd=dev,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    got = [np.array([int(v) for v in _ENTRY.findall(body)], dtype=np.int64) for body in _LIST.findall(r.stdout)]
    assert len(got) == len(expect), f"coqc printed {len(got)} lists for {len(expect)} evaluations"
    bad = []
    for (label, want), have in zip(expect, got):
        if have.shape != want.shape or not (have == want).all():
            bad.append(f"seed {seed} {label}: Coq {have.tolist()} vs kronconv {want.tolist()}")
    return bad


@pytest.fixture(scope="module")
def development(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return coqref.build_development(tmp_path_factory.mktemp("coq"))


@pytest.mark.parametrize("seed", SEEDS)
def test_coq_definitions_agree_with_numpy_and_kronconv(development: Path, seed: int) -> None:
    assert tie_mismatches(development, seed) == []


#: Deliberate alterations of one definition: (file, exact text, replacement, the quantity that must disagree).
MUTATIONS = [
    ("Signal.v", "Definition kron n A B s := A (s %/ n) * B (s %% n).",
     "Definition kron n A B s := A (s %% n) * B (s %/ n).", "kron_kernel"),
    ("Signal.v", "Definition dilate d K s := if d %| s then K (s %/ d) else 0.",
     "Definition dilate d K s := if d %| s then K (s %/ d.+1) else 0.", "dilate"),
    ("Compute.v", "Definition conv_c A B t := sum_upto t.+1 (fun i => A i * B (t - i)%N).",
     "Definition conv_c A B t := sum_upto t (fun i => A i * B (t - i)%N).", "conv"),
    ("Cascade.v", "if L is L'.+1 then dconv (d L') (K L') (cascade d L' K F) else F.",
     "if L is L'.+1 then dconv (d L'.+1) (K L') (cascade d L' K F) else F.", None),
]


def _admit_proofs(text: str) -> str:
    # The altered copy's proofs no longer hold: keep only the definitions, for evaluation.
    return re.sub(r"Proof\..*?(Qed|Defined)\.", "Admitted.", text, flags=re.S)


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m[3] or "cascade-def" for m in MUTATIONS])
def test_tie_detects_an_altered_definition(tmp_path: Path, mutation: tuple[str, str, str, str | None]) -> None:
    file, old, new, quantity = mutation
    src = tmp_path / "src"
    src.mkdir()
    for p in [coqref.COQ_DIR / "_CoqProject", *coqref.source_files()]:
        text = p.read_text(encoding="utf-8")
        if p.name == file:
            assert text.count(old) == 1, f"mutation site not found once in {file}: {old}"
            text = text.replace(old, new)
        (src / p.name).write_text(_admit_proofs(text) if p.suffix == ".v" else text, encoding="utf-8")
    if file == "Cascade.v":
        # The cascade twin in Compute.v is a separate definition: alter it the same way.
        comp = (src / "Compute.v").read_text(encoding="utf-8")
        comp_old = "if L is L'.+1 then dconv_c (d L') (K L') (cascade_c d L' K F) else F."
        assert comp.count(comp_old) == 1
        (src / "Compute.v").write_text(comp.replace(comp_old, comp_old.replace("(d L')", "(d L'.+1)")),
                                       encoding="utf-8")
    dev = coqref.build_development(tmp_path / "build", root=src)
    bad = tie_mismatches(dev, SEEDS[0])
    assert bad, "the altered definition went unnoticed"
    wanted = quantity or "cascade"
    assert any(f" {wanted}" in line for line in bad), bad[:3]
