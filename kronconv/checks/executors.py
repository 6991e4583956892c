r"""Running a network on an input: kronconv's NumPy engine over a graph, PyTorch and ONNX Runtime, and the border taint.

* :func:`graph_forward` runs a :class:`~kronconv.netgraph.NetGraph` with given
  weights on :mod:`kronconv.numeric` (``conv``, ``pool``, ``convt``, nearest
  ``upsample``, ``global``, ``add``, ``concat``, ``select``; ReLU after every
  convolution that is not the output).
* :func:`torch_module` builds the same network as a ``torch.nn.Module`` with
  the same weights (``torch`` imported lazily).
* :func:`onnx_runner` runs an ONNX file with ONNX Runtime, in its own float
  type or with every float tensor cast to float64 (the reference).
* :func:`graph_taint` propagates, per node, which output units read padding
  (or clamp at a border): the complement is the interior that a shifted crop
  must reproduce exactly.

Examples
--------
>>> import numpy as np
>>> from kronconv.netgraph import NetGraph, NetNode
>>> from kronconv.spec import Conv
>>> g = NetGraph.build([NetNode("x", "input"), NetNode("c", "conv", ("x",), Conv(3, padding=1, dims=1))], dims=1)
>>> graph_taint(g, (6,)).astype(int).tolist()
[1, 0, 0, 0, 0, 1]
>>> w = random_weights(g, np.random.default_rng(0))
>>> graph_forward(g, w, np.ones((1, 1, 6))).shape
(1, 1, 6)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import BackendUnavailable, InvalidArgument
from ..layers import ConvTranspose, GlobalPool, Upsample, layer_output_size
from ..netgraph import NetGraph
from ..numeric import correlate, pool
from ..numeric.bounds import gamma, inflation, unit_roundoff
from ..spec import Conv, Pool

__all__ = ["graph_forward", "graph_taint", "numpy_supports", "onnx_runner", "random_weights", "torch_module"]

Weights = dict[str, tuple[np.ndarray, np.ndarray | None]]


def random_weights(graph: NetGraph, rng: np.random.Generator) -> Weights:
    """He-normal weights and small biases for every ``conv`` / ``convt`` node (seeded by ``rng``)."""
    out: Weights = {}
    for node in graph.nodes:
        L = node.layer
        if isinstance(L, Conv):
            shape = (L.out_channels, L.in_channels // L.groups) + tuple(L.kernel)  # type: ignore[arg-type]
        elif isinstance(L, ConvTranspose):
            shape = (L.in_channels, L.out_channels // L.groups) + tuple(L.kernel)  # type: ignore[arg-type]
        else:
            continue
        fan = int(np.prod(shape[1:]))
        w = rng.standard_normal(shape) * np.sqrt(2.0 / fan)
        b = 0.1 * rng.standard_normal(L.out_channels) if L.bias else None
        out[node.id] = (w, b)
    return out


def numpy_supports(graph: NetGraph) -> str | None:
    """``None`` when :func:`graph_forward` runs ``graph``; otherwise why not."""
    for node in graph.nodes:
        L = node.layer
        if isinstance(L, Upsample) and L.mode != "nearest":
            return f"node {node.id!r}: {L.mode} upsampling is not in kronconv's engine"
        if isinstance(L, Pool) and any(d != 1 for d in L.dilation):  # type: ignore[union-attr]
            return f"node {node.id!r}: dilated pooling is not in kronconv's engine"
        if isinstance(L, Pool) and L.ceil_mode and L.mode == "avg":
            return f"node {node.id!r}: average pooling with ceil_mode is not in kronconv's engine"
        if isinstance(L, (ConvTranspose)) and L.groups > 1:
            return f"node {node.id!r}: grouped transposed convolution is not in kronconv's engine"
    return None


def _pads(L: Any, size: tuple[int, ...]) -> list[tuple[int, int]]:
    pads = []
    for a, n in enumerate(size):
        lo, hi = L.padding[a], L.padding_hi[a]
        if isinstance(L, Pool) and L.ceil_mode:  # extra high padding that yields PyTorch's ceil-mode size
            m = layer_output_size(L, a, n)
            hi = max(hi, (m - 1) * L.stride[a] + L.effective_kernel[a] - n - lo)
        pads.append((lo, hi))
    return pads


def _convt(x: np.ndarray, w: np.ndarray, L: ConvTranspose) -> np.ndarray:
    D = x.ndim - 2
    size = x.shape[2:]
    up = np.zeros(x.shape[:2] + tuple((n - 1) * s + 1 for n, s in zip(size, L.stride)), dtype=x.dtype)  # type: ignore[arg-type]
    up[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in L.stride)] = x  # type: ignore[union-attr]
    wk = np.flip(w, axis=tuple(range(2, 2 + D))).swapaxes(0, 1)
    pads, crop = [], []
    for a in range(D):
        e = L.effective_kernel[a] - 1
        lo, hi = e - L.padding[a], e - L.padding_hi[a] + L.output_padding[a]  # type: ignore[index]
        pads.append((max(lo, 0), max(hi, 0)))
        crop.append((max(-lo, 0), max(-hi, 0)))
    y = correlate(up, np.ascontiguousarray(wk), dilation=L.dilation, padding=pads, max_bytes=None, max_work=None)
    return y[(slice(None), slice(None)) + tuple(slice(c0, y.shape[2 + a] - c1) for a, (c0, c1) in enumerate(crop))]


def graph_forward(graph: NetGraph, weights: Weights, x: np.ndarray, *, with_bound: bool = False) -> Any:
    r"""Run ``graph`` on ``x`` (``(N, C, *n)``) with kronconv's engine, in ``x``'s float type.

    ``with_bound=True`` returns ``(y, E)``: ``E`` the elementwise rounding-error
    bound of ``y`` (float64), propagated as :func:`kronconv.numeric.forward`
    does -- :math:`\gamma_n` times the magnitude of each sum of :math:`n`
    terms, carried through later layers by the absolute weights; max pooling,
    ReLU, upsampling and concatenation do not round -- and inflated for the
    bound's own float64 rounding (:func:`kronconv.numeric.bounds.inflation`).
    """
    why = numpy_supports(graph)
    if why:
        raise InvalidArgument(f"the numpy executor cannot run this model: {why}; use --executor torch or onnxruntime")
    u = unit_roundoff(x.dtype)
    vals: dict[str, np.ndarray] = {}
    errs: dict[str, np.ndarray] = {}
    terms = 0
    D = graph.dims
    axes = tuple(range(2, 2 + D))
    f64 = np.float64
    for node in graph.nodes:
        L = node.layer
        if node.op == "input":
            vals[node.id] = x
            errs[node.id] = np.zeros(x.shape) if with_bound else None  # type: ignore[assignment]
            continue
        a = vals[node.inputs[0]]
        ea = errs[node.inputs[0]]
        e: Any = None
        b = None
        if isinstance(L, Conv):
            w, b = weights[node.id]
            kw = {"dilation": L.dilation, "stride": L.stride, "padding": _pads(L, a.shape[2:]), "groups": L.groups,
                  "max_bytes": None, "max_work": None}
            y = correlate(a, w.astype(a.dtype), **kw)
            if with_bound:
                n = int(np.prod(L.kernel)) * (L.in_channels // L.groups) + (b is not None)  # type: ignore[arg-type]
                terms += n + 4
                wa = np.abs(w.astype(f64))
                mag = correlate(np.abs(a.astype(f64)), wa, **kw)
                if b is not None:
                    mag = mag + np.abs(b).reshape((1, -1) + (1,) * D)
                e = correlate(ea, wa, **kw) + gamma(n, u) * mag
        elif isinstance(L, ConvTranspose):
            w, b = weights[node.id]
            y = _convt(a, w.astype(a.dtype), L)
            if with_bound:
                n = int(np.prod(L.kernel)) * L.in_channels + (b is not None)  # type: ignore[arg-type]
                terms += n + 4
                wa = np.abs(w.astype(f64))
                mag = _convt(np.abs(a.astype(f64)), wa, L)
                if b is not None:
                    mag = mag + np.abs(b).reshape((1, -1) + (1,) * D)
                e = _convt(ea, wa, L) + gamma(n, u) * mag
        elif isinstance(L, Pool):
            pk = {"kernel": L.kernel, "stride": L.stride, "padding": _pads(L, a.shape[2:]), "max_bytes": None}
            y = pool(a, mode=L.mode, **pk)
            if with_bound:
                if L.mode == "max":
                    e = pool(ea, mode="max", **pk)
                else:
                    k = int(np.prod(L.kernel))  # type: ignore[arg-type]
                    terms += k + 5
                    e = pool(ea, mode="avg", **pk) + gamma(k + 1, u) * pool(np.abs(a.astype(f64)), mode="avg", **pk)
        elif isinstance(L, Upsample):
            if L.size is not None:
                y = np.broadcast_to(a, a.shape[:2] + tuple(L.size)).copy()  # type: ignore[arg-type]
                e = np.broadcast_to(ea, y.shape).copy() if with_bound else None
            else:
                y, e = a, ea
                for ax, c in enumerate(L.scale):  # type: ignore[arg-type]
                    y = np.repeat(y, c, axis=2 + ax)
                    e = np.repeat(e, c, axis=2 + ax) if with_bound else None
        elif isinstance(L, GlobalPool):
            if L.mode == "avg":
                y = a.mean(axis=axes, keepdims=True)
                k = int(np.prod(a.shape[2:]))
                terms += k + 5
                e = None if not with_bound else ea.mean(axis=axes, keepdims=True) + gamma(k + 1, u) * np.abs(a.astype(f64)).mean(axis=axes,
                                                                                                   keepdims=True)
            else:
                y = a.max(axis=axes, keepdims=True)
                e = ea.max(axis=axes, keepdims=True) if with_bound else None
        elif node.op == "add":
            y = sum((vals[i] for i in node.inputs[1:]), a.copy())
            m = len(node.inputs)
            terms += m + 4
            e = None if not with_bound else sum(errs[i] for i in node.inputs) + gamma(m - 1, u) * sum(np.abs(vals[i].astype(f64))
                                                                          for i in node.inputs)
        elif node.op == "concat":
            y = np.concatenate([vals[i] for i in node.inputs], axis=1)
            e = np.concatenate([errs[i] for i in node.inputs], axis=1) if with_bound else None
        else:  # select: the first channels
            y = a[:, :node.channels]
            e = ea[:, :node.channels] if with_bound else None
        if b is not None:
            y = y + b.astype(y.dtype).reshape((1, -1) + (1,) * D)
        if isinstance(L, (Conv, ConvTranspose)) and node.id != graph.output:
            y = np.maximum(y, 0)  # 1-Lipschitz: the bound carries over
        vals[node.id] = y
        errs[node.id] = e
    if not with_bound:
        return vals[graph.output]
    return vals[graph.output], errs[graph.output] * inflation(terms + 1)


def _window_taint(t: np.ndarray, L: Any, out: tuple[int, ...]) -> np.ndarray:
    D = t.ndim
    pads = _pads(L, t.shape)
    big = np.pad(t, [(lo, hi + L.effective_kernel[a]) for a, (lo, hi) in enumerate(pads)], constant_values=True)
    res = np.zeros(out, dtype=bool)
    for tap in np.ndindex(*L.kernel):
        sl = tuple(slice(tap[a] * L.dilation[a], tap[a] * L.dilation[a] + out[a] * L.stride[a], L.stride[a])
                   for a in range(D))
        res |= big[sl]
    return res


def _convt_taint(t: np.ndarray, L: ConvTranspose, out: tuple[int, ...]) -> np.ndarray:
    """Output unit u is clean when every tap t with (u + p - t d) / s integral reads a clean, existing input."""
    res = np.zeros(out, dtype=bool)
    D = t.ndim
    for u in np.ndindex(*out):
        bad = False
        for tap in np.ndindex(*L.kernel):  # type: ignore[arg-type]
            idx = []
            for a in range(D):
                q = u[a] + L.padding[a] - tap[a] * L.dilation[a]  # type: ignore[index]
                if q % L.stride[a]:  # type: ignore[index]
                    break
                idx.append(q // L.stride[a])  # type: ignore[index]
            else:
                if any(not 0 <= i < n for i, n in zip(idx, t.shape)) or t[tuple(idx)]:
                    bad = True
                    break
        res[u] = bad
    return res


def graph_taint(graph: NetGraph, size: tuple[int, ...]) -> np.ndarray:
    """Boolean map of the output's units that read padding (or a border clamp), for an input of ``size``."""
    T: dict[str, np.ndarray] = {}
    for node in graph.nodes:
        L = node.layer
        if node.op == "input":
            T[node.id] = np.zeros(size, dtype=bool)
            continue
        t = T[node.inputs[0]]
        if isinstance(L, (Conv, Pool)):
            out = tuple(layer_output_size(L, a, n) for a, n in enumerate(t.shape))
            T[node.id] = _window_taint(t, L, out)
        elif isinstance(L, ConvTranspose):
            out = tuple(layer_output_size(L, a, n) for a, n in enumerate(t.shape))
            T[node.id] = _convt_taint(t, L, out)
        elif isinstance(L, Upsample):
            if L.size is not None:
                T[node.id] = np.ones(tuple(L.size), dtype=bool)  # type: ignore[arg-type]
            elif L.mode == "nearest":
                y = t
                for ax, c in enumerate(L.scale):  # type: ignore[union-attr]
                    y = np.repeat(y, c, axis=ax)
                T[node.id] = y
            else:  # linear, half-pixel centres: unit u reads floor(x), floor(x)+1; clamped samples are border
                y = t
                for ax, c in enumerate(L.scale):  # type: ignore[union-attr]
                    n = y.shape[ax]
                    u = np.arange(n * c)
                    pos = (2 * u + 1 - c) / (2 * c)
                    lo = np.floor(pos).astype(int)
                    hi = lo + (pos != lo)
                    clamp = (lo < 0) | (hi > n - 1)
                    a = np.take(y, np.clip(lo, 0, n - 1), axis=ax) | np.take(y, np.clip(hi, 0, n - 1), axis=ax)
                    shape = [1] * y.ndim
                    shape[ax] = -1
                    y = a | clamp.reshape(shape)
                T[node.id] = y
        elif isinstance(L, GlobalPool):
            T[node.id] = np.ones((1,) * len(size), dtype=bool)
        elif node.op in ("add", "concat"):
            ts = [T[i] for i in node.inputs]
            if any(x.shape != ts[0].shape for x in ts):
                raise InvalidArgument(f"node {node.id!r}: inputs of sizes {[list(x.shape) for x in ts]} do not match")
            T[node.id] = np.logical_or.reduce(ts)
        else:
            T[node.id] = t
    return T[graph.output]


def torch_module(graph: NetGraph, weights: Weights, dtype: str = "float64") -> Any:
    """``graph`` as a ``torch.nn.Module`` with ``weights`` (the same computation as :func:`graph_forward`)."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        raise BackendUnavailable("the torch executor needs PyTorch: pip install 'kronconv[torch]'") from None
    tdt = getattr(torch, dtype)
    D = graph.dims
    conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[D]
    convt = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[D]
    maxp = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[D]
    avgp = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}[D]
    tw = {k: (torch.tensor(w, dtype=tdt), None if b is None else torch.tensor(b, dtype=tdt))
          for k, (w, b) in weights.items()}

    def pad_arg(L: Any) -> list[int]:
        out: list[int] = []
        for a in reversed(range(D)):
            out += [L.padding[a], L.padding_hi[a]]
        return out

    class GraphModule(torch.nn.Module):  # type: ignore[misc]
        def forward(self, x: Any) -> Any:
            vals: dict[str, Any] = {}
            for node in graph.nodes:
                L = node.layer
                if node.op == "input":
                    vals[node.id] = x
                    continue
                a = vals[node.inputs[0]]
                sym = L is not None and hasattr(L, "padding_hi") and L.padding == L.padding_hi
                if isinstance(L, Conv):
                    w, b = tw[node.id]
                    if sym:  # the layer's own padding (an ONNX export keeps it in the Conv)
                        y = conv(a, w, b, stride=L.stride, padding=L.padding, dilation=L.dilation, groups=L.groups)
                    else:
                        y = conv(F.pad(a, pad_arg(L)), w, b, stride=L.stride, dilation=L.dilation, groups=L.groups)
                elif isinstance(L, ConvTranspose):
                    w, b = tw[node.id]
                    # the bias after the output padding: PyTorch adds it to the padded units too
                    y = convt(a, w, None, stride=L.stride, padding=0, output_padding=0, dilation=L.dilation,
                              groups=L.groups)
                    full = y.shape[2:]
                    sl = tuple(slice(L.padding[ax], full[ax] - L.padding_hi[ax] + L.output_padding[ax])  # type: ignore[index]
                               for ax in range(D))
                    if any(L.output_padding):  # type: ignore[union-attr]
                        y = F.pad(y, [v for ax in reversed(range(D)) for v in (0, L.output_padding[ax])])  # type: ignore[index]
                    y = y[(slice(None), slice(None)) + sl]
                    if b is not None:
                        y = y + b.reshape((1, -1) + (1,) * D)
                elif isinstance(L, Pool):
                    if L.mode == "max" and sym and not L.ceil_mode and all(
                            2 * p <= k for p, k in zip(L.padding, L.kernel)):  # type: ignore[arg-type]
                        y = maxp(a, L.kernel, L.stride, padding=L.padding, dilation=L.dilation)
                    elif L.mode == "max":
                        y = maxp(F.pad(a, pad_arg(L), value=-float("inf")), L.kernel, L.stride, dilation=L.dilation,
                                 ceil_mode=L.ceil_mode)
                        if L.ceil_mode:  # PyTorch keeps a window that starts in the right padding only with padding
                            m = [layer_output_size(L, ax, a.shape[2 + ax]) for ax in range(D)]
                            y = y[(slice(None), slice(None)) + tuple(slice(0, v) for v in m)]
                    elif sym and all(2 * p <= k for p, k in zip(L.padding, L.kernel)):
                        y = avgp(a, L.kernel, L.stride, padding=L.padding, count_include_pad=True)
                    else:
                        y = avgp(F.pad(a, pad_arg(L)), L.kernel, L.stride)
                elif isinstance(L, Upsample):
                    if L.size is not None:
                        y = a.expand(*a.shape[:2], *L.size)  # type: ignore[misc]
                    else:
                        y = F.interpolate(a, scale_factor=tuple(float(c) for c in L.scale),  # type: ignore[union-attr]
                                          mode="nearest" if L.mode == "nearest" else
                                          {1: "linear", 2: "bilinear", 3: "trilinear"}[D], align_corners=None
                                          if L.mode == "nearest" else False)
                elif isinstance(L, GlobalPool):
                    dims = tuple(range(2, 2 + D))
                    y = a.mean(dim=dims, keepdim=True) if L.mode == "avg" else a.amax(dim=dims, keepdim=True)
                elif node.op == "add":
                    y = a
                    for i in node.inputs[1:]:
                        y = y + vals[i]
                elif node.op == "concat":
                    y = torch.cat([vals[i] for i in node.inputs], dim=1)
                else:
                    y = a[:, :node.channels]
                if isinstance(L, (Conv, ConvTranspose)) and node.id != graph.output:
                    y = torch.relu(y)
                vals[node.id] = y
            return vals[graph.output]

    return GraphModule().eval()


def _to_double(model: Any) -> Any:
    import onnx
    from onnx import TensorProto, numpy_helper

    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    for i, init in enumerate(g.initializer):
        if init.data_type == TensorProto.FLOAT:
            g.initializer[i].CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float64), init.name))
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        if vi.type.tensor_type.elem_type == TensorProto.FLOAT:
            vi.type.tensor_type.elem_type = TensorProto.DOUBLE
    for node in g.node:
        for att in node.attribute:
            if node.op_type == "Cast" and att.name == "to" and att.i == TensorProto.FLOAT:
                att.i = TensorProto.DOUBLE
            if node.op_type == "Constant" and att.name == "value" and att.t.data_type == TensorProto.FLOAT:
                att.t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(att.t).astype(np.float64), att.t.name))
    return m


def onnx_runner(model: Any, dtype: str = "float32") -> Any:
    """A function ``x -> y`` running the ONNX ``model`` (path or ``ModelProto``) on ONNX Runtime.

    ``dtype='float64'`` casts every float32 initializer, constant and value to
    float64 and runs ONNX's reference evaluator (``onnx.reference``; ONNX
    Runtime has no float64 convolution on the CPU) -- the reference run.
    """
    try:
        import onnx
        import onnxruntime as ort
    except ImportError:
        raise BackendUnavailable("the onnxruntime executor needs onnx and onnxruntime: "
                                 "pip install 'kronconv[onnx]' onnxruntime") from None
    proto = onnx.load(str(model)) if not isinstance(model, onnx.ModelProto) else model
    if dtype == "float64":  # ONNX Runtime's CPU kernels lack float64 Conv: the ONNX reference evaluator instead
        from onnx.reference import ReferenceEvaluator

        ref = ReferenceEvaluator(_to_double(proto))
        rname = proto.graph.input[0].name

        def run_ref(x: np.ndarray) -> np.ndarray:
            try:
                return np.asarray(ref.run(None, {rname: x.astype(np.float64)})[0], dtype=np.float64)
            except Exception as exc:  # noqa: BLE001 - the evaluator raises its own types
                raise InvalidArgument(f"the float64 ONNX reference cannot run the model: "
                                      f"{str(exc).splitlines()[0][:200]}") from None

        return run_ref
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.log_severity_level = 3
    try:
        sess = ort.InferenceSession(proto.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - ONNX Runtime raises its own types
        raise InvalidArgument(f"onnxruntime cannot run the model in {dtype}: {str(exc).splitlines()[0][:200]}") from None
    name = sess.get_inputs()[0].name
    np_dt = np.float64 if dtype == "float64" else np.float32

    def run(x: np.ndarray) -> np.ndarray:
        return np.asarray(sess.run(None, {name: x.astype(np_dt)})[0], dtype=np.float64)

    return run
