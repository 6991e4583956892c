r"""The equivariance check: :math:`f(T_s x)` against :math:`T_s f(x)` for built-in architectures and presets.

See the :mod:`kronconv.checks` docstring for which outputs are compared and
which shifts each architecture is expected to hold for.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..backend import get_xp, resolve_backend, to_numpy
from ..errors import InvalidArgument
from ..numeric import (
    MAX_BYTES,
    MAX_WORK,
    NetLayer,
    Unpool,
    border_mask,
    check_limits,
    conv_geometry,
    forward,
    init_params,
    shift,
    total_stride,
)
from ..spec import Conv, Pool, preset
from .compare import _DTYPES, _finite, _int_arg, compare_with_bound

__all__ = [
    "ARCHS",
    "EquivarianceResult",
    "ShiftRecord",
    "check_equivariance",
    "equivariance_network",
]

#: Built-in architectures of the equivariance check (``preset`` takes a preset name).
ARCHS = ("dilated", "pooling", "strided", "preset")


@dataclass(frozen=True)
class ShiftRecord:
    """The comparison of :math:`f(T_s x)` with :math:`T_s f(x)` for one shift."""

    shift: tuple[int, ...]
    holds: bool
    expected: bool
    max_abs_error: float
    bound: float
    max_error_ratio: float | None
    consistency: float | None
    compared: int


@dataclass(frozen=True)
class EquivarianceResult:
    """Shift equivariance of a network on random data, per shift, against the rounding bound."""

    holds: bool
    matches_theory: bool
    max_abs_error: float
    bound: float
    backend: str
    dtype: str
    arch: str
    network: str
    layers: tuple[str, ...]
    padding: str
    dims: int
    size: int
    channels: int
    out_channels: int
    batch: int
    seed: int
    activation: str | None
    total_stride: tuple[int, ...]
    shifts: tuple[ShiftRecord, ...]
    holding_shifts: list[list[int]]
    failing_shifts: list[list[int]]
    consistency: float | None
    interior_only: bool
    note: str

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["shifts"] = [{**asdict(r), "shift": list(r.shift)} for r in self.shifts]
        d["layers"] = list(self.layers)
        d["total_stride"] = list(self.total_stride)
        d["verdicts"] = {"equivariant": self.holds, "as_predicted": self.matches_theory}
        return {"check": "equivariance", **d}


def _odd_kernel(k: int) -> int:
    k = _int_arg("kernel", k, 1, 63)
    if k % 2 == 0:
        raise InvalidArgument(f"kernel must be odd for size-preserving padding in the built-in nets, got {k}")
    return k


def equivariance_network(arch: str, *, layers: int = 3, kernel: int = 3, channels: int = 4, dims: int = 2,
                         preset_name: str | None = None) -> tuple[str, list[NetLayer], bool]:
    """The network a :func:`check_equivariance` architecture stands for: ``(name, layers, upsample_to_input)``.

    * ``dilated``: ``layers`` convolutions, dilations ``2**l``, padding keeping the size.
    * ``pooling`` (SegNet-like): ``layers`` levels of (convolution, 2x max pool),
      then for each level (max unpool with the pool's indices, convolution).
    * ``strided``: ``layers`` convolutions with stride 2 and one more at the
      coarsest scale, then nearest upsampling back to the input size.
    * ``preset``: :func:`kronconv.spec.preset` ``preset_name``; upsampled back
      (nearest) when it subsamples.

    Examples
    --------
    >>> name, net, up = equivariance_network("pooling", layers=1, dims=1)
    >>> [type(l).__name__ for l in net], up
    (['Conv', 'Pool', 'Unpool', 'Conv'], False)
    """
    D = _int_arg("dims", dims, 1, 3)
    C = _int_arg("channels", channels, 1, 4096)
    L = _int_arg("layers", layers, 1, 16)
    if arch == "preset":
        if not preset_name:
            raise InvalidArgument("arch 'preset' needs a preset name, e.g. --arch preset yu-koltun-basic:C=4")
        net = preset(preset_name)
        lays: list[NetLayer] = list(net.layers)
        return net.name or preset_name, lays, any(s > 1 for s in total_stride(lays))
    k = _odd_kernel(kernel)
    p = (k - 1) // 2
    if arch == "dilated":
        lays = [Conv(k, dilation=2**l, padding=2**l * p, in_channels=C, out_channels=C, dims=D) for l in range(L)]
        return f"dilated stack: {L} {k}-tap convolutions, dilations 2**l", lays, False
    if arch == "pooling":
        lays = []
        for _ in range(L):
            lays += [Conv(k, padding=p, in_channels=C, out_channels=C, dims=D), Pool(2, stride=2, dims=D)]
        for _ in range(L):
            lays += [Unpool(2, dims=D), Conv(k, padding=p, in_channels=C, out_channels=C, dims=D)]
        return f"SegNet-like: {L} level(s) of conv + 2x max pool, max unpooling back", lays, False
    if arch == "strided":
        lays = [Conv(k, stride=2, padding=p, in_channels=C, out_channels=C, dims=D) for _ in range(L)]
        lays.append(Conv(k, padding=p, in_channels=C, out_channels=C, dims=D))
        return f"strided: {L} stride-2 {k}-tap convolutions, nearest upsampling back", lays, True
    raise InvalidArgument(f"arch must be one of {', '.join(ARCHS)}, got {arch!r}")


def _receptive_field(lays: Sequence[NetLayer]) -> int:
    r, j = 1, 1.0
    for layer in lays:
        if isinstance(layer, (Conv, Pool)):
            e = max(layer.effective_kernel)
            r += math.ceil((e - 1) * j)
            j *= max(layer.stride)  # type: ignore[arg-type]
        else:
            j /= max(layer.factor)
    return r


def _walk_cost(lays: Sequence[NetLayer], shape: tuple[int, ...], boundary: str) -> tuple[int, int, tuple[int, ...]]:
    """(multiply-adds, largest array elements, output shape) of one forward pass; validates sizes."""
    work, biggest = 0, math.prod(shape)
    pools: list[tuple[int, ...]] = []
    circ_ok = True
    for i, layer in enumerate(lays):
        if isinstance(layer, (Conv, Pool)):
            cout = layer.out_channels if isinstance(layer, Conv) else shape[1]
            cg = layer.in_channels // layer.groups if isinstance(layer, Conv) else 1
            groups = layer.groups if isinstance(layer, Conv) else shape[1]
            if isinstance(layer, Conv) and shape[1] != layer.in_channels:
                raise InvalidArgument(f"layer {i} expects {layer.in_channels} channels, got {shape[1]}")
            geo = conv_geometry(shape, (cout, cg) + tuple(layer.kernel), dilation=layer.dilation,  # type: ignore[arg-type]
                                stride=layer.stride, padding=list(layer.padding), boundary=boundary, groups=groups)  # type: ignore[arg-type]
            for n, m, s in zip(geo.in_size, geo.out_size, geo.stride):
                if n % s or m != n // s:
                    circ_ok = False
            work += geo.work
            if isinstance(layer, Pool):
                pools.append(geo.in_size)
            shape = shape[:1] + (cout,) + geo.out_size
        else:
            size = tuple(n * f for n, f in zip(shape[2:], layer.factor))
            if layer.mode == "max" and pools:
                size = pools.pop()
            shape = shape[:2] + size
        biggest = max(biggest, math.prod(shape) * (max(layer.kernel) if isinstance(layer, (Conv, Pool)) else 1))
    if boundary == "circular" and not circ_ok:
        raise InvalidArgument(
            "circular equivariance needs size-preserving layers (output = input / stride on every axis); "
            "use sizes divisible by the total stride, or --padding zeros")
    return work, biggest, shape


def _parse_shift(s: Any, dims: int) -> tuple[int, ...]:
    vals = list(s) if isinstance(s, (list, tuple)) else [s]
    if len(vals) == 1:
        vals = vals * dims
    if len(vals) != dims or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in vals):
        raise InvalidArgument(f"a shift is one integer or {dims} integers (one per axis), got {s!r}")
    return tuple(int(v) for v in vals)


def _seam(size: tuple[int, ...], s: tuple[int, ...]) -> np.ndarray:
    """Positions that a circular shift by ``s`` fills with wrapped-around samples."""
    t = np.zeros(size, dtype=bool)
    for ax, (n, v) in enumerate(zip(size, s)):
        idx = [slice(None)] * len(size)
        if v > 0:
            idx[ax] = slice(0, min(v, n))
        elif v < 0:
            idx[ax] = slice(max(n + v, 0), n)
        else:
            continue
        t[tuple(idx)] = True
    return t


def check_equivariance(arch: str = "dilated", *, preset_name: str | None = None, shifts: Sequence[Any] | None = None,
                       padding: str = "circular", layers: int = 3, kernel: int = 3, channels: int = 4,
                       dims: int = 2, size: int | None = None, batch: int = 1, dtype: str = "float64",
                       backend: str = "auto", seed: int = 0, activation: str | None = "relu",
                       max_bytes: int | None = MAX_BYTES, max_work: int | None = MAX_WORK) -> EquivarianceResult:
    r"""Shift the input, compare the output with the shifted output, for each shift.

    ``shifts`` are ints (the same shift on every axis) or per-axis tuples; the
    default is ``1 .. max(2 S, 3)`` for total stride ``S``.  ``padding`` is
    ``circular`` (torus; everything compared) or ``zeros`` (interior only: the
    outputs that read no padding and no wrapped-around sample).  ``size``
    defaults to 32 (circular) or the receptive field plus twice the largest
    shift plus 16 (zeros), rounded up to a multiple of the total stride.
    Weights are He-normal with small biases; ``activation='relu'`` follows
    every convolution but the last.  Presets with many channels are expensive:
    e.g. ``yu-koltun-basic:C=21`` at size 32 in 2-D costs about
    :math:`1.3 \cdot 10^9` multiply-adds for five shifts, the default limits
    refuse much more (``TooLarge``).

    A shift *holds* when :math:`|f(T_s x) - T_s f(x)| \le E(T_s x) + T_s E(x)`
    on every compared output, :math:`E` the propagated rounding bound.  It is
    *expected* to hold when every component is a multiple of the total stride.

    Examples
    --------
    >>> r = check_equivariance("dilated", dims=1, size=24, shifts=[1, 5], backend="numpy")
    >>> r.holds, [s.holds for s in r.shifts]
    (True, [True, True])
    >>> z = check_equivariance("strided", layers=2, dims=1, padding="zeros", shifts=[2, 4], backend="numpy")
    >>> z.holding_shifts, z.interior_only
    ([[4]], True)
    """
    if padding not in ("circular", "zeros"):
        raise InvalidArgument(f"padding must be 'circular' or 'zeros', got {padding!r}")
    if dtype not in _DTYPES:
        raise InvalidArgument(f"dtype must be one of {', '.join(_DTYPES)}, got {dtype!r}")
    if activation not in (None, "relu"):
        raise InvalidArgument(f"activation must be 'relu' or None, got {activation!r}")
    if arch not in ARCHS:
        raise InvalidArgument(f"arch must be one of {', '.join(ARCHS)}, got {arch!r}")
    B = _int_arg("batch", batch, 1, 4096)
    seed = _int_arg("seed", seed, 0, 2**63 - 1)
    name, lays, upsample = equivariance_network(arch, layers=layers, kernel=kernel, channels=channels, dims=dims,
                                                preset_name=preset_name)
    D = lays[0].dims
    S = total_stride(lays)
    smax = max(S)
    if shifts is None or len(shifts) == 0:
        shift_list = [(s,) * D for s in range(1, max(2 * smax, 3) + 1)]
    else:
        if len(shifts) > 64:
            raise InvalidArgument(f"at most 64 shifts, got {len(shifts)}")
        shift_list = [_parse_shift(s, D) for s in shifts]
    biggest_shift = max(abs(v) for s in shift_list for v in s)
    if size is None:
        base = 32 if padding == "circular" else _receptive_field(lays) + 2 * biggest_shift + 16
        n = -(-base // smax) * smax
    else:
        n = _int_arg("size", size, 1, 1 << 20)
    if upsample and any(n % s for s in S):
        raise InvalidArgument(f"size {n} must be a multiple of the total stride {max(S)} to upsample back")
    cin = next((l.in_channels for l in lays if isinstance(l, Conv)), _int_arg("channels", channels, 1, 4096))
    in_shape = (B, cin) + (n,) * D
    work, biggest, _out_shape = _walk_cost(lays, in_shape, padding)
    runs = 1 + len(shift_list)
    check_limits(8 * biggest * 12, 3 * work * runs, max_bytes=max_bytes, max_work=max_work,
                 what=f"the equivariance check ({runs} forward passes with bounds)")
    be = resolve_backend(backend)
    xp = get_xp(be)
    rng = np.random.default_rng(seed)
    params_np = init_params(lays, rng, dtype)
    x_np = rng.standard_normal(in_shape).astype(dtype)
    params = [None if p is None else (xp.asarray(p[0]), None if p[1] is None else xp.asarray(p[1]))
              for p in params_np]
    x = xp.asarray(x_np)
    lim = {"max_bytes": max_bytes, "max_work": max_work}
    act = activation

    def run(inp: Any) -> tuple[np.ndarray, np.ndarray]:
        r = forward(inp, lays, params, boundary=padding, activation=act, with_bound=True,
                    upsample_to_input=upsample, **lim)
        return to_numpy(r.output), to_numpy(r.bound)

    y0, e0 = run(x)
    size_in = (n,) * D
    out_size = tuple(y0.shape[2:])
    zeros = padding == "zeros"
    base_mask = border_mask(lays, size_in, boundary=padding, upsample_to_input=upsample) if zeros else None
    records = []
    for s in shift_list:
        y1, e1 = run(shift(x, list(s)))
        ys0, es0 = shift(y0, list(s)), shift(e0, list(s))
        if zeros:
            assert base_mask is not None
            t1 = border_mask(lays, size_in, boundary=padding, tainted=_seam(size_in, s), upsample_to_input=upsample)
            mask = ~t1 & ~shift(base_mask[None, None], list(s))[0, 0] & ~_seam(out_size, s)
            if not mask.any():
                raise InvalidArgument(
                    f"no interior output left for shift {list(s)} at size {n} with zero padding; "
                    f"use --size >= {_receptive_field(lays) + 2 * max(abs(v) for v in s) + 1}")
        else:
            mask = np.ones(out_size, dtype=bool)
        m = mask[None, None]
        ok, err, bnd, ratio = compare_with_bound(y1, ys0, e1 + es0, m)
        cons = None
        if y1.shape[1] > 1:
            agree = np.argmax(y1, axis=1) == np.argmax(ys0, axis=1)
            cons = float(agree[np.broadcast_to(mask[None], agree.shape)].mean())
        expected = all(v % st == 0 for v, st in zip(s, S))
        records.append(ShiftRecord(tuple(s), ok, expected, err, bnd, _finite(ratio), cons,
                                   int(mask.sum()) * y1.shape[0]))
    holding = [list(r.shift) for r in records if r.holds]
    failing = [list(r.shift) for r in records if not r.holds]
    conss = [r.consistency for r in records if r.consistency is not None]
    notes = [f"total stride {list(S)}: equivariance is expected exactly for shifts that are multiples of it"]
    if upsample:
        notes.append("the network subsamples: its output is upsampled (nearest) to the input size before comparing")
    if zeros:
        notes.append("zero padding: compared only outputs that read no padding and no wrapped-around sample")
    notes.append("shift consistency = fraction of compared pixels whose argmax over output channels agrees "
                 "(Zhang 2019 style)" if conss else "one output channel: no shift consistency")
    return EquivarianceResult(
        holds=all(r.holds for r in records), matches_theory=all(r.holds == r.expected for r in records),
        max_abs_error=max(r.max_abs_error for r in records), bound=max(r.bound for r in records),
        backend=be, dtype=dtype, arch=arch, network=name, layers=tuple(_describe(l) for l in lays),
        padding=padding, dims=D, size=n, channels=cin, out_channels=int(y0.shape[1]), batch=B, seed=seed,
        activation=act, total_stride=S, shifts=tuple(records), holding_shifts=holding, failing_shifts=failing,
        consistency=float(np.mean(conss)) if conss else None, interior_only=zeros, note="; ".join(notes))


def _describe(layer: NetLayer) -> str:
    x = lambda t: "x".join(map(str, t))
    if isinstance(layer, Conv):
        return (f"conv {x(layer.kernel)} d{x(layer.dilation)} s{x(layer.stride)} p{x(layer.padding)} "
                f"{layer.in_channels}->{layer.out_channels}" + (f" g{layer.groups}" if layer.groups > 1 else ""))
    if isinstance(layer, Pool):
        return f"pool {layer.mode} {x(layer.kernel)} s{x(layer.stride)} p{x(layer.padding)}"
    return f"unpool {layer.mode} {x(layer.factor)}"
