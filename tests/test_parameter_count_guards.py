"""Parameter counts refuse out-of-range arguments: both sides of every documented limit.

``dims`` is 1, 2 or 3; a Kronecker ``factor`` is at least 2; a separable ``rank`` is at most the
extent; ``groups`` divides ``channels``; ``bias`` is a bool.  Accepted values are checked against
the formula :math:`L\\,(C \\cdot C/g \\cdot k^{D} + [\\text{bias}]\\, C)` written out here.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kronconv import InvalidArgument
from kronconv.formulas import kernel_parameter_counts, parameter_table, stack_parameter_count


@given(st.integers(1, 5), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(1, 4),
       st.booleans())
def test_stack_count_accepts_dims_up_to_3_and_groups_dividing_channels(k, L, per_group, g, dims, bias) -> None:
    C = per_group * g
    if dims > 3:
        with pytest.raises(InvalidArgument) as exc:
            stack_parameter_count(k, L, C, dims, bias, g)
        assert str(exc.value) == f"dims must be 1, 2 or 3, got {dims}"
    else:
        assert stack_parameter_count(k, L, C, dims, bias, g) == L * (C * per_group * k**dims + (C if bias else 0))


@pytest.mark.parametrize("C, g", [(6, 4), (5, 2), (3, 6), (7, 5)])
def test_stack_count_refuses_groups_not_dividing_channels(C: int, g: int) -> None:
    with pytest.raises(InvalidArgument) as exc:
        stack_parameter_count(3, 2, C, groups=g)
    assert str(exc.value) == f"groups must divide channels, got groups={g}, channels={C}"


@pytest.mark.parametrize("bias", [1, 0, "yes", None])
def test_stack_count_refuses_a_bias_that_is_not_a_bool(bias: object) -> None:
    with pytest.raises(InvalidArgument) as exc:
        stack_parameter_count(3, 2, 4, bias=bias)  # type: ignore[arg-type]
    assert str(exc.value) == f"bias must be True or False, got {bias!r}"


def test_kernel_counts_accept_dims_3_and_refuse_4() -> None:
    counts = {c.name: c for c in kernel_parameter_counts(8, 2, 1, 3)}
    assert (counts["full"].stored, counts["kronecker"].stored) == (8**3, 3 * 2**3)
    for dims in (4, 5):
        with pytest.raises(InvalidArgument) as exc:
            kernel_parameter_counts(8, 2, 1, dims)
        assert str(exc.value) == f"dims must be 1, 2 or 3, got {dims}"


def test_kernel_counts_accept_factor_2_and_refuse_1() -> None:
    counts = {c.name: c for c in kernel_parameter_counts(16, 2, 1, 2)}
    assert (counts["kronecker"].stored, counts["kronecker"].dof) == (4 * 4, 4 * 3 + 1)
    for extent in ("N", 16):  # log base 1 does not exist
        with pytest.raises(InvalidArgument) as exc:
            kernel_parameter_counts(extent, 1, 1, 2)
        assert str(exc.value) == "factor must be at least 2, got 1"


@pytest.mark.parametrize("N", [2, 3, 4, 9])
def test_kernel_counts_accept_rank_up_to_the_extent_and_refuse_more(N: int) -> None:
    counts = {c.name: c for c in kernel_parameter_counts(N, N, N, 2)}
    assert (counts["separable"].stored, counts["separable"].dof) == (2 * N * N, N * N)  # rank N: all of N x N
    with pytest.raises(InvalidArgument) as exc:
        kernel_parameter_counts(N, N, N + 1, 2)
    assert str(exc.value) == f"rank must be at most the extent {N}, got {N + 1}"


@given(st.integers(1, 7), st.integers(1, 5))
def test_stack_count_defaults_are_one_channel_two_dims_a_bias_and_no_groups(k: int, L: int) -> None:
    assert stack_parameter_count(k, L) == L * (k * k + 1)  # one k x k weight and one bias per layer
    assert stack_parameter_count(k, L, 4) == L * (4 * 4 * k * k + 4)  # dense: C * C weights per tap


@pytest.mark.parametrize("bad", [0, -1, -27, True, 3.0, "9"])
def test_parameter_table_refuses_an_extent_that_is_not_a_positive_integer(bad: object) -> None:
    assert parameter_table([1])[0]["extent"] == 1  # the smallest extent: a 1 x 1 kernel
    with pytest.raises(InvalidArgument) as exc:
        parameter_table([3, bad])  # type: ignore[list-item]
    assert str(exc.value) == f"extents must be positive integers, got {bad!r}"
