"""QTT ranks, exact representability by dilated cascades, TT-SVD/ALS fits, the qtt-rank proof and its checker."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from kronconv.cli import main
from kronconv.errors import InvalidArgument, TooLarge
from kronconv.kron import kron_channels
from kronconv.numeric import cascade_with_bound, correlate
from kronconv.qtt import digit_tensor, exact_rank, from_digit_tensor, rank_profile, unfolding
from kronconv.qtt.fit import (
    als,
    cascade_extent,
    compose,
    exact_cascade,
    fit,
    random_cascade,
    tt_svd,
)
from kronconv.qtt.io import load_kernel
from kronconv.qtt.ranks import PRIMES, rank_mod_p
from kronconv.theorems.qtt_rank import prove_qtt_rank
from kronconv.verify import content_hash, verify_dict

EPS = float(np.finfo(np.float64).eps)

shapes = st.sampled_from([(2, 2, 1), (2, 3, 1), (2, 4, 1), (3, 2, 1), (3, 3, 1), (2, 2, 2), (2, 3, 2), (3, 2, 2),
                          (2, 2, 3)])  # (a, L, D) with a^(DL) <= 729


def _path_sum(ws: list, a: int, pos: tuple[int, ...]) -> int:
    """K[pos] by the digit formula: channel vector through the layers, digit q_l = (t // a^l) % a per axis."""
    vec = np.ones(1, dtype=object)
    for l, w in enumerate(ws):
        q = tuple((t // a**l) % a for t in pos)
        vec = np.array([sum(int(w[(o, i) + q]) * vec[i] for i in range(w.shape[1])) for o in range(w.shape[0])],
                       dtype=object)
    return int(vec[0])


# --------------------------------------------------------------------------- conventions


@given(shapes, st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_digit_order_matches_numeric_cascade(aLD: tuple[int, int, int], C: int, seed: int) -> None:
    a, L, D = aLD
    ws = random_cascade(a, L, D, C, np.random.default_rng(seed))
    k = compose(ws, a)  # kronconv.numeric.cascade on an impulse
    assert k.shape == (a**L,) * D
    assert (k == kron_channels(ws)[0, 0]).all()
    rng = np.random.default_rng(seed + 1)
    for _ in range(5):
        pos = tuple(int(x) for x in rng.integers(0, a**L, D))
        assert int(k[pos]) == _path_sum(ws, a, pos)
    assert (from_digit_tensor(digit_tensor(k, a, L), a, L, D) == k).all()


def test_digit_tensor_known_values() -> None:
    k = np.arange(8)
    t = digit_tensor(k, 2, 3)  # t = 4 q2 + 2 q1 + q0, mode 0 = q2
    assert t[1, 0, 1] == 5 and t[0, 1, 1] == 3
    assert unfolding(k, 2, 3, 0).tolist() == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert unfolding(k, 2, 3, 1).tolist() == [[0, 1, 2, 3], [4, 5, 6, 7]]


# --------------------------------------------------------------------------- exact ranks


@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 4), st.integers(0, 62), st.integers(0, 2**32 - 1))
def test_exact_rank_equals_sympy_rank(m: int, n: int, r: int, bits: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    lo = 1 << max(0, bits // 2 - 3)
    u = rng.integers(-lo, lo + 1, (m, r)) if r else np.zeros((m, 0), dtype=np.int64)
    v = rng.integers(-7, 8, (r, n)) if r else np.zeros((0, n), dtype=np.int64)
    a = u @ v
    assert exact_rank(a) == sp.Matrix(a.tolist()).rank()


def test_exact_rank_survives_an_unlucky_prime() -> None:
    p = PRIMES[0]
    a = np.array([[p, 0], [0, 1]])
    assert rank_mod_p(a)[0] == 1  # modulo the first prime the rank drops
    assert exact_rank(a) == 2
    b = np.array([[p, 2 * p], [1, 2], [3, 6]])
    assert exact_rank(b) == 1


# --------------------------------------------------------------------------- exact representability


@given(shapes, st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_cascade_kernels_are_exactly_representable(aLD: tuple[int, int, int], C: int, seed: int) -> None:
    a, L, D = aLD
    ws = random_cascade(a, L, D, C, np.random.default_rng(seed))
    k = compose(ws, a)
    prof = rank_profile(k, a)
    assert prof.mode == "exact" and len(prof.ranks) == L - 1
    assert all(r <= C for r in prof.ranks)
    res = fit(k, a, L, C)
    assert res.exact and res.relative_error == 0.0
    assert [w.shape for w in res.weights] == [w.shape for w in ws]
    assert np.allclose(compose(list(res.weights), a), k, rtol=0, atol=1e-9 * max(1.0, float(np.abs(k).max())))
    p = prove_qtt_rank(k, a, C)
    assert p.proved
    chk = verify_dict(json.loads(p.to_json()))
    assert chk.ok, chk.reasons


def _rank_c_plus_one(a: int, L: int, D: int, C: int, seed: int) -> np.ndarray:
    """Digit tensor sum_{i <= C} e_i (coarse) x f_i (fine) at unfolding 0, scrambled by random signs: rank C + 1."""
    rng = np.random.default_rng(seed)
    rows, cols = (a**D) ** (L - 1), a**D
    m = np.zeros((rows, cols), dtype=np.int64)
    ri = rng.permutation(rows)[: C + 1]
    ci = rng.permutation(cols)[: C + 1]
    m[ri, ci] = rng.choice([-3, -2, -1, 1, 2, 3], C + 1)
    return from_digit_tensor(m.reshape((a**D,) * L), a, L, D)


@given(shapes, st.integers(1, 7), st.integers(0, 2**32 - 1))
def test_higher_rank_kernels_are_refuted(aLD: tuple[int, int, int], C: int, seed: int) -> None:
    a, L, D = aLD
    C = min(C, a**D - 1)  # C + 1 must fit the a^D fine columns
    k = _rank_c_plus_one(a, L, D, C, seed)
    prof = rank_profile(k, a, levels=L)
    assert prof.ranks[0] == C + 1 and prof.min_channels >= C + 1
    res = fit(k, a, L, C)
    assert not res.exact and res.relative_error > 0
    assert res.lower_bound is not None and res.lower_bound > 0
    assert exact_cascade(k, a, L, C) is None
    p = prove_qtt_rank(k, a, C, layers=L)
    assert p.verdict == "refuted"
    d = json.loads(p.to_json())
    chk = verify_dict(d)
    assert chk.ok, chk.reasons
    assert d["steps"][-1]["facts"]["rank"] == C + 1 and f"exact rank {C + 1} > C = {C}" in d["steps"][-1]["claim"]


# --------------------------------------------------------------------------- TT-SVD bound


@given(shapes, st.integers(1, 3), st.sampled_from([0.0, 1e-3, 0.3]), st.integers(0, 2**32 - 1))
def test_fit_reaches_tt_svd_bound(aLD: tuple[int, int, int], C: int, noise: float, seed: int) -> None:
    a, L, D = aLD
    rng = np.random.default_rng(seed)
    k = compose(random_cascade(a, L, D, C + 1, rng, integer=False), a) + noise * rng.standard_normal((a**L,) * D)
    res = fit(k, a, L, C)
    assert res.error_bound is not None and res.lower_bound is not None
    err = res.absolute_error
    assert err <= res.error_bound + res.tolerance  # Oseledets' bound
    assert res.lower_bound <= err + res.tolerance  # no C-channel cascade does better than the largest tail
    assert res.error_bound <= math.sqrt(max(L - 1, 1)) * res.lower_bound + res.tolerance  # quasi-optimal
    if L == 2:  # one unfolding: TT-SVD is the truncated SVD, optimal, and the bound is attained
        assert abs(err - res.error_bound) <= res.tolerance + 1e-12 * res.norm
    prof = rank_profile(k, a, mode="numeric")
    assert res.error_bound == pytest.approx(math.sqrt(sum(t * t for t in prof.tail(C))), rel=1e-12, abs=1e-300)


def test_tt_svd_bound_not_vacuous_on_noisy_low_rank() -> None:
    rng = np.random.default_rng(7)
    k = compose(random_cascade(3, 3, 2, 2, rng, integer=False), 3)
    noisy = k + 1e-4 * rng.standard_normal(k.shape)
    res = fit(noisy, 3, 3, 2)
    assert res.error_bound < 1e-2 * res.norm  # far below the trivial bound ||K||
    assert res.relative_error <= res.error_bound / res.norm + res.tolerance / res.norm
    _ws, disc = tt_svd(noisy, 3, 3, 2)
    assert math.sqrt(sum(d * d for d in disc)) <= res.error_bound * (1 + 1e-12)  # sequential <= a-priori tails


def test_fit_parameter_counts() -> None:
    k = np.ones((27, 27))
    r = fit(k, 3, 3, 4)
    assert r.parameters == {"cascade": 9 * (4 + 4 * 4 + 4), "dense": 729}
    r = fit(np.ones(16), 2, 4, 3)
    assert r.parameters == {"cascade": 2 * (3 + 2 * 9 + 3), "dense": 16}


# --------------------------------------------------------------------------- ALS


def test_als_error_is_non_increasing_and_beats_its_start() -> None:
    rng = np.random.default_rng(11)
    tgt = rng.standard_normal((15, 15))
    res = fit(tgt, 3, 3, 2, b=2, sweeps=4, seed=3, starts=1)
    h = res.history
    assert len(h) == 4
    assert all(h[i + 1] <= h[i] * (1 + 1e-9) + 1e-12 for i in range(len(h) - 1))
    assert res.relative_error == pytest.approx(h[-1], rel=1e-9)
    assert 0 < res.relative_error < 1
    assert res.error_bound is None and res.fitted_shape == (cascade_extent(3, 2, 3),) * 2


def test_als_recovers_a_reachable_kernel() -> None:
    rng = np.random.default_rng(5)
    tgt = compose(random_cascade(3, 2, 1, 1, rng, integer=False), 2)  # 3 taps, dilations 1, 2: extent 7
    _ws, hist = als(tgt, random_cascade(3, 2, 1, 1, rng, integer=False), 2, 30)
    assert hist[-1] < 1e-8


def test_als_sweeps_after_tt_svd_keep_the_bound() -> None:
    rng = np.random.default_rng(2)
    k = rng.standard_normal(81)
    plain = fit(k, 3, 4, 2)
    swept = fit(k, 3, 4, 2, sweeps=3)
    assert swept.absolute_error <= plain.absolute_error * (1 + 1e-9)
    assert swept.absolute_error <= swept.error_bound + swept.tolerance


# --------------------------------------------------------------------------- input hygiene


def _exit(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse errors
        return int(exc.code or 0)


def _save(tmp_path, name: str, arr: np.ndarray, pickle: bool = False) -> str:
    p = tmp_path / name
    np.save(p, arr, allow_pickle=pickle)
    return str(p)


@pytest.mark.parametrize("make, needle", [
    (lambda: np.array([1, "a"], dtype=object), "dtype object"),
    (lambda: np.array([1.0, np.nan]), "NaN"),
    (lambda: np.array([1j, 2]), "complex"),
    (lambda: np.zeros((2, 2, 2, 2)), "1-, 2- or 3-D"),
    (lambda: np.zeros((0,)), "empty"),
    (lambda: np.array(3.0), "1-, 2- or 3-D"),
    (lambda: np.zeros(3, dtype=[("x", "f8")]), "not a real number type"),
    (lambda: np.array(["ab"]), "not a real number type"),
])
def test_bad_npy_files_one_line_exit_2(tmp_path, capsys, make, needle: str) -> None:  # type: ignore[no-untyped-def]
    path = _save(tmp_path, "k.npy", make(), pickle=True)
    for cmd in (["ranks", path, "--kernel", "2"], ["fit", path, "--kernel", "2", "--layers", "2", "--channels", "1"]):
        assert main(cmd) == 2
        err = capsys.readouterr().err
        assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_garbage_and_missing_files(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.npy"
    bad.write_bytes(b"\x93NUMPY garbage")
    assert main(["ranks", str(bad), "--kernel", "2"]) == 2
    assert "not a valid .npy file" in capsys.readouterr().err
    assert main(["ranks", str(tmp_path / "none.npy"), "--kernel", "2"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_oversize_refused_from_the_header(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "huge.npy"
    with p.open("wb") as fh:  # header only: the data is never read
        np.lib.format.write_array_header_1_0(fh, {"descr": "<f8", "fortran_order": False, "shape": (1 << 23,)})
    assert main(["ranks", str(p), "--kernel", "2"]) == 2
    err = capsys.readouterr().err
    assert "MAX_FILE_ENTRIES" in err and str(1 << 23) in err
    k = np.ones((1500, 1500))  # within the file limit, but padded to 2187^2 > MAX_ENTRIES
    with pytest.raises(TooLarge, match="MAX_ENTRIES"):
        rank_profile(k, 3)


def test_bad_arguments_exit_2_and_write_nothing(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = _save(tmp_path, "k.npy", np.ones(27))
    out = tmp_path / "c.npz"
    cases = [
        (["fit", path, "--kernel", "1", "--layers", "3", "--channels", "1"], "--kernel"),
        (["fit", path, "--kernel", "3", "--layers", "2", "--channels", "1", "--out", str(out)], "exceeds a**L"),
        (["fit", path, "--kernel", "3", "--layers", "3", "--channels", "1", "--out", str(tmp_path / "c.txt")],
         ".npz or .onnx"),
        (["fit", path, "--kernel", "3", "--layers", "2", "--channels", "1", "--dilation-base", "2"], "exceeds"),
        (["ranks", path, "--kernel", "3", "--mode", "exact", "--layers", "2"], "exceeds a**L"),
    ]
    for argv, needle in cases:
        assert _exit(argv) == 2
        err = capsys.readouterr().err
        assert needle in err and err.count("\n") == 1
    assert not out.exists()
    fl = _save(tmp_path, "f.npy", np.array([0.5, 1.0, 2.0, 3.0]))
    assert main(["ranks", fl, "--kernel", "2", "--mode", "exact"]) == 2
    assert "integer-valued" in capsys.readouterr().err
    with pytest.raises(InvalidArgument, match="kernel size a must be >= 2"):
        rank_profile(np.ones(4), 1)


# --------------------------------------------------------------------------- CLI values


def test_ranks_cli_json_values(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    k = _rank_c_plus_one(2, 3, 2, 2, 9)[:3, :4]  # cropped: padded back to 8x8 with zeros
    full = np.zeros((8, 8), dtype=np.int64)
    full[:3, :4] = k
    path = _save(tmp_path, "k.npy", k)
    assert main(["ranks", path, "--kernel", "2", "--layers", "3", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    want = [exact_rank(unfolding(full, 2, 3, l)) for l in range(2)]
    assert d["ranks"] == want and d["min_channels"] == max(want) and d["mode"] == "exact"
    assert d["padded"] is True and d["padded_shape"] == [8, 8] and d["shape"] == [3, 4]
    assert any("zero-padded from 3x4 to 8x8" in n for n in d["notes"])
    sv = np.linalg.svd(unfolding(full, 2, 3, 0).astype(float), compute_uv=False)
    assert np.allclose(d["unfoldings"][0]["singular_values"], sv, rtol=1e-12, atol=1e-12)
    assert [d["unfoldings"][l]["rows"] for l in range(2)] == [16, 4]


def test_fit_cli_json_values_and_npz(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    ws = random_cascade(3, 3, 2, 2, np.random.default_rng(4))
    k = compose(ws, 3)
    path = _save(tmp_path, "k.npy", k)
    out = tmp_path / "c.npz"
    assert main(["fit", path, "--kernel", "3", "--layers", "3", "--channels", "2", "--format", "json",
                 "--out", str(out)]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["exact"] is True and d["relative_error"] == 0.0 and d["error_bound"] == 0.0
    assert d["ranks"] == list(rank_profile(k, 3).ranks)
    assert d["parameters"] == {"cascade": 9 * (2 + 4 + 2), "dense": 729}
    with np.load(out, allow_pickle=False) as z:
        got = compose([z[f"layer_{l}"] for l in range(3)], 3)
        assert z["dilations"].tolist() == [1, 3, 9]
    assert np.allclose(got, k, rtol=0, atol=1e-9 * float(np.abs(k).max()))
    assert main(["fit", path, "--kernel", "3", "--layers", "3", "--channels", "1", "--format", "json"]) == 0
    d1 = json.loads(capsys.readouterr().out)
    res = fit(k, 3, 3, 1)
    assert d1["exact"] is False and d1["relative_error"] == pytest.approx(res.relative_error, rel=1e-12)
    assert d1["error_bound"] == pytest.approx(res.error_bound, rel=1e-12) and d1["error_bound"] > 0


def test_onnx_export_runs_in_onnxruntime(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    try:
        import onnxruntime as ort
    except ImportError:
        print("onnx export test skipped: onnxruntime is not installed")
        pytest.skip("onnxruntime is not installed")
    rng = np.random.default_rng(8)
    k = rng.standard_normal((9, 9))
    path = _save(tmp_path, "k.npy", k)
    out = tmp_path / "c.onnx"
    assert main(["fit", path, "--kernel", "3", "--layers", "2", "--channels", "3", "--out", str(out)]) == 0
    capsys.readouterr()
    res = fit(k, 3, 2, 3)
    w32 = [np.asarray(w, dtype=np.float32) for w in res.weights]
    x = rng.standard_normal((1, 1, 20, 20)).astype(np.float32)
    y = ort.InferenceSession(str(out)).run(None, {"x": x})[0]
    ref, bound = cascade_with_bound(x, w32, [1, 3])  # float32 cascade and its rounding bound
    exact = correlate(x.astype(np.float64), compose([w.astype(np.float64) for w in w32], 3)[None, None])
    assert y.shape == exact.shape
    assert np.all(np.abs(y - exact) <= bound + 1e-300)  # ORT obeys the same any-order summation bound
    assert np.all(np.abs(ref - exact) <= bound)


# --------------------------------------------------------------------------- the checker


def _cert(refuted: bool = False) -> dict:
    rng = np.random.default_rng(12)
    if refuted:
        k = _rank_c_plus_one(2, 3, 1, 1, 1)
        return json.loads(prove_qtt_rank(k, 2, 1).to_json())
    return json.loads(prove_qtt_rank(compose(random_cascade(2, 3, 2, 2, rng), 2), 2, 2).to_json())


def _witness(d: dict) -> dict:
    return next(c for c in d["certificate"] if c["kind"] == "instance")["evidence"]["witness"]


def _reasons(d: dict) -> list[str]:
    """The checker's reasons for a forged certificate whose content hash was recomputed."""
    d["hash"] = content_hash(d)
    r = verify_dict(d)
    assert not r.ok
    return r.reasons


def test_checker_accepts_genuine_certificates() -> None:
    for refuted in (False, True):
        r = verify_dict(_cert(refuted))
        assert r.ok, r.reasons


def test_checker_rejects_forgeries() -> None:
    d = _cert()
    d["proved"], d["verdict"] = False, "refuted"
    assert any("verdict refuted is wrong" in r for r in _reasons(d))
    d = _cert()
    d["statement"] = "It is FALSE that: " + d["statement"]
    assert any(r.startswith("proof.statement: certificate has") for r in _reasons(d))
    d = _cert()
    _witness(d)["ranks"] = [1, 1]
    assert _reasons(d) == ["proof.certificate[1].evidence.witness.ranks[0]: certificate has 1, the checker derives 2"]
    d = _cert()
    w = _witness(d)["weights"]
    w[1][0][0][0][0] = str(int(w[1][0][0][0][0].split("/")[0]) + 1)
    assert any("weights compose to" in r and "the kernel has" in r for r in _reasons(d))
    d = _cert()
    d["claim"]["channels"] = 1  # the kernel has rank 2: "proved" with C = 1 is false
    d["statement"] = d["statement"].replace("2 channel(s)", "1 channel(s)")
    assert any("verdict proved is wrong: the checker finds the claim fails" in r for r in _reasons(d))
    d = _cert(refuted=True)
    _witness(d)["rank"] = 1
    assert any("witness.rank: certificate has 1, the checker derives 2" in r for r in _reasons(d))
    d = _cert(refuted=True)
    d["claim"]["channels"] = 2  # rank 2 <= 2: the refutation is false
    d["statement"] = d["statement"].replace("1 channel(s)", "2 channel(s)")
    assert any("verdict refuted is wrong: the checker finds the claim holds" in r for r in _reasons(d))
    d = _cert(refuted=True)
    _witness(d)["unfolding"] = 1
    assert any("witness.unfolding: certificate has 1, the checker derives 0" in r for r in _reasons(d))
    d = _cert()
    d["claim"]["kernel"][0][0] = True
    with pytest.raises(InvalidArgument, match="claim.kernel entries must be integers"):
        verify_dict(d)
    d = _cert()
    d["claim"]["extra"] = 1
    with pytest.raises(InvalidArgument, match=r"proof.claim: unknown field\(s\) \['extra'\]"):
        verify_dict(d)
    d = _cert()
    d["claim"]["layers"] = 9
    with pytest.raises(InvalidArgument, match="MAX_ENTRIES = 16384"):
        verify_dict(d)
    d = _cert()
    del d["certificate"]
    with pytest.raises(InvalidArgument, match=r"missing field\(s\) \['certificate'\]"):
        verify_dict(d)


def test_load_kernel_keeps_integers_exact(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = _save(tmp_path, "k.npy", np.array([[1, -2], [3, 4]], dtype=np.int16))
    k = load_kernel(path)
    assert k.dtype.kind == "i" and k.tolist() == [[1, -2], [3, 4]]
    assert rank_profile(k, 2).mode == "exact"


# --------------------------------------------------------------------------- numeric ranks, limits, docs page


@given(shapes, st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_numeric_ranks_agree_with_exact_ranks_on_integer_cascades(aLD: tuple[int, int, int], C: int,
                                                                   seed: int) -> None:
    a, L, D = aLD
    k = compose(random_cascade(a, L, D, C, np.random.default_rng(seed)), a)
    exact = rank_profile(k, a, mode="exact")
    num = rank_profile(k.astype(np.float64), a, mode="numeric")
    assert num.mode == "numeric" and exact.mode == "exact"
    assert num.ranks == exact.ranks
    for sv, tol, (r, c) in zip(num.singular_values, num.tolerances, num.shapes):
        assert tol == max(r, c) * EPS * sv[0]


def test_exact_mode_above_its_work_limit_is_refused_or_falls_back(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import kronconv.qtt.ranks as R

    monkeypatch.setattr(R, "EXACT_WORK_LIMIT", 10)
    k = np.arange(16)
    with pytest.raises(TooLarge, match="EXACT_WORK_LIMIT = 10"):
        R.rank_profile(k, 2, mode="exact")
    prof = R.rank_profile(k, 2)
    assert prof.mode == "numeric" and any("EXACT_WORK_LIMIT" in n for n in prof.notes)
    assert prof.ranks == (2, 2, 2)  # arange is affine in the digits: rank 2 at every cut


def test_fit_refuses_oversize_before_work() -> None:
    with pytest.raises(TooLarge, match="MAX_FIT_BYTES"):
        fit(np.ones(27), 3, 3, 4096)
    with pytest.raises(TooLarge, match="MAX_FIT_BYTES|ALS_WORK_LIMIT"):
        fit(np.ones((81, 81)), 3, 4, 16, sweeps=5)


def test_als_with_kernel_smaller_than_base_uses_random_starts() -> None:
    rng = np.random.default_rng(6)
    tgt = compose(random_cascade(2, 3, 1, 1, rng, integer=False), 3)  # 2 taps, dilations 1, 3, 9: extent 14
    res = fit(tgt, 2, 3, 1, b=3, sweeps=30, seed=1, starts=3)
    assert res.fitted_shape == (14,) and "random" in res.notes[-1]
    assert res.relative_error < 1e-6  # reachable target, found from random starts
    holes = np.ones(14)  # 2 taps at dilations 1, 3, 9 reach 8 of the 14 positions
    r2 = fit(holes, 2, 3, 1, b=3, sweeps=3, seed=1, starts=1)
    assert r2.lower_bound == pytest.approx(math.sqrt(6.0), rel=1e-12)
    assert r2.absolute_error >= r2.lower_bound * (1 - 1e-12)


def test_restriction_page_numbers_come_from_the_library() -> None:
    from kronconv.docs import build_page
    from kronconv.docs.severity import sample_kernels

    text = build_page("restriction-severity").text
    ks = sample_kernels()
    box = rank_profile(ks["box 9x9 (digit-aligned)"], 3, mode="numeric")
    assert box.ranks == (1, 1)
    assert "| box 9x9 (digit-aligned) | [1, 1] | 1 |" in text
    rnd = rank_profile(ks["random"], 3, mode="numeric")
    assert rnd.ranks == (9, 9) and "| random | [9, 9] | 9 |" in text
    g = fit(ks["Gaussian"], 3, 3, 2)
    assert f"the Gaussian reaches {g.relative_error:.3g} with $C = 2$" in text


def test_huge_integers_fall_back_to_numeric_ranks() -> None:
    k = np.array([2**63 - 1, 1, 2, 3], dtype=np.uint64)
    prof = rank_profile(k, 2)
    # [[2^63 - 1, 1], [2, 3]]: sigma_2 / sigma_1 is about 3 / 2^63, below the float64 tolerance 2 eps
    assert prof.mode == "numeric" and prof.ranks == (1,)
    assert prof.singular_values[0][1] <= prof.tolerances[0]
    with pytest.raises(InvalidArgument, match="integer-valued"):
        rank_profile(k, 2, mode="exact")


def test_checker_and_prover_refuse_oversize_witnesses() -> None:
    from kronconv.theorems.qtt_rank import MAX_CERT_ENTRIES, MAX_CERT_WORK
    from kronconv.verify import qtt as checker

    assert (checker.MAX_ENTRIES, checker.MAX_WORK) == (MAX_CERT_ENTRIES, MAX_CERT_WORK)
    k = np.ones((128, 128), dtype=np.int64)  # 2^14 entries, L = 7: 2^14 * (2*64 + 5*64^2) > 2^23
    with pytest.raises(TooLarge, match="MAX_CERT_WORK"):
        prove_qtt_rank(k, 2, 64)
    d = json.loads(prove_qtt_rank(np.ones((128, 128), dtype=np.int64), 2, 1).to_json())
    assert verify_dict(d).ok
    d["claim"]["channels"] = 64  # the claim the prover refused: refused before any work, the limit named
    with pytest.raises(InvalidArgument, match="above the checker's limit MAX_WORK = 8388608"):
        verify_dict(d)
    d = json.loads(prove_qtt_rank(np.ones((128, 128), dtype=np.int64), 2, 1).to_json())
    _witness(d)["weights"] = [[[["1"] * 4] * 64]] + [[[["0"] * 4] * 64] * 64] * 5 + [[[["0"] * 4] * 64]]
    assert any("uses 64 channels, more than C = 1" in r for r in _reasons(d))
