"""Re-checking hole-free design claims (:mod:`kronconv.verify.holefree`): enumeration limits at their edges,
the Pareto front against an independent brute force, the symbolic bound's small instances, the bound-only
verdicts of large spaces, and the verdicts and reasons of malformed claims.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from kronconv.verify.holefree import brute_force_front, check_claim, max_hole_free_rf

# --------------------------------------------------------------------------- an independent brute force


def _sumset_counts(k: int, ds: tuple[int, ...]) -> np.ndarray:
    """How many tap tuples (t_i in [0, k)) reach each offset sum t_i d_i."""
    counts = np.ones(1, dtype=np.int64)
    for d in ds:
        step = np.zeros((k - 1) * d + 1, dtype=np.int64)
        step[::d] = 1
        counts = np.convolve(counts, step)
    return counts


def _geometric(k: int, L: int) -> int:
    return sum(k**i for i in range(L))  # 1 + k + ... + k^(L-1)


def _front(kernels: list[int], rf: list[int], lo: int, hi: int, M: int | None) -> set[tuple[Any, ...]]:
    """Pareto front of (layers, -field per axis, params, max/min path count, single-path fraction) over every
    hole-free schedule with dilations up to k^L (a superset of what any hole-free chain uses)."""
    vecs = []
    for L in range(lo, hi + 1):
        per_axis = []
        for k, R in zip(kernels, rf):
            top = k**L if M is None else min(M, k**L)
            cands = []
            for ds in itertools.combinations_with_replacement(range(1, top + 1), L):
                cnt = _sumset_counts(k, ds)
                if cnt.min() >= 1 and len(cnt) >= R:
                    cands.append(cnt)
            per_axis.append(cands)
        for combo in itertools.product(*per_axis):
            fields = [len(c) for c in combo]
            vecs.append((L, *(-f for f in fields), L * math.prod(kernels),
                         Fraction(math.prod(int(c.max()) for c in combo), math.prod(int(c.min()) for c in combo)),
                         Fraction(math.prod(int((c == 1).sum()) for c in combo), math.prod(fields))))
    return {v for v in vecs if not any(w != v and all(x <= y for x, y in zip(w, v)) for w in vecs)}


@pytest.mark.parametrize("kernels,rf,lo,hi,M", [
    ([3], [3], 1, 3, None),
    ([2], [4], 1, 4, None),
    ([3], [9], 2, 3, None),
    ([2, 3], [3, 5], 1, 3, None),
    ([3], [5], 1, 3, 3),
    ([2], [3], 1, 4, 2),
    ([3], [3], 1, 2, 2),
    ([2], [2], 1, 3, 1),
    ([3], [3], 1, 3, 5),
])
def test_pareto_front_equals_a_brute_force_over_every_schedule(kernels: list[int], rf: list[int], lo: int, hi: int,
                                                                 M: int | None) -> None:
    got = brute_force_front(kernels, rf, lo, hi, M)
    assert got is not None
    assert set(got) == _front(kernels, rf, lo, hi, M)


def test_the_single_layer_schedule_is_on_the_front() -> None:
    """One 3-tap layer (dilation 1) reaches a field of 3 with the fewest layers: it is on the front."""
    front = brute_force_front([3], [3], 1, 2, None)
    assert front is not None and front[0][:3] == (1, -3, 3)


# --------------------------------------------------------------------------- enumeration limits


def _multisets(kernels: list[int], lo: int, hi: int, M: int | None) -> int:
    """Multisets the enumeration visits: L dilations in [1, min(M, 1 + k + ... + k^(L-1))], per distinct kernel."""
    n = 0
    for L in range(lo, hi + 1):
        for k in set(kernels):
            top = _geometric(k, L) if M is None else min(M, _geometric(k, L))
            n += sum(1 for _ in itertools.combinations_with_replacement(range(1, top + 1), L))
    return n


@pytest.mark.parametrize("kernels,lo,hi,M", [([3], 1, 2, None), ([2, 3], 1, 3, None), ([3], 1, 3, 2),
                                             ([2], 2, 4, 3)])
def test_front_enumeration_limit_is_inclusive(kernels: list[int], lo: int, hi: int, M: int | None) -> None:
    n = _multisets(kernels, lo, hi, M)
    rf = [2] * len(kernels)
    assert brute_force_front(kernels, rf, lo, hi, M, limit=n) is not None
    assert brute_force_front(kernels, rf, lo, hi, M, limit=n - 1) is None


@pytest.mark.parametrize("k,L", [(2, 1), (2, 3), (3, 2), (4, 2), (3, 3)])
def test_max_hole_free_rf_enumeration_limit_is_inclusive(k: int, L: int) -> None:
    n = _multisets([k], L, L, None)
    assert max_hole_free_rf(k, L, limit=n) == k**L  # the theorem: the largest hole-free field is k^L
    assert max_hole_free_rf(k, L, limit=n - 1) is None


# --------------------------------------------------------------------------- hole-free-bound claims


@pytest.mark.parametrize("k,L", [(3, 2), (2, 3), (4, 2)])
def test_concrete_bound_names_the_dilation_range_it_enumerates(k: int, L: int) -> None:
    """Every dilation above 1 + k + ... + k^(L-1) alone gives a field above k^L, so that is the range."""
    D = _geometric(k, L)
    assert (k - 1) * (D + 1) + 1 > k**L >= (k - 1) * D + 1
    r = check_claim({"kind": "hole-free-bound", "kernel": k, "layers": L, "max_rf": k**L})
    assert r.verdict == "holds"
    assert r.method == f"exhaustive enumeration of every multiset of dilations in [1, {D}] + counting bound beyond"


def test_a_claim_that_is_not_an_integer_at_the_instance_is_refuted() -> None:
    r = check_claim({"kind": "hole-free-bound", "kernel": 3, "layers": 2, "max_rf": "k**L/2"})
    assert (r.verdict, r.method) == ("refuted", "evaluation")
    assert r.details == {"error": "max_rf evaluates to 9/2, not an integer"}


#: The small instances (k, L) a symbolic claim is evaluated at.
INSTANCES = [(2, 1), (2, 2), (3, 1), (2, 3), (3, 2), (4, 2), (2, 4), (3, 3)]


@pytest.mark.parametrize("target", INSTANCES)
def test_a_symbolic_claim_wrong_at_one_small_instance_is_refuted_there(target: tuple[int, int]) -> None:
    """max_rf = k^L + f with f > 0 at ``target`` and f = 0 at every other small instance: the refutation names
    ``target`` and the true maximum there (k^L)."""
    others = [i for i in INSTANCES if i != target]
    f = "*".join(f"((k-{k})**2+(L-{L})**2)" for k, L in others)
    kt, Lt = target
    excess = math.prod((kt - k) ** 2 + (Lt - L) ** 2 for k, L in others)
    r = check_claim({"kind": "hole-free-bound", "kernel": "k", "layers": "L", "max_rf": f"k**L+{f}"})
    assert r.verdict == "refuted"
    assert r.method == "exhaustive enumeration of small instances"
    assert r.details["counterexample"] == {"kernel": kt, "layers": Lt, "max_rf": kt**Lt, "claimed": kt**Lt + excess}
    assert [row[:3] for row in r.details["instances"]] == [[k, L, k**L] for k, L in INSTANCES]


def test_the_symbolic_bound_k_to_the_L_holds_at_every_small_instance() -> None:
    r = check_claim({"kind": "hole-free-bound", "kernel": "k", "layers": "L", "max_rf": "k**L"})
    assert r.verdict == "holds"
    assert r.details["instances"] == [[k, L, k**L, str(k**L)] for k, L in INSTANCES]


# --------------------------------------------------------------------------- large spaces: the bound only


def _large(objective: str, best: list[int]) -> dict[str, Any]:
    """Target 729 = 3^6 with 3-tap kernels and up to 8 layers: far above the exhaustive limit."""
    return {"kind": "design-front", "kernels": [3], "rf": [729], "min_layers": 6, "max_layers": 8,
            "max_dilation": None, "objective": objective, "front_size": 1, "best": {"dilations": [best]},
            "front": []}


MIXED_RADIX = [1, 3, 9, 27, 81, 243]  # 6 layers, field 3^6 = 729: the fewest layers possible
SEVEN = [1, 1, 3, 9, 27, 81, 243]  # 7 layers, hole-free, field 731


def test_large_space_fewest_layers_holds_by_the_bound() -> None:
    assert brute_force_front([3], [729], 6, 8, None) is None
    r = check_claim(_large("layers", MIXED_RADIX))
    assert r.verdict == "holds" and r.method.startswith("bound") and r.details["layers_lower_bound"] == 6


@pytest.mark.parametrize("objective", ["params", "uniformity", "robust"])
def test_large_space_other_objectives_are_undecided_even_with_the_fewest_layers(objective: str) -> None:
    r = check_claim(_large(objective, MIXED_RADIX))
    assert r.verdict == "undecided"
    assert r.details == {"layers_lower_bound": 6}


def test_large_space_layers_objective_with_more_layers_than_the_bound_is_undecided() -> None:
    r = check_claim(_large("layers", SEVEN))
    assert r.verdict == "undecided"
    assert r.details == {"layers_lower_bound": 6}


# --------------------------------------------------------------------------- malformed claims


@pytest.mark.parametrize("edit,error", [
    ({"kernels": 5}, "malformed claim: TypeError 'int' object is not iterable"),
    ({"best": {"schedule": [[1, 3]]}}, "malformed claim: KeyError 'dilations'"),
])
def test_malformed_design_claims_are_refuted_with_the_reason(edit: dict[str, Any], error: str) -> None:
    c = {"kind": "design-front", "kernels": [3], "rf": [9], "min_layers": 1, "max_layers": 2, "max_dilation": None,
         "objective": "layers", "front_size": 1, "best": {"dilations": [[1, 3]]}, "front": [{"dilations": [[1, 3]]}]}
    assert check_claim(c).verdict == "holds"
    r = check_claim(dict(c, **edit))
    assert (r.verdict, r.method) == ("refuted", "schema")
    assert r.details == {"error": error}
