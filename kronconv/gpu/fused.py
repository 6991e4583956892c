"""The fused Kronecker cascade on a GPU: one launch where the intermediate layers fit on chip.

Falls back to one :func:`kronconv.numeric.correlate` launch per layer otherwise (the plan says why).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import InvalidArgument
from .kernels import CascadePlan, cascade_plan, ctype_of, launch, smem_limit

__all__ = ["fused_cascade"]


def fused_cascade(x: Any, kernels: Sequence[Any], dilations: Sequence[Any], *,
                  limit: int | None = None) -> tuple[Any, CascadePlan]:
    """The valid one-channel cascade of CuPy arrays in one launch where it fits (else layer by layer).

    ``x`` is ``(N, 1, *n)``, each kernel ``(1, 1, *k)``; returns the output and the plan
    that ran (``plan.fused`` False: one ``correlate`` launch per layer, ``plan.reason`` says why).
    """
    from ..backend import backend_of
    from ..numeric import correlate

    if any(backend_of(a) != "cupy" for a in (x, *kernels)):
        raise InvalidArgument("fused_cascade takes CuPy arrays (input and every kernel); "
                              "use kronconv.numeric.cascade for NumPy arrays")
    dt = np.result_type(x.dtype, *(k.dtype for k in kernels))
    ctype_of(dt)
    plan = cascade_plan(x.shape, [k.shape for k in kernels], dilations, dt.itemsize,
                        limit=smem_limit() if limit is None else limit)
    if plan.launch is None:
        y = x.astype(dt, copy=False)
        for k, d in zip(kernels, dilations):
            y = correlate(y, k.astype(dt, copy=False), dilation=d)
        return y, plan
    import cupy

    with x.device:
        xc = cupy.ascontiguousarray(x, dtype=dt)
        wc = cupy.concatenate([cupy.ascontiguousarray(k, dtype=dt).ravel() for k in kernels])
        y = cupy.empty(plan.out_shape, dtype=dt)
        launch(plan.launch, dt, xc, wc, y)
        return y, plan
