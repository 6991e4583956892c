r"""One axis of a dilated chain: the reached offsets (a bitset sumset), path counts and the hole-free criterion.

A chain of :math:`L` stride-1 layers with :math:`k`-tap kernels and dilations
:math:`d_1, \dots, d_L` reaches, on one axis, the offsets

.. math::  S = \{0, \dots, k-1\} \cdot d_1 + \dots + \{0, \dots, k-1\} \cdot d_L

(taps counted from the kernel's first tap; centring the kernel only shifts
:math:`S`), and the number of paths to offset :math:`x` is the coefficient of
:math:`x` in :math:`\prod_i (1 + z^{d_i} + \dots + z^{(k-1) d_i})`.  The receptive
field is :math:`RF = (k-1)\sum_i d_i + 1`; the schedule is **hole-free** iff
:math:`S = [0, RF-1]`.  Both depend only on the multiset of dilations (the
product of polynomials commutes), never on their order.

*Prefix lemma* (the exact criterion the search uses).  Sort the dilations,
:math:`d_1 \le \dots \le d_L`, and let :math:`m_j = (k-1)\sum_{i \le j} d_i`
(:math:`m_0 = 0`), with :math:`k \ge 2`.  Then the schedule is hole-free iff
:math:`d_{j+1} \le m_j + 1` for every :math:`0 \le j < L` (so :math:`d_1 = 1`).

*Proof.* Write :math:`S_j` for the sumset of the first :math:`j` layers
(:math:`S_0 = \{0\}`), :math:`\max S_j = m_j`.  (If) By induction
:math:`S_j = [0, m_j]`: :math:`S_{j+1} = \bigcup_{t<k} (S_j + t d_{j+1})` is a union of
translates of :math:`[0, m_j]` whose consecutive starts differ by
:math:`d_{j+1} \le m_j + 1`, so they overlap or touch and the union is
:math:`[0, m_j + (k-1) d_{j+1}] = [0, m_{j+1}]`.  (Only if) Suppose the full
schedule is hole-free and let :math:`j` be the first index with
:math:`d_{j+1} > m_j + 1`; by the "if" part :math:`S_j = [0, m_j]`.  The offset
:math:`m_j + 1` lies in :math:`[0, m_L]` (because :math:`m_L \ge m_j + (k-1)d_{j+1} > m_j`),
but a sum using only the first :math:`j` layers is at most :math:`m_j`, and a sum
with some tap :math:`t \ge 1` on a later layer is at least :math:`d_{j+1} > m_j + 1`
(all later dilations are :math:`\ge d_{j+1}`): the offset is a hole. :math:`\square`

*Bound.* With the lemma, :math:`RF_{j+1} = m_{j+1} + 1 \le m_j + (k-1)(m_j + 1) + 1
= k\,RF_j` and :math:`RF_1 = k`, so :math:`RF \le k^L`, with equality iff
:math:`d_{j+1} = k^j` for every :math:`j`: the mixed-radix (Kronecker) schedule
:math:`1, k, k^2, \dots` is the only multiset reaching it.  (The counting
argument :math:`RF = |S| \le k^L` gives the bound without the lemma; see
:mod:`kronconv.theorems.hole_free`.)

Examples
--------
>>> bin(sumset_bits(3, [2, 2, 2]))
'0b1010101010101'
>>> is_hole_free(3, [1, 2, 5]), is_hole_free(3, [1, 2, 9]), prefix_rule(3, [5, 2, 1])
(True, False, True)
>>> path_counts(2, [1, 2]).tolist()
[1, 1, 1, 1]
>>> s = score_axis(3, (1, 3, 9)); s.receptive_field, s.holes, s.max_paths, s.single_path
(27, 0, 1, 27)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import InvalidArgument, TooLarge

__all__ = [
    "MAX_AXIS_FIELD",
    "AxisScore",
    "check_kernel",
    "is_hole_free",
    "path_counts",
    "prefix_rule",
    "receptive_field",
    "score_axis",
    "sumset_bits",
]


#: Largest field (positions per axis) whose path counts are computed.
MAX_AXIS_FIELD = 1 << 24


def check_kernel(k: int) -> int:
    """Return ``k`` if it is an integer kernel size >= 2, else raise :class:`InvalidArgument`."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2:
        raise InvalidArgument(f"kernel size must be an integer >= 2, got {k!r}")
    return int(k)


def _check_dilations(dilations: Sequence[int]) -> tuple[int, ...]:
    out = tuple(dilations)
    if not out:
        raise InvalidArgument("a schedule needs at least 1 layer, got 0")
    for d in out:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
            raise InvalidArgument(f"dilations must be positive integers, got {d!r}")
    return tuple(int(d) for d in out)


def receptive_field(k: int, dilations: Sequence[int]) -> int:
    """:math:`(k-1)\\sum d_i + 1`, the extent of one axis of the field.

    >>> receptive_field(3, [1, 2, 4, 8])
    31
    """
    return (check_kernel(k) - 1) * sum(_check_dilations(dilations)) + 1


def sumset_bits(k: int, dilations: Sequence[int]) -> int:
    """The reached offsets as a Python-int bitset: bit ``x`` set iff offset ``x`` is reached.

    Built by shifts and ors, :math:`S \\leftarrow \\bigvee_{t<k} S \\ll t d` per layer.
    """
    k = check_kernel(k)
    bits = 1
    for d in _check_dilations(dilations):
        acc = 0
        for t in range(k):
            acc |= bits << (t * d)
        bits = acc
    return bits


def is_hole_free(k: int, dilations: Sequence[int]) -> bool:
    """The exact hole check: the bitset sumset is the full interval ``[0, RF-1]``."""
    return sumset_bits(k, dilations) == (1 << receptive_field(k, dilations)) - 1


def prefix_rule(k: int, dilations: Sequence[int]) -> bool:
    """The prefix lemma's test on the sorted dilations: :math:`d_{j+1} \\le (k-1)\\sum_{i\\le j} d_i + 1`.

    Equivalent to :func:`is_hole_free` (proof in the module docstring), in
    :math:`O(L \\log L)` integer operations.
    """
    k = check_kernel(k)
    m = 0
    for d in sorted(_check_dilations(dilations)):
        if d > m + 1:
            return False
        m += (k - 1) * d
    return True


def path_counts(k: int, dilations: Sequence[int]) -> np.ndarray:
    """Paths from the output to every offset ``0..RF-1`` (int64; the coefficients of the product).

    The largest count is at most :math:`k^L`; a request with :math:`k^L \\ge 2^{63}` is refused.
    """
    k = check_kernel(k)
    ds = _check_dilations(dilations)
    if len(ds) * np.log2(k) >= 62:
        raise TooLarge(f"path counts up to k**L = {k}**{len(ds)} do not fit in 64-bit integers")
    rf = (k - 1) * sum(ds) + 1
    if rf > MAX_AXIS_FIELD:
        raise TooLarge(f"the schedule's field has {rf} positions per axis, above the limit MAX_AXIS_FIELD = "
                       f"{MAX_AXIS_FIELD} for exact path counts")
    c = np.ones(1, dtype=np.int64)
    for d in ds:
        c = extend_counts(c, k, d)
    return c


def extend_counts(c: np.ndarray, k: int, d: int) -> np.ndarray:
    """Path counts after one more layer of dilation ``d``: ``out[x] = sum_t c[x - t d]``."""
    out = np.zeros(len(c) + (k - 1) * d, dtype=np.int64)
    n = len(c)
    for t in range(k):
        out[t * d: t * d + n] += c
    return out


@dataclass(frozen=True)
class AxisScore:
    """One axis of a schedule: field, holes and path-count statistics over the field ``[0, RF-1]``.

    ``min_paths`` is taken over every position of the field (0 when there are
    holes); ``single_path`` counts the positions reached by exactly one path.
    """

    kernel: int
    dilations: tuple[int, ...]
    receptive_field: int
    reached: int
    max_paths: int
    min_paths: int
    single_path: int

    @property
    def holes(self) -> int:
        return self.receptive_field - self.reached

    @property
    def hole_free(self) -> bool:
        return self.reached == self.receptive_field

    def to_dict(self) -> dict[str, object]:
        return {"kernel": self.kernel, "dilations": list(self.dilations), "receptive_field": self.receptive_field,
                "reached": self.reached, "holes": self.holes, "max_paths": self.max_paths,
                "min_paths": self.min_paths, "single_path_positions": self.single_path}


def stats_from_counts(k: int, dilations: tuple[int, ...], c: np.ndarray) -> AxisScore:
    """:class:`AxisScore` from a path-count array (see :func:`path_counts`)."""
    return AxisScore(k, dilations, len(c), int(np.count_nonzero(c)), int(c.max()), int(c.min()),
                     int(np.count_nonzero(c == 1)))


def score_axis(k: int, dilations: Sequence[int]) -> AxisScore:
    """Score one axis of a schedule exactly (path counts; holes cross-checked with the bitset sumset)."""
    ds = _check_dilations(dilations)
    c = path_counts(k, ds)
    s = stats_from_counts(k, ds, c)
    bits = sumset_bits(k, ds)
    if (bits).bit_count() != s.reached:  # pragma: no cover - two independent computations disagree
        raise AssertionError(f"bitset sumset and path counts disagree for k={k}, dilations={ds}")
    return s
