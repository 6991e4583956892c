"""Refusals of bad constructor arguments: the fixed layer kind, transposed-convolution groups, node input lists.

Each refusal is an :class:`~kronconv.errors.InvalidSpec` whose message names
the argument and the bad value; the smallest accepted value passes.
"""

from __future__ import annotations

import pytest

from kronconv.errors import InvalidSpec
from kronconv.layers import ConvTranspose, GlobalPool, Upsample
from kronconv.netgraph import NetNode
from kronconv.spec import MAX_CHANNELS, Conv, Pool


@pytest.mark.parametrize(("cls", "args", "kind"), [
    (Conv, (3,), "conv"), (Pool, (2,), "pool"), (ConvTranspose, (2,), "convt"), (Upsample, (2,), "upsample"),
    (GlobalPool, (), "global")])
def test_the_layer_kind_is_fixed_by_the_class(cls: type, args: tuple, kind: str) -> None:
    # ``kind`` names the class (it is the node op :func:`from_network` gives the layer); no caller may set it
    assert cls(*args).kind == kind
    with pytest.raises(TypeError, match="kind"):
        cls(*args, kind="conv" if kind != "conv" else "pool")


@pytest.mark.parametrize("groups", [0, -1])
def test_convtranspose_refuses_groups_below_one(groups: int) -> None:
    with pytest.raises(InvalidSpec, match=rf"groups must be an integer in \[1, {MAX_CHANNELS}\], got {groups}$"):
        ConvTranspose(3, in_channels=2, out_channels=2, groups=groups, dims=1)


def test_convtranspose_accepts_groups_one_and_the_largest_divisor() -> None:
    assert ConvTranspose(3, in_channels=4, out_channels=6, groups=1, dims=1).groups == 1
    assert ConvTranspose(3, in_channels=4, out_channels=6, groups=2, dims=1).groups == 2
    with pytest.raises(InvalidSpec, match="groups=4 must divide in_channels=4 and out_channels=6"):
        ConvTranspose(3, in_channels=4, out_channels=6, groups=4, dims=1)


@pytest.mark.parametrize("inputs", ["x", "xy"])
def test_netnode_refuses_a_string_as_its_input_list(inputs: str) -> None:
    # a bare string is a sequence of characters, not a list of node ids
    with pytest.raises(InvalidSpec, match=rf"node 'c': inputs must be a list of node ids, got '{inputs}'"):
        NetNode("c", "conv", inputs, Conv(3, dims=1))  # type: ignore[arg-type]


@pytest.mark.parametrize("inputs", [("x", 3), (None,), (b"x",)])
def test_netnode_refuses_input_ids_that_are_not_strings(inputs: tuple) -> None:
    with pytest.raises(InvalidSpec, match="node 'm': inputs must be a list of node ids"):
        NetNode("m", "add", inputs)


def test_netnode_accepts_a_list_of_string_ids() -> None:
    assert NetNode("m", "add", ["a", "b"]).inputs == ("a", "b")  # type: ignore[arg-type]
