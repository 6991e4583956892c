"""The per-axis field table of a 2-D network against the dependency support of each axis, recomputed.

Each axis of a 2-D convolution stack acts independently, so on every axis the input units an
output unit depends on are found by composing 0/1 tap matrices built from the layer definition
``y[u] = sum_j x[u*s + j*d - p]``.  The table's receptive field, effective stride, offset and
centre after every layer, its JSON form (one number where the axes agree, else one per axis) and
the output sizes must match that support.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.formulas import network_fields, network_output_size
from kronconv.spec import Conv, Network

axis_st = st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 2), st.integers(0, 2))  # k, d, s, p


def _tap_matrix(size: int, k: int, d: int, s: int, p: int) -> np.ndarray:
    starts = range(0, size + 2 * p - (d * (k - 1) + 1) + 1, s)  # windows inside the padded input
    m = np.zeros((len(starts), size), dtype=np.int64)
    for u, start in enumerate(starts):
        for j in range(k):
            src = start + j * d - p
            if 0 <= src < size:
                m[u, src] += 1
    return m


def _support_after_each_layer(params: list[tuple[int, int, int, int]], n: int) -> list[tuple[int, int, int, int]]:
    """Per layer: (field, jump, left edge of unit 0, output size), from the support of interior units."""
    mats, size = [], n
    for k, d, s, p in params:
        mats.append(_tap_matrix(size, k, d, s, p))
        size = mats[-1].shape[0]
    out = []
    for i, m in enumerate(mats):
        u0 = m.shape[0] // 2  # a middle unit and its neighbour: fields far from the padded edges
        dep = m[[u0, u0 + 1]]
        for below in reversed(mats[:i]):
            dep = dep @ below
        (lo0, hi0), (lo1, hi1) = ((nz.min(), nz.max()) for nz in (np.nonzero(row)[0] for row in dep))
        assert 0 < lo0 and hi1 < n - 1, "input too short for the drawn layers"
        jump = lo1 - lo0
        out.append((int(hi0 - lo0 + 1), int(jump), int(lo0 - u0 * jump), m.shape[0]))
    return out


@given(st.lists(st.tuples(axis_st, axis_st), min_size=1, max_size=4))
@settings(max_examples=50)
def test_every_axis_of_the_table_matches_its_dependency_support(layers) -> None:
    net = Network(tuple(Conv(kernel=(a[0], b[0]), dilation=(a[1], b[1]), stride=(a[2], b[2]),
                             padding=(a[3], b[3])) for a, b in layers))
    ft = network_fields(net)
    n = 400  # long enough for two output units with fields inside the input after four such layers
    per_axis = [_support_after_each_layer([layer[ax] for layer in layers], n) for ax in (0, 1)]
    sizes = network_output_size(net, n)
    table = ft.to_dict()
    for i in range(len(layers)):
        want = [per_axis[ax][i] for ax in (0, 1)]
        assert ft.receptive_field(i) == [w[0] for w in want]
        assert ft.effective_stride(i) == [w[1] for w in want]
        assert ft.offset(i) == [w[2] for w in want]
        assert ft.centre(i) == [w[2] + (w[0] - 1) / 2 for w in want]  # midpoint of unit 0's field
        assert sizes[i] == [w[3] for w in want]
        row = table["layers"][i]
        for key, col in (("receptive_field", 0), ("effective_stride", 1), ("offset", 2)):
            vals = [w[col] for w in want]
            assert row[key] == (vals[0] if vals[0] == vals[1] else vals)
        centres = [w[2] + (w[0] - 1) / 2 for w in want]
        assert row["centre"] == (centres[0] if centres[0] == centres[1] else centres)
        assert row["index"] == i and row["parameters"] == net.layers[i].weight_count + net.layers[i].bias_count
    last = [per_axis[ax][-1] for ax in (0, 1)]
    assert ft.receptive_field() == [w[0] for w in last] and ft.centre() == [w[2] + (w[0] - 1) / 2 for w in last]
    for key, vals in (("receptive_field", [w[0] for w in last]), ("effective_stride", [w[1] for w in last]),
                      ("offset", [w[2] for w in last]), ("centre", [w[2] + (w[0] - 1) / 2 for w in last])):
        assert table[key] == (vals[0] if vals[0] == vals[1] else vals), key
    assert table["parameters"] == net.parameter_count and table["dims"] == 2


def test_field_rows_are_immutable_values() -> None:
    import dataclasses

    from kronconv.formulas import chain_fields

    rows = chain_fields([3, 3], [1, 2], [1, 1], [1, 2])
    again = chain_fields([3, 3], [1, 2], [1, 1], [1, 2])
    assert rows == again and hash(rows[-1]) == hash(again[-1]) and len({*rows, *again}) == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        rows[-1].receptive_field = 8  # type: ignore[misc]
    assert rows[-1].receptive_field == 7
