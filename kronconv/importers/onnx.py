"""ONNX models in: every node that moves data across positions becomes a node of a :class:`~kronconv.netgraph.NetGraph`.

Supported (anything else is refused, naming the op, the node and why):

* ``Conv`` (``dilations``, ``strides``, ``pads`` incl. asymmetric, ``group``,
  ``auto_pad`` ``SAME_UPPER`` / ``SAME_LOWER`` / ``VALID``), ``ConvTranspose``
  (``output_padding``; not ``output_shape`` / SAME);
* ``MaxPool`` / ``AveragePool`` / ``LpPool`` (``ceil_mode``, ``dilations``,
  ``pads``, ``auto_pad``), ``GlobalAveragePool`` / ``GlobalMaxPool`` /
  ``GlobalLpPool``;
* ``Resize`` / ``Upsample`` with integer scales, ``nearest`` (``asymmetric`` +
  ``floor``, or half-pixel rounding) or ``linear`` (``half_pixel`` /
  ``pytorch_half_pixel``), and a resize of a globally pooled map to any size;
* ``Add`` / ``Sum`` / ``Mul`` / ``Sub`` / ``Div`` / ``Max`` / ``Min`` / ``Mean``
  (a merge when two inputs are tensors of the network, transparent against a
  constant), ``Concat`` on channels, ``Split`` / ``Slice`` on channels (or whole
  spatial ranges), ``Pad`` (constant, folded into the next convolution or pool);
* ``Softmax`` / ``LogSoftmax`` over the channel axis 1 (from opset 13 on: before, they
  normalise over all axes from ``axis`` on, positions included);
* spatially transparent ops (``Relu``, ``Clip``, ``Sigmoid``,
  ``BatchNormalization``, ``Dropout``, ``Identity``, ... see :data:`TRANSPARENT`);
* ``Flatten`` / ``Reshape`` / ``Gemm`` / ``MatMul`` after global pooling (where
  they only mix channels); on a map wider than one position they connect every
  position, which is recorded as global and noted.

``auto_pad = SAME_*`` and resizes given by ``sizes`` need the input's spatial
size: from the model's input shape, or ``input_shape``.

Examples
--------
>>> from onnx import TensorProto, helper, numpy_helper  # doctest: +SKIP
>>> import numpy as np  # doctest: +SKIP
>>> w = numpy_helper.from_array(np.ones((1, 1, 3, 3), np.float32), "w")  # doctest: +SKIP
>>> conv = helper.make_node("Conv", ["x", "w"], ["y"], name="c", dilations=[2, 2], pads=[2, 2, 2, 2])  # doctest: +SKIP
>>> g = helper.make_graph([conv], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 9, 9])],
...                       [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [w])  # doctest: +SKIP
>>> from kronconv.netgraph import net_fields  # doctest: +SKIP
>>> net_fields(from_onnx(helper.make_model(g))).receptive_field  # doctest: +SKIP
(5, 5)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import BackendUnavailable, InvalidSpec
from ..layers import ConvTranspose, GlobalPool, Upsample
from ..netgraph import NetGraph
from ..spec import Conv, Pool
from ._build import GraphBuilder, Imported, Tensor, unsupported

__all__ = ["TRANSPARENT", "from_onnx", "read_onnx"]

#: Ops that act on each position on its own (or across channels at one position): aliases of their input.
TRANSPARENT = frozenset({
    "Relu", "LeakyRelu", "PRelu", "Elu", "Selu", "Celu", "Gelu", "Sigmoid", "HardSigmoid", "HardSwish",
    "Tanh", "Softplus", "Softsign", "Mish", "Clip", "BatchNormalization", "Dropout", "Identity", "Cast",
    "Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Erf", "Floor", "Ceil", "Round", "Sign", "Sin",
    "Cos", "LRN", "ThresholdedRelu", "Shrink", "QuantizeLinear", "DequantizeLinear", "Not", "IsNaN",
})
_MERGE = frozenset({"Add", "Sum", "Mul", "Sub", "Div", "Max", "Min", "Mean", "Pow"})
_POOL = {"MaxPool": "max", "AveragePool": "avg", "LpPool": "lp"}
_GLOBAL = {"GlobalAveragePool": "avg", "GlobalMaxPool": "max", "GlobalLpPool": "lp"}
#: The default domain's opset assumed when a model declares none (softmax axes follow opset >= 13 there).
_LATEST_OPSET = 21
#: Largest ONNX file read, in bytes.
MAX_ONNX_BYTES = 1 << 31


def _require_onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise BackendUnavailable("reading ONNX models needs the onnx package: pip install 'kronconv[onnx]'") from None
    return onnx


def _load(model: Any) -> Any:
    onnx = _require_onnx()
    if isinstance(model, onnx.ModelProto):
        return model
    if not isinstance(model, (str, Path)):
        raise InvalidSpec(f"expected an ONNX file path or onnx.ModelProto, got {type(model).__name__}")
    p = Path(model)
    if not p.exists():
        raise InvalidSpec(f"cannot read ONNX model {str(p)!r}: no such file")
    if not p.is_file():
        raise InvalidSpec(f"cannot read ONNX model {str(p)!r}: not a regular file")
    if p.stat().st_size > MAX_ONNX_BYTES:
        raise InvalidSpec(f"ONNX model {str(p)!r} is {p.stat().st_size} bytes; at most {MAX_ONNX_BYTES} allowed")
    try:
        return onnx.load(str(p), load_external_data=False)
    except Exception as exc:  # noqa: BLE001 - onnx raises DecodeError, ValidationError and others
        raise InvalidSpec(f"cannot read ONNX model {str(p)!r}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None


def _attrs(node: Any) -> dict[str, Any]:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _dim_values(vi: Any) -> list[int | None]:
    shape = vi.type.tensor_type.shape
    return [d.dim_value if d.HasField("dim_value") else None for d in shape.dim]


def _s(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def _same_pads(size: tuple[int, ...] | None, ext: list[int], stride: list[int], mode: str, op: str,
               name: str) -> tuple[list[int], list[int]]:
    """TensorFlow SAME padding: total = max((ceil(n/s) - 1) s + extent - n, 0), the odd unit at the end
    (``SAME_UPPER``) or the start (``SAME_LOWER``)."""
    if size is None:
        raise unsupported(op, name, f"auto_pad={mode} depends on the input size, which the model leaves "
                                    "open: give the input shape")
    lo, hi = [], []
    for n, e, s in zip(size, ext, stride):
        total = max((-(-n // s) - 1) * s + e - n, 0)
        small = total // 2
        lo.append(small if mode == "SAME_UPPER" else total - small)
        hi.append(total - lo[-1])
    return lo, hi


def read_onnx(model: Any, *, input_shape: Any = None, output: str | None = None, align: str = "centre") -> Imported:
    """Import an ONNX model (a path or an ``onnx.ModelProto``) with what the importer knows about it.

    Parameters
    ----------
    model
        A ``.onnx`` file or a loaded ``ModelProto``.
    input_shape
        ``(N, C, *spatial)`` to use when the model leaves the input's size open.
    output
        The graph output to analyse when the model has several.
    align
        What merges must share (``"centre"``; ``"end"`` for causal networks such as WaveNet).

    Raises
    ------
    InvalidSpec
        Naming the op, node and reason for anything not supported.
    BackendUnavailable
        When the ``onnx`` package is not installed.
    """
    onnx = _require_onnx()
    from onnx import numpy_helper

    m = _load(model)
    graph = m.graph
    consts: dict[str, Any] = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    inputs = [vi for vi in graph.input if vi.name not in consts]
    if len(inputs) != 1:
        raise InvalidSpec(f"the ONNX model must have exactly 1 input tensor, got {len(inputs)} "
                          f"{[vi.name for vi in inputs]}")
    shape = list(input_shape) if input_shape is not None else _dim_values(inputs[0])
    if len(shape) < 3 or len(shape) > 5:
        raise InvalidSpec(f"the input {inputs[0].name!r} has shape {shape}: expected (N, C, spatial...) with "
                          "1 to 3 spatial axes")
    dims = len(shape) - 2
    size = tuple(shape[2:]) if all(isinstance(v, int) and v > 0 for v in shape[2:]) else None
    b = GraphBuilder(dims, graph.name or "onnx-model")
    t: dict[str, Tensor] = {}
    in_ch = shape[1] if isinstance(shape[1], int) and shape[1] > 0 else None
    if in_ch is None:  # infer from the first convolution reading the input
        for node in graph.node:
            if node.op_type in ("Conv", "ConvTranspose") and node.input[0] == inputs[0].name and node.input[1] in consts:
                w = consts[node.input[1]].shape
                in_ch = w[1] * int(_attrs(node).get("group", 1)) if node.op_type == "Conv" else w[0]
                break
    in_ch = in_ch or 1
    nid = b.add(inputs[0].name, "input", "input", (), source="input", channels=in_ch, size=size)
    t[inputs[0].name] = Tensor(nid, in_ch, size)
    for k, v in consts.items():
        t[k] = Tensor(None, value=v)
    opset = max((o.version for o in m.opset_import if o.domain in ("", "ai.onnx")), default=_LATEST_OPSET)
    for i, node in enumerate(graph.node):
        _convert(b, t, node, i, onnx, opset)
    outs = [o.name for o in graph.output]
    if output is not None:
        if output not in outs:
            raise InvalidSpec(f"output {output!r} is not an output of the model; outputs: {outs}")
        outs = [output]
    if len(outs) != 1:
        raise InvalidSpec(f"the ONNX model has {len(outs)} outputs {outs}: choose one (output=...)")
    out = t.get(outs[0])
    if out is None or out.node is None:
        raise InvalidSpec(f"the output {outs[0]!r} does not depend on the input")
    return b.finish(out.node, size, "onnx", align)


def from_onnx(model: Any, *, input_shape: Any = None, output: str | None = None, align: str = "centre") -> NetGraph:
    """An ONNX model (a path or ``onnx.ModelProto``) as a :class:`~kronconv.netgraph.NetGraph`.

    See :func:`read_onnx` for the arguments and the module docstring for the ops.
    """
    return read_onnx(model, input_shape=input_shape, output=output, align=align).graph


def _const(t: dict[str, Tensor], name: str) -> Any:
    x = t.get(name)
    return None if x is None or x.node is not None else x.value


def _convert(b: GraphBuilder, t: dict[str, Tensor], node: Any, i: int, onnx: Any, opset: int = _LATEST_OPSET) -> None:
    import numpy as np

    op, name = node.op_type, node.name or f"{node.op_type}_{i}"
    a = _attrs(node)
    dims = b.dims
    ins = [t.get(x) if x else None for x in node.input]
    for x, tx in zip(node.input, ins):
        if x and tx is None:
            raise unsupported(op, name, f"input {x!r} is produced by no node before it")
    if op == "Constant":
        val = a.get("value")
        if val is None:
            for key in ("value_float", "value_floats", "value_int", "value_ints"):
                if key in a:
                    val = np.array(a[key])
        else:
            from onnx import numpy_helper

            val = numpy_helper.to_array(val)
        t[node.output[0]] = Tensor(None, value=val)
        return
    live = [(x, tx) for x, tx in zip(node.input, ins) if tx is not None and tx.node is not None]
    if not live:  # an op on constants only (shape arithmetic): keep its result unknown but constant
        t[node.output[0]] = Tensor(None, value=None)
        return
    _src_name, src = live[0]
    for _x, tx in live:
        if tx.pad is not None and op not in ("Conv", "MaxPool", "AveragePool", "LpPool", "Pad"):
            raise unsupported("Pad", name, f"a Pad feeding {op} cannot be folded into a convolution or pool")
    if op in TRANSPARENT:
        if op == "LRN" or op in ("Dropout", "BatchNormalization") or len(live) == 1:
            t[node.output[0]] = src
            for extra in node.output[1:]:
                t[extra] = Tensor(None, value=None)
            return
        raise unsupported(op, name, "takes more than one tensor of the network")
    if op == "Softmax" or op == "LogSoftmax":
        # before opset 13 the default axis was 1 and the op normalised over all axes from `axis` on, flattened
        # into one (channels and positions together); from 13 on it normalises over the one axis, -1 by default
        axis = a.get("axis", -1 if opset >= 13 else 1)
        if src.is_global or (opset >= 13 and axis in (1, 1 - (dims + 2))):
            t[node.output[0]] = src
            return
        raise unsupported(op, name, f"softmax over axis {axis} (opset {opset}) mixes positions; only the channel "
                                    "axis 1 from opset 13 on is spatially transparent")
    if op in ("Conv", "ConvTranspose"):
        w = _const(t, node.input[1])
        if w is None:
            raise unsupported(op, name, "the weight is not a constant of the model")
        k = list(a.get("kernel_shape", w.shape[2:]))
        if len(k) != dims:
            raise unsupported(op, name, f"kernel {k} has {len(k)} axes, the input has {dims} spatial axes")
        group = int(a.get("group", 1))
        d = list(a.get("dilations", [1] * dims))
        s = list(a.get("strides", [1] * dims))
        pads = list(a.get("pads", [0] * (2 * dims)))
        lo, hi = pads[:dims], pads[dims:]
        auto = _s(a.get("auto_pad", "NOTSET"))
        bias = len(node.input) > 2 and bool(node.input[2])
        if op == "Conv":
            ext = [dd * (kk - 1) + 1 for kk, dd in zip(k, d)]
            if auto in ("SAME_UPPER", "SAME_LOWER"):
                lo, hi = _same_pads(src.size, ext, s, auto, op, name)
            elif auto == "VALID":
                lo, hi = [0] * dims, [0] * dims
            elif auto != "NOTSET":
                raise unsupported(op, name, f"auto_pad={auto!r}; allowed: NOTSET, SAME_UPPER, SAME_LOWER, VALID")
            if src.pad is not None:
                lo = [x + p[0] for x, p in zip(lo, src.pad)]
                hi = [x + p[1] for x, p in zip(hi, src.pad)]
            layer: Any = Conv(k, dilation=d, stride=s, padding=[[x, y] for x, y in zip(lo, hi)],
                              in_channels=w.shape[1] * group, out_channels=w.shape[0], groups=group, bias=bias,
                              dims=dims, name=name)
            kind = "conv"
        else:
            if "output_shape" in a:
                raise unsupported(op, name, "output_shape is not supported; export with explicit pads")
            if auto not in ("NOTSET", "VALID"):
                raise unsupported(op, name, f"auto_pad={auto!r} on a transposed convolution; give explicit pads")
            if auto == "VALID":
                lo, hi = [0] * dims, [0] * dims
            layer = ConvTranspose(k, stride=s, padding=[[x, y] for x, y in zip(lo, hi)],
                                  output_padding=list(a.get("output_padding", [0] * dims)), dilation=d,
                                  in_channels=w.shape[0], out_channels=w.shape[1] * group, groups=group,
                                  bias=bias, dims=dims, name=name)
            kind = "convt"
        _layer_node(b, t, node, name, op, kind, layer, src)
        return
    if op in _POOL:
        k = list(a["kernel_shape"])
        s = list(a.get("strides", [1] * dims))
        d = list(a.get("dilations", [1] * dims))
        pads = list(a.get("pads", [0] * (2 * dims)))
        lo, hi = pads[:dims], pads[dims:]
        auto = _s(a.get("auto_pad", "NOTSET"))
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            lo, hi = _same_pads(src.size, [dd * (kk - 1) + 1 for kk, dd in zip(k, d)], s, auto, op, name)
        elif auto == "VALID":
            lo, hi = [0] * dims, [0] * dims
        elif auto != "NOTSET":
            raise unsupported(op, name, f"auto_pad={auto!r}; allowed: NOTSET, SAME_UPPER, SAME_LOWER, VALID")
        if src.pad is not None:
            lo = [x + p[0] for x, p in zip(lo, src.pad)]
            hi = [x + p[1] for x, p in zip(hi, src.pad)]
        try:
            layer = Pool(k, stride=s, padding=[[x, y] for x, y in zip(lo, hi)], mode=_POOL[op], dims=dims,
                         name=name, dilation=d, ceil_mode=bool(a.get("ceil_mode", 0)))
        except InvalidSpec as exc:
            raise unsupported(op, name, str(exc)) from None
        _layer_node(b, t, node, name, op, "pool", layer, src)
        if len(node.output) > 1 and node.output[1]:
            t[node.output[1]] = Tensor(None, value=None)
        return
    if op in _GLOBAL:
        _layer_node(b, t, node, name, op, "global", GlobalPool(_GLOBAL[op], dims=dims, name=name), src)
        return
    if op in ("Resize", "Upsample"):
        _resize(b, t, node, name, op, a, src, opset)
        return
    if op in _MERGE:
        if len(live) == 1:
            t[node.output[0]] = src
            return
        if op == "Pow":
            raise unsupported(op, name, "both base and exponent are tensors of the network")
        _merge(b, t, node, name, op, "add", live)
        return
    if op == "Concat":
        axis = a.get("axis", 1)
        if axis in (1, 1 - (dims + 2)):
            if len(live) == 1:
                t[node.output[0]] = src
                return
            _merge(b, t, node, name, op, "concat", live)
            return
        raise unsupported(op, name, f"concatenation along axis {axis} joins positions (only the channel axis 1 "
                                    "keeps spatial alignment)")
    if op == "Split":
        axis = a.get("axis", 0)
        parts = a.get("split")
        if parts is None and len(node.input) > 1 and node.input[1]:
            parts = _const(t, node.input[1])
        if axis in (1, 1 - (dims + 2)):
            n_out = len(node.output)
            if parts is None:
                if src.channels is None or src.channels % n_out:
                    raise unsupported(op, name, f"cannot split {src.channels} channels into {n_out} equal parts")
                parts = [src.channels // n_out] * n_out
            for j, (out_name, c) in enumerate(zip(node.output, list(parts))):
                nid = b.add(f"{name}_{j}", f"split{i}_{j}", "select", (src.node,), source=op, channels=int(c),  # type: ignore[arg-type]
                            size=src.size)
                t[out_name] = Tensor(nid, int(c), src.size, src.is_global)
            return
        if axis in (0, -(dims + 2)):  # along the batch: every part keeps every position
            for out_name in node.output:
                t[out_name] = src
            return
        raise unsupported(op, name, f"split along spatial axis {axis} cuts the map into parts at different positions")
    if op == "Slice":
        _slice(b, t, node, name, a, src)
        return
    if op == "Pad":
        mode = _s(a.get("mode", "constant"))
        pads = a.get("pads")
        if pads is None and len(node.input) > 1:
            pads = _const(t, node.input[1])
        if pads is None:
            raise unsupported(op, name, "the pads are not a constant of the model")
        pads = [int(v) for v in list(pads)]
        rank = len(pads) // 2
        if len(node.input) > 3 and node.input[3]:
            raise unsupported(op, name, "Pad with explicit axes is not supported")
        if any(pads[j] or pads[rank + j] for j in range(2)) or any(v < 0 for v in pads):
            raise unsupported(op, name, "only non-negative padding of the spatial axes is supported")
        if mode != "constant":
            raise unsupported(op, name, f"mode {mode!r} repeats input values; only constant padding folds into "
                                        "the next layer")
        pad = tuple((pads[2 + j], pads[rank + 2 + j]) for j in range(dims))
        if src.pad is not None:
            pad = tuple((a[0] + b[0], a[1] + b[1]) for a, b in zip(pad, src.pad))
        # the size stays the unpadded one: the padding is folded into the next layer, which counts it
        t[node.output[0]] = Tensor(src.node, src.channels, src.size, src.is_global, pad)
        return
    if op in ("Flatten", "Reshape", "Gemm", "MatMul", "Squeeze", "Unsqueeze", "Transpose", "ReduceMean",
              "ReduceMax", "ReduceSum", "GlobalAveragePool"):
        if src.is_global:
            t[node.output[0]] = Tensor(src.node, None, None, True)
            return
        if op in ("Flatten", "Reshape", "Gemm", "MatMul", "ReduceMean", "ReduceMax", "ReduceSum"):
            nid = b.add(name, f"{op}{i}", "global", (src.node,), GlobalPool("avg", dims=dims, name=name),  # type: ignore[arg-type]
                        source=op, size=None if src.size is None else (1,) * dims)
            b.notes.append(f"{op} {name!r} reads every position of a map that is not pooled globally: its "
                           "units depend on the whole input")
            t[node.output[0]] = Tensor(nid, None, None, True)
            return
    if op in ("Shape", "Size"):
        t[node.output[0]] = Tensor(None, value=None)
        return
    raise unsupported(op, name, "not in the supported op set (see kronconv.importers.onnx)")


def _layer_node(b: GraphBuilder, t: dict[str, Tensor], node: Any, name: str, op: str, kind: str, layer: Any,
                src: Tensor) -> None:
    size = None
    if kind == "global":
        size = None if src.size is None else (1,) * b.dims
    else:
        try:
            size = b.layer_size(layer, src.size, op, name)
        except InvalidSpec as exc:
            raise unsupported(op, name, str(exc).split(": ", 1)[-1]) from None
    out_ch = getattr(layer, "out_channels", src.channels) if kind in ("conv", "convt") else src.channels
    nid = b.add(name, f"{kind}", kind, (src.node,), layer, source=op, size=size)  # type: ignore[arg-type]
    t[node.output[0]] = Tensor(nid, out_ch, size, src.is_global or kind == "global")


def _merge(b: GraphBuilder, t: dict[str, Tensor], node: Any, name: str, op: str, kind: str,
           live: list[tuple[str, Tensor]]) -> None:
    local = [tx for _, tx in live if not tx.is_global]
    sizes = {tx.size for tx in local if tx.size is not None}
    if len(sizes) > 1:
        raise unsupported(op, name, f"inputs have different spatial sizes {sorted(sizes)}: broadcasting across "
                                    "positions does not keep spatial alignment")
    srcs = tuple(dict.fromkeys(tx.node for _, tx in live))  # type: ignore[misc]
    if len(srcs) == 1:
        t[node.output[0]] = live[0][1]
        return
    chans = [tx.channels for _, tx in live]
    if kind == "add" and len({c for c in chans if c is not None}) > 1:
        raise unsupported(op, name, f"inputs have {chans} channels: broadcasting over channels is not supported")
    size = next(iter(sizes)) if sizes else None
    nid = b.add(name, kind, kind, srcs, source=op, size=size)  # type: ignore[arg-type]
    if kind == "concat":  # an input of unknown channels (a flattened vector, ...) leaves the sum unknown
        ch = None if any(c is None for c in chans) else sum(chans)  # type: ignore[arg-type]
    else:
        ch = chans[0]
    t[node.output[0]] = Tensor(nid, ch, size, not local)


def _resize(b: GraphBuilder, t: dict[str, Tensor], node: Any, name: str, op: str, a: dict[str, Any],
            src: Tensor, opset: int = _LATEST_OPSET) -> None:
    dims = b.dims
    mode = _s(a.get("mode", "nearest"))
    scales = sizes = None
    # Resize before opset 11 is Upsample renamed: inputs (X, scales), asymmetric coordinates, nearest = floor
    legacy = op == "Upsample" or opset < 11
    if legacy:
        scales = a.get("scales") or (_const(t, node.input[1]) if len(node.input) > 1 else None)
    else:
        if len(node.input) > 2 and node.input[2]:
            scales = _const(t, node.input[2])
        if len(node.input) > 3 and node.input[3]:
            sizes = _const(t, node.input[3])
    if scales is not None and len(list(scales)) == 0:
        scales = None
    if scales is None and sizes is None:
        raise unsupported(op, name, "the scales / sizes are not constants of the model")
    if src.is_global and sizes is not None:
        target = tuple(int(v) for v in list(sizes)[2:])
        nid = b.add(name, "resize", "upsample", (src.node,), Upsample(1, mode="nearest" if mode == "nearest" else "linear",  # type: ignore[arg-type]
                                                                      dims=dims, name=name, size=target),
                    source=op, size=target)
        t[node.output[0]] = Tensor(nid, src.channels, target, True)
        return
    if scales is not None:
        vals = [float(v) for v in list(scales)]
    else:
        if src.size is None:
            raise unsupported(op, name, "a resize to fixed sizes needs the input size, which the model leaves open")
        vals = [1.0, 1.0] + [int(v) / n for v, n in zip(list(sizes)[2:], src.size)]  # type: ignore[index]
    if len(vals) != dims + 2 or vals[0] != 1 or vals[1] != 1:
        raise unsupported(op, name, f"scales {vals} must be 1 on the batch and channel axes")
    if any(v < 1 or not float(v).is_integer() for v in vals[2:]):
        raise unsupported(op, name, f"scales {vals[2:]} are not integers >= 1: the field of a unit would not "
                                    "be a whole number of input positions")
    scale = [int(v) for v in vals[2:]]
    ctm = _s(a.get("coordinate_transformation_mode", "asymmetric" if legacy else "half_pixel"))
    if mode == "nearest":
        nm = _s(a.get("nearest_mode", "round_prefer_floor"))
        ok = (ctm == "asymmetric" and nm == "floor") or (
            ctm in ("half_pixel", "pytorch_half_pixel") and nm in ("round_prefer_floor", "round_prefer_ceil")) or (
            legacy)
        if not ok:
            raise unsupported(op, name, f"nearest resize with coordinate_transformation_mode={ctm!r} and "
                                        f"nearest_mode={nm!r} does not read floor(u / scale)")
        kind = "nearest"
    elif mode in ("linear", "bilinear", "trilinear"):
        if ctm not in ("half_pixel", "pytorch_half_pixel"):
            raise unsupported(op, name, f"linear resize with coordinate_transformation_mode={ctm!r}; supported: "
                                        "half_pixel, pytorch_half_pixel (align_corners=False)")
        kind = "linear"
    else:
        raise unsupported(op, name, f"mode {mode!r}; supported: nearest, linear")
    layer = Upsample(scale, mode=kind, dims=dims, name=name)
    _layer_node(b, t, node, name, op, "upsample", layer, src)


def _slice(b: GraphBuilder, t: dict[str, Tensor], node: Any, name: str, a: dict[str, Any], src: Tensor) -> None:
    dims = b.dims
    starts = a.get("starts")
    ends = a.get("ends")
    axes = a.get("axes")
    steps = None
    if starts is None:
        vals = [_const(t, x) if x else None for x in list(node.input[1:5]) + [None] * (4 - len(node.input[1:5]))]
        starts, ends, axes, steps = vals
        if starts is None or ends is None:
            raise unsupported("Slice", name, "starts / ends are not constants of the model")
    starts, ends = [int(v) for v in list(starts)], [int(v) for v in list(ends)]
    axes = list(range(len(starts))) if axes is None else [int(v) for v in list(axes)]
    steps = [1] * len(starts) if steps is None else [int(v) for v in list(steps)]
    ch = src.channels
    for ax, s0, e0, st in zip(axes, starts, ends, steps):
        ax = ax % (dims + 2)
        if ax == 0:
            continue
        if ax == 1:
            if st != 1 or ch is None:
                raise unsupported("Slice", name, "a channel slice needs step 1 and a known channel count")
            lo = max(0, s0 + ch if s0 < 0 else s0)
            hi = min(ch, e0 + ch if e0 < 0 else e0)
            if hi <= lo:
                raise unsupported("Slice", name, f"channels {s0} to {e0} of {ch} select no channel")
            ch = hi - lo
            continue
        n = None if src.size is None else src.size[ax - 2]
        if not (s0 == 0 and st == 1 and n is not None and e0 >= n):
            raise unsupported("Slice", name, f"slicing spatial axis {ax} (start {s0}, end {e0}, step {st}) "
                                             "moves or drops positions")
    if ch == src.channels:
        t[node.output[0]] = src
        return
    nid = b.add(name, "slice", "select", (src.node,), source="Slice", channels=int(ch or 1), size=src.size)  # type: ignore[arg-type]
    t[node.output[0]] = Tensor(nid, ch, src.size, src.is_global)

