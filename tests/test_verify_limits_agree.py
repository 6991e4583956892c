"""The checker refuses exactly what the prover refuses, decided on both sides of every size limit.

The prover's decision is taken from the prover itself: its entry point runs with the first
step after its limit checks replaced by a stop, so the test learns "accepted" or the
``TooLarge`` it raised without doing the work.  The claims sit at the limits' edges (found
by evaluating the documented estimates), where an estimate that is off by one term, one
factor or one bit changes the decision.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest

from kronconv.errors import InvalidArgument, TooLarge
from kronconv.theorems import base_mismatch, prove
from kronconv.theorems import qtt_rank as qtt_prover
from kronconv.verify import qtt as qtt_checker
from kronconv.verify import verify_dict
from kronconv.verify.limits import MAX_DENSE, MAX_TERMS, RANK_WORK_LIMIT, rank_limits

LIMIT_NAMES = ("MAX_TERMS", "MAX_DENSE", "RANK_WORK_LIMIT", "MAX_ENTRIES", "MAX_CERT_ENTRIES", "MAX_WORK",
               "MAX_CERT_WORK")


class _Accepted(Exception):
    """Raised in place of the prover's first step after its limit checks."""


def _stop(*args: object, **kw: object) -> None:
    raise _Accepted


def _named_limit(text: str) -> str:
    names = [n for n in LIMIT_NAMES if re.search(rf"\b{n}\b", text)]
    assert len(names) == 1, text
    return {"MAX_CERT_ENTRIES": "MAX_ENTRIES", "MAX_CERT_WORK": "MAX_WORK"}.get(names[0], names[0])


# --------------------------------------------------------------------------- Kronecker-rank reports

#: (layers, kernel, base, dims, channels): the edges of MAX_TERMS and of the exact-rank work estimate
#: (the rank work depends on the factorisations of the extent, so the decision is not monotone in the base).
RANK_EDGES = [
    (20, 2, 1, 1, 1),  # exactly MAX_TERMS = 2**20 terms: accepted
    (21, 2, 1, 1, 1),  # 2**21 terms: refused
    (10, 4, 1, 1, 1),  # 4**10 = 2**20 terms: accepted
    (2, 2, 32768, 1, 1),
    (2, 2, 65536, 1, 1),
    (3, 2, 122, 1, 1),
    (3, 2, 136, 1, 1),
    (3, 2, 144, 1, 2),
    (3, 2, 174, 1, 1),
    (3, 2, 196, 1, 1),
    (4, 2, 37, 1, 1),
    (4, 2, 53, 1, 1),
    (4, 3, 23, 1, 1),
    (7, 2, 5, 1, 2),
]


def _prover_refusal(monkeypatch: pytest.MonkeyPatch, module: object, first_work: str,
                    call: Callable[[], object]) -> str | None:
    """The limit the prover names when it refuses ``call``, or ``None`` when it reaches ``first_work``
    (its first step after the limits, stubbed to stop there)."""
    monkeypatch.setattr(module, first_work, _stop)
    try:
        call()
    except TooLarge as exc:
        return _named_limit(str(exc))
    except _Accepted:
        return None
    raise AssertionError("the prover neither refused nor reached its work")


def _prover_rank_refusal(monkeypatch: pytest.MonkeyPatch, L: int, a: int, b: int, D: int, C: int) -> str | None:
    return _prover_refusal(monkeypatch, base_mismatch, "random_kernels",
                           lambda: base_mismatch.prove_kronecker_rank(L, a, b, D, C))


@pytest.mark.parametrize("L,a,b,D,C", RANK_EDGES)
def test_rank_report_limits_decide_as_the_prover_at_the_edges(monkeypatch: pytest.MonkeyPatch, L: int, a: int, b: int,
                                                               D: int, C: int) -> None:
    mine = rank_limits(L, a, b, D, C)
    theirs = _prover_rank_refusal(monkeypatch, L, a, b, D, C)
    assert (None if mine is None else _named_limit(mine)) == theirs


def test_the_edge_claims_straddle_the_limits() -> None:
    """The table holds claims on both sides of each limit it tests (or it would test nothing)."""
    decided = {c: rank_limits(*c) for c in RANK_EDGES}
    assert decided[(20, 2, 1, 1, 1)] is None and "MAX_TERMS" in str(decided[(21, 2, 1, 1, 1)])
    work = [c for c, why in decided.items() if why is not None and "RANK_WORK_LIMIT" in why]
    accepted = [c for c, why in decided.items() if why is None]
    assert len(work) >= 4 and len(accepted) >= 6
    assert (MAX_TERMS, MAX_DENSE, RANK_WORK_LIMIT) == (1 << 20, 1 << 22, 1 << 28)


@pytest.mark.parametrize("C", [1, 2])
def test_rank_report_limits_decide_as_the_prover_along_a_sweep_of_bases(monkeypatch: pytest.MonkeyPatch, C: int) -> None:
    """Three layers of 2-tap kernels, bases 100..239: the extent 2 + b + b^2 crosses the work limit many times."""
    refused = 0
    for b in range(100, 240):
        mine = rank_limits(3, 2, b, 1, C)
        assert (None if mine is None else _named_limit(mine)) == _prover_rank_refusal(monkeypatch, 3, 2, b, 1, C), b
        refused += mine is not None
    assert 0 < refused < 140


# --------------------------------------------------------------------------- qtt-rank claims

#: (kernel_size a, layers L, dims D, channels C) at the edges of MAX_ENTRIES (padded entries (a^L)^D) and
#: MAX_WORK (entries * (2 C + (L - 2) C^2)).
QTT_EDGES = [
    (2, 14, 1, 1),  # 2**14 = MAX_ENTRIES entries: accepted
    (2, 15, 1, 1),  # 2**15: refused
    (4, 7, 1, 1),
    (2, 7, 2, 1),
    (14, 3, 1, 54),  # work 8 297 856 <= 2**23: accepted
    (14, 3, 1, 55),  # refused
    (2, 9, 1, 48),
    (2, 9, 1, 49),
    (2, 10, 1, 31),
    (2, 10, 1, 32),
    (64, 1, 2, 64),  # one layer: work 4096 * 2 C, far below the limit (no (L - 2) C^2 term)
]


def _qtt_claim(a: int, L: int, D: int, C: int) -> dict:
    kernel: object = 1
    for _ in range(D):
        kernel = [kernel]
    return {"theorem": "qtt-rank", "kernel": kernel, "shape": [1] * D, "kernel_size": a, "layers": L,
            "channels": C, "dims": D}


def _checker_qtt_refusal(c: dict) -> str | None:
    try:
        qtt_checker.expect(c)
    except InvalidArgument as exc:
        return _named_limit(str(exc))
    return None


def _prover_qtt_refusal(monkeypatch: pytest.MonkeyPatch, a: int, L: int, D: int, C: int) -> str | None:
    return _prover_refusal(monkeypatch, qtt_prover, "rank_profile",
                           lambda: qtt_prover.prove_qtt_rank(np.ones((1,) * D, dtype=np.int64), a, C, L))


@pytest.mark.parametrize("a,L,D,C", QTT_EDGES)
def test_qtt_limits_decide_as_the_prover_at_the_edges(monkeypatch: pytest.MonkeyPatch, a: int, L: int, D: int,
                                                      C: int) -> None:
    mine = _checker_qtt_refusal(_qtt_claim(a, L, D, C))
    assert mine == _prover_qtt_refusal(monkeypatch, a, L, D, C)
    entries = (a**L) ** D
    work = entries * (2 * C + max(L - 2, 0) * C * C)  # the documented estimate
    want = "MAX_ENTRIES" if entries > 1 << 14 else "MAX_WORK" if work > 1 << 23 else None
    assert mine == want


def test_qtt_kernel_size_one_is_refused_by_both_sides() -> None:
    c = _qtt_claim(1, 2, 1, 1)
    with pytest.raises(InvalidArgument) as exc:
        qtt_checker.expect(c)
    assert str(exc.value) == "claim.kernel_size must be an integer in [2, 64], got 1"
    with pytest.raises(InvalidArgument, match="must be >= 2, got 1"):
        prove(theorem="qtt-rank", kernel=1, qtt_kernel=[1], layers=2)


def test_a_qtt_kernel_wider_than_a_to_the_L_is_refused_by_both_sides() -> None:
    good = prove(theorem="qtt-rank", kernel=3, layers=2, qtt_kernel=list(range(1, 10))).to_dict()
    assert verify_dict(good).ok  # 9 = 3**2 entries per axis: the widest kernel accepted
    c = dict(good["claim"], kernel=list(range(1, 11)), shape=[10])
    with pytest.raises(InvalidArgument) as exc:
        qtt_checker.expect(c)
    assert str(exc.value) == "claim.shape [10] exceeds a^L = 9 per axis"
    with pytest.raises(InvalidArgument, match="exceeds a"):
        prove(theorem="qtt-rank", kernel=3, layers=2, qtt_kernel=list(range(1, 11)))


# --------------------------------------------------------------------------- hole-free-bound claims

#: At k = 3, L = 1 the size estimate of the first expression is 4095.6 bits and of the second 4096.3 bits
#: (MAX_VALUE_BITS = 4096): the largest claim accepted and one just above.
_EIGHT = "*".join(f"(k+{j})**64" for j in range(1, 9))
BELOW, ABOVE = f"{_EIGHT}*(k+19)**36", f"{_EIGHT}*(k+16)**37"


def test_max_rf_size_limit_accepts_the_largest_claim_the_prover_accepts() -> None:
    d = prove(theorem="hole-free-bound", kernel=3, layers=1, max_rf=BELOW).to_dict()
    value = 1
    for j in range(1, 9):
        value *= (3 + j) ** 64
    value *= (3 + 19) ** 36
    assert d["steps"][4]["facts"]["claimed"] == str(value)  # a 4000-bit claim, computed exactly
    res = verify_dict(d)
    assert res.ok, res.reasons
    assert d["proved"] is False


def test_max_rf_size_limit_refuses_just_above_on_both_sides() -> None:
    with pytest.raises(TooLarge, match="MAX_VALUE_BITS = 4096"):
        prove(theorem="hole-free-bound", kernel=3, layers=1, max_rf=ABOVE)
    d = prove(theorem="hole-free-bound", kernel=3, layers=1, max_rf=BELOW).to_dict()
    d["claim"]["max_rf"] = ABOVE
    with pytest.raises(InvalidArgument, match=r"may need more than MAX_VALUE_BITS = 4096 bits at k = 3, L = 1"):
        verify_dict(d)


# --------------------------------------------------------------------------- dilation-lemma claims


@pytest.mark.parametrize("kernel", [1, 3, 5])
def test_centred_dilation_lemma_with_an_odd_kernel_verifies(kernel: int) -> None:
    d = prove(theorem="dilation-lemma", kernel=kernel, origin="centre", dims=1).to_dict()
    res = verify_dict(d)
    assert res.ok, res.reasons


@pytest.mark.parametrize("kernel", [2, 4])
def test_centred_dilation_lemma_with_an_even_kernel_is_refused_by_both_sides(kernel: int) -> None:
    with pytest.raises(InvalidArgument, match="needs an odd kernel"):
        prove(theorem="dilation-lemma", kernel=kernel, origin="centre", dims=1)
    d = prove(theorem="dilation-lemma", kernel=kernel, dims=1).to_dict()
    d["claim"]["origin"] = "centre"
    with pytest.raises(InvalidArgument) as exc:
        verify_dict(d)
    assert str(exc.value) == f"claim.origin 'centre' needs an odd kernel, got kernel {kernel}"
