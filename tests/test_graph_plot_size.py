"""The path-count plot has the canvas size and resolution its docstring states.

The PNG is read byte by byte (IHDR for the pixel size, pHYs for the resolution), so the check needs
no image library.  ``bbox_inches="tight"`` crops the empty margin, so the pixel size is checked to lie
between 80 % and 100 % of the stated canvas in the direction the drawing fills (an image keeps its
aspect ratio, so a tall field fills the height and a wide one the width; a short title keeps the
drawing inside the canvas)."""

from __future__ import annotations

import struct

import pytest

from kronconv.graph import plot_path_counts, unit_graph
from kronconv.spec import Conv, Network, chain

DPI = 120
CANVAS_IN = {1: (6, 4), 2: (6, 5), 3: (6, 5)}  # (width, height) in inches, per field dimension


def _png_size_and_dpi(data: bytes) -> tuple[int, int, float]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    at = data.find(b"pHYs")
    assert at > 0, "the PNG records no resolution"
    per_metre_x, per_metre_y, unit = struct.unpack(">IIB", data[at + 4:at + 13])
    assert unit == 1 and per_metre_x == per_metre_y  # metres, square pixels
    return width, height, per_metre_x * 0.0254


def _square(dims: int, dilations: list[int]) -> tuple[Network, int, bool, bool]:
    return chain(kernel=3, dilations=dilations, dims=dims), dims, True, True


def _two_layers(kernel: tuple[int, int]) -> Network:
    return Network(layers=(Conv(kernel=kernel, dims=2), Conv(kernel=kernel, dims=2)))


CASES = [
    # (network, field dimension, fills the canvas width, fills the canvas height)
    _square(1, [1, 3, 9]), _square(2, [2, 2]), _square(3, [2, 2]),
    (_two_layers((9, 3)), 2, False, True),  # a tall field: the height limits the drawing
    (_two_layers((17, 3)), 2, False, True),
    (_two_layers((3, 9)), 2, True, False),  # a wide field: the width limits it
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_plot_has_the_stated_canvas_and_resolution(tmp_path, case: int) -> None:
    pytest.importorskip("matplotlib", reason="plotting needs matplotlib (the docs extra)")
    net, dims, fills_width, fills_height = CASES[case]
    out = tmp_path / "p.png"
    plot_path_counts(unit_graph(net), str(out), title="t")
    width, height, dpi = _png_size_and_dpi(out.read_bytes())
    # pHYs stores whole pixels per metre: 120 dpi is 4724 px/m, read back within 0.0254/2 dpi
    assert abs(dpi - DPI) <= 0.0254 / 2 + 1e-9
    w_in, h_in = CANVAS_IN[dims]
    assert (0.8 if fills_width else 0.0) * w_in * DPI <= width <= w_in * DPI
    assert (0.8 if fills_height else 0.0) * h_in * DPI <= height <= h_in * DPI
