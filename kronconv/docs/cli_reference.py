"""Page ``cli-reference.md``: every command, generated from :func:`kronconv.cli.build_parser`.

The reference is rendered from the parser's actions (option strings, metavars,
choices, defaults, help), not from ``format_help()``, so the text does not
depend on the terminal width or on the Python version's argparse layout.  It
picks up whatever commands exist when the docs are generated.

Examples
--------
>>> text = build(None).text
>>> "## `kronconv rf`" in text and "`--preset PRESET`" in text
True
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any

from ._text import frame, md_table
from .page import DocsContext, Page

__all__ = ["build", "walk_commands"]


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def walk_commands(parser: argparse.ArgumentParser, prefix: str = "kronconv") -> Iterator[tuple[str, str, argparse.ArgumentParser]]:
    """``(command path, one-line help, parser)`` for every (sub)command, depth first, in help order."""
    sub = _subparsers(parser)
    if sub is None:
        return
    helps = {a.dest: (a.help or "") for a in sub._choices_actions}
    for name, child in sub.choices.items():
        path = f"{prefix} {name}"
        yield path, helps.get(name, ""), child
        yield from walk_commands(child, path)


def _metavar(action: argparse.Action) -> str:
    if action.nargs == 0:
        return ""
    if action.metavar is not None:
        mv = action.metavar if isinstance(action.metavar, str) else " ".join(action.metavar)
    elif action.choices is not None and not isinstance(action, argparse._SubParsersAction):
        mv = "{" + ",".join(str(c) for c in action.choices) + "}"
    else:
        mv = action.dest.upper() if action.option_strings else action.dest
    if action.nargs == "?":
        return f"[{mv}]"
    if action.nargs in ("*",):
        return f"[{mv} ...]"
    if action.nargs == "+":
        return f"{mv} [{mv} ...]"
    return mv


def _help(action: argparse.Action, prog: str) -> str:
    text = action.help or ""
    if "%" in text:
        params: dict[str, Any] = dict(vars(action), prog=prog)
        if params.get("choices") is not None:
            params["choices"] = ", ".join(str(c) for c in params["choices"])
        try:
            text = text % params
        except (KeyError, TypeError, ValueError):
            pass
    return " ".join(text.split()).replace("|", "\\|")


def _default(action: argparse.Action) -> str:
    if action.option_strings and action.nargs != 0 and action.default not in (None, argparse.SUPPRESS):
        return f"`{action.default}`"
    return ""


def _command_section(path: str, summary: str, parser: argparse.ArgumentParser) -> str:
    depth = path.count(" ")
    head = "#" * min(1 + depth, 4)
    lines = [f"{head} `{path}`", ""]
    desc = " ".join((parser.description or summary or "").split())
    if desc:
        lines += [desc, ""]
    sub = _subparsers(parser)
    if sub is not None:
        names = ", ".join(f"`{n}`" for n in sub.choices)
        lines += [f"Subcommands: {names}.", ""]
    for group in parser._action_groups:
        rows = []
        for action in group._group_actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)) or action.help == argparse.SUPPRESS:
                continue
            mv = _metavar(action)
            if action.option_strings:
                name = ", ".join(f"`{o}{(' ' + mv) if mv else ''}`" for o in action.option_strings)
            else:
                name = f"`{mv}`"
            rows.append([name, _help(action, parser.prog), _default(action)])
        if rows:
            title = group.title or "arguments"
            if title in ("optional arguments", "options"):
                title = "options"
            lines += [f"*{title}*", "", md_table(["argument", "description", "default"], rows), ""]
    return "\n".join(lines)


def build(ctx: DocsContext | None) -> Page:
    """The CLI reference page."""
    from ..cli import build_parser

    parser = build_parser()
    commands = list(walk_commands(parser))
    top = [c for c in commands if c[0].count(" ") == 1]
    overview = md_table(["command", "what it does"], [[f"[`{p}`](#{p.replace(' ', '-')})", h] for p, h, _ in top])
    sections = [
        "## Commands\n\n" + overview
        + "\n\nExit status of every command: 0 success / proved / holds, 1 a claim refuted or a check failed, "
        "2 bad input (one line on standard error, nothing written).  `kronconv --version` prints the version.",
    ]
    sections += [_command_section(p, h, sub) for p, h, sub in commands]
    text = frame(
        "Command-line reference",
        "Generated from the argument parser of the installed kronconv (`kronconv.cli.build_parser`), so it "
        "lists exactly the commands and options that exist.  `kronconv COMMAND --help` prints the same "
        "information.",
        sections,
        [],
        "kronconv docs --out docs",
    )
    return Page("cli-reference", "Command-line reference", "every command and option, from the parser", text)
