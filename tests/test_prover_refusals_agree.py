"""The Kronecker-rank report's refusals at the dense-kernel and rank-work limits: the prover names the
limit and the number the checker's restatement names (parameters where a product or a power in the
dense-kernel size decides which limit is hit)."""

from __future__ import annotations

import re

import pytest

from kronconv.errors import TooLarge
from kronconv.theorems.base_mismatch import MAX_DENSE, prove_kronecker_rank
from kronconv.verify.limits import rank_limits


def _limit_and_number(message: str) -> tuple[str, str]:
    limit = re.search(r"(MAX_DENSE|RANK_WORK_LIMIT|MAX_TERMS)", message).group(1)  # type: ignore[union-attr]
    number = re.search(r"of (\d+x\d+x\d+\^\d+) entries|up to (\d+) operations", message)
    return limit, (number.group(1) or number.group(2)) if number else ""


@pytest.mark.parametrize(("L", "a", "b", "D", "C"), [
    (3, 3, 7, 3, 2), (3, 3, 8, 3, 1), (3, 3, 8, 3, 2), (3, 4, 6, 3, 1), (4, 2, 4, 3, 3), (4, 2, 5, 3, 2),
    (4, 3, 8, 2, 2), (4, 4, 8, 2, 1), (5, 2, 5, 2, 3), (5, 2, 6, 2, 1), (5, 2, 6, 2, 2), (5, 3, 5, 2, 1),
    (6, 2, 4, 2, 2), (8, 2, 8, 1, 1), (8, 2, 8, 1, 2), (8, 4, 7, 1, 1)])
def test_the_prover_refuses_by_the_checkers_limit_and_number(L: int, a: int, b: int, D: int, C: int) -> None:
    why = rank_limits(L, a, b, D, C)
    assert why is not None
    with pytest.raises(TooLarge) as info:
        prove_kronecker_rank(L, a, b, D, C)
    assert _limit_and_number(str(info.value)) == _limit_and_number(why)
    E = 1 + (a - 1) * sum(b**l for l in range(L))
    assert ("MAX_DENSE" in why) == (C * C * E**D > MAX_DENSE)  # the dense kernel has C*C*E**D entries
