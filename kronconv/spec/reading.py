"""Reading spec files: size-bounded, strict TOML / JSON text to plain data (nothing built yet).

JSON is parsed strictly: a key given twice in one object, ``NaN`` and ``Infinity``
are refused; every failure is one line naming the file.  Turning the data into a
network is :mod:`.tables`'s job.

Examples
--------
>>> parse_spec_text('{"layers": [{"kernel": 3}]}', "json")
{'layers': [{'kernel': 3}]}
>>> parse_spec_text('{"a": 1, "a": 2}', "json")
Traceback (most recent call last):
...
kronconv.errors.InvalidSpec: duplicate key 'a' in one JSON object; give each key once
"""

from __future__ import annotations

import json
import stat
import sys
import tomllib
from pathlib import Path
from typing import Any

from ..errors import InvalidSpec, InvalidType, short_repr
from .model import MAX_SIZE

__all__ = ["MAX_SPEC_BYTES", "MAX_SPEC_DEPTH", "parse_spec_text", "read_spec_data"]

#: Largest spec file, in bytes.
MAX_SPEC_BYTES = 1 << 20
#: Deepest nesting of lists/tables accepted in a spec file.
MAX_SPEC_DEPTH = 8


def parse_spec_text(text: str, fmt: str, *, source: str = "spec") -> dict[str, Any]:
    """Parse spec text as ``"toml"`` or ``"json"`` into plain data, with one-line errors."""
    if len(text.encode("utf-8", "replace")) > MAX_SPEC_BYTES:
        raise InvalidSpec(f"{source}: spec files may be at most {MAX_SPEC_BYTES} bytes")
    try:
        if fmt == "toml":
            return tomllib.loads(text)
        if fmt == "json":
            data = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicate_keys)
            if not isinstance(data, dict):
                raise InvalidSpec(f"{source}: the top level must be an object, got {type(data).__name__}")
            return data
    except InvalidSpec:
        raise
    except tomllib.TOMLDecodeError as exc:
        raise InvalidSpec(f"{source}: not valid TOML ({exc})") from None
    except json.JSONDecodeError as exc:
        raise InvalidSpec(f"{source}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise InvalidSpec(f"{source}: nesting too deep (at most {MAX_SPEC_DEPTH} levels)") from None
    except ValueError as exc:  # e.g. integer strings longer than Python's digit limit
        if "digits" in str(exc):
            raise InvalidSpec(f"{source}: an integer has more than {sys.get_int_max_str_digits()} digits; "
                              f"sizes are at most {MAX_SIZE}") from None
        raise InvalidSpec(f"{source}: {short_repr(str(exc).splitlines()[0], 120)}") from None
    raise InvalidSpec(f"{source}: unknown spec format {fmt!r}; allowed: 'toml', 'json'")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` refusing a key that occurs twice in one JSON object (JSON allows it; we do not)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise InvalidSpec(f"duplicate key {short_repr(key)} in one JSON object; give each key once")
        out[key] = value
    return out


def _reject_constant(name: str) -> Any:
    raise InvalidSpec(f"{name} is not an allowed number in a spec file")


def read_spec_data(path: str | Path) -> dict[str, Any]:
    """Read and parse a ``.toml`` / ``.json`` spec file into plain data (nothing built yet).

    Raises
    ------
    InvalidSpec
        If the file is missing, unreadable, too large, not UTF-8 or malformed.
    """
    if not isinstance(path, (str, Path)):
        raise InvalidType(f"path must be a file name (str or pathlib.Path), got {type(path).__name__} "
                          f"{short_repr(path)}")
    p = Path(path)
    fmt = {".toml": "toml", ".json": "json"}.get(p.suffix.lower())
    if fmt is None:
        raise InvalidSpec(f"spec file {str(p)!r} must end in .toml or .json")
    try:
        st = p.stat()
    except OSError as exc:
        raise InvalidSpec(f"cannot read spec file {str(p)!r}: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):  # a directory, FIFO or device (/dev/zero) would block or never end
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise InvalidSpec(f"spec file {str(p)!r} is {kind}; give a .toml or .json file")
    if st.st_size > MAX_SPEC_BYTES:
        raise InvalidSpec(f"spec file {str(p)!r} is {st.st_size} bytes; at most {MAX_SPEC_BYTES} allowed")
    try:
        with open(p, "rb") as fh:
            raw = fh.read(MAX_SPEC_BYTES + 1)  # bounded even if the file grows while we read
    except OSError as exc:
        raise InvalidSpec(f"cannot read spec file {str(p)!r}: {exc.strerror}") from None
    if len(raw) > MAX_SPEC_BYTES:
        raise InvalidSpec(f"spec file {str(p)!r} is larger than {MAX_SPEC_BYTES} bytes; at most {MAX_SPEC_BYTES} allowed")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidSpec(f"cannot read spec file {str(p)!r}: not UTF-8 text (bad byte at {exc.start})") from None
    return parse_spec_text(text, fmt, source=str(p))

