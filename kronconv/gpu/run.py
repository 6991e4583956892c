"""Running correlations on a GPU: the kernel chosen by :mod:`kronconv.gpu.dispatch`, launched.

Kept apart from :mod:`kronconv.gpu.kernels` (sources, planning, launching) so that the dispatcher,
which plans with :mod:`kronconv.gpu.kernels`, and this runner import downward only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..numeric.geometry import ConvGeometry
from .dispatch import choose_kernel
from .kernels import MAX_BLOCKS, THREADS, get_function, launch, launch_params, smem_limit

__all__ = ["correlate_gpu"]


def correlate_gpu(x: Any, w: Any, geo: ConvGeometry, dtype: Any, *, allow_cudnn: bool = False) -> Any:
    """Correlate CuPy arrays with geometry ``geo`` (validated by the caller) through the kernel chosen
    by :func:`kronconv.gpu.dispatch.choose_kernel`: ``dilated_tiled`` for depthwise stride-1 problems,
    cuDNN only when ``allow_cudnn`` (its algorithms do not obey the ``gamma_n`` bound), else
    ``dilated_correlate``."""
    import cupy

    dt = np.dtype(dtype)
    with x.device:
        xc = cupy.ascontiguousarray(x, dtype=dt)
        wc = cupy.ascontiguousarray(w, dtype=dt)
        y = cupy.empty((geo.batch, geo.out_channels) + tuple(geo.out_size), dtype=dt)
        if not y.size:
            return y
        choice = choose_kernel(geo, dt.itemsize, limit=smem_limit(), allow_cudnn=allow_cudnn)
        if choice.kernel == "cudnn":
            from .cudnn import correlate_cudnn

            return correlate_cudnn(xc, wc, geo)
        if choice.launch is not None:
            launch(choice.launch, dt, xc, wc, y)
            return y
        params = cupy.asarray(launch_params(geo))
        total = int(y.size)
        blocks = min((total + THREADS - 1) // THREADS, MAX_BLOCKS)
        fn = get_function("dilated_correlate", dt)
        fn((blocks,), (THREADS,), (xc, wc, y, params, np.int64(total)))
        return y
