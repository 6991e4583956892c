r"""Parameter counts: stacks of equal convolutions, and the ways to parameterise an :math:`N^D` kernel.

Dilation never changes a parameter count; what differs between a full kernel, a
Kronecker product, a dilated cascade and a separable kernel is compared in
stored numbers and degrees of freedom.

Examples
--------
>>> stack_parameter_count(3, 2, channels=4)
296
>>> [c.name for c in kernel_parameter_counts(9, 3)]
['full', 'kronecker', 'dilated-cascade', 'separable']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..errors import InvalidArgument
from .expressions import _check_size_expr, bounded, sym

__all__ = ["KernelCounts", "kernel_parameter_counts", "parameter_table", "stack_parameter_count"]


def stack_parameter_count(
    kernel: Any, layers: Any, channels: Any = 1, dims: Any = 2, bias: bool = True, groups: Any = 1
) -> sp.Expr:
    r"""Parameters of ``layers`` equal ``k^dims`` convolutions with ``C`` channels in and out.

    :math:`L\,(C \cdot C/g \cdot k^{D} + [\text{bias}]\, C)`.  Dilation does not
    change parameter counts.

    Examples
    --------
    >>> stack_parameter_count(3, 7, channels=21, bias=False) + 21**2  # basic context module: 64 C^2
    28224
    >>> stack_parameter_count("k", "L", "C", bias=False, groups="C")
    C*L*k**2
    """
    k, L, C, D, g = (sym(v, n) for v, n in ((kernel, "kernel"), (layers, "layers"),
                                           (channels, "channels"), (dims, "dims"), (groups, "groups")))
    for name, v in (("kernel", k), ("layers", L), ("channels", C), ("dims", D), ("groups", g)):
        _check_size_expr(v, name)
    if D.is_number and D > 3:
        raise InvalidArgument(f"dims must be 1, 2 or 3, got {D}")
    if g.is_number and C.is_number and C % g:
        raise InvalidArgument(f"groups must divide channels, got groups={g}, channels={C}")
    if isinstance(bias, bool) is False:
        raise InvalidArgument(f"bias must be True or False, got {bias!r}")
    return bounded(sp.expand(L * (C * (C / g) * k**D + (C if bias else 0))), "the parameter count")

@dataclass(frozen=True)
class KernelCounts:
    """Stored numbers and degrees of freedom of one way to parameterise an N^D kernel."""

    name: str
    stored: sp.Expr
    dof: sp.Expr
    note: str


def kernel_parameter_counts(
    extent: Any = "N", factor: Any = "a", rank: Any = "r", dims: Any = 2
) -> list[KernelCounts]:
    r"""Ways to parameterise an :math:`N^D` kernel, with stored numbers and degrees of freedom.

    * full: :math:`N^D` numbers, :math:`N^D` degrees of freedom;
    * Kronecker product of :math:`L = \log_a N` factors of size :math:`a^D`:
      :math:`L a^D` numbers but :math:`L(a^D - 1) + 1` degrees of freedom, since
      scaling one factor by :math:`c` and another by :math:`1/c` gives the same
      product (:math:`L - 1` redundant scales) — logarithmic in :math:`N`;
    * dilated cascade of :math:`L` layers :math:`a^D`: the same numbers and
      degrees of freedom as the Kronecker product it equals;
    * rank-:math:`r` separable (2-D: :math:`\sum_{i=1}^r u_i v_i^T`): :math:`2rN`
      numbers; the rank-:math:`r` matrices form a manifold of dimension
      :math:`r(2N - r)` (for :math:`r \le N`) — linear in :math:`N`;
    * in :math:`D` dimensions rank-1 (outer product of :math:`D` vectors):
      :math:`DN` numbers, :math:`D(N-1)+1` degrees of freedom.

    Examples
    --------
    >>> {c.name: (c.stored, c.dof) for c in kernel_parameter_counts(27, 3, 1)}["kronecker"]
    (27, 25)
    """
    N, a, r, D = (sym(v, n) for v, n in ((extent, "extent"), (factor, "factor"), (rank, "rank"), (dims, "dims")))
    for name, v in (("extent", N), ("factor", a), ("rank", r), ("dims", D)):
        _check_size_expr(v, name)
    if D.is_number and D > 3:
        raise InvalidArgument(f"dims must be 1, 2 or 3, got {D}")
    if a.is_number and a < 2:
        raise InvalidArgument(f"factor must be at least 2, got {a}")
    L = _exact_log(N, a)
    if L is None:
        raise InvalidArgument(f"extent {N} is not a power of the factor {a}: need N = a**L")
    counts = [
        KernelCounts("full", N**D, N**D, "every entry free"),
        KernelCounts("kronecker", sp.expand(L * a**D), sp.expand(L * (a**D - 1) + 1),
                     "L = log_a N factors of a^D; L-1 scale redundancies"),
        KernelCounts("dilated-cascade", sp.expand(L * a**D), sp.expand(L * (a**D - 1) + 1),
                     "L layers a^D with dilations a^l: equals the Kronecker kernel"),
    ]
    if D == 2 or not D.is_number:
        if r.is_number and N.is_number and r > N:
            raise InvalidArgument(f"rank must be at most the extent {N}, got {r}")
        counts.append(KernelCounts("separable", sp.expand(2 * r * N), sp.expand(r * (2 * N - r)),
                                   "sum of r outer products u v^T; manifold of rank-r matrices"))
    else:
        counts.append(KernelCounts("separable", sp.expand(D * N), sp.expand(D * (N - 1) + 1),
                                   "rank 1: outer product of D vectors; D-1 scale redundancies"))
    for c in counts:
        bounded(c.stored, f"the {c.name} count")
    return counts


def _exact_log(N: sp.Expr, a: sp.Expr) -> sp.Expr | None:
    if N.is_number and a.is_number:
        n, base = int(N), int(a)
        L, p = 0, 1
        while p < n:
            p *= base
            L += 1
        return sp.Integer(L) if p == n else None
    return sp.simplify(sp.log(N) / sp.log(a))


def parameter_table(extents: Sequence[int], factor: int = 3, rank: int = 1, dims: int = 2) -> list[dict[str, Any]]:
    """Rows ``{"extent", "<method>_stored", "<method>_dof"}`` for concrete extents ``a**L``.

    Examples
    --------
    >>> parameter_table([3, 9], 3)[1]["full_stored"], parameter_table([3, 9], 3)[1]["kronecker_stored"]
    (81, 18)
    """
    rows = []
    for n in extents:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InvalidArgument(f"extents must be positive integers, got {n!r}")
        row: dict[str, Any] = {"extent": int(n)}
        for c in kernel_parameter_counts(n, factor, min(rank, n), dims):
            row[f"{c.name}_stored"] = int(c.stored)
            row[f"{c.name}_dof"] = int(c.dof)
        rows.append(row)
    return rows
