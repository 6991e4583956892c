"""Theorems about dilated convolutions: one module per theorem, each a statement plus a proof builder.

* :mod:`.dilation_lemma` — dilated convolution = convolution with ``K ⊗ E_d``; the Kronecker lemma;
* :mod:`.cascade` — the cascade theorem and its planted-false variants (:class:`CascadeClaim`);
* :mod:`.channels` — C > 1: sum of Kronecker products (proved), single product (refuted);
* :mod:`.base_mismatch` — dilation base b != a: extent and Kronecker rank of the composed kernel;
* :mod:`.nonlinearity` — a nonlinearity between layers: refuted;
* :mod:`.receptive_field` — the receptive-field formulas;
* :mod:`.hole_free` — no hole-free chain of L layers of k-tap kernels has a field above k^L;
* :mod:`.qtt_rank` — a kernel is a C-channel dilated cascade's composed kernel iff its QTT ranks are <= C.

:func:`prove` is the entry point of ``kronconv prove``.

Examples
--------
>>> prove(layers=2).proved
True
>>> prove(layers=2, base=2).proved
False
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidArgument
from ..proof import Proof
from .base_mismatch import prove_kronecker_rank
from .cascade import CascadeClaim, prove_cascade
from .channels import prove_channel_sum, prove_channels
from .dilation_lemma import prove_dilation_lemma
from .hole_free import prove_hole_free_bound
from .nonlinearity import prove_nonlinearity
from .qtt_rank import prove_qtt_rank, seeded_qtt_kernel
from .receptive_field import prove_receptive_fields

__all__ = [
    "THEOREMS",
    "CascadeClaim",
    "prove",
    "prove_cascade",
    "prove_channel_sum",
    "prove_channels",
    "prove_dilation_lemma",
    "prove_hole_free_bound",
    "prove_kronecker_rank",
    "prove_nonlinearity",
    "prove_qtt_rank",
    "prove_receptive_fields",
    "seeded_qtt_kernel",
]

#: Theorem names accepted by :func:`prove` (``kronconv prove --theorem``).
THEOREMS = ("cascade", "channel-sum", "dilation-lemma", "hole-free-bound", "kronecker-rank", "qtt-rank",
            "receptive-field")


def prove(layers: int | None = 3, kernel: int = 3, dims: int = 2, channels: int = 1, base: int | None = None,
          nonlinearity: str = "none", correlation: bool = False, origin: str = "corner",
          theorem: str = "cascade", seed: int = 0, max_rf: str = "k**L", qtt_kernel: Any = None,
          rank: int | None = None) -> Proof:
    """State and prove (or refute) ``theorem`` for the given parameters; related results ride along.

    ``cascade`` with ``channels > 1`` states the single-Kronecker claim (refuted) and adds the
    sum theorem and a Kronecker-rank report; with ``base != kernel`` it adds the rank report.
    ``layers=None`` (``qtt-rank`` with a kernel only) pads to the fewest layers that fit.
    ``hole-free-bound`` states "the largest hole-free field of ``layers`` layers of ``kernel``-tap
    kernels is ``max_rf``".  ``qtt-rank`` states "``qtt_kernel`` (integer entries; or, with ``rank``,
    the seeded composed kernel of a random ``rank``-channel cascade of ``layers`` layers) is the
    composed kernel of a ``channels``-channel cascade with dilations ``kernel**l``".

    >>> prove(theorem="hole-free-bound", kernel=3, layers=4, max_rf="k**L - 1").verdict
    'refuted'
    >>> prove(theorem="qtt-rank", kernel=2, layers=3, channels=2, rank=2, seed=1).proved
    True
    """
    import numpy as np

    # NumPy integers are accepted wherever Python ints are (validation of the values is the builders')
    layers = int(layers) if isinstance(layers, np.integer) else layers
    kernel, dims, channels, seed = (int(v) if isinstance(v, np.integer) else v for v in (kernel, dims, channels, seed))
    base = int(base) if isinstance(base, np.integer) else base
    if theorem not in THEOREMS:
        raise InvalidArgument(f"theorem must be one of {', '.join(THEOREMS)}, got {theorem!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= 1 << 31:
        raise InvalidArgument(f"seed must be an integer in [0, {1 << 31}], got {seed!r}")
    b = kernel if base is None else base
    opts = {"nonlinearity": nonlinearity, "correlation": correlation, "origin": origin}
    if theorem == "hole-free-bound":
        return prove_hole_free_bound(kernel, 3 if layers is None else layers, max_rf)
    if theorem == "qtt-rank":
        if (qtt_kernel is None) == (rank is None):
            raise InvalidArgument("theorem qtt-rank needs either a kernel (qtt_kernel) or a seeded instance (rank), "
                                  "not both")
        if rank is not None:
            n = 3 if layers is None else layers
            return prove_qtt_rank(seeded_qtt_kernel(kernel, n, rank, seed), kernel, channels, n)
        return prove_qtt_rank(qtt_kernel, kernel, channels, layers)  # layers None: the fewest that fit
    layers = 3 if layers is None else layers
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
    return prove_cascade(CascadeClaim(layers=layers, kernel=kernel, dims=dims, base=b, **opts), seed)  # type: ignore[arg-type]
