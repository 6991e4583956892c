"""Networks from per-layer lists: :func:`chain`, the form the CLI flags (``--kernels``, ``--dilations``...) take.

Examples
--------
>>> [layer.dilation[0] for layer in chain(kernels=[3, 3], dilations=[1, 2], dims=1).layers]
[1, 2]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import InvalidSpec
from .model import MAX_LAYERS, Conv, Network, _check_int

__all__ = ["chain"]


def _broadcast(name: str, values: Sequence[Any] | None, n: int, default: Any) -> list[Any]:
    if values is None:
        return [default] * n
    values = list(values)
    if len(values) == 1:
        return values * n
    if len(values) != n:
        raise InvalidSpec(f"--{name} has {len(values)} entries, expected 1 or {n} (one per layer)")
    return values


def chain(
    kernels: Sequence[int] | None = None,
    dilations: Sequence[int] | None = None,
    strides: Sequence[int] | None = None,
    paddings: Sequence[int] | None = None,
    *,
    kernel: int | None = None,
    layers: int | None = None,
    channels: int = 1,
    bias: bool = True,
    dims: int = 2,
    name: str = "",
) -> Network:
    """Build a single-chain network of isotropic convolutions from per-layer lists.

    The number of layers is ``layers`` if given, else the length of the longest
    list; a list of length 1 (or a scalar ``kernel``) is broadcast.

    Examples
    --------
    >>> [l.kernel[0] for l in chain(kernel=3, dilations=[1, 2, 4]).layers]
    [3, 3, 3]
    >>> chain(kernels=[3, 3], dilations=[1, 2, 4])
    Traceback (most recent call last):
    ...
    kronconv.errors.InvalidSpec: --kernels has 2 entries, expected 1 or 3 (one per layer)
    """
    if kernel is not None and kernels is not None:
        raise InvalidSpec("give either --kernel or --kernels, not both")
    if kernel is not None:
        kernels = [kernel]
    lists = {"kernels": kernels, "dilations": dilations, "strides": strides, "paddings": paddings}
    lengths = [len(v) for v in lists.values() if v is not None]
    if layers is not None:
        n = _check_int("layers", layers, 1, MAX_LAYERS)
    elif lengths:
        n = max(lengths)
    else:
        raise InvalidSpec("no layers given: pass --kernel/--kernels, --dilations or --layers")
    if n > MAX_LAYERS:
        raise InvalidSpec(f"a network may have at most {MAX_LAYERS} layers, got {n}")
    ks = _broadcast("kernels", kernels, n, 3)
    ds = _broadcast("dilations", dilations, n, 1)
    ss = _broadcast("strides", strides, n, 1)
    ps = _broadcast("paddings", paddings, n, 0)
    built = tuple(
        Conv(
            k,
            dilation=d,
            stride=s,
            padding=p,
            in_channels=channels,
            out_channels=channels,
            bias=bias,
            dims=dims,
        )
        for k, d, s, p in zip(ks, ds, ss, ps)
    )
    return Network(built, name=name)
