r"""Page ``equivariance-audit.md``: the equivariance audit worked through three networks built in-process.

A dilated context module (equivariant for every shift), a strided classifier
(shift consistency well below 1) and its anti-aliased variant (a fixed
binomial blur before every subsampling, Zhang 2019's BlurPool), each audited
by :func:`kronconv.checks.audit_equivariance` on the NumPy executor with
seeded weights and inputs.

Examples
--------
>>> a, b, c = audit_models()
>>> [m.name for m in (a, b, c)]
['dilated context module', 'strided classifier', 'anti-aliased classifier']
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._text import frame, md_table, sig
from .page import DocsContext, Figure, Page

__all__ = ["SEED", "audit_models", "build"]

SEED = 2019
SHIFTS = list(range(1, 9))
BATCH = 32
SIZE = 32
WIDTH = 8


def audit_models() -> tuple[Any, Any, Any]:
    """The three :class:`~kronconv.checks.AuditModel` s of the page (seeded, deterministic)."""
    from ..checks import model_from_graph
    from ..checks.executors import random_weights
    from ..layers import GlobalPool
    from ..netgraph import NetGraph, NetNode
    from ..spec import Conv, Pool

    C = WIDTH
    ctx = [NetNode("x", "input", channels=3)]
    for i, d in enumerate((1, 2, 4, 8)):
        ctx.append(NetNode(f"ctx{d}", "conv", (ctx[-1].id,), Conv(3, dilation=d, padding=d, in_channels=3 if i == 0
                                                                  else C, out_channels=C, dims=2)))
    ctx.append(NetNode("head", "conv", (ctx[-1].id,), Conv(1, in_channels=C, out_channels=5, dims=2)))
    dilated = NetGraph.build(ctx, dims=2, name="dilated context module")

    def classifier(blur: bool) -> NetGraph:
        nodes = [NetNode("x", "input", channels=3),
                 NetNode("conv1", "conv", ("x",), Conv(3, padding=1, in_channels=3, out_channels=C, dims=2))]
        if blur:
            nodes += [NetNode("pool1", "pool", ("conv1",), Pool(2, stride=1, dims=2)),
                      NetNode("blur1", "conv", ("pool1",), Conv(3, stride=2, padding=1, in_channels=C, out_channels=C,
                                                                 groups=C, bias=False, dims=2)),
                      NetNode("conv2", "conv", ("blur1",), Conv(3, padding=1, in_channels=C, out_channels=C, dims=2)),
                      NetNode("blur2", "conv", ("conv2",), Conv(3, stride=2, padding=1, in_channels=C, out_channels=C,
                                                                 groups=C, bias=False, dims=2))]
            last = "blur2"
        else:
            nodes += [NetNode("pool1", "pool", ("conv1",), Pool(2, stride=2, dims=2)),
                      NetNode("conv2", "conv", ("pool1",), Conv(3, stride=2, padding=1, in_channels=C, out_channels=C,
                                                                 dims=2))]
            last = "conv2"
        nodes += [NetNode("conv3", "conv", (last,), Conv(3, padding=1, in_channels=C, out_channels=2 * C, dims=2)),
                  NetNode("gap", "global", ("conv3",), GlobalPool(mode="avg", dims=2)),
                  NetNode("fc", "conv", ("gap",), Conv(1, in_channels=2 * C, out_channels=10, dims=2))]
        return NetGraph.build(nodes, dims=2, name="anti-aliased classifier" if blur else "strided classifier")

    strided, aa = classifier(False), classifier(True)
    w = random_weights(strided, np.random.default_rng(SEED))
    b1 = np.array([1.0, 2.0, 1.0])
    blur = (np.broadcast_to(np.outer(b1, b1) / 16, (C, 1, 3, 3)).copy(), None)
    wa = {**w, "blur1": blur, "blur2": blur}
    return (model_from_graph(dilated, seed=SEED),
            model_from_graph(strided, seed=SEED, weights={**w, "fc": _centred_head(strided, w)}),
            model_from_graph(aa, seed=SEED, weights={**wa, "fc": _centred_head(aa, wa)}))


def _centred_head(graph: Any, w: Any) -> tuple[np.ndarray, np.ndarray]:
    """The ``fc`` weights with the mean pooled feature projected out (zero bias): the average input scores
    every class alike, so the predicted class depends on the input (a random net otherwise predicts one
    class for every input).  The mean is taken over a separate seeded calibration batch."""
    from dataclasses import replace

    from ..checks.executors import graph_forward
    from ..netgraph import NetGraph

    feats = NetGraph.build(graph.nodes, dims=2, output="gap")
    x = np.random.default_rng(SEED + 1).standard_normal((BATCH, 3, SIZE, SIZE))
    mu = graph_forward(replace(feats, output="gap"), w, x).mean(axis=0).reshape(-1)
    W = w["fc"][0].reshape(10, -1)
    W = W - np.outer(W @ mu, mu) / float(mu @ mu)
    return W.reshape(w["fc"][0].shape), np.zeros(10)


def _runs() -> list[Any]:
    from ..checks import audit_equivariance

    return [audit_equivariance(m, shifts=SHIFTS, executors=["numpy"], batch=1 if i == 0 else BATCH, seed=SEED,
                               size=40 if i == 0 else SIZE, progress=False)
            for i, m in enumerate(audit_models())]


def _fig(runs: list[Any]) -> Figure:
    def draw() -> Any:
        from matplotlib.figure import Figure as MFigure

        fig = MFigure(figsize=(10.0, 3.8))
        ax1, ax2 = fig.subplots(1, 2)
        floor = 1e-18
        for r, marker in zip(runs, ("o", "s", "^")):
            recs = [s for s in r.executors[0].shifts if s.shift[1] == 0]
            xs = [s.shift[0] for s in recs]
            ax1.plot(xs, [max(s.max_error, floor) for s in recs], marker=marker, label=r.model)
            ax2.plot(xs, [s.consistency for s in recs], marker=marker, label=r.model)
        ax1.axhline(runs[0].executors[0].tolerance, color="grey", ls="--", lw=1, label="rounding bound (dilated)")
        ax1.set_yscale("log")
        ax1.set_xlabel("shift (input pixels, axis 0)")
        ax1.set_ylabel("max interior error (exact 0 drawn at $10^{-18}$)")
        ax1.legend(fontsize=7)
        ax1.grid(True, alpha=0.3)
        ax2.set_ylim(0, 1.05)
        ax2.set_xlabel("shift (input pixels, axis 0)")
        ax2.set_ylabel("shift consistency (argmax agreement)")
        ax2.grid(True, alpha=0.3)
        fig.tight_layout()
        return fig

    return Figure("equivariance-audit", "error and shift consistency versus shift for the three audited networks",
                  draw)


def _mean_cons(r: Any) -> float:
    return float(np.mean([s.consistency for s in r.executors[0].shifts]))


def build(ctx: DocsContext) -> Page:
    """The equivariance-audit page."""
    runs = _runs()
    fig = _fig(runs)
    dil, st, aa = runs
    summary = md_table(
        ["network", "predicted lattice", "ops that break equivariance", "equivariant shifts (1..8, both axes)",
         "mean shift consistency", "as predicted"],
        [[r.model, "every shift" if r.prediction.lattice == (1, 1) else
          ("none (global pooling)" if r.prediction.global_output else "x".join(map(str, r.prediction.lattice))),
          ", ".join(f"`{b.node}`" for b in r.prediction.breaking) or "none",
          sum(s.equivariant for s in r.executors[0].shifts), f"{_mean_cons(r):.3f}",
          "yes" if r.as_predicted else "NO"] for r in runs])
    rows = []
    for i, k in enumerate(SHIFTS):
        rows.append([k, sig(dil.executors[0].shifts[i].max_error) if dil.executors[0].shifts[i].max_error else "0",
                     f"{st.executors[0].shifts[i].consistency:.3f}", f"{aa.executors[0].shifts[i].consistency:.3f}"])
    brk = "\n".join(f"- `{b.node}` ({b.op}): {b.reason}" for b in st.prediction.breaking)
    sections = [
        ("## What the audit does\n\n"
        "`kronconv check equivariance MODEL` (library: `kronconv.checks.audit_equivariance`) first *predicts* "
        "from the graph, per axis, the shifts under which the output is exactly equivariant: the multiples of "
        "the least common multiple of the cumulative strides at every node (transposed convolutions and "
        "upsampling divide the stride, so it is a fraction), the border that reads padding, and the nodes "
        "that restrict equivariance.  It then *measures*: one seeded random input, crops of it shifted by "
        "$s$, the model run on each, and the outputs compared where neither read padding.  A shift is "
        "equivariant when every compared difference stays within the tolerance: on the NumPy executor the "
        "engine's own elementwise rounding-error bound of both runs, on PyTorch and ONNX Runtime (which "
        "kronconv cannot bound) 8 times the measured float32-vs-float64 difference on the unshifted input.  "
        "Shift consistency is "
        "Zhang's (2019) classification consistency -- the fraction of samples whose predicted class is the "
        "same for both crops -- or, for a dense output, the same per pixel.  `--expect equivariant` (the "
        "default) exits 0 only when every tested shift is equivariant; `--expect predicted` exits 0 when "
        "every tested shift behaves as predicted."),
        "## Three networks\n\n"
        f"All built in-process with seeded He-normal weights (seed {SEED}), {WIDTH} channels, ReLU after every "
        "convolution but the last, NumPy executor, float64:\n\n"
        "- **dilated context module**: four 3x3 convolutions with dilations 1, 2, 4, 8 (zero padding keeping the "
        f"size) and a 1x1 head, a 40x40 input;\n"
        f"- **strided classifier**: conv, 2x2 max pool (stride 2), stride-2 conv, conv, global average pooling, "
        "a centred linear head to 10 logits (the mean pooled feature of a seeded calibration batch projected "
        f"out, so that the predicted class depends on the input); a batch of {BATCH} {SIZE}x{SIZE} inputs;\n"
        "- **anti-aliased classifier**: the same weights, but the max pool has stride 1 and is followed by a "
        "fixed 3x3 binomial blur with stride 2, and the stride-2 conv becomes a stride-1 conv followed by the "
        "same blur (Zhang 2019's MaxBlurPool and BlurPool).\n\n" + summary
        + "\n\nThe ops the audit lists for the strided classifier:\n\n" + brk,
        "## Error and consistency against the shift\n\n"
        "Shifts along the first axis (the second axis behaves alike; the summary counts both):\n\n"
        + md_table(["shift", "dilated: max interior error", "strided: consistency", "anti-aliased: consistency"],
                   rows)
        + "\n\n" + fig.markdown() + "\n\n"
        "The dilated module commutes with every shift exactly (the shifted crop runs the same floating-point "
        "operations on the interior, so the difference is 0).  Neither classifier is equivariant -- global "
        "pooling over a crop sees different content, and subsampling sees a different phase -- but blurring "
        "before subsampling makes the prediction much more stable: the consistency rises from "
        f"{_mean_cons(st):.3f} to {_mean_cons(aa):.3f} on average over these shifts.  The same audit runs on "
        "an ONNX file (`onnxruntime` executor, the model's own weights) or a PyTorch module "
        "(`--torch MODULE:ATTR --input-shape N,C,H,W`, `torch` executor); see also "
        "[translation equivariance](translation-equivariance.md).",
    ]
    text = frame("Equivariance audit", "Does a model stay shift-equivariant? The graph's prediction against "
                 "measurement, for a dilated context module, a strided classifier and its anti-aliased variant.",
                 sections, ["zhang", "azulay", "yu-koltun"], "kronconv docs --out docs")
    return Page("equivariance-audit", "Equivariance audit",
                "predicted shift lattice vs measurement; anti-aliasing and shift consistency", text, (fig,))
