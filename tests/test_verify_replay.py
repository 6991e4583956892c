"""Refutations of linear cascade claims: the checker's replay of a counterexample equals a brute-force
evaluation of both sides, every index of a forged counterexample is range-checked, and genuine
refutations verify under every index convention.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kronconv.errors import InvalidArgument
from kronconv.proof import content_hash
from kronconv.theorems import prove
from kronconv.verify import cascade_holds, verify_dict
from kronconv.verify.cascade import replay
from kronconv.verify.limits import MAX_TERMS

# --------------------------------------------------------------------------- brute force of both sides


def _dense(c: dict[str, Any], k: dict[str, Any]) -> np.ndarray:
    """Layer kernel ``[out, in, taps...]`` (corner indices) with the unit entry ``k`` (its tap is centred)."""
    a, D, C = c["kernel"], c["dims"], c["channels"]
    r = (a - 1) // 2 if c["origin"] == "centre" else 0
    K = np.zeros((C, C) + (a,) * D, dtype=np.int64)
    K[(k["out"], k["in"]) + tuple(t + r for t in k["tap"])] = 1
    return K


def _cascade_field(c: dict[str, Any], Ks: list[np.ndarray], i: int) -> dict[tuple[int, tuple[int, ...]], int]:
    """The cascade's output for a unit impulse at the origin of channel ``i``, by the definition
    F_(l+1)[o](x) = sum_(c, n) K_l[o, c, n] F_l[c](x - s d_l (n - r)), s = -1 for correlations."""
    a, D = c["kernel"], c["dims"]
    r = (a - 1) // 2 if c["origin"] == "centre" else 0
    s = -1 if c["correlation"] else 1
    field = {(i, (0,) * D): 1}
    for K, d in zip(Ks, c["dilations"]):
        new: dict[tuple[int, tuple[int, ...]], int] = {}
        for idx in zip(*np.nonzero(K)):
            o, ch, n = int(idx[0]), int(idx[1]), [int(x) for x in idx[2:]]
            for (fc, x), v in field.items():
                if fc == ch:
                    y = tuple(xx + s * d * (t - r) for xx, t in zip(x, n))
                    new[(o, y)] = new.get((o, y), 0) + int(K[idx]) * v
        field = {key: v for key, v in new.items() if v}
    return field


def _claimed_kernel(c: dict[str, Any], Ks: list[np.ndarray], o: int, i: int) -> np.ndarray:
    """K[o, i] of the claim: numpy.kron of the layers' kernels in the claimed order, summed over the channel
    paths (channel-sum form) or taken at [o, i] in every layer; flipped on every axis when the claim says so."""
    L, C = c["layers"], c["channels"]

    def kron(parts: list[np.ndarray]) -> np.ndarray:
        seq = parts[::-1] if c["order"] == "last-outer" else parts  # last-outer: K_(L-1) ⊗ ... ⊗ K_0
        out = seq[0]
        for p in seq[1:]:
            out = np.kron(out, p)
        return out

    if C > 1 and not c["channel_sum"]:
        total = kron([K[o, i] for K in Ks])
    else:
        total = 0
        for path in itertools.product(range(C), repeat=L - 1):
            ch = [i, *path, o]  # c_0 = i, ..., c_L = o
            total = total + kron([Ks[l][ch[l + 1], ch[l]] for l in range(L)])
    if c["flip"]:
        total = total[(slice(None, None, -1),) * c["dims"]]
    return np.asarray(total)


def _claimed_value(c: dict[str, Any], Ks: list[np.ndarray], i: int, o: int, pos: list[int]) -> int:
    """The claimed side at ``(o, pos)``: entry n of the claimed kernel lands at s (n - R), R its centre offset."""
    K = _claimed_kernel(c, Ks, o, i)
    N = K.shape[0]
    R = (N - 1) // 2 if c["origin"] == "centre" else 0
    s = -1 if c["correlation"] else 1
    n = [s * x + R for x in pos]
    return int(K[tuple(n)]) if all(0 <= x < N for x in n) else 0


@st.composite
def _cases(draw: Any) -> tuple[dict[str, Any], list[dict[str, Any]], int, int, list[int]]:
    a = draw(st.integers(1, 3))
    L = draw(st.integers(1, 3))
    D = draw(st.integers(1, 2))
    C = draw(st.integers(1, 2))
    origin = draw(st.sampled_from(["corner", "centre"] if a % 2 else ["corner"]))
    c = {"kernel": a, "layers": L, "dims": D, "channels": C, "origin": origin,
         "order": draw(st.sampled_from(["last-outer", "first-outer"])), "flip": draw(st.booleans()),
         "correlation": draw(st.booleans()), "channel_sum": C > 1 and draw(st.booleans()),
         "dilations": draw(st.lists(st.integers(1, 4), min_size=L, max_size=L)), "nonlinearity": "none"}
    r = (a - 1) // 2 if origin == "centre" else 0
    ks = [{"layer": l, "out": draw(st.integers(0, C - 1)), "in": draw(st.integers(0, C - 1)),
           "tap": draw(st.lists(st.integers(-r, a - 1 - r), min_size=D, max_size=D)), "value": 1} for l in range(L)]
    i, o = draw(st.integers(0, C - 1)), draw(st.integers(0, C - 1))
    Ks = [_dense(c, k) for k in ks]
    # where either side can be nonzero, and a few other places
    where = [list(x) for (_, x) in _cascade_field(c, Ks, i)]
    K = _claimed_kernel(c, Ks, o, i)
    N = K.shape[0]
    R = (N - 1) // 2 if origin == "centre" else 0
    s = -1 if c["correlation"] else 1
    where += [[s * (int(n) - R) for n in idx] for idx in zip(*np.nonzero(K))]
    where.append(draw(st.lists(st.integers(-6, 6), min_size=D, max_size=D)))
    pos = draw(st.sampled_from(where))
    return c, ks, i, o, pos


@given(_cases())
def test_replay_equals_a_brute_force_evaluation_of_both_sides(case: Any) -> None:
    c, ks, i, o, pos = case
    Ks = [_dense(c, k) for k in ks]
    field = _cascade_field(c, Ks, i)
    got = replay(c, copy.deepcopy(ks), i, o, pos)
    assert got["cascade_value"] == field.get((o, tuple(pos)), 0)
    assert got["claimed_value"] == _claimed_value(c, Ks, i, o, pos)
    # the cascade's product lands at one place (whatever its channel) when its channel path chains
    assert got["cascade_position"] == (list(next(iter(field))[1]) if field else None)


def test_the_brute_force_sees_the_centre_offset() -> None:
    """A hand-checked instance: 3-tap kernels, L = 2, centred indices, taps +1 and +1: the Kronecker kernel's
    entry at corner index 2 + 2*3 = 8 sits at 8 - (9 - 1)/2 = 4; the cascade's product at 1*1 + 2*1 = 3."""
    c = {"kernel": 3, "layers": 2, "dims": 1, "channels": 1, "origin": "centre", "order": "last-outer",
         "flip": False, "correlation": False, "channel_sum": False, "dilations": [1, 2], "nonlinearity": "none"}
    ks = [{"layer": l, "out": 0, "in": 0, "tap": [1], "value": 1} for l in range(2)]
    assert _claimed_value(c, [_dense(c, k) for k in ks], 0, 0, [4]) == 1
    assert replay(c, ks, 0, 0, [4]) == {"cascade_position": [3], "cascade_value": 0, "claimed_value": 1}
    assert replay(c, ks, 0, 0, [3]) == {"cascade_position": [3], "cascade_value": 1, "claimed_value": 0}


# --------------------------------------------------------------------------- genuine refutations verify


@pytest.mark.parametrize("kw", [
    {"layers": 2, "base": 2, "origin": "centre"},
    {"layers": 2, "base": 2, "origin": "centre", "dims": 1, "correlation": True},
    {"layers": 3, "base": 2, "origin": "centre", "dims": 1},
    {"layers": 2, "base": 2, "kernel": 5, "origin": "centre", "dims": 1},
    {"layers": 2, "channels": 2, "dims": 1},
])
def test_genuine_refutations_verify_under_every_convention(kw: dict[str, Any]) -> None:
    d = prove(**kw).to_dict()
    assert d["proved"] is False
    ce = d["steps"][-1]["facts"]
    assert ce["cascade_value"] != ce["claimed_value"]
    res = verify_dict(d)
    assert res.ok, res.reasons


# --------------------------------------------------------------------------- forged counterexample indices


def _rehash(d: dict[str, Any]) -> dict[str, Any]:
    for r in d["related"]:
        _rehash(r)
    d["hash"] = content_hash(d)
    return d


def _first_reason(d: dict[str, Any]) -> str:
    res = verify_dict(_rehash(d))
    assert not res.ok
    return res.reasons[0]


#: (claim, tap values of layer 0 on every axis that are out of range): centred 3-tap taps are -1..1, corner ones 0..2.
@pytest.mark.parametrize("kw,tap", [
    ({"layers": 2, "base": 2, "origin": "centre", "dims": 1}, 2),
    ({"layers": 2, "base": 2, "origin": "centre", "dims": 1}, -2),
    ({"layers": 2, "base": 2, "kernel": 5, "origin": "centre", "dims": 1}, 3),
    ({"layers": 3, "base": 2, "dims": 1}, 3),
    ({"layers": 3, "base": 2, "dims": 1}, -1),
])
def test_counterexample_taps_outside_the_kernel_are_rejected(kw: dict[str, Any], tap: int) -> None:
    d = prove(**kw).to_dict()
    d["steps"][-1]["facts"]["kernels"][0]["tap"] = [tap]
    assert _first_reason(d) == "proof: counterexample kernel entry 0 is not a unit entry of layer 0 within range"


@pytest.mark.parametrize("kw,tap", [
    ({"layers": 2, "base": 2, "origin": "centre", "dims": 1}, 1),
    ({"layers": 2, "base": 2, "origin": "centre", "dims": 1}, -1),
    ({"layers": 3, "base": 2, "dims": 1}, 2),
    ({"layers": 3, "base": 2, "dims": 1}, 0),
])
def test_counterexample_taps_at_the_kernel_edges_are_replayed(kw: dict[str, Any], tap: int) -> None:
    """An edge tap passes the range check: the record is then compared (and here differs only where the
    forged tap moved the cascade's product, or the texts that mention it)."""
    d = prove(**kw).to_dict()
    facts = d["steps"][-1]["facts"]
    if facts["kernels"][0]["tap"] == [tap]:
        assert verify_dict(d).ok
        return
    facts["kernels"][0]["tap"] = [tap]
    assert "not a unit entry" not in _first_reason(d)


@pytest.mark.parametrize("channel", [2, -1])
def test_counterexample_input_channel_outside_the_channels_is_rejected(channel: int) -> None:
    d = prove(layers=2, channels=2, dims=1).to_dict()
    assert d["proved"] is False
    d["steps"][-1]["facts"]["input"]["channel"] = channel
    assert _first_reason(d) == "proof: counterexample input channel must be an integer in [0, 1]"


def test_counterexample_input_channel_of_a_single_channel_claim_is_zero() -> None:
    d = prove(layers=3, base=2, dims=1).to_dict()
    d["steps"][-1]["facts"]["input"]["channel"] = 1
    assert _first_reason(d) == "proof: counterexample input channel must be an integer in [0, 0]"


# --------------------------------------------------------------------------- the decision procedure's guards


_BASE = {"kernel": 3, "layers": 2, "channels": 1, "channel_sum": False, "origin": "corner", "order": "last-outer",
         "flip": False}


@pytest.mark.parametrize("c", [
    dict(_BASE, dilations=[1, 3, 9]),  # three dilations for two layers
    dict(_BASE, dilations=[1]),
    dict(_BASE, kernel=0, dilations=[1, 1]),
    dict(_BASE, kernel=2, layers=21, dilations=[2**l for l in range(21)]),  # 2**21 tap tuples
])
def test_cascade_holds_refuses_claims_outside_its_range(c: dict[str, Any]) -> None:
    with pytest.raises(InvalidArgument, match="claim parameters out of the checker's range"):
        cascade_holds(c)


def test_cascade_holds_decides_the_largest_claim_in_its_range() -> None:
    assert 2**20 == MAX_TERMS
    c = dict(_BASE, kernel=2, layers=20, dilations=[2**l for l in range(20)])
    assert cascade_holds(c) == (True, "all unit choices agree")
    assert cascade_holds(dict(c, dilations=[2**l for l in range(19)] + [2**18]))[0] is False


# --------------------------------------------------------------------------- skipped rank report


def test_a_rank_report_above_the_limits_is_skipped_with_a_note() -> None:
    d = prove(layers=3, base=100).to_dict()  # dense composed kernel of 20203^2 entries: above MAX_DENSE
    assert d["related"] == []
    assert d["notes"][-1] == "Kronecker-rank report skipped: it is above the prover's size limits."
    res = verify_dict(d)
    assert res.ok, res.reasons
    d["notes"].pop()
    assert _first_reason(d).startswith("proof.notes: certificate lists 1 item(s), the checker derives 2")
