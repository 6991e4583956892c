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
    "InvalidType",
    "KronconvError",
    "TooLarge",
    "short_repr",
]

#: Most characters of an input quoted in an error message.
MAX_QUOTE = 60


def short_repr(value: object, limit: int = MAX_QUOTE) -> str:
    r"""``repr`` of ``value`` on one line, cut to a short prefix when long (errors never echo huge inputs).

    Examples
    --------
    >>> short_repr("a" * 100)
    "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' (100 characters)"
    >>> short_repr("x\ny")
    "'x\\ny'"
    """
    if isinstance(value, str):
        if len(value) <= limit:
            return ascii(value) if not value.isprintable() else repr(value)
        return f"{ascii(value[:limit - 2])[:-1]}...' ({len(value)} characters)"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"an integer of {value.bit_length()} bits"
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__}>"
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else f"{text[:limit - 3]}... ({type(value).__name__})"


class KronconvError(Exception):
    """Base class of all kronconv errors."""


class InvalidSpec(KronconvError, ValueError):
    """A network description (layer, preset, spec file) is malformed or out of range."""


class InvalidArgument(KronconvError, ValueError):
    """An argument to a library function or command is out of its allowed range."""


class InvalidType(KronconvError, TypeError):
    """An argument to a library function has the wrong type (the message names the argument)."""


class TooLarge(KronconvError, MemoryError):
    """A request was estimated to exceed a documented size limit and was refused."""


class BackendUnavailable(KronconvError, ImportError):
    """An optional backend (CuPy, a GPU, matplotlib) was asked for but cannot be used."""
