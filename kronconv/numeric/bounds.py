r"""Floating-point error-bound arithmetic: unit roundoff, Higham's :math:`\gamma_n`, and the bound's own inflation.

See the docstring of :mod:`kronconv.numeric` for the bound these build.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import InvalidArgument

__all__ = [
    "gamma",
    "inflation",
    "unit_roundoff",
]

def unit_roundoff(dtype: Any) -> float:
    """Unit roundoff :math:`u` of a dtype: ``2**-24`` (float32), ``2**-53`` (float64), 0 for integers.

    Examples
    --------
    >>> unit_roundoff(np.float32) == 2.0**-24
    True
    """
    dt = np.dtype(dtype)
    if dt.kind in "iub":
        return 0.0
    if dt.kind != "f":
        raise InvalidArgument(f"dtype must be a real float or integer type, got {dt}")
    return float(np.finfo(dt).eps) / 2.0


def gamma(n: int, u: float) -> float:
    r""":math:`\gamma_n = n u / (1 - n u)` (Higham); ``inf`` when :math:`n u \ge 1`.

    Examples
    --------
    >>> gamma(0, 0.5), gamma(1, 2.0**-53) > 2.0**-53
    (0.0, True)
    """
    nu = n * u
    return math.inf if nu >= 1 else nu / (1.0 - nu)


#: Float64 operations per layer of a bound evaluation besides its sums (gamma, product, additions).
_EVAL_OPS = 4


def inflation(count: int) -> float:
    r"""Factor :math:`1 / (1 - 2 N u_{64})` covering the float64 rounding of a bound built from ``count`` operations.

    A non-negative sum of :math:`n` terms computed in float64 is at least
    :math:`(1 - \gamma_n)` times the exact one; over a chain the factors
    multiply to at least :math:`1 - \sum \gamma \ge 1 - 2 N u_{64}` while
    :math:`N u_{64} \le 1/4`.

    Examples
    --------
    >>> 1 < inflation(100) < 1 + 1e-13
    True
    """
    x = 2.0 * count * 2.0**-53
    if x >= 0.5:
        raise InvalidArgument(f"bound evaluation with {count} operations is beyond float64's reach")
    return 1.0 / (1.0 - x)
