"""Exceptions raised by kronconv.

Every error kronconv raises on purpose derives from :class:`KronconvError`, and
also from the builtin category it belongs to, so callers may catch either.
Messages echo the offending value and the allowed range; the CLI prints them as
one line and exits with status 2.
"""

from __future__ import annotations

__all__ = [
    "BackendUnavailable",
    "InvalidArgument",
    "InvalidSpec",
    "KronconvError",
    "TooLarge",
]


class KronconvError(Exception):
    """Base class of all kronconv errors."""


class InvalidSpec(KronconvError, ValueError):
    """A network description (layer, preset, spec file) is malformed or out of range."""


class InvalidArgument(KronconvError, ValueError):
    """An argument to a library function or command is out of its allowed range."""


class TooLarge(KronconvError, MemoryError):
    """A request was estimated to exceed a documented size limit and was refused."""


class BackendUnavailable(KronconvError, ImportError):
    """An optional backend (CuPy, a GPU, matplotlib) was asked for but cannot be used."""
