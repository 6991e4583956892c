"""What the path-count plot draws: bars or image on the field's input positions, holes marked, the title.

The figure is captured when it is saved and read back through matplotlib's own
accessors (bar rectangles, image arrays and extents, line data, legend and
title text); the expected values come from the cone's counts and summary and
from hole positions counted by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from kronconv.graph import plot_path_counts, unit_graph
from kronconv.spec import chain

matplotlib = pytest.importorskip("matplotlib")


@pytest.fixture
def saved_figures(monkeypatch):
    """The figures saved by the code under test (matplotlib.figure.Figure.savefig recorded, then run)."""
    from matplotlib.figure import Figure

    figs = []
    original = Figure.savefig

    def record(self, *args, **kwargs):
        figs.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", record)
    return figs


def test_1d_plot_draws_one_bar_per_position_and_crosses_on_the_holes(tmp_path, saved_figures):
    # kernel 3, dilations 2, 2, 2: field -6 .. 6 around the unit's own position (padding 2 per layer)
    ug = unit_graph(chain(kernel=3, dilations=[2, 2, 2], paddings=[2], dims=1))
    plot_path_counts(ug, str(tmp_path / "p.png"))
    (fig,) = saved_figures
    ax = fig.axes[0]
    bars = ax.patches
    assert [round(b.get_x() + b.get_width() / 2) for b in bars] == list(range(-6, 7))
    assert [b.get_height() for b in bars] == [1, 0, 3, 0, 6, 0, 7, 0, 6, 0, 3, 0, 1]
    (holes,) = [ln for ln in ax.lines if ln.get_marker() == "x"]
    assert list(holes.get_xdata()) == [-5, -3, -1, 1, 3, 5] and list(holes.get_ydata()) == [0] * 6
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["holes (6)"]
    assert ax.get_title() == "network: field 13, 6 holes, coverage 53.8%, max 7 paths"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("input position", "paths")
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"


def test_1d_plot_without_holes_has_no_legend_and_takes_a_title(tmp_path, saved_figures):
    ug = unit_graph(chain(kernel=3, layers=2, dims=1))
    plot_path_counts(ug, str(tmp_path / "p.png"), title="two layers")
    ax = saved_figures[0].axes[0]
    assert [b.get_height() for b in ax.patches] == [1, 2, 3, 2, 1]
    assert ax.get_legend() is None and ax.get_title() == "two layers"


def test_2d_plot_images_the_counts_on_the_field_box(tmp_path, saved_figures):
    # 2-D gridding: field 5 x 5 from -2 .. 2 on both axes (padding 2), holes where either coordinate is odd
    ug = unit_graph(chain(kernel=3, dilations=[2], paddings=[2], dims=2))
    plot_path_counts(ug, str(tmp_path / "p.png"))
    ax = saved_figures[0].axes[0]
    mask, image = ax.images
    # extent (left, right, bottom, top): columns -2 .. 2 (axis 1), rows -2 .. 2 downwards (axis 0)
    assert tuple(image.get_extent()) == (-2.5, 2.5, 2.5, -2.5) == tuple(mask.get_extent())
    counts = np.ma.filled(image.get_array(), 0)
    want = np.zeros((5, 5))
    want[::2, ::2] = 1
    assert np.array_equal(counts, want)
    assert np.array_equal(~np.ma.getmaskarray(mask.get_array()), want == 0)  # the grey layer shows the holes
    (holes,) = [ln for ln in ax.lines if ln.get_marker() == "x"]
    got = sorted(zip(holes.get_ydata().tolist(), holes.get_xdata().tolist()))
    assert got == sorted((y, x) for y in range(-2, 3) for x in range(-2, 3) if y % 2 or x % 2)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["holes (16, grey)"]
    assert ax.get_title() == "network: field 5x5, 16 holes, coverage 36.0%, max 1 paths"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("input position (axis 1)", "input position (axis 0)")
    assert fig_colorbar_label(saved_figures[0]) == "paths"


def fig_colorbar_label(fig) -> str:
    (cax,) = [a for a in fig.axes if a is not fig.axes[0]]
    return cax.get_ylabel()


def test_2d_plot_of_a_field_off_the_origin_uses_its_own_box(tmp_path, saved_figures):
    # no padding, unit (3, 1): rows 3 .. 5, columns 1 .. 5 for a 3 x 5 kernel
    from kronconv.spec import Conv, Network

    ug = unit_graph(Network((Conv((3, 5), dims=2),)), unit=(3, 1))
    plot_path_counts(ug, str(tmp_path / "p.png"))
    ax = saved_figures[0].axes[0]
    assert tuple(ax.images[1].get_extent()) == (0.5, 5.5, 5.5, 2.5)
    assert not [ln for ln in ax.lines if ln.get_marker() == "x"] and ax.get_legend() is None


def test_2d_plot_with_many_holes_shows_a_legend_swatch_instead_of_crosses(tmp_path, saved_figures):
    # dilation 30 on a 2-tap kernel: field 31 x 31 with 4 reached positions -> 957 holes (> 400)
    ug = unit_graph(chain(kernel=2, dilations=[30], dims=2))
    plot_path_counts(ug, str(tmp_path / "p.png"))
    ax = saved_figures[0].axes[0]
    assert not [ln for ln in ax.lines if ln.get_marker() == "x" and len(ln.get_xdata())]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["holes (957, grey)"]


def test_3d_plot_shows_the_central_slice(tmp_path, saved_figures):
    ug = unit_graph(chain(kernel=3, layers=2, dims=3))  # counts = outer product of [1, 2, 3, 2, 1]
    plot_path_counts(ug, str(tmp_path / "p.png"))
    ax = saved_figures[0].axes[0]
    h = np.array([1, 2, 3, 2, 1])
    assert np.array_equal(np.ma.filled(ax.images[1].get_array(), 0), 3 * np.outer(h, h))
    assert tuple(ax.images[1].get_extent()) == (-0.5, 4.5, 4.5, -0.5)
    assert ax.get_title() == "network: field 5x5x5, 0 holes, coverage 100.0%, max 27 paths"


@pytest.mark.parametrize("dilation, holes, crosses", [((3, 100), 400, True), ((4, 80), 401, False)])
def test_2d_plot_marks_up_to_400_holes_with_crosses(tmp_path, saved_figures, dilation, holes, crosses):
    # a 2 x 2 kernel dilated by (dy, dx) reaches 4 of the (dy + 1)(dx + 1) positions of its field
    from kronconv.spec import Conv, Network

    ug = unit_graph(Network((Conv(2, dilation=dilation, dims=2),)))
    assert ug.summary().holes == holes
    plot_path_counts(ug, str(tmp_path / "p.png"))
    ax = saved_figures[0].axes[0]
    marked = [ln for ln in ax.lines if ln.get_marker() == "x"]
    assert (len(marked) == 1 and len(marked[0].get_xdata()) == holes) is crosses
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [f"holes ({holes}, grey)"]


def test_2d_plot_marks_holes_at_their_row_and_column(tmp_path, saved_figures):
    # a 3 x 3 kernel dilated by 2, no padding, unit (3, 1): rows 3 .. 7, columns 1 .. 5, reached where both
    # offsets are even
    from kronconv.spec import Conv, Network

    ug = unit_graph(Network((Conv(3, dilation=2, dims=2),)), unit=(3, 1))
    plot_path_counts(ug, str(tmp_path / "p.png"))
    ax = saved_figures[0].axes[0]
    assert tuple(ax.images[1].get_extent()) == (0.5, 5.5, 7.5, 2.5)
    (holes,) = [ln for ln in ax.lines if ln.get_marker() == "x"]
    got = sorted(zip(holes.get_ydata().tolist(), holes.get_xdata().tolist()))
    assert got == sorted((y, x) for y in range(3, 8) for x in range(1, 6) if (y - 3) % 2 or (x - 1) % 2)


def test_3d_plot_of_an_uneven_field_slices_the_middle_of_axis_0(tmp_path, saved_figures):
    # two layers of a 3 x 2 x 2 kernel: counts = outer product of [1, 2, 3, 2, 1], [1, 2, 1], [1, 2, 1];
    # the middle of axis 0 is index 2, where the first factor is 3
    from kronconv.spec import Conv, Network

    ug = unit_graph(Network((Conv((3, 2, 2), dims=3),) * 2))
    plot_path_counts(ug, str(tmp_path / "p.png"))
    ax = saved_figures[0].axes[0]
    h = np.array([1, 2, 1])
    assert np.array_equal(np.ma.filled(ax.images[1].get_array(), 0), 3 * np.outer(h, h))
    assert tuple(ax.images[1].get_extent()) == (-0.5, 2.5, 2.5, -0.5)
    assert ax.get_title() == "network: field 5x3x3, 0 holes, coverage 100.0%, max 12 paths"
