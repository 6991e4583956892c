"""The ranges a cascade claim accepts, at both edges (the largest accepted value and the first refused),
and the defaults of the channel-sum theorem."""

from __future__ import annotations

import pytest

from kronconv.errors import InvalidArgument
from kronconv.theorems.channels import prove_channel_sum, prove_channels
from kronconv.theorems.claims import CascadeClaim

BASE_MAX, DILATION_MAX = 1 << 20, 1 << 40  # documented in the refusal messages and the CLI reference


@pytest.mark.parametrize(("field", "top"), [("layers", 64), ("kernel", 64), ("dims", 3), ("channels", 64)])
def test_size_fields_accept_one_to_their_top_and_refuse_beyond(field: str, top: int) -> None:
    small = {"layers": 1, "kernel": 1, "base": 1}  # dilations 1: nothing else limits the edge values
    for v in (1, top):
        assert getattr(CascadeClaim(**{**small, field: v}), field) == v
    for v in (0, top + 1, -1):
        with pytest.raises(InvalidArgument, match=rf"{field} must be an integer in \[1, {top}\], got {v}"):
            CascadeClaim(**{**small, field: v})


@pytest.mark.parametrize("base", [0, -2, BASE_MAX + 1, True])
def test_a_dilation_base_outside_its_range_is_refused(base: int) -> None:
    with pytest.raises(InvalidArgument, match=rf"dilation base must be an integer in \[1, {BASE_MAX}\], got {base!r}"):
        CascadeClaim(layers=2, base=base)


@pytest.mark.parametrize("base", [1, 2, BASE_MAX])
def test_a_dilation_base_inside_its_range_is_accepted(base: int) -> None:
    assert CascadeClaim(layers=2, base=base).resolved_dilations == (1, base)


@pytest.mark.parametrize("dilations", [(1, 1), (1, DILATION_MAX), (DILATION_MAX, 1)])
def test_explicit_dilations_from_one_to_two_to_the_40_are_accepted(dilations: tuple[int, int]) -> None:
    assert CascadeClaim(layers=2, dilations=dilations).resolved_dilations == dilations


@pytest.mark.parametrize("dilations", [(0, 1), (1, 0), (1, -3), (1, DILATION_MAX + 1), (1,), (1, 1, 1)])
def test_explicit_dilations_outside_the_range_or_of_the_wrong_count_are_refused(dilations: tuple[int, ...]) -> None:
    with pytest.raises(InvalidArgument, match=r"dilations must be 2 integers >= 1"):
        CascadeClaim(layers=2, dilations=dilations)


def test_the_channel_sum_theorem_defaults_to_the_claim_of_the_two_channel_refutation() -> None:
    # prove_channels (default 2 dims, 2 channels) carries the sum theorem of the same cascade as a related proof
    sum_theorem = prove_channel_sum(2, 2)
    assert sum_theorem.claim["dims"] == 2 and sum_theorem.claim["channels"] == 2
    assert sum_theorem.to_dict() in [r.to_dict() for r in prove_channels(2, 2).related]
