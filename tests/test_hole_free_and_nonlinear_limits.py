"""Range edges of the hole-free bound's kernel and of the exponents its claimed field may use, and the size
limit of a nonlinear cascade's refutation."""

from __future__ import annotations

import pytest

from kronconv.errors import InvalidArgument, TooLarge
from kronconv.polykernel import MAX_TERMS
from kronconv.theorems.cascade import CascadeClaim, prove_cascade
from kronconv.theorems.hole_free import prove_hole_free_bound


@pytest.mark.parametrize("k", [2, 64])
def test_hole_free_bound_accepts_kernels_two_to_sixty_four(k: int) -> None:
    p = prove_hole_free_bound(k, 1)
    assert p.proved and p.claim["kernel"] == k


@pytest.mark.parametrize("k", [1, 65])
def test_hole_free_bound_refuses_kernels_outside_two_to_sixty_four(k: int) -> None:
    with pytest.raises(InvalidArgument, match=rf"kernel k must be an integer in \[2, 64\] for the hole-free bound, "
                                              rf"got {k}"):
        prove_hole_free_bound(k, 1)


@pytest.mark.parametrize("nl", ["relu", "tanh"])
def test_a_nonlinear_cascade_beyond_the_term_limit_is_refused(nl: str) -> None:
    # 11 layers of 2x2 taps: 4**11 terms, above MAX_TERMS = 2**20 (10 layers fit: 4**10 = 2**20)
    assert 4**10 <= MAX_TERMS < 4**11
    with pytest.raises(TooLarge, match=rf"needs {4**11} terms, above the limit MAX_TERMS = {MAX_TERMS}"):
        prove_cascade(CascadeClaim(layers=11, kernel=2, dims=2, nonlinearity=nl))


@pytest.mark.parametrize(("max_rf", "verdict"), [("k**(64*L - 64)", "refuted"), ("k**(L + 64) / k**64", "proved")])
def test_exponents_a_L_plus_b_with_coefficients_up_to_64_are_read(max_rf: str, verdict: str) -> None:
    # at k = 2, L = 1: 2**0 = 1 (refuted: the field is 2) and 2**65 / 2**64 = 2 (proved)
    assert prove_hole_free_bound(2, 1, max_rf).verdict == verdict


@pytest.mark.parametrize("max_rf", ["k**(65*L - 64)", "k**(L + 65) / k**65", "k**(-65*L + 67)", "k**(L**2)", "k**(L*L - L + 1)"])
def test_exponent_coefficients_beyond_64_are_refused(max_rf: str) -> None:
    with pytest.raises(InvalidArgument, match=r"a\*L \+ b with \|a\|, \|b\| <= 64\), got"):
        prove_hole_free_bound(2, 1, max_rf)
