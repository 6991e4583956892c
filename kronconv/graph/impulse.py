"""Path counts recomputed forwards, by numeric convolution with all-ones kernels, and the cross-check.

An independent route to the cone's input-level counts: unit impulses (or, for
a chain on an unbounded grid, the layers' all-ones kernels convolved in input
pixels) pushed forwards through the network with exact integer arithmetic.
:func:`numeric_check` compares them with a :class:`~kronconv.graph.UnitGraph`
position by position.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import TooLarge
from .lattice import (
    _NP_MODES,
    MAX_CELLS,
    MAX_NUMERIC_WORK,
    Box,
    Model,
    _as_graph,
    _normalise,
    _Op,
    _ops,
    _plan,
)
from .unitgraph import UnitGraph

__all__ = [
    "NumericCheck",
    "numeric_check",
    "numeric_path_counts",
]

def _forward(op: _Op, arr: np.ndarray, lo: Sequence[int], out_lo: Sequence[int], out_shape: Sequence[int],
             size: tuple[int, ...] | None, mode: str) -> np.ndarray:
    """All-ones (dilated, strided) correlation of a batch ``arr`` (axis 0 = batch) known on box ``lo``.

    Returns the outputs at units ``out_lo .. out_lo + out_shape - 1``: unit ``u``
    reads input positions ``u s - p + t d``; positions outside ``[0, size)`` are
    padded by ``mode`` (:func:`numpy.pad`), positions outside the box must not be read
    (the caller's box covers everything read on an unbounded grid).
    """
    dims = len(lo)
    need_lo = [out_lo[a] * op.stride[a] - op.padding[a] for a in range(dims)]
    need_hi = [(out_lo[a] + out_shape[a] - 1) * op.stride[a] - op.padding[a] + (op.kernel[a] - 1) * op.dilation[a]
               for a in range(dims)]
    if size is not None:  # the box is the whole grid [0, size): pad it by the mode
        before = [max(0, -need_lo[a]) for a in range(dims)]
        after = [max(0, need_hi[a] - size[a] + 1) for a in range(dims)]
        widths = [(0, 0)] + list(zip(before, after))
        m = "zeros" if op.pool else mode
        if m == "zeros":  # by hand: numpy.pad would put numpy.int64 zeros into object arrays
            padded = np.zeros(tuple(n + a + b for n, (a, b) in zip(arr.shape, widths)), dtype=arr.dtype)
            padded[tuple(slice(a, a + n) for n, (a, _) in zip(arr.shape, widths))] = arr
            arr = padded
        else:
            arr = np.pad(arr, widths, mode=_NP_MODES[m])  # type: ignore[call-overload]
        lo = [-b for b in before]
    out = np.zeros((arr.shape[0],) + tuple(out_shape), dtype=arr.dtype)
    for tap in np.ndindex(*op.kernel):
        sl = (slice(None),) + tuple(
            slice(need_lo[a] + tap[a] * op.dilation[a] - lo[a],
                  need_lo[a] + tap[a] * op.dilation[a] - lo[a] + op.stride[a] * (out_shape[a] - 1) + 1,
                  op.stride[a]) for a in range(dims))
        out += arr[sl]
    return out


def _numeric_nd(dims: int, ops: list[_Op], unit: tuple[int, ...], window: tuple[int, ...],
                sizes: list[tuple[int, ...]] | None, mode: str, dtype: Any) -> tuple[tuple[int, ...], np.ndarray]:
    """Forward numeric impulse responses of every input position of a box (batch of impulses)."""
    if sizes is not None:
        boxes: list[Box | None] = [([0] * dims, [1] * dims, list(s)) for s in sizes]
    else:
        boxes, _ = _plan(ops, dims, unit, window, None, mode, check=False, lattice=False)
    in_lo, _, in_sh = boxes[0]  # type: ignore[misc]
    cells = math.prod(in_sh)
    work = cells * sum(math.prod(b[2]) * op.taps for op, b in zip(ops, boxes) if b is not None)
    if work > MAX_NUMERIC_WORK:
        raise TooLarge(f"the numeric cross-check would need {work} operations; the limit is "
                       f"MAX_NUMERIC_WORK={MAX_NUMERIC_WORK}")
    vals: list[np.ndarray | None] = [None] * len(ops)
    vals[0] = np.eye(cells, dtype=dtype).reshape((cells,) + tuple(in_sh))
    for op in ops[1:]:
        box = boxes[op.index]
        if box is None:
            continue
        if op.kernel:
            src = op.inputs[0]
            vals[op.index] = _forward(op, vals[src], boxes[src][0], box[0], box[2],  # type: ignore[arg-type,index]
                                      None if sizes is None else sizes[src], mode)
        else:
            acc = np.zeros((cells,) + tuple(box[2]), dtype=dtype)
            for src in op.inputs:
                sb = boxes[src]
                if sb is None:
                    continue
                sl = (slice(None),) + tuple(slice(box[0][a] - sb[0][a], box[0][a] - sb[0][a] + box[2][a])
                                            for a in range(dims))
                acc += vals[src][sl]  # type: ignore[index]
            vals[op.index] = acc
    out_box = boxes[-1]
    final = vals[-1]
    sl = (slice(None),) + tuple(slice(unit[a] - out_box[0][a], unit[a] - out_box[0][a] + window[a])  # type: ignore[index]
                                for a in range(dims))
    counts = final[sl].reshape(cells, -1).sum(axis=1).reshape(in_sh)  # type: ignore[index]
    return tuple(in_lo), counts


def numeric_path_counts(model: Model, unit: Sequence[int] | int | None = None, window: Sequence[int] | int = 1,
                        input_size: Sequence[int] | int | None = None,
                        padding_mode: str = "zeros", dtype: Any = None) -> tuple[tuple[int, ...], np.ndarray]:
    r"""Path counts recomputed by *forward* numeric convolution with all-ones kernels.

    Feeds a unit impulse at every input position of the relevant box (the
    field's box on an unbounded grid, the whole input grid otherwise) through
    the network -- all-ones kernels, the layers' dilation, stride and padding,
    :func:`numpy.pad` for the boundary -- and reads the output unit(s): the
    impulse response equals the number of paths.  For a chain on an unbounded
    grid the same response is obtained faster by convolving the layers'
    all-ones kernels written in input pixels (dilation :math:`d_l J_{l-1}`),
    by associativity of convolution.  Exact integer arithmetic (int64, or
    Python integers above :math:`2^{62}`).

    For a chain every layer is a Kronecker (tensor) product of per-axis
    operators, because the all-ones kernel, dilation, stride, padding and the
    folding of every padding mode act axis by axis; a product of Kronecker
    products is the Kronecker product of the per-axis products, so the counts
    are the outer product of 1-D counts, and the chain case runs one small
    1-D computation per axis.  A branching graph sums such products, which is
    not separable: it runs in full dimension (limit :data:`MAX_NUMERIC_WORK`).

    Returns ``(origin, counts)`` like :meth:`UnitGraph.path_counts` but not trimmed.

    Examples
    --------
    >>> from kronconv.spec import chain
    >>> numeric_path_counts(chain(kernel=3, dilations=[1, 2], dims=1))
    ((0,), array([1, 1, 2, 1, 2, 1, 1]))
    """
    origin, parts = _numeric_parts(model, unit, window, input_size, padding_mode, dtype)
    if len(parts) == 1 and len(origin) != 1:
        return origin, parts[0]
    cells = math.prod(f.size for f in parts)
    if cells > MAX_CELLS:
        raise TooLarge(f"the numeric cross-check would need an array of {cells} cells; the limit is "
                       f"MAX_CELLS={MAX_CELLS}")
    counts = parts[0]
    for f in parts[1:]:
        counts = np.multiply.outer(counts, f)
    return origin, counts


def _numeric_parts(model: Model, unit: Sequence[int] | int | None, window: Sequence[int] | int,
                   input_size: Sequence[int] | int | None, padding_mode: str, dtype: Any = None
                   ) -> tuple[tuple[int, ...], list[np.ndarray]]:
    """``(origin, factors)``: one 1-D factor per axis for a chain, else one full array (of the graph's rank)."""
    g = _as_graph(model)
    ops = _ops(g)
    unit_t, window_t, _size, sizes = _normalise(g, ops, unit, window, input_size, padding_mode)
    _, est = _plan(ops, g.dims, unit_t, window_t, sizes, padding_mode)
    if dtype is None:  # the caller may pass the dtype the cone proved sufficient (kronconv.graph.count_dtype)
        dtype = object if est.exact_ints else np.int64
    if not g.is_chain:
        o, c = _numeric_nd(g.dims, ops, unit_t, window_t, sizes, padding_mode, dtype)
        return tuple(o), [c]
    origin: list[int] = []
    factors: list[np.ndarray] = []
    for a in range(g.dims):
        ops1 = [_axis_op(o, a) for o in ops]
        if sizes is None:
            o1, c1 = _equivalent_kernel(ops1, unit_t[a], window_t[a], dtype)
        else:
            sizes1 = [(s[a],) for s in sizes]
            o1, c1 = _numeric_nd(1, ops1, (unit_t[a],), (window_t[a],), sizes1, padding_mode, dtype)
        origin.append(o1[0])
        factors.append(c1)
    return tuple(origin), factors


def _equivalent_kernel(ops: list[_Op], unit: int, window: int, dtype: Any) -> tuple[tuple[int], np.ndarray]:
    """1-D chain on an unbounded grid: convolve the all-ones kernels, each dilated by ``d_l J_{l-1}``.

    By associativity of convolution the chain's impulse response for output
    unit 0 is the convolution of its layers' kernels written in input pixels;
    unit ``u`` is the same response shifted by ``u J_L``.  Work is about the
    field size times the total number of taps (:func:`numpy.convolve`).
    """
    jump, off = 1, 0
    resp = np.ones(1, dtype=dtype)
    work = 0
    for op in ops[1:]:
        if not op.kernel:  # a select node: spatially the identity
            continue
        k, d, s, p = op.kernel[0], op.dilation[0], op.stride[0], op.padding[0]
        work += len(resp) * k
        if work > MAX_NUMERIC_WORK:
            raise TooLarge(f"the numeric cross-check would need more than MAX_NUMERIC_WORK={MAX_NUMERIC_WORK} "
                           "operations")
        resp = _convolve_sparse(resp, k, d * jump)
        off -= p * jump
        jump *= s
    total = np.zeros(len(resp) + (window - 1) * jump, dtype=dtype)
    for w in range(window):
        total[w * jump: w * jump + len(resp)] += resp
    return (off + unit * jump,), total


def _convolve_sparse(resp: np.ndarray, k: int, step: int) -> np.ndarray:
    """``numpy.convolve(resp, ker)`` for the all-ones kernel with ``k`` taps ``step`` apart."""
    ker = np.zeros(step * (k - 1) + 1, dtype=resp.dtype)
    ker[::step] = 1
    if resp.dtype != object and len(resp) * len(ker) <= 1 << 24:
        return np.convolve(resp, ker)
    out = np.zeros(len(resp) + step * (k - 1), dtype=resp.dtype)  # same sum, O(len * k)
    for t in range(k):
        out[t * step: t * step + len(resp)] += resp
    return out


def _axis_op(o: _Op, a: int) -> _Op:
    """``o`` restricted to axis ``a`` (a 1-D operation)."""
    if not o.kernel:
        return o
    return _Op(o.index, o.id, o.op, o.inputs, (o.kernel[a],), (o.dilation[a],), (o.stride[a],),
               (o.padding[a],), o.pool)


@dataclass(frozen=True)
class NumericCheck:
    """Outcome of comparing the cone's path counts with :func:`numeric_path_counts`."""

    ran: bool
    agrees: bool | None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"method": "forward numeric convolution with all-ones kernels (numpy, exact integers): "
                          "per axis for a chain (kernels convolved on an unbounded grid, unit impulses on a "
                          "bounded one), unit impulses in full dimension for a branching graph",
                "ran": self.ran, "agrees": self.agrees, **({"reason": self.reason} if self.reason else {})}


def numeric_check(ug: UnitGraph) -> NumericCheck:
    """Compare ``ug``'s input-level counts with the forward numeric computation, position by position."""
    try:
        lev0 = ug.input
        dtype = None if lev0 is None else (object if lev0.counts.dtype == object else np.int64)
        origin, parts = _numeric_parts(ug.graph, ug.unit, ug.window, ug.input_size, ug.padding_mode, dtype)
        if len(parts) > 1 or len(origin) == 1:  # a chain: per-axis factors, compared block by block
            return _check_factors(ug, origin, parts)
        counts = parts[0]
    except TooLarge as exc:
        return NumericCheck(False, None, str(exc))
    lev = ug.input
    full = np.zeros(counts.shape, dtype=counts.dtype)
    if lev is not None and np.any(lev.counts):
        lorigin, dense = ug.path_counts()  # trimmed to the reached box
        lo = [a - b for a, b in zip(lorigin, origin)]
        if any(v < 0 or v + n > m for v, n, m in zip(lo, dense.shape, counts.shape)):
            return NumericCheck(True, False, "the cone reaches positions outside the numeric box")
        full[tuple(slice(v, v + n) for v, n in zip(lo, dense.shape))] = dense
    same = bool(np.array_equal(full, counts))
    return NumericCheck(True, same, "" if same else "path counts differ from the numeric impulse response")


_DIFFER = "path counts differ from the numeric impulse response"


def _check_factors(ug: UnitGraph, origin: tuple[int, ...], factors: list[np.ndarray]) -> NumericCheck:
    """Compare the cone with the outer product of per-axis factors without building the product.

    The product is zero outside the box of the factors' nonzero ranges, so that box
    must be the cone's reached box; inside it the product is compared one block of
    rows at a time.
    """
    cells = math.prod(f.size for f in factors)
    if cells > MAX_CELLS:
        raise TooLarge(f"the numeric cross-check would need an array of {cells} cells; the limit is "
                       f"MAX_CELLS={MAX_CELLS}")
    lorigin, dense = ug.path_counts()
    boxes = []
    for f in factors:
        nz = np.flatnonzero(f)
        boxes.append((int(nz[0]), int(nz[-1]) + 1) if len(nz) else None)
    if any(b is None for b in boxes) or dense.size == 0:
        same = dense.size == 0 and any(b is None for b in boxes)
        return NumericCheck(True, same, "" if same else _DIFFER)
    lo = [a - b for a, b in zip(lorigin, origin)]
    if any(v < 0 or v + n > f.size for v, n, f in zip(lo, dense.shape, factors)):
        return NumericCheck(True, False, "the cone reaches positions outside the numeric box")
    if [(v, v + n) for v, n in zip(lo, dense.shape)] != boxes:
        return NumericCheck(True, False, _DIFFER)
    trimmed = [f[a:b] for f, (a, b) in zip(factors, boxes)]  # type: ignore[misc]
    rest: np.ndarray | None = None
    if len(trimmed) > 1:
        rest = trimmed[1]
        for f in trimmed[2:]:
            rest = np.multiply.outer(rest, f)
    row = 1 if rest is None else rest.size
    step = max(1, (1 << 20) // row)
    for r0 in range(0, dense.shape[0], step):
        f0 = trimmed[0][r0:r0 + step]
        block = f0 if rest is None else np.multiply.outer(f0, rest)
        if not np.array_equal(dense[r0:r0 + step], block):
            return NumericCheck(True, False, _DIFFER)
    return NumericCheck(True, True, "")
