"""Reading kernels from ``.npy`` files (never unpickling) and writing fitted cascades (``.npz``, ``.onnx``).

:func:`load_kernel` reads the header first and refuses, before reading any data,
anything that is not a 1-, 2- or 3-D array of real numbers (bool, integer or
float; no object, complex, structured or string dtypes) within :data:`MAX_FILE_ENTRIES`
entries; then NaN or infinite entries.

Examples
--------
>>> import io, numpy as np
>>> buf = io.BytesIO(); np.save(buf, np.eye(3)); _ = buf.seek(0)
>>> load_kernel(buf).shape
(3, 3)
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import numpy as np

from ..atomic import atomic_write, check_writable
from ..errors import BackendUnavailable, InvalidArgument, TooLarge
from .ranks import MAX_ENTRIES

__all__ = ["MAX_FILE_ENTRIES", "load_kernel", "onnx_model", "save_cascade"]

#: Largest kernel file accepted, in entries (same as the padded-kernel limit).
MAX_FILE_ENTRIES = MAX_ENTRIES


def _read(fh: IO[bytes], name: str) -> Any:
    try:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, _fortran, dtype = np.lib.format.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, _fortran, dtype = np.lib.format.read_array_header_2_0(fh)
        else:
            raise ValueError(f"unsupported .npy format version {version[0]}.{version[1]} (need 1.0 or 2.0)")
    except (ValueError, OSError, EOFError, SyntaxError, TypeError) as exc:
        raise InvalidArgument(f"{name}: not a valid .npy file ({str(exc).splitlines()[0][:80]})") from None
    if dtype.hasobject or dtype.kind not in "biuf" or dtype.fields is not None:
        raise InvalidArgument(f"{name}: dtype {dtype} is not a real number type (need bool, integer or float)")
    if len(shape) not in (1, 2, 3):
        raise InvalidArgument(f"{name}: kernel must be 1-, 2- or 3-D, got shape {tuple(shape)}")
    n = int(np.prod(shape))
    if n == 0:
        raise InvalidArgument(f"{name}: kernel is empty (shape {tuple(shape)})")
    if n > MAX_FILE_ENTRIES:
        raise TooLarge(f"{name}: {n} entries (shape {tuple(shape)}), above the limit MAX_FILE_ENTRIES = "
                       f"{MAX_FILE_ENTRIES}")
    fh.seek(0)
    try:
        arr = np.load(fh, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise InvalidArgument(f"{name}: cannot read the array data ({str(exc).splitlines()[0][:80]})") from None
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise InvalidArgument(f"{name}: kernel has NaN or infinite entries")
    if arr.dtype.kind == "f" and arr.dtype.itemsize > 8:
        arr = arr.astype(np.float64)
    return np.ascontiguousarray(arr)


def load_kernel(source: str | Path | IO[bytes]) -> Any:
    """Load a kernel from a ``.npy`` file (path or binary file object), ``allow_pickle=False``."""
    if hasattr(source, "read"):
        return _read(source, "kernel")  # type: ignore[arg-type]
    path = Path(source)
    try:
        with path.open("rb") as fh:
            return _read(fh, str(path))
    except FileNotFoundError:
        raise InvalidArgument(f"kernel file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise InvalidArgument(f"kernel file {str(path)!r} is a directory") from None
    except PermissionError:
        raise InvalidArgument(f"kernel file {str(path)!r} is not readable") from None


def save_cascade(result: Any, out: str | Path) -> str:
    """Write the fitted cascade: ``.npz`` (weights ``layer_<l>``, ``dilations``, exact integer data when
    exact) or ``.onnx`` (a chain of dilated ``Conv`` nodes).  Returns the format written."""
    path = Path(out)
    if path.suffix == ".npz":
        check_writable(path, "--out")
        arrays: dict[str, Any] = {f"layer_{l}": np.asarray(w, dtype=np.float64) for l, w in enumerate(result.weights)}
        arrays["dilations"] = np.array(result.dilations, dtype=np.int64)
        arrays["kernel_size"] = np.array(result.a, dtype=np.int64)
        if result.exact and result.exact_scales is not None:
            arrays["exact_scales"] = np.array([str(s) for s in result.exact_scales])

        def write(fh: IO[bytes]) -> None:
            np.savez(fh, **arrays)

        atomic_write(path, write, "--out")
        return "npz"
    if path.suffix == ".onnx":
        check_writable(path, "--out")
        model = onnx_model(result.weights, result.dilations)
        atomic_write(path, model.SerializeToString(), "--out")
        return "onnx"
    raise InvalidArgument(f"--out must end in .npz or .onnx, got {str(path)!r}")


def onnx_model(weights: Any, dilations: Any, dtype: Any = np.float32) -> Any:
    """An ONNX model: input ``x`` (N, 1, *spatial) -> chain of ``Conv`` (valid, dilations b**l) -> ``y``.

    ONNX ``Conv`` is a correlation, so the model computes the correlation with the
    composed kernel: ``y[i] = sum_t K[t] x[i + t]``.
    """
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        raise BackendUnavailable("--out .onnx needs the onnx package: pip install onnx") from None
    dims = np.asarray(weights[0]).ndim - 2
    elem = TensorProto.FLOAT if np.dtype(dtype) == np.float32 else TensorProto.DOUBLE
    nodes, inits = [], []
    prev = "x"
    for l, (w, d) in enumerate(zip(weights, dilations)):
        wname, out = f"W{l}", ("y" if l == len(weights) - 1 else f"h{l}")
        inits.append(numpy_helper.from_array(np.asarray(w, dtype=dtype), wname))
        nodes.append(helper.make_node("Conv", [prev, wname], [out], dilations=[int(d)] * dims,
                                      kernel_shape=list(np.asarray(w).shape[2:]), pads=[0] * (2 * dims),
                                      strides=[1] * dims, name=f"conv{l}"))
        prev = out
    sp = [f"n{i}" for i in range(dims)]
    graph = helper.make_graph(nodes, "kronconv_cascade",
                              [helper.make_tensor_value_info("x", elem, ["N", 1, *sp])],
                              [helper.make_tensor_value_info("y", elem, ["N", 1, *[f"m{i}" for i in range(dims)]])], inits)
    model = helper.make_model(graph, producer_name="kronconv", opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model
