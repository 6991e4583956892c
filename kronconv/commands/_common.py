"""Argument groups and output helpers shared by the CLI commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from ..atomic import atomic_write, check_writable
from ..errors import InvalidSpec
from ..spec import Network, chain, load_spec, preset

__all__ = [
    "add_format_arg",
    "add_stack_args",
    "check_sources",
    "check_writable",
    "int_list",
    "network_from_args",
    "positive_int",
    "write_output",
]


def positive_int(lo: int = 1, hi: int = 1 << 20, name: str = "value") -> Callable[[str], int]:
    """argparse ``type=`` for an integer in ``[lo, hi]`` with a one-line error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an integer in [{lo}, {hi}], got {text!r}") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{name} must be an integer in [{lo}, {hi}], got {value}")
        return value

    parse.__name__ = name
    return parse


def int_list(lo: int = 1, hi: int = 1 << 20, name: str = "list") -> Callable[[str], list[int]]:
    """argparse ``type=`` for ``1,2,4`` lists of integers in ``[lo, hi]``."""

    def parse(text: str) -> list[int]:
        items = [t.strip() for t in text.split(",")]
        if not text.strip() or any(not t for t in items):
            raise argparse.ArgumentTypeError(f"{name} must be a comma-separated list of integers, got {text!r}")
        if len(items) > 4096:
            raise argparse.ArgumentTypeError(f"{name} may have at most 4096 entries, got {len(items)}")
        out = []
        for t in items:
            try:
                v = int(t)
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"{name} entries must be integers in [{lo}, {hi}], got {t!r}") from None
            if not lo <= v <= hi:
                raise argparse.ArgumentTypeError(f"{name} entries must be integers in [{lo}, {hi}], got {v}")
            out.append(v)
        return out

    parse.__name__ = name
    return parse


def add_stack_args(p: argparse.ArgumentParser, dims_default: int = 2) -> None:
    """The ways to describe a chain: flags, ``--preset NAME[:k=v,...]`` or a spec file."""
    g = p.add_argument_group("network (flags, --preset or a spec file)")
    g.add_argument("spec", nargs="?", help="spec file (.toml or .json; see docs/spec-files.md)")
    g.add_argument("--preset", help="named preset, optionally NAME:key=value,... (see --list-presets)")
    g.add_argument("--list-presets", action="store_true", help="list the presets and exit")
    g.add_argument("--kernel", type=positive_int(1, 1 << 20, "--kernel"), help="kernel size of every layer")
    g.add_argument("--kernels", type=int_list(1, 1 << 20, "--kernels"), help="per-layer kernel sizes K1,K2,...")
    g.add_argument("--dilations", type=int_list(1, 1 << 20, "--dilations"), help="per-layer dilations")
    g.add_argument("--strides", type=int_list(1, 1 << 20, "--strides"), help="per-layer strides")
    g.add_argument("--paddings", type=int_list(0, 1 << 20, "--paddings"), help="per-layer paddings (each side)")
    g.add_argument("--layers", type=positive_int(1, 4096, "--layers"), help="number of layers (lists of 1 broadcast)")
    g.add_argument("--channels", type=positive_int(1, 1 << 20, "--channels"), default=None,
                   help="channels of every layer (flags only; default 1)")
    g.add_argument("--dims", type=positive_int(1, 3, "--dims"), default=None,
                   help=f"spatial dimensions 1-3 (flags only; default {dims_default})")
    g.add_argument("--no-bias", action="store_true", help="layers without bias (flags only)")
    p.set_defaults(_dims_default=dims_default)


LAYER_FLAGS = ("kernel", "kernels", "dilations", "strides", "paddings", "layers")
FLAG_ONLY = ("dims", "channels", "no_bias")


def check_sources(args: argparse.Namespace) -> None:
    """Raise :class:`InvalidSpec` when :func:`add_stack_args` options conflict.

    One network source (a spec file, ``--preset`` or layer flags); ``--dims``, ``--channels`` and
    ``--no-bias`` only with layer flags (presets take ``NAME:dims=...``); ``--list-presets`` alone.
    """
    flag_given = any(getattr(args, n) is not None for n in LAYER_FLAGS)
    sources = [s for s, given in (("a spec file", args.spec is not None), ("--preset", args.preset is not None),
                                  ("layer flags", flag_given)) if given]
    extras = [f"--{n.replace('_', '-')}" for n in FLAG_ONLY if getattr(args, n) not in (None, False)]
    if args.list_presets and (sources or extras):
        raise InvalidSpec(f"--list-presets takes no network, got {' and '.join(sources + extras)}")
    if len(sources) > 1:
        raise InvalidSpec(f"give one network source, got {' and '.join(sources)}")
    if extras and sources and not flag_given:
        raise InvalidSpec(f"{', '.join(extras)}: only with layer flags, not with {sources[0]} "
                          "(presets take NAME:key=value, see --list-presets; spec files set them per layer)")


def network_from_args(args: argparse.Namespace) -> Network:
    """Build the :class:`Network` chosen by :func:`add_stack_args` flags (exactly one source)."""
    check_sources(args)
    flag_given = any(getattr(args, n) is not None for n in LAYER_FLAGS)
    if args.spec is not None:
        return load_spec(args.spec)
    if args.preset is not None:
        net = preset(args.preset)
        return net
    if not flag_given:
        raise InvalidSpec("no network given: pass --kernel/--kernels/--dilations, --preset NAME or a spec file")
    return chain(
        args.kernels, args.dilations, args.strides, args.paddings,
        kernel=args.kernel, layers=args.layers, channels=args.channels or 1, bias=not args.no_bias,
        dims=args.dims or args._dims_default,
    )


def add_format_arg(p: argparse.ArgumentParser, choices: tuple[str, ...] = ("text", "md", "latex", "json")) -> None:
    p.add_argument("--format", choices=choices, default="text", help="output format (default text)")
    p.add_argument("--out", metavar="FILE", help="write the output to FILE instead of standard output")


def write_output(text: str, out: str | None) -> None:
    """Print ``text`` or write it atomically to ``out`` (nothing half-written on failure)."""
    if not text.endswith("\n"):
        text += "\n"
    if out is None or out == "-":
        sys.stdout.write(text)
        return
    atomic_write(check_writable(out, "--out"), text, "--out")


def json_ready(obj: Any) -> Any:
    """Convert SymPy numbers in nested data to ints/strings for JSON."""
    import sympy as sp

    if isinstance(obj, dict):
        return {k: json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_ready(v) for v in obj]
    if isinstance(obj, sp.Integer):
        return int(obj)
    if isinstance(obj, sp.Basic):
        return str(obj)
    return obj
