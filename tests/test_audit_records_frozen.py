"""The audit's result records are immutable: a printed verdict cannot be changed after the audit."""
from __future__ import annotations

import dataclasses

import pytest

from kronconv.checks import audit_equivariance, model_from_graph
from kronconv.netgraph import NetGraph, NetNode
from kronconv.spec import Conv


def test_audit_result_and_executor_records_refuse_assignment() -> None:
    net = NetGraph.build([NetNode("x", "input"), NetNode("c", "conv", ("x",), Conv(3, dims=1))], dims=1)
    res = audit_equivariance(model_from_graph(net, seed=0), shifts=[1], executors=["numpy"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.equivariant = not res.equivariant  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.executors[0].tolerance = 0.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.executors[0].shifts[0].equivariant = False  # type: ignore[misc]
