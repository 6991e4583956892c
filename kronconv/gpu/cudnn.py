"""cuDNN (through PyTorch) on CuPy arrays: the baseline of the benchmarks and the opt-in dispatch target.

PyTorch is imported lazily; arrays cross between CuPy and PyTorch through DLPack
without copies.  Padding is applied explicitly (zeros or wrapped) so every
kronconv padding mode, asymmetric widths included, maps onto cuDNN's valid
correlation (``torch.nn.functional.conv1d/2d/3d`` compute cross-correlation).

Examples
--------
>>> isinstance(cudnn_unavailable_reason(), (str, type(None)))
True
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..numeric import ConvGeometry

__all__ = ["correlate_cudnn", "cudnn_unavailable_reason", "torch_conv"]


@lru_cache(maxsize=1)
def cudnn_unavailable_reason() -> str | None:
    """``None`` when PyTorch imports, sees a CUDA device and has cuDNN; else a one-line reason."""
    try:
        import torch
    except Exception as exc:  # noqa: BLE001 - any import failure means no cuDNN baseline
        return f"PyTorch is not importable ({type(exc).__name__})"
    if not torch.cuda.is_available():
        return f"PyTorch {torch.__version__} sees no CUDA device"
    if not torch.backends.cudnn.is_available():
        return f"PyTorch {torch.__version__} has no cuDNN"
    return None


def torch_conv(dims: int) -> Any:
    """``torch.nn.functional.conv1d``, ``conv2d`` or ``conv3d``."""
    import torch.nn.functional as F

    return (F.conv1d, F.conv2d, F.conv3d)[dims - 1]


def correlate_cudnn(x: Any, w: Any, geo: ConvGeometry) -> Any:
    """The correlation of ``geo`` on CuPy arrays through cuDNN; returns a CuPy array."""
    import cupy
    import torch
    import torch.nn.functional as F

    tx, tw = torch.from_dlpack(x), torch.from_dlpack(w)
    widths = [v for lo, hi in reversed(geo.pad) for v in (lo, hi)]  # F.pad: last axis first
    if any(widths):
        tx = F.pad(tx, widths, mode="circular" if geo.boundary == "circular" else "constant")
    ty = torch_conv(geo.dims)(tx, tw, stride=geo.stride, dilation=geo.dilation, groups=geo.groups)
    return cupy.from_dlpack(ty.contiguous())
