"""The independent checker accepts genuine certificates and rejects tampered ones, with a reason."""

from __future__ import annotations

import copy
import json

import pytest

from kronconv.cli import main
from kronconv.proof import content_hash
from kronconv.theorems import prove
from kronconv.verify import verify_dict

GENUINE = {
    "cascade L=3": {"layers": 3},
    "cascade 3-D correlation centred": {"layers": 2, "dims": 3, "correlation": True, "origin": "centre"},
    "base mismatch": {"layers": 3, "base": 2},
    "channels": {"layers": 2, "channels": 2},
    "relu": {"layers": 2, "nonlinearity": "relu"},
    "tanh": {"layers": 3, "nonlinearity": "tanh"},
    "receptive fields": {"theorem": "receptive-field"},
    "dilation lemma": {"theorem": "dilation-lemma", "base": 3},
    "channel sum": {"layers": 2, "channels": 2, "theorem": "channel-sum"},
}


@pytest.mark.parametrize("name", list(GENUINE))
def test_genuine_certificates_are_accepted(name):
    res = verify_dict(prove(**GENUINE[name]).to_dict())
    assert res.ok, res.reasons
    assert res.checked


def _rehash(d):
    d["hash"] = content_hash(d)
    return d


def _tampered(kind):
    if kind.startswith("counterexample"):
        d = prove(layers=3, base=2).to_dict()
    elif kind.startswith("rank"):
        d = prove(layers=3, base=2).to_dict()["related"][0]
    else:
        d = prove(layers=3).to_dict()
    return d


def test_changed_entry_without_rehash_is_caught_by_the_hash():
    d = _tampered("entry")
    d["steps"][-1]["facts"]["cascade_extent"] = [28, 28]
    res = verify_dict(d)
    assert not res.ok and any("hash" in r for r in res.reasons)


@pytest.mark.parametrize("edit,reason", [
    ("instance extent", "instance facts disagree"),
    ("claim dilations", "verdict proved is wrong"),
    ("claim order", "verdict proved is wrong"),
    ("statement order", "statement text does not match"),
    ("drop induction step", "missing step"),
    ("drop lemma step premise", "not an earlier step"),
    ("induction step without the lemma", "does not rest on"),
    ("weaken obligation", "does not hold"),
    ("verdict flipped", "verdict"),
    ("counterexample value", "counterexample replays"),
    ("rank value", "exact rank"),
    ("numeric kind without bound", "numeric certificate"),
    ("malicious expression", "does not parse"),
])
def test_tampered_certificate_is_rejected_even_with_a_fresh_hash(edit, reason):
    if edit == "counterexample value":
        d = _tampered("counterexample")
        ce = next(s for s in d["steps"] if s["rule"] == "counterexample")["facts"]
        ce["cascade_value"] = ce["claimed_value"]
    elif edit == "rank value":
        d = _tampered("rank")
        d["certificate"][-1]["evidence"]["ranks"][0]["exact_rank"] = 1
    elif edit == "numeric kind without bound":
        d = prove(layers=2, nonlinearity="tanh").to_dict()
        del d["certificate"][0]["evidence"]["error_bound"]
    else:
        d = _tampered("cascade")
        steps = d["steps"]
        if edit == "instance extent":
            steps[-1]["facts"]["cascade_extent"] = [28, 28]
        elif edit == "claim dilations":
            d["claim"]["dilations"] = [1, 2, 4]
        elif edit == "statement order":
            d["statement"] = d["statement"].replace("K_2 ⊗ K_1 ⊗ K_0", "K_0 ⊗ K_1 ⊗ K_2")
        elif edit == "claim order":
            d["claim"]["order"] = "first-outer"
        elif edit == "drop induction step":
            d["steps"] = [s for s in steps if s["rule"] != "induction-step"]
            for s in d["steps"]:
                s["premises"] = [p for p in s["premises"] if p != "S5"]
        elif edit == "drop lemma step premise":
            d["steps"] = [s for s in steps if s["rule"] != "kronecker-lemma"]
        elif edit == "induction step without the lemma":
            step = next(s for s in steps if s["rule"] == "induction-step")
            step["premises"] = [p for p in step["premises"] if p != "S3"]
        elif edit == "weaken obligation":
            ob = steps[2]["obligations"][0]
            ob["expr"] = "Equality(Integer(1), Integer(2))"
        elif edit == "verdict flipped":
            d["proved"], d["verdict"] = False, "refuted"
        elif edit == "malicious expression":
            steps[0]["obligations"][0]["expr"] = "__import__('os').system('echo pwned')"
    res = verify_dict(_rehash(d))
    assert not res.ok
    assert any(reason in r for r in res.reasons), res.reasons


def test_cli_verify_exit_codes_and_reason(tmp_path, capsys):
    cert = tmp_path / "c.json"
    assert main(["prove", "--layers", "3", "--format", "json", "--out", str(cert)]) == 0
    assert main(["verify", str(cert)]) == 0
    assert capsys.readouterr().out.startswith("ok:")
    d = json.loads(cert.read_text())
    bad = copy.deepcopy(d)
    bad["claim"]["dilations"] = [1, 3, 8]
    (tmp_path / "bad.json").write_text(json.dumps(_rehash(bad)))
    assert main(["verify", str(tmp_path / "bad.json")]) == 1
    out = capsys.readouterr().out
    assert out.startswith("rejected:") and "reason:" in out
    (tmp_path / "junk.json").write_text("{not json")
    assert main(["verify", str(tmp_path / "junk.json")]) == 2
    assert main(["verify", str(tmp_path / "missing.json")]) == 2
