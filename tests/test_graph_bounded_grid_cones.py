"""Cones on a bounded input grid, every padding mode, convolutions and pools mixed.

Reference: a brute-force walk from every output unit of the window back to
the input, one tap at a time, folding each position outside ``[0, size)`` by
the padding mode written out step by step (zeros drop it, circular wraps it,
replicate clamps it, reflect mirrors it about the edge samples until it lies
inside); pools always drop (they pad with their neutral element).  The
number of ways a unit reaches an input position is its path count.  The
work estimate's per-node array sizes are checked against the arrays the
cone actually builds.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.graph import estimate, numeric_path_counts, unit_graph
from kronconv.spec import Conv, Network, Pool

MODES = ("zeros", "circular", "reflect", "replicate")


def _fold(x: int, n: int, mode: str) -> int | None:
    """Input position read at ``x`` on a grid of ``n`` cells, or ``None`` when it is dropped."""
    if 0 <= x < n:
        return x
    if mode == "zeros":
        return None
    if mode == "circular":
        return x % n
    if mode == "replicate":
        return 0 if x < 0 else n - 1
    if n == 1:
        return 0
    while not 0 <= x < n:  # reflect about the first and last sample, repeatedly
        x = -x if x < 0 else 2 * (n - 1) - x
    return x


def _out_size(n: int, k: int, d: int, s: int, p: int) -> int:
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def _brute(layers: list[tuple[str, int, int, int, int]], n: int, unit: int, window: int,
           mode: str) -> Counter[int]:
    """Path counts at the input of units ``unit .. unit + window - 1`` (1-D chain)."""
    sizes = [n]
    for _kind, k, d, s, p in layers:
        sizes.append(_out_size(sizes[-1], k, d, s, p))
    cur: Counter[int] = Counter({u: 1 for u in range(unit, unit + window)})
    for i in range(len(layers) - 1, -1, -1):
        kind, k, d, s, p = layers[i]
        nxt: Counter[int] = Counter()
        for pos, cnt in cur.items():
            for t in range(k):
                x = _fold(pos * s - p + t * d, sizes[i], "zeros" if kind == "pool" else mode)
                if x is not None:
                    nxt[x] += cnt
        cur = nxt
    return cur


@st.composite
def _case(draw: st.DrawFn) -> tuple[Network, list[tuple[str, int, int, int, int]], int, int, int, str]:
    layers: list[tuple[str, int, int, int, int]] = []
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.integers(0, 3)) == 0:
            k = draw(st.integers(1, 3))
            layers.append(("pool", k, 1, draw(st.integers(1, 2)), draw(st.integers(0, k // 2))))
        else:
            k, d = draw(st.integers(1, 3)), draw(st.integers(1, 4))
            layers.append(("conv", k, d, draw(st.integers(1, 2)), draw(st.integers(0, d * (k - 1) + 1))))
    n = draw(st.integers(1, 14))
    size = n
    for _kind, k, d, s, p in layers:
        size = _out_size(size, k, d, s, p)
        if size < 1:  # too small a grid for this chain: shrink the chain instead of rejecting
            layers = layers[:1]
            n = max(n, layers[0][1] * layers[0][2])
            size = _out_size(n, *layers[0][1:])
            break
    window = draw(st.integers(1, size))
    unit = draw(st.integers(0, size - window))
    mode = draw(st.sampled_from(MODES))
    net = Network(tuple(Pool(k, stride=s, padding=p, dims=1) if kind == "pool"
                        else Conv(k, dilation=d, stride=s, padding=p, dims=1)
                        for kind, k, d, s, p in layers))
    return net, layers, n, unit, window, mode


def _as_counter(origin: tuple[int, ...], dense: np.ndarray) -> Counter[int]:
    return Counter({origin[0] + i: int(v) for i, v in enumerate(dense.tolist()) if v})


@settings(max_examples=100, deadline=None)
@given(_case())
def test_bounded_cone_counts_equal_a_brute_force_walk(case: tuple) -> None:
    net, layers, n, unit, window, mode = case
    want = _brute(layers, n, unit, window, mode)
    ug = unit_graph(net, unit=unit, window=window, input_size=n, padding_mode=mode)
    origin, dense = ug.path_counts()
    assert _as_counter(origin, dense) == want
    assert all(0 <= p < n for p in want)
    norigin, ndense = numeric_path_counts(net, unit=unit, window=window, input_size=n, padding_mode=mode)
    assert _as_counter(norigin, np.asarray(ndense)) == want


@settings(max_examples=100, deadline=None)
@given(_case())
def test_estimated_cells_are_the_cells_the_cone_builds(case: tuple) -> None:
    """The estimate sizes every node's array from boxes alone; the sweep builds the arrays: they agree,
    with 0 for a node the cone never reaches."""
    net, _layers, n, unit, window, mode = case
    ug = unit_graph(net, unit=unit, window=window, input_size=n, padding_mode=mode)
    built = tuple(0 if lev is None else int(lev.counts.size) for lev in ug.levels)
    est = estimate(net, unit=unit, window=window, input_size=n, padding_mode=mode)
    assert est.cells == built
    assert est.work == sum(c * k for c, k in zip(built, [1] + [math.prod(lay.kernel) for lay in net.layers]))


def test_a_unit_reading_only_padding_has_an_empty_cone_with_zero_estimated_cells() -> None:
    """A 1-tap kernel with padding 3 on a 2-cell grid: output unit 0 reads position -3 only."""
    net = Network((Conv(1, padding=3, dims=1),))
    ug = unit_graph(net, unit=0, input_size=2)
    assert ug.levels[0] is None
    assert estimate(net, unit=0, input_size=2).cells == (0, 1)
    s = ug.summary()
    assert (s.receptive_field, s.holes, s.hole_positions, s.total_paths) == ((0,), 0, (), 0)
