"""The naive baseline for ``kronconv prove``: dense SymPy kernels, ``expand``, entry-by-entry comparison.

The straightforward way to check "a cascade of ``L`` 2-D ``a x a`` convolutions with dilations
``a**l`` equals one convolution with the Kronecker kernel ``K_{L-1} (x) ... (x) K_0``" for one
instance, written as fast as the naive method allows:

* every layer kernel is a dense ``a x a`` grid of distinct SymPy symbols ``k{l}[i,j]``;
* the cascade kernel is built densely, layer after layer: for each output entry the products
  ``sympy.Mul(tap, entry)`` that land on it are collected in a list and summed once with
  ``sympy.Add`` (no repeated ``+=`` on SymPy objects, no Matrix machinery, no operator
  overhead); every entry of the final kernel is ``sympy.expand``-ed once with the polynomial
  hints only (``mul``, ``multinomial``; expanding after every layer as well was measured slower);
* the Kronecker kernel is built densely as products of one tap per layer;
* the two dense kernels are compared entry by entry: expanded forms are canonical, so equal
  entries compare equal structurally, and an entry that does not is decided by
  ``sympy.expand(x - y) == 0``.

Measured choices (L = 4, CPU seconds, one shared 2-core machine): this version 0.94 s; with ``*``
instead of ``sympy.Mul`` 1.06 s; with full ``expand`` and ``expand(x - y) == 0`` everywhere 1.26 s;
with an ``expand`` after every layer 1.23-1.69 s.

Usage::

    python3 benchmarks/naive_sympy.py --layers 4      # prints the time and the verdict

It is imported by ``benchmarks/prove_scaling.py``, which times it beside ``kronconv prove``.
"""

from __future__ import annotations

import argparse
import time

import sympy as sp

__all__ = ["naive_check"]


def naive_check(layers: int, a: int = 3) -> bool:
    """True iff the dense cascade kernel equals the dense Kronecker kernel, entry by entry."""
    Mul, Add = sp.Mul, sp.Add
    ks = [[[sp.Symbol(f"k{l}[{i},{j}]") for j in range(a)] for i in range(a)] for l in range(layers)]
    comp: list[list[sp.Expr]] = [row[:] for row in ks[0]]
    for l in range(1, layers):
        d, n = a**l, len(comp)
        size = n + d * (a - 1)
        terms: list[list[list[sp.Expr]]] = [[[] for _ in range(size)] for _ in range(size)]
        for p in range(a):
            for q in range(a):
                tap = ks[l][p][q]
                for i in range(n):
                    row, out = comp[i], terms[d * p + i]
                    for j in range(n):
                        out[d * q + j].append(Mul(tap, row[j]))
        comp = [[Add(*cell) for cell in row] for row in terms]
    comp = [[sp.expand(cell, power_base=False, power_exp=False, log=False) for cell in row] for row in comp]
    # Kronecker kernel K_{L-1} (x) ... (x) K_0: entry (i, j) has digits i_l, j_l in base a
    size = a**layers
    if len(comp) != size:
        return False
    for i in range(size):
        for j in range(size):
            factors, ii, jj = [], i, j
            for l in range(layers):
                factors.append(ks[l][ii % a][jj % a])
                ii, jj = ii // a, jj // a
            want = Mul(*factors)
            if comp[i][j] != want and sp.expand(comp[i][j] - want) != 0:
                return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--kernel", type=int, default=3)
    args = ap.parse_args()
    t0, c0 = time.perf_counter(), time.process_time()
    ok = naive_check(args.layers, args.kernel)
    print(f"L = {args.layers}, a = {args.kernel}: equal = {ok}, wall {time.perf_counter() - t0:.3f} s, "
          f"CPU {time.process_time() - c0:.3f} s")


if __name__ == "__main__":
    main()
