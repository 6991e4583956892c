r"""The rounding-error bounds are neither below the true error nor vacuous.

Adversarial input: a float32 window ``1, u, u, ..., u`` (``u = 2**-24``) summed by
a ``k``-tap kernel of ones on the tap-by-tap path.  Each ``1 + u`` is a tie that
rounds to even (back to 1), so the computed sum is 1 and the true error is
exactly :math:`(k - 1) u`, while :math:`\gamma_k \sum |w||x|` is
:math:`k u (1 + (k - 1) u) / (1 - k u)`: the bound over the error is
:math:`k / (k - 1)` up to :math:`O(k u)`.  A bound with one term fewer would be
off by that factor, so the term count is pinned from both sides.  For cascades
the bound is recomputed here from its definition with an explicit-sum correlation.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.numeric import cascade_with_bound
from kronconv.numeric.correlation import correlate_with_bound, correlation_plan
from kronconv.numeric.geometry import conv_geometry

U32 = 2.0**-24
U64 = 2.0**-53


def _gamma(n: int, u: float) -> Fraction:
    nu = n * Fraction(u)
    return nu / (1 - nu)


def _adversarial(k: int, windows: int = 4) -> tuple[np.ndarray, np.ndarray]:
    x = np.full((1, 1, windows * k), U32, dtype=np.float32)
    x[..., ::k] = 1.0
    return x, np.ones((1, 1, k), dtype=np.float32)


@pytest.mark.parametrize("k", [2, 3, 8, 17, 33])
def test_bound_over_true_error_is_k_over_k_minus_1_on_ties_to_even(k: int) -> None:
    x, w = _adversarial(k)
    geo = conv_geometry(x.shape, w.shape, stride=k)
    assert correlation_plan(geo, np.float32, "direct").path == "taps"  # sums tap by tap, in order
    y, e, plan = correlate_with_bound(x, w, stride=k, method="direct")
    assert plan.terms == k
    assert y.ravel().tolist() == [1.0] * 4  # every 1 + u rounded back to 1
    exact = 1 + (k - 1) * Fraction(U32)
    err = exact - 1
    for v in e.ravel().tolist():
        assert Fraction(v) >= err  # not below the true error
        want = _gamma(k, U32) * exact  # gamma_k * sum |w||x|, evaluated exactly
        assert want <= Fraction(v) <= want * (1 + Fraction(1, 10**9))  # the stated bound, only inflated
        ratio = Fraction(v) / err
        assert Fraction(k, k - 1) <= ratio <= Fraction(k, k - 1) * (1 + Fraction(4 * k, 2**24))


@pytest.mark.parametrize("k", [3, 9])
def test_cascade_bound_is_tight_on_an_adversarial_first_layer(k: int) -> None:
    # a second layer of one tap of weight 1 is exact; the bound only adds gamma_1 * |y|
    x, w = _adversarial(k)
    y, e = cascade_with_bound(x, [w, np.ones((1, 1, 1), np.float32)], [1, 1])
    err = (k - 1) * U32
    first = y[0, 0, 0]
    assert first == 1.0 and e[0, 0, 0] >= err
    assert e[0, 0, 0] <= err * (k / (k - 1)) * (1 + 1e-5) + 2 * U32  # + gamma_1 of the second layer


def _excess_in_u64(bound: float, gamma_k: float, magnitude: Fraction) -> Fraction:
    """How far ``bound`` exceeds ``gamma_k * magnitude``, in units of float64's unit roundoff."""
    return (Fraction(bound) / (Fraction(gamma_k) * magnitude) - 1) / Fraction(U64)


@pytest.mark.parametrize("k", [2, 5, 16])
def test_bound_inflation_counts_the_float64_operations_of_its_evaluation(k: int) -> None:
    r"""The float64 evaluation of the bound is inflated by 1 / (1 - 2 N u64), N = k + 4 ops per layer.

    The magnitudes here are exact in float64, so what the bound exceeds
    :math:`\gamma_k \sum |w||x|` by is the inflation, :math:`2 N u_{64}`, up to
    three roundings (the inflation factor and two products).
    """
    x, w = _adversarial(k)
    gamma_k = (k * U32) / (1 - k * U32)
    mag = 1 + (k - 1) * Fraction(U32)
    _, e, _ = correlate_with_bound(x, w, stride=k, method="direct")
    _, ec = cascade_with_bound(x, [w], [1])
    for v in (float(e[0, 0, 0]), float(ec[0, 0, 0])):
        assert abs(_excess_in_u64(v, gamma_k, mag) - 2 * (k + 4)) <= Fraction(7, 2)


def _corr_explicit(x: np.ndarray, w: np.ndarray, d: int) -> np.ndarray:
    nb, _, n = x.shape
    o, _, k = w.shape
    m = n - d * (k - 1)
    y = np.zeros((nb, o, m))
    for t in range(k):
        y += np.einsum("oc,bcm->bom", w[:, :, t], x[:, :, d * t:d * t + m])
    return y


@settings(max_examples=25)
@given(seed=st.integers(0, 2**32 - 1), layers=st.integers(1, 3), channels=st.integers(1, 3),
       k=st.integers(1, 4), dtype=st.sampled_from(["float32", "float64"]))
def test_cascade_bound_equals_its_definition(seed: int, layers: int, channels: int, k: int, dtype: str) -> None:
    r"""E_l = gamma(n_l) (|W_l| * |y_{l-1}|) + |W_l| * E_{l-1}, n_l = C k, times the float64 inflation."""
    rng = np.random.default_rng(seed)
    ds = [int(rng.integers(1, 4)) for _ in range(layers)]
    ws = [rng.standard_normal((channels, channels, k)).astype(dtype) for _ in range(layers)]
    x = rng.standard_normal((1, channels, sum(d * (k - 1) for d in ds) + 5)).astype(dtype)
    u = U32 if dtype == "float32" else U64
    y, e = cascade_with_bound(x, ws, ds)
    ref_y, ref_e = x, None
    ops = 0
    for w, d in zip(ws, ds):
        wa = np.abs(w.astype(np.float64))
        n = channels * k
        ops += n + 4
        step = float(_gamma(n, u)) * _corr_explicit(np.abs(ref_y.astype(np.float64)), wa, d)
        ref_e = step if ref_e is None else _corr_explicit(ref_e, wa, d) + step
        ref_y = _corr_explicit(ref_y.astype(np.float64), w.astype(np.float64), d).astype(dtype)
    ref_e = ref_e / (1 - 2 * ops * U64)
    # the intermediate values differ by one float rounding (the reference rounds a float64 sum), so
    # rtol 1e-5; one term fewer in any layer's n = C k <= 12 changes the bound by at least 1/12
    np.testing.assert_allclose(e, ref_e, rtol=1e-5, atol=0)
    # the computed output is inside its bound around the float64 explicit sum (up to that sum's own rounding)
    exact = x.astype(np.float64)
    for w, d in zip(ws, ds):
        exact = _corr_explicit(exact, w.astype(np.float64), d)
    assert (np.abs(y.astype(np.float64) - exact) <= e * (1 + 1e-6) + 1e-12).all()


@pytest.mark.parametrize("k", [3, 8])
@pytest.mark.parametrize("bias", [False, True])
def test_forward_bound_counts_the_bias_as_one_more_term(k: int, bias: bool) -> None:
    from kronconv.numeric import forward
    from kronconv.spec import Conv

    x, w = _adversarial(k)
    b = np.zeros(1, np.float32) if bias else None
    r = forward(x, [Conv(k, stride=k, dims=1, bias=bias)], [(w, b)], with_bound=True)
    assert r.output.ravel().tolist() == [1.0] * 4
    n = k + (1 if bias else 0)
    err = (k - 1) * Fraction(U32)
    ratio = Fraction(float(r.bound[0, 0, 0])) / err
    want = _gamma(n, U32) * (1 + err) / err  # gamma_n * sum |w||x| (+ |b| = 0) over the true error
    assert want <= ratio <= want * (1 + Fraction(1, 10**9))


def test_kronecker_kernel_rounding_needs_its_term() -> None:
    r"""One product per entry (L = 2, C = 1) can lose u |K|: the term gamma_m |K_abs| with m = (L-1) C = 1.

    :math:`(1 + 2^{-12})^2 = 1 + 2^{-11} + 2^{-24}` is a float32 tie that rounds to even,
    :math:`1 + 2^{-11}`; so no bound with :math:`m = 0` covers the computed kernel.
    """
    from kronconv.kronecker import kron_channels

    p = np.float32(1 + 2.0**-12)
    w = np.array([[[p, 0.0]]], dtype=np.float32)
    k = kron_channels([w, w])
    exact = Fraction(float(p)) ** 2
    err = abs(Fraction(float(k[0, 0, 0])) - exact)
    assert err == Fraction(U32)
    assert err <= _gamma(1, U32) * exact <= err * (1 + Fraction(1, 2**10))


@pytest.mark.parametrize("layers, channels", [(2, 1), (3, 2), (2, 3)])
def test_equivalence_bound_counts_l_minus_1_times_c_kernel_roundings(monkeypatch, layers: int,
                                                                      channels: int) -> None:
    """The Kronecker side's bound uses gamma_{n_K} and gamma_m with n_K = a^{LD} C, m = (L - 1) C."""
    import kronconv.checks.equivalence as eq

    seen: list[int] = []
    real = eq.gamma

    def spy(n: int, u: float) -> float:
        seen.append(n)
        return real(n, u)

    monkeypatch.setattr(eq, "gamma", spy)
    r = eq.check_equivalence(layers=layers, kernel=2, dims=1, channels=channels, dtype="float32", backend="numpy")
    assert r.holds
    assert seen == [(layers - 1) * channels]  # the numpy path: gamma_{n_K} comes with correlate_with_bound


@pytest.mark.parametrize("k", [3, 8])
@pytest.mark.parametrize("bias", [False, True])
def test_graph_executor_bound_is_tight_and_counts_the_bias(k: int, bias: bool) -> None:
    from kronconv.checks.executors import graph_forward
    from kronconv.netgraph import NetGraph, NetNode
    from kronconv.spec import Conv

    x, w = _adversarial(k)
    g = NetGraph.build([NetNode("input", "input", channels=1),
                        NetNode("c", "conv", ("input",), Conv(k, stride=k, dims=1, bias=bias))], dims=1)
    y, e = graph_forward(g, {"c": (w, np.zeros(1, np.float32) if bias else None)}, x, with_bound=True)
    assert y.ravel().tolist() == [1.0] * 4
    err = (k - 1) * Fraction(U32)
    want = _gamma(k + (1 if bias else 0), U32) * (1 + err) / err
    ratio = Fraction(float(e[0, 0, 0])) / err
    assert want <= ratio <= want * (1 + Fraction(1, 10**9))
