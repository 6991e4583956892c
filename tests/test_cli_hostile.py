"""Hostile input: every command answers bad input with exit 2, one line on stderr naming the bad value
and its range, no traceback and nothing written; large requests are refused before the work."""

from __future__ import annotations

import copy
import json
import os
import time
from pathlib import Path

import pytest

from kronconv.cli import main
from kronconv.errors import InvalidArgument, KronconvError, TooLarge
from kronconv.formulas import receptive_field_closed_form, stack_parameter_count, sym
from kronconv.proof import content_hash
from kronconv.theorems import prove
from kronconv.verify import verify_dict


def _bad(argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]) -> str:
    start = time.perf_counter()
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, (argv, out, err)
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and fragment in err, err
    assert out == ""
    assert time.perf_counter() - start < 30
    return err


# --------------------------------------------------------------------------- formula: sizes and expressions


@pytest.mark.parametrize("argv,fragment", [
    (["formula", "rf", "--kernel", "3", "--dilation", "10**10**10"], "exponent above 10**6"),
    (["formula", "rf", "--kernel", "10**1001"], "at most 1000 digits"),
    (["formula", "rf", "--kernel", "(a+b+c+d+e+f+g+h)**64"], "more than 10000 terms"),
    (["formula", "rf", "--kernel", "k**1000000000"], "exponent above 10**6"),
    (["formula", "layers-for", "--rf", "10**1000000", "--kernel", "3", "--dilation", "2**l"], "too large"),
    (["formula", "rf", "--kernel", "3", "--dilation", "1048576**l", "--layers", "4096"], "MAX_RESULT_DIGITS"),
    (["formula", "rf", "--kernel", "10**999", "--layers", "4096", "--stride", "10**5"], "MAX_RESULT_DIGITS"),
    (["formula", "params", "--kernel", "10**100000", "--layers", "3"], "at most 1000 digits"),
    (["formula", "params", "--kernel", "10**999", "--dims", "3", "--channels", "10**999"], "MAX_RESULT_DIGITS"),
    (["formula", "params", "--kernel", "3", "--dims", "10**9"], "dims must be 1, 2 or 3"),
    (["formula", "params", "--kernel", "3", "--dims", "0"], "dims must be a positive integer"),
    (["formula", "params", "--kernel", "3", "--channels", "0"], "channels must be a positive integer, got 0"),
    (["formula", "params", "--kernel", "3", "--channels", "4", "--groups", "3"], "groups must divide channels"),
    (["formula", "params", "--kernel", "3", "--groups", "0"], "groups must be a positive integer"),
    (["formula", "compare", "--extent", "27", "--extents", "27"], "give --extent or --extents, not both"),
    (["formula", "compare", "--extents", "3", "--factor", "-3"], "factor must be a positive integer, got -3"),
    (["formula", "compare", "--extents", "3", "--factor", "a"], "needs integer --factor and --rank"),
    (["formula", "compare", "--extent", "10**100000"], "at most 1000 digits"),
    (["formula", "layers-for", "--rf", "10**999", "--kernel", "3", "--dilation", "l**2+1"],
     "needs more than 4096 layers"),
    (["formula", "layers-for", "--rf", "10**999", "--kernel", "3", "--dilation", "l**3+1"],
     "rf of about 10**999 needs more than 4096 layers"),
])
def test_formula_bad_or_huge_input_exits_2(argv, fragment, capsys) -> None:
    _bad(argv, fragment, capsys)


@pytest.mark.parametrize("argv,answer", [
    (["--rf", "10**999", "--kernel", "3", "--stride", "2**l"], "L = 83"),
    (["--rf", "10**999", "--kernel", "3", "--dilation", "3**l"], "L = 2094"),
    (["--rf", "1000", "--kernel", "3", "--dilation", "2**l"], "L = 9"),
])
def test_layers_for_huge_targets_answers_quickly(argv, answer, capsys) -> None:
    start = time.perf_counter()
    assert main(["formula", "layers-for", *argv]) == 0
    assert capsys.readouterr().out.strip() == answer
    assert time.perf_counter() - start < 20


def test_formula_api_errors_are_kronconv_errors() -> None:
    with pytest.raises(InvalidArgument, match="exponent"):
        sym("10**10**10")
    with pytest.raises(InvalidArgument, match="digits"):
        sym(10**5000)
    with pytest.raises(InvalidArgument, match="groups must divide"):
        stack_parameter_count(3, 2, channels=4, groups=3)
    with pytest.raises(TooLarge, match="MAX_RESULT_DIGITS"):
        receptive_field_closed_form(3, "1048576**l", 4096)
    assert receptive_field_closed_form(3, "2**l", 4096) == 2**4097 - 1  # large but printable: still answered


# --------------------------------------------------------------------------- rf, graph, prove: sizes


@pytest.mark.parametrize("argv,fragment", [
    (["rf", "--kernel", "1048576", "--layers", "4096", "--dilations", "1048576", "--strides", "1048576",
      "--format", "json"], "MAX_RESULT_DIGITS"),
    (["graph", "--kernel", "3", "--dilations", "1048576,1048576"], "MAX_CELLS"),
    (["prove", "--layers", "5", "--dilation-base", "1048576"], "exceed the limit 2**40"),
    (["prove", "--layers", "5", "--dilation-base", "1048576", "--channels", "2"], "exceed the limit 2**40"),
    (["check"], "choose a check: equivalence or equivariance"),
    ([], "choose a command"),
])
def test_large_requests_are_refused_with_the_limit(argv, fragment, capsys) -> None:
    _bad(argv, fragment, capsys)


# --------------------------------------------------------------------------- output paths


def _out_cases(tmp: Path) -> list[list[str]]:
    return [["rf", "--kernel", "3", "--layers", "2"], ["formula", "rf", "--kernel", "3", "--layers", "2"],
            ["prove", "--layers", "2"], ["graph", "--kernel", "3", "--layers", "2"],
            ["check", "equivalence", "--layers", "2", "--dims", "1", "--backend", "numpy"]]


@pytest.mark.parametrize("case", range(5))
@pytest.mark.parametrize("where,fragment", [
    ("dir", "is a directory"), ("missing-parent", "does not exist"), ("file-parent", "does not exist"),
    ("proc", "cannot write"),
])
def test_unusable_out_path_exits_2_and_leaves_nothing(case, where, fragment, tmp_path, capsys) -> None:
    (tmp_path / "plain.txt").write_text("x")
    target = {"dir": str(tmp_path), "missing-parent": str(tmp_path / "no" / "x.txt"),
              "file-parent": str(tmp_path / "plain.txt" / "x.txt"), "proc": "/proc/kronconv-test.txt"}[where]
    if where == "proc" and not Path("/proc").is_dir():
        pytest.skip("no /proc on this system")
    before = sorted(os.listdir(tmp_path))
    _bad(_out_cases(tmp_path)[case] + ["--out", target], fragment, capsys)
    assert sorted(os.listdir(tmp_path)) == before  # no partial or temporary file


def test_graph_writes_no_export_when_out_is_unusable(tmp_path, capsys) -> None:
    export = tmp_path / "g.json"
    _bad(["graph", "--kernel", "3", "--layers", "2", "--export", "json", str(export), "--out", str(tmp_path)],
         "--out", capsys)
    assert not export.exists()
    _bad(["graph", "--kernel", "3", "--layers", "2", "--export", "json", str(export), "--out", str(export)],
         "must name different files", capsys)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv,fragment", [
    (["docs", "--diff"], "--diff needs --check"),
    (["docs", "--list", "--check"], "--list takes no --check"),
    (["docs", "--check", "--only", "docs", "--out", "{missing}"], "directory does not exist"),
    (["docs", "--check", "--only", "docs", "--out", "{file}"], "is not a directory"),
    (["docs", "--only", "docs", "--no-figures", "--out", "{file}"], "is not a directory"),
    (["docs", "--check", "--only", "proofs", "--proofs", "{missing}"], "directory does not exist"),
    (["docs", "--check", "--only", "docs", "--out", "{tmp}", "--reports", "{missing}"], "--reports"),
])
def test_docs_bad_directories_and_conflicts_exit_2(argv, fragment, tmp_path, capsys) -> None:
    (tmp_path / "file").write_text("x")
    repl = {"{missing}": str(tmp_path / "missing"), "{file}": str(tmp_path / "file"), "{tmp}": str(tmp_path)}
    _bad(["docs", "-q"] + [repl.get(a, a) for a in argv[1:]], fragment, capsys)
    assert sorted(os.listdir(tmp_path)) == ["file"]


# --------------------------------------------------------------------------- spec files that are not files


@pytest.mark.parametrize("command", ["rf", "graph"])
@pytest.mark.parametrize("kind,fragment", [
    ("dir", "is a directory"), ("device", "not a regular file"), ("fifo", "not a regular file"),
    ("list", "the top level must be an object"),
])
def test_spec_that_is_not_a_regular_file_exits_2_at_once(command, kind, fragment, tmp_path, capsys) -> None:
    path = tmp_path / "net.json"
    if kind == "dir":
        path.mkdir()
    elif kind == "device":
        if not Path("/dev/zero").exists():
            pytest.skip("no /dev/zero")
        path.symlink_to("/dev/zero")  # endless: reading it would never finish
    elif kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        os.mkfifo(path)  # opening it would block forever
    else:
        path.write_text("[1, 2]")
    err = _bad([command, str(path)], fragment, capsys)
    assert err.count(str(path)) == 1  # the file is named once, not twice


# --------------------------------------------------------------------------- hostile certificates


def _cert() -> dict:
    return prove(layers=2).to_dict()


def _rehash(d):
    d["hash"] = content_hash(d)
    return d


def _edit(path: str, value):
    d = _cert()
    target = d
    keys = path.split(".")
    for k in keys[:-1]:
        target = target[int(k)] if isinstance(target, list) else target[k]
    last = keys[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return json.dumps(_rehash(d))


HOSTILE_CERTS = {
    "empty": ("", "is not JSON"),
    "binary": (b"\xff\xfe\x00garbage", "is not JSON"),
    "list": ("[1, 2]", "must be a JSON object, got array"),
    "null": ("null", "must be a JSON object, got null"),
    "deep": ("[" * 100000 + "]" * 100000, "nested too deeply"),
    "deep object": ('{"a":' * 100000 + "1" + "}" * 100000, "nested too deeply"),
    "NaN": ('{"a": NaN}', "NaN is not a JSON number"),
    "huge integer": ('{"a": ' + "9" * 5000 + "}", "digits"),
    "steps not a list": (lambda: _edit("steps", 5), "proof.steps must be an array"),
    "step not an object": (lambda: _edit("steps.0", 5), "proof.steps[0] must be an object"),
    "premises not a list": (lambda: _edit("steps.0.premises", 5), "premises must be an array"),
    "obligation not an object": (lambda: _edit("steps.0.obligations", [5]), "obligations[0] must be an object"),
    "facts not an object": (lambda: _edit("steps.0.facts", 5), "facts must be an object"),
    "certificate not a list": (lambda: _edit("certificate", 5), "proof.certificate must be an array"),
    "certificate item": (lambda: _edit("certificate.0", 5), "proof.certificate[0] must be an object"),
    "related not a list": (lambda: _edit("related", 5), "proof.related must be an array"),
    "statement not a string": (lambda: _edit("statement", 5), "proof.statement must be a string"),
    "claim not an object": (lambda: _edit("claim", []), "proof.claim must be an object"),
    "huge layers": (lambda: _edit("claim.layers", 10**9), "claim.layers must be an integer in [1, 64]"),
    "huge kernel": (lambda: _edit("claim.kernel", 10**300), "claim.kernel must be an integer in [1, 64]"),
    "string kernel": (lambda: _edit("claim.kernel", "3"), "claim.kernel must be an integer in [1, 64], got '3'"),
    "float kernel": (lambda: _edit("claim.kernel", 2.5), "claim.kernel must be an integer"),
    "huge channels": (lambda: _edit("claim.channels", 10**6), "claim.channels must be an integer in [1, 64]"),
    "huge dilation": (lambda: _edit("claim.dilations", [10**100, 1]), "claim.dilations[0] must be an integer"),
    "dilations null": (lambda: _edit("claim.dilations", None), "claim.dilations must be an array"),
    "bad origin": (lambda: _edit("claim.origin", ["x"]), "claim.origin must be one of"),
}


@pytest.mark.parametrize("name", list(HOSTILE_CERTS))
def test_hostile_certificate_exits_2_with_one_line(name, tmp_path, capsys) -> None:
    content, fragment = HOSTILE_CERTS[name]
    content = content() if callable(content) else content
    path = tmp_path / "cert.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    _bad(["verify", str(path)], fragment, capsys)


@pytest.mark.parametrize("kind,fragment", [("dir", "is a directory"), ("device", "not a regular file"),
                                           ("missing", "cannot read certificate")])
def test_certificate_that_is_not_a_regular_file_exits_2(kind, fragment, tmp_path, capsys) -> None:
    path = tmp_path / "cert.json"
    if kind == "dir":
        path.mkdir()
    elif kind == "device":
        if not Path("/dev/zero").exists():
            pytest.skip("no /dev/zero")
        path.symlink_to("/dev/zero")
    _bad(["verify", str(path)], fragment, capsys)


def test_verify_dict_raises_kronconv_errors_on_wrong_shapes() -> None:
    for bad in ([1], None, {"steps": 5}, {"claim": {"layers": True}}):
        with pytest.raises(KronconvError):
            verify_dict(bad)
    d = _cert()
    deep = copy.deepcopy(d)
    cur = deep
    for _ in range(10):
        nxt = copy.deepcopy(d)
        cur["related"] = [nxt]
        cur = nxt
    with pytest.raises(InvalidArgument, match="nest deeper"):
        verify_dict(deep)
    assert verify_dict(_cert()).ok  # a genuine certificate is still accepted


# --------------------------------------------------------------------------- conflicting network options


EXAMPLE = str(Path(__file__).resolve().parents[1] / "docs" / "examples" / "resnet-block.toml")


@pytest.mark.parametrize("argv,fragment", [
    (["rf", EXAMPLE, "--kernel", "3"], "give one network source"),
    (["rf", EXAMPLE, "--dims", "1"], "--dims: only with layer flags, not with a spec file"),
    (["graph", EXAMPLE, "--no-bias"], "--no-bias: only with layer flags"),
    (["rf", "--preset", "plain", "--channels", "4"], "--channels: only with layer flags, not with --preset"),
    (["graph", "--preset", "plain", "--dims", "1"], "--dims: only with layer flags"),
    (["rf", "--list-presets", "--kernel", "3"], "--list-presets takes no network"),
    (["graph", "--list-presets", "--preset", "plain"], "--list-presets takes no network"),
])
def test_conflicting_network_options_exit_2(argv, fragment, capsys) -> None:
    _bad(argv, fragment, capsys)


def test_flag_only_options_still_work_with_layer_flags(capsys) -> None:
    assert main(["rf", "--kernel", "3", "--layers", "2", "--dims", "1", "--channels", "4", "--no-bias",
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["dims"] == 1 and data["parameters"] == 2 * 4 * 4 * 3


# --------------------------------------------------------------------------- API errors and strict JSON


def test_api_rejects_bad_seeds_and_extents_with_kronconv_errors() -> None:
    from kronconv.formulas import parameter_table

    with pytest.raises(InvalidArgument, match="seed must be an integer"):
        prove(theorem="kronecker-rank", seed=-1)
    with pytest.raises(InvalidArgument, match="extents must be positive integers"):
        parameter_table(["abc"])  # type: ignore[list-item]


def test_json_output_never_contains_non_finite_numbers() -> None:
    from kronconv.render import to_json

    text = to_json({"ratio": float("inf"), "values": [float("nan"), 1.5]})
    assert "Infinity" not in text and "NaN" not in text
    assert json.loads(text) == {"ratio": None, "values": [None, 1.5]}


def test_counterexample_with_too_many_entries_is_rejected_quickly() -> None:
    d = prove(layers=2, base=2).to_dict()
    ce = next(s for s in d["steps"] if s["rule"] == "counterexample")["facts"]
    ce["kernels"] = ce["kernels"] * 10_000
    res = verify_dict(_rehash(d))
    assert not res.ok and any("exactly 2 unit kernel entries" in r for r in res.reasons)
