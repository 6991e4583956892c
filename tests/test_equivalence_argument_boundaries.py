"""The equivalence check's argument ranges (largest accepted, smallest refused), defaults and seeded data.

An accepted argument is shown by the check going on to its cost estimate (``max_work=1`` then
refuses with :class:`~kronconv.errors.TooLarge`, before any allocation); a refused one by an
:class:`~kronconv.errors.InvalidArgument` naming the value and the range.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from kronconv.checks import check_equivalence
from kronconv.errors import InvalidArgument, TooLarge

BASE: dict[str, Any] = {"layers": 2, "kernel": 2, "dims": 1, "backend": "numpy"}


@pytest.mark.parametrize("name,top", [("channels", 4096), ("batch", 4096), ("seed", 2**63 - 1),
                                      ("dilation_base", 1 << 20), ("size", 1 << 30), ("kernel", 64), ("dims", 3)])
def test_largest_value_accepted_next_refused_with_its_range(name: str, top: int) -> None:
    args = {**BASE, name: top}
    if name in ("kernel", "dims"):
        args["layers"] = 1
    with pytest.raises(TooLarge):
        check_equivalence(**args, max_work=1)
    lo = 0 if name == "seed" else 1
    for bad in (top + 1, lo - 1):
        with pytest.raises(InvalidArgument) as exc:
            check_equivalence(**{**args, name: bad}, max_work=1)
        assert str(exc.value) == f"{name} must be an integer in [{lo}, {top}], got {bad}"


@pytest.mark.parametrize("name,value,fragment", [
    ("dtype", "float16", "dtype must be one of float32, float64, got 'float16'"),
    ("padding", "reflect", "padding must be one of valid, same, full, circular, got 'reflect'"),
    ("operation", "sum", "operation must be 'convolution' or 'correlation', got 'sum'"),
    ("plant", "twist", "plant must be one of none, swap, flip, relu, got 'twist'"),
])
def test_unknown_choices_are_refused(name: str, value: str, fragment: str) -> None:
    with pytest.raises(InvalidArgument) as exc:
        check_equivalence(**{**BASE, name: value})
    assert str(exc.value) == fragment


@pytest.mark.parametrize("value", ["float32", "float64"])
def test_both_dtypes_are_accepted(value: str) -> None:
    assert check_equivalence(**BASE, dtype=value).dtype == value


def test_extent_limit_two_to_the_forty_is_inclusive() -> None:
    # 2 layers with dilation base 2**20: the largest dilation is 2**20 and 2 * 20 = 40 bits: accepted
    with pytest.raises(TooLarge):
        check_equivalence(layers=2, kernel=2, dims=1, dilation_base=1 << 20, max_work=1)
    # 41 layers of 2-tap kernels: extent 2**41
    with pytest.raises(InvalidArgument, match=r"dilations 2\*\*l or extents 2\*\*41 exceed 2\*\*40"):
        check_equivalence(layers=41, kernel=2, dims=1)
    with pytest.raises(TooLarge):
        check_equivalence(layers=40, kernel=2, dims=1, max_work=1)


@pytest.mark.parametrize("layers,kernel,base,size", [
    (2, 3, 3, 24),  # cascade extent 1 + 2 + 6 = 9, Kronecker kernel 9: 9 - 1 + 16
    (2, 3, 2, 24),  # cascade 1 + 2 + 4 = 7 < kernel 9
    (2, 3, 4, 26),  # cascade 1 + 2 + 8 = 11 > kernel 9
    (1, 5, 5, 20),
])
def test_default_size_leaves_sixteen_outputs_per_axis(layers: int, kernel: int, base: int, size: int) -> None:
    r = check_equivalence(layers=layers, kernel=kernel, dims=1, dilation_base=base, backend="numpy")
    assert r.size == size
    assert r.compared_shape[2] == size - max(kernel**layers, 1 + sum((kernel - 1) * base**l for l in range(layers))) + 1


def test_same_padding_without_an_interior_is_refused_naming_the_size() -> None:
    # 2 layers of 3 taps, dilations 1 and 3: border 4 per side, extent 9
    with pytest.raises(InvalidArgument) as exc:
        check_equivalence(layers=2, kernel=3, dims=1, padding="same", size=8)
    assert str(exc.value) == ("size 8 leaves no interior with 'same' padding: the border is 4 + 4 per axis; "
                              "use --size > 8")
    assert check_equivalence(layers=2, kernel=3, dims=1, padding="same", size=9).compared_shape == (1, 1, 1)


def _true_convolution_cascade(x: np.ndarray, ws: list[np.ndarray], base: int) -> np.ndarray:
    y = x
    for l, w in enumerate(ws):
        taps = np.zeros((len(w) - 1) * base**l + 1)
        taps[:: base**l] = w
        y = np.convolve(y, taps, mode="valid")
    return y


@pytest.mark.parametrize("seed", [0, 3, 11])
def test_seeded_data_and_the_relative_error_recomputed(seed: int) -> None:
    """Weights ``N(0, 1/fan_in)`` then the input, from ``default_rng(seed)``; relative error = error / max |cascade|."""
    r = check_equivalence(layers=2, kernel=3, dims=1, seed=seed, backend="numpy", operation="convolution")
    rng = np.random.default_rng(seed)
    ws = [rng.standard_normal((1, 1, 3))[0, 0] / np.sqrt(3) for _ in range(2)]
    x = rng.standard_normal((1, 1, r.size))[0, 0]
    y = _true_convolution_cascade(x, ws, 3)
    assert r.compared_shape == (1, 1, len(y))
    assert r.max_abs_error > 0
    assert r.relative_error == pytest.approx(r.max_abs_error / np.abs(y).max(), rel=1e-12, abs=0)


def test_notes_name_the_plant_and_the_interior() -> None:
    r = check_equivalence(layers=2, kernel=2, dims=1, plant="flip", backend="numpy")
    assert "planted false claim 'flip'" in r.note and not r.holds
    clean = check_equivalence(layers=2, kernel=2, dims=1, backend="numpy")
    assert "planted" not in clean.note and "interior" not in clean.note
    same = check_equivalence(layers=2, kernel=3, dims=1, padding="same", backend="numpy")
    assert ("per-layer zero 'same' padding: compared only the interior, excluding a border of [4, 4] (left, right) "
            "per axis where a layer reads padding") in same.note
    d = same.to_dict()
    assert d["check"] == "equivalence" and d["border"] == [[4, 4]] and d["interior_only"] is True


@pytest.mark.parametrize("padding", ["full", "circular", "valid"])
def test_padding_modes_compare_the_whole_output(padding: str) -> None:
    """2 layers of 2 taps, dilations 1 and 2 (extent 4 = the Kronecker kernel): full adds 3 outputs, valid drops 3."""
    r = check_equivalence(layers=2, kernel=2, dims=1, size=10, padding=padding, backend="numpy")
    n_out = 10 + {"full": 3, "circular": 0, "valid": -3}[padding]
    assert r.holds and r.cascade_shape == r.kronecker_shape == r.compared_shape == (1, 1, n_out)
