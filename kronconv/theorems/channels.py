r"""C > 1 channels: the composed kernel is a *sum* of Kronecker products, not a single one.

:math:`K[o, i] = \sum_{c_1, \dots, c_{L-1}} K_{L-1}[o, c_{L-1}] \otimes \cdots \otimes K_0[c_1, i]`
is proved (general: bilinearity plus the one-channel theorem; instance: exact monomial
comparison, :math:`C^{L+1} a^{DL}` terms).  The single-product claim
:math:`K[o, i] = K_{L-1}[o, i] \otimes \cdots \otimes K_0[o, i]` is refuted by a 0/1
counterexample whose channel path changes channel; and the Kronecker rank of one channel
pair's composed kernel for random integer kernels (> 1 in general) shows that no single
Kronecker product of an :math:`a^D` factor and an :math:`a^{D(L-1)}` factor can equal it.

Examples
--------
>>> p = prove_channels(layers=2, kernel=2, dims=1, channels=2)
>>> p.proved, [r.proved for r in p.related]
(False, [True, True])
>>> p.related[1].steps[-1].facts["ranks"][0]["exact_rank"]
2
"""

from __future__ import annotations

from ..errors import InvalidArgument
from ..proof import Proof
from .cascade import CascadeClaim, prove_cascade

__all__ = ["prove_channel_sum", "prove_channels"]


def prove_channel_sum(layers: int, kernel: int = 3, dims: int = 2, channels: int = 2, **kw: object) -> Proof:
    """The sum-of-Kronecker-products theorem (general + exact instance)."""
    return prove_cascade(CascadeClaim(layers=layers, kernel=kernel, dims=dims, channels=channels, channel_sum=True,
                                      **kw))  # type: ignore[arg-type]


def prove_channels(layers: int, kernel: int = 3, dims: int = 2, channels: int = 2, seed: int = 0,
                   **kw: object) -> Proof:
    """Refute the single-Kronecker claim for ``channels > 1``; the sum theorem and a rank report are related proofs."""
    if channels < 2:
        raise InvalidArgument(f"prove_channels needs channels >= 2, got {channels}")
    single = CascadeClaim(layers=layers, kernel=kernel, dims=dims, channels=channels, channel_sum=False,
                          **kw)  # type: ignore[arg-type]
    return prove_cascade(single, seed)
