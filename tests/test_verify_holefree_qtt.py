"""Kinds ``hole-free-bound`` and ``qtt-rank``: prove/verify round trips, forged certificates, limits, the CLI."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.cli import main
from kronconv.errors import InvalidArgument, TooLarge
from kronconv.theorems import hole_free as hf_prover
from kronconv.theorems import prove, seeded_qtt_kernel
from kronconv.theorems import qtt_rank as qtt_prover
from kronconv.verify import REGISTRY, content_hash, verify_dict
from kronconv.verify import holefree as hf_checker
from kronconv.verify import qtt as qtt_checker


def _d(**kw) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(prove(**kw).to_json())


def _reasons(d: dict) -> list[str]:
    """Reasons the checker gives for a forged certificate (content hash recomputed, so it is not the reason)."""
    d["hash"] = content_hash(d)
    r = verify_dict(d)
    assert not r.ok
    assert not any("content hash" in x for x in r.reasons)
    return r.reasons


def test_both_kinds_are_registered_with_limits_equal_to_the_provers() -> None:
    assert {"hole-free-bound", "qtt-rank"} <= set(REGISTRY)
    assert hf_checker.MAX_FIELD == hf_prover.MAX_FIELD == 1 << 22
    assert hf_checker.INSTANCE_EXHAUSTIVE_LIMIT == hf_prover.INSTANCE_EXHAUSTIVE_LIMIT
    assert hf_checker.MAX_VALUE_BITS == hf_prover.MAX_VALUE_BITS
    assert qtt_checker.MAX_ENTRIES == qtt_prover.MAX_CERT_ENTRIES
    assert qtt_checker.MAX_WORK == qtt_prover.MAX_CERT_WORK


# --------------------------------------------------------------------------- hole-free-bound


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 5), st.integers(1, 3), st.integers(-3, 3))
def test_hole_free_bound_holds_exactly_at_k_to_the_L(k: int, L: int, delta: int) -> None:
    expr = "k**L" if delta == 0 else f"k**L {'+' if delta > 0 else '-'} {abs(delta)}"
    d = _d(theorem="hole-free-bound", kernel=k, layers=L, max_rf=expr)
    assert d["proved"] is (delta == 0)
    r = verify_dict(d)
    assert r.ok, r.reasons
    facts = d["steps"][4]["facts"]
    assert facts["counting_bound"] == k**L and facts["witness"] == [k**i for i in range(L)]
    if facts["exhaustive_max"] is not None:  # independent: the largest field found by enumeration
        assert facts["exhaustive_max"] == k**L
    if delta:
        assert d["steps"][5]["rule"] == ("counting-refutation" if delta > 0 else "witness-refutation")


def test_hole_free_known_values() -> None:
    assert hf_checker.max_hole_free_rf(2, 3) == 8 and hf_checker.max_hole_free_rf(3, 2) == 9
    d = _d(theorem="hole-free-bound", kernel=3, layers=4)
    assert d["statement"].endswith("is max_rf = k**L = 81") and d["steps"][4]["facts"]["multisets"] == 123410
    assert _d(theorem="hole-free-bound", kernel=2, layers=3, max_rf="8")["proved"]  # a number equal to k^L holds
    assert not _d(theorem="hole-free-bound", kernel=3, layers=2, max_rf="k/2")["proved"]  # 3/2: not an integer


def test_hole_free_forgeries_are_rejected_with_the_difference() -> None:
    good = _d(theorem="hole-free-bound", kernel=3, layers=4)
    bad = _d(theorem="hole-free-bound", kernel=3, layers=4, max_rf="k**L + 1")
    d = copy.deepcopy(good)
    d["steps"][4]["facts"]["counting_bound"] = 82
    assert _reasons(d) == ["proof.steps[4].facts.counting_bound: certificate has 82, the checker derives 81"]
    d = copy.deepcopy(good)
    d["statement"] = d["statement"].replace("81", "82")
    assert _reasons(d)[0].startswith("proof.statement: certificate has")
    d = copy.deepcopy(bad)  # flipped verdict on the false claim
    d["proved"], d["verdict"] = True, "proved"
    assert "proof: verdict proved is wrong: the checker finds the claim fails" in _reasons(d)
    d = copy.deepcopy(good)
    d["verdict"] = "refuted"
    assert _reasons(d) == ["proof.verdict: certificate has \"refuted\", the checker derives \"proved\""]
    d = copy.deepcopy(bad)
    d["steps"][5]["rule"] = "witness-refutation"
    assert _reasons(d)[0].startswith("proof.steps[5].rule: certificate has \"witness-refutation\"")
    d = copy.deepcopy(good)
    d["certificate"][1]["evidence"]["witness"] = [1, 3, 9, 28]
    assert _reasons(d) == ["proof.certificate[1].evidence.witness[3]: certificate has 28, the checker derives 27"]
    d = copy.deepcopy(good)
    d["steps"][0]["obligations"][0]["expr"] = d["steps"][0]["obligations"][0]["expr"].replace("Integer(1)", "Integer(2)")
    assert _reasons(d)[0].startswith("proof.steps[0].obligations[0].expr")
    d = copy.deepcopy(good)
    d["claim"]["max_rf"] = "k**L+0"  # the same value, not the prover's canonical text
    assert _reasons(d)[0].startswith("proof.claim.max_rf: certificate has \"k**L+0\", the checker derives \"k**L\"")
    d = copy.deepcopy(bad)  # a refutation re-pointed at the true claim
    d["claim"]["max_rf"] = "k**L"
    assert "proof: verdict refuted is wrong: the checker finds the claim holds" in _reasons(d)


@pytest.mark.parametrize(("field", "value", "match"), [
    ("layers", 30, "MAX_FIELD = 4194304"),
    ("kernel", 1, r"claim.kernel must be an integer in \[2, 64\]"),
    ("max_rf", "__import__('os')", "claim.max_rf must be an arithmetic expression"),
    ("max_rf", "9**9**9", "claim.max_rf must be an arithmetic expression"),
    ("max_rf", 81, "claim.max_rf must be a string"),
    ("extra", 1, r"unknown field\(s\) \['extra'\]"),
])
def test_hole_free_malformed_or_oversize_claims_are_refused(field: str, value: object, match: str) -> None:
    d = _d(theorem="hole-free-bound", kernel=2, layers=3)
    d["claim"][field] = value
    d["hash"] = content_hash(d)
    with pytest.raises(InvalidArgument, match=match):
        verify_dict(d)


def test_hole_free_prover_refuses_what_the_checker_refuses() -> None:
    with pytest.raises(TooLarge, match="MAX_FIELD = 4194304"):
        prove(theorem="hole-free-bound", kernel=2, layers=23)
    assert prove(theorem="hole-free-bound", kernel=2, layers=22).proved  # 2^22: at the limit, emitted and checked
    with pytest.raises(InvalidArgument, match="kernel k must be an integer in"):
        prove(theorem="hole-free-bound", kernel=1, layers=2)
    with pytest.raises(InvalidArgument, match="max_rf must be an arithmetic expression"):
        prove(theorem="hole-free-bound", max_rf="k**x")
    # nested powers collapse to exponents above 64, and a literal above 10**18 after evaluation: both refused,
    # so every emitted claim text reads back
    for text in ("((((k**64)**64)**64)**64)**64", "k**L/2**60"):
        with pytest.raises(InvalidArgument, match="max_rf must be an arithmetic expression"):
            prove(theorem="hole-free-bound", max_rf=text)
    big = "(k+1)**(64*L+64)*(k+2)**(64*L+64)*(k+3)**(64*L+64)"  # about 6,600 bits at k = 3, L = 8
    with pytest.raises(TooLarge, match="MAX_VALUE_BITS = 4096"):
        prove(theorem="hole-free-bound", kernel=3, layers=8, max_rf=big)
    d = _d(theorem="hole-free-bound", kernel=3, layers=2, max_rf=big)  # about 1,700 bits: emitted and checked
    assert not d["proved"] and verify_dict(d).ok
    d["claim"]["layers"] = 8
    d["hash"] = content_hash(d)
    with pytest.raises(InvalidArgument, match="MAX_VALUE_BITS = 4096"):
        verify_dict(d)


@settings(max_examples=30, deadline=None)
@given(st.text(alphabet="0123456789kL+-*/() ", min_size=1, max_size=30), st.integers(2, 4), st.integers(1, 3))
def test_any_accepted_max_rf_round_trips_through_the_checker(text: str, k: int, L: int) -> None:
    try:
        p = prove(theorem="hole-free-bound", kernel=k, layers=L, max_rf=text)
    except (InvalidArgument, TooLarge):  # refused up front (exit 2, one line)
        return
    r = verify_dict(p.to_dict())
    assert r.ok, (text, r.reasons)
    assert p.proved is (p.steps[4].facts["claimed"] == str(k**L))


# --------------------------------------------------------------------------- qtt-rank


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 3), st.integers(2, 3), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2**16))
def test_seeded_qtt_claims_hold_iff_the_ranks_fit(a: int, L: int, R: int, C: int, seed: int) -> None:
    d = _d(theorem="qtt-rank", kernel=a, layers=L, channels=C, rank=R, seed=seed)
    ranks = d["certificate"][1]["evidence"]["witness"]["ranks"]
    assert len(ranks) == L - 1 and all(r <= R for r in ranks)
    assert d["proved"] is all(r <= C for r in ranks)
    r = verify_dict(d)
    assert r.ok, r.reasons


def test_qtt_witness_is_free_but_replayed() -> None:
    k = np.array([3, -1, 2, 6, -2, 4, 3, -1, 2])  # kron([1, 2, 1], [3, -1, 2]): rank 1
    d = json.loads(prove(theorem="qtt-rank", kernel=3, channels=1, qtt_kernel=k, layers=None).to_json())
    assert d["proved"] and verify_dict(d).ok
    w = d["certificate"][1]["evidence"]["witness"]["weights"]
    assert w == [[[["3", "-1", "2"]]], [[["1", "2", "1"]]]]
    e = copy.deepcopy(d)  # another factorisation of the same kernel: any exact witness proves the claim
    e["certificate"][1]["evidence"]["witness"]["weights"] = [[[["3/2", "-1/2", "1"]]], [[["2", "4", "2"]]]]
    e["hash"] = content_hash(e)
    assert verify_dict(e).ok
    e = copy.deepcopy(d)  # forged weights
    e["certificate"][1]["evidence"]["witness"]["weights"][1][0][0] = ["1", "2", "2"]
    assert _reasons(e) == [("proof: certificate[1].evidence.witness.weights compose to 6 at position [6], the "
                           "kernel has 3 there")]
    e = copy.deepcopy(d)
    e["certificate"][1]["evidence"]["witness"]["weights"][0][0][0] = ["6/2", "-1", "2"]
    assert "not in lowest terms" in _reasons(e)[0]
    e = copy.deepcopy(d)
    e["certificate"][1]["evidence"]["witness"]["weights"][0][0][0] = ["x", "-1", "2"]
    e["hash"] = content_hash(e)
    with pytest.raises(InvalidArgument, match="entries must be fractions as strings"):
        verify_dict(e)


def test_qtt_refutation_forgeries() -> None:
    d = _d(theorem="qtt-rank", kernel=2, layers=3, channels=1, rank=2, seed=0)
    assert d["verdict"] == "refuted" and verify_dict(d).ok
    e = copy.deepcopy(d)
    e["certificate"][1]["evidence"]["witness"]["rank"] = 1
    assert _reasons(e) == ["proof.certificate[1].evidence.witness.rank: certificate has 1, the checker derives 2"]
    e = copy.deepcopy(d)
    e["steps"][3]["facts"]["ranks"] = [1, 2]
    assert _reasons(e) == ["proof.steps[3].facts.ranks[0]: certificate has 1, the checker derives 2"]
    e = copy.deepcopy(d)
    e["claim"]["kernel"][0] += 1  # another kernel: its ranks and every text re-derived
    assert not verify_dict(copy.deepcopy(e)).ok


def test_qtt_cli(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    k = tmp_path / "k.npy"
    np.save(k, seeded_qtt_kernel(2, 3, 2, 5))
    out = tmp_path / "c.json"
    assert main(["prove", "--theorem", "qtt-rank", "--kernel-file", str(k), "--kernel", "2", "--channels", "2",
                 "--format", "json", "--out", str(out)]) == 0
    assert main(["verify", str(out)]) == 0
    assert main(["prove", "--theorem", "qtt-rank", "--kernel-file", str(k), "--kernel", "2", "--channels", "1"]) == 1
    assert main(["prove", "--theorem", "qtt-rank", "--rank", "3", "--seed", "1", "--kernel", "2", "--layers", "4",
                 "--channels", "2"]) == 1
    capsys.readouterr()
    for bad in (["--theorem", "qtt-rank", "--kernel", "2"],
                ["--theorem", "qtt-rank", "--kernel-file", str(k), "--rank", "2"],
                ["--theorem", "qtt-rank", "--kernel-file", str(k), "--seed", "2"],
                ["--theorem", "qtt-rank", "--rank", "2", "--dims", "2"],
                ["--theorem", "qtt-rank", "--kernel-file", str(tmp_path / "none.npy")]):
        assert main(["prove", *bad]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err


def test_hole_free_cli(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "h.json"
    assert main(["prove", "--theorem", "hole-free-bound", "--kernel", "3", "--layers", "4", "--format", "json",
                 "--out", str(out)]) == 0
    assert main(["verify", str(out)]) == 0
    assert main(["prove", "--theorem", "hole-free-bound", "--kernel", "3", "--layers", "4", "--max-rf", "k**L - 1"]) == 1
    assert main(["prove", "--theorem", "hole-free-bound", "--kernel", "3", "--layers", "4", "--max-rf", "k**L + 1"]) == 1
    d = json.loads(out.read_text())
    d["proved"], d["verdict"] = False, "refuted"
    d["hash"] = content_hash(d)
    out.write_text(json.dumps(d))
    capsys.readouterr()
    assert main(["verify", str(out)]) == 1
    for bad in (["--kernel", "2", "--layers", "30"], ["--max-rf", "x"], ["--dims", "2"], ["--seed", "1"],
                ["--kernel", "1"]):
        assert main(["prove", "--theorem", "hole-free-bound", *bad]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
    assert main(["prove", "--max-rf", "k**L"]) == 2  # the cascade theorem does not read --max-rf
    assert "does not use --max-rf" in capsys.readouterr().err
