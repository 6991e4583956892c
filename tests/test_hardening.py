"""Regression tests of the second hardening round: no wrong answer with exit 0, no crash, no hang.

Schedules are checked against brute-force evaluation over every layer; bad input gives exit 2 and one
short line; the public API refuses wrong types with a ``KronconvError`` that is also a ``TypeError``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import kronconv as kc
from kronconv.atomic import atomic_write, write_together
from kronconv.cli import main
from kronconv.errors import InvalidArgument, InvalidSpec, InvalidType, KronconvError, TooLarge
from kronconv.formulas import (
    LAYER,
    check_schedule,
    layers_for_receptive_field,
    receptive_field_closed_form,
    sym,
)
from kronconv.spec import parse_spec_text, preset

FAMILIES = {
    "c - l": lambda c, l: c - l,
    "c*l": lambda c, l: c * l,
    "2**l": lambda c, l: 2**l,
    "l**2 - c": lambda c, l: l**2 - c,
    "c - l**2": lambda c, l: c - l**2,
    "(l-c)**2": lambda c, l: (l - c) ** 2,
    "c*l + 1": lambda c, l: c * l + 1,
    "c": lambda c, l: c,
}


def schedule(family: str, c: int) -> tuple[str, object]:
    text = family.replace("c", f"({c})")
    return text, FAMILIES[family]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str], *fragments: str) -> str:
    code, out, err = run(argv, capsys)
    assert code == 2, (argv, out[-500:], err[-500:])
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert all(f in err for f in fragments), err
    return err


# --------------------------------------------------------------------------- schedules: every layer


@given(st.sampled_from(sorted(FAMILIES)), st.integers(-6, 12), st.sampled_from(sorted(FAMILIES)),
       st.integers(-6, 12), st.integers(1, 30), st.integers(1, 6))
def test_closed_form_equals_brute_force_or_refuses_a_non_positive_schedule(
        dfam: str, dc: int, sfam: str, sc: int, L: int, k: int) -> None:
    dtext, dfun = schedule(dfam, dc)
    stext, sfun = schedule(sfam, sc)
    ds = [dfun(dc, l) for l in range(L)]  # type: ignore[operator]
    ss = [sfun(sc, l) for l in range(L)]  # type: ignore[operator]
    valid = all(v >= 1 for v in ds + ss)
    if not valid:
        with pytest.raises(InvalidArgument, match="must be a positive integer for every layer"):
            receptive_field_closed_form(k, dtext, L, stext)
        return
    r, jump = 1, 1
    for d, s in zip(ds, ss):
        r += (k - 1) * d * jump
        jump *= s
    assert receptive_field_closed_form(k, dtext, L, stext) == r


@given(st.sampled_from(sorted(FAMILIES)), st.integers(-6, 12))
def test_symbolic_layers_accept_only_schedules_positive_everywhere(fam: str, c: int) -> None:
    text, fun = schedule(fam, c)
    values = [fun(c, l) for l in range(200)]  # type: ignore[operator]
    try:
        receptive_field_closed_form(3, text, "L")
    except InvalidArgument as exc:
        assert "positive integer for every layer l >= 0" in str(exc)
        return
    assert all(v >= 1 for v in values)  # accepted: positive at every l tried


@given(st.sampled_from(sorted(FAMILIES)), st.integers(-6, 12), st.integers(2, 4), st.integers(2, 5000))
def test_layers_for_is_the_smallest_depth_by_brute_force(fam: str, c: int, k: int, R: int) -> None:
    text, fun = schedule(fam, c)
    r, expected, bad = 1, None, False
    for n in range(1, 5000):
        d = fun(c, n - 1)  # type: ignore[operator]
        if d < 1:
            bad = True
            break
        r += (k - 1) * d
        if r >= R:
            expected = n
            break
    if bad:
        with pytest.raises(InvalidArgument, match="positive integer"):
            layers_for_receptive_field(R, k, text)
    else:
        assert layers_for_receptive_field(R, k, text) == expected


@pytest.mark.parametrize("argv,fragment", [
    (["formula", "rf", "--kernel", "3", "--dilation", "7-l", "--layers", "20"], "at l = 7 it is 0"),
    (["formula", "rf", "--kernel", "3", "--stride", "3-l", "--layers", "10"], "at l = 3 it is 0"),
    (["formula", "rf", "--kernel", "3", "--dilation", "7-l"], "every layer l >= 0; at l = 7 it is 0"),
    (["formula", "rf", "--kernel", "3", "--dilation", "l/2 + 1", "--layers", "4"], "at l = 1 it is 3/2"),
    (["formula", "rf", "--kernel", "3", "--dilation", "a-l"], "cannot be shown"),
    (["formula", "layers-for", "--rf", "1000", "--dilation", "3-l"], "at l = 3 it is 0"),
    (["formula", "layers-for", "--rf", "R", "--dilation", "3-l"], "at l = 3 it is 0"),
    (["formula", "params", "--kernel", "k-5"], "cannot be shown"),
    (["formula", "compare", "--extent", "N-3"], "cannot be shown"),
])
def test_cli_refuses_schedules_and_sizes_not_shown_positive(argv: list[str], fragment: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    one_line_exit_2(argv, capsys, fragment)


def test_check_schedule_returns_every_value_and_finds_the_first_bad_layer() -> None:
    assert check_schedule(sym("(l - 3)**2 + 1"), "dilation", 6) == [10, 5, 2, 1, 2, 5]
    with pytest.raises(InvalidArgument, match="at l = 3 it is 0"):
        check_schedule(sym("(l - 3)**2"), "dilation", 6)
    assert check_schedule(sym("a**l"), "dilation", "L") is None


def test_the_size_estimator_never_evaluates_a_tower() -> None:
    start = time.perf_counter()
    with pytest.raises(TooLarge, match="MAX_RESULT_DIGITS"):
        receptive_field_closed_form(3, "2**(2**l)", 40)
    with pytest.raises(TooLarge, match="MAX_RESULT_DIGITS"):
        receptive_field_closed_form(3, 1, 4096, "2**(2**l)")
    assert time.perf_counter() - start < 5
    assert receptive_field_closed_form(3, "2**(2**l)", 4) == 1 + 2 * (2 + 4 + 16 + 256)


# --------------------------------------------------------------------------- non-finite and float input


@pytest.mark.parametrize("value", ["nan", "oo", "zoo", "-oo", "inf", "1e5", "2E3", "1/0", "3*NaN"])
def test_non_finite_and_scientific_inputs_are_refused(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InvalidArgument):
        sym(value, "kernel")
    one_line_exit_2(["formula", "rf", "--kernel", value], capsys, "kernel")


@pytest.mark.parametrize("value", [3.0, float("nan"), np.float64(3.0), None, [3], True])
def test_floats_and_other_types_are_refused_with_a_type_error(value: object) -> None:
    with pytest.raises(TypeError, match="kernel") as info:
        receptive_field_closed_form(value, 1, 3)
    assert isinstance(info.value, KronconvError)


@given(st.integers(1, 50), st.integers(1, 20))
def test_numpy_integers_are_accepted_wherever_python_ints_are(k: int, L: int) -> None:
    for cast in (np.int64, np.int32, np.uint16):
        assert receptive_field_closed_form(cast(k), cast(1), cast(L)) == receptive_field_closed_form(k, 1, L)
    net = kc.chain(kernels=[np.int64(k)] * 2, dims=1)
    assert net.layers[0].kernel == (k,)


# --------------------------------------------------------------------------- crashes and hangs


@pytest.mark.parametrize("layers", [63, 64])
def test_prove_kernel_1_at_the_layer_limit(layers: int, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["prove", "--kernel", "1", "--layers", str(layers)], capsys)
    assert code == 0 and "Verdict: PROVED" in out and err == ""


def test_refuted_prove_never_ends_with_qed(capsys: pytest.CaptureFixture[str]) -> None:
    for fmt in ("text", "md"):
        code, out, _ = run(["prove", "--dilation-base", "2", "--format", fmt], capsys)
        lines = [x for x in out.splitlines() if x.strip()]
        assert code == 1 and "Q.E.D." not in out
        assert "REFUTED" in "".join(lines[:4]) and "Overall verdict: REFUTED" in lines[-1]


@pytest.mark.parametrize("argv,fragment", [
    (["prove", "--theorem", "receptive-field", "--kernel", "7"], "does not use --kernel"),
    (["prove", "--theorem", "dilation-lemma", "--layers", "4"], "does not use --layers"),
    (["prove", "--theorem", "kronecker-rank", "--nonlinearity", "relu"], "does not use --nonlinearity"),
    (["graph", "--kernel", "3", "--layers", "2", "--padding-mode", "reflect"], "needs --input-size"),
])
def test_options_a_command_would_ignore_are_refused(argv: list[str], fragment: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    one_line_exit_2(argv, capsys, fragment)


def test_huge_inputs_are_quoted_as_a_short_prefix(capsys: pytest.CaptureFixture[str]) -> None:
    huge = "9" * 100_000
    for argv in (["formula", "rf", "--kernel", huge], ["rf", "--kernel", "3", "--layers", huge],
                 ["rf", "--preset", "kronecker:a=" + huge], ["rf", "--kernel", "3", "--bogus", huge],
                 ["rf", "--kernel", "3", "--dilations", huge]):
        err = one_line_exit_2(argv, capsys)
        assert len(err) < 500, err[:600]


def test_unknown_argument_with_a_newline_gives_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    err = one_line_exit_2(["rf", "--kernel", "3", "--x\ny"], capsys)
    assert "\\n" in err


def test_integers_beyond_the_digit_limit_in_spec_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name, text in (("a.json", '{"layers": [{"kernel": %s}]}' % ("7" * 5000)),
                       ("b.toml", "[[layers]]\nkernel = %s\n" % ("7" * 5000))):
        (tmp_path / name).write_text(text)
        err = one_line_exit_2(["rf", str(tmp_path / name)], capsys)
        assert "set_int_max_str_digits" not in err and len(err) < 500


@pytest.mark.parametrize("option", [["--out"], ["--plot"], ["--export", "json"]])
def test_bad_file_names_exit_2_and_write_nothing(option: list[str], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    base = ["graph", "--kernel", "3", "--dilations", "1,2", "--dims", "1"]
    for name in ("a" * 300 + ".png", os.fsdecode(b"x\xff.png")):
        one_line_exit_2(base + option + [name], capsys, option[0])
        if option[0] != "--out":  # the bad name beside good ones: nothing written at all
            one_line_exit_2(base + option + [name] + ["--out", "good.txt"], capsys)
        assert os.listdir(tmp_path) == []
    one_line_exit_2(["rf", "--kernel", "3", "--out", "b" * 300], capsys, "at most")
    assert os.listdir(tmp_path) == []


def test_writes_inside_write_together_land_together_or_not_at_all(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), write_together():
        atomic_write(tmp_path / "one.txt", "1")
        atomic_write(tmp_path / "two.txt", "2")
        raise RuntimeError("the plot failed")
    assert os.listdir(tmp_path) == []
    with write_together():
        atomic_write(tmp_path / "one.txt", "1")
        assert os.listdir(tmp_path) != ["one.txt"]  # not in place before the block ends
    assert (tmp_path / "one.txt").read_text() == "1" and os.listdir(tmp_path) == ["one.txt"]


# --------------------------------------------------------------------------- spec files and presets


@pytest.mark.parametrize("text,fragment", [
    ('{"layers": [{"kernel": 3.0}]}', "kernel must be an integer"),
    ('{"layers": [{"kernel": 1e5}]}', "kernel must be an integer"),
    ('{"layers": [{"kernel": 3, "kernel": 5}]}', "duplicate key 'kernel'"),
    ('{"name": "a", "name": "b", "layers": [{"kernel": 3}]}', "duplicate key 'name'"),
])
def test_json_floats_and_duplicate_keys_are_refused(text: str, fragment: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "net.json").write_text(text)
    one_line_exit_2(["rf", str(tmp_path / "net.json")], capsys, fragment)


def test_toml_floats_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "net.toml").write_text("[[layers]]\nkernel = 3.0\n")
    one_line_exit_2(["rf", str(tmp_path / "net.toml")], capsys, "kernel must be an integer", "3.0")


@pytest.mark.parametrize("spec,fragment", [
    ("kronecker:a=2,a=3", "parameter 'a' given twice"),
    ("kronecker:", "empty parameter list"),
    ("kronecker: ", "empty parameter list"),
    ("kronecker:a=2,,layers=3", "empty parameter"),
])
def test_preset_parameters_given_twice_or_empty_are_refused(spec: str, fragment: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InvalidSpec, match=fragment):
        preset(spec)
    one_line_exit_2(["rf", "--preset", spec], capsys, fragment)


def test_duplicate_keys_in_nested_objects_are_refused() -> None:
    with pytest.raises(InvalidSpec, match="duplicate key 'k'"):
        parse_spec_text('{"layers": [{"a": {"k": 1, "k": 2}}]}', "json")
    assert parse_spec_text('{"a": {"k": 1}, "b": {"k": 2}}', "json") == {"a": {"k": 1}, "b": {"k": 2}}


# --------------------------------------------------------------------------- the public API


@pytest.mark.parametrize("call,argument", [
    (lambda: kc.network_fields(None), "net"),
    (lambda: kc.Network(None), "layers"),
    (lambda: kc.load_spec(123), "path"),
    (lambda: kc.load_graph_spec(123), "path"),
    (lambda: kc.dilate(np.ones(3), 2.5), "d"),
    (lambda: kc.dilate(None, 2), "kernel"),
    (lambda: kc.kronecker_rank(np.ones((9, 9)), 3, 3), "outer"),
    (lambda: kc.nearest_kronecker(np.ones((9, 9)), [3, 3.0], (3, 3)), "outer[1]"),
    (lambda: kc.kron_kernel(None), "kernels"),
    (lambda: kc.network_output_size(kc.chain(kernel=3, layers=1), "10"), "size"),
])
def test_wrong_types_raise_a_type_error_naming_the_argument(call, argument: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError) as info:
        call()
    assert isinstance(info.value, KronconvError) and isinstance(info.value, InvalidType)
    assert str(info.value).startswith(argument), str(info.value)


def test_floats_in_chain_are_refused_like_in_spec_files() -> None:
    with pytest.raises(InvalidSpec, match="kernel must be an integer.*3.0"):
        kc.chain(kernels=[3.0])


def test_dilate_refuses_arrays_above_the_size_limit_before_allocating() -> None:
    with pytest.raises(TooLarge, match="MAX_ENTRIES"):
        kc.dilate(np.ones(3), 10**12)
    with pytest.raises(TooLarge, match="MAX_ENTRIES"):
        kc.kron_kernel([np.ones((64, 64))] * 4)


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_kc_kron_is_the_kronecker_product_first_factor_outer(m: int, n: int, dims: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.integers(-5, 6, (m,) * dims), rng.integers(-5, 6, (n,) * dims)
    assert (kc.kron(a, b) == np.kron(a, b)).all()
    assert (kc.kron(a, b, a) == kc.kron_kernel([a, b, a])).all()
    assert (kc.kron(b, a) == kc.kron_kernel([a, b])).all()


def test_the_kronecker_module_stays_importable_under_its_names() -> None:
    from kronconv import kronecker
    from kronconv.kron import dilate

    assert callable(kc.kron) and kc.kron is kronecker.kron and dilate is kronecker.dilate
    assert kc.dilate(np.array([1, 2]), np.int64(2)).tolist() == [1, 0, 2]


def test_prove_accepts_numpy_integers() -> None:
    assert kc.prove(layers=np.int64(2), kernel=np.int32(3)).proved


def test_symbolic_answers_keep_the_layer_symbol_out_of_sizes() -> None:
    with pytest.raises(InvalidArgument, match="may not use the layer index"):
        receptive_field_closed_form("l", 1, 3)
    assert receptive_field_closed_form(3, 1, "l + 1") == sp.expand(2 * LAYER + 3)


def test_verify_names_the_digit_limit_without_suggesting_a_setting(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "big.json").write_text('{"schema": %s}' % ("7" * 5000))
    err = one_line_exit_2(["verify", str(tmp_path / "big.json")], capsys, "more than 4300 digits")
    assert "set_int_max_str_digits" not in err


def test_convolve_rejects_plain_signal_kernel_with_one_line_naming_the_shape():
    import numpy as np

    from kronconv.errors import InvalidArgument
    from kronconv.numeric import convolve

    with pytest.raises(InvalidArgument, match=r"w must have shape .*got \(3,\)"):
        convolve(np.ones((1, 1, 5)), np.ones(3))
