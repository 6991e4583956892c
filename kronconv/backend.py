"""Array backends: NumPy or CuPy, selected in one place.

``auto`` picks CuPy only where it imports, sees at least one CUDA device *and*
can allocate on it (``import cupy`` succeeds on machines without a GPU, so the
import alone proves nothing); otherwise NumPy.  CuPy is imported lazily, inside
the functions that need it, so ``import kronconv`` never requires it.

Examples
--------
>>> resolve_backend("numpy")
'numpy'
>>> get_xp("numpy").__name__
'numpy'
>>> resolve_backend("tpu")
Traceback (most recent call last):
...
kronconv.errors.InvalidArgument: backend must be one of auto, numpy, cupy, got 'tpu'
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from .errors import BackendUnavailable, InvalidArgument

__all__ = [
    "BACKENDS",
    "INSTALL_HINT",
    "backend_of",
    "get_xp",
    "gpu_available",
    "gpu_unavailable_reason",
    "resolve_backend",
    "to_numpy",
]

#: Accepted backend names.
BACKENDS = ("auto", "numpy", "cupy")
#: How to get the optional GPU backend.
INSTALL_HINT = "pip install 'kronconv[gpu]'"


@lru_cache(maxsize=1)
def gpu_unavailable_reason() -> str | None:
    """``None`` when CuPy imports and can allocate on a CUDA device, else a one-line reason."""
    try:
        import cupy
    except Exception as exc:  # noqa: BLE001 - any import failure means no GPU backend
        return f"CuPy is not importable ({type(exc).__name__}); install it with {INSTALL_HINT}"
    try:
        count = int(cupy.cuda.runtime.getDeviceCount())
    except Exception as exc:  # noqa: BLE001 - driver/runtime missing
        return f"CuPy imports but the CUDA runtime fails ({type(exc).__name__}: {exc})"
    if count < 1:
        return "CuPy imports but no CUDA device is visible"
    try:
        probe = cupy.arange(4, dtype=cupy.float32).sum()
        float(probe)
    except Exception as exc:  # noqa: BLE001 - device present but unusable
        return f"CuPy sees {count} device(s) but cannot compute on them ({type(exc).__name__}: {exc})"
    return None


def gpu_available() -> bool:
    """Whether the CuPy backend is really usable here (device count > 0 and a probe works).

    Examples
    --------
    >>> isinstance(gpu_available(), bool)
    True
    """
    return gpu_unavailable_reason() is None


def resolve_backend(name: str = "auto") -> str:
    """Map ``auto | numpy | cupy`` to the backend that will run: ``'numpy'`` or ``'cupy'``.

    Raises :class:`~kronconv.errors.BackendUnavailable` when ``cupy`` is asked for
    and cannot be used, naming the reason and the install hint.
    """
    if name not in BACKENDS:
        raise InvalidArgument(f"backend must be one of {', '.join(BACKENDS)}, got {name!r}")
    if name == "numpy":
        return "numpy"
    reason = gpu_unavailable_reason()
    if name == "auto":
        return "numpy" if reason is not None else "cupy"
    if reason is not None:
        raise BackendUnavailable(f"backend 'cupy' is not usable: {reason}")
    return "cupy"


def get_xp(name: str = "auto") -> Any:
    """The array module (``numpy`` or ``cupy``) for a backend name."""
    if resolve_backend(name) == "cupy":
        import cupy

        return cupy
    return np


def backend_of(a: Any) -> str:
    """``'cupy'`` for a CuPy array, else ``'numpy'``.

    Examples
    --------
    >>> backend_of(np.zeros(2))
    'numpy'
    """
    return "cupy" if type(a).__module__.startswith("cupy") else "numpy"


def to_numpy(a: Any) -> np.ndarray:
    """A NumPy copy/view of a NumPy or CuPy array.

    Examples
    --------
    >>> to_numpy(np.arange(3)).tolist()
    [0, 1, 2]
    """
    if backend_of(a) == "cupy":
        return a.get()  # type: ignore[no-any-return]
    return np.asarray(a)
