"""Kronecker kernel functions name the argument and echo the value when it is not an array."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from kronconv.errors import InvalidArgument, InvalidType
from kronconv.kronecker import (
    dilate,
    kron_channels,
    kron_kernel,
    nearest_kronecker,
    numeric_kronecker_rank,
    rearrange,
)

_CALLS: list[tuple[str, Callable[[Any], Any]]] = [
    ("kernel", lambda v: dilate(v, 2)),
    ("kernels[1]", lambda v: kron_kernel([np.ones(2), v])),
    ("a", lambda v: rearrange(v, (1,), (1,))),
    ("a", lambda v: nearest_kronecker(v, (1,), (1,))),
    ("a", lambda v: numeric_kronecker_rank(v, (1,), (1,))),
    ("weights[0]", lambda v: kron_channels([v])),
]


@pytest.mark.parametrize(("name", "call"), _CALLS)
@pytest.mark.parametrize(("bad", "shown"), [(None, "NoneType None"), ("abc", "str 'abc'"),
                                            (b"xy", "bytes b'xy'"), ({"a": 1}, "dict {'a': 1}")])
def test_non_arrays_are_refused_with_their_type_and_value(name: str, call: Callable[[Any], Any],
                                                          bad: object, shown: str) -> None:
    with pytest.raises(InvalidType, match=f"^{re.escape(f'{name} must be an array, got {shown}')}$"):
        call(bad)


@pytest.mark.parametrize(("name", "call"), _CALLS)
def test_arrays_of_non_numbers_are_refused_with_their_dtype(name: str, call: Callable[[Any], Any]) -> None:
    with pytest.raises(InvalidType, match=re.escape(f"{name} must be an array of numbers, got dtype <U1")):
        call(np.array(["x", "y"]))


@pytest.mark.parametrize(("call", "message"), [
    (kron_channels, "kron_channels needs at least 1 weight array, got 0"),
    (kron_kernel, "kron_kernel needs at least 1 kernel, got 0"),
])
@pytest.mark.parametrize("empty", [[], (), np.zeros((0, 1, 1, 2))])
def test_an_empty_list_of_layers_is_refused(call: Callable[[Any], Any], message: str, empty: Any) -> None:
    with pytest.raises(InvalidArgument, match=f"^{re.escape(message)}$"):
        call(empty)
