"""The checker's own exact arithmetic, each routine against an independent computation: primality, the
multi-modular rank and its stopping bound, Bareiss ranks, QTT unfoldings, the discharge of obligations,
Coq comment stripping, and the strict reading of a qtt-rank witness.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from typing import Any

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from kronconv.errors import InvalidArgument
from kronconv.proof import content_hash
from kronconv.theorems import prove
from kronconv.verify import verify_dict
from kronconv.verify.coqcite import COQ_DIR, _uncomment, statements
from kronconv.verify.qtt import _unfolding, bareiss_rank
from kronconv.verify.rank import _is_prime, exact_rank
from kronconv.verify.steps import obligation_holds

P31 = 2**31 - 1  # the first prime the modular rank uses (a Mersenne prime)

# --------------------------------------------------------------------------- primes and the modular rank


def test_is_prime_agrees_with_sympy() -> None:
    for n in itertools.chain(range(3000), range(P31 - 3000, P31 + 1)):
        assert _is_prime(n) is bool(sp.isprime(n)), n


def test_a_prime_square_is_not_prime() -> None:
    assert [n for n in (4, 9, 25, 49, 121, 46337**2) if _is_prime(n)] == []


def test_rank_of_a_column_that_vanishes_modulo_the_first_prime() -> None:
    """Rank 1 over the rationals, rank 0 modulo 2**31 - 1: the stopping bound must come from the largest row
    (the product of the smallest rows' norms would stop after that one prime)."""
    assert exact_rank([[0], [P31]]) == 1
    assert exact_rank([[0, 0], [P31, 2 * P31], [0, 0]]) == 1
    assert exact_rank([[P31, 0], [0, 0], [0, P31]]) == 2


@given(st.lists(st.lists(st.integers(-2, 2), min_size=1, max_size=4), min_size=1, max_size=5),
       st.integers(0, 3))
def test_exact_rank_equals_sympy_on_multiples_of_the_first_prime(rows: list[list[int]], zero_rows: int) -> None:
    w = min(len(r) for r in rows)
    m = [[x * P31 for x in r[:w]] for r in rows] + [[0] * w for _ in range(zero_rows)]
    assert exact_rank(m) == sp.Matrix(m).rank()


# --------------------------------------------------------------------------- Bareiss ranks and unfoldings


def test_the_rank_of_an_empty_matrix_is_zero() -> None:
    assert bareiss_rank([]) == 0
    assert bareiss_rank([[], []]) == 0


@given(st.lists(st.lists(st.integers(-5, 5), min_size=3, max_size=3), min_size=1, max_size=5))
def test_bareiss_rank_equals_sympy(rows: list[list[int]]) -> None:
    assert bareiss_rank(rows) == sp.Matrix(rows).rank()


def _unfolding_by_numpy(kernel: np.ndarray, a: int, L: int, l: int) -> np.ndarray:
    """Unfolding ``l``: rows the digits of levels L-1..l+1, columns those of levels l..0, each level a D-tuple
    (axis 0 most significant).  Position t of an axis is sum_j q_j a^j, so reshaping the axis to (a,)*L lists
    its digits from level L-1 down to level 0."""
    D = kernel.ndim
    t = kernel.reshape(sum(((a,) * L for _ in range(D)), ()))  # axes: (axis d, level L-1-j) at d*L + j
    order = [d * L + (L - 1 - lv) for lv in range(L - 1, -1, -1) for d in range(D)]
    return t.transpose(order).reshape(a ** (D * (L - 1 - l)), a ** (D * (l + 1)))


@given(st.integers(2, 3), st.integers(2, 3), st.integers(1, 2), st.integers(0, 2**32 - 1))
def test_unfoldings_have_the_documented_shape_and_entries(a: int, L: int, D: int, seed: int) -> None:
    n = a**L
    kernel = np.random.default_rng(seed).integers(-4, 5, size=(n,) * D)
    entries = {tuple(int(x) for x in idx): int(v) for idx, v in np.ndenumerate(kernel)}
    for l in range(L - 1):
        got = _unfolding(entries, a, L, D, l)
        assert (len(got), len(got[0])) == (a ** (D * (L - 1 - l)), a ** (D * (l + 1)))
        assert np.array_equal(np.array(got), _unfolding_by_numpy(kernel, a, L, l))


# --------------------------------------------------------------------------- obligations


@pytest.mark.parametrize("kind,srepr,holds", [
    ("equal", "Equality(Integer(1), Integer(2))", False),
    ("equal", "Equality(Add(Symbol('x'), Integer(1)), Symbol('x'))", False),
    ("equal", "Equality(Add(Symbol('x'), Integer(1)), Add(Integer(1), Symbol('x')))", True),
    ("equal", "Equality(Integer(0), Integer(0))", True),
    ("positive", "Integer(-1)", False),
    ("positive", "Integer(0)", False),
    ("nonnegative", "Integer(0)", True),
])
def test_only_true_obligations_are_discharged(kind: str, srepr: str, holds: bool) -> None:
    assert obligation_holds(kind, srepr) is holds


# --------------------------------------------------------------------------- Coq statements


@pytest.mark.parametrize("text,want", [
    ("a (* b *) c", "a  c"),
    ("a (* b (* nested *) still b *) c", "a  c"),
    ("(* leading *)Theorem t : True.", "Theorem t : True."),
    ("x := 1 * 2.", "x := 1 * 2."),
    ("ends with a char", "ends with a char"),
    ("no comment at all)", "no comment at all)"),
])
def test_comments_are_stripped_and_nothing_else(text: str, want: str) -> None:
    assert _uncomment(text) == want


def test_statement_hashes_are_of_the_uncommented_statement_text() -> None:
    """Recompute one shipped statement's hash from the file by hand: the text from ``Theorem`` to ``Proof.``,
    comments removed (none of the shipped statements has one inside), whitespace collapsed."""
    files = (COQ_DIR / "_CoqProject").read_text(encoding="utf-8").split()
    vfile = next(f for f in files if f.endswith(".v") and statements(f))
    text = (COQ_DIR / vfile).read_text(encoding="utf-8")
    name, digest = next(iter(statements(vfile).items()))
    start = text.index(f"Theorem {name}")
    body = text[start:text.index("Proof.", start)]
    assert "(*" not in body
    assert hashlib.sha256(" ".join(body.split()).encode()).hexdigest() == digest


# --------------------------------------------------------------------------- qtt-rank witness channel counts


def _qtt_two_channels() -> dict[str, Any]:
    d = json.loads(prove(theorem="qtt-rank", qtt_kernel=list(range(1, 10)), kernel=3, layers=2, channels=2).to_json())
    assert d["proved"] is True and verify_dict(d).ok
    return d


def _malformed(d: dict[str, Any]) -> str:
    d["hash"] = content_hash(d)
    with pytest.raises(InvalidArgument) as exc:
        verify_dict(d)
    return str(exc.value)


def test_a_witness_whose_first_layer_reads_two_input_channels_is_malformed() -> None:
    d = _qtt_two_channels()
    w = d["certificate"][1]["evidence"]["witness"]["weights"]
    w[0] = [[taps[0], taps[0]] for taps in w[0]]  # every row of layer 0 now has two input channels
    assert _malformed(d).endswith("certificate[1].evidence.witness.weights: the first layer must have one input "
                                  "channel and the last one output channel")


def test_a_witness_whose_last_layer_writes_two_output_channels_is_malformed() -> None:
    d = _qtt_two_channels()
    w = d["certificate"][1]["evidence"]["witness"]["weights"]
    w[1] = [w[1][0], w[1][0]]  # layer 1 now has two output channels
    assert _malformed(d).endswith("certificate[1].evidence.witness.weights: the first layer must have one input "
                                  "channel and the last one output channel")
