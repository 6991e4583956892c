"""Command-line interface: ``kronconv <command> ...``.

A thin layer: each command lives in :mod:`kronconv.commands` as a module with a
``register(subparsers)`` function; it parses, calls the library, renders and
writes.  Exit status: 0 success / proved / holds, 1 refuted / check failed,
2 bad input (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Sequence

from . import __version__
from .errors import KronconvError

__all__ = ["COMMANDS", "build_parser", "main"]

#: Command modules in :mod:`kronconv.commands`, in help order (each must exist).
COMMANDS = ("rf", "formula", "prove", "verify", "graph", "check", "docs", "design")


#: Longest error line printed; longer messages (huge inputs echoed by argparse) are cut.
MAX_ERROR_CHARS = 400


def one_line(message: str, limit: int = MAX_ERROR_CHARS) -> str:
    """``message`` as one printable line: control characters escaped, long words and lines cut.

    Examples
    --------
    >>> one_line("unrecognized arguments: a\\nb")
    'unrecognized arguments: a\\\\nb'
    >>> len(one_line("got " + "9" * 100_000)) < 120
    True
    """
    text = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in message)
    text = re.sub(r"\S{81,}", lambda m: f"{m[0][:60]}... ({len(m[0])} characters)", text)
    return text if len(text) <= limit else f"{text[:limit - 20]}... ({len(text)} characters)"


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {one_line(message)}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kronconv",
        description="Derive, prove and check the mathematics of dilated convolutions.",
    )
    parser.add_argument("--version", action="version", version=f"kronconv {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f".commands.{name}", __package__)
        except ModuleNotFoundError as exc:
            if exc.name == f"{__package__}.commands.{name}":
                raise ImportError(f"COMMANDS lists {name!r} but {exc.name} does not exist") from exc
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kronconv`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        names = [n for a in parser._actions if isinstance(a, argparse._SubParsersAction) for n in a.choices]
        sys.stderr.write(f"kronconv: error: choose a command: {', '.join(names)} (see kronconv --help)\n")
        return 2
    try:
        return int(args.func(args) or 0)
    except KronconvError as exc:
        sys.stderr.write(f"kronconv: error: {one_line(str(exc))}\n")
        return 2
    except BrokenPipeError:  # e.g. `kronconv rf ... | head`
        return 0
    except KeyboardInterrupt:
        sys.stderr.write("kronconv: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
