"""Generalisations and failures: channels, base mismatch, nonlinearity, receptive fields."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from kronconv.formulas import receptive_field_closed_form
from kronconv.kron import kron_kernel
from kronconv.polykernel import Layout
from kronconv.theorems import (
    CascadeClaim,
    prove,
    prove_cascade,
    prove_kronecker_rank,
    prove_receptive_fields,
)
from kronconv.theorems.base_mismatch import composed_kernel, factorizations, random_kernels


def test_single_kronecker_product_fails_with_channels():
    p = prove(layers=2, kernel=3, dims=1, channels=2)
    assert not p.proved
    ce = next(s.facts for s in p.steps if s.rule == "counterexample")
    chans = [(k["out"], k["in"]) for k in ce["kernels"]]
    assert len(set(chans)) > 1  # the refuting path changes channel
    sum_thm, rank = p.related
    assert sum_thm.proved and rank.proved
    assert rank.steps[-1].facts["ranks"][0]["exact_rank"] == 2  # w.r.t. a ⊗ a^(L-1): C terms


def test_base_mismatch_extent_and_rank_paper_setting():
    p = prove(layers=3, kernel=3, base=2)
    assert not p.proved and p.related[0].claim["extent"] == 15  # 1 + 2 (1 + 2 + 4), not 27
    ranks = p.related[0].steps[-1].facts["ranks"]
    assert [(r["outer"], r["inner"]) for r in ranks] == [(3, 5), (5, 3)]
    assert all(r["exact_rank"] == r["numeric_rank"] > 1 for r in ranks)


def test_base_mismatch_prime_extent_has_no_factorisation():
    p = prove_kronecker_rank(layers=2, kernel=3, base=2, dims=2)
    assert p.claim["extent"] == 7 and factorizations(7) == [] and "prime" in p.steps[-1].claim


def test_base_larger_than_kernel_leaves_holes_and_differs():
    p = prove(layers=2, kernel=2, base=3, dims=1)
    assert not p.proved
    lay = Layout(2, 1, 1, 2)
    ks = random_kernels(2, 2, 1, 1, 3)
    comp = composed_kernel(lay, [1, 3], ks)[0, 0]
    assert comp.shape == (5,) and comp[2] == 0  # a hole at position 2
    assert kron_kernel([k[0, 0] for k in ks]).shape == (4,)


def test_matching_base_has_kronecker_rank_one():
    p = prove_kronecker_rank(layers=2, kernel=3, base=3, dims=2, seed=5)
    assert [r["exact_rank"] for r in p.steps[-1].facts["ranks"]] == [1]


def test_relu_between_layers_is_refuted_exactly():
    p = prove(layers=3, nonlinearity="relu")
    ce = p.certificates[0].evidence["counterexample"]
    assert not p.proved and (ce["cascade_value"], ce["claimed_value"]) == (0, -1)


def test_tanh_between_layers_is_refuted_numerically_with_bound():
    p = prove(layers=3, nonlinearity="tanh")
    ev = p.certificates[0].evidence
    assert p.kinds == ["numeric"] and ev["gap"] > 1e6 * ev["error_bound"]
    assert math.isclose(ev["counterexample"]["cascade_value"], math.tanh(math.tanh(1.0)))


def test_one_layer_nonlinearity_is_harmless():
    assert prove_cascade(CascadeClaim(layers=1, nonlinearity="relu")).proved


def test_receptive_field_formulas_are_proved_and_match_paper():
    p = prove_receptive_fields()
    assert p.proved
    # Yu & Koltun 2015: F_(i+1) has a (2^(i+2) - 1)^2 field: 3, 7, 15, 31, ...
    assert p.steps[5].facts["fields"][:4] == [3, 7, 15, 31]
    i = sp.Symbol("i", integer=True, nonnegative=True)
    assert sp.simplify(receptive_field_closed_form(3, "2**l", i + 1) - (2 ** (i + 2) - 1)) == 0


def test_composed_kernel_matches_numpy_kron_when_base_is_kernel():
    lay = Layout(3, 2, 1, 3)
    ks = random_kernels(3, 3, 2, 1, 11)
    assert np.array_equal(composed_kernel(lay, [1, 3, 9], ks)[0, 0], kron_kernel([k[0, 0] for k in ks]))


def test_dilation_lemma_refuses_huge_instances_up_front():
    from kronconv.errors import TooLarge
    from kronconv.theorems.dilation_lemma import MAX_LEMMA_ENTRIES, prove_dilation_lemma

    with pytest.raises(TooLarge, match="MAX_LEMMA_ENTRIES"):
        prove_dilation_lemma(kernel=64, dims=3, dilation=4096)
    assert (8 * 8) ** 3 <= MAX_LEMMA_ENTRIES
    assert prove_dilation_lemma(kernel=8, dims=3, dilation=8).proved
