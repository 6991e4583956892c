"""The search's node count, counted before searching, and the limit it is compared to (largest accepted, smallest refused).

With a target of 1 position rule P4 cuts nothing, so the search tree holds every nondecreasing hole-free
schedule of 1 to ``max_layers`` layers (rules P1-P3): counted here by brute force over dilation tuples.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.design.search import SearchSpace, estimate_nodes, search
from kronconv.errors import TooLarge


def _hole_free(k: int, ds: tuple[int, ...]) -> bool:
    reached = {0}
    for d in ds:
        reached = {x + t * d for x in reached for t in range(k)}
    return reached == set(range((k - 1) * sum(ds) + 1))


def _brute_nodes(k: int, N: int, M: int | None) -> int:
    # a hole-free chain of j layers has a largest dilation of at most k^(j-1)
    total = 0
    for L in range(1, N + 1):
        top = k ** (L - 1) if M is None else min(M, k ** (L - 1))
        total += sum(1 for ds in itertools.combinations_with_replacement(range(1, top + 1), L) if _hole_free(k, ds))
    return total


def test_doc_example_has_nine_nodes() -> None:
    # 1; 1,1; 1,2; 1,1,1; 1,1,2; 1,1,3; 1,2,2; 1,2,3; 1,2,4
    assert _brute_nodes(2, 3, None) == 9


@settings(max_examples=25, deadline=None)
@given(st.sampled_from([2, 3]), st.integers(1, 4), st.sampled_from([None, 1, 2, 3]))
def test_count_equals_brute_force_and_the_limit_is_inclusive(k: int, N: int, M: int | None) -> None:
    space = SearchSpace((k,), (1,), N, M)
    n = _brute_nodes(k, N, M)
    assert estimate_nodes(k, 1, space) == n
    # a limit equal to the count is accepted; one less is refused (reported as limit + 1)
    assert estimate_nodes(k, 1, space, limit=n) == n
    if n > 1:
        assert estimate_nodes(k, 1, space, limit=n - 1) == n
    res = search(space, limit=n)
    assert (res.estimate, res.nodes) == (n, n)
    assert len(res.candidates) == n  # every node reaches the target of 1 position


def test_search_refuses_one_node_over_the_limit() -> None:
    space = SearchSpace((2,), (1,), 3)
    assert search(space, limit=9).nodes == 9
    with pytest.raises(TooLarge, match=r"would visit more than 8 schedules .* MAX_NODES = 8;"):
        search(space, limit=8)
