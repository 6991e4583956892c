"""Numeric Kronecker rank tolerances and the nearest Kronecker product's relative error."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.errors import InvalidArgument
from kronconv.kronecker import nearest_kronecker, numeric_kronecker_rank

# R(A) of this A has exactly two non-zero rows, so its singular values are (s0, s1, 0, 0) exactly.
_C = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
_A = np.kron(np.diag([1.0, 0.0]), _C) + np.kron(np.diag([0.0, 1.0]), _C[::-1])


def test_rtol_zero_is_accepted_and_counts_every_non_zero_singular_value() -> None:
    assert numeric_kronecker_rank(_A, (2, 2), (2, 3), rtol=0) == 2
    assert numeric_kronecker_rank(_A, (2, 2), (2, 3), rtol=0.0) == 2


def test_rtol_just_below_one_is_accepted_and_keeps_only_the_largest() -> None:
    s = np.linalg.svd(np.stack([_C.ravel(), np.zeros(6), np.zeros(6), _C[::-1].ravel()]), compute_uv=False)
    assert s[1] / s[0] < 0.5  # so a tolerance near 1 keeps only s0
    assert numeric_kronecker_rank(_A, (2, 2), (2, 3), rtol=float(np.nextafter(1.0, 0.0))) == 1
    assert numeric_kronecker_rank(_A, (2, 2), (2, 3), rtol=0.5) == 1
    assert numeric_kronecker_rank(_A, (2, 2), (2, 3), rtol=0.4) == 2


@pytest.mark.parametrize(("rtol", "shown"), [(-1e-300, "-1e-300"), (1, "1"), (1.0, "1.0"), (True, "True"),
                                             (float("nan"), "nan"), ("0.1", "'0.1'")])
def test_rtol_outside_zero_to_one_is_refused(rtol: object, shown: str) -> None:
    with pytest.raises(InvalidArgument, match=f"^{re.escape(f'rtol must be a number in [0, 1), got {shown}')}$"):
        numeric_kronecker_rank(_A, (2, 2), (2, 3), rtol=rtol)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(outer=st.tuples(st.integers(1, 3), st.integers(1, 3)), inner=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       scale=st.sampled_from([1e-6, 1e-3, 0.5, 1.0, 1e3]), seed=st.integers(0, 2**32 - 1))
def test_nearest_kronecker_error_is_the_relative_frobenius_residual(outer: tuple[int, int], inner: tuple[int, int],
                                                                   scale: float, seed: int) -> None:
    a = np.random.default_rng(seed).standard_normal((outer[0] * inner[0], outer[1] * inner[1])) * scale
    b, c, err = nearest_kronecker(a, outer, inner)
    assert b.shape == outer and c.shape == inner
    want = np.linalg.norm(a - np.kron(b, c)) / np.linalg.norm(a)
    assert err == pytest.approx(want, rel=1e-9, abs=1e-12)
    # the error of A does not depend on A's scale
    assert nearest_kronecker(a / scale, outer, inner)[2] == pytest.approx(err, rel=1e-9, abs=1e-12)


def test_nearest_kronecker_of_a_small_non_kronecker_kernel_has_its_error() -> None:
    """A kernel of Frobenius norm below 1 still reports its (scale-free) error."""
    small = _A * 1e-3
    assert np.linalg.norm(small) < 1
    s = np.linalg.svd(np.stack([_C.ravel(), _C[::-1].ravel()]), compute_uv=False)  # the non-zero rows of R(A)
    want = s[1] / np.sqrt(s[0] ** 2 + s[1] ** 2)
    assert nearest_kronecker(small, (2, 2), (2, 3))[2] == pytest.approx(want, rel=1e-12)
    assert want > 0.3
    assert nearest_kronecker(np.zeros((4, 6)), (2, 2), (2, 3))[2] == 0.0
