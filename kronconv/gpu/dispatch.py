"""Choose the kernel that runs one correlation on a GPU: tiled, direct, or cuDNN (opt-in).

The choice is pure Python on the geometry, so it is tested without a GPU:

* ``tiled`` -- ``dilated_tiled`` (shared-memory tiles): depthwise problems
  (``groups = C_in = C_out``, single-channel included) with stride 1 whose tile fits
  the shared memory;
* ``cudnn`` -- PyTorch's cuDNN convolution, only when the caller allows it
  (``allow_cudnn=True``), torch sees the GPU, and each output sums at least
  :data:`CUDNN_MIN_CHANNELS` input channels (dense channel mixing, where cuDNN's
  matrix-multiply algorithms win).  It is never the default: cuDNN may pick FFT or
  Winograd algorithms (and TF32 for float32), whose rounding the ``gamma_n`` bound that
  kronconv's checks certify does not cover;
* ``direct`` -- ``dilated_correlate`` (one thread per output), every other case.

Examples
--------
>>> from kronconv.numeric import conv_geometry
>>> choose_kernel(conv_geometry((1, 1, 64, 64), (1, 1, 3, 3), dilation=2), 4).kernel
'tiled'
>>> choose_kernel(conv_geometry((1, 64, 32, 32), (64, 64, 3, 3)), 4).kernel
'direct'
>>> c = choose_kernel(conv_geometry((1, 64, 32, 32), (64, 64, 3, 3)), 4, allow_cudnn=True, cudnn_reason=None)
>>> c.kernel, c.reason
('cudnn', 'dense channel mixing (64 input channels per output): cuDNN, allowed by the caller')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .kernels import DEFAULT_SMEM_LIMIT, Launch, tiled_launch

if TYPE_CHECKING:  # pragma: no cover
    from ..numeric import ConvGeometry

__all__ = ["CUDNN_MIN_CHANNELS", "KernelChoice", "choose_kernel"]

#: Input channels per output from which cuDNN is chosen when allowed.
CUDNN_MIN_CHANNELS = 16

_UNSET = "unset"


@dataclass(frozen=True)
class KernelChoice:
    """The kernel picked for one correlation, why, and (for kronconv's tiled kernel) its launch."""

    kernel: str
    reason: str
    launch: Launch | None = None


def choose_kernel(geo: ConvGeometry, itemsize: int, *, limit: int = DEFAULT_SMEM_LIMIT, allow_cudnn: bool = False,
                  cudnn_reason: str | None = _UNSET) -> KernelChoice:
    """Pick ``tiled``, ``cudnn`` or ``direct`` for ``geo`` (see the module docstring).

    ``cudnn_reason`` is why cuDNN cannot run (``None``: it can); by default it is
    asked of :func:`kronconv.gpu.cudnn.cudnn_unavailable_reason` when needed.
    """
    lc = tiled_launch(geo, itemsize, limit=limit)
    if lc is not None:
        return KernelChoice("tiled", f"depthwise stride-1 correlation, tile {lc.tile} in {lc.smem_bytes} bytes "
                            "of shared memory", lc)
    cg = geo.in_channels // geo.groups
    if allow_cudnn and cg >= CUDNN_MIN_CHANNELS:
        if cudnn_reason == _UNSET:
            from .cudnn import cudnn_unavailable_reason

            cudnn_reason = cudnn_unavailable_reason()
        if cudnn_reason is None:
            return KernelChoice("cudnn", f"dense channel mixing ({cg} input channels per output): cuDNN, "
                                "allowed by the caller")
        return KernelChoice("direct", f"cuDNN would be chosen but is unavailable: {cudnn_reason}")
    if geo.groups == geo.in_channels == geo.out_channels and any(s != 1 for s in geo.stride):
        why = f"stride {geo.stride} (the tiled kernel takes stride 1)"
    elif geo.groups == geo.in_channels == geo.out_channels:
        why = f"no tile with the halo {tuple(e - 1 for e in geo.extent)} fits {limit} bytes of shared memory"
    else:
        why = f"channel mixing ({cg} input channels per output, groups {geo.groups})"
    return KernelChoice("direct", f"one thread per output: {why}")
