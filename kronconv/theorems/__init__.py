"""Theorems about dilated convolutions: one module per theorem, each a statement plus a proof builder.

* :mod:`.dilation_lemma` — dilated convolution = convolution with ``K ⊗ E_d``; the Kronecker lemma;
* :mod:`.cascade` — the cascade theorem and its planted-false variants (:class:`CascadeClaim`);
* :mod:`.channels` — C > 1: sum of Kronecker products (proved), single product (refuted);
* :mod:`.base_mismatch` — dilation base b != a: extent and Kronecker rank of the composed kernel;
* :mod:`.nonlinearity` — a nonlinearity between layers: refuted;
* :mod:`.receptive_field` — the receptive-field formulas.

:func:`prove` is the entry point of ``kronconv prove``.

Examples
--------
>>> prove(layers=2).proved
True
>>> prove(layers=2, base=2).proved
False
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import InvalidArgument, TooLarge
from ..proof import Proof
from .base_mismatch import prove_kronecker_rank
from .cascade import CascadeClaim, prove_cascade
from .channels import prove_channel_sum, prove_channels
from .dilation_lemma import prove_dilation_lemma
from .nonlinearity import prove_nonlinearity
from .receptive_field import prove_receptive_fields

__all__ = [
    "THEOREMS",
    "CascadeClaim",
    "prove",
    "prove_cascade",
    "prove_channel_sum",
    "prove_channels",
    "prove_dilation_lemma",
    "prove_kronecker_rank",
    "prove_nonlinearity",
    "prove_receptive_fields",
]

#: Theorem names accepted by :func:`prove` (``kronconv prove --theorem``).
THEOREMS = ("cascade", "channel-sum", "dilation-lemma", "kronecker-rank", "receptive-field")


def prove(layers: int = 3, kernel: int = 3, dims: int = 2, channels: int = 1, base: int | None = None,
          nonlinearity: str = "none", correlation: bool = False, origin: str = "corner",
          theorem: str = "cascade", seed: int = 0) -> Proof:
    """State and prove (or refute) ``theorem`` for the given parameters; related results ride along.

    ``cascade`` with ``channels > 1`` states the single-Kronecker claim (refuted) and adds the
    sum theorem and a Kronecker-rank report; with ``base != kernel`` it adds the rank report.
    """
    import numpy as np

    # NumPy integers are accepted wherever Python ints are (validation of the values is the builders')
    layers, kernel, dims, channels, seed = (int(v) if isinstance(v, np.integer) else v
                                            for v in (layers, kernel, dims, channels, seed))
    base = int(base) if isinstance(base, np.integer) else base
    if theorem not in THEOREMS:
        raise InvalidArgument(f"theorem must be one of {', '.join(THEOREMS)}, got {theorem!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= 1 << 31:
        raise InvalidArgument(f"seed must be an integer in [0, {1 << 31}], got {seed!r}")
    b = kernel if base is None else base
    opts = {"nonlinearity": nonlinearity, "correlation": correlation, "origin": origin}
    if theorem == "receptive-field":
        return prove_receptive_fields()
    if theorem == "dilation-lemma":
        return prove_dilation_lemma(kernel, dims, b, correlation, origin)
    if theorem == "kronecker-rank":
        return prove_kronecker_rank(layers, kernel, b, dims, channels, seed)
    if theorem == "channel-sum":
        return prove_channel_sum(layers, kernel, dims, channels, base=b, **opts)
    if channels > 1:
        return prove_channels(layers, kernel, dims, channels, seed, base=b, **opts)
    p = prove_cascade(CascadeClaim(layers=layers, kernel=kernel, dims=dims, base=b, **opts))  # type: ignore[arg-type]
    if b != kernel and layers > 1 and nonlinearity == "none":
        try:
            p = replace(p, related=(prove_kronecker_rank(layers, kernel, b, dims, 1, seed),))
        except TooLarge as exc:
            p = replace(p, notes=(*p.notes, f"Kronecker-rank report skipped: {exc}"))
    return p
