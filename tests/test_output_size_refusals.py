"""Output sizes: the refusal of an input too small for the dilated kernel names the smallest size that fits.

For input ``n``, kernel ``k``, dilation ``d``, stride ``s`` and padding ``p`` (zeros on each side) the
padded input holds at least one window exactly when ``n + 2p >= d (k - 1) + 1``; the count of
windows is recomputed here by listing their start positions.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kronconv import InvalidArgument
from kronconv.formulas import output_size


@given(st.integers(1, 40), st.integers(1, 6), st.integers(1, 4), st.integers(1, 3), st.integers(0, 5))
@example(2, 5, 1, 1, 1)  # refused: needs 3 with one zero on each side
@example(1, 4, 3, 2, 2)  # refused: extent 10, needs 6
@example(4, 3, 2, 1, 0)  # refused without padding: needs 5
def test_too_small_an_input_is_refused_naming_the_smallest_that_fits(n, k, d, s, p) -> None:
    extent = d * (k - 1) + 1
    windows = len(range(0, n + 2 * p - extent + 1, s))
    if windows:
        assert output_size(n, k, d, s, p) == windows
        return
    with pytest.raises(InvalidArgument) as exc:
        output_size(n, k, d, s, p)
    smallest = extent - 2 * p  # the first n with n + 2p >= extent; positive here since n < it
    assert str(exc.value) == (f"input size {n} is smaller than the dilated kernel extent {extent} (padding {p}): "
                              f"need input size >= {smallest}")
    assert output_size(smallest, k, d, s, p) == 1
