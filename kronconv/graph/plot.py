"""Plot the input-level path-count map of a cone, holes marked (matplotlib, loaded lazily)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..atomic import atomic_write
from .unitgraph import UnitGraph

__all__ = [
    "plot_path_counts",
    "require_matplotlib",
]

def require_matplotlib() -> Any:
    """Return :mod:`matplotlib.pyplot` (Agg backend) or raise :class:`~kronconv.errors.BackendUnavailable`."""
    from ..errors import BackendUnavailable

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise BackendUnavailable(
            "plotting needs matplotlib, which is not installed: pip install 'kronconv[docs]' "
            "(or pip install matplotlib)") from None
    return plt


def plot_path_counts(ug: UnitGraph, path: str, title: str | None = None) -> None:
    """Draw the input-level path-count map with holes marked, as a PNG (needs matplotlib).

    1-D: bars of the count per position, holes as red crosses on the axis;
    2-D: an image of the counts (holes white) with red crosses on holes;
    3-D: the central slice of the field.  Drawn on a canvas 6 in wide and 4 in (1-D) or 5 in (2-D, 3-D)
    tall, saved at 120 dpi (a PNG of 720 x 480 or 720 x 600 pixels before the empty margin is
    cropped; the PNG records the 120 dpi).  Written atomically.

    Raises
    ------
    BackendUnavailable
        If matplotlib is not installed (``pip install 'kronconv[docs]'``).
    """
    plt = require_matplotlib()
    origin, counts = ug.path_counts()
    s = ug.summary()
    c = np.asarray(counts, dtype=float)
    org = list(origin)
    if c.ndim == 3:
        mid = c.shape[0] // 2
        c = c[mid]
        org = org[1:]
    fig, ax = plt.subplots(figsize=(6, 4 if c.ndim == 1 else 5))
    try:
        if c.ndim == 1:
            xs = np.arange(len(c)) + org[0]
            ax.bar(xs, c, width=1.0, color="tab:blue", edgecolor="white", linewidth=0.3)
            hx = xs[c == 0]
            ax.plot(hx, np.zeros(len(hx)), "x", color="red", label=f"holes ({s.holes})")
            ax.set_xlabel("input position")
            ax.set_ylabel("paths")
            if len(hx):
                ax.legend()
        elif c.size:
            extent = (org[1] - 0.5, org[1] + c.shape[1] - 0.5, org[0] + c.shape[0] - 0.5, org[0] - 0.5)
            holes_mask = np.ma.masked_equal((c == 0).astype(float), 0)
            ax.imshow(holes_mask, cmap="Greys", vmin=0, vmax=4, extent=extent, interpolation="nearest")
            im = ax.imshow(np.ma.masked_equal(c, 0), cmap="viridis", extent=extent, interpolation="nearest")
            fig.colorbar(im, ax=ax, label="paths")
            hy, hx = np.nonzero(c == 0)
            if len(hx):
                label = f"holes ({s.holes}, grey)"
                if len(hx) <= 400:
                    ax.plot(hx + org[1], hy + org[0], "x", color="red", markersize=3, label=label)
                else:
                    ax.plot([], [], "s", color="0.75", label=label)
                ax.legend(loc="upper right", fontsize=8)
            ax.set_xlabel("input position (axis 1)")
            ax.set_ylabel("input position (axis 0)")
        rf = "x".join(map(str, s.receptive_field))
        ax.set_title(title or f"{ug.graph.name or 'network'}: field {rf}, {s.holes} holes, "
                              f"coverage {float(s.coverage):.1%}, max {s.max_paths} paths", fontsize=9)
        atomic_write(path, lambda fh: fig.savefig(fh, format="png", dpi=120, bbox_inches="tight"), "--plot")
    finally:
        plt.close(fig)
