r"""Numerical checks with derived error bounds: cascade/Kronecker equivalence and shift equivariance.

Both checks draw random data (seeded), run on the chosen backend and compare
two computations elementwise against a **rigorous rounding-error bound**
(module docstring of :mod:`kronconv.numeric`): a comparison *holds* when every
compared element satisfies :math:`|a_i - b_i| \le E_i`, where :math:`E_i` is
the sum of both computations' bounds at that element.  Results are frozen
records with ``to_dict()`` (JSON-ready; ``holds``, ``max_abs_error``, ``bound``,
``backend`` always present).

Equivalence (:func:`check_equivalence`)
    The cascade of ``L`` layers with ``a``-tap kernels and dilations
    :math:`b^l` against one correlation with the Kronecker kernel
    :math:`K_{L-1} \otimes \cdots \otimes K_0` (with channels: the sum of
    Kronecker products of :func:`kronconv.kron.kron_channels`).  For ``b = a``
    the identity is exact in ``valid``, ``full`` and ``circular`` modes.  With
    per-layer zero ``same`` padding it holds only where no layer reads padding:
    outputs ``P .. n - 1 - R`` per axis, ``P`` and ``R`` the sums of the layers'
    left and right padding (the receptive-field halo); only that interior is
    compared and the border is reported.  Planted false claims (``b != a``,
    ``plant='swap'`` — factors in the wrong order, ``'flip'`` — flipped kernel,
    ``'relu'`` — a ReLU between layers) must fail, by far.

Equivariance (:func:`check_equivariance`)
    For a network :math:`f` and shift :math:`T_s`, compares :math:`f(T_s x)`
    with :math:`T_s f(x)`.  With circular padding and size-preserving layers
    the comparison covers every output; with zero padding only outputs whose
    computation touches neither padding nor the seam that the (circular) shift
    wraps around.  Dilated stacks hold for every shift; pooling/unpooling
    (SegNet-like) and strided nets only for multiples of their total stride,
    which the check reports as ``holding_shifts`` and ``matches_theory``.  The
    *shift consistency* (in the spirit of Zhang 2019) is the fraction of
    compared pixels whose argmax over output channels agrees.

Equivariance audit of a model (:func:`audit_equivariance`)
    The shift lattice a graph predicts (:mod:`~kronconv.checks.prediction`)
    against shifted crops run on ``numpy`` / ``torch`` / ``onnxruntime``
    (:mod:`~kronconv.checks.executors`), compared in the interior against the
    engine's rounding bound (numpy) or a measured float32-vs-float64 tolerance
    (torch, onnxruntime) (:mod:`~kronconv.checks.audit`).

Layout: :mod:`~kronconv.checks.compare` (the bounded comparison both use),
:mod:`~kronconv.checks.equivalence` and :mod:`~kronconv.checks.equivariance`;
every public name is re-exported here.

Examples
--------
>>> r = check_equivalence(layers=2, kernel=2, dims=1, backend="numpy")
>>> r.holds, r.max_abs_error <= r.bound
(True, True)
>>> check_equivalence(layers=2, kernel=2, dilation_base=3, dims=1, backend="numpy").holds
False
>>> e = check_equivariance("pooling", layers=1, dims=1, size=16, channels=2, shifts=[1, 2], backend="numpy")
>>> e.holding_shifts, e.matches_theory
([[2]], True)
"""

from __future__ import annotations

from .audit import (
    EXECUTORS,
    AuditModel,
    AuditResult,
    ExecutorAudit,
    ShiftAudit,
    audit_equivariance,
    model_from_graph,
    model_from_onnx,
    model_from_torch,
)
from .compare import compare_with_bound
from .equivalence import PLANTS, EquivalenceResult, check_equivalence
from .equivariance import (
    ARCHS,
    EquivarianceResult,
    ShiftRecord,
    check_equivariance,
    equivariance_network,
)
from .prediction import BreakingOp, EquivariancePrediction, predict_equivariance, shift_predicted

__all__ = [
    "ARCHS",
    "EXECUTORS",
    "PLANTS",
    "AuditModel",
    "AuditResult",
    "BreakingOp",
    "EquivalenceResult",
    "EquivariancePrediction",
    "EquivarianceResult",
    "ExecutorAudit",
    "ShiftAudit",
    "ShiftRecord",
    "audit_equivariance",
    "check_equivalence",
    "check_equivariance",
    "compare_with_bound",
    "equivariance_network",
    "model_from_graph",
    "model_from_onnx",
    "model_from_torch",
    "predict_equivariance",
    "shift_predicted",
]
