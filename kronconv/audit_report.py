"""The equivariance audit rendered: text, Markdown and JSON (:func:`render_audit`), and its figure (:func:`plot_audit`).

Pure functions over an :class:`~kronconv.checks.AuditResult`; the figure needs
matplotlib (imported inside :func:`plot_audit`) and is written atomically.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

from .atomic import atomic_write, check_writable
from .checks import AuditResult
from .errors import BackendUnavailable
from .render import table, to_json

__all__ = ["audit_summary", "plot_audit", "render_audit", "short_number"]


def short_number(v: Any) -> str:
    """A number as printed in audit and check tables: 3 significant digits, `-` for none, `inf`."""
    if v is None:
        return "-"
    if isinstance(v, float):
        return "inf" if math.isinf(v) else f"{v:.3g}"
    return str(v)


def audit_summary(r: AuditResult) -> str:
    """One line: equivariant or not, and whether as the graph predicts."""
    p = r.prediction
    lat = "none (global pooling)" if p.global_output else "x".join(str(v) for v in p.lattice)
    bad = sorted({",".join(map(str, s.shift)) for a in r.executors for s in a.shifts if not s.equivariant})
    wrong = sorted({",".join(map(str, s.shift)) for a in r.executors for s in a.shifts if not s.matches})
    head = "equivariant at every tested shift" if r.equivariant else \
        f"NOT equivariant at shift(s) {'; '.join(bad[:8])}{' ...' if len(bad) > 8 else ''}"
    tail = f"as predicted (lattice {lat})" if r.as_predicted else \
        f"NOT as predicted (lattice {lat}) at shift(s) {'; '.join(wrong[:8])}"
    return f"equivariance audit of {r.model}: {head} - {tail}"


def render_audit(r: AuditResult, fmt: str) -> str:
    """Text, Markdown or JSON for an :class:`~kronconv.checks.AuditResult`."""
    if fmt == "json":
        return to_json(r.to_dict())
    p = r.prediction
    info = (f"{r.source} model, weights {r.weights}, input {'x'.join(map(str, r.input_shape))}, seed {r.seed}; "
            f"output stride {'x'.join(map(str, p.output_stride))}, border {[list(b) for b in p.border]}")
    brk = "\n".join(f"  {b.node} ({b.op}): {b.reason}" for b in p.breaking) or "  none"
    rows = []
    for a in r.executors:
        for s in a.shifts:
            rows.append([a.executor, ",".join(map(str, s.shift)), short_number(s.max_error), short_number(s.mean_error), short_number(a.tolerance),
                         short_number(s.consistency), "yes" if s.equivariant else "no", "yes" if s.predicted else "no",
                         "yes" if s.matches else "NO"])
    headers = ["executor", "shift", "max error", "mean error", "tolerance", "consistency", "equivariant",
               "predicted", "as predicted"]
    agree = "; ".join(f"{e} vs {r.executors[0].executor}: {short_number(v)} (tolerance {short_number(r.agreement_tolerance[e])})"
                      for e, v in r.agreement.items())
    if fmt == "md":
        return (f"**{audit_summary(r)}**\n\n{info}\n\nops that break equivariance:\n\n{brk}\n\n"
                + table(headers, rows, "md") + (f"\n\nexecutors agree: {agree}" if agree else "")
                + f"\n\n{r.note}")
    return (f"{audit_summary(r)}\n{info}\nops that break equivariance:\n{brk}\n" + table(headers, rows, "text")
            + (f"\nexecutors agree: {agree}" if agree else "") + f"\nnote: {r.note}")


def plot_audit(r: AuditResult, path: str | Path) -> None:
    """Error vs shift per axis (predicted lattice marked) and a heat map of the largest deviation; PNG/SVG/PDF."""
    out = check_writable(path, "--plot")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise BackendUnavailable("--plot needs matplotlib: pip install 'kronconv[docs]'") from None
    a0 = r.executors[0]
    D = len(r.input_shape) - 2
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    ax = axes[0]
    for a in r.executors:
        for d in range(D):
            pts = [(s.shift[d], s.max_error) for s in a.shifts if all(v == 0 for i, v in enumerate(s.shift) if i != d)]
            ax.semilogy([k for k, _ in pts], [max(v, 1e-18) for _, v in pts], "o-", ms=3,
                        label=f"{a.executor}, axis {d}")
        ax.axhline(a.tolerance, ls=":", lw=0.8, color="grey")
    for d, L in enumerate(r.prediction.lattice):
        if L is not None:
            ks = sorted({s.shift[d] for s in a0.shifts})
            for k in ks:
                if k % L == 0:
                    ax.axvline(k, color="tab:green", alpha=0.25, lw=3)
    ax.set_xlabel("shift (input pixels); green: predicted lattice")
    ax.set_ylabel("max interior error")
    ax.legend(fontsize=7)
    hm = a0.heatmap
    ax = axes[1]
    if hm is not None and hm.ndim >= 1:
        img = hm if hm.ndim == 2 else (hm[None, :] if hm.ndim == 1 else hm.max(axis=tuple(range(2, hm.ndim))))
        im = ax.imshow(img, aspect="auto", cmap="magma")
        fig.colorbar(im, ax=ax)
    ax.set_title(f"where the deviation lives ({a0.executor}, worst shift)", fontsize=9)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format=out.suffix.lstrip(".").lower() or "png", dpi=110)
    plt.close(fig)
    atomic_write(out, buf.getvalue(), "--plot")
