"""Quantized tensor trains (QTT) of kernels: exact representability by dilated cascades, and best fits.

* :mod:`.ranks` — digit order, unfoldings, exact (multi-modular) and numeric ranks;
* :mod:`.fit` — TT-SVD, exact rational construction, ALS, cascade weights in kronconv's layout;
* :mod:`.io` — loading ``.npy`` kernels safely; saving ``.npz`` / ``.onnx`` cascades.
"""

from __future__ import annotations

from .ranks import (
    RankProfile,
    digit_tensor,
    exact_rank,
    from_digit_tensor,
    pad_to_power,
    rank_profile,
    unfolding,
)

__all__ = [
    "RankProfile",
    "digit_tensor",
    "exact_rank",
    "from_digit_tensor",
    "pad_to_power",
    "rank_profile",
    "unfolding",
]
