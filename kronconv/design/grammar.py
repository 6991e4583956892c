r"""The schedule grammar of ``kronconv design --include`` and ``--repair``.

A schedule is a list of per-layer dilations, written in one of these forms
(spaces are allowed around ``,``, ``x`` and ``**``)::

    schedule    := body [ "x" COUNT ]                     repeat the body COUNT times (1..4096)
    body        := list | power
    list        := INT ("," INT)* [ "," "..." "," INT ]    explicit dilations, optionally with an ellipsis
    power       := INT ("**" | "^") "l"                   B**l: dilations B**0, ..., B**(L-1)

* ``INT`` is a positive decimal integer; ``x`` may also be written ``×`` and ``...`` as ``…``.
* An ellipsis continues the progression of the (at least three) terms before
  it up to and including the last term: an arithmetic progression (constant
  positive difference, e.g. ``1,2,3,...,8``) or a geometric one (constant
  integer ratio >= 2, e.g. ``1,2,4,...,512``).  The last term must be a
  member of the progression.
* ``B**l`` needs the number of layers ``L`` (``--layers``, else ``--max-layers``).

Everything else (brackets, signs, ``2**i``, two ellipses, fractions, ...) is
rejected with :class:`~kronconv.errors.InvalidArgument` naming the bad part.

Examples
--------
>>> parse_schedule("1,2,5 x3")
(1, 2, 5, 1, 2, 5, 1, 2, 5)
>>> parse_schedule("1,2,4,...,32")
(1, 2, 4, 8, 16, 32)
>>> parse_schedule("2**l", layers=4)
(1, 2, 4, 8)
>>> parse_schedule("1,2,...,8")
Traceback (most recent call last):
...
kronconv.errors.InvalidArgument: schedule '1,2,...,8': '...' needs at least three terms before it (an arithmetic or geometric progression), got 2
"""

from __future__ import annotations

import itertools
import re

from ..errors import InvalidArgument

__all__ = ["GRAMMAR", "MAX_DILATION", "MAX_SCHEDULE_LAYERS", "parse_schedule"]

#: One-line summary of the grammar (CLI help).
GRAMMAR = "'1,2,5', '1,2,5 x3', '1,2,4,...,512 x3' (arithmetic or geometric ellipsis) or 'B**l' with --layers"
#: Largest number of layers a schedule may have.
MAX_SCHEDULE_LAYERS = 4096
#: Largest dilation accepted.
MAX_DILATION = 1 << 30

_INT = re.compile(r"[0-9]+")


def _bad(text: str, why: str) -> InvalidArgument:
    return InvalidArgument(f"schedule {text!r}: {why}")


def _int(text: str, tok: str) -> int:
    if not _INT.fullmatch(tok):
        raise _bad(text, f"expected a positive integer, got {tok!r} (grammar: {GRAMMAR})")
    v = int(tok)
    if not 1 <= v <= MAX_DILATION:
        raise _bad(text, f"dilations must be integers in [1, {MAX_DILATION}], got {v}")
    return v


def _ellipsis(text: str, head: list[int], last: int) -> list[int]:
    if len(head) < 3:
        raise _bad(text, f"'...' needs at least three terms before it (an arithmetic or geometric "
                         f"progression), got {len(head)}")
    diffs = {b - a for a, b in itertools.pairwise(head)}
    ratios = {b // a if b % a == 0 else 0 for a, b in itertools.pairwise(head)}
    out = list(head)
    if len(diffs) == 1 and (step := diffs.pop()) > 0:
        if last <= out[-1] or (last - out[-1]) % step:
            raise _bad(text, f"the last term {last} is not a later term of the progression {head[0]}, "
                             f"{head[1]}, ... with difference {step}")
        if (last - out[-1]) // step > MAX_SCHEDULE_LAYERS:
            raise _bad(text, f"the ellipsis expands to more than {MAX_SCHEDULE_LAYERS} layers")
        while out[-1] < last:
            out.append(out[-1] + step)
        return out
    if len(ratios) == 1 and (r := ratios.pop()) >= 2:
        while out[-1] < last:
            out.append(out[-1] * r)
        if out[-1] != last:
            raise _bad(text, f"the last term {last} is not a later term of the progression {head[0]}, "
                             f"{head[1]}, ... with ratio {r}")
        return out
    raise _bad(text, "the terms before '...' are neither an arithmetic progression with positive difference "
                     "nor a geometric one with integer ratio >= 2")


def parse_schedule(text: str, layers: int | None = None) -> tuple[int, ...]:
    """Parse a schedule (grammar in the module docstring); ``layers`` is the ``L`` of ``B**l``."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidArgument(f"schedule must be a non-empty string, got {text!r} (grammar: {GRAMMAR})")
    if len(text) > 10000:
        raise InvalidArgument(f"schedule text has {len(text)} characters, at most 10000 are allowed")
    s = text.strip().replace("×", "x").replace("…", "...")
    count = 1
    m = re.fullmatch(r"(.*?)\s*x\s*([0-9]+)", s)
    if m and not re.fullmatch(r".*\*\*\s*$|.*\^\s*$", m.group(1)):
        s, count = m.group(1), int(m.group(2))
        if not 1 <= count <= MAX_SCHEDULE_LAYERS:
            raise _bad(text, f"the repeat count must be in [1, {MAX_SCHEDULE_LAYERS}], got {count}")
    pm = re.fullmatch(r"([0-9]+)\s*(\*\*|\^)\s*l", s)
    if pm:
        base = _int(text, pm.group(1))
        if layers is None:
            raise _bad(text, "B**l needs the number of layers: pass --layers L (or --max-layers)")
        if isinstance(layers, bool) or not isinstance(layers, int) or not 1 <= layers <= MAX_SCHEDULE_LAYERS:
            raise _bad(text, f"layers must be an integer in [1, {MAX_SCHEDULE_LAYERS}], got {layers!r}")
        if base > 1 and (layers > 31 or base ** (layers - 1) > MAX_DILATION):
            raise _bad(text, f"{base}**{layers - 1} exceeds the largest dilation {MAX_DILATION}")
        body = [base**i for i in range(layers)]
    else:
        toks = [t.strip() for t in s.split(",")]
        if "..." in toks:
            i = toks.index("...")
            if toks.count("...") > 1 or i != len(toks) - 2:
                raise _bad(text, "'...' may appear once, followed by exactly one last term")
            body = _ellipsis(text, [_int(text, t) for t in toks[:i]], _int(text, toks[-1]))
        else:
            body = [_int(text, t) for t in toks]
    if len(body) * count > MAX_SCHEDULE_LAYERS:
        raise _bad(text, f"{len(body) * count} layers, at most {MAX_SCHEDULE_LAYERS} are allowed")
    return tuple(body * count)
