"""Atomic file writing: a temporary file beside the target, renamed into place.

Every file kronconv writes (``--out``, graph exports and plots, docs pages,
figures and certificates) goes through :func:`atomic_write`, so a failure never
leaves a half-written file or a stray temporary behind.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> atomic_write(d / "a.txt", "hello\\n")
>>> (d / "a.txt").read_text(), sorted(p.name for p in d.iterdir())
('hello\\n', ['a.txt'])
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .errors import InvalidArgument

__all__ = ["atomic_write", "check_writable"]


def check_writable(out: str | Path, what: str) -> Path:
    """Fail early (before any work is done) when ``out`` cannot be a file we write.

    The parent directory must exist and be writable, and ``out`` must be absent
    or a regular file (never a directory or a device such as ``/dev/null``).
    The write itself may still fail later, and then leaves nothing behind.
    """
    path = Path(out)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InvalidArgument(f"{what} {str(out)!r}: directory {str(parent)!r} does not exist")
    if path.is_dir():
        raise InvalidArgument(f"{what} {str(out)!r}: is a directory; give a file name")
    if path.exists() and not path.is_file():
        raise InvalidArgument(f"{what} {str(out)!r}: not a regular file")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InvalidArgument(f"{what} {str(out)!r}: directory {str(parent)!r} is not writable")
    return path


def atomic_write(path: str | Path, content: str | bytes | Callable[[BinaryIO], object], what: str = "output") -> None:
    """Write ``content`` to ``path`` atomically.

    ``content`` is text (written as UTF-8 with ``\\n`` line ends), bytes, or a
    callable that writes to a binary file object (e.g. ``fig.savefig``).  The
    parent directory must exist.  OS errors become :class:`InvalidArgument`
    naming ``what`` and the path; any failure removes the temporary file.
    """
    p = check_writable(path, what)
    parent = p.parent if str(p.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{p.name}.", suffix=".tmp")
    except OSError as exc:
        raise InvalidArgument(f"{what} {str(path)!r}: cannot write ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(content, str):
                fh.write(content.encode("utf-8"))
            elif isinstance(content, bytes):
                fh.write(content)
            else:
                content(fh)
        os.replace(tmp, p)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise InvalidArgument(f"{what} {str(path)!r}: cannot write ({exc.strerror})") from None
        raise
