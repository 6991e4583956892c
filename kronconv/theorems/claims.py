r"""Cascade claims: the statement data shared by the cascade prover and its nonlinearity refutation.

:class:`CascadeClaim` is a *statement* -- possibly false -- that a cascade of
dilated layers equals one convolution with a Kronecker kernel, and
:func:`statement_text` renders it.  Both :mod:`.cascade` and
:mod:`.nonlinearity` import it from here, so neither imports the other's
internals (``cascade`` delegates to ``nonlinearity``, never the reverse).

Examples
--------
>>> statement_text(CascadeClaim(layers=2, dims=1)).startswith("For L = 2 layers of 3 kernels")
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import InvalidArgument
from ..polykernel import Layout

__all__ = ["NONLINEARITIES", "CascadeClaim", "statement_text"]

NONLINEARITIES = ("none", "relu", "tanh")


@dataclass(frozen=True)
class CascadeClaim:
    """A cascade-equals-Kronecker-convolution statement (true or false).

    ``base`` defaults to ``kernel``; ``dilations`` (per layer) overrides ``base``.
    ``channel_sum=False`` claims one Kronecker product per channel pair
    (``K[o,i] = K_{L-1}[o,i] ⊗ ... ⊗ K_0[o,i]``), which is false for ``C > 1``.

    Examples
    --------
    >>> CascadeClaim(layers=3, kernel=2).resolved_dilations
    (1, 2, 4)
    >>> CascadeClaim(layers=3, base=2).resolved_dilations
    (1, 2, 4)
    """

    layers: int
    kernel: int = 3
    dims: int = 2
    channels: int = 1
    base: int | None = None
    dilations: tuple[int, ...] | None = None
    nonlinearity: str = "none"
    correlation: bool = False
    origin: str = "corner"
    order: str = "last-outer"
    flip: bool = False
    channel_sum: bool = False

    def __post_init__(self) -> None:
        for name, v, lo, hi in (("layers", self.layers, 1, 64), ("kernel", self.kernel, 1, 64),
                                ("dims", self.dims, 1, 3), ("channels", self.channels, 1, 64)):
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                raise InvalidArgument(f"{name} must be an integer in [{lo}, {hi}], got {v!r}")
        if self.base is not None and (isinstance(self.base, bool) or not isinstance(self.base, int)
                                      or not 1 <= self.base <= 1 << 20):
            raise InvalidArgument(f"dilation base must be an integer in [1, {1 << 20}], got {self.base!r}")
        if self.dilations is not None and (len(self.dilations) != self.layers or any(
                isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 1 << 40 for d in self.dilations)):
            raise InvalidArgument(f"dilations must be {self.layers} integers >= 1, got {self.dilations!r}")
        if self.dilations is None and self.resolved_base ** (self.layers - 1) > 1 << 40:
            raise InvalidArgument(
                f"dilations b**l up to {self.resolved_base}**{self.layers - 1} exceed the limit 2**40; "
                "use a smaller --dilation-base or fewer layers")
        if self.nonlinearity not in NONLINEARITIES:
            raise InvalidArgument(f"nonlinearity must be one of {', '.join(NONLINEARITIES)}, got {self.nonlinearity!r}")
        if self.order not in ("last-outer", "first-outer"):
            raise InvalidArgument(f"order must be 'last-outer' or 'first-outer', got {self.order!r}")
        self.layout  # validates origin / kernel parity  # noqa: B018

    @property
    def resolved_base(self) -> int:
        return self.kernel if self.base is None else self.base

    @property
    def resolved_dilations(self) -> tuple[int, ...]:
        if self.dilations is not None:
            return tuple(int(d) for d in self.dilations)
        return tuple(self.resolved_base**l for l in range(self.layers))

    @property
    def layout(self) -> Layout:
        return Layout(self.kernel, self.dims, self.channels, self.layers, self.origin)

    def to_dict(self) -> dict[str, Any]:
        """The canonical, machine-readable claim (what :mod:`kronconv.verify` re-derives from)."""
        return {"theorem": "cascade", "layers": self.layers, "kernel": self.kernel, "dims": self.dims,
                "channels": self.channels, "dilations": list(self.resolved_dilations),
                "nonlinearity": self.nonlinearity, "correlation": self.correlation, "origin": self.origin,
                "order": self.order, "flip": self.flip,
                "channel_sum": self.channel_sum and self.channels > 1}  # one canonical form per claim


def _kron_text(c: CascadeClaim) -> str:
    idx = list(range(c.layers - 1, -1, -1)) if c.order == "last-outer" else list(range(c.layers))

    def name(l: int) -> str:
        if c.channels == 1:
            return f"K_{l}"
        return f"K_{l}[c_{l + 1},c_{l}]" if c.channel_sum else f"K_{l}[o,i]"

    names = [name(l) for l in idx]
    prod = " ⊗ ".join(names) if len(names) <= 4 else f"{names[0]} ⊗ {names[1]} ⊗ ... ⊗ {names[-1]}"
    if c.channels > 1 and c.channel_sum:
        inner = "c_1" if c.layers == 2 else f"c_1..c_{c.layers - 1}"
        prod = (f"Σ_({inner}) {prod}  (c_{c.layers} = o, c_0 = i)" if c.layers > 1
                else f"{prod}  (c_1 = o, c_0 = i)")
    if c.flip:
        prod = f"flip({prod})"
    return prod


def statement_text(c: CascadeClaim) -> str:
    """The human-readable statement of a claim."""
    op = "⋆" if c.correlation else "*"
    kind = "cross-correlations" if c.correlation else "true convolutions"
    size = "x".join([str(c.kernel)] * c.dims)
    nl = "" if c.nonlinearity == "none" else f", with {c.nonlinearity} after every layer but the last"
    ch = "one channel" if c.channels == 1 else f"{c.channels} channels"
    origin = "indices from 0" if c.origin == "corner" else f"indices −{c.layout.radius}..{c.layout.radius}"
    rhs = f"({_kron_text(c)}) {op} F_0"
    if c.channels > 1:
        rhs = f"Σ_i ({_kron_text(c)}) {op} F_0[i]" if not c.channel_sum else f"Σ_i K[o,i] {op} F_0[i] with K[o,i] = {_kron_text(c)}"
    return (f"For L = {c.layers} layers of {size} kernels ({c.dims}-D, {ch}, {origin}, {kind}{nl}), "
            f"the cascade F_(l+1) = K_l {op}_(d_l) F_l with d = {list(c.resolved_dilations)} equals "
            f"F_{c.layers}[o] = {rhs}.")
