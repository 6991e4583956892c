"""The built-in equivariance check: its networks, defaults, argument ranges, estimates and per-shift records."""

from __future__ import annotations

import pytest

from kronconv.checks import check_equivariance
from kronconv.checks.equivariance import equivariance_network
from kronconv.errors import InvalidArgument, TooLarge


def test_dilated_network_doubles_the_dilation_and_keeps_the_size() -> None:
    r = check_equivariance("dilated", layers=3, kernel=3, channels=2, dims=2, size=16, shifts=[1], backend="numpy")
    assert r.layers == ("conv 3x3 d1x1 s1x1 p1x1 2->2", "conv 3x3 d2x2 s1x1 p2x2 2->2", "conv 3x3 d4x4 s1x1 p4x4 2->2")
    _, lays, up = equivariance_network("dilated", layers=2, kernel=5, channels=1, dims=1)
    assert [(l.dilation, l.padding) for l in lays] == [((1,), (2,)), ((2,), (4,))] and up is False


@pytest.mark.parametrize("k", [2, 4, 62])
def test_even_kernels_are_refused(k: int) -> None:
    with pytest.raises(InvalidArgument) as exc:
        equivariance_network("dilated", kernel=k)
    assert str(exc.value) == f"kernel must be odd for size-preserving padding in the built-in nets, got {k}"
    assert len(equivariance_network("dilated", kernel=k - 1, layers=1)[1]) == 1


def test_one_integer_shift_applies_to_every_axis() -> None:
    r = check_equivariance("dilated", layers=1, dims=2, size=8, shifts=[2, (1, 0)], backend="numpy")
    assert [s.shift for s in r.shifts] == [(2, 2), (1, 0)]


def test_default_shifts_reach_twice_the_total_stride() -> None:
    r = check_equivariance("strided", layers=2, dims=1, backend="numpy")  # total stride 4
    assert r.total_stride == (4,) and [s.shift for s in r.shifts] == [(k,) for k in range(1, 9)]
    assert r.holding_shifts == [[4], [8]]
    r1 = check_equivariance("dilated", layers=1, dims=1, size=8, backend="numpy")  # stride 1: at least 1..3
    assert [s.shift for s in r1.shifts] == [(1,), (2,), (3,)]


def test_default_size_with_zero_padding_is_field_plus_twice_the_shift_plus_16() -> None:
    # dilated, 3 layers of 3 taps: receptive field 1 + 2 (1 + 2 + 4) = 15; largest shift 5
    r = check_equivariance("dilated", dims=1, shifts=[1, 5], padding="zeros", backend="numpy")
    assert r.size == 15 + 2 * 5 + 16
    assert check_equivariance("dilated", dims=1, shifts=[1], backend="numpy").size == 32  # circular


def test_no_interior_left_names_a_size_that_has_one() -> None:
    with pytest.raises(InvalidArgument) as exc:
        check_equivariance("dilated", dims=1, size=15, shifts=[1], padding="zeros", backend="numpy")
    assert str(exc.value) == ("no interior output left for shift [1] at size 15 with zero padding; "
                              "use --size >= 18")
    r = check_equivariance("dilated", dims=1, size=18, shifts=[1], padding="zeros", backend="numpy")
    assert r.shifts[0].compared == 3 and r.holds


def test_seed_range() -> None:
    with pytest.raises(TooLarge):
        check_equivariance("dilated", dims=1, seed=2**63 - 1, max_work=1)
    with pytest.raises(InvalidArgument) as exc:
        check_equivariance("dilated", dims=1, seed=2**63, max_work=1)
    assert str(exc.value) == f"seed must be an integer in [0, {2**63 - 1}], got {2**63}"


def test_unknown_activation_is_refused() -> None:
    with pytest.raises(InvalidArgument) as exc:
        check_equivariance("dilated", dims=1, activation="tanh")
    assert str(exc.value) == "activation must be 'relu' or None, got 'tanh'"
    assert check_equivariance("dilated", dims=1, size=8, shifts=[1], activation=None, backend="numpy").holds


def test_memory_estimate_is_inclusive_and_counts_the_unpooled_map_once() -> None:
    """Pooling net, 1 level, 1-tap kernels, 4 channels, 32 samples: every array holds 4 x 32 = 128 values
    (the pooled one 64, times its 2-tap window); estimate 8 bytes x 128 x 12."""
    kw = {"layers": 1, "kernel": 1, "channels": 4, "dims": 1, "size": 32, "shifts": [2], "backend": "numpy",
          "max_work": None}
    assert check_equivariance("pooling", max_bytes=8 * 128 * 12, **kw).holds
    with pytest.raises(TooLarge, match="GiB"):
        check_equivariance("pooling", max_bytes=8 * 128 * 12 - 1, **kw)


def test_records_count_batch_units_and_report_channels() -> None:
    r = check_equivariance("dilated", layers=1, channels=3, dims=1, size=10, batch=2, shifts=[1], backend="numpy")
    assert r.shifts[0].compared == 10 * 2 and r.out_channels == 3 and r.batch == 2
    one = check_equivariance("dilated", layers=1, channels=1, dims=1, size=10, batch=3, shifts=[1], backend="numpy")
    assert one.out_channels == 1 and one.shifts[0].consistency is None and one.consistency is None
    assert "one output channel: no shift consistency" in one.note and one.shifts[0].compared == 30


def test_kernel_range_is_one_to_sixty_three() -> None:
    assert equivariance_network("dilated", kernel=63, layers=1)[1][0].kernel == (63, 63)
    with pytest.raises(InvalidArgument, match=r"kernel must be an integer in \[1, 63\], got 64"):
        equivariance_network("dilated", kernel=64)


def test_documented_defaults() -> None:
    name, lays, _ = equivariance_network("dilated")
    assert name == "dilated stack: 3 3-tap convolutions, dilations 2**l"
    assert [(l.kernel, l.in_channels, l.out_channels, l.dims) for l in lays] == [((3, 3), 4, 4, 2)] * 3
    r = check_equivariance("dilated", size=8, shifts=[1], backend="numpy")
    assert r.layers == ("conv 3x3 d1x1 s1x1 p1x1 4->4", "conv 3x3 d2x2 s1x1 p2x2 4->4", "conv 3x3 d4x4 s1x1 p4x4 4->4")
    assert (r.padding, r.dims, r.channels, r.batch, r.dtype, r.seed, r.activation) == \
        ("circular", 2, 4, 1, "float64", 0, "relu")
