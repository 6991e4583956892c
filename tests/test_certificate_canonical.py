"""A certificate's stored expressions do not depend on what SymPy built earlier in the process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from kronconv.proof import canonical_srepr

ROOT = Path(__file__).resolve().parent.parent

#: A symbol's declared assumptions -> facts they imply (adding them gives an equal symbol) and the
#: canonical text (the smallest of integer/positive/nonnegative, sorted).
FORMS = {
    ("integer", "positive"): (("nonnegative", "nonzero", "real", "rational"), "integer=True, positive=True"),
    ("integer", "nonnegative"): (("real", "rational"), "integer=True, nonnegative=True"),
    ("integer",): (("real", "rational"), "integer=True"),
    ("positive",): (("nonnegative", "nonzero", "real"), "positive=True"),
}


@given(st.sampled_from(sorted(FORMS)), st.data(), st.sampled_from(["d", "m", "tau", "x_1"]))
def test_equal_symbols_built_with_any_order_and_redundant_facts_print_alike(base, data, name) -> None:
    implied, canonical = FORMS[base]
    extra = data.draw(st.lists(st.sampled_from(implied), unique=True))
    order = data.draw(st.permutations([*base, *extra]))
    s = sp.Symbol(name, **dict.fromkeys(order, True))
    assert s == sp.Symbol(name, **dict.fromkeys(base, True))  # SymPy's own view: the same symbol
    text = canonical_srepr(2 * s + 1)
    assert f"Symbol('{name}', {canonical})" in text
    assert sp.sympify(text) == 2 * s + 1  # still SymPy's repr, read back to the same expression


def test_a_symbol_needing_other_assumptions_keeps_them_sorted() -> None:
    s = sp.Symbol("z", nonzero=True, integer=True)  # not expressible with integer/positive/nonnegative
    assert canonical_srepr(s) == "Symbol('z', integer=True, nonzero=True)"
    assert sp.sympify(canonical_srepr(s)) == s
    nc = sp.Symbol("A", commutative=False)
    assert canonical_srepr(nc) == "Symbol('A', commutative=False)" and sp.sympify(canonical_srepr(nc)) == nc


def test_a_plain_symbol_and_a_dummy_keep_their_form() -> None:
    assert canonical_srepr(sp.Symbol("n") + 1) == sp.srepr(sp.Symbol("n") + 1)
    dummy = sp.Dummy("u", positive=True)
    assert canonical_srepr(dummy).startswith("Dummy('u', ") and f"dummy_index={dummy.dummy_index}" in \
        canonical_srepr(dummy)


def test_a_certificate_proved_after_the_caller_built_the_same_symbols_is_identical_and_verifies() -> None:
    """SymPy prints a symbol's assumptions in the order of the first equal symbol it cached: a caller
    who built ``d`` and ``m`` as ``positive=True, integer=True`` first used to get a certificate that
    differs from a fresh process's and that ``verify`` rejects."""
    code = (
        "import sys, json, sympy as sp\n"
        "if sys.argv[1] == 'seed':\n"
        "    for names in ('d m', 'v d', 'd tau', 'k L'):\n"
        "        a, b = sp.symbols(names, positive=True, integer=True)\n"
        "        _ = a * b - a + 1, sp.Mod(a, b), sp.Eq(a * b - a + 1, a * (b - 1) + 1, evaluate=False)\n"
        "from kronconv.theorems import prove\n"
        "from kronconv.verify import verify_dict\n"
        "d = prove(layers=2).to_dict()\n"
        "r = verify_dict(d)\n"
        "print(json.dumps({'ok': r.ok, 'reasons': r.reasons, 'hash': d['hash']}))\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = {}
    for mode in ("fresh", "seed"):
        r = subprocess.run([sys.executable, "-c", code, mode], capture_output=True, text=True, env=env, timeout=300,
                           check=True)
        out[mode] = r.stdout.strip().splitlines()[-1]
    assert '"ok": true' in out["seed"] and '"reasons": []' in out["seed"], out["seed"]
    assert out["seed"] == out["fresh"]  # the same certificate, byte for byte (its content hash included)
