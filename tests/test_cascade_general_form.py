"""When the all-sizes (general) cascade proof covers a claim: the prover's reason against the checker's
restatement, on every claim form, and a nonlinear cascade that otherwise has the general form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kronconv.theorems.cascade import CascadeClaim, general_form_reason
from kronconv.theorems.claims import NONLINEARITIES
from kronconv.verify.cascade import general_form_reason as checker_reason

claims = st.builds(CascadeClaim, layers=st.integers(1, 4), kernel=st.integers(2, 4), dims=st.integers(1, 2),
                   channels=st.integers(1, 3), base=st.none() | st.integers(1, 4),
                   nonlinearity=st.sampled_from(NONLINEARITIES), order=st.sampled_from(["last-outer", "first-outer"]),
                   flip=st.booleans(), channel_sum=st.booleans())


@given(claims)
def test_the_prover_and_the_checker_give_the_same_reason(c: CascadeClaim) -> None:
    assert general_form_reason(c) == checker_reason(c.to_dict())


@pytest.mark.parametrize("nl", ["relu", "tanh"])
@pytest.mark.parametrize("layers", [2, 3])
def test_a_nonlinearity_between_layers_takes_a_claim_out_of_the_general_form(nl: str, layers: int) -> None:
    c = CascadeClaim(layers=layers, kernel=3, nonlinearity=nl)
    assert general_form_reason(CascadeClaim(layers=layers, kernel=3)) is None  # the same claim, linear
    assert general_form_reason(c) == f"a {nl} between layers is not linear, so convolutions do not compose"
    assert general_form_reason(CascadeClaim(layers=1, kernel=3, nonlinearity=nl)) is None  # nothing between
