"""What both checks share: the elementwise comparison against a rounding-error bound, and argument checks."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import InvalidArgument

__all__ = [
    "compare_with_bound",
]

_DTYPES = ("float32", "float64")


def _finite(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


def compare_with_bound(a: np.ndarray, b: np.ndarray, bound: np.ndarray,
                       mask: np.ndarray | None = None) -> tuple[bool, float, float, float]:
    """Elementwise ``|a - b| <= bound`` on ``mask``: ``(holds, max |a - b|, max bound, max ratio)``.

    The ratio is ``|a - b| / bound`` (``inf`` where the bound is 0 and the
    difference is not).

    Examples
    --------
    >>> compare_with_bound(np.array([1.0, 2.0]), np.array([1.0, 2.5]), np.array([0.1, 0.1]))
    (False, 0.5, 0.1, 5.0)
    """
    diff = np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))
    bnd = np.broadcast_to(np.asarray(bound, dtype=np.float64), diff.shape)
    if mask is not None:
        m = np.broadcast_to(mask, diff.shape)
        diff, bnd = diff[m], bnd[m]
    if diff.size == 0:
        raise InvalidArgument("nothing to compare: the compared region is empty")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(diff == 0, 0.0, diff / bnd)
    holds = bool(np.all(diff <= bnd))
    return holds, float(diff.max()), float(bnd.max()), float(ratio.max())


def _int_arg(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= int(value) <= hi:
        raise InvalidArgument(f"{name} must be an integer in [{lo}, {hi}], got {value!r}")
    return int(value)
