r"""The equivariance audit of a model: the graph's prediction against measurement on shifted crops.

:func:`audit_equivariance` takes an :class:`AuditModel` (a
:class:`~kronconv.netgraph.NetGraph` plus the executors that can run it:
``numpy`` -- kronconv's engine with seeded random weights --, ``torch`` and
``onnxruntime`` with the model's own weights), draws one seeded random input
``X`` wider than the model's input by the largest shift, and for every shift
:math:`s` compares the model on the crop at offset :math:`m + s` with the
model on the crop at offset :math:`m`: output unit :math:`i` of the shifted
crop against unit :math:`i + s / J` of the base crop (:math:`J` the output
stride; both outputs are repeated to a common grid when :math:`s / J` is not
whole).  Only units that read no padding in either run are compared
(:func:`~kronconv.checks.executors.graph_taint`).

The comparison tolerance: on the ``numpy`` executor (float64) the engine's
own elementwise rounding-error bound of both runs
(:func:`~kronconv.checks.executors.graph_forward` ``with_bound``); on
``torch`` and ``onnxruntime``, which kronconv cannot bound, **8 times the
measured float32-vs-float64 difference** of the executor's output on the
unshifted crop (at least 8 float32 ulps of the largest output) for each run,
so a shifted and an unshifted run may differ by twice that -- never a bare
constant, never zero.  A shift is *equivariant* when every compared
difference is within the sum of the two runs' tolerances.  The
prediction is :func:`~kronconv.checks.prediction.predict_equivariance`.
Shift consistency (Zhang 2019) is the fraction of compared units (per sample
for a classifier, per pixel for a dense output) whose argmax over channels
agrees between the two crops.

Examples
--------
>>> from kronconv.netgraph import NetGraph, NetNode
>>> from kronconv.spec import Conv, Pool
>>> g = NetGraph.build([NetNode("x", "input"), NetNode("c", "conv", ("x",), Conv(3, padding=1, dims=1)),
...                     NetNode("p", "pool", ("c",), Pool(2, dims=1))], dims=1)
>>> r = audit_equivariance(model_from_graph(g), shifts=[1, 2, 3, 4], size=32)
>>> [(s.shift, s.equivariant, s.predicted) for s in r.executors[0].shifts]
[((1,), False, False), ((2,), True, True), ((3,), False, False), ((4,), True, True)]
>>> r.equivariant, r.as_predicted
(False, True)
"""

from __future__ import annotations

import importlib.util
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import BackendUnavailable, InvalidArgument, InvalidSpec
from ..layers import ConvTranspose, GlobalPool, layer_output_size
from ..netgraph import NetGraph
from ..numeric import MAX_BYTES, MAX_WORK, check_limits
from ..spec import Conv, Pool
from .executors import graph_forward, graph_taint, numpy_supports, random_weights, torch_module
from .prediction import EquivariancePrediction, predict_equivariance, shift_predicted

__all__ = ["EXECUTORS", "AuditModel", "AuditResult", "ExecutorAudit", "ShiftAudit", "audit_equivariance",
           "model_from_graph", "model_from_onnx", "model_from_torch"]

EXECUTORS = ("numpy", "torch", "onnxruntime")
#: The tolerance is this multiple of the measured float32-vs-float64 difference.
TOLERANCE_FACTOR = 8
_EPS32 = float(np.finfo(np.float32).eps)

Runner = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class AuditModel:
    """A graph and the executors that run it: ``runners[name](dtype)`` returns ``x -> y``."""

    graph: NetGraph
    name: str
    source: str
    weights: str
    input_size: tuple[int, ...] | None
    in_channels: int
    runners: dict[str, Callable[[str], Runner]] = field(compare=False)
    #: ``x -> (y, E)`` in float64 with the engine's rounding-error bound (the numpy executor), where available.
    bounded: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] | None = field(default=None, compare=False)


def _torch_available() -> bool:
    """Whether PyTorch is installed, found without importing it (the import takes seconds; the torch
    executor imports it when it runs)."""
    if "torch" in sys.modules:
        return True
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):
        return False


def model_from_graph(graph: NetGraph, *, seed: int = 0, name: str = "", source: str = "spec",
                     weights: dict[str, tuple[np.ndarray, np.ndarray | None]] | None = None) -> AuditModel:
    """A spec graph with seeded He-normal weights (``weights`` overrides them per node id); executors
    ``numpy`` and (when installed) ``torch``."""
    w = {**random_weights(graph, np.random.default_rng(seed)), **(weights or {})}
    runners: dict[str, Callable[[str], Runner]] = {}
    bounded = None
    if numpy_supports(graph) is None:
        runners["numpy"] = lambda dt: (lambda x: graph_forward(graph, w, x.astype(dt)))
        bounded = lambda x: graph_forward(graph, w, x.astype(np.float64), with_bound=True)
    if _torch_available():
        def tr(dt: str) -> Runner:
            import torch
            mod = torch_module(graph, w, dt)

            def run(x: np.ndarray) -> np.ndarray:
                with torch.no_grad():
                    return mod(torch.tensor(x, dtype=getattr(torch, dt))).double().numpy()
            return run
        runners["torch"] = tr
    what = f"seeded random (He-normal, seed {seed})" + (f"; fixed for {', '.join(sorted(weights))}" if weights else "")
    return AuditModel(graph, name or graph.name or "graph", source, what,
                      None, graph.nodes[0].channels, runners, bounded)


def model_from_onnx(path: str, *, input_shape: Sequence[int] | None = None) -> AuditModel:
    """An ONNX file: the graph from :func:`kronconv.from_onnx`, executor ``onnxruntime`` with its own weights."""
    from ..importers import read_onnx
    from .executors import onnx_runner

    imp = read_onnx(path, input_shape=input_shape)
    g = imp.graph
    return AuditModel(g, g.name or str(path), "onnx", "the model's own (ONNX initializers)", imp.input_size,
                      g.nodes[0].channels, {"onnxruntime": lambda dt: onnx_runner(path, dt)})


def model_from_torch(module: Any, input_shape: Sequence[int]) -> AuditModel:
    """A ``torch.nn.Module``: the graph from :func:`kronconv.from_torch`, executor ``torch`` with its own weights."""
    import copy

    import torch

    from ..importers import read_torch

    imp = read_torch(module, tuple(input_shape))
    g = imp.graph

    def tr(dt: str) -> Runner:
        mod = copy.deepcopy(module).to(getattr(torch, dt)).eval()

        def run(x: np.ndarray) -> np.ndarray:
            with torch.no_grad():
                return mod(torch.tensor(x, dtype=getattr(torch, dt))).double().numpy()
        return run
    return AuditModel(g, g.name or type(module).__name__, "torch", "the model's own (state dict)",
                      imp.input_size, g.nodes[0].channels, {"torch": tr})


@dataclass(frozen=True)
class ShiftAudit:
    """One shift, one executor."""

    shift: tuple[int, ...]
    max_error: float
    mean_error: float
    compared: int
    consistency: float | None
    equivariant: bool
    predicted: bool

    @property
    def matches(self) -> bool:
        return self.equivariant == self.predicted


@dataclass(frozen=True)
class ExecutorAudit:
    """All shifts on one executor, with its tolerance and how it was obtained."""

    executor: str
    dtype: str
    tolerance: float
    float32_vs_float64: float
    shifts: tuple[ShiftAudit, ...]
    tolerance_method: str = "measured"
    heatmap: np.ndarray | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"executor": self.executor, "dtype": self.dtype, "tolerance": self.tolerance,
                "tolerance_method": self.tolerance_method,
                "float32_vs_float64": self.float32_vs_float64,
                "shifts": [{"shift": list(s.shift), "max_error": s.max_error, "mean_error": s.mean_error,
                            "compared": s.compared, "consistency": s.consistency, "equivariant": s.equivariant,
                            "predicted": s.predicted, "matches_prediction": s.matches} for s in self.shifts]}


@dataclass(frozen=True)
class AuditResult:
    """The audit: prediction, per-executor measurements, both verdicts and the executors' agreement."""

    model: str
    source: str
    weights: str
    input_shape: tuple[int, ...]
    seed: int
    prediction: EquivariancePrediction
    executors: tuple[ExecutorAudit, ...]
    equivariant: bool
    as_predicted: bool
    agreement: dict[str, float]
    agreement_tolerance: dict[str, float]
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {"check": "equivariance-audit", "model": self.model, "source": self.source, "weights": self.weights,
                "input_shape": list(self.input_shape), "seed": self.seed, "prediction": self.prediction.to_dict(),
                "executors": [e.to_dict() for e in self.executors],
                "verdicts": {"equivariant": self.equivariant, "as_predicted": self.as_predicted},
                "agreement": self.agreement, "agreement_tolerance": self.agreement_tolerance,
                "note": self.note}


def _cost(graph: NetGraph, shape: tuple[int, ...]) -> tuple[int, int]:
    """(multiply-adds, bytes in float64) of one forward pass."""
    B = shape[0]
    sizes: dict[str, tuple[int, ...]] = {}
    chans: dict[str, int] = {}
    work, nbytes = 0, 0
    for node, c in zip(graph.nodes, graph.channels or [n.channels for n in graph.nodes]):
        L = node.layer
        if node.op == "input":
            sz = tuple(shape[2:])
        elif L is not None:
            src = sizes[node.inputs[0]]
            try:
                sz = tuple(layer_output_size(L, a, n, where=f"node {node.id!r}") for a, n in enumerate(src))
            except InvalidSpec as exc:
                raise InvalidArgument(f"input size {list(shape[2:])}: {exc}") from None
        else:
            sz = sizes[node.inputs[0]]
        sizes[node.id] = sz
        chans[node.id] = c
        units = B * c * math.prod(sz)
        nbytes += 8 * units
        if isinstance(L, (Conv, ConvTranspose)):
            work += units * (L.in_channels // L.groups) * math.prod(L.kernel)  # type: ignore[arg-type]
        elif isinstance(L, Pool):
            work += units * math.prod(L.kernel)  # type: ignore[arg-type]
        elif isinstance(L, GlobalPool):
            work += B * c * math.prod(sizes[node.inputs[0]])
        else:
            work += units
    return work, nbytes


def _progress(i: int, n: int, on: bool) -> None:
    if not on:
        return
    w = 30
    k = w * i // n
    sys.stderr.write(f"\r[{'#' * k}{'.' * (w - k)}] {i}/{n} runs")
    if i == n:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _upgrid(y: np.ndarray, reps: Sequence[int]) -> np.ndarray:
    for a, r in enumerate(reps):
        if r > 1:
            y = np.repeat(y, r, axis=y.ndim - len(reps) + a)
    return y


def audit_equivariance(model: AuditModel, *, shifts: Sequence[int] | None = None,
                       executors: Sequence[str] | None = None, size: int | None = None, batch: int = 1,
                       seed: int = 0, max_bytes: int | None = MAX_BYTES, max_work: int | None = MAX_WORK,
                       progress: bool | None = None) -> AuditResult:
    """Predict and measure the shift equivariance of ``model`` (see the module docstring).

    ``shifts`` are integers applied along each axis in turn (default
    ``1 .. max(2 L, 4)``, ``L`` the largest predicted period); ``size`` the
    input size per axis when the model does not fix it (default: twice the
    border plus 16, rounded up to the period).  The work, ``inputs x shifts x
    model cost``, is estimated first and refused over ``max_work`` /
    ``max_bytes`` (:class:`~kronconv.errors.TooLarge`).
    """
    g = model.graph
    D = g.dims
    pred = predict_equivariance(g)
    period = max((L or 4) for L in pred.lattice)
    if shifts is None or len(shifts) == 0:
        shift_ints = list(range(1, max(2 * period, 4) + 1))
    else:
        if len(shifts) > 64:
            raise InvalidArgument(f"at most 64 shifts, got {len(shifts)}")
        shift_ints = [int(s) for s in shifts]
        if any(abs(s) > 4096 for s in shift_ints):
            raise InvalidArgument(f"shifts must lie in -4096..4096, got {shift_ints}")
    names = list(model.runners) if executors is None else list(executors)
    for e in names:
        if e not in EXECUTORS:
            raise InvalidArgument(f"executor must be one of {', '.join(EXECUTORS)}, got {e!r}")
        if e not in model.runners:
            why = {"torch": "PyTorch is not installed (pip install 'kronconv[torch]')" if not _torch_available()
                   else "this model has no torch form (give --torch MODULE:ATTR)",
                   "onnxruntime": "only .onnx models run on onnxruntime",
                   "numpy": numpy_supports(g) or f"a {model.source} model's weights are not in kronconv's graph"}[e]
            raise BackendUnavailable(f"executor {e!r} is not available for this model: {why}")
    if not names:
        raise BackendUnavailable("no executor can run this model (install torch or onnxruntime)")
    if not 1 <= batch <= 4096:
        raise InvalidArgument(f"batch must be in 1..4096, got {batch}")
    M = max(abs(s) for s in shift_ints)
    if model.input_size is not None:
        n = model.input_size
    elif size is not None:
        if not 1 <= size <= 1 << 16:
            raise InvalidArgument(f"size must be in 1..65536, got {size}")
        n = (size,) * D
    else:
        base = max(sum(b) for b in pred.border) + 16 + 2 * M
        n = (-(-base // period) * period,) * D
    in_shape = (batch, model.in_channels) + tuple(n)
    work, nbytes = _cost(g, in_shape)
    runs = len(names) * (2 + len(shift_ints) * D)
    check_limits(3 * nbytes, work * runs, max_bytes=max_bytes, max_work=max_work,
                 what=f"the equivariance audit ({runs} forward passes: {len(names)} executor(s) x "
                      f"({len(shift_ints)} shifts x {D} axes + 2))")
    # the bar: asked for, or by default on a terminal for runs above 10**8 multiply-adds
    show = (sys.stderr.isatty() and work * runs > 10**8) if progress is None else progress
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, model.in_channels) + tuple(v + 2 * M for v in n))
    crop = lambda off: X[(slice(None), slice(None)) + tuple(slice(o, o + v) for o, v in zip(off, n))]
    x0 = crop((M,) * D)
    taint = graph_taint(g, tuple(n))
    J = pred.output_stride
    reps = [j.numerator for j in J]
    denom = [j.denominator for j in J]
    T = _upgrid(taint, reps)
    audits: list[ExecutorAudit] = []
    base_outputs: dict[str, np.ndarray] = {}
    tols: dict[str, float] = {}
    done = 0
    def fit(y: np.ndarray) -> np.ndarray:  # a classifier's (N, C) output as (N, C, 1, ..., 1)
        return y.reshape(y.shape + taint.shape) if y.ndim == 2 and math.prod(taint.shape) == 1 else y

    def shaped(run: Runner) -> Runner:
        return lambda x: fit(run(x))

    for e in names:
        run64 = shaped(model.runners[e]("float64"))
        run32 = shaped(model.runners[e]("float32"))
        y64 = run64(x0)
        y32 = run32(x0)
        done += 2
        _progress(done, runs, show)
        diff = float(np.max(np.abs(y32 - y64))) if y64.size else 0.0
        scale = max(float(np.max(np.abs(y64))) if y64.size else 0.0, float(np.max(np.abs(x0))))
        tol = TOLERANCE_FACTOR * max(diff, _EPS32 * scale)
        meas_dt = "float32" if e == "onnxruntime" else "float64"
        run = run32 if meas_dt == "float32" else run64
        y0 = y32 if meas_dt == "float32" else y64
        bound = model.bounded if e == "numpy" else None
        E0 = None
        if bound is not None:  # the engine bounds its own rounding: compare against the bound, elementwise
            y0, E0 = (fit(v) for v in bound(x0))
            tol = float(2 * E0.max()) if E0.size else 0.0
        base_outputs[e], tols[e] = y64, tol
        if y0.shape[2:] != taint.shape:
            raise InvalidArgument(f"executor {e} gives an output of spatial size {list(y0.shape[2:])}, the graph "
                                  f"predicts {list(taint.shape)}")
        Y0 = _upgrid(y0, reps)
        heat = np.zeros(Y0.shape[2:])
        worst_tol = 0.0
        recs = []
        for ax in range(D):
            for k in shift_ints:
                s = tuple(k if a == ax else 0 for a in range(D))
                xs = crop(tuple(M + v for v in s))
                if bound is not None:
                    ys, Es = (fit(v) for v in bound(xs))
                else:
                    ys = run(xs)
                done += 1
                _progress(done, runs, show)
                Ys = _upgrid(ys, reps)
                # the shift on the common grid; a global output is compared unit for unit
                d = [0 if pred.global_output else v * q for v, q in zip(s, denom)]
                src = tuple(slice(max(0, -v), Ys.shape[2 + a] - max(0, v)) for a, v in enumerate(d))
                dst = tuple(slice(max(0, v), Ys.shape[2 + a] - max(0, -v)) for a, v in enumerate(d))
                if pred.global_output:
                    mask = np.ones(Ys.shape[2:], dtype=bool)[src]
                else:
                    mask = ~T[src] & ~T[dst]
                a_ = Ys[(slice(None), slice(None)) + src]
                b_ = Y0[(slice(None), slice(None)) + dst]
                if not mask.any():
                    raise InvalidArgument(f"no interior output left for shift {list(s)} at input size {list(n)}: "
                                          f"use a larger --size (border {[list(b) for b in pred.border]})")
                err = np.abs(a_ - b_)
                if bound is not None:
                    lim = _upgrid(Es, reps)[(slice(None), slice(None)) + src] + \
                        _upgrid(E0, reps)[(slice(None), slice(None)) + dst]
                    within = bool(np.all((err <= lim)[(slice(None), slice(None)) + (mask,)]))
                    tol_here = float(lim[(slice(None), slice(None)) + (mask,)].max())
                else:
                    # each run is within tol of the exact output, so the two runs differ by at most 2 tol
                    within, tol_here = bool(err[(slice(None), slice(None)) + (mask,)].max() <= 2 * tol), 2 * tol
                em = err.max(axis=(0, 1))
                sel = em[mask]
                errs = err[(slice(None), slice(None)) + (mask,)] if mask.ndim else err
                cons = None
                if ys.shape[1] > 1:
                    agree = np.argmax(a_, axis=1) == np.argmax(b_, axis=1)
                    cons = float(agree[:, mask].mean())
                mx = float(sel.max())
                hm = np.where(mask, em, 0.0)
                if float(heat.max()) < mx:
                    heat = np.zeros(Y0.shape[2:])
                    heat[src] = hm
                recs.append(ShiftAudit(s, mx, float(errs.mean()), int(mask.sum()) * ys.shape[0] * ys.shape[1],
                                       cons, within, shift_predicted(pred, s)))
                worst_tol = max(worst_tol, tol_here)
        method = ("derived: the engine's elementwise rounding-error bound of both runs" if bound is not None else
                  f"measured: twice (one per run) {TOLERANCE_FACTOR} x the float32-vs-float64 difference on the "
                  "unshifted input")
        audits.append(ExecutorAudit(e, meas_dt, worst_tol, diff, tuple(recs),
                                    method, heat))
    ref = names[0]
    agreement = {e: float(np.max(np.abs(base_outputs[e] - base_outputs[ref]))) for e in names[1:]}
    agree_tol = {e: tols[e] + tols[ref] for e in names[1:]}
    allrec = [r for a in audits for r in a.shifts]
    notes = [(f"output stride {[str(j) for j in J]}; predicted equivariant for shifts that are multiples of "
              f"{[v if v is not None else 'none (global pooling)' for v in pred.lattice]} per axis"),
             "compared: shifted crops of one random input, units that read no padding in either crop"]
    if any(a.executor == "numpy" for a in audits):
        notes.append("numpy executor: ReLU after every convolution that is not the output")
    return AuditResult(model.name, model.source, model.weights, in_shape, seed, pred, tuple(audits),
                       all(r.equivariant for r in allrec), all(r.matches for r in allrec), agreement, agree_tol,
                       "; ".join(notes))

