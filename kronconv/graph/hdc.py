"""The hybrid-dilated-convolution (HDC) rule of Wang et al. 2018, evaluated with SymPy.

A design rule about which dilation rates avoid gridding; the unit graph
(:func:`~kronconv.graph.unit_graph`) is the ground truth it is compared with.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidArgument
from ..spec import Network

__all__ = [
    "HDCRule",
    "hdc_for_network",
    "hdc_rule",
]

@dataclass(frozen=True)
class HDCRule:
    r"""The hybrid-dilated-convolution rule of Wang et al. 2018 for rates ``r_1..r_n`` and kernel ``K``.

    :math:`M_n = r_n`, :math:`M_i = \max[M_{i+1} - 2 r_i,\ M_{i+1} - 2(M_{i+1} - r_i),\ r_i]`,
    and the design aims at :math:`M_2 \le K`; rates should also share no common
    factor greater than 1.  ``M`` holds :math:`M_1..M_n` as SymPy expressions
    (symbolic rates stay symbolic); ``m2_ok`` / ``gcd_ok`` are ``True`` /
    ``False`` when decidable, else ``None``.  The rule's :math:`2 r_i` is the
    span of a 3-tap kernel: for :math:`K \ne 3` it is not the coverage
    condition (see ``docs/graph-specs.md``), and it looks only at
    :math:`M_2`, so :math:`r_1` is ignored -- the unit graph is the ground truth.
    """

    rates: tuple[Any, ...]
    kernel: Any
    M: tuple[Any, ...]
    m2_ok: bool | None
    gcd: Any
    gcd_ok: bool | None

    @property
    def satisfied(self) -> bool | None:
        """Both parts hold (None if either is undecided)."""
        if self.m2_ok is False or self.gcd_ok is False:
            return False
        if self.m2_ok is None or self.gcd_ok is None:
            return None
        return True

    def to_dict(self) -> dict[str, Any]:
        def j(x: Any) -> Any:
            return int(x) if getattr(x, "is_Integer", False) else str(x)

        return {"rates": [j(r) for r in self.rates], "kernel": j(self.kernel), "M": [j(m) for m in self.M],
                "M2": j(self.M[1]) if len(self.M) > 1 else None, "M2_le_K": self.m2_ok,
                "gcd": j(self.gcd) if self.gcd is not None else None, "no_common_factor": self.gcd_ok,
                "satisfied": self.satisfied}


def hdc_rule(rates: Sequence[Any], kernel: Any = 3) -> HDCRule:
    """Evaluate the HDC rule with SymPy; rates and kernel may be numbers or expressions.

    Examples
    --------
    >>> r = hdc_rule([1, 2, 9]); [int(m) for m in r.M], r.m2_ok
    ([3, 5, 9], False)
    >>> hdc_rule([2, 2, 2]).satisfied, hdc_rule([2, 2, 2]).m2_ok
    (False, True)
    >>> hdc_rule(["1", "a", "a**2"], "a").M[1]
    Max(a, a**2 - 2*a)
    """
    import sympy as sp

    from ..formulas import sym

    rs = tuple(sym(r, "rate") for r in rates)
    K = sym(kernel, "kernel")
    if not rs:
        raise InvalidArgument("the HDC rule needs at least 1 rate, got 0")
    for r in rs:
        if r.is_number and (not r.is_Integer or r < 1):
            raise InvalidArgument(f"rates must be positive integers, got {r}")
    m2_ok: bool | None
    if K.is_Integer and all(r.is_Integer for r in rs):  # plain integers: the same recursion without SymPy
        mi = [0] * len(rs)
        ri = [int(r) for r in rs]
        mi[-1] = ri[-1]
        for i in range(len(ri) - 2, -1, -1):
            mi[i] = max(mi[i + 1] - 2 * ri[i], mi[i + 1] - 2 * (mi[i + 1] - ri[i]), ri[i])
        M = [sp.Integer(m) for m in mi]
        m2_ok = (mi[1] if len(mi) > 1 else mi[0]) <= int(K)
    else:
        M = [sp.Integer(0)] * len(rs)
        M[-1] = rs[-1]
        for i in range(len(rs) - 2, -1, -1):
            nxt = M[i + 1]
            M[i] = sp.Max(nxt - 2 * rs[i], nxt - 2 * (nxt - rs[i]), rs[i])
        m2 = M[1] if len(M) > 1 else M[0]
        rel = sp.Le(m2, K)
        m2_ok = bool(rel) if rel in (sp.true, sp.false) else None
    if all(r.is_Integer for r in rs):
        gcd: Any = sp.Integer(math.gcd(*(int(r) for r in rs)))
        gcd_ok: bool | None = gcd == 1
    else:
        gcd, gcd_ok = None, None
    return HDCRule(rs, K, tuple(M), m2_ok, gcd, gcd_ok)


def hdc_for_network(net: Network) -> tuple[HDCRule | None, str]:
    """The HDC rule for a chain, with a reason when it does not apply.

    The rates are the *effective* dilations :math:`d_l J_{l-1}` in input pixels
    (a stride multiplies every later rate), layers with a 1-tap kernel are left
    out (they do not change which positions are reached), and every remaining
    layer must have the same kernel size ``K`` on every axis.

    Examples
    --------
    >>> from kronconv.spec import preset
    >>> rule, why = hdc_for_network(preset("yu-koltun-basic"))
    >>> [int(r) for r in rule.rates], int(rule.M[1]), rule.satisfied
    ([1, 1, 2, 4, 8, 16, 1], 1, True)
    """
    rates: list[int] = []
    ks: set[int] = set()
    jump = [1] * net.dims
    for layer in net.layers:
        kern = tuple(layer.kernel)  # type: ignore[arg-type]
        if any(k > 1 for k in kern):
            eff = tuple(d * j for d, j in zip(layer.dilation, jump))
            if len(set(kern)) != 1 or len(set(eff)) != 1:
                return None, "the rule needs the same kernel size and rate on every axis"
            ks.add(kern[0])
            rates.append(eff[0])
        jump = [j * s for j, s in zip(jump, layer.stride)]  # type: ignore[arg-type]
    if not rates:
        return None, "no layer has a kernel larger than 1"
    if len(ks) != 1:
        return None, f"the rule needs one kernel size, got {sorted(ks)}"
    return hdc_rule(rates, ks.pop()), ""
