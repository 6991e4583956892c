"""kronconv's numpy graph engine has no dilated pooling: it refuses such graphs (naming the node) instead
of pooling contiguous windows, so audits run them on PyTorch alone."""

from __future__ import annotations

import numpy as np
import pytest

from kronconv.checks.executors import graph_forward, numpy_supports, random_weights
from kronconv.errors import InvalidArgument
from kronconv.netgraph import graph_from_dict


def _pool_graph(dilation: int) -> object:
    return graph_from_dict({"dims": 1, "nodes": [
        {"id": "x", "op": "input"},
        {"id": "p", "op": "pool", "inputs": ["x"], "kernel": 2, "stride": 1, "dilation": dilation}]})


def test_dilated_pool_is_refused_by_the_numpy_engine() -> None:
    g = _pool_graph(3)
    assert numpy_supports(g) == "node 'p': dilated pooling is not in kronconv's engine"
    with pytest.raises(InvalidArgument, match=r"dilated pooling is not in kronconv's engine"):
        graph_forward(g, random_weights(g, np.random.default_rng(0)), np.arange(6.0).reshape(1, 1, 6))


def test_undilated_pool_runs_with_windows_of_adjacent_units() -> None:
    g = _pool_graph(1)
    assert numpy_supports(g) is None
    y = graph_forward(g, random_weights(g, np.random.default_rng(0)), np.array([[[1.0, 5.0, 2.0, 0.0]]]))
    assert y.tolist() == [[[5.0, 5.0, 2.0]]]
