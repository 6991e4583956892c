r"""Receptive field, jump and offset layer by layer, and output sizes (the recursion of :mod:`kronconv.formulas`).

After layers :math:`0..l`: :math:`r_l = r_{l-1} + (\kappa_l - 1) J_{l-1}`,
:math:`J_l = s_l J_{l-1}`, :math:`o_l = o_{l-1} - p_l J_{l-1}`, with
:math:`\kappa_l = d_l (k_l - 1) + 1`; the conventions are in :mod:`kronconv.formulas`.

Examples
--------
>>> [int(r.receptive_field) for r in chain_fields([3, 3], [1, 2], [1, 1], [0, 0])]
[3, 7]
>>> output_size(32, 3, dilation=2, padding=2)
32
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from .._util import exact_number as _num
from .._util import squash as _squash
from ..errors import InvalidArgument, InvalidSpec, InvalidType, short_repr
from ..spec import Conv, Network
from .expressions import LAYER, _check_size_expr, bounded, sym

__all__ = ["FieldRow", "FieldTable", "chain_fields", "network_fields", "network_output_size", "output_size"]


@dataclass(frozen=True)
class FieldRow:
    """Per-layer result on one axis, after layers ``0..index``."""

    index: int
    kernel: sp.Expr
    dilation: sp.Expr
    stride: sp.Expr
    padding: sp.Expr
    receptive_field: sp.Expr
    effective_stride: sp.Expr
    offset: sp.Expr  #: left edge of the first output unit's field (= minus effective padding)

    @property
    def centre(self) -> sp.Expr:
        """Centre of the first output unit's field: ``offset + (r - 1) / 2``."""
        return self.offset + (self.receptive_field - 1) / sp.Integer(2)


def chain_fields(
    kernels: Sequence[Any],
    dilations: Sequence[Any],
    strides: Sequence[Any],
    paddings: Sequence[Any],
) -> list[FieldRow]:
    """Receptive field, jump and offset after each layer of a 1-axis chain.

    Examples
    --------
    >>> rows = chain_fields([3, 3, 3], [1, 2, 4], [1, 1, 1], [1, 2, 4])
    >>> [int(r.receptive_field) for r in rows], [int(r.offset) for r in rows]
    ([3, 7, 15], [-1, -3, -7])
    >>> k = sp.Symbol("k"); chain_fields([k, k], [1, 1], [1, 1], [0, 0])[-1].receptive_field
    2*k - 1
    """
    if not (len(kernels) == len(dilations) == len(strides) == len(paddings)):
        raise InvalidArgument(
            f"per-layer lists differ in length: kernels {len(kernels)}, dilations {len(dilations)}, "
            f"strides {len(strides)}, paddings {len(paddings)}"
        )
    r, jump, off = sp.Integer(1), sp.Integer(1), sp.Integer(0)
    rows: list[FieldRow] = []
    for i, (k, d, s, p) in enumerate(zip(kernels, dilations, strides, paddings)):
        k, d, s, p = (sym(v) for v in (k, d, s, p))
        r = bounded(sp.expand(r + d * (k - 1) * jump), f"the receptive field after layer {i}")
        off = bounded(sp.expand(off - p * jump), f"the offset after layer {i}")
        jump = bounded(sp.expand(jump * s), f"the effective stride after layer {i}")
        rows.append(FieldRow(i, k, d, s, p, r, jump, off))
    return rows


@dataclass(frozen=True)
class FieldTable:
    """Per-layer, per-axis receptive-field arithmetic of a :class:`Network`."""

    network: Network
    axes: tuple[tuple[FieldRow, ...], ...]  #: ``axes[axis][layer]``

    def _axis_values(self, attr: str, layer: int = -1) -> list[Any]:
        return [_num(getattr(rows[layer], attr)) for rows in self.axes]

    def receptive_field(self, layer: int = -1) -> list[Any]:
        """Per-axis receptive field after ``layer`` (default: the whole chain)."""
        return self._axis_values("receptive_field", layer)

    def effective_stride(self, layer: int = -1) -> list[Any]:
        return self._axis_values("effective_stride", layer)

    def offset(self, layer: int = -1) -> list[Any]:
        return self._axis_values("offset", layer)

    def centre(self, layer: int = -1) -> list[Any]:
        return [_num(rows[layer].centre) for rows in self.axes]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: per-layer rows and chain totals (ints where all axes agree)."""
        layers = []
        for i, layer in enumerate(self.network.layers):
            layers.append(
                {
                    "index": i,
                    "name": layer.name,
                    "type": layer.kind,
                    "kernel": _squash(list(layer.kernel)),  # type: ignore[arg-type]
                    "dilation": _squash(list(layer.dilation)),  # type: ignore[arg-type]
                    "stride": _squash(list(layer.stride)),  # type: ignore[arg-type]
                    "padding": _squash(list(layer.padding)),  # type: ignore[arg-type]
                    "in_channels": layer.in_channels if isinstance(layer, Conv) else None,
                    "out_channels": layer.out_channels if isinstance(layer, Conv) else None,
                    "receptive_field": _squash(self.receptive_field(i)),
                    "effective_stride": _squash(self.effective_stride(i)),
                    "offset": _squash(self.offset(i)),
                    "centre": _squash(self.centre(i)),
                    "parameters": layer.weight_count + layer.bias_count,
                }
            )
        return {
            "network": self.network.name,
            "description": self.network.description,
            "dims": self.network.dims,
            "layers": layers,
            "receptive_field": _squash(self.receptive_field()),
            "effective_stride": _squash(self.effective_stride()),
            "offset": _squash(self.offset()),
            "centre": _squash(self.centre()),
            "parameters": self.network.parameter_count,
        }


def network_fields(net: Network) -> FieldTable:
    """Exact per-layer receptive-field arithmetic of ``net`` on every axis.

    Examples
    --------
    >>> from kronconv.spec import preset
    >>> network_fields(preset("yu-koltun-basic")).receptive_field()
    [67, 67]
    """
    if not isinstance(net, Network):
        raise InvalidType(f"net must be a kronconv.Network (see chain, preset, load_spec), got "
                          f"{type(net).__name__} {short_repr(net)}")
    axes = []
    for ax in range(net.dims):
        rows = chain_fields(
            [layer.kernel[ax] for layer in net.layers],  # type: ignore[index]
            [layer.dilation[ax] for layer in net.layers],  # type: ignore[index]
            [layer.stride[ax] for layer in net.layers],  # type: ignore[index]
            [layer.padding[ax] for layer in net.layers],  # type: ignore[index]
        )
        axes.append(tuple(rows))
    return FieldTable(net, tuple(axes))


def output_size(size: Any, kernel: Any, dilation: Any = 1, stride: Any = 1, padding: Any = 0) -> sp.Expr:
    r"""Output length :math:`\lfloor (i + 2p - d(k-1) - 1) / s \rfloor + 1` (Dumoulin & Visin, rel. 15).

    Returns a SymPy expression; a concrete result below 1 raises :class:`InvalidArgument`, naming the
    smallest input size that fits.  The size, kernel, dilation and stride must be positive integers and
    the padding a non-negative integer (exactly, or by SymPy's assumptions for symbols).

    Examples
    --------
    >>> output_size(7, 3, stride=2)
    3
    >>> output_size("n", 3, padding=1)
    n
    >>> output_size(4, 3, dilation=2)
    Traceback (most recent call last):
    ...
    kronconv.errors.InvalidArgument: input size 4 is smaller than the dilated kernel extent 5 (padding 0): need input size >= 5
    """
    i, k, d, s, p = (sym(v, n) for v, n in ((size, "size"), (kernel, "kernel"), (dilation, "dilation"),
                                           (stride, "stride"), (padding, "padding")))
    for name, v in (("size", i), ("kernel", k), ("dilation", d), ("stride", s)):
        _check_size_expr(v, name)
    if not (p.is_integer and p.is_nonnegative) or LAYER in p.free_symbols:
        raise InvalidArgument(f"padding must be a non-negative integer, got {p}")
    extent = d * (k - 1) + 1
    out = sp.floor((i + 2 * p - extent) / s) + 1
    out = sp.simplify(out)
    if out.is_number and out < 1:
        raise InvalidArgument(
            f"input size {i} is smaller than the dilated kernel extent {extent} (padding {p}): "
            f"need input size >= {extent - 2 * p}"
        )
    return out


def network_output_size(net: Network, size: Sequence[int] | int) -> list[list[int]]:
    """Spatial size after every layer for a concrete input size (per axis).

    Raises :class:`InvalidSpec` naming the layer where the field no longer fits.

    Examples
    --------
    >>> from kronconv.spec import chain
    >>> network_output_size(chain(kernel=3, layers=2, dims=1), 10)
    [[8], [6]]
    """
    if not isinstance(net, Network):
        raise InvalidType(f"net must be a kronconv.Network, got {type(net).__name__} {short_repr(net)}")
    if isinstance(size, np.integer):
        size = int(size)
    if isinstance(size, (str, bytes)) or not isinstance(size, (int, Sequence, np.ndarray)):
        raise InvalidType(f"size must be an integer or one integer per axis, got {short_repr(size)}")
    sizes = [size] * net.dims if isinstance(size, int) else [int(s) if isinstance(s, np.integer) else s
                                                             for s in size]
    if len(sizes) != net.dims:
        raise InvalidSpec(f"input size has {len(sizes)} axes, the network has {net.dims}")
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, int) or s < 1:
            raise InvalidSpec(f"input size must be a positive integer, got {s!r}")
    out: list[list[int]] = []
    for li, layer in enumerate(net.layers):
        nxt = []
        for ax, cur in enumerate(sizes):
            if layer.padding_hi != layer.padding or getattr(layer, "ceil_mode", False):
                from ..layers import (
                    layer_output_size,  # PyTorch arithmetic for per-side padding and ceil_mode
                )

                nxt.append(layer_output_size(layer, ax, cur, where=f"layer {li}"))
                continue
            try:
                nxt.append(int(output_size(cur, layer.kernel[ax], layer.dilation[ax],  # type: ignore[index]
                                           layer.stride[ax], layer.padding[ax])))  # type: ignore[index]
            except InvalidArgument as exc:
                raise InvalidSpec(f"layer {li}: {exc}") from None
        out.append(nxt)
        sizes = nxt
    return out
