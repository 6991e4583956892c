r"""A nonlinearity between layers breaks the cascade identity: a concrete refutation.

For ``relu`` the counterexample is exact in small integers: ``K_0`` is :math:`-1` at
the origin tap, every later kernel is :math:`+1` at the origin tap, ``F_0`` is a
unit impulse.  The linear Kronecker convolution gives :math:`-1` at the origin; the
cascade gives :math:`\mathrm{relu}(-1) = 0` after layer 0 and stays 0.

For ``tanh`` all kernels are :math:`+1` at the origin tap: the cascade gives
:math:`\tanh^{(L-1)}(1)`, the claim gives 1.  That is recorded as a *numeric*
certificate (float64, ``math.tanh``): the error bound is
:math:`(L-1) \cdot 2^{-51}`, because ``tanh`` is 1-Lipschitz and each libm call is
within 2 ulp (:math:`2 \cdot 2^{-52}`) of the exact value near 1, while the gap
:math:`1 - \tanh^{(L-1)}(1) \ge 1 - \tanh(1) > 0.23` is far larger; SymPy also
decides :math:`1 - \tanh(1) > 0` exactly (an instance obligation).

Examples
--------
>>> from kronconv.theorems.cascade import CascadeClaim
>>> p = prove_nonlinearity(CascadeClaim(layers=2, nonlinearity="relu"))
>>> p.proved, p.certificates[0].evidence["counterexample"]["cascade_value"]
(False, 0)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy as sp

from ..errors import InvalidArgument
from ..proof import Certificate, Obligation, Proof, Step, discharge
from .claims import CascadeClaim, statement_text
from .dilation_lemma import ASSUMPTIONS

__all__ = ["TANH_ULPS", "prove_nonlinearity"]

#: Assumed accuracy of ``math.tanh`` near [0, 1], in units of 2**-52 (glibc documents <= 2 ulp).
TANH_ULPS = 2


def prove_nonlinearity(c: CascadeClaim) -> Proof:
    """Refute the cascade identity with a nonlinearity between layers (needs ``layers >= 2``)."""
    if c.nonlinearity == "none" or c.layers < 2:
        raise InvalidArgument("prove_nonlinearity needs a nonlinearity and at least 2 layers")
    origin = [0] * c.dims
    first = -1 if c.nonlinearity == "relu" else 1
    kernels = [{"layer": l, "out": 0, "in": 0, "tap": origin, "value": first if l == 0 else 1}
               for l in range(c.layers)]
    from ..polykernel import check_size

    check_size(c.layout, c.channel_sum or c.channels == 1)
    claimed = _claimed_at_origin(c, [first] + [1] * (c.layers - 1))  # the claimed output at the origin
    steps = [Step(
        "S1", "Linearity is what the cascade theorem uses: convolutions compose (associativity, A2) only when "
              "nothing acts between them. With φ between layers, F_L = K_(L−1) *_d φ(... φ(K_0 * F_0)).",
        "nonlinear-composition", (), "general")]
    ce: dict[str, Any] = {"kernels": kernels, "input": {"channel": 0, "position": origin, "value": 1},
                          "output_channel": 0, "position": origin, "claimed_value": claimed,
                          "nonlinearity": c.nonlinearity}
    if c.nonlinearity == "relu":
        ce["cascade_value"] = 0
        if claimed == 0:
            raise InvalidArgument("no relu counterexample of the origin-tap form for this claim: "
                                  "plant one defect at a time (nonlinearity with an otherwise standard claim)")
        steps.append(Step(
            "S2", f"Counterexample: K_0 = −1 at the origin tap, K_1..K_{c.layers - 1} = +1 at the origin tap, all other "
                  "taps 0 (and channels other than 0), F_0 = unit impulse. The claimed Kronecker convolution gives "
                  f"{claimed} at the origin; the cascade gives relu(−1) = 0 after layer 0 and 0 at the "
                  f"end. {claimed} ≠ 0.",
            "counterexample", ("S1",), "instance", facts=ce))
        cert = Certificate("instance", statement_text(c), "exact integer counterexample", False,
                           {"counterexample": ce})
    else:
        if claimed != 1:
            raise InvalidArgument("no tanh counterexample of the origin-tap form for this claim: "
                                  "plant one defect at a time (nonlinearity with an otherwise standard claim)")
        k = c.layers - 1
        val = 1.0
        for _ in range(k):
            val = math.tanh(val)
        bound = k * TANH_ULPS * 2.0**-52
        ce["cascade_value"] = val
        steps.append(Step(
            "S2", f"Counterexample: every kernel = +1 at the origin tap (others 0), F_0 = unit impulse: the claim gives "
                  f"1 at the origin, the cascade gives tanh applied {k} time(s) to 1 ≈ {val:.12f}; 1 − tanh(1) > 0 "
                  "exactly (SymPy), and tanh^(k)(1) ≤ tanh(1) < 1.",
            "counterexample", ("S1",), "instance",
            (Obligation("positive", 1 - sp.tanh(1), "tanh(1) < 1"),), facts=ce))
        cert = Certificate("numeric", statement_text(c), "float64 evaluation of the cascade at the origin "
                           "against the claimed value, gap compared with a derived error bound", False,
                           {"backend": "python-math", "dtype": "float64", "error_bound": bound, "seed": None,
                            "gap": abs(claimed - val), "counterexample": ce})
    if discharge(steps):  # pragma: no cover - the refutation must rest on facts that hold
        raise AssertionError(f"counterexample obligations failed: {discharge(steps)}")
    return Proof("cascade", statement_text(c), c.to_dict(), ASSUMPTIONS, tuple(steps), (cert,), False,
                 notes=(f"With one layer there is no 'between'; for L ≥ 2 the {c.nonlinearity} breaks linearity.",))


def _claimed_at_origin(c: CascadeClaim, values: list[int]) -> int:
    """The claimed (linear Kronecker) output at the origin for kernels ``values[l]`` at the origin tap."""
    from ..polykernel import evaluate_kernel, kron_operator

    lay = c.layout
    ks = []
    for v in values:
        k = np.zeros((c.channels, c.channels) + (c.kernel,) * c.dims, dtype=np.int64)
        k[(0, 0) + (lay.radius,) * c.dims] = v
        ks.append(k)
    op = kron_operator(lay, order=c.order, flip=c.flip, channel_sum=c.channel_sum or c.channels == 1,
                       correlation=c.correlation)
    dense, lo = evaluate_kernel(op, ks)
    idx = tuple(-x for x in lo)
    if any(i < 0 or i >= s for i, s in zip(idx, dense.shape[2:])):
        return 0
    return int(dense[(0, 0) + idx])
