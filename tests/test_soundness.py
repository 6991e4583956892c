"""Soundness: planted false claims are refuted, and the prover's verdict matches independent oracles.

A prover that says "proved" for a false statement is the worst defect this project can have,
so every planted defect below must come back *refuted*, with a counterexample that an
outside computation (SciPy convolution, numpy.kron) confirms.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import convolve

from kronconv.kron import dilate
from kronconv.theorems import CascadeClaim, prove_cascade
from kronconv.verify import cascade_holds, verify_dict


def oracle_holds(c: CascadeClaim, seed: int = 0) -> bool:
    """Numeric oracle (true convolution, one channel): SciPy cascade kernel vs numpy.kron claim kernel."""
    rng = np.random.default_rng(seed)
    ks = [rng.integers(-50, 51, size=(c.kernel,) * c.dims) for _ in range(c.layers)]
    comp = dilate(ks[0], c.resolved_dilations[0])
    for k, d in zip(ks[1:], c.resolved_dilations[1:]):
        comp = np.rint(convolve(comp, dilate(k, d), method="direct")).astype(np.int64)
    seq = ks[::-1] if c.order == "last-outer" else ks
    claimed = seq[0]
    for k in seq[1:]:
        claimed = np.kron(claimed, k)
    if c.flip:
        claimed = claimed[(slice(None, None, -1),) * c.dims]
    if comp.shape != claimed.shape or not np.array_equal(comp, claimed):
        return False
    if c.origin == "centre":  # the composite's centre must sit where the centred Kronecker kernel's does
        r = (c.kernel - 1) // 2
        return sum(d * r for d in c.resolved_dilations) == (c.kernel**c.layers - 1) // 2
    return True


PLANTED = {
    "off-by-one dilation (+1 at the last layer)": CascadeClaim(layers=3, dilations=(1, 3, 10)),
    "off-by-one dilation (-1 at layer 1)": CascadeClaim(layers=3, dilations=(1, 2, 9)),
    "swapped Kronecker order": CascadeClaim(layers=3, order="first-outer"),
    "kernel flipped": CascadeClaim(layers=3, flip=True),
    "kernel flipped (correlation, centred)": CascadeClaim(layers=2, flip=True, correlation=True, origin="centre"),
    "wrong base (paper's 2^l with k = 3)": CascadeClaim(layers=3, base=2),
    "wrong base (b = 4 > a)": CascadeClaim(layers=2, base=4, dims=1),
    "missing channel sum": CascadeClaim(layers=2, channels=2, channel_sum=False),
    "missing channel sum (3 channels, 3-D)": CascadeClaim(layers=2, kernel=2, dims=3, channels=3),
    "relu between layers": CascadeClaim(layers=2, nonlinearity="relu"),
    "tanh between layers": CascadeClaim(layers=2, nonlinearity="tanh"),
}


@pytest.mark.parametrize("name", list(PLANTED))
def test_planted_false_claim_is_refuted(name):
    claim = PLANTED[name]
    p = prove_cascade(claim)
    assert p.proved is False and p.verdict == "refuted"
    assert "symbolic" not in p.kinds  # no general proof is claimed for a false statement
    assert any(s.rule == "counterexample" for s in p.steps)
    res = verify_dict(p.to_dict())  # the independent checker replays the counterexample
    assert res.ok, res.reasons
    if claim.channels == 1 and claim.nonlinearity == "none" and not claim.correlation:
        assert not oracle_holds(claim)


def test_true_claims_pass_the_oracle():
    for c in (CascadeClaim(layers=3), CascadeClaim(layers=2, dims=3), CascadeClaim(layers=3, origin="centre")):
        assert prove_cascade(c).proved and oracle_holds(c)


@st.composite
def claims(draw: st.DrawFn) -> CascadeClaim:
    origin = draw(st.sampled_from(["corner", "centre"]))
    kernel = draw(st.sampled_from([1, 3]) if origin == "centre" else st.integers(1, 3))
    return CascadeClaim(layers=draw(st.integers(1, 3)), kernel=kernel, dims=draw(st.integers(1, 2)),
                        base=draw(st.one_of(st.none(), st.integers(1, 4))),
                        order=draw(st.sampled_from(["last-outer", "first-outer"])), flip=draw(st.booleans()),
                        origin=origin)


@settings(deadline=None)
@given(c=claims(), seed=st.integers(0, 1000))
def test_verdict_matches_numeric_oracle_and_unit_reduction(c, seed):
    p = prove_cascade(c)
    assert p.proved == oracle_holds(c, seed)
    assert p.proved == cascade_holds(c.to_dict())[0]
