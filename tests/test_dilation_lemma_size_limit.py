"""The dilation-lemma instance's size limit at its edge: ``(kernel * dilation) ** dims`` entries of the
untrimmed ``K ⊗ E_d``, at most ``2**22`` (the documented limit), in two and three dimensions (in one,
kernels of at most 64 taps and dilations of at most 4096 stay below it)."""

from __future__ import annotations

import pytest

from kronconv.errors import TooLarge
from kronconv.theorems.dilation_lemma import prove_dilation_lemma

LIMIT = 2**22  # "Largest untrimmed K ⊗ E_d (entries) the dilation-lemma instance builds: 2**22"


@pytest.mark.parametrize(("kernel", "dilation", "dims"), [(2, 1024, 2), (64, 32, 2), (7, 23, 3), (4, 4, 3)])
def test_the_largest_instances_within_the_limit_are_proved(kernel: int, dilation: int, dims: int) -> None:
    assert (kernel * dilation) ** dims <= LIMIT
    assert prove_dilation_lemma(kernel=kernel, dims=dims, dilation=dilation).proved


@pytest.mark.parametrize(("kernel", "dilation", "dims"), [(3, 683, 2), (2, 1025, 2), (64, 33, 2), (2, 81, 3)])
def test_the_smallest_instances_beyond_the_limit_are_refused_by_name(kernel: int, dilation: int, dims: int) -> None:
    entries = (kernel * dilation) ** dims
    assert entries > LIMIT
    with pytest.raises(TooLarge, match=rf"\({kernel}·{dilation}\)\^{dims} entries, above the limit "
                                       rf"MAX_LEMMA_ENTRIES = {LIMIT};"):
        prove_dilation_lemma(kernel=kernel, dims=dims, dilation=dilation)
