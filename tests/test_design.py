"""Laws of the schedule search: it agrees with brute force, the k^L bound, the Pareto front, the grammar, repair."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kronconv.design import (
    SearchSpace,
    is_hole_free,
    pareto_front,
    parse_schedule,
    path_counts,
    prefix_rule,
    score,
    search,
    sumset_bits,
)
from kronconv.design.repair import repair
from kronconv.design.report import design
from kronconv.design.search import best_of_depth, estimate_nodes, min_layers_bound
from kronconv.errors import InvalidArgument, TooLarge
from kronconv.theorems.hole_free import prove_hole_free_bound
from kronconv.verify import verify_dict
from kronconv.verify.holefree import brute_force_front, check_claim, max_hole_free_rf


def _brute_hole_free(k: int, ds: tuple[int, ...]) -> bool:
    reached = {sum(t * d for t, d in zip(taps, ds)) for taps in itertools.product(range(k), repeat=len(ds))}
    return reached == set(range((k - 1) * sum(ds) + 1))


@given(st.integers(2, 4), st.lists(st.integers(1, 12), min_size=1, max_size=4))
def test_bitset_and_prefix_rule_equal_the_tap_enumeration(k: int, ds: list[int]) -> None:
    truth = _brute_hole_free(k, tuple(ds))
    assert is_hole_free(k, ds) == truth
    assert prefix_rule(k, ds) == truth
    c = path_counts(k, ds)
    assert int(c.sum()) == k ** len(ds)
    assert sumset_bits(k, ds).bit_count() == int((c > 0).sum())


@given(st.integers(2, 4), st.integers(1, 40), st.integers(1, 4), st.one_of(st.none(), st.integers(1, 10)))
def test_search_finds_exactly_the_brute_force_candidates(k: int, R: int, N: int, M: int | None) -> None:
    if math.comb((k**N - 1) // (k - 1) + N - 1, N) > 20000:
        N = 2
    res = search(SearchSpace((k,), (R,), N, M))
    found = sorted(c.schedule for c in res.candidates)
    want = []
    for L in range(1, N + 1):
        D = (k**L - 1) // (k - 1) if M is None else min(M, (k**L - 1) // (k - 1))
        want += [ds for ds in itertools.combinations_with_replacement(range(1, D + 1), L)
                 if (k - 1) * sum(ds) + 1 >= R and _brute_hole_free(k, ds)]
    assert found == sorted(want)
    assert res.nodes == res.estimate  # the count made before searching is exact


@given(st.integers(2, 4), st.integers(1, 30), st.integers(1, 3))
def test_pareto_front_equals_the_brute_force_front(k: int, R: int, N: int) -> None:
    res = search(SearchSpace((k,), (R,), N))
    front = pareto_front(res.scores())
    brute = brute_force_front((k,), (R,), 1, N, None)
    assert brute is not None
    assert sorted(s.objectives() for s in front) == sorted(brute)
    # no front member is dominated by any candidate
    objs = [s.objectives() for s in res.scores()]
    for s in front:
        o = s.objectives()
        assert not any(all(x <= y for x, y in zip(p, o)) and p != o for p in objs)


@given(st.integers(2, 3), st.integers(2, 4), st.integers(1, 9), st.integers(1, 9), st.integers(1, 3))
def test_pareto_front_with_per_axis_kernels_matches_brute_force(k0: int, k1: int, r0: int, r1: int, N: int) -> None:
    res = search(SearchSpace((k0, k1), (r0, r1), N))
    brute = brute_force_front((k0, k1), (r0, r1), 1, N, None)
    if brute is None:
        return
    assert {s.objectives() for s in pareto_front(res.scores())} == set(brute)


@given(st.integers(2, 5), st.integers(1, 3))
def test_no_hole_free_chain_exceeds_k_to_the_L(k: int, L: int) -> None:
    best = max_hole_free_rf(k, L)
    if best is None:
        return
    assert best == k**L
    assert is_hole_free(k, [k**i for i in range(L)])
    assert min_layers_bound(k, k**L) == L and min_layers_bound(k, k**L + 1) == L + 1


def test_bound_theorem_proved_and_false_variant_refuted() -> None:
    p = prove_hole_free_bound(3, 3)
    assert p.proved and verify_dict(p.to_dict()).ok
    assert check_claim({"kind": "hole-free-bound", "kernel": 3, "layers": 3, "max_rf": 27}).verdict == "holds"
    q = prove_hole_free_bound(3, 3, "k**L + 1")
    assert not q.proved and q.steps[-1].facts == {"claimed": "28", "largest": 27} and verify_dict(q.to_dict()).ok
    r = prove_hole_free_bound(3, 2, "2**L")  # equals k^L for k = 2 only
    assert not r.proved and r.steps[-1].rule == "witness-refutation"
    assert prove_hole_free_bound(2, 3, "2**L").proved
    assert check_claim({"kind": "hole-free-bound", "kernel": 3, "layers": 3, "max_rf": 28}).verdict == "refuted"
    assert check_claim({"kind": "hole-free-bound", "kernel": 2, "layers": 30, "max_rf": 2**30}).verdict == "holds"


def test_design_claim_rechecked_and_false_claims_refuted() -> None:
    rep = design((3,), (10,), dims=1, max_layers=3, objective="robust")
    claim = rep.optimality()["claim"]
    assert check_claim(claim).verdict == "holds"
    worse = dict(claim, best=claim["front"][-1])
    assert rank_differs(claim) and check_claim(worse).verdict == "refuted"
    fewer = dict(claim, front=claim["front"][:-1], front_size=claim["front_size"] - 1)
    assert check_claim(fewer).verdict == "refuted"
    holed = dict(claim, best=dict(claim["best"], dilations=[[2, 2, 2]]))
    assert check_claim(holed).verdict == "refuted"


def rank_differs(claim: dict) -> bool:
    return claim["front"][-1]["dilations"] != claim["front"][0]["dilations"]


def test_design_json_values() -> None:
    rep = design((3,), (20,), dims=2, max_layers=3, include=["2**l"], layers=3, repair_schedule="2,2,2")
    d = rep.to_dict()
    assert d["best"]["dilations"] == [1, 3, 9]
    assert d["best"]["receptive_field"] == [27, 27] and d["best"]["params"] == 27 and d["best"]["max_paths"] == 1
    brute = brute_force_front((3, 3), (20, 20), 1, 3, None)
    assert brute is not None and d["front_size"] == len(brute) == 5  # 1,3,9; 1,3,8; 1,3,7; 1,2,7; 1,3,6
    inc = d["includes"][0]
    assert inc["dilations"] == [1, 2, 4] and inc["receptive_field"] == [15, 15] and inc["hole_free"]
    assert inc["best_same_depth"]["dilations"] == [1, 3, 9]  # target 20 <= 3^3: the mixed radix
    # the repairs must also reach the target 20: keeping one 2 forces 1,2,7 (1,2,2 reaches only 11)
    assert d["repair"]["changed_layers"] == 2 and d["repair"]["rf_target"] == 20
    assert [r["dilations"] for r in d["repair"]["repairs"]] == [[1, 2, 7]]
    assert [s for s in repair(3, (2, 2, 2)).schedules] == [(1, 2, 2)]
    assert d["optimality"]["layers_lower_bound"] == 3 and d["optimality"]["fewest_layers_optimal_over_all_schedules"]


def test_best_of_depth_is_the_searched_best() -> None:
    for obj in ("layers", "uniformity", "robust", "params"):
        best, _ = best_of_depth((3,), 3, (9,), obj)
        res = search(SearchSpace((3,), (9,), 3, None, min_layers=3))
        want = min(res.scores(), key=lambda s: s.key(obj))
        assert best is not None and best.key(obj)[:-1] == want.key(obj)[:-1]


def test_hdc_disagreement_listed() -> None:
    rep = design((3,), None, dims=1, include=["2,3,9", "1,2,5"])
    dis = rep.disagreements()
    assert [d["dilations"] for d in dis] == [[2, 3, 9]] and dis[0]["hole_free"] is False
    assert dis[0]["hdc_satisfied"] is True


@pytest.mark.parametrize("text, want", [
    ("1,2,5", (1, 2, 5)), ("1,2,5 x2", (1, 2, 5, 1, 2, 5)), ("1, 2, 5×2", (1, 2, 5, 1, 2, 5)),
    ("1,2,4,...,512 x3", tuple([2**i for i in range(10)] * 3)), ("1,2,3,…,6", (1, 2, 3, 4, 5, 6)),
    ("3**l", (1, 3, 9, 27)), ("2^l x2", (1, 2, 4, 8) * 2),
])
def test_grammar_accepts(text: str, want: tuple[int, ...]) -> None:
    assert parse_schedule(text, layers=4) == want


@pytest.mark.parametrize("text", [
    "", "1,,2", "[1,2]", "1,2,...,8", "1,2,4,...,100", "1,2,4,...", "1,...,2,...,4", "-1,2", "2**i", "0,1",
    "1,2 x0", "1.5,2", "1,2,5 x 2 x 3", "1,1,1,...,1", "1 2 3", "2**l**2",
])
def test_grammar_rejects(text: str) -> None:
    with pytest.raises(InvalidArgument):
        parse_schedule(text, layers=4)


def test_power_needs_layers() -> None:
    with pytest.raises(InvalidArgument, match="--layers"):
        parse_schedule("2**l")


def test_repair_is_nearest() -> None:
    r = repair(3, (6, 12, 18))
    assert r.distance == 2 and r.schedules == ((1, 2, 6), (1, 3, 6))
    # no single change repairs it: brute force over one changed layer
    for i, v in itertools.product(range(3), range(1, 60)):
        s = [6, 12, 18]
        s[i] = v
        assert not is_hole_free(3, s)


@given(st.integers(2, 3), st.lists(st.integers(1, 9), min_size=2, max_size=3))
def test_repair_distance_is_minimal(k: int, ds: list[int]) -> None:
    r = repair(k, ds)
    assert all(is_hole_free(k, s) for s in r.schedules)
    L = len(ds)
    D = (k**L - 1) // (k - 1)
    best = min(L - sum((_ms(ds) & _ms(c)).values())
               for c in itertools.combinations_with_replacement(range(1, D + 1), L) if is_hole_free(k, c))
    assert r.distance == best


def _ms(xs):  # type: ignore[no-untyped-def]
    from collections import Counter

    return Counter(xs)


def test_limits_refuse_up_front() -> None:
    with pytest.raises(TooLarge, match="MAX_NODES"):
        search(SearchSpace((3,), (2,), 8))
    assert estimate_nodes(3, 2, SearchSpace((3,), (2,), 8), limit=1000) == 1001


def test_score_of_famous_schedules() -> None:
    wavenet = score((2,), parse_schedule("1,2,4,...,512 x3"))
    assert wavenet.hole_free and wavenet.receptive_field == (3070,) and wavenet.layers == 30
    hdc = score((3,), parse_schedule("1,2,5 x3"))
    assert hdc.hole_free and hdc.receptive_field == (49,)
    aspp = score((3,), (6, 12, 18))
    assert not aspp.hole_free and aspp.ratio is None
