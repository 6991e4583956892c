"""Model sources shared by ``kronconv rf`` and ``kronconv graph``: ONNX files and ``--torch MODULE:ATTR``."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from ..errors import InvalidSpec
from ..importers import Imported, read_onnx, read_torch
from ._common import int_list

__all__ = ["add_model_args", "load_imported"]


def add_model_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("imported models (a .onnx file as the spec, or --torch)")
    g.add_argument("--torch", metavar="MODULE:ATTR",
                   help="a torch.nn.Module, or a callable returning one, importable as MODULE:ATTR "
                        "(the current directory is on the path) or found in a file as PATH.py:ATTR; "
                        "needs --input-shape")
    g.add_argument("--input-shape", type=int_list(1, 1 << 20, "--input-shape"), metavar="N,C,H[,W[,D]]",
                   help="input shape of an imported model (required with --torch; for ONNX only where the "
                        "model leaves it open)")
    g.add_argument("--output", metavar="NAME", help="the model output to analyse when it has several (ONNX)")
    g.add_argument("--align", choices=("centre", "end", "start"), default="centre",
                   help="what branches must share at merges: field centres (default), or ends for causal "
                        "networks (WaveNet)")


def load_imported(args: argparse.Namespace) -> Imported | None:
    """The imported model chosen by the arguments, or ``None`` when the source is not a model."""
    torch_ref = getattr(args, "torch", None)
    spec = getattr(args, "spec", None)
    is_onnx = isinstance(spec, str) and spec.lower().endswith(".onnx")
    if torch_ref is None and not is_onnx:
        if getattr(args, "input_shape", None) is not None or getattr(args, "output", None) is not None or \
                getattr(args, "align", "centre") != "centre":
            raise InvalidSpec("--input-shape, --output and --align are for imported models (a .onnx file or "
                              "--torch); a graph spec sets 'align' itself")
        return None
    others = [n for n in ("preset", "kernel", "kernels", "dilations", "strides", "paddings", "layers")
              if getattr(args, n, None) is not None]
    if torch_ref is not None and spec is not None:
        others.insert(0, "a spec file")
    if others:
        raise InvalidSpec(f"give one network source, got {'--torch' if torch_ref else spec!r} and {others[0]}")
    if is_onnx:
        return read_onnx(spec, input_shape=args.input_shape, output=args.output, align=args.align)
    if args.input_shape is None:
        raise InvalidSpec("--torch needs --input-shape N,C,H[,W[,D]]")
    if args.output is not None:
        raise InvalidSpec("--output is for ONNX models; a torch module's forward returns one tensor")
    return read_torch(_resolve(torch_ref), tuple(args.input_shape), align=args.align)


def _resolve(ref: str) -> Any:
    mod_name, sep, attr = ref.partition(":")
    if not sep or not mod_name or not attr:
        raise InvalidSpec(f"--torch must be MODULE:ATTR (e.g. mynets:build), got {ref!r}")
    if mod_name == "kronconv" or mod_name.startswith("kronconv."):
        raise InvalidSpec(f"--torch loads your model's module, not kronconv's own, got {mod_name!r}")
    if mod_name.endswith(".py"):  # a file path: load it as a module of its own
        path = Path(mod_name)
        if not path.is_file():
            raise InvalidSpec(f"--torch: no such Python file {mod_name!r}")
        spec = importlib.util.spec_from_file_location(f"_kronconv_user_{path.stem}", path)
        if spec is None or spec.loader is None:
            raise InvalidSpec(f"--torch: cannot load {mod_name!r} as a Python module")
        mod = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(mod)
        except Exception as exc:  # noqa: BLE001 - the user's file: report its error in one line
            raise InvalidSpec(f"--torch: loading {mod_name!r} failed: {type(exc).__name__}: {exc}") from None
    else:
        if str(Path.cwd()) not in sys.path:
            sys.path.insert(0, str(Path.cwd()))
        try:
            mod = importlib.import_module(mod_name)
        except ImportError as exc:
            raise InvalidSpec(f"--torch: cannot import module {mod_name!r}: {exc}") from None
    obj: Any = mod
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise InvalidSpec(f"--torch: {mod_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    import torch

    if not isinstance(obj, torch.nn.Module) and callable(obj):
        obj = obj()
    if not isinstance(obj, torch.nn.Module):
        raise InvalidSpec(f"--torch: {ref} is a {type(obj).__name__}, not a torch.nn.Module or a callable "
                          "returning one")
    return obj
