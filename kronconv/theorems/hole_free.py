r"""The hole-free bound: no hole-free chain of ``L`` layers of ``k``-tap kernels has a receptive field above ``k^L``.

Statement (one axis, stride 1; a multi-axis chain is bounded per axis).  For
every ``k >= 2``, ``L >= 1`` and dilations :math:`d_1, \dots, d_L \ge 1`: if the
sumset :math:`S = \{0..k-1\} d_1 + \dots + \{0..k-1\} d_L` is an interval then
its field :math:`RF = (k-1)\sum_i d_i + 1` satisfies :math:`RF \le k^L`, and
:math:`RF = k^L` is attained by the mixed-radix schedule :math:`1, k, \dots, k^{L-1}`.

Proof (counting).  ``S`` is the image of the tap box :math:`[0, k)^L` under
:math:`t \mapsto \sum_i t_i d_i`, so :math:`|S| \le k^L`; a hole-free ``S`` is
:math:`[0, RF - 1]`, so :math:`RF = |S| \le k^L`.  The witness's field is
:math:`(k-1)\sum_{i<L} k^i + 1 = k^L` and its sums are the base-``k`` numerals
of ``L`` digits, which are exactly :math:`[0, k^L)` (Euclidean division).  A
second, independent route is the recurrence of the prefix lemma
:math:`RF_{j+1} \le k \, RF_j` (:mod:`kronconv.design.sumset`).

:func:`prove_hole_free_bound` builds the proof as data (SymPy obligations for
the general steps, an exhaustive instance table); ``max_rf`` other than
``k**L`` states a false variant, which is refuted with the first small
instance where it fails.  The claim mapping matches
:func:`kronconv._holefree_check.check_claim` (kind ``hole-free-bound``).

Examples
--------
>>> p = prove_hole_free_bound()
>>> p.proved, p.kinds
(True, ['symbolic', 'instance'])
>>> prove_hole_free_bound(max_rf="k**L + 1").proved
False
"""

from __future__ import annotations

import itertools

import sympy as sp

from .._holefree_check import safe_expr
from ..design.sumset import is_hole_free
from ..errors import InvalidArgument
from ..proof import Certificate, Proof, Step, discharge
from .dilation_lemma import ASSUMPTIONS, fact

__all__ = ["INSTANCES", "prove_hole_free_bound"]

#: Small (k, L) enumerated exhaustively in the instance step.
INSTANCES = ((2, 1), (2, 2), (2, 3), (2, 4), (3, 1), (3, 2), (3, 3), (4, 2), (5, 2))


def _exhaustive_max(k: int, L: int) -> int:
    """Largest hole-free field over every multiset of dilations in [1, (k^L - 1)/(k - 1)] (bitset sumsets)."""
    D = (k**L - 1) // (k - 1)
    return max((k - 1) * sum(ds) + 1 for ds in itertools.combinations_with_replacement(range(1, D + 1), L)
               if is_hole_free(k, ds))


def prove_hole_free_bound(max_rf: str = "k**L") -> Proof:
    """Prove (or, for a false ``max_rf``, refute) "the largest hole-free field of L k-tap layers is max_rf"."""
    ksym, Lsym = sp.Symbol("k", integer=True, positive=True), sp.Symbol("L", integer=True, positive=True)
    claimed = safe_expr(max_rf, ksym, Lsym)
    if claimed is None:
        raise InvalidArgument(f"max_rf must be an arithmetic expression in k and L with small exponents, got {max_rf!r}")
    if not isinstance(claimed, sp.Expr) or not claimed.free_symbols <= {ksym, Lsym}:
        raise InvalidArgument(f"max_rf must be an expression in k and L only, got {max_rf!r}")
    steps = [
        Step("S1", "The sumset S = {0..k−1}·d_1 + ⋯ + {0..k−1}·d_L is the image of the tap box [0, k)^L under "
                   "t ↦ Σ_i t_i d_i, so |S| ≤ |[0, k)^L| = k^L (a box of L factors of size k: N(1) = k, "
                   "N(L + 1) = k·N(L)).",
             "counting", (), "general",
             (fact("equal", "k*k**L", "k**(L + 1)", "N(L + 1) = k·N(L) with N(L) = k^L"),)),
        Step("S2", "If S has no hole, S = [0, RF − 1] with RF = (k − 1)Σ d_i + 1 (0 and (k − 1)Σ d_i are always "
                   "in S), so RF = |S| ≤ k^L.",
             "interval-cardinality", ("S1",), "general"),
        Step("S3", "Second route (prefix lemma, sorted dilations): d_(j+1) ≤ m_j + 1 with m_j = (k − 1)Σ_(i≤j) d_i, "
                   "so RF_(j+1) = m_j + (k − 1)d_(j+1) + 1 ≤ m_j + (k − 1)(m_j + 1) + 1 = k·RF_j and RF_1 = k, "
                   "hence RF ≤ k^L by induction.",
             "prefix-recurrence", (), "general",
             (fact("equal", "r + (k - 1)*(r + 1) + 1", "k*(r + 1)", "m + (k − 1)(m + 1) + 1 = k(m + 1)"),)),
        Step("S4", "The mixed-radix schedule 1, k, …, k^(L−1) has field (k − 1)Σ_(i<L) k^i + 1 = k^L, and its sums "
                   "Σ t_i k^i (0 ≤ t_i < k) are the L-digit base-k numerals, which are exactly 0, …, k^L − 1 "
                   "(Euclidean division): no hole, so the bound is attained.",
             "witness", (), "general",
             (fact("equal", "(k - 1)*Sum(k**l, (l, 0, L - 1)) + 1", "k**L", "geometric sum"),)),
    ]
    rows = []
    counter = None
    for k, L in INSTANCES:
        truth = _exhaustive_max(k, L)
        val = claimed.subs({ksym: k, Lsym: L})
        rows.append({"kernel": k, "layers": L, "max_rf": truth, "claimed": str(val)})
        if counter is None and val != truth:
            counter = {"kernel": k, "layers": L, "max_rf": truth, "claimed": str(val)}
    steps.append(Step("S5", "Instances, exhaustively: for every (k, L) listed, every multiset of L dilations in "
                            "[1, (k^L − 1)/(k − 1)] (a larger dilation alone gives a field above k^L) was scored with "
                            "a bitset sumset; the largest hole-free field is "
                            + ", ".join(f"{r['max_rf']} (k={r['kernel']}, L={r['layers']})" for r in rows) + ".",
                      "exhaustive-enumeration", ("S2",), "instance", facts={"instances": rows}))
    diff = sp.simplify(claimed - ksym**Lsym)
    general_ok = not discharge(steps)
    true_claim = diff == 0 and counter is None
    if not true_claim:
        what = (f"at k = {counter['kernel']}, L = {counter['layers']} the claim gives {counter['claimed']} but the "
                f"largest hole-free field is {counter['max_rf']}" if counter else
                f"max_rf − k^L = {diff} is not 0")
        steps.append(Step("S6", f"The stated maximum {claimed} differs from k^L: {what}. The claim is false.",
                          "counterexample", ("S2", "S4", "S5"), "instance" if counter else "general",
                          facts={"counterexample": counter, "difference": str(diff)}))
    certs = (Certificate("symbolic", "for all k ≥ 2 and L ≥ 1 the largest hole-free field of L k-tap layers is k^L",
                         "counting argument (S1, S2), prefix recurrence (S3), mixed-radix witness (S4); SymPy "
                         "obligations", general_ok, {"steps": ["S1", "S2", "S3", "S4"]}),
             Certificate("instance", f"the claimed maximum {claimed} matches exhaustive enumeration on "
                                     f"{len(rows)} instances" if counter is None else
                                     f"the claimed maximum {claimed} fails at k = {counter['kernel']}, "
                                     f"L = {counter['layers']}",
                         "every multiset of dilations, bitset sumsets (exact integers)", counter is None,
                         {"instances": rows}))
    claim = {"theorem": "hole-free-bound", "kind": "hole-free-bound", "kernel": "k", "layers": "L",
             "max_rf": str(claimed)}
    return Proof("hole-free-bound",
                 f"For k ≥ 2 and L ≥ 1, the largest receptive field of a hole-free chain of L stride-1 layers of "
                 f"k-tap kernels (any dilations) is {claimed}",
                 claim, (ASSUMPTIONS[3],), tuple(steps), certs, general_ok and true_claim)
