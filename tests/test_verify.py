"""The independent checker accepts genuine certificates and rejects every forgery, naming the reason."""

from __future__ import annotations

import copy
import json
import re
import resource
import time

import numpy as np
import pytest

from kronconv.cli import main
from kronconv.errors import InvalidArgument, TooLarge
from kronconv.exact_rank import exact_rank
from kronconv.proof import content_hash
from kronconv.theorems import prove
from kronconv.theorems.cascade import CascadeClaim, prove_cascade
from kronconv.verify import cascade_holds, verify_dict
from kronconv.verify.rank import exact_rank as checker_rank

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
    "rank kernel 2 base 3": {"theorem": "kronecker-rank", "layers": 2, "kernel": 2, "base": 3, "dims": 1},
}


@pytest.mark.parametrize("name", list(GENUINE))
def test_genuine_certificates_are_accepted(name):
    res = verify_dict(prove(**GENUINE[name]).to_dict())
    assert res.ok, res.reasons
    assert res.checked


def _rehash(d):
    d["hash"] = content_hash(d)
    for r in d.get("related", []):
        _rehash(r)
    d["hash"] = content_hash(d)
    return d


def _reasons(d):
    """Why the re-hashed record is rejected: the malformed-input message (exit 2) or the reasons (exit 1)."""
    try:
        res = verify_dict(_rehash(d))
    except InvalidArgument as exc:
        return str(exc)
    assert not res.ok
    return " | ".join(res.reasons)


def _malformed(d):
    with pytest.raises(InvalidArgument) as exc:
        verify_dict(_rehash(d))
    return str(exc.value)


def _rank():
    return prove(theorem="kronecker-rank", layers=3, base=2).to_dict()


def test_changed_entry_without_rehash_is_caught_by_the_hash():
    d = prove(layers=3).to_dict()
    d["steps"][-1]["facts"]["cascade_extent"] = [28, 28]
    res = verify_dict(d)
    assert not res.ok and "content hash mismatch" in res.reasons[0]


# --------------------------------------------------------------------------- the forgery classes


def test_forged_rank_with_exact_rank_removed_is_rejected():
    d = _rank()
    for row in d["steps"][-1]["facts"]["ranks"]:
        row["numeric_rank"] = 1
        del row["exact_rank"]
    assert "proof.steps[2].facts.ranks[0]: missing field(s) ['exact_rank']" in _reasons(d)


@pytest.mark.parametrize("field", ["numeric_rank", "max_rank", "exact_rank"])
def test_every_rank_number_is_recomputed(field):
    d = _rank()
    d["steps"][-1]["facts"]["ranks"][0][field] = 1
    assert f"proof.steps[2].facts.ranks[0].{field}: certificate has 1" in _reasons(d)


def test_numeric_certificate_ranks_are_recomputed():
    d = _rank()
    d["certificate"][1]["evidence"]["ranks"][0][1] = 1
    assert "proof.certificate[1].evidence.ranks[0][1]: certificate has 1" in _reasons(d)


def test_factorisation_row_of_an_even_extent_cannot_be_dropped():
    d = prove(theorem="kronecker-rank", layers=2, kernel=2, base=3, dims=1).to_dict()
    assert d["claim"]["extent"] == 5 or d["claim"]["extent"] % 2 == 0
    d = prove(theorem="kronecker-rank", layers=3, kernel=2, base=3, dims=1).to_dict()  # extent 14: 2x7 and 7x2
    assert d["claim"]["extent"] == 14
    d["steps"][-1]["facts"]["ranks"] = d["steps"][-1]["facts"]["ranks"][1:]
    assert "proof.steps[2].facts.ranks: certificate lists 1 item(s), the checker derives 2" in _reasons(d)


@pytest.mark.parametrize("kw", [{"theorem": "kronecker-rank", "layers": 3, "base": 2}, {"theorem": "receptive-field"},
                                {"theorem": "dilation-lemma"}, {"layers": 3}, {"layers": 2, "channels": 2,
                                                                              "theorem": "channel-sum"}])
def test_true_theorem_relabelled_false_is_rejected(kw):
    d = prove(**kw).to_dict()
    d["proved"], d["verdict"] = False, "refuted"
    for c in d["certificate"]:
        c["holds"] = False
    assert "verdict refuted is wrong: the checker finds the claim holds" in _reasons(d)


def test_false_theorem_relabelled_true_is_rejected():
    d = prove(layers=3, base=2).to_dict()
    d["proved"], d["verdict"] = True, "proved"
    assert "verdict proved is wrong: the checker finds the claim fails" in _reasons(d)


@pytest.mark.parametrize("kw,old,new", [
    ({"layers": 3}, "3x3 kernels", "5x5 kernels"),
    ({"layers": 3}, "true convolutions)", "true convolutions, with relu between layers)"),
    ({"layers": 3}, "For L = 3", "It is FALSE that: For L = 3"),
    ({"theorem": "receptive-field"}, "a^L", "a^(L+1)"),
    ({"theorem": "dilation-lemma"}, "equals", "never equals"),
    ({"theorem": "kronecker-rank", "layers": 3, "base": 2}, "extent 15", "extent 16"),
])
def test_statement_text_is_regenerated_not_substring_matched(kw, old, new):
    d = prove(**kw).to_dict()
    assert old in d["statement"]
    d["statement"] = d["statement"].replace(old, new, 1)
    assert "proof.statement: certificate has" in _reasons(d)


@pytest.mark.parametrize("bad", ["nan", "inf", 1e300, -1.0, 0])
def test_tanh_error_bound_and_value_cannot_be_forged(bad):
    d = prove(layers=2, nonlinearity="tanh").to_dict()
    d["certificate"][0]["evidence"]["error_bound"] = bad
    d["certificate"][0]["evidence"]["counterexample"]["cascade_value"] = 1
    assert "proof.certificate[0].evidence.error_bound" in _reasons(d)


def test_nan_and_infinite_numbers_are_malformed(tmp_path):
    d = prove(layers=2, nonlinearity="tanh").to_dict()
    text = json.dumps(d).replace('"gap": 0.2', '"gap": 1e999, "x": 0.2')
    p = tmp_path / "inf.json"
    p.write_text(text)
    assert main(["verify", str(p)]) == 2
    p.write_text(json.dumps(d).replace('"gap": 0.2', '"gap": NaN, "x": 0.2'))
    assert main(["verify", str(p)]) == 2
    d["certificate"][0]["evidence"]["gap"] = float("nan")
    assert "NaN or infinite" in _malformed(d)


def test_proved_certificate_carrying_a_counterexample_is_rejected():
    d = prove(layers=3).to_dict()
    bad = prove(layers=3, base=2).to_dict()
    d["steps"].append(copy.deepcopy(bad["steps"][-1]))
    assert "proof.steps: certificate lists 8 item(s), the checker derives 7" in _reasons(d)


@pytest.mark.parametrize("field,value,reason", [
    ("out", -1, "counterexample kernel entry 0 is not a unit entry"),
    ("tap", [0, 0, 0], "counterexample kernel entry 0 is not a unit entry"),
    ("tap", [0], "counterexample kernel entry 0 is not a unit entry"),
    ("tap", [-1, 0], "counterexample kernel entry 0 is not a unit entry"),
    ("value", 2, "counterexample kernel entry 0 is not a unit entry"),
])
def test_counterexample_indices_are_range_checked_and_exact_length(field, value, reason):
    d = prove(layers=3, base=2).to_dict()
    d["steps"][-1]["facts"]["kernels"][0][field] = value
    assert reason in _reasons(d)


def test_counterexample_position_longer_than_the_dimension_is_rejected():
    d = prove(layers=3, base=2).to_dict()
    d["steps"][-1]["facts"]["position"] = d["steps"][-1]["facts"]["position"] + [0]
    assert "position 2 integers" in _reasons(d)


def test_counterexample_that_does_not_separate_is_rejected():
    d = prove(layers=3, base=2).to_dict()
    ce = d["steps"][-1]["facts"]
    ce["position"] = [x + 1 for x in ce["position"]]
    assert "counterexample does not separate the sides" in _reasons(d)


def test_forged_counterexample_value_is_rejected():
    d = prove(layers=3, base=2).to_dict()
    d["steps"][-1]["facts"]["cascade_value"] = d["steps"][-1]["facts"]["claimed_value"]
    assert "proof.steps[3].facts.cascade_value: certificate has" in _reasons(d)


def test_two_layers_three_dilations_is_malformed_not_swallowed():
    d = prove(layers=2).to_dict()
    d["claim"]["dilations"] = [1, 3, 9]
    assert "claim.dilations must list exactly 2 integers" in _malformed(d)


@pytest.mark.parametrize("edit,reason", [
    (lambda d: d["steps"][0].pop("id"), "proof.steps[0]: missing field(s) ['id']"),
    (lambda d: d["steps"][1].update(id="S1"), "proof.steps[1].id: certificate has \"S1\""),
    (lambda d: d["steps"][0].update(scope="instance"), "proof.steps[0].scope"),
    (lambda d: d["steps"][4].update(premises=["S1", "S4"]), "proof.steps[4].premises"),
    (lambda d: d["steps"][2]["obligations"][0].update(expr="Equality(Integer(1), Integer(2))"),
     "proof.steps[2].obligations[0].expr"),
    (lambda d: d["steps"][2]["obligations"].pop(), "proof.steps[2].obligations: certificate lists"),
    (lambda d: d["steps"].pop(4), "proof.steps["),
    (lambda d: d["certificate"][0].update(kind="numeric"), "proof.certificate[0].kind"),
    (lambda d: d.update(kinds=["instance"]), "proof.kinds"),
    (lambda d: d.update(verdict="refuted"), "proof.verdict"),
    (lambda d: d["steps"][0].update(extra=1), "unknown field(s) ['extra']"),
    (lambda d: d["certificate"][1]["evidence"].update(terms=1), "proof.certificate[1].evidence.terms"),
    (lambda d: d["notes"].append("fine"), "proof.notes"),
    (lambda d: d["assumptions"].pop(), "proof.assumptions"),
])
def test_structure_forgeries_name_the_field(edit, reason):
    d = prove(layers=3).to_dict()
    edit(d)
    assert reason in _reasons(d)


@pytest.mark.parametrize("edit,reason", [
    (lambda d: d.update(theorem="hole-free"), "unknown theorem kind 'hole-free'"),
    (lambda d: d.update(schema="kronconv-proof/1"), "schema kronconv-proof/1 is no longer accepted"),
    (lambda d: d["claim"].update(extra=1), "unknown field(s) ['extra']"),
    (lambda d: d["claim"].pop("flip"), "missing field(s) ['flip']"),
    (lambda d: d["claim"].update(layers=True), "claim.layers must be an integer"),
    (lambda d: d.update(surprise=[]), "unknown field(s) ['surprise']"),
    (lambda d: d["claim"].update(layers=9, dilations=[3**l for l in range(9)]), "above the checker's limit"),
    (lambda d: d["claim"].update(origin="centre", kernel=2), "needs an odd kernel"),
])
def test_malformed_certificates_raise_one_line(edit, reason):
    d = prove(layers=3).to_dict()
    edit(d)
    msg = _malformed(d)
    assert reason in msg and "\n" not in msg


def test_related_reports_are_required_by_rule():
    d = prove(layers=3, base=2).to_dict()
    d["related"] = []
    assert "proof.related: certificate lists 0 report(s), the prover attaches 1" in _reasons(d)
    d = prove(layers=3, base=2).to_dict()
    d["related"][0]["claim"]["layers"] = 2
    assert "proof.related[0].claim.layers" in _reasons(d)


# --------------------------------------------------------------------------- the decision procedure itself


def test_kron_position_map_matches_numpy_kron_beyond_4096_taps():
    """The checker's kron index formula equals numpy.kron for both orders, also where a**L > 4096."""
    for a, L, order in ((3, 3, "last-outer"), (3, 3, "first-outer"), (2, 13, "last-outer"), (2, 13, "first-outer")):
        c = {"kernel": a, "layers": L, "channels": 1, "channel_sum": False, "origin": "corner", "order": order,
             "flip": False, "dilations": [a**l for l in range(L)]}
        truth, _ = cascade_holds(c)
        assert truth is (order == "last-outer" or L == 1)
        rng = np.random.default_rng(a * L)
        from kronconv.verify.cascade import _kron_index
        for _ in range(20):
            q = [int(x) for x in rng.integers(0, a, L)]
            e = [np.eye(a, dtype=np.int64)[x] for x in q]
            seq = e[::-1] if order == "last-outer" else e
            v = seq[0]
            for w in seq[1:]:
                v = np.kron(v, w)
            assert _kron_index(c, q) == int(np.argmax(v))


def test_cascade_holds_agrees_with_the_prover_on_planted_defects():
    for kw in ({"layers": 3}, {"layers": 3, "flip": True}, {"layers": 3, "order": "first-outer"},
               {"layers": 3, "base": 2}, {"layers": 2, "kernel": 4, "dims": 1}, {"layers": 1, "flip": True}):
        p = prove_cascade(CascadeClaim(**kw))
        assert cascade_holds(p.claim)[0] is p.proved


def test_checker_rank_equals_library_rank_on_rank_deficient_matrices():
    rng = np.random.default_rng(7)
    for _ in range(30):
        r, c, k = (int(x) for x in rng.integers(1, 8, 3))
        m = rng.integers(-4, 5, (r, k)) @ rng.integers(-4, 5, (k, c))
        assert checker_rank(m.tolist()) == exact_rank(m) == int(np.linalg.matrix_rank(m.astype(float)))


# --------------------------------------------------------------------------- resources and the CLI


def _budget(fn):
    t = time.process_time()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = fn()
    return out, time.process_time() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0


def test_crafted_large_claims_are_refused_before_work():
    d = prove(layers=2, kernel=2, dims=1).to_dict()
    d["claim"].update(layers=23, dilations=[2**l for l in range(23)])
    msg, secs, rss = _budget(lambda: _malformed(d))
    assert "MAX_TERMS" in msg and secs < 5 and rss < 200_000  # KiB
    r = _rank()
    r["claim"].update(kernel=64, base=60, layers=3, dims=1)
    assert "above the checker's limit" in _malformed(r)


def test_many_empty_objects_are_refused_before_parsing(tmp_path):
    p = tmp_path / "objs.json"
    p.write_text("[" + ",".join(["{}"] * 2_100_000) + "]")
    assert main(["verify", str(p)]) == 2


def test_prove_kernel_64_base_60_is_fast():
    p, secs, _ = _budget(lambda: prove(layers=2, kernel=64, dims=1, base=60))
    assert secs < 10 and not p.proved
    assert verify_dict(p.to_dict()).ok


def test_cli_many_files_one_line_each_worst_status(tmp_path, capsys):
    good = tmp_path / "good.json"
    assert main(["prove", "--layers", "2", "--format", "json", "--out", str(good)]) == 0
    d = json.loads(good.read_text())
    bad = copy.deepcopy(d)
    bad["claim"]["dilations"] = [1, 2]
    (tmp_path / "bad.json").write_text(json.dumps(_rehash(bad)))
    (tmp_path / "junk.json").write_text("{not json")
    capsys.readouterr()
    assert main(["verify", str(good), str(tmp_path / "bad.json")]) == 1
    assert main(["verify", str(good), str(tmp_path / "bad.json"), str(tmp_path / "junk.json")]) == 2
    out = capsys.readouterr().out
    assert "junk.json" in out and "1 ok, 2 rejected" in out
    assert main(["verify", str(tmp_path / "junk.json")]) == 2
    assert main(["verify", str(tmp_path / "missing.json")]) == 2


# --------------------------------------------------------------------------- claim ranges and limits


#: The prover's documented ranges of every claim field (kronconv prove and the theorem builders).
CLAIM_RANGES = {
    "cascade": {"layers": (1, 64), "kernel": (1, 64), "dims": (1, 3), "channels": (1, 64),
                "dilations": (1, 1 << 40)},
    "kronecker-rank": {"layers": (1, 64), "kernel": (1, 64), "base": (1, 1 << 20), "dims": (1, 3),
                       "channels": (1, 64), "seed": (0, 1 << 31), "extent": (1, 1 << 62)},
    "receptive-field": {"check_layers": (1, 64)},
    "dilation-lemma": {"kernel": (1, 64), "dims": (1, 3), "dilation": (1, 4096)},
}
CERT_FOR = {"cascade": {"layers": 2}, "kronecker-rank": {"theorem": "kronecker-rank", "layers": 2, "base": 2},
            "receptive-field": {"theorem": "receptive-field"}, "dilation-lemma": {"theorem": "dilation-lemma"}}


@pytest.mark.parametrize("kind,name,lo,hi", [(k, n, lo, hi) for k, f in CLAIM_RANGES.items()
                                             for n, (lo, hi) in f.items()])
def test_every_claim_range_is_enforced_at_both_ends(kind, name, lo, hi):
    from kronconv.verify.core import shape

    d = prove(**CERT_FOR[kind]).to_dict()
    for v, ok in ((lo - 1, False), (lo, True), (hi, True), (hi + 1, False)):
        e = copy.deepcopy(d)
        e["claim"][name] = [v] * len(e["claim"][name]) if isinstance(e["claim"][name], list) else v
        if ok:
            shape(e, "proof")
        else:
            with pytest.raises(InvalidArgument, match=rf"claim\.{name}(\[0\])? must be an integer in \[{lo}, {hi}\]"):
                shape(e, "proof")


def test_claim_fields_of_every_kind_are_exactly_the_provers():
    from kronconv.verify import REGISTRY

    for kind, fields in CLAIM_RANGES.items():
        d = prove(**CERT_FOR[kind]).to_dict()
        assert set(REGISTRY[kind].claim) == set(d["claim"]) and set(fields) <= set(d["claim"])
    d = prove(layers=2).to_dict()
    d["claim"]["dilations"] = [1] * 65
    d["claim"]["layers"] = 64
    with pytest.raises(InvalidArgument, match="at most 64 integers"):
        verify_dict(_rehash(d))


def test_term_and_rank_estimates_exact_values():
    from kronconv.verify.cascade import terms
    from kronconv.verify.limits import rank_limits

    assert terms({"channels": 30, "layers": 2, "kernel": 3, "dims": 2}) == 30**3 * 3**4
    assert terms({"channels": 1, "layers": 6, "kernel": 3, "dims": 2}) == 3**12
    d = prove(layers=2).to_dict()
    d["claim"].update(channels=24)  # 24**3 * 81 = 1119744 > 2**20; 23**3 * 81 = 985527 is within
    assert "1119744 composed-kernel terms" in _malformed(d)
    assert rank_limits(3, 3, 2, 2, 1) is None and "MAX_TERMS" in rank_limits(7, 3, 3, 2, 1)
    assert "MAX_DENSE" in rank_limits(2, 8, 1 << 10, 2, 1)
    assert "RANK_WORK_LIMIT" in rank_limits(3, 9, 9, 2, 1)


def test_the_checker_limits_equal_the_provers():
    from kronconv import polykernel
    from kronconv.theorems import base_mismatch, nonlinearity
    from kronconv.verify import cascade as vc
    from kronconv.verify import limits as vr

    assert vr.MAX_TERMS == polykernel.MAX_TERMS
    assert vr.MAX_DENSE == base_mismatch.MAX_DENSE
    assert vr.RANK_WORK_LIMIT == base_mismatch.RANK_WORK_LIMIT
    assert vc.TANH_ULPS == nonlinearity.TANH_ULPS
    for L, a, b, D, C in ((2, 64, 60, 1, 1), (3, 3, 2, 2, 1), (2, 3, 2, 2, 4), (4, 9, 7, 2, 1), (1, 5, 5, 3, 1)):
        refused = vr.rank_limits(L, a, b, D, C) is not None
        try:  # the prover refuses exactly what the checker refuses
            prove(theorem="kronecker-rank", layers=L, kernel=a, base=b, dims=D, channels=C)
        except TooLarge as exc:
            assert refused and "limit" in str(exc)
        else:
            assert not refused


@pytest.mark.parametrize("kw", [{"layers": 3, "flip": True, "correlation": True, "origin": "centre"},
                                {"layers": 2, "channels": 2, "flip": True, "base": 2},
                                {"layers": 3, "kernel": 2, "dims": 1, "order": "first-outer", "correlation": True},
                                {"layers": 2, "channels": 3, "nonlinearity": "relu", "dims": 1},
                                {"layers": 1, "channels": 2, "dims": 1},
                                {"layers": 4, "kernel": 2, "dims": 1, "base": 3}])
def test_planted_and_edge_claims_verify(kw):
    res = verify_dict(prove_cascade(CascadeClaim(**kw)).to_dict())
    assert res.ok, res.reasons


def test_counterexample_claimed_value_is_recomputed_for_each_convention():
    for kw in ({"layers": 3, "flip": True, "correlation": True, "origin": "centre"},
               {"layers": 2, "channels": 2, "dims": 1}):
        d = prove_cascade(CascadeClaim(**kw)).to_dict()
        ce = next(s for s in d["steps"] if s["rule"] == "counterexample")["facts"]
        ce["claimed_value"], ce["cascade_value"] = ce["cascade_value"], ce["claimed_value"]
        assert "counterexample" in _reasons(d) or ".facts." in _reasons(d)


def test_trust_page_counts_the_checkers_lines():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    page = (root / "docs" / "verify-trust.md").read_text()
    rows = re.findall(r"^\| `(kronconv/[\w/]+\.py)` \| (\d+) \|", page, re.MULTILINE)
    files = sorted(str(p.relative_to(root)) for p in (root / "kronconv" / "verify").glob("*.py"))
    assert sorted(f for f, _ in rows if f.startswith("kronconv/verify/")) == files
    for f, n in rows:
        assert len((root / f).read_text().splitlines()) == int(n), f
    total = re.search(r"^\| \*\*total\*\* \| \*\*(\d+)\*\* \|", page, re.MULTILINE)
    assert total and int(total.group(1)) == sum(int(n) for _, n in rows)


def test_checker_imports_nothing_from_the_prover():
    import ast
    from pathlib import Path

    allowed = {"__future__", "hashlib", "json", "math", "re", "stat", "collections", "dataclasses", "functools",
               "pathlib", "typing", "itertools", "numpy", "sympy", "fractions", "tokenize"}
    for f in (Path(__file__).resolve().parent.parent / "kronconv" / "verify").glob("*.py"):
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level == 1:
                    continue
                assert node.level == 2 and node.module == "errors" or (node.level == 0 and node.module.split(".")[0]
                                                                        in allowed), (f, node.module)
            elif isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] in allowed for a in node.names), f


@pytest.mark.parametrize("kw,edit,reason", [
    ({"theorem": "receptive-field"}, lambda d: d["steps"][3]["facts"]["fields"].__setitem__(2, 28),
     "proof.steps[3].facts.fields[2]: certificate has 28, the checker derives 27"),
    ({"theorem": "receptive-field"}, lambda d: d["certificate"][1]["evidence"]["fields"]["yu-koltun"].pop(),
     "proof.certificate[1].evidence.fields.yu-koltun: certificate lists 5 item(s), the checker derives 6"),
    ({"theorem": "receptive-field"}, lambda d: d["steps"][0].update(rule="exact-evaluation"), "proof.steps[0].rule"),
    ({"theorem": "dilation-lemma"}, lambda d: d["steps"][2]["facts"].update(diluted_extent=[6, 6]),
     "proof.steps[2].facts.diluted_extent[0]: certificate has 6, the checker derives 7"),
    ({"theorem": "dilation-lemma"}, lambda d: d["steps"][2]["facts"].update(terms=10),
     "proof.steps[2].facts.terms: certificate has 10, the checker derives 9"),
    ({"theorem": "dilation-lemma"}, lambda d: d["claim"].update(correlation=True), "proof.statement"),
    ({"theorem": "kronecker-rank", "layers": 3, "base": 2}, lambda d: d["claim"].update(extent=27),
     "proof.claim.extent: certificate has 27, the checker derives 15"),
    ({"theorem": "kronecker-rank", "layers": 3, "base": 2},
     lambda d: d["certificate"][2]["evidence"]["kernels"][0][0][0][0].__setitem__(0, 3),
     "proof.certificate[2].evidence.kernels[0][0][0][0][0]: certificate has 3, the checker derives 2"),
])
def test_field_forgeries_of_the_other_kinds(kw, edit, reason):
    d = prove(**kw).to_dict()
    edit(d)
    assert reason in _reasons(d)


def test_step_without_id_exits_2_with_one_line(tmp_path, capsys):
    d = prove(layers=2).to_dict()
    del d["steps"][0]["id"]
    p = tmp_path / "noid.json"
    p.write_text(json.dumps(_rehash(d)))
    assert main(["verify", str(p)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "noid.json" in err and "missing field(s) ['id']" in err
