r"""The Coq development: where it lives, which theorems it proves, and how to re-check it.

A neutral module for the prover and the checker alike: it imports nothing from
either (only the standard library and :mod:`kronconv.errors`).

The ``.v`` sources live in the package, under ``kronconv/coq/`` (shipped as
package data, so an installed kronconv can cite and re-check them outside a
clone); ``proofs/coq`` in a clone is a link to that folder, and
``make -C proofs/coq`` builds it with its own ``Makefile``.

A theorem is cited by its name and :func:`statement_sha256`: the SHA-256 of the
statement *as written in the .v file* (from ``Theorem`` to ``Proof.``, comments
removed, whitespace collapsed).  Editing a proof leaves it unchanged; editing a
statement changes it.  It needs no ``coqc``.  :func:`check_with_coqc` compiles
the development in a temporary folder and reads ``Print Assumptions`` for every
main theorem (and the output of ``Check``, kept for the record).

Examples
--------
>>> [t.name for t in MAIN_THEOREMS][:2]
['dilate_extent', 'convA']
>>> len(statement_sha256("cascade_kron"))
64
>>> statement_text("conv_dilate_kron")
'Theorem conv_dilate_kron n A B : (0 < n)%N -> has_extent n B -> conv (dilate n A) B =1 kron n A B.'
"""

from __future__ import annotations

import functools
import hashlib
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InvalidArgument

__all__ = [
    "COQ_DIR",
    "MAIN_THEOREMS",
    "STEP_THEOREMS",
    "UNCOVERED_STEPS",
    "CoqCheck",
    "CoqTheorem",
    "build_development",
    "check_with_coqc",
    "citation",
    "coqc_path",
    "declared_theorems",
    "source_files",
    "statement_sha256",
    "statement_text",
    "theorem",
]

#: Folder of the ``.v`` files, ``_CoqProject`` and ``Makefile`` (package data).
COQ_DIR = Path(__file__).resolve().parent / "coq"
#: Logical name the development is compiled under (``-Q . Kronconv``).
LOGICAL_ROOT = "Kronconv"
#: Seconds allowed for compiling the whole development.
COQC_TIMEOUT = 600


@dataclass(frozen=True)
class CoqTheorem:
    """A main theorem of the development: ``file``, Coq ``name`` and the kronconv statement it proves."""

    file: str
    name: str
    statement: str


#: Every ``Theorem`` of the development (a test checks this list against the .v files).
MAIN_THEOREMS: tuple[CoqTheorem, ...] = (
    # Signal.v -- 1-D
    CoqTheorem("Signal.v", "dilate_extent",
               "d, m ≥ 1, K of extent m: dilate(K, d) has extent d(m − 1) + 1 (the trimmed K ⊗ E_d)"),
    CoqTheorem("Signal.v", "convA", "(A * (B * C))[t] = ((A * B) * C)[t]: full convolution is associative (1-D)"),
    CoqTheorem("Signal.v", "dconv_dilate", "d ≥ 1: K *_d F = dilate(K, d) * F (dilation lemma, 1-D)"),
    CoqTheorem("Signal.v", "dilate_kron_selector",
               "d ≥ 1: dilate(K, d)[s] = (K ⊗ E_d)[s] for every s (dilation as a Kronecker product, 1-D)"),
    CoqTheorem("Signal.v", "conv_dilate_kron",
               "n ≥ 1, B of extent n: dilate(A, n) * B = A ⊗ B (Kronecker lemma, 1-D)"),
    # Cascade.v -- 1-D cascade
    CoqTheorem("Cascade.v", "cascade_kron_prod",
               "K_l of extent e_l ≥ 1, d_l = e_0 ⋯ e_(l−1): F_L = (K_(L−1) ⊗ ⋯ ⊗ K_0) * F_0 (1-D, every L)"),
    CoqTheorem("Cascade.v", "cascade_kron",
               "a ≥ 1, K_l of extent a, d_l = a^l: F_L = (K_(L−1) ⊗ ⋯ ⊗ K_0) * F_0 (cascade theorem, 1-D, every L)"),
    CoqTheorem("Cascade.v", "kron_kernel_extent_expn", "a ≥ 1, K_l of extent a: K_(L−1) ⊗ ⋯ ⊗ K_0 has extent a^L"),
    # Multi.v -- every D
    CoqTheorem("Multi.v", "convnA", "A * (B * C) = (A * B) * C in D dimensions, every D"),
    CoqTheorem("Multi.v", "dconvn_dilate", "d ≥ 1: K *_d F = dilate(K, d) * F (dilation lemma, every D)"),
    CoqTheorem("Multi.v", "dilaten_kron_selector",
               "d ≥ 1: dilate(K, d) = K ⊗ E_d entrywise (dilation as a Kronecker product, every D)"),
    CoqTheorem("Multi.v", "convn_dilate_kron",
               "n ≥ 1, B of extent n per axis: dilate(A, n) * B = A ⊗ B (Kronecker lemma, every D)"),
    CoqTheorem("Multi.v", "dilaten_extent",
               "d, m ≥ 1, K of extent m per axis: dilate(K, d) has extent d(m − 1) + 1 per axis (every D)"),
    CoqTheorem("Multi.v", "kron_kerneln_extent",
               "a ≥ 1, K_l of extent a per axis: K_(L−1) ⊗ ⋯ ⊗ K_0 has extent a^L per axis (every D)"),
    CoqTheorem("Multi.v", "cascaden_kron",
               "a ≥ 1, K_l of extent a per axis, d_l = a^l: F_L = (K_(L−1) ⊗ ⋯ ⊗ K_0) * F_0 "
               "(cascade theorem, every D ≥ 1, every L)"),
    # Channels.v
    CoqTheorem("Channels.v", "cascade_ch_kron",
               "a ≥ 1, W_l[o, c] of extent a per axis, d_l = a^l: F_L[o] = Σ_i W[o, i] * F_0[i] with "
               "W[o, i] = Σ_(c_1..c_(L−1)) W_(L−1)[o, c_(L−1)] ⊗ ⋯ ⊗ W_0[c_1, i] (multi-channel, every D, every L)"),
    # Correlation.v
    CoqTheorem("Correlation.v", "dcorrn_kron",
               "n ≥ 1, A of extent m, B of extent n per axis: A ⋆_n (B ⋆ F) = (A ⊗ B) ⋆ F "
               "(Kronecker lemma for cross-correlation, every D)"),
    CoqTheorem("Correlation.v", "cascade_corr_kron",
               "a ≥ 1, K_l of extent a per axis, d_l = a^l: F_(l+1) = K_l ⋆_(a^l) F_l gives "
               "F_L = (K_(L−1) ⊗ ⋯ ⊗ K_0) ⋆ F_0 (correlation cascade, every D, every L)"),
    # ReceptiveField.v
    CoqTheorem("ReceptiveField.v", "rf_geometric",
               "b ≥ 1: (b − 1)(r(L) − 1) = (k − 1)(b^L − 1) for r(L) = 1 + Σ_(l<L) (k − 1) b^l"),
    CoqTheorem("ReceptiveField.v", "rf_plain",
               "plain stack (dilations 1): r(L) = 1 + L(k − 1), i.e. l(k − 1) + k after layer l (from 0)"),
    CoqTheorem("ReceptiveField.v", "rf_kronecker", "a ≥ 1: kernel a with dilations a^l has receptive field a^L"),
    CoqTheorem("ReceptiveField.v", "layers_for_minimal",
               "k ≥ 2, b ≥ 1: r(L) ≥ R iff L ≥ layers_for(R) (the least number of layers reaching R)"),
    CoqTheorem("ReceptiveField.v", "centred_offset",
               "a = 2r + 1: 2r Σ_(l<L) a^l = a^L − 1 (the centred cascade is the corner one shifted by (a^L − 1)/2)"),
    # HoleFree.v
    CoqTheorem("HoleFree.v", "sumset_card",
               "the sumset {0..k−1}·d_1 + ⋯ + {0..k−1}·d_L has at most k^L elements"),
    CoqTheorem("HoleFree.v", "hole_free_bound",
               "a hole-free chain of L layers of k-tap kernels (every offset 0..r − 1 reached) has receptive "
               "field r ≤ k^L"),
    # Refutation.v
    CoqTheorem("Refutation.v", "cascade_base2_not_kron",
               "3x3 kernels, dilations 2^l, L = 3: the cascade is not (K_2 ⊗ K_1 ⊗ K_0) * F_0 (2-D instance, "
               "by computation)"),
    CoqTheorem("Refutation.v", "cascade_base2_not_kron_1d",
               "3-tap kernels, dilations 2^l, L = 2: the cascade is not (K_1 ⊗ K_0) * F_0 (1-D instance, "
               "by computation)"),
    # Qtt.v -- QTT rank condition, necessity (1-D)
    CoqTheorem("Qtt.v", "qtt_unfolding_rank_le_channels",
               "a ≥ 1, channel counts C_l, any weights, K = kron_channels of L layers, 0 ≤ m ≤ L: the QTT "
               "unfolding M_m[x, y] = K[x + a^m y] (a^m × a^(L−m)) has rank ≤ C_m over every field (1-D)"),
    CoqTheorem("Qtt.v", "qtt_unfolding_rank_le_uniform",
               "C channels between layers: every QTT unfolding M_m, 0 < m < L, of the composed kernel has "
               "rank ≤ C (necessity of the QTT rank condition, 1-D, every field)"),
    CoqTheorem("Qtt.v", "qtt_cascade_rank_le_channels",
               "a ≥ 1, W_l of extent a: if the L-layer cascade maps input channel i to output channel o as F_L[o] = "
               "K * F_0[i] for every input, every QTT unfolding M_m of K has rank ≤ C_m (1-D, every field)"),
    CoqTheorem("Qtt.v", "qtt_rank_le_two_layer_cascade",
               "L = 2: a kernel K whose QTT unfolding M_1[x, y] = K[x + a y] has rank ≤ C is, on 0..a²−1, the "
               "composed kernel of a two-layer cascade with C channels and weights of extent a (1-D, every field)"),
    CoqTheorem("Qtt.v", "qtt_rank_le_two_layer_cascade_conv",
               "L = 2, a ≥ 1, K of extent a²: rank M_1 ≤ C gives weights of extent a whose two-layer cascade with "
               "C channels is F_2[0] = K * F_0[0] for every input (1-D, every field)"),
)


#: The Coq theorem covering each general proof step (rule; ``rf-induction:<claim>`` per receptive-field
#: claim): ``(theorem for D = 1, theorem for every D)``.  A rule absent here is not covered in Coq and
#: its steps cite ``null`` (:data:`UNCOVERED_STEPS` says why for the prover's own rules).
STEP_THEOREMS: dict[str, tuple[str, str]] = {
    "dilation-as-convolution": ("dconv_dilate", "dconvn_dilate"),
    "dilation-as-kronecker": ("dilate_kron_selector", "dilaten_kron_selector"),
    "kronecker-lemma": ("conv_dilate_kron", "convn_dilate_kron"),
    "induction-base": ("cascade_kron", "cascaden_kron"),
    "induction-step": ("cascade_kron", "cascaden_kron"),
    "induction-conclusion": ("cascaden_kron", "cascaden_kron"),
    "channel-bilinearity": ("cascade_ch_kron", "cascade_ch_kron"),
    "correlation-reflection": ("cascade_corr_kron", "cascade_corr_kron"),
    "centred-index": ("centred_offset", "centred_offset"),
    "extent-induction": ("rf_geometric", "rf_geometric"),
    "rf-induction:plain-stack": ("rf_plain", "rf_plain"),
    "rf-induction:kronecker-cascade": ("rf_kronecker", "rf_kronecker"),
    "rf-induction:yu-koltun": ("rf_geometric", "rf_geometric"),
    "counting": ("sumset_card", "sumset_card"),
    "interval-cardinality": ("hole_free_bound", "hole_free_bound"),
}
#: General steps of the prover that no Coq theorem covers, and why.
UNCOVERED_STEPS: dict[str, str] = {
    "nonlinear-composition": "a remark on why the linear proof stops (a nonlinearity between layers); the claim "
                             "is refuted by an exact instance counterexample, not by a general theorem",
    "prefix-recurrence": "a second route to the hole-free bound (HoleFree.v proves it by counting: sumset_card, "
                         "hole_free_bound)",
    "witness": "the mixed-radix schedule attains the bound; checked exactly on every certified instance",
    "cascade-theorem + channel-sum": "the digit form of the composed kernel; it restates Channels.v's "
                                     "cascade_ch_kron for kernels of extent a and dilations a^l",
    "matrix-factorisation": "(⇒) of the QTT-rank theorem: Qtt.v proves it in 1-D (qtt_unfolding_rank_le_uniform); "
                            "for D > 1 the same factorisation argument is not formalised; checked exactly on every "
                            "certified instance",
    "tt-svd-construction": "(⇐) of the QTT-rank theorem (Oseledets 2011, Thm 2.1): Qtt.v proves it for L = 2 "
                           "(qtt_rank_le_two_layer_cascade_conv), not for L > 2; the certified instance carries "
                           "exact witness weights that the checker composes",
}


def citation(rule: str, dims: int | None = None, root: Path | None = None) -> dict[str, str] | None:
    """The ``coq`` field of a general step with ``rule``: ``{"file", "theorem", "statement_sha256"}``, or ``None``.

    ``dims == 1`` cites the 1-D theorem of ``Signal.v``/``Cascade.v`` where there is one; otherwise the
    theorem for every D (``Multi.v`` and the rest).

    Examples
    --------
    >>> c = citation("kronecker-lemma", dims=2)
    >>> c["file"], c["theorem"], len(c["statement_sha256"])
    ('Multi.v', 'convn_dilate_kron', 64)
    >>> citation("kronecker-lemma", dims=1)["theorem"], citation("nonlinear-composition") is None
    ('conv_dilate_kron', True)
    """
    names = STEP_THEOREMS.get(rule)
    if names is None:
        return None
    t = theorem(names[0] if dims == 1 else names[1])
    return {"file": t.file, "theorem": t.name, "statement_sha256": statement_sha256(t.name, root)}


def theorem(name: str) -> CoqTheorem:
    """The main theorem called ``name``; :class:`~kronconv.errors.InvalidArgument` if there is none."""
    for t in MAIN_THEOREMS:
        if t.name == name:
            return t
    raise InvalidArgument(f"no main Coq theorem named {name!r}; known: {', '.join(t.name for t in MAIN_THEOREMS)}")


def source_files(root: Path | None = None) -> list[Path]:
    """The ``.v`` files in ``_CoqProject`` order (the order they compile in)."""
    base = COQ_DIR if root is None else Path(root)
    names = [ln.strip() for ln in (base / "_CoqProject").read_text(encoding="utf-8").splitlines()]
    return [base / n for n in names if n.endswith(".v")]


@functools.lru_cache(maxsize=64)
def _strip_comments(text: str) -> str:
    """``text`` with its (nested) Coq comments removed; cached on the text, as every citation re-reads a file."""
    out, depth, i = [], 0, 0
    while i < len(text):
        if text.startswith("(*", i):
            depth, i = depth + 1, i + 2
        elif depth and text.startswith("*)", i):
            depth, i = depth - 1, i + 2
        else:
            if not depth:
                out.append(text[i])
            i += 1
    return "".join(out)


_THEOREM = re.compile(r"(?m)^Theorem\s+([A-Za-z0-9_']+)\b(.*?)\bProof\.", re.DOTALL)


def declared_theorems(root: Path | None = None) -> list[tuple[str, str]]:
    """``(file, name)`` of every ``Theorem`` declared in the sources, in file order."""
    found = []
    for path in source_files(root):
        for m in _THEOREM.finditer(_strip_comments(path.read_text(encoding="utf-8"))):
            found.append((path.name, m.group(1)))
    return found


def statement_text(name: str, root: Path | None = None) -> str:
    """The statement of theorem ``name`` as written in its .v file, comments removed, whitespace collapsed."""
    t = theorem(name)
    base = COQ_DIR if root is None else Path(root)
    text = _strip_comments((base / t.file).read_text(encoding="utf-8"))
    for m in _THEOREM.finditer(text):
        if m.group(1) == name:
            return " ".join(f"Theorem {name}{m.group(2)}".split())
    raise InvalidArgument(f"theorem {name!r} is not declared in {t.file}")


def statement_sha256(name: str, root: Path | None = None) -> str:
    """SHA-256 (hex) of :func:`statement_text`: the citation hash of a theorem (no ``coqc`` needed)."""
    return hashlib.sha256(statement_text(name, root).encode("utf-8")).hexdigest()


def coqc_path() -> str | None:
    """``coqc`` on ``PATH``, or ``None``."""
    return shutil.which("coqc")


def build_development(dest: str | Path, *, root: Path | None = None, coqc: str | None = None,
                      timeout: float = COQC_TIMEOUT) -> Path:
    """Copy the sources of ``root`` (default :data:`COQ_DIR`) to ``dest`` and compile them there in order.

    Returns ``dest``.  Raises :class:`RuntimeError` with coqc's message when a file does not compile.
    """
    exe = coqc or coqc_path()
    if exe is None:
        raise InvalidArgument("coqc is not on PATH (install Coq 8.16+ and mathcomp to build the development)")
    src = COQ_DIR if root is None else Path(root)
    out = Path(dest)
    out.mkdir(parents=True, exist_ok=True)
    for p in [src / "_CoqProject", *source_files(src)]:
        shutil.copyfile(p, out / p.name)
    for path in source_files(out):
        cmd = [exe, "-Q", ".", LOGICAL_ROOT, path.name]
        r = subprocess.run(cmd, cwd=out, check=False, capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(f"coqc failed on {path.name}:\n{r.stdout}{r.stderr}")
    return out


@dataclass(frozen=True)
class CoqCheck:
    """What :func:`check_with_coqc` found: ``ok`` iff every file compiled and every main theorem is closed."""

    ok: bool
    coqc: str
    version: str
    compiled: bool
    closed: tuple[str, ...]
    not_closed: tuple[str, ...]
    checks: dict[str, str] = field(default_factory=dict)
    message: str = ""
    seconds: float = 0.0


def check_with_coqc(*, coqc: str | None = None, root: Path | None = None) -> CoqCheck:
    """Compile the development in a temporary folder and check ``Print Assumptions`` for each main theorem.

    A theorem counts as closed when Coq prints exactly "Closed under the global
    context" for it.  ``checks`` holds the output of ``Check name`` per theorem.
    """
    exe = coqc or coqc_path()
    if exe is None:
        raise InvalidArgument("coqc is not on PATH: the Coq layer cannot be re-run here")
    start = time.monotonic()
    version = subprocess.run([exe, "--version"], check=False, capture_output=True, text=True).stdout.strip()
    names = [t.name for t in MAIN_THEOREMS]
    with tempfile.TemporaryDirectory(prefix="kronconv-coq-") as tmp:
        try:
            build_development(tmp, root=root, coqc=exe)
        except RuntimeError as exc:
            return CoqCheck(False, exe, version, False, (), tuple(names), {}, str(exc), time.monotonic() - start)
        modules = " ".join(p.stem for p in source_files(Path(tmp)))
        lines = [f"From {LOGICAL_ROOT} Require Import {modules}."]
        for n in names:
            lines += [f"Check {n}.", f"Print Assumptions {n}."]
        (Path(tmp) / "KronconvAssumptions.v").write_text("\n".join(lines) + "\n", encoding="utf-8")
        r = subprocess.run([exe, "-Q", ".", LOGICAL_ROOT, "KronconvAssumptions.v"], cwd=tmp,
                           check=False, capture_output=True, text=True, timeout=COQC_TIMEOUT)
    if r.returncode != 0:
        return CoqCheck(False, exe, version, True, (), tuple(names), {}, r.stdout + r.stderr,
                        time.monotonic() - start)
    blocks = _split_blocks(r.stdout, names)
    checks: dict[str, str] = {}
    closed: list[str] = []
    open_: list[str] = []
    for n in names:
        text = blocks.get(n, "")
        check, _, assumptions = text.partition("\n\n") if "\n\n" in text else (text, "", "")
        checks[n] = " ".join(check.split())
        (closed if assumptions.strip() == "Closed under the global context" else open_).append(n)
    ok = not open_
    msg = "all main theorems closed under the global context" if ok else f"not closed: {', '.join(open_)}"
    return CoqCheck(ok, exe, version, True, tuple(closed), tuple(open_), checks, msg, time.monotonic() - start)


def _split_blocks(stdout: str, names: list[str]) -> dict[str, str]:
    """Cut coqc's output of ``Check n. Print Assumptions n.`` pairs into one block per theorem."""
    blocks: dict[str, list[str]] = {}
    current = None
    for line in stdout.splitlines():
        if line in names and line not in blocks:
            current = line
            blocks[current] = [line]
        elif current is not None:
            blocks[current].append(line)
    out = {}
    for n, ls in blocks.items():
        # Check prints "name\n     : type"; Print Assumptions follows after the type.
        body = "\n".join(ls)
        m = re.search(r"\n(Closed under the global context|Axioms:.*)$", body, re.DOTALL)
        out[n] = body[: m.start()] + "\n\n" + m.group(1).strip() if m else body
    return out
