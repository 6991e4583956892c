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
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from .errors import InvalidArgument, short_repr

__all__ = ["atomic_write", "check_writable", "write_together"]


def check_writable(out: str | Path, what: str) -> Path:
    """Fail early (before any work is done) when ``out`` cannot be a file we write.

    The name must be valid UTF-8 (it is printed back) and each component at most the file
    system's name limit; the parent directory must exist and be writable, and ``out`` must be
    absent or a regular file (never a directory or a device such as ``/dev/null``).  The write
    itself may still fail later, and then leaves nothing behind.
    """
    if not isinstance(out, (str, Path)):
        raise InvalidArgument(f"{what} must be a file name, got {short_repr(out)}")
    text = str(out)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgument(f"{what} {ascii(text)[:80]}: the file name is not valid UTF-8; "
                              "use a UTF-8 name") from None
    if not text or "\0" in text:
        raise InvalidArgument(f"{what} {short_repr(text)}: not a valid file name")
    path = Path(out)
    parent = path.parent if str(path.parent) else Path(".")
    try:
        limit = os.pathconf(parent if parent.is_dir() else ".", "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    longest = max((len(os.fsencode(part)) for part in path.parts), default=0)
    if longest > limit:
        raise InvalidArgument(f"{what} {short_repr(text)}: a file name component has {longest} bytes; "
                              f"at most {limit} allowed")
    try:
        if not parent.is_dir():
            raise InvalidArgument(f"{what} {short_repr(text)}: directory {short_repr(str(parent))} does not exist")
        if path.is_dir():
            raise InvalidArgument(f"{what} {short_repr(text)}: is a directory; give a file name")
        if path.exists() and not path.is_file():
            raise InvalidArgument(f"{what} {short_repr(text)}: not a regular file")
    except OSError as exc:
        raise InvalidArgument(f"{what} {short_repr(text)}: cannot use this path ({exc.strerror})") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InvalidArgument(f"{what} {short_repr(text)}: directory {short_repr(str(parent))} is not writable")
    return path


_BATCHES: list[list[tuple[str, Path]]] = []


@contextmanager
def write_together() -> Iterator[None]:
    """Make every :func:`atomic_write` inside the block land together, or none of them.

    Each write goes to its temporary file as usual; the renames into place are deferred
    to the end of the block.  If the block raises, every temporary is removed and no
    target is touched (e.g. a graph export is not left behind when the plot then fails).
    """
    batch: list[tuple[str, Path]] = []
    _BATCHES.append(batch)
    try:
        yield
    except BaseException:
        _BATCHES.pop()
        for tmp, _ in batch:
            with suppress(OSError):
                os.unlink(tmp)
        raise
    _BATCHES.pop()
    for tmp, target in batch:
        os.replace(tmp, target)


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
        raise InvalidArgument(f"{what} {short_repr(str(path))}: cannot write ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(content, str):
                fh.write(content.encode("utf-8"))
            elif isinstance(content, bytes):
                fh.write(content)
            else:
                content(fh)
        if _BATCHES:
            _BATCHES[-1].append((tmp, p))
            return
        os.replace(tmp, p)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise InvalidArgument(f"{what} {short_repr(str(path))}: cannot write ({exc.strerror})") from None
        raise
