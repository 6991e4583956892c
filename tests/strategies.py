"""Hypothesis strategies shared by the test modules: shapes, dilations, channels, shifts, conv cases.

Arrays are generated from a drawn seed with NumPy's generator (fast, and
shrinking acts on the seed and the shape parameters); values are small
integers where tests need exact arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

__all__ = [
    "ConvCase",
    "channels_groups",
    "conv_cases",
    "dilations",
    "dims",
    "float_array",
    "int_array",
    "kernel_shapes",
    "padding_modes",
    "random_nets",
    "seeds",
    "shifts",
    "spatial_shapes",
    "strides",
]


def dims() -> st.SearchStrategy[int]:
    """Number of spatial axes: 1, 2 or 3."""
    return st.integers(1, 3)


def spatial_shapes(d: int, min_side: int = 1, max_side: int = 9) -> st.SearchStrategy[tuple[int, ...]]:
    """A spatial shape with ``d`` axes."""
    return st.tuples(*[st.integers(min_side, max_side)] * d)


def kernel_shapes(d: int, max_side: int = 4) -> st.SearchStrategy[tuple[int, ...]]:
    """Kernel sizes per axis (even sizes included: they exercise the 'same' convention)."""
    return spatial_shapes(d, 1, max_side)


def dilations(d: int, max_dilation: int = 4) -> st.SearchStrategy[tuple[int, ...]]:
    """Per-axis dilations >= 1."""
    return st.tuples(*[st.integers(1, max_dilation)] * d)


def strides(d: int, max_stride: int = 3) -> st.SearchStrategy[tuple[int, ...]]:
    """Per-axis strides >= 1."""
    return st.tuples(*[st.integers(1, max_stride)] * d)


@st.composite
def channels_groups(draw: Any, max_groups: int = 3, max_per_group: int = 3) -> tuple[int, int, int]:
    """``(in_channels, out_channels, groups)`` with ``groups`` dividing both."""
    g = draw(st.integers(1, max_groups))
    return g * draw(st.integers(1, max_per_group)), g * draw(st.integers(1, max_per_group)), g


def shifts(d: int, max_abs: int = 8) -> st.SearchStrategy[tuple[int, ...]]:
    """A per-axis shift (negative values included)."""
    return st.tuples(*[st.integers(-max_abs, max_abs)] * d)


def seeds() -> st.SearchStrategy[int]:
    return st.integers(0, 2**32 - 1)


def padding_modes() -> st.SearchStrategy[str]:
    return st.sampled_from(["valid", "same", "full", "circular"])


@dataclass(frozen=True)
class ConvCase:
    """One valid correlation problem: shapes and parameters (arrays come from ``seed``)."""

    batch: int
    cin: int
    cout: int
    groups: int
    size: tuple[int, ...]
    kernel: tuple[int, ...]
    dilation: tuple[int, ...]
    stride: tuple[int, ...]
    padding: str
    seed: int

    @property
    def x_shape(self) -> tuple[int, ...]:
        return (self.batch, self.cin) + self.size

    @property
    def w_shape(self) -> tuple[int, ...]:
        return (self.cout, self.cin // self.groups) + self.kernel

    def kwargs(self) -> dict[str, Any]:
        return {"dilation": self.dilation, "stride": self.stride, "padding": self.padding, "groups": self.groups}


@st.composite
def conv_cases(draw: Any, max_dims: int = 3, max_side: int = 9) -> ConvCase:
    """A correlation problem whose output is non-empty in its padding mode."""
    d = draw(st.integers(1, max_dims))
    cin, cout, g = draw(channels_groups())
    ks = draw(kernel_shapes(d))
    ds = draw(dilations(d, 3))
    mode = draw(padding_modes())
    ext = [dd * (k - 1) + 1 for k, dd in zip(ks, ds)]
    lo = [e if mode == "valid" else 1 for e in ext]
    size = tuple(draw(st.integers(min(l, 12), max(min(l, 12), max_side))) for l in lo)
    if mode == "valid":
        # keep the case valid: shrink the dilation where the drawn size is too small
        ds = tuple(dd if s >= dd * (k - 1) + 1 else max(1, (s - 1) // max(k - 1, 1)) for s, k, dd in zip(size, ks, ds))
        ks = tuple(k if s >= dd * (k - 1) + 1 else 1 for s, k, dd in zip(size, ks, ds))
    return ConvCase(draw(st.integers(1, 2)), cin, cout, g, size, ks, ds, draw(strides(d)), mode, draw(seeds()))


def int_array(seed: int, shape: tuple[int, ...], lo: int = -3, hi: int = 3, dtype: Any = np.float64) -> np.ndarray:
    """Small integers as floats: exact sums in float32 while ``sum |w||x| < 2**24``."""
    return np.random.default_rng(seed).integers(lo, hi + 1, shape).astype(dtype)


def float_array(seed: int, shape: tuple[int, ...], dtype: Any = np.float64) -> np.ndarray:
    """Standard normal values in ``dtype``."""
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@st.composite
def random_nets(draw: Any, max_blocks: int = 4, dims: int = 1) -> Any:
    """A random branching network (:class:`~kronconv.netgraph.NetGraph`): convolutions with dilations and
    strides, max/average pools, residual additions and concatenations of size-preserving branches."""
    from kronconv.netgraph import NetGraph, NetNode
    from kronconv.spec import Conv, Pool

    c = draw(st.integers(1, 3))
    nodes = [NetNode("x", "input", channels=c)]
    cur = "x"
    for b in range(draw(st.integers(1, max_blocks))):
        kind = draw(st.sampled_from(["conv", "conv", "pool", "add", "concat"]))
        if kind == "conv":
            k, d, s = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
            co = draw(st.integers(1, 3))
            nodes.append(NetNode(f"c{b}", "conv", (cur,), Conv(k, dilation=d, stride=s, padding=draw(
                st.integers(0, d * (k - 1))), in_channels=c, out_channels=co, dims=dims)))
            c, cur = co, f"c{b}"
        elif kind == "pool":
            k = draw(st.integers(1, 3))
            nodes.append(NetNode(f"p{b}", "pool", (cur,), Pool(k, stride=draw(st.integers(1, 2)), padding=draw(
                st.integers(0, k // 2)), mode=draw(st.sampled_from(["max", "avg"])), dims=dims)))
            cur = f"p{b}"
        else:
            d = draw(st.integers(1, 3))
            co = c if kind == "add" else draw(st.integers(1, 2))
            nodes.append(NetNode(f"r{b}", "conv", (cur,), Conv(3, dilation=d, padding=d, in_channels=c,
                                                               out_channels=co, dims=dims)))
            nodes.append(NetNode(f"m{b}", kind, (cur, f"r{b}")))
            c, cur = (c if kind == "add" else c + co), f"m{b}"
    if cur == "x":
        nodes.append(NetNode("out", "conv", ("x",), Conv(1, in_channels=c, out_channels=2, dims=dims)))
    return NetGraph.build(nodes, dims=dims)
