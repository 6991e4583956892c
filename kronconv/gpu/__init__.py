"""GPU backend: CUDA sources (``*.cu``) and their CuPy ``RawModule`` loader.

Importing this package needs nothing beyond NumPy; CuPy is imported inside
:mod:`kronconv.gpu.kernels` functions when a kernel is first launched.  Compiled
kernels are cached per (device, dtype).  Everything that is not the correlation
itself (padding-free pooling, unpooling, shifts, ReLU) runs through CuPy array
operations in the array-generic code of :mod:`kronconv.numeric`.

Examples
--------
>>> "dilated_correlate" in kernel_source("correlate.cu")
True
"""

from __future__ import annotations

from .kernels import SOURCES, correlate_gpu, kernel_source

__all__ = ["SOURCES", "correlate_gpu", "kernel_source"]
