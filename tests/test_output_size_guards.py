"""The output length of one convolution: when it is refused, and the smallest input size it names.

The output length is recomputed here by counting the windows ``[t, t + extent)`` with
``t = 0, s, 2s, ...`` that fit in the padded input of ``n + 2p`` samples, where
``extent = d (k - 1) + 1``.  When no window fits, :func:`output_size` must refuse, and the input size
its message names must be the smallest one with a window (found by scanning sizes upwards): accepted
with exactly one output, while one less is refused.  Sizes, kernels, dilations and strides that are
not positive integers, and paddings that are not non-negative integers, are refused by name.
"""

from __future__ import annotations

import re

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from kronconv import InvalidArgument
from kronconv.formulas import output_size


def _windows(n: int, k: int, d: int, s: int, p: int) -> int:
    extent = d * (k - 1) + 1
    return len(range(0, n + 2 * p - extent + 1, s))


@given(st.integers(1, 40), st.integers(1, 6), st.integers(1, 5), st.integers(1, 3), st.integers(0, 6))
def test_a_refusal_names_the_smallest_input_size_that_fits(n: int, k: int, d: int, s: int, p: int) -> None:
    count = _windows(n, k, d, s, p)
    if count:
        assert output_size(n, k, d, s, p) == count
        return
    with pytest.raises(InvalidArgument) as exc:
        output_size(n, k, d, s, p)
    smallest = next(m for m in range(1, 200) if _windows(m, k, d, s, p))
    extent = d * (k - 1) + 1
    assert str(exc.value) == (f"input size {n} is smaller than the dilated kernel extent {extent} (padding {p}): "
                              f"need input size >= {smallest}")
    named = int(re.search(r">= (\d+)$", str(exc.value)).group(1))  # type: ignore[union-attr]
    assert output_size(named, k, d, s, p) == 1
    with pytest.raises(InvalidArgument):
        output_size(named - 1, k, d, s, p)


@pytest.mark.parametrize("args, message", [
    ((0, 3), "size must be a positive integer, got 0"),
    ((-5, 3, 1, 1, 10), "size must be a positive integer, got -5"),
    ((10, 0), "kernel must be a positive integer, got 0"),
    ((10, 3, 0), "dilation must be a positive integer, got 0"),
    ((10, 3, 1, 0), "stride must be a positive integer, got 0"),
    ((10, 3, 1, -2), "stride must be a positive integer, got -2"),
    ((10, 3, 1, 1, -1), "padding must be a non-negative integer, got -1"),
    ((10, 3, 1, 1, "1/2"), "padding must be a non-negative integer, got 1/2"),
    ((10, 3, 1, 1, "l"), "padding must be a non-negative integer, got l"),
])
def test_arguments_that_are_not_sizes_are_refused(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(InvalidArgument) as exc:
        output_size(*args)
    assert str(exc.value) == message


def test_the_smallest_arguments_are_accepted() -> None:
    assert output_size(1, 1, 1, 1, 0) == 1  # one sample, a 1-tap kernel, no padding
    assert output_size(1, 3, 1, 1, 1) == 1  # padding 1 makes room for 3 taps
    n, p = sp.Symbol("n", integer=True, positive=True), sp.Symbol("p", integer=True, nonnegative=True)
    assert output_size(n, 3, 1, 1, p) == n + 2 * p - 2
