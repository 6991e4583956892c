"""GPU backend: CUDA sources (``*.cu``) and their CuPy ``RawModule`` loader.

Importing this package needs nothing beyond NumPy; CuPy (and PyTorch, for the
cuDNN baseline) are imported inside the functions that launch.  Compiled kernels
are cached per (device, dtype, template arguments).  Kernels:

* ``correlate.cu`` -- direct correlation, any channels, groups, stride, padding;
* ``tiled.cu`` -- single-channel and depthwise correlation through shared-memory tiles;
* ``cascade.cu`` -- the one-channel dilated (Kronecker) cascade fused into one launch.

:mod:`kronconv.gpu.dispatch` chooses among them (and cuDNN, when allowed).  Everything that is not the correlation
itself (padding-free pooling, unpooling, shifts, ReLU) runs through CuPy array
operations in the array-generic code of :mod:`kronconv.numeric`.

Examples
--------
>>> "dilated_correlate" in kernel_source("correlate.cu")
True
"""

from __future__ import annotations

from .dispatch import KernelChoice, choose_kernel
from .fused import fused_cascade
from .kernels import (
    SOURCES,
    CascadePlan,
    Launch,
    cascade_plan,
    kernel_source,
    tiled_launch,
)
from .run import correlate_gpu

__all__ = [
    "SOURCES",
    "CascadePlan",
    "KernelChoice",
    "Launch",
    "cascade_plan",
    "choose_kernel",
    "correlate_gpu",
    "fused_cascade",
    "kernel_source",
    "tiled_launch",
]
