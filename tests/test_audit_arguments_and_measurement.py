"""The equivariance audit's arguments (ranges, defaults), cost limits, progress bar and measurement details."""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from typing import Any

import numpy as np
import pytest

from kronconv.checks import audit as audit_mod
from kronconv.checks import audit_equivariance, model_from_graph
from kronconv.errors import BackendUnavailable, InvalidArgument, TooLarge
from kronconv.netgraph import NetGraph, NetNode
from kronconv.spec import Conv, Pool

HAVE_TORCH = importlib.util.find_spec("torch") is not None


def _strided(pool: int = 2, dims: int = 1, out_channels: int = 1) -> NetGraph:
    return NetGraph.build([NetNode("x", "input"),
                           NetNode("c", "conv", ("x",), Conv(3, padding=1, out_channels=out_channels, dims=dims)),
                           NetNode("p", "pool", ("c",), Pool(pool, dims=dims))], dims=dims)


def _shifts(r: object) -> list[int]:
    return [s.shift[0] for s in r.executors[0].shifts]  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- arguments


@pytest.mark.parametrize("pool,expect", [(2, [1, 2, 3, 4]), (3, [1, 2, 3, 4, 5, 6]), (1, [1, 2, 3, 4])])
def test_default_shifts_are_one_to_twice_the_period_at_least_four(pool: int, expect: list[int]) -> None:
    r = audit_equivariance(model_from_graph(_strided(pool)), executors=["numpy"])
    assert _shifts(r) == expect
    assert _shifts(audit_equivariance(model_from_graph(_strided(pool)), shifts=[], executors=["numpy"])) == expect


def test_sixty_four_shifts_accepted_sixty_five_refused() -> None:
    m = model_from_graph(_strided())
    r = audit_equivariance(m, shifts=list(range(1, 65)), executors=["numpy"])
    assert _shifts(r) == list(range(1, 65))
    assert [s.equivariant for s in r.executors[0].shifts] == [k % 2 == 0 for k in range(1, 65)]
    with pytest.raises(InvalidArgument) as exc:
        audit_equivariance(m, shifts=list(range(1, 66)), executors=["numpy"])
    assert str(exc.value) == "at most 64 shifts, got 65"


def test_shift_magnitude_4096_accepted_4097_refused() -> None:
    m = model_from_graph(_strided())
    for s in (4096, -4096):
        with pytest.raises(TooLarge):  # accepted: refused only by the cost estimate
            audit_equivariance(m, shifts=[s], executors=["numpy"], max_work=1)
    for s in (4097, -4097):
        with pytest.raises(InvalidArgument) as exc:
            audit_equivariance(m, shifts=[1, s], executors=["numpy"], max_work=1)
        assert str(exc.value) == f"shifts must lie in -4096..4096, got [1, {s}]"


@pytest.mark.parametrize("name,top", [("batch", 4096), ("size", 65536)])
def test_batch_and_size_ranges(name: str, top: int) -> None:
    m = model_from_graph(_strided())
    with pytest.raises(TooLarge):
        audit_equivariance(m, shifts=[2], executors=["numpy"], max_work=1, **{name: top})
    for bad in (0, top + 1):
        with pytest.raises(InvalidArgument) as exc:
            audit_equivariance(m, shifts=[2], executors=["numpy"], max_work=1, **{name: bad})
        assert str(exc.value) == f"{name} must be in 1..{top}, got {bad}"


def test_unknown_executor_is_refused_by_name() -> None:
    with pytest.raises(InvalidArgument) as exc:
        audit_equivariance(model_from_graph(_strided()), executors=["jax"])
    assert str(exc.value) == "executor must be one of numpy, torch, onnxruntime, got 'jax'"


def test_without_torch_the_graph_model_has_only_the_numpy_executor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    assert audit_mod._torch_available() is False
    m = model_from_graph(_strided())
    assert list(m.runners) == ["numpy"]
    with pytest.raises(BackendUnavailable) as exc:
        audit_equivariance(m, executors=["torch"])
    assert str(exc.value) == ("executor 'torch' is not available for this model: PyTorch is not installed "
                              "(pip install 'kronconv[torch]')")

    def broken(name: str, *a: object) -> None:
        raise ValueError("torch.__spec__ is None")

    monkeypatch.setattr(importlib.util, "find_spec", broken)
    assert audit_mod._torch_available() is False


@pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed")
def test_with_torch_imported_the_graph_model_has_a_torch_executor(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch  # noqa: F401 - in sys.modules now

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)  # not asked when already imported
    assert audit_mod._torch_available() is True
    assert list(model_from_graph(_strided()).runners) == ["numpy", "torch"]


# --------------------------------------------------------------------------- input size and cost


@pytest.mark.parametrize("pool,shifts,n", [
    (2, [1, 2, 3, 4], 28),  # border 1 + 2, plus 16, plus twice the largest shift 4: 27, up to a multiple of 2
    (3, [3], 27),           # border 1 + 3, plus 16 + 6: 26, up to a multiple of 3
    (2, [-5, 1], 30),       # the largest shift in magnitude: 3 + 16 + 10 = 29 -> 30
])
def test_default_input_size(pool: int, shifts: list[int], n: int) -> None:
    r = audit_equivariance(model_from_graph(_strided(pool)), shifts=shifts, executors=["numpy"])
    assert r.input_shape == (1, 1, n)


def test_a_model_with_a_fixed_input_size_ignores_size() -> None:
    m = dataclasses.replace(model_from_graph(_strided()), input_size=(20,))
    r = audit_equivariance(m, shifts=[2], executors=["numpy"], size=40)
    assert r.input_shape == (1, 1, 20)
    assert audit_equivariance(model_from_graph(_strided()), shifts=[2], executors=["numpy"], size=40).input_shape \
        == (1, 1, 40)


def test_cost_limits_are_inclusive_at_the_estimate() -> None:
    """input (1 channel, 20 units) -> conv 3 taps to 2 channels -> select 1 channel; 1 executor, 2 shifts, 1 axis.

    One pass: 20 (input) + 2 x 20 x 3 (conv) + 20 (select) = 160 multiply-adds and 8 x (20 + 40 + 20) = 640 bytes;
    4 passes; the bytes are counted three times (input, output and bound).
    """
    g = NetGraph.build([NetNode("x", "input"), NetNode("c", "conv", ("x",), Conv(3, padding=1, out_channels=2, dims=1)),
                        NetNode("s", "select", ("c",), channels=1)], dims=1)
    m = model_from_graph(g)
    kw = {"shifts": [1, 2], "executors": ["numpy"], "size": 20}
    audit_equivariance(m, max_work=4 * 160, max_bytes=3 * 640, **kw)
    with pytest.raises(TooLarge, match="multiply-adds"):
        audit_equivariance(m, max_work=4 * 160 - 1, max_bytes=None, **kw)
    with pytest.raises(TooLarge, match="GiB"):
        audit_equivariance(m, max_work=None, max_bytes=3 * 640 - 1, **kw)


# --------------------------------------------------------------------------- progress bar


def test_progress_bar_steps(capsys: pytest.CaptureFixture[str]) -> None:
    audit_equivariance(model_from_graph(_strided(dims=2)), shifts=[1, 2], executors=["numpy"], size=12, progress=True)
    err = capsys.readouterr().err
    bar = lambda i, n: f"\r[{'#' * (30 * i // n)}{'.' * (30 - 30 * i // n)}] {i}/{n} runs"
    assert err == bar(2, 6) + bar(3, 6) + bar(4, 6) + bar(5, 6) + bar(6, 6) + "\n"


def test_no_progress_bar_on_a_terminal_for_a_small_audit(capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    audit_equivariance(model_from_graph(_strided()), shifts=[1, 2], executors=["numpy"], size=24)
    assert capsys.readouterr().err == ""


# --------------------------------------------------------------------------- measurement


def test_negative_shifts_mirror_positive_ones() -> None:
    r = audit_equivariance(model_from_graph(_strided(), seed=2), shifts=[-4, -3, -2, -1, 1, 2, 3, 4],
                           executors=["numpy"])
    sh = r.executors[0].shifts
    assert [s.equivariant for s in sh] == [True, False, True, False, False, True, False, True]
    assert all(s.max_error == 0.0 for s in sh if s.equivariant) and r.as_predicted
    assert all(s.compared == sh[-1].compared for s in sh[:1])  # |shift| 4 both ways: as many units compared


def test_exact_outputs_with_a_zero_bound_are_equivariant() -> None:
    """Max pooling alone does not round: the bound is 0, and a shift on the lattice reproduces the output exactly."""
    g = NetGraph.build([NetNode("x", "input"), NetNode("p", "pool", ("x",), Pool(2, dims=1))], dims=1)
    r = audit_equivariance(model_from_graph(g), shifts=[1, 2], executors=["numpy"])
    ex = r.executors[0]
    assert ex.tolerance == 0.0 and [s.equivariant for s in ex.shifts] == [False, True]
    assert ex.shifts[1].max_error == 0.0


def test_heat_map_and_counts_with_batch_and_channels() -> None:
    g = _strided(dims=2, out_channels=3)
    r = audit_equivariance(model_from_graph(g, seed=1), shifts=[1], executors=["numpy"], size=16, batch=2)
    ex = r.executors[0]
    assert ex.heatmap is not None and ex.heatmap.shape == (16, 16)  # output stride 2, repeated to the input grid
    worst = max(s.max_error for s in ex.shifts)
    assert ex.heatmap.max() == worst > 0
    for s in ex.shifts:
        assert s.compared % (2 * 3) == 0 and s.compared > 0  # units x batch x channels
        assert s.consistency is not None and 0 <= s.consistency < 1


def test_single_channel_output_has_no_consistency() -> None:
    r = audit_equivariance(model_from_graph(_strided()), shifts=[1, 2], executors=["numpy"])
    assert [s.consistency for s in r.executors[0].shifts] == [None, None]


@pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed")
def test_agreement_tolerance_is_twice_the_engine_bound_plus_the_measured_torch_tolerance() -> None:
    g = _strided(out_channels=2)
    m = model_from_graph(g, seed=4)
    n, M, seed = 24, 2, 9
    r = audit_equivariance(m, shifts=[1, 2], executors=["numpy", "torch"], size=n, seed=seed)
    X = np.random.default_rng(seed).standard_normal((1, 1, n + 2 * M))
    x0 = X[:, :, M:M + n]
    _, E0 = m.bounded(x0)  # type: ignore[misc]
    y64 = m.runners["torch"]("float64")(x0)
    y32 = m.runners["torch"]("float32")(x0)
    eps32 = float(np.finfo(np.float32).eps)
    t_tol = 8 * max(float(np.abs(y32 - y64).max()), eps32 * max(float(np.abs(y64).max()), float(np.abs(x0).max())))
    assert r.agreement_tolerance["torch"] == pytest.approx(2 * float(E0.max()) + t_tol, rel=1e-12, abs=0)
    assert r.agreement["torch"] <= r.agreement_tolerance["torch"]


def test_consistency_is_one_on_the_lattice_and_the_heat_map_stays_zero_without_error() -> None:
    g = NetGraph.build([NetNode("x", "input"),
                        NetNode("c", "conv", ("x",), Conv(3, padding=2, dilation=2, out_channels=3, dims=2))], dims=2)
    r = audit_equivariance(model_from_graph(g, seed=5), shifts=[1, 2], executors=["numpy"], size=12)
    ex = r.executors[0]
    assert [s.consistency for s in ex.shifts] == [1.0] * 4 and all(s.max_error == 0.0 for s in ex.shifts)
    assert ex.heatmap is not None and ex.heatmap.shape == (12, 12) and not ex.heatmap.any()


def test_heat_map_keeps_the_first_of_equally_bad_shifts() -> None:
    """An executor whose output alternates 0, 1 whatever the input: shifts 1 and 3 both miss by exactly 1."""
    g = NetGraph.build([NetNode("x", "input"), NetNode("c", "conv", ("x",), Conv(1, dims=1))], dims=1)
    n = 10

    def runner(dt: str) -> Any:
        return lambda x: np.broadcast_to((np.arange(n) % 2).astype(dt), x.shape).astype(np.float64)

    m = audit_mod.AuditModel(g, "alternating", "test", "none", (n,), 1, {"torch": runner})
    ex = audit_equivariance(m, shifts=[1, 3]).executors[0]
    assert [s.max_error for s in ex.shifts] == [1.0, 1.0]
    assert ex.heatmap is not None and ex.heatmap.tolist() == [1.0] * (n - 1) + [0.0]  # shift 1's compared units


def test_executor_audits_compare_and_print_without_their_heat_map() -> None:
    rec = (audit_mod.ShiftAudit((1,), 0.5, 0.25, 4, None, False, False),)
    a = audit_mod.ExecutorAudit("numpy", "float64", 1e-15, 0.0, rec, "derived", np.zeros(4))
    b = audit_mod.ExecutorAudit("numpy", "float64", 1e-15, 0.0, rec, "derived", np.ones(4))
    assert a == b and "heatmap" not in repr(a) and "array" not in repr(a)
    assert a != dataclasses.replace(a, tolerance=2e-15)


def test_audit_records_are_frozen_and_the_default_seed_is_zero() -> None:
    m = model_from_graph(_strided())
    r = audit_equivariance(m, shifts=[2], executors=["numpy"])
    assert r.seed == 0 and r.input_shape[0] == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.name = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.equivariant = False  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.executors[0].tolerance = 1.0  # type: ignore[misc]
