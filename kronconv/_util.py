"""Small helpers shared by result records: per-axis squashing and exact numbers as JSON values.

Examples
--------
>>> squash([3, 3, 3]), squash([1, 2]), squash([])
(3, [1, 2], [])
>>> from fractions import Fraction
>>> exact_number(Fraction(4, 2)), exact_number(Fraction(3, 2))
(2, 1.5)
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

__all__ = ["exact_number", "squash"]


def squash(values: Sequence[Any]) -> Any:
    """One value when all axes agree, else the per-axis list (an empty sequence gives ``[]``)."""
    values = list(values)
    return values[0] if values and all(v == values[0] for v in values) else values


def exact_number(x: Any) -> Any:
    """An exact number as a JSON value: ``int`` when integral, else ``float``.

    Takes a :class:`fractions.Fraction` or a SymPy expression; a SymPy
    expression that is not a rational number becomes its string.  Only
    half-integers occur as non-integers (centres), which are exact in binary.
    """
    if isinstance(x, Fraction):
        return int(x) if x.denominator == 1 else float(x)
    if x.is_Integer:
        return int(x)
    if x.is_Rational:
        return float(x)
    return str(x)
