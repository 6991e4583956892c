"""Kronecker rearrangement and polynomial-kernel operators: refusals, round trips, empty compositions."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.errors import InvalidArgument, InvalidType
from kronconv.kronecker import kron_channels, numeric_kronecker_rank, rearrange, unrearrange
from kronconv.polykernel import (
    Layout,
    PolyOperator,
    cascade_operator,
    compose,
    evaluate_kernel,
    kernel_operator,
    layer_operator,
)


def test_rearrange_needs_one_factor_extent_per_axis() -> None:
    with pytest.raises(InvalidArgument, match=r"outer \(2,\) and inner \(2,\) need 2 axes each"):
        rearrange(np.ones((4, 4)), (2,), (2,))


def test_rearrange_refuses_factor_shapes_whose_product_is_another_shape() -> None:
    # (2, 2) x (3, 2) gives (6, 4): same number of entries as (4, 6), but not its shape.
    with pytest.raises(InvalidArgument, match=r"shape \(4, 6\) is not outer \(2, 2\) times inner \(3, 2\)"):
        rearrange(np.arange(24).reshape(4, 6), (2, 2), (3, 2))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 4)), min_size=1, max_size=3), st.integers(0, 2**32 - 1))
def test_unrearrange_inverts_rearrange(factors: list[tuple[int, int]], seed: int) -> None:
    outer, inner = tuple(f[0] for f in factors), tuple(f[1] for f in factors)
    a = np.random.default_rng(seed).integers(-9, 10, tuple(o * i for o, i in factors))
    back = unrearrange(rearrange(a, outer, inner), outer, inner)
    assert back.shape == a.shape
    assert (back == a).all()


def test_unrearrange_of_an_outer_product_is_the_kronecker_product() -> None:
    b, c = np.arange(1, 7).reshape(2, 3), np.arange(1, 7).reshape(3, 2)
    assert (unrearrange(np.outer(b.ravel(), c.ravel()), b.shape, c.shape) == np.kron(b, c)).all()


@pytest.mark.parametrize("shape", [(4, 4), (6, 9), (1, 4)])
def test_zero_kernel_has_kronecker_rank_zero(shape: tuple[int, int]) -> None:
    outer = (2 if shape[0] % 2 == 0 else 1, 3 if shape[1] % 3 == 0 else 2 if shape[1] % 2 == 0 else 1)
    inner = (shape[0] // outer[0], shape[1] // outer[1])
    assert numeric_kronecker_rank(np.zeros(shape), outer, inner) == 0
    assert numeric_kronecker_rank(np.kron(np.ones(outer), np.ones(inner)), outer, inner) == 1


@pytest.mark.parametrize("bad", ["abc", 5, None, {"a": 1}])
def test_kron_channels_refuses_non_lists(bad: object) -> None:
    with pytest.raises(InvalidType, match=r"weights must be a list of arrays, got"):
        kron_channels(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("w", [np.ones((2, 2)), np.ones(3)])
def test_kron_channels_needs_channel_axes(w: np.ndarray) -> None:
    with pytest.raises(InvalidArgument, match=re.escape(f"shape (C_out, C_in, *k), got {w.shape!r}")):
        kron_channels([w])


def test_kron_channels_refuses_layers_of_different_rank() -> None:
    with pytest.raises(InvalidArgument, match="weights must have equal rank, got 4 and 3"):
        kron_channels([np.ones((1, 1, 2)), np.ones((1, 1, 2, 2))])


def test_kron_channels_refuses_a_channel_mismatch() -> None:
    with pytest.raises(InvalidArgument, match="a layer gives 2 channels, the next expects 3"):
        kron_channels([np.ones((2, 1, 2)), np.ones((1, 3, 2))])
    assert kron_channels([np.ones((2, 1, 2)), np.ones((1, 2, 2))]).tolist() == [[[2.0, 2.0, 2.0, 2.0]]]


@pytest.mark.parametrize(("field", "bad", "bounds"), [
    ("kernel", 0, "[1, 64]"), ("kernel", 65, "[1, 64]"), ("dims", 4, "[1, 3]"), ("dims", 0, "[1, 3]"),
    ("channels", 65, "[1, 64]"), ("layers", 0, "[1, 64]"), ("layers", True, "[1, 64]"), ("kernel", 2.0, "[1, 64]"),
])
def test_layout_ranges(field: str, bad: object, bounds: str) -> None:
    args = {"kernel": 2, "dims": 1, "channels": 1, "layers": 1, field: bad}
    with pytest.raises(InvalidArgument, match=rf"{field} must be an integer in \{bounds[:-1]}\], got {bad!r}"):
        Layout(**args)  # type: ignore[arg-type]
    largest = {"kernel": (64, 1, 1, 1), "dims": (2, 3, 1, 1), "channels": (2, 1, 64, 1), "layers": (1, 1, 1, 64)}
    assert getattr(Layout(*largest[field]), field) == {"kernel": 64, "dims": 3, "channels": 64, "layers": 64}[field]


def _keep(op: PolyOperator, rows: np.ndarray) -> PolyOperator:
    return replace(op, out=op.out[rows], inp=op.inp[rows], offset=op.offset[rows], mono=op.mono[rows])


def test_compose_without_a_shared_channel_is_empty() -> None:
    lay = Layout(2, 1, 2, 2)
    first = layer_operator(lay, 0, 1)
    second = layer_operator(lay, 1, 2)
    to_zero = _keep(first, first.out == 0)          # writes channel 0 only
    from_one = _keep(second, second.inp == 1)       # reads channel 1 only
    empty = compose(to_zero, from_one)
    assert empty.size == 0
    assert empty.out.shape == empty.inp.shape == empty.mono.shape == (0,)
    assert empty.offset.shape == (0, 1)
    # reading channel 0 instead chains every term of each side: 4 * 4 terms
    assert compose(to_zero, _keep(second, second.inp == 0)).size == to_zero.size * 4


def test_cascade_operator_needs_one_dilation_per_layer() -> None:
    lay = Layout(2, 1, 1, 2)
    for ds in ([1], [1, 2, 4]):
        with pytest.raises(InvalidArgument, match=rf"need 2 dilations, got {len(ds)}"):
            cascade_operator(lay, ds)


def test_kernel_operator_needs_matching_axes_and_one_channel() -> None:
    with pytest.raises(InvalidArgument, match="kernel must have 1 axes and the layout 1 channel"):
        kernel_operator(Layout(3, 1, 1, 1), np.zeros((3, 3), dtype=np.int64))
    with pytest.raises(InvalidArgument, match="kernel must have 1 axes and the layout 1 channel"):
        kernel_operator(Layout(3, 1, 2, 1), np.arange(3))


def test_evaluate_kernel_needs_one_kernel_per_layer_of_the_right_size() -> None:
    op = cascade_operator(Layout(2, 1, 1, 2), [1, 2])
    with pytest.raises(InvalidArgument, match="need 2 kernels of 2 entries each"):
        evaluate_kernel(op, [np.array([1, 2])])
    with pytest.raises(InvalidArgument, match="need 2 kernels of 2 entries each"):
        evaluate_kernel(op, [np.array([1, 2]), np.array([1, 2, 3])])
