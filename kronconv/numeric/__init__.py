r"""Reference convolutions (NumPy, array-generic): dilated correlation/convolution, pooling, cascades.

Layout and conventions
----------------------
Arrays are channels-first: an input is ``(N, C_in, n_1, ..., n_D)`` and a weight
``(C_out, C_in / groups, k_1, ..., k_D)`` with ``D`` in 1, 2, 3 spatial axes.
With dilation :math:`d`, stride :math:`s` and ``lo`` zeros (or wrapped values)
added before each axis, the **correlation** is

.. math::

    y[n, o, i] = \sum_{c \in \text{group}(o)} \sum_{t} W[o, c, t]\, \tilde x[n, c, i s + t d - lo]

(per axis; :math:`\tilde x` is the padded input) and the **convolution**
(``convolve``) is the correlation with the kernel flipped on every spatial
axis, i.e. in ``full`` mode the true convolution
:math:`(K * F)[t] = \sum_\tau K[\tau] F[t - \tau]` of Yu & Koltun (2015).

Padding modes, with :math:`e = d (k - 1) + 1` the dilated extent:

* ``valid`` — no padding; ``(n - e) // s + 1`` outputs.
* ``same`` — zeros, ``lo = e // 2`` and ``hi = (e - 1) // 2``: for an even extent
  the extra zero goes **before** the signal.  This is ``scipy.signal``'s ``same``
  (the centre of the full output) for both ``convolve`` and ``correlate``, and
  the origin of ``scipy.ndimage.correlate`` (centre ``e // 2``) — the tests check these.
  PyTorch's ``padding='same'`` puts the extra zero after instead, and so does
  ``scipy.ndimage.convolve`` for even extents (it equals widths
  ``((e - 1) // 2, e // 2)`` here).
* ``full`` — ``e - 1`` zeros on both sides (``scipy.signal`` ``full``).
* ``circular`` — the ``same`` widths filled by wrapping around (periodic
  signal; ``scipy.ndimage`` ``mode='wrap'``).
* explicit widths — an int (both sides), or per axis an int or a ``(lo, hi)``
  pair; ``boundary='zeros' | 'circular'`` says how they are filled.

A stride :math:`s` keeps outputs ``0, s, 2s, ...`` of the stride-1 result.

Floating-point error bound
--------------------------
Each output is a dot product of :math:`n = (\prod_i k_i) \cdot C_{in}/\text{groups}`
terms.  In floating point with unit roundoff :math:`u` (:math:`2^{-24}` for
float32, :math:`2^{-53}` for float64), in *any* summation order, with or without
fused multiply-add (Higham, *Accuracy and Stability of Numerical Algorithms*,
2nd ed., Lemma 3.1 and eq. (3.4)–(3.5)):

.. math::

    |\mathrm{fl}(y) - y| \le \gamma_n \sum |W| |x|, \qquad \gamma_n = \frac{n u}{1 - n u}.

Two implementations that both satisfy it (the NumPy reference and the CuPy
kernels) therefore differ by at most :math:`2 \gamma_n \sum |W||x|`, and agree
*exactly* when all inputs are integers and :math:`\sum |W||x| < 2^{p}`
(:math:`p = 24, 53`), because every partial sum is then representable.
Through a network the bound is propagated layer by layer
(:func:`forward` with ``with_bound=True``): a convolution maps a bound :math:`E`
to :math:`|W| \star E + \gamma_{n+1} (|W| \star |\hat y| + |b|)` (computed
values :math:`\hat y`), ReLU and max pooling are 1-Lipschitz in the max norm and
keep it, average pooling adds :math:`\gamma_{K+1}` of the average magnitude.
Bounds are evaluated in float64 on non-negative terms and inflated by
:math:`1 / (1 - 2 N u_{64})` (:func:`inflation`; :math:`N` the total term
count plus a few operations per layer) to cover their own rounding.

Size limits
-----------
Every public operation estimates its memory and its work (multiply-adds) **before
allocating** -- for a correlation from the plan of the path that will run
(:func:`~kronconv.numeric.correlation.correlation_plan`, within 2x of what it does) --
and raises :class:`~kronconv.errors.TooLarge` above ``max_bytes``
(default :data:`MAX_BYTES` = 2 GiB) or ``max_work`` (default :data:`MAX_WORK`
= 2**32 multiply-adds), naming the estimate and the limit.

Layout
------
:mod:`~kronconv.numeric.geometry` (padding widths, :class:`ConvGeometry`,
limits; shared with the GPU kernels), :mod:`~kronconv.numeric.bounds` (error-bound
arithmetic), :mod:`~kronconv.numeric.correlation` (the direct paths, the cost model,
``correlate(method=...)`` and ``correlate_with_bound``), :mod:`~kronconv.numeric.channelgemm`
(the ``flat`` path of several channels), :mod:`~kronconv.numeric.spectral`
(the FFT path and its norm-wise error bound), :mod:`~kronconv.numeric.pooling`,
:mod:`~kronconv.numeric.network` (:func:`forward` through networks, border masks)
and :mod:`~kronconv.numeric.cascades`; every public name is re-exported here.
No submodule is named after a function it defines, so ``kronconv.numeric.correlate``
is always the function.

Examples
--------
>>> import numpy as np
>>> x = np.arange(6.0).reshape(1, 1, 6)
>>> w = np.array([1.0, 0.0, -1.0]).reshape(1, 1, 3)
>>> correlate(x, w).ravel().tolist()
[-2.0, -2.0, -2.0, -2.0]
>>> correlate(x, w, dilation=2).ravel().tolist()
[-4.0, -4.0]
>>> convolve_plain(np.array([1.0, 2.0]), np.array([1.0, 1.0, 1.0]), padding="full").tolist()
[1.0, 3.0, 3.0, 2.0]
"""

from __future__ import annotations

from .bounds import gamma, inflation, unit_roundoff
from .cascades import cascade, cascade_padding, cascade_with_bound
from .correlation import convolve, convolve_plain, correlate, correlate_plain
from .geometry import (
    MAX_BYTES,
    MAX_WORK,
    PADDING_MODES,
    ConvGeometry,
    check_limits,
    conv_geometry,
    pad_widths,
)
from .network import (
    ForwardResult,
    NetLayer,
    Unpool,
    border_mask,
    forward,
    init_params,
    total_stride,
)
from .pooling import max_unpool, pool, shift, upsample_nearest

__all__ = [
    "MAX_BYTES",
    "MAX_WORK",
    "PADDING_MODES",
    "ConvGeometry",
    "ForwardResult",
    "NetLayer",
    "Unpool",
    "border_mask",
    "cascade",
    "cascade_padding",
    "cascade_with_bound",
    "check_limits",
    "conv_geometry",
    "convolve",
    "convolve_plain",
    "correlate",
    "correlate_plain",
    "forward",
    "gamma",
    "inflation",
    "init_params",
    "max_unpool",
    "pad_widths",
    "pool",
    "shift",
    "total_stride",
    "unit_roundoff",
    "upsample_nearest",
]
