"""The qtt-rank theorem's certificate size limit at its edge: a kernel padded to ``a**L`` on every axis
holds at most ``MAX_CERT_ENTRIES = 2**14`` entries."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kronconv.errors import TooLarge
from kronconv.theorems.qtt_rank import prove_qtt_rank


def test_a_kernel_of_exactly_the_limit_is_decided() -> None:
    p = prove_qtt_rank(np.ones((128, 128), dtype=np.int64), 2, 1)  # 128 * 128 = 2**14 entries, a power of 2
    assert p.proved and p.claim["shape"] == [128, 128]


@pytest.mark.parametrize("shape", [(129, 128), (128, 129), (129, 2)])
def test_a_kernel_padded_beyond_the_limit_is_refused(shape: tuple[int, int]) -> None:
    padded = (1 << (max(shape) - 1).bit_length()) ** len(shape)  # every axis padded to the same a**L = 2**L
    assert padded > 2**14
    with pytest.raises(TooLarge, match=f"certificate kernel would have {padded} entries, above MAX_CERT_ENTRIES = "
                                       f"{2**14}"):
        prove_qtt_rank(np.ones(shape, dtype=np.int64), 2, 1)


def test_two_levels_cost_two_cores_per_channel_and_no_middle_core() -> None:
    # composing a witness costs entries * (2 C + (L - 2) C**2) (kronconv/verify/qtt.py): with L = 2 there is no
    # middle core, so 121 * 121 entries and C = 286 need 2 * 286 * 14641 <= 2**23 operations, C = 287 more
    kernel = np.ones((121, 121), dtype=np.int64)  # a = 11, L = 2
    assert 121 * 121 * 2 * 286 <= 2**23 < 121 * 121 * 2 * 287
    assert prove_qtt_rank(kernel, 11, 23, 2).proved  # 23 channels: a middle core of C**2 would exceed the limit
    with pytest.raises(TooLarge, match=f"about {121 * 121 * 2 * 287} operations, above MAX_CERT_WORK = {2**23}"):
        prove_qtt_rank(kernel, 11, 287, 2)


def test_a_float_kernel_is_stated_with_integer_entries() -> None:
    # the claim a certificate carries states the integer kernel, also when the kernel came as integral floats
    p = prove_qtt_rank(np.array([[1.0, -2.0], [3.0, 4.0]]), 2, 1)
    assert p.claim["kernel"] == [[1, -2], [3, 4]]
    assert all(type(x) is int for row in p.claim["kernel"] for x in row)
    assert json.loads(p.to_json())["claim"]["kernel"] == [[1, -2], [3, 4]]


def test_the_seeded_kernel_defaults_to_seed_zero() -> None:
    from kronconv.theorems.qtt_rank import seeded_qtt_kernel

    default = seeded_qtt_kernel(2, 3, 2)
    assert default.shape == (8,)
    assert np.array_equal(default, seeded_qtt_kernel(2, 3, 2, seed=0))
