"""The cascade theorem: proved generally and exactly per instance; CLI behaviour of ``kronconv prove``."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.cli import main
from kronconv.theorems import CascadeClaim, prove, prove_cascade
from kronconv.theorems.cascade import general_form_reason


@settings(deadline=None)
@given(a=st.integers(1, 4), dims=st.integers(1, 3), layers=st.integers(1, 4),
       correlation=st.booleans(), centre=st.booleans())
def test_cascade_equals_kronecker_kernel(a, dims, layers, correlation, centre):
    if (a**dims) ** layers > 300_000 or (centre and a % 2 == 0):
        return
    p = prove_cascade(CascadeClaim(layers=layers, kernel=a, dims=dims, correlation=correlation,
                                   origin="centre" if centre else "corner"))
    assert p.proved and p.kinds == ["symbolic", "instance"]
    assert all(o.holds() for s in p.steps for o in s.obligations)
    check = next(s for s in p.steps if s.rule == "exact-instance-check")
    assert check.facts["cascade_extent"] == [a**layers] * dims and check.facts["equal"] is True


def test_general_and_instance_steps_are_labelled():
    p = prove(layers=3)
    scopes = {s.rule: s.scope for s in p.steps}
    assert scopes["kronecker-lemma"] == "general" and scopes["induction-step"] == "general"
    assert scopes["exact-instance-check"] == "instance"


def test_general_proof_only_claimed_for_the_general_form():
    assert general_form_reason(CascadeClaim(layers=3)) is None
    assert "a^l" in general_form_reason(CascadeClaim(layers=3, base=2))
    p = prove_cascade(CascadeClaim(layers=1, base=2))  # one layer: base irrelevant, true for the instance only
    assert p.proved and "symbolic" in p.kinds  # d_0 = 1 = a**0: the general form holds for L = 1


def test_channel_sum_of_kronecker_products_is_proved():
    p = prove(layers=3, kernel=2, dims=2, channels=2, theorem="channel-sum")
    assert p.proved and "channel-bilinearity" in [s.rule for s in p.steps]


def test_dilation_lemma_is_proved_for_kron_with_selector():
    p = prove(theorem="dilation-lemma", kernel=3, dims=2, base=4)
    assert p.proved and p.steps[-1].facts["diluted_extent"] == [9, 9]


def test_l6_two_d_instance_is_exact():
    p = prove(layers=6)
    assert p.proved and p.certificates[-1].evidence["terms"] == 3**12


def test_cli_prove_layers_3_prints_readable_proof(capsys):
    assert main(["prove", "--layers", "3"]) == 0
    out = capsys.readouterr().out
    assert "Theorem (cascade)" in out and "[general]" in out and "[instance]" in out and "K_2 ⊗ K_1 ⊗ K_0" in out


@pytest.mark.parametrize("argv,code", [
    (["--layers", "3", "--channels", "2"], 1),
    (["--layers", "3", "--dilation-base", "2"], 1),
    (["--layers", "3", "--nonlinearity", "relu"], 1),
    (["--layers", "3", "--nonlinearity", "tanh"], 1),
    (["--layers", "2", "--correlation", "--origin", "centre", "--dims", "3"], 0),
    (["--layers", "2", "--kernel", "4", "--origin", "centre"], 2),
    (["--layers", "9"], 2),
    (["--layers", "0"], 2),
    (["--theorem", "receptive-field"], 0),
    (["--theorem", "channel-sum", "--channels", "3", "--layers", "2"], 0),
    (["--theorem", "kronecker-rank", "--dilation-base", "2"], 0),
])
def test_cli_exit_codes(argv, code, capsys):
    try:
        rc = main(["prove", *argv])
    except SystemExit as exc:  # argparse rejects out-of-range values itself
        rc = exc.code
    assert rc == code


def test_cli_json_and_out_file(tmp_path):
    out = tmp_path / "p.json"
    assert main(["prove", "--layers", "2", "--format", "json", "--out", str(out)]) == 0
    d = json.loads(out.read_text())
    assert d["proved"] is True and d["statement"].startswith("For L = 2") and d["kinds"] == ["symbolic", "instance"]
    assert [c["kind"] for c in d["certificate"]] == ["symbolic", "instance"]


def test_too_large_writes_nothing(tmp_path, capsys):
    out = tmp_path / "p.txt"
    assert main(["prove", "--layers", "8", "--out", str(out)]) == 2
    assert not out.exists() and "MAX_TERMS" in capsys.readouterr().err


def test_counterexample_is_small_integers():
    p = prove(layers=3, base=2)
    ce = next(s.facts for s in p.steps if s.rule == "counterexample")
    assert all(k["value"] in (0, 1) for k in ce["kernels"]) and ce["cascade_value"] != ce["claimed_value"]
    assert np.all(np.abs(np.array([k["tap"] for k in ce["kernels"]])) <= 2)
