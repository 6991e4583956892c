"""A tanh cascade claim with a second defect (a flipped kernel) has no origin-tap counterexample: the prover
refuses it with the reason instead of printing a verdict it has not shown."""

from __future__ import annotations

import pytest

from kronconv.errors import InvalidArgument
from kronconv.theorems.cascade import CascadeClaim, prove_cascade


@pytest.mark.parametrize("layers", [2, 3])
def test_a_flipped_tanh_claim_is_refused_with_the_reason(layers: int) -> None:
    with pytest.raises(InvalidArgument, match="no tanh counterexample of the origin-tap form for this claim: "
                                              "plant one defect at a time"):
        prove_cascade(CascadeClaim(layers=layers, kernel=2, dims=1, nonlinearity="tanh", flip=True))


def test_the_same_tanh_claim_without_the_flip_is_refuted() -> None:
    assert prove_cascade(CascadeClaim(layers=2, kernel=2, dims=1, nonlinearity="tanh")).verdict == "refuted"
