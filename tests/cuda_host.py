"""Run kronconv's CUDA sources on the CPU: a block-faithful emulation of the CUDA execution model.

The ``.cu`` files are compiled with the host C++ compiler, the CUDA keywords
shimmed.  Each block runs its threads as cooperative fibers (``ucontext``) on one
OS thread: a thread runs until it reaches ``__syncthreads()`` or returns, then the
next one runs; a barrier phase ends when every thread of the block has reached the
same barrier.  The emulation reports

* **barrier divergence** -- some threads of a block returned or passed a different
  number of barriers while others wait (undefined behaviour on a GPU);
* **shared-memory overruns** -- the dynamic shared memory is exactly the launch's
  ``smem_bytes``, fenced by guard bytes that are checked after every block;
* **reads of unwritten shared memory** -- shared memory is filled with NaN bytes
  before every block, so a read before the write that should precede it (a missing
  barrier, a wrong halo) shows up as NaN in the output.

Global arrays are passed inside NaN-filled margins (an out-of-bounds read shows up
as NaN) and outputs are checked for writes outside their extent.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["GUARD", "HostLibrary", "build_host_library", "host_compiler", "instantiations", "nvrtc_compile"]

#: Elements of margin around every global array.
GUARD = 64
_SENTINEL = 7777.0

SHIM = r"""
#include <ucontext.h>
#include <cstring>
#include <cstdlib>
#include <vector>
#include <functional>
struct kc_dim3 { unsigned int x, y, z; };
static kc_dim3 gridDim, blockDim, blockIdx, threadIdx;
static unsigned char* kc_host_smem = nullptr;
#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define KC_DYNAMIC_SHARED(T, name) T* name = reinterpret_cast<T*>(kc_host_smem)
namespace kc {
struct Fiber { ucontext_t ctx; std::vector<char> stack; bool done; long barriers; kc_dim3 tid; };
static std::vector<Fiber> fibers;
static ucontext_t sched;
static size_t cur;
static std::function<void()> body;
static void entry() { body(); fibers[cur].done = true; }
}
static void __syncthreads() {
    kc::Fiber& f = kc::fibers[kc::cur];
    ++f.barriers;
    swapcontext(&f.ctx, &kc::sched);
}
#include "SOURCE"
static const size_t KC_SMEM_GUARD = 256;
// 0 ok, 1 barrier divergence, 2 shared-memory guard overwritten
static int kc_launch(std::function<void()> kernel, kc_dim3 grid, kc_dim3 block, size_t smem) {
    const size_t n = (size_t)block.x * block.y * block.z;
    std::vector<unsigned char> arena(smem + 2 * KC_SMEM_GUARD);
    kc::fibers.assign(n, kc::Fiber());
    for (auto& f : kc::fibers) f.stack.resize(1 << 16);
    kc::body = kernel;
    gridDim = grid; blockDim = block;
    for (unsigned bz = 0; bz < grid.z; ++bz)
    for (unsigned by = 0; by < grid.y; ++by)
    for (unsigned bx = 0; bx < grid.x; ++bx) {
        blockIdx = kc_dim3{bx, by, bz};
        std::memset(arena.data(), 0xA5, arena.size());
        std::memset(arena.data() + KC_SMEM_GUARD, 0xFF, smem);  // NaN for float and double
        kc_host_smem = arena.data() + KC_SMEM_GUARD;
        for (size_t i = 0; i < n; ++i) {
            kc::Fiber& f = kc::fibers[i];
            f.done = false; f.barriers = 0;
            f.tid = kc_dim3{(unsigned)(i % block.x), (unsigned)((i / block.x) % block.y), (unsigned)(i / (block.x * block.y))};
            getcontext(&f.ctx);
            f.ctx.uc_stack.ss_sp = f.stack.data();
            f.ctx.uc_stack.ss_size = f.stack.size();
            f.ctx.uc_link = &kc::sched;
            makecontext(&f.ctx, kc::entry, 0);
        }
        for (;;) {
            size_t finished = 0;
            for (size_t i = 0; i < n; ++i) {
                if (kc::fibers[i].done) { ++finished; continue; }
                kc::cur = i; threadIdx = kc::fibers[i].tid;
                swapcontext(&kc::sched, &kc::fibers[i].ctx);
                if (kc::fibers[i].done) ++finished;
            }
            long b0 = kc::fibers[0].barriers;
            for (size_t i = 1; i < n; ++i) if (kc::fibers[i].barriers != b0) return 1;
            if (finished == n) break;
            if (finished != 0) return 1;
        }
        for (size_t i = 0; i < KC_SMEM_GUARD; ++i)
            if (arena[i] != 0xA5 || arena[KC_SMEM_GUARD + smem + i] != 0xA5) return 2;
    }
    return 0;
}
"""


def host_compiler() -> str | None:
    """``g++`` or ``clang++`` on the PATH, else ``None``."""
    return shutil.which("g++") or shutil.which("clang++")


def instantiations(kernels: Iterable[str], templates: Iterable[tuple[int, ...]]) -> list[tuple[str, str, tuple[int, ...]]]:
    """``(kernel, ctype, template)`` for both element types."""
    return [(k, c, tuple(t)) for k in kernels for c in ("float", "double") for t in templates]


def _symbol(kernel: str, ctype: str, template: tuple[int, ...]) -> str:
    return "_".join(["kc_run", kernel, ctype] + [str(t) for t in template])


class HostLibrary:
    """A compiled emulation: ``run(launch, dtype, *arrays)`` executes a :class:`~kronconv.gpu.kernels.Launch`."""

    def __init__(self, path: Path) -> None:
        self.lib = ctypes.CDLL(str(path))

    def status(self, lc: Any, dtype: Any, arrays: list[np.ndarray], grid: tuple[int, int, int] | None = None,
               block: tuple[int, int, int] | None = None) -> int:
        ctype = "float" if np.dtype(dtype) == np.float32 else "double"
        fn = getattr(self.lib, _symbol(lc.kernel, ctype, lc.template))
        fn.restype = ctypes.c_int
        params = np.asarray(lc.params, dtype=np.int64)
        ptrs = [ctypes.c_void_p(a.ctypes.data + GUARD * a.itemsize) for a in arrays]
        g, b = grid or lc.grid, block or lc.block
        return int(fn(*ptrs, params.ctypes.data_as(ctypes.c_void_p), *(ctypes.c_uint(v) for v in g + b),
                      ctypes.c_size_t(lc.smem_bytes)))

    def run(self, lc: Any, dtype: Any, *inputs: np.ndarray, grid: tuple[int, int, int] | None = None,
            block: tuple[int, int, int] | None = None) -> np.ndarray:
        """Run ``lc`` on ``inputs`` (then the output of ``lc.out_shape``); check guards; return the output."""
        dt = np.dtype(dtype)
        bufs = []
        for a in inputs:
            g = np.full(a.size + 2 * GUARD, np.nan, dtype=dt)
            g[GUARD:GUARD + a.size] = np.ascontiguousarray(a, dtype=dt).ravel()
            bufs.append(g)
        size = int(np.prod(lc.out_shape))
        out = np.full(size + 2 * GUARD, _SENTINEL, dtype=dt)
        out[GUARD:GUARD + size] = np.nan
        status = self.status(lc, dt, bufs + [out], grid, block)
        if status == 1:
            raise AssertionError("barrier divergence: threads of one block passed different numbers of barriers")
        if status == 2:
            raise AssertionError("shared memory written outside the launch's smem_bytes")
        if not (np.all(out[:GUARD] == _SENTINEL) and np.all(out[GUARD + size:] == _SENTINEL)):
            raise AssertionError("output written outside its extent")
        return out[GUARD:GUARD + size].reshape(lc.out_shape)


def build_host_library(directory: Path, source_dir: Path, source: str,
                       insts: list[tuple[str, str, tuple[int, ...]]], *, source_text: str | None = None) -> HostLibrary:
    """Compile ``source`` (or ``source_text`` in its place) with the shim and one entry per instantiation."""
    cxx = host_compiler()
    assert cxx is not None
    if source_text is not None:
        (directory / source).write_text(source_text)
        source_dir = directory
    lines = [SHIM.replace("SOURCE", str(source_dir / source)), 'extern "C" {']
    for kernel, ctype, tpl in insts:
        targs = ", ".join([ctype] + [str(t) for t in tpl])
        lines.append(
            f"int {_symbol(kernel, ctype, tpl)}(const {ctype}* x, const {ctype}* w, {ctype}* y, const long long* g, "
            "unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, size_t smem) {"
            f" return kc_launch([=]() {{ {kernel}<{targs}>(x, w, y, g); }}, kc_dim3{{gx, gy, gz}}, "
            "kc_dim3{bx, by, bz}, smem); }")
    lines.append("}")
    stem = Path(source).stem
    (directory / f"{stem}_shim.cpp").write_text("\n".join(lines))
    lib = directory / f"lib{stem}.so"
    subprocess.run([cxx, "-std=c++14", "-O1", "-ffp-contract=off", "-shared", "-fPIC",
                    str(directory / f"{stem}_shim.cpp"), "-o", str(lib)], check=True, capture_output=True, timeout=600)
    return HostLibrary(lib)


def _nvrtc_library() -> Any:
    """NVRTC (``libnvrtc``) through ctypes, from the NVIDIA wheel or the system; ``None`` if absent."""
    import ctypes.util
    import glob
    import site

    roots = [*site.getsitepackages(), site.getusersitepackages()]
    for root in roots:
        for d in sorted(glob.glob(f"{root}/nvidia/cu*/lib")) + sorted(glob.glob(f"{root}/nvidia/cuda_nvrtc/lib")):
            libs = [p for p in glob.glob(f"{d}/libnvrtc.so*") if ".alt." not in p]
            builtins = [p for p in glob.glob(f"{d}/libnvrtc-builtins.so*") if ".alt." not in p]
            if libs:
                if builtins:
                    ctypes.CDLL(builtins[0], mode=ctypes.RTLD_GLOBAL)
                return ctypes.CDLL(libs[0])
    name = ctypes.util.find_library("nvrtc")
    return ctypes.CDLL(name) if name else None


def nvrtc_compile(source: str, name: str, expressions: list[str], options: list[str]) -> tuple[int, str, str, dict[str, str]]:
    """Compile like ``cupy.RawModule(code=..., name_expressions=...)``: ``(status, log, ptx, lowered names)``.

    Raises :class:`FileNotFoundError` when NVRTC is not installed.
    """
    lib = _nvrtc_library()
    if lib is None:
        raise FileNotFoundError("libnvrtc not found")
    prog = ctypes.c_void_p()
    assert lib.nvrtcCreateProgram(ctypes.byref(prog), source.encode(), name.encode(), 0, None, None) == 0
    for e in expressions:
        assert lib.nvrtcAddNameExpression(prog, e.encode()) == 0
    opts = (ctypes.c_char_p * len(options))(*(o.encode() for o in options))
    status = int(lib.nvrtcCompileProgram(prog, len(options), opts))
    size = ctypes.c_size_t()
    lib.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
    log = ctypes.create_string_buffer(size.value)
    lib.nvrtcGetProgramLog(prog, log)
    ptx_text, lowered = "", {}
    if status == 0:
        lib.nvrtcGetPTXSize(prog, ctypes.byref(size))
        ptx = ctypes.create_string_buffer(size.value)
        lib.nvrtcGetPTX(prog, ptx)
        ptx_text = ptx.value.decode()
        for e in expressions:
            out = ctypes.c_char_p()
            assert lib.nvrtcGetLoweredName(prog, e.encode(), ctypes.byref(out)) == 0
            lowered[e] = (out.value or b"").decode()
    lib.nvrtcDestroyProgram(ctypes.byref(prog))
    return status, log.value.decode(errors="replace"), ptx_text, lowered
