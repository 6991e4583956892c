"""The thread count of the OpenBLAS that NumPy calls, set for a block of code.

Small dense problems -- least-squares fits of a few hundred columns, GEMMs of a
few dozen channels -- gain nothing from BLAS threads, and on a busy machine a
threaded call waits for a descheduled thread: a ``961 x 144`` ``lstsq`` then
takes tens of milliseconds instead of two.  :func:`blas_threads` sets the
thread count of every OpenBLAS loaded in the process (NumPy's and SciPy's
wheels each bundle one; they are found in ``/proc/self/maps``) and restores the
previous counts on exit.  Where none is found (another BLAS, another operating
system) it changes nothing.  The thread count does not change the results of
the calls the docs make (checked by the docs drift test).

Examples
--------
>>> with blas_threads(1) as libs:
...     all(n == 1 for n in thread_counts(libs))
True
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import InvalidArgument

__all__ = ["blas_threads", "openblas_libraries", "thread_counts"]

#: (setter, getter) symbol pairs, by build: SciPy's 64-bit-integer and 32-bit wheels, then plain OpenBLAS.
_SYMBOLS = (
    ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
    ("scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"),
    ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
    ("openblas_set_num_threads", "openblas_get_num_threads"),
)


def _loaded_paths() -> list[str]:
    try:
        text = Path("/proc/self/maps").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    paths = {parts[5].strip() for parts in (line.split(None, 5) for line in text.splitlines()) if len(parts) == 6}
    return sorted(p for p in paths if "openblas" in Path(p).name.lower() and ".so" in Path(p).name)


@lru_cache(maxsize=1)
def _libraries(paths: tuple[str, ...]) -> tuple[tuple[Any, Any], ...]:
    found = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for set_name, get_name in _SYMBOLS:
            if hasattr(lib, set_name) and hasattr(lib, get_name):
                setter, getter = getattr(lib, set_name), getattr(lib, get_name)
                setter.argtypes, setter.restype = [ctypes.c_int], None
                getter.argtypes, getter.restype = [], ctypes.c_int
                found.append((setter, getter))
                break
    return tuple(found)


def openblas_libraries() -> tuple[tuple[Any, Any], ...]:
    """``(set_num_threads, get_num_threads)`` of every OpenBLAS loaded now (empty where none is found)."""
    return _libraries(tuple(_loaded_paths()))


def thread_counts(libs: tuple[tuple[Any, Any], ...] | None = None) -> list[int]:
    """The current thread count of each library of ``libs`` (default: :func:`openblas_libraries`)."""
    return [int(get()) for _, get in (openblas_libraries() if libs is None else libs)]


@contextmanager
def blas_threads(n: int) -> Iterator[tuple[tuple[Any, Any], ...]]:
    """Run the block with ``n`` threads in every loaded OpenBLAS; yields the libraries it set."""
    if n < 1:
        raise InvalidArgument(f"BLAS thread count must be at least 1, got {n}")
    libs = openblas_libraries()
    before = thread_counts(libs)
    for setter, _ in libs:
        setter(n)
    try:
        yield libs
    finally:
        for (setter, _), old in zip(libs, before):
            setter(old)
