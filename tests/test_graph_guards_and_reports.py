"""Argument guards, documented limits named in refusals, hole listings, report notes and plot markers.

Expected values come from the documented limits (``MAX_WINDOW_UNITS`` = 4096
output units, ``MAX_WORK`` = 2**31 cell-taps, ``MAX_GRAPH_EDGES`` = 500 000,
``MAX_NUMERIC_WORK`` = 2**28 operations, ``MAX_CELLS`` = 2**24 cells, at most 64
listed holes) and from counts worked out by hand for kernels with two taps.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from kronconv.errors import InvalidArgument, TooLarge
from kronconv.graph import (
    analyse,
    estimate,
    hdc_rule,
    kronecker_single_path,
    numeric_path_counts,
    unit_graph,
)
from kronconv.graph.impulse import _check_factors
from kronconv.graph.plot import plot_path_counts, require_matplotlib
from kronconv.layers import Upsample
from kronconv.netgraph import NetGraph, NetNode
from kronconv.spec import Conv, Network, chain


@pytest.mark.parametrize("a", [1, 0, -3, True, "3", 2.0])
def test_kronecker_single_path_refuses_a_below_2_or_not_an_integer(a: object) -> None:
    with pytest.raises(InvalidArgument, match="a must be an integer >= 2"):
        kronecker_single_path(a, 3)  # type: ignore[arg-type]


@pytest.mark.parametrize("layers", [0, -1, True, "2", 1.0])
def test_kronecker_single_path_refuses_layers_below_1_or_not_an_integer(layers: object) -> None:
    with pytest.raises(InvalidArgument, match="layers must be a positive integer"):
        kronecker_single_path(3, layers)  # type: ignore[arg-type]


def test_kronecker_single_path_accepts_the_smallest_valid_arguments() -> None:
    # a = 2, one layer: kernel 2 with dilation 1 covers both positions once.
    assert kronecker_single_path(2, 1) is True


@pytest.mark.parametrize("rates, bad", [([0, 2], "0"), ([2, -1], "-1"), ([3, 0, 1], "0")])
def test_hdc_rule_refuses_rates_that_are_not_positive_integers(rates: list[int], bad: str) -> None:
    with pytest.raises(InvalidArgument, match=f"rates must be positive integers, got {bad}$"):
        hdc_rule(rates)


def test_window_limit_both_sides() -> None:
    net = chain(kernel=1, layers=1, dims=1)
    origin, c = unit_graph(net, window=4096).path_counts()
    assert origin == (0,) and c.tolist() == [1] * 4096
    with pytest.raises(TooLarge, match=r"has 4097 units; the limit is MAX_WINDOW_UNITS=4096"):
        unit_graph(net, window=4097)
    net2 = chain(kernel=1, layers=1, dims=2)
    assert unit_graph(net2, window=(64, 64)).path_counts()[1].shape == (64, 64)
    with pytest.raises(TooLarge, match=r"has 4160 units; the limit is MAX_WINDOW_UNITS=4096"):
        unit_graph(net2, window=(64, 65))


def test_work_refusal_names_the_documented_limit() -> None:
    # 4096 output units times a 2**20-tap kernel: 2**32 cell-taps, above MAX_WORK = 2**31.
    net = Network((Conv(1 << 20, dims=1),))
    assert estimate(net, window=4096).work == 4096 * (1 << 20) + (4096 + (1 << 20) - 1)
    with pytest.raises(TooLarge, match=r"the limit is MAX_WORK=2147483648 "):
        unit_graph(net, window=4096)


def test_networkx_edge_refusal_names_the_documented_limit() -> None:
    # 64 x 64 units, each with a 12 x 12 kernel: 589 824 edges > 500 000.
    ug = unit_graph(chain(kernel=12, layers=1, dims=2), window=(64, 64))
    assert ug.edge_count() == 64 * 64 * 144
    with pytest.raises(TooLarge, match=r"has 589824 edges; the explicit networkx graph is limited to 500000 "
                                       r"\(MAX_GRAPH_EDGES=500000\)"):
        ug.to_networkx()


def test_numeric_work_limit_both_sides() -> None:
    """One cell of input, one layer: work = 1 * (1 + output cells * taps)."""
    # 435 taps, 617 093 outputs: 1 + 268 435 455 = 2**28 operations exactly, accepted.
    net = Network((Conv(435, padding=308763, dims=1),))
    origin, c = numeric_path_counts(net, input_size=1)
    # the centred unit 308 546 reads 308 546 - 308 763 + t, t < 435: only t = 217 hits position 0
    assert origin == (0,) and c.tolist() == [1]
    # 256 taps, 2**20 outputs: 2**28 + 1 operations, refused.
    with pytest.raises(TooLarge, match=r"would need 268435457 operations; the limit is MAX_NUMERIC_WORK=268435456"):
        numeric_path_counts(Network((Conv(256, padding=524415, dims=1),)), input_size=1)


def test_numeric_cells_limit_on_one_axis() -> None:
    """A chain's 1-D factor spans its field: 17 taps 2**20 apart span 2**24 + 1 positions, refused."""
    with pytest.raises(TooLarge, match=r"array of 16777217 cells; the limit is MAX_CELLS=16777216"):
        numeric_path_counts(chain(kernel=17, dilations=[1 << 20], dims=1))


@pytest.mark.parametrize("dilation, holes", [(65, 64), (66, 65), (100, 99)])
def test_summary_lists_at_most_64_holes_and_counts_all(dilation: int, holes: int) -> None:
    """Taps 0 and d: positions 1 .. d - 1 are holes."""
    s = unit_graph(chain(kernel=2, dilations=[dilation], dims=1)).summary()
    assert s.holes == holes
    assert s.hole_positions == tuple((i,) for i in range(1, min(holes, 64) + 1))


def test_a_single_hole_counts_as_holes() -> None:
    rep = analyse(chain(kernel=2, dilations=[2], dims=1))  # taps 0 and 2: position 1 is the only hole
    assert rep.summary.holes == 1 and rep.has_holes is True and rep.ok is False
    assert "the graph finds holes" in rep.hdc_verdict()
    full = analyse(chain(kernel=2, dilations=[1], dims=1))
    assert full.summary.holes == 0 and full.has_holes is False and full.ok is True


def test_estimate_is_immutable() -> None:
    est = estimate(chain(kernel=3, layers=2, dims=1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        est.work = 0  # type: ignore[misc]


def test_trailing_upsampling_is_skipped_with_a_note_and_nothing_else_gets_one() -> None:
    nodes = [NetNode("x", "input"), NetNode("c", "conv", ("x",), Conv(3, dilation=2, dims=1)),
             NetNode("u", "upsample", ("c",), Upsample(2, dims=1))]
    rep = analyse(NetGraph.build(nodes, dims=1))
    assert rep.summary.receptive_field == (5,) and rep.summary.holes == 2
    assert any("analysed the input 'c' of the trailing 'u'" in n for n in rep.notes)
    plain = analyse(NetGraph.build(nodes[:2], dims=1))
    assert plain.summary.receptive_field == (5,)
    assert not any("upsampling" in n for n in plain.notes)


def test_numeric_check_reports_factors_that_miss_a_nonempty_cone() -> None:
    ug = unit_graph(chain(kernel=3, layers=1, dims=1))
    got = _check_factors(ug, (0,), [np.zeros(3, dtype=np.int64)])
    assert (got.ran, got.agrees) == (True, False)
    empty = unit_graph(Network((Conv(1, padding=3, dims=1),)), unit=0, input_size=2)
    for origin in [(0,), (1,), (5,)]:  # an empty cone reaches nothing, so never "outside the numeric box"
        got = _check_factors(empty, origin, [np.ones(2, dtype=np.int64)])
        assert (got.ran, got.agrees) == (True, False)
        assert got.reason == "path counts differ from the numeric impulse response"
    same = _check_factors(empty, (0,), [np.zeros(2, dtype=np.int64)])
    assert (same.ran, same.agrees) == (True, True)


@pytest.fixture()
def axes_of_plots(monkeypatch: pytest.MonkeyPatch) -> list:
    plt = require_matplotlib()
    made: list = []
    real = plt.subplots

    def spy(*args: object, **kwargs: object) -> object:
        fig, ax = real(*args, **kwargs)
        made.append(ax)
        return fig, ax

    monkeypatch.setattr(plt, "subplots", spy)
    return made


def _hole_markers(ax: object) -> set[tuple[float, float]]:
    lines = [ln for ln in ax.get_lines() if ln.get_marker() == "x"]  # type: ignore[attr-defined]
    assert len(lines) == 1
    return {(float(x), float(y)) for x, y in lines[0].get_xydata()}


def test_plot_marks_exactly_the_holes_in_1d(axes_of_plots: list, tmp_path: object) -> None:
    ug = unit_graph(chain(kernel=2, dilations=[3], dims=1))  # counts 1 0 0 1 at positions 0..3
    plot_path_counts(ug, str(tmp_path / "p.png"))  # type: ignore[operator]
    assert _hole_markers(axes_of_plots[-1]) == {(1.0, 0.0), (2.0, 0.0)}


def test_plot_marks_exactly_the_holes_in_2d(axes_of_plots: list, tmp_path: object) -> None:
    ug = unit_graph(chain(kernel=2, dilations=[2], dims=2))  # taps at the corners of a 3 x 3 box
    plot_path_counts(ug, str(tmp_path / "p.png"))  # type: ignore[operator]
    corners = {(0, 0), (0, 2), (2, 0), (2, 2)}
    want = {(float(x), float(y)) for y in range(3) for x in range(3) if (y, x) not in corners}
    assert _hole_markers(axes_of_plots[-1]) == want


def test_python_integer_work_counts_every_layer_that_writes_python_integers(monkeypatch: pytest.MonkeyPatch) -> None:
    """70 layers of kernel 2: counts C(j, x) exceed 2**62 near the input only.  The work limit on Python
    integers covers every layer reading or writing them, including the first int64 layer scattering
    into a Python-integer input: its largest accepted value is exactly that sum."""
    from kronconv.graph import cone

    net = chain(kernel=2, layers=70, dims=1)
    ug = unit_graph(net)
    big = [lev.counts.dtype == object for lev in ug.levels]
    assert big[0] and not big[-1]
    # cell-taps as in the estimate: the input node counts its cells once, every layer cells times 2 taps
    work = sum(lev.counts.size * (2 if i else 1) for i, lev in enumerate(ug.levels) if big[i] or (i and big[i - 1]))
    assert not big[sum(big)] and big[sum(big) - 1]  # a boundary layer: object input, int64 output
    monkeypatch.setattr(cone, "MAX_OBJECT_WORK", work)
    assert [int(v) for v in unit_graph(net).input.counts] == [int(v) for v in ug.input.counts]
    monkeypatch.setattr(cone, "MAX_OBJECT_WORK", work - 1)
    with pytest.raises(TooLarge, match=rf"MAX_OBJECT_WORK={work - 1}"):
        unit_graph(net)


def test_count_dtype_distrusts_a_float_pass_whose_rounding_could_reach_a_quarter() -> None:
    """The float64 pass bounds counts to within work * 2**-53 relative error; from work = 2**51 (error up to
    1/4) it is not run and every node gets Python integers; just below, small counts stay int64."""
    from kronconv.graph.cone import count_dtype
    from kronconv.graph.lattice import Estimate, _as_graph, _ops

    ops = _ops(_as_graph(chain(kernel=3, layers=2, dims=1)))  # counts at most 3: int64 if the pass runs
    at = Estimate((5, 3, 1), work=1 << 51, path_bound=1 << 63, edges=0)
    below = Estimate((5, 3, 1), work=(1 << 51) - 1, path_bound=1 << 63, edges=0)
    assert count_dtype(ops, 1, (0,), (1,), None, "zeros", at) == [object] * 3
    assert count_dtype(ops, 1, (0,), (1,), None, "zeros", below) == [np.int64] * 3
