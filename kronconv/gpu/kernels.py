"""Load, compile (once per device and dtype) and launch the CUDA kernels of ``kronconv/gpu/*.cu``.

The sources are templated on the element type and instantiated for ``float``
and ``double`` through ``cupy.RawModule(name_expressions=...)``.  Compiled
functions are cached in an ``lru_cache`` keyed on ``(device id, dtype,
kernel name)``; CuPy is imported lazily inside the functions.

Examples
--------
>>> sorted(SOURCES)
['correlate.cu']
>>> ctype_of("float32"), ctype_of("float64")
('float', 'double')
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InvalidArgument
from ..numeric.geometry import ConvGeometry

__all__ = [
    "MAX_BLOCKS",
    "SOURCES",
    "THREADS",
    "correlate_gpu",
    "ctype_of",
    "get_function",
    "kernel_source",
    "launch_params",
]

_DIR = Path(__file__).resolve().parent
#: CUDA source files shipped with the package, and the kernels each defines.
SOURCES = {"correlate.cu": ("dilated_correlate",)}
#: Threads per block of every launch.
THREADS = 256
#: Cap on the grid size (kernels use grid-stride loops, so any total works).
MAX_BLOCKS = 65535

_CTYPES = {"float32": "float", "float64": "double"}


def ctype_of(dtype: Any) -> str:
    """The CUDA element type for a NumPy dtype (float32 or float64 only)."""
    name = np.dtype(dtype).name
    if name not in _CTYPES:
        raise InvalidArgument(f"GPU kernels support float32 and float64, got {name}")
    return _CTYPES[name]


@cache
def kernel_source(filename: str) -> str:
    """The text of one ``.cu`` file of this package."""
    if filename not in SOURCES:
        raise InvalidArgument(f"unknown CUDA source {filename!r}; available: {', '.join(SOURCES)}")
    return (_DIR / filename).read_text(encoding="utf-8")


@cache
def _compiled(device_id: int, dtype_name: str, filename: str, kernel: str) -> Any:
    import cupy

    expr = f"{kernel}<{ctype_of(dtype_name)}>"
    with cupy.cuda.Device(device_id):
        module = cupy.RawModule(code=kernel_source(filename), options=("--std=c++14",), name_expressions=(expr,))
        module.compile()
        return module.get_function(expr)


def get_function(kernel: str, dtype: Any) -> Any:
    """The compiled kernel ``kernel<T>`` for ``dtype`` on the current device (cached)."""
    import cupy

    for filename, names in SOURCES.items():
        if kernel in names:
            return _compiled(int(cupy.cuda.Device().id), np.dtype(dtype).name, filename, kernel)
    raise InvalidArgument(f"unknown GPU kernel {kernel!r}")


def launch_params(geo: ConvGeometry) -> np.ndarray:
    """The 23 int64 geometry values ``geo[]`` of ``correlate.cu``, spatial axes padded to three.

    Examples
    --------
    >>> from kronconv.numeric import conv_geometry
    >>> launch_params(conv_geometry((2, 4, 9), (6, 2, 3), dilation=2, groups=2, padding="circular")).tolist()
    [2, 4, 6, 2, 1, 9, 1, 1, 9, 1, 1, 3, 1, 1, 2, 1, 1, 1, 1, 1, 2, 0, 0]
    """
    pad3 = 3 - geo.dims
    ones = [1] * pad3
    meta = (
        [geo.batch, geo.in_channels, geo.out_channels, geo.groups, 1 if geo.boundary == "circular" else 0]
        + list(geo.in_size) + ones
        + list(geo.out_size) + ones
        + list(geo.kernel) + ones
        + list(geo.dilation) + ones
        + list(geo.stride) + ones
        + [lo for lo, _ in geo.pad] + [0] * pad3
    )
    return np.asarray(meta, dtype=np.int64)


def correlate_gpu(x: Any, w: Any, geo: ConvGeometry, dtype: Any) -> Any:
    """Launch ``dilated_correlate<T>`` for CuPy arrays with geometry ``geo`` (validated by the caller)."""
    import cupy

    dt = np.dtype(dtype)
    with x.device:
        xc = cupy.ascontiguousarray(x, dtype=dt)
        wc = cupy.ascontiguousarray(w, dtype=dt)
        params = cupy.asarray(launch_params(geo))
        y = cupy.empty((geo.batch, geo.out_channels) + tuple(geo.out_size), dtype=dt)
        total = int(y.size)
        if total:
            blocks = min((total + THREADS - 1) // THREADS, MAX_BLOCKS)
            fn = get_function("dilated_correlate", dt)
            fn((blocks,), (THREADS,), (xc, wc, y, params, np.int64(total)))
        return y
