"""Load, compile (once per device, dtype and template) and launch the CUDA kernels of ``kronconv/gpu/*.cu``.

The sources are templated on the element type (and, for the tiled kernels, on
compile-time kernel sizes) and instantiated through
``cupy.RawModule(name_expressions=...)``.  Compiled functions are cached in a
``functools.cache`` keyed on ``(device id, dtype, source, kernel, template
arguments)`` -- the key of ``cupy.memoize(for_each_device=True)`` -- and CuPy is
imported lazily inside the functions that launch.

Everything that decides *how* a kernel is launched (tile, block, grid, shared
memory, the ``geo[]`` parameters) is plain Python computed by
:func:`tiled_launch` and :func:`cascade_plan`, so the same launches run on a GPU
and through the host emulation of the tests.

Examples
--------
>>> sorted(SOURCES)
['cascade.cu', 'correlate.cu', 'tiled.cu']
>>> ctype_of("float32"), ctype_of("float64")
('float', 'double')
>>> name_expression("dilated_tiled", "float32", (1, 3, 3))
'dilated_tiled<float, 1, 3, 3>'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InvalidArgument
from ..numeric.geometry import ConvGeometry

__all__ = [
    "DEFAULT_SMEM_LIMIT",
    "HEADERS",
    "MAX_BLOCKS",
    "MAX_CASCADE_LAYERS",
    "SOURCES",
    "THREADS",
    "CascadePlan",
    "Launch",
    "cascade_plan",
    "ctype_of",
    "get_function",
    "kernel_source",
    "launch",
    "launch_params",
    "name_expression",
    "smem_limit",
    "tiled_launch",
]

_DIR = Path(__file__).resolve().parent
#: CUDA source files shipped with the package, and the kernels each defines.
SOURCES = {
    "correlate.cu": ("dilated_correlate",),
    "tiled.cu": ("dilated_tiled",),
    "cascade.cu": ("kron_cascade_fused",),
}
#: Threads per block of the direct (one thread per output) kernel.
THREADS = 256
#: Cap on a grid dimension (kernels use grid-stride loops, so any total works).
MAX_BLOCKS = 65535
#: Dynamic shared memory a block gets without opting in (bytes): the planning default off a GPU.
DEFAULT_SMEM_LIMIT = 48 * 1024
#: Most layers the fused cascade kernel takes in one launch.
MAX_CASCADE_LAYERS = 8
#: Kernel shapes (per normalised axis) compiled with unrolled tap loops; others use run-time sizes.
SPECIALISED = frozenset({(1, 1, 3), (1, 1, 5), (1, 3, 3), (1, 5, 5), (3, 3, 3)})

_CTYPES = {"float32": "float", "float64": "double"}
_TEMPLATED = {"dilated_tiled", "kron_cascade_fused"}

# candidate (output tile, thread block) per number of spatial axes, best first; axes are normalised
# to three with size-1 axes in front, so the last entry is the contiguous axis
_TILES: dict[int, tuple[tuple[tuple[int, int, int], tuple[int, int, int]], ...]] = {
    1: (((1, 1, 2048), (256, 1, 1)), ((1, 1, 1024), (256, 1, 1)), ((1, 1, 512), (256, 1, 1)),
        ((1, 1, 256), (256, 1, 1)), ((1, 1, 64), (64, 1, 1))),
    2: (((1, 64, 128), (32, 8, 1)), ((1, 32, 128), (32, 8, 1)), ((1, 32, 64), (32, 8, 1)),
        ((1, 16, 64), (32, 8, 1)), ((1, 16, 32), (32, 8, 1)), ((1, 8, 32), (32, 4, 1)),
        ((1, 4, 32), (32, 4, 1))),
    3: (((8, 16, 64), (32, 4, 2)), ((8, 8, 32), (32, 4, 2)), ((4, 8, 32), (32, 4, 2)),
        ((4, 4, 32), (32, 4, 2)), ((2, 4, 32), (32, 4, 2)), ((1, 4, 32), (32, 4, 1)),
        ((1, 2, 16), (16, 2, 1))),
}


def ctype_of(dtype: Any) -> str:
    """The CUDA element type for a NumPy dtype (float32 or float64 only)."""
    name = np.dtype(dtype).name
    if name not in _CTYPES:
        raise InvalidArgument(f"GPU kernels support float32 and float64, got {name}")
    return _CTYPES[name]


def name_expression(kernel: str, dtype: Any, template: Sequence[int] = ()) -> str:
    """The C++ name of one instantiation, as given to ``RawModule(name_expressions=...)``."""
    return f"{kernel}<{', '.join([ctype_of(dtype)] + [str(int(t)) for t in template])}>"


#: Headers of this package that the sources include (inlined by :func:`kernel_source`).
HEADERS = ("kc_tile.cuh",)


@cache
def kernel_source(filename: str) -> str:
    """The text of one ``.cu`` file of this package, its ``#include`` of this package's headers inlined.

    Examples
    --------
    >>> '#include "kc_tile.cuh"' in kernel_source("tiled.cu"), "kc_tile_correlate" in kernel_source("tiled.cu")
    (False, True)
    """
    if filename not in SOURCES:
        raise InvalidArgument(f"unknown CUDA source {filename!r}; available: {', '.join(SOURCES)}")
    lines = []
    for line in (_DIR / filename).read_text(encoding="utf-8").splitlines(keepends=True):
        name = line.strip()[len('#include "'):-1] if line.startswith('#include "') else ""
        lines.append((_DIR / name).read_text(encoding="utf-8") + "\n" if name in HEADERS else line)
    return "".join(lines)


@cache
def _compiled(device_id: int, dtype_name: str, filename: str, kernel: str, template: tuple[int, ...] = ()) -> Any:
    import cupy

    expr = name_expression(kernel, dtype_name, template)
    with cupy.cuda.Device(device_id):
        module = cupy.RawModule(code=kernel_source(filename), options=("--std=c++14",), name_expressions=(expr,))
        module.compile()
        return module.get_function(expr)


def get_function(kernel: str, dtype: Any, template: Sequence[int] = ()) -> Any:
    """The compiled kernel ``kernel<T, template...>`` for ``dtype`` on the current device (cached)."""
    import cupy

    if kernel in _TEMPLATED and len(template) != 3:
        raise InvalidArgument(f"kernel {kernel!r} takes three compile-time kernel sizes, got {tuple(template)}")
    for filename, names in SOURCES.items():
        if kernel in names:
            return _compiled(int(cupy.cuda.Device().id), np.dtype(dtype).name, filename, kernel,
                             tuple(int(t) for t in template))
    raise InvalidArgument(f"unknown GPU kernel {kernel!r}")


def smem_limit() -> int:
    """Dynamic shared memory one block may opt into on the current device (bytes; cached per device)."""
    import cupy

    return _smem_limit(int(cupy.cuda.Device().id))


@cache
def _smem_limit(device_id: int) -> int:
    import cupy

    rt = cupy.cuda.runtime
    attr = getattr(rt, "cudaDevAttrMaxSharedMemoryPerBlockOptin", 97)  # 97 in the CUDA runtime's enum
    try:
        return max(DEFAULT_SMEM_LIMIT, int(rt.deviceGetAttribute(attr, device_id)))
    except Exception:  # noqa: BLE001 - an old runtime without the attribute: no opt-in
        return DEFAULT_SMEM_LIMIT


def launch_params(geo: ConvGeometry) -> np.ndarray:
    """The 23 int64 geometry values ``geo[]`` of ``correlate.cu``, spatial axes padded to three.

    Examples
    --------
    >>> from kronconv.numeric import conv_geometry
    >>> launch_params(conv_geometry((2, 4, 9), (6, 2, 3), dilation=2, groups=2, padding="circular")).tolist()
    [2, 4, 6, 2, 1, 9, 1, 1, 9, 1, 1, 3, 1, 1, 2, 1, 1, 1, 1, 1, 2, 0, 0]
    """
    pad3 = 3 - geo.dims
    ones = [1] * pad3
    meta = (
        [geo.batch, geo.in_channels, geo.out_channels, geo.groups, 1 if geo.boundary == "circular" else 0]
        + list(geo.in_size) + ones
        + list(geo.out_size) + ones
        + list(geo.kernel) + ones
        + list(geo.dilation) + ones
        + list(geo.stride) + ones
        + [lo for lo, _ in geo.pad] + [0] * pad3
    )
    return np.asarray(meta, dtype=np.int64)


# --------------------------------------------------------------------------- launches


@dataclass(frozen=True)
class Launch:
    """One kernel launch: instantiation, grid, block, dynamic shared memory and ``geo[]``."""

    kernel: str
    template: tuple[int, ...]
    grid: tuple[int, int, int]
    block: tuple[int, int, int]
    smem_bytes: int
    params: tuple[int, ...]
    out_shape: tuple[int, ...]

    @property
    def tile(self) -> tuple[int, int, int]:
        """The output tile per normalised axis (``geo[]`` entries of the kernel)."""
        i = 18 if self.kernel == "dilated_tiled" else 8
        return (self.params[i], self.params[i + 1], self.params[i + 2])


def _front3(values: Sequence[int], fill: int) -> list[int]:
    return [fill] * (3 - len(values)) + [int(v) for v in values]


def _round4(n: int) -> int:
    return (n + 3) & ~3


def _template(kernel3: Sequence[int]) -> tuple[int, int, int]:
    k = tuple(int(v) for v in kernel3)
    return k if k in SPECIALISED else (0, 0, 0)  # type: ignore[return-value]


def _grid(m: Sequence[int], tile: Sequence[int], planes: int) -> tuple[int, int, int] | None:
    gx, gy = -(-m[2] // tile[2]), -(-m[1] // tile[1])
    if gy > MAX_BLOCKS or gx > 2**31 - 1:
        return None
    return gx, gy, max(1, min(planes, MAX_BLOCKS))


def tiled_launch(geo: ConvGeometry, itemsize: int, *, limit: int = DEFAULT_SMEM_LIMIT,
                 tile: Sequence[int] | None = None, block: Sequence[int] | None = None,
                 specialise: bool = True) -> Launch | None:
    """The launch of ``dilated_tiled`` for a depthwise (or single-channel) stride-1 correlation.

    ``None`` where the kernel does not apply: not depthwise (``groups = C_in = C_out``),
    a stride above 1, or no tile whose shared memory fits ``limit`` bytes.  ``tile``
    and ``block`` (normalised to three axes, size-1 axes in front) override the choice.

    Examples
    --------
    >>> from kronconv.numeric import conv_geometry
    >>> l = tiled_launch(conv_geometry((1, 1, 8192, 8192), (1, 1, 3, 3), dilation=8), 4)
    >>> l.template, l.tile, l.block, l.grid, l.smem_bytes
    ((1, 3, 3), (1, 64, 128), (32, 8, 1), (64, 128, 1), 46128)
    >>> tiled_launch(conv_geometry((1, 4, 9), (4, 2, 3), groups=2), 4) is None
    True
    """
    if not (geo.groups == geo.in_channels == geo.out_channels) or any(s != 1 for s in geo.stride):
        return None
    k3, d3 = _front3(geo.kernel, 1), _front3(geo.dilation, 1)
    m3, n3 = _front3(geo.out_size, 1), _front3(geo.in_size, 1)
    halo = [d * (k - 1) for k, d in zip(k3, d3)]
    taps = math.prod(k3)
    if tile is not None:
        cands = [(tuple(int(v) for v in tile), tuple(int(v) for v in (block or (32, 4, 1))))]
    else:
        cands = [(tuple(min(b, m) for b, m in zip(t, m3)), blk) for t, blk in _TILES[geo.dims]]
    best: tuple[float, int] | None = None
    chosen = None
    for t, blk in cands:
        smem = itemsize * (_round4(taps) + math.prod(b + h for b, h in zip(t, halo)))
        if smem > limit:
            continue
        eff = math.prod(t) / math.prod(b + h for b, h in zip(t, halo))
        if best is None or eff > best[0] + 1e-12:
            best, chosen = (eff, smem), (t, blk, smem)
    if chosen is None:
        return None
    t, blk, smem = chosen
    tiles0 = -(-m3[0] // t[0])
    grid = _grid(m3, t, geo.batch * geo.in_channels * tiles0)
    if grid is None:
        return None
    params = ([geo.batch, geo.in_channels, 1 if geo.boundary == "circular" else 0] + n3 + m3 + k3 + d3
              + _front3([lo for lo, _ in geo.pad], 0) + list(t) + [tiles0])
    return Launch("dilated_tiled", _template(k3) if specialise else (0, 0, 0), grid, tuple(blk), smem,  # type: ignore[arg-type]
                  tuple(params), (geo.batch, geo.out_channels) + tuple(geo.out_size))


@dataclass(frozen=True)
class CascadePlan:
    """How a one-channel valid dilated cascade runs: fused in one launch, or one launch per layer.

    ``recompute`` is the number of multiply-adds of the fused launch divided by
    those of the layer-by-layer evaluation (the halo points of intermediate layers
    that neighbouring blocks compute twice); ``reason`` says why it is not fused.
    """

    fused: bool
    reason: str
    layers: int
    out_shape: tuple[int, ...]
    launch: Launch | None
    recompute: float


def _cascade_shapes(x_shape: Sequence[int], kernel_shapes: Sequence[Sequence[int]],
                    dilations: Sequence[Any]) -> tuple[int, list[list[int]], list[list[int]], list[int]]:
    if len(kernel_shapes) != len(dilations) or not kernel_shapes:
        raise InvalidArgument(f"need one dilation per kernel and at least one kernel, got {len(kernel_shapes)} "
                              f"kernels and {len(dilations)} dilations")
    dims = len(x_shape) - 2
    if dims not in (1, 2, 3) or x_shape[1] != 1:
        raise InvalidArgument(f"the fused cascade takes one channel, input (N, 1, n_1[, n_2[, n_3]]), got {tuple(x_shape)}")
    ks, ds = [], []
    for w, d in zip(kernel_shapes, dilations):
        if len(w) != dims + 2 or w[0] != 1 or w[1] != 1:
            raise InvalidArgument(f"cascade kernels must have shape (1, 1, k_1..k_{dims}), got {tuple(w)}")
        dd = list(d) if isinstance(d, (list, tuple)) else [d] * dims
        if len(dd) != dims or any(isinstance(v, bool) or int(v) != v or v < 1 for v in dd):
            raise InvalidArgument(f"dilation must be an integer >= 1 or one per axis, got {d!r}")
        ks.append(_front3(w[2:], 1))
        ds.append(_front3([int(v) for v in dd], 1))
    n3 = _front3(x_shape[2:], 1)
    halo = [sum(d[a] * (k[a] - 1) for k, d in zip(ks, ds)) for a in range(3)]
    m3 = [n - h for n, h in zip(n3, halo)]
    if min(m3) < 1:
        raise InvalidArgument(f"input sizes {tuple(x_shape[2:])} are smaller than the cascade's extent "
                              f"{tuple(h + 1 for h in halo[3 - dims:])}")
    return dims, ks, ds, m3


def cascade_plan(x_shape: Sequence[int], kernel_shapes: Sequence[Sequence[int]], dilations: Sequence[Any],
                 itemsize: int, *, limit: int = DEFAULT_SMEM_LIMIT, tile: Sequence[int] | None = None,
                 block: Sequence[int] | None = None, specialise: bool = True) -> CascadePlan:
    """Plan the valid one-channel cascade: the fused launch whose tiles fit ``limit`` bytes, or why not.

    Among the candidate tiles that fit, the one with the fewest multiply-adds plus
    loads per output point wins.

    Examples
    --------
    >>> p = cascade_plan((1, 1, 8192, 8192), [(1, 1, 3, 3)] * 3, [1, 3, 9], 4)
    >>> p.fused, p.launch.tile, p.launch.smem_bytes, round(p.recompute, 2)
    (True, (1, 32, 64), 40704, 1.81)
    >>> cascade_plan((1, 1, 800, 800), [(1, 1, 3, 3)] * 5, [1, 3, 9, 27, 81], 4).reason
    'the smallest tile with the halo of 242 points needs 488240 bytes of shared memory, above 49152'
    """
    dims, ks, ds, m3 = _cascade_shapes(x_shape, kernel_shapes, dilations)
    L = len(ks)
    n3 = _front3(x_shape[2:], 1)
    out_shape = (int(x_shape[0]), 1) + tuple(m3[3 - dims:])
    # layer-by-layer multiply-adds (valid outputs of every layer)
    sizes, direct = list(n3), 0
    for k, d in zip(ks, ds):
        sizes = [s - dd * (kk - 1) for s, dd, kk in zip(sizes, d, k)]
        direct += math.prod(sizes) * math.prod(k)
    if L > MAX_CASCADE_LAYERS:
        return CascadePlan(False, f"{L} layers, above the fused kernel's {MAX_CASCADE_LAYERS}", L, out_shape, None, 1.0)
    hal = [[sum(d[a] * (k[a] - 1) for k, d in zip(ks[l:], ds[l:])) for a in range(3)] for l in range(L + 1)]
    taps = sum(math.prod(k) for k in ks)
    if tile is not None:
        cands = [(tuple(int(v) for v in tile), tuple(int(v) for v in (block or (32, 4, 1))))]
    else:
        cands = [(tuple(min(b, m) for b, m in zip(t, m3)), blk) for t, blk in _TILES[dims]]
        cands += [(tuple(min(b, m) for b, m in zip(t, m3)), blk) for t, blk in
                  {1: [((1, 1, 32), (32, 1, 1))], 2: [((1, 8, 16), (16, 8, 1)), ((1, 4, 8), (8, 4, 1))],
                   3: [((1, 2, 8), (8, 2, 1))]}[dims]]
    best: tuple[float, int, tuple[int, ...], tuple[int, ...], float] | None = None
    smallest = None
    for t, blk in cands:
        ext = [[b + h for b, h in zip(t, hal[l])] for l in range(L + 1)]
        cap_a = math.prod(ext[0])
        smem = itemsize * (_round4(taps) + _round4(cap_a) + (math.prod(ext[1]) if L > 1 else 0))
        smallest = smem if smallest is None else min(smallest, smem)
        if smem > limit:
            continue
        work = sum(math.prod(ext[l + 1]) * math.prod(ks[l]) for l in range(L)) + cap_a
        cost = work / math.prod(t)
        if best is None or cost < best[0] - 1e-12:
            tiles = [-(-m // b) for m, b in zip(m3, t)]
            fused_work = math.prod(tiles) * x_shape[0] * (work - cap_a)
            best = (cost, smem, t, blk, fused_work / (x_shape[0] * direct))
    if best is None:
        return CascadePlan(False, f"the smallest tile with the halo of {max(hal[0])} points needs {smallest} bytes "
                           f"of shared memory, above {limit}", L, out_shape, None, 1.0)
    _, smem, t, blk, recompute = best
    tiles0 = -(-m3[0] // t[0])
    grid = _grid(m3, t, int(x_shape[0]) * tiles0)
    if grid is None:
        return CascadePlan(False, "the output needs more than 65535 tile rows", L, out_shape, None, 1.0)
    params = [int(x_shape[0]), L] + n3 + m3 + list(t) + [tiles0, taps, math.prod(b + h for b, h in zip(t, hal[0])), 0, 0]
    off = 0
    for k, d in zip(ks, ds):
        params += k + d + [off, 0]
        off += math.prod(k)
    same = all(k == ks[0] for k in ks)
    template = _template(ks[0]) if (specialise and same) else (0, 0, 0)
    launch_ = Launch("kron_cascade_fused", template, grid, tuple(blk), smem, tuple(params), out_shape)  # type: ignore[arg-type]
    return CascadePlan(True, "fused: every intermediate layer stays in shared memory", L, out_shape, launch_, recompute)


# --------------------------------------------------------------------------- running on a GPU


def launch(lc: Launch, dtype: Any, *arrays: Any) -> None:
    """Run a planned launch on the current device with CuPy ``arrays`` (then ``geo[]`` is appended)."""
    import cupy

    fn = get_function(lc.kernel, dtype, lc.template)
    params = _device_params(int(cupy.cuda.Device().id), lc.params)
    if lc.smem_bytes > DEFAULT_SMEM_LIMIT:
        try:
            fn.max_dynamic_shared_size_bytes = lc.smem_bytes
        except AttributeError:  # older CuPy: set the attribute through the driver
            drv = cupy.cuda.driver
            drv.funcSetAttribute(fn.ptr, drv.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, lc.smem_bytes)
    fn(lc.grid, lc.block, tuple(arrays) + (params,), shared_mem=lc.smem_bytes)


@lru_cache(maxsize=256)
def _device_params(device_id: int, params: tuple[int, ...]) -> Any:
    """``geo[]`` on the device, uploaded once per (device, launch) and never written."""
    import cupy

    with cupy.cuda.Device(device_id):
        return cupy.asarray(np.asarray(params, dtype=np.int64))
