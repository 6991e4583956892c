"""PyTorch modules in, through ``torch.fx``: a traced module becomes a :class:`~kronconv.netgraph.NetGraph`.

The module is traced symbolically (:func:`torch.fx.symbolic_trace`) and run
once on ``example_input`` to learn every tensor's shape; each spatial size
kronconv derives (:func:`kronconv.layers.layer_output_size`) is checked against
the shape PyTorch produced, so a layer whose arithmetic kronconv would get
wrong is refused instead of guessed.

Supported: ``nn.Conv1d/2d/3d`` (``padding='same'/'valid'`` too),
``nn.ConvTranspose1d/2d/3d``, ``nn.MaxPool*`` / ``nn.AvgPool*`` / ``nn.LPPool*``
(``ceil_mode``, ``dilation``), ``nn.AdaptiveAvgPool*`` / ``nn.AdaptiveMaxPool*``
(to 1: global; to a size that divides the input: a plain pool; to the input
size: the identity), ``nn.Upsample`` / ``F.interpolate`` (integer scales,
nearest or linear without ``align_corners``; any size after global pooling),
the ``F.*`` forms of all of these, ``torch.cat`` on channels, ``+`` / ``*`` /
``torch.add`` / ``torch.mul`` (merges), ``torch.split`` / ``chunk`` / slicing of
channels, ``torch.flatten`` / ``nn.Linear`` after global pooling, and
spatially transparent modules and functions (:data:`TRANSPARENT_MODULES`,
:data:`TRANSPARENT_FUNCTIONS`).  Anything else is refused naming the op,
the node and why.
"""

from __future__ import annotations

import dataclasses
import inspect
import operator
from typing import Any

from ..errors import BackendUnavailable, InvalidSpec
from ..layers import ConvTranspose, GlobalPool, Upsample
from ..netgraph import NetGraph
from ..spec import Conv, Pool
from ._build import GraphBuilder, Imported, Tensor, unsupported

__all__ = ["TRANSPARENT_FUNCTIONS", "TRANSPARENT_MODULES", "from_torch", "read_torch"]

#: ``torch.nn`` module classes that act on every position on its own.
TRANSPARENT_MODULES = frozenset({
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh",
    "Hardtanh", "Hardswish", "Hardsigmoid", "Softplus", "Softsign", "Tanhshrink", "Threshold", "LogSigmoid",
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm", "Dropout", "Dropout1d", "Dropout2d",
    "Dropout3d", "AlphaDropout", "Identity", "LocalResponseNorm", "ChannelShuffle",
})
#: Functions and tensor methods that act on every position on its own.
TRANSPARENT_FUNCTIONS = frozenset({
    "relu", "relu_", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish", "sigmoid", "tanh",
    "hardtanh", "hardswish", "hardsigmoid", "softplus", "dropout", "dropout2d", "batch_norm", "clamp",
    "clip", "abs", "neg", "exp", "log", "sqrt", "contiguous", "float", "to", "type_as", "clone", "detach",
    "local_response_norm", "channel_shuffle", "relu6_", "sigmoid_", "tanh_", "hardtanh_",
})
_MERGE_FUNCS = {operator.add: "add", operator.mul: "add", operator.sub: "add", operator.truediv: "add",
                operator.iadd: "add", operator.imul: "add"}


def _require_torch() -> Any:
    try:
        import torch
        import torch.fx
    except ImportError:
        raise BackendUnavailable("importing PyTorch modules needs torch: pip install 'kronconv[torch]'") from None
    return torch


def _tup(v: Any, dims: int) -> list[int]:
    if isinstance(v, (list, tuple)):
        if len(v) == 1:
            return [int(v[0])] * dims
        return [int(x) for x in v]
    return [int(v)] * dims


def _bind(fn: Any, args: tuple, kwargs: dict) -> dict[str, Any]:
    try:
        sig = inspect.signature(fn)
        if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in sig.parameters.values()):
            return {}  # a dispatching wrapper (F.max_pool2d is ``fn(*args, **kwargs)``): its names are not the op's
        ba = sig.bind(*args, **kwargs)
        ba.apply_defaults()
        return dict(ba.arguments)
    except (TypeError, ValueError):
        return {}


def read_torch(module: Any, example_input: Any, *, align: str = "centre") -> Imported:
    """Import a ``torch.nn.Module`` by tracing it with ``torch.fx`` and running it on ``example_input``.

    Parameters
    ----------
    module
        The module (in eval mode or not; it is traced, and run once without gradients).
    example_input
        A tensor of shape ``(N, C, *spatial)``, or that shape as a tuple.
    align
        What merges must share (``"centre"``; ``"end"`` for causal networks such as WaveNet).
    """
    torch = _require_torch()
    from torch.fx.passes.shape_prop import ShapeProp

    if not isinstance(module, torch.nn.Module):
        raise InvalidSpec(f"expected a torch.nn.Module, got {type(module).__name__}")
    if isinstance(example_input, (tuple, list)):
        shape = [int(v) for v in example_input]
        if len(shape) < 3 or len(shape) > 5 or any(v < 1 for v in shape):
            raise InvalidSpec(f"input shape {shape} must be (N, C, spatial...) with 1 to 3 positive spatial sizes")
        params = list(module.parameters())
        example_input = torch.zeros(shape, dtype=params[0].dtype if params else torch.float32)
    try:
        gm = torch.fx.symbolic_trace(module)
    except Exception as exc:  # noqa: BLE001 - tracing raises TraceError, TypeError, NotImplementedError ...
        raise InvalidSpec(f"torch.fx cannot trace {type(module).__name__}: "
                          f"{(str(exc).splitlines() or [type(exc).__name__])[0]}") from None
    was_training = gm.training
    try:
        gm.eval()  # batch statistics of training mode would refuse a 1 x 1 map after global pooling
        with torch.no_grad():
            ShapeProp(gm).propagate(example_input)
    except Exception as exc:  # noqa: BLE001 - whatever the model's forward raises
        while exc.__cause__ is not None:  # ShapeProp wraps the forward's error in one naming the fx node
            exc = exc.__cause__  # type: ignore[assignment]
        raise InvalidSpec(f"running {type(module).__name__} on an input of shape {list(example_input.shape)} "
                          f"failed: {(str(exc).splitlines() or [type(exc).__name__])[0]}") from None
    finally:
        gm.train(was_training)
    dims = example_input.dim() - 2
    if not 1 <= dims <= 3:
        raise InvalidSpec(f"input shape {list(example_input.shape)} must have 1 to 3 spatial axes")
    b = GraphBuilder(dims, type(module).__name__)
    t: dict[Any, Tensor] = {}
    modules = dict(gm.named_modules())
    out_node = None
    seen_input = False
    for node in gm.graph.nodes:
        if node.op == "placeholder":
            if seen_input:
                raise unsupported("placeholder", node.name, "the module takes more than one input tensor")
            seen_input = True
            shp = node.meta["tensor_meta"].shape
            nid = b.add(node.name, "input", "input", (), source="input", channels=int(shp[1]),
                        size=tuple(int(v) for v in shp[2:]))
            t[node] = Tensor(nid, int(shp[1]), tuple(int(v) for v in shp[2:]))
        elif node.op == "get_attr":
            t[node] = Tensor(None, value=None)
        elif node.op == "output":
            out_node = node.args[0]
        else:
            _convert(b, t, node, modules, torch)
    if isinstance(out_node, (tuple, list)):
        if len(out_node) != 1:
            raise InvalidSpec(f"the module returns {len(out_node)} tensors; kronconv analyses one output")
        out_node = out_node[0]
    out = t.get(out_node)
    if out is None or out.node is None:
        raise InvalidSpec("the module's output does not depend on its input")
    if out.pad is not None:
        raise InvalidSpec("the module's output is padded (F.pad) after its last layer: kronconv folds a pad only "
                          "into a convolution or pool that reads it")
    size = tuple(int(v) for v in example_input.shape[2:])
    return b.finish(out.node, size, "torch.fx", align)


def from_torch(module: Any, example_input: Any, *, align: str = "centre") -> NetGraph:
    """A ``torch.nn.Module`` as a :class:`~kronconv.netgraph.NetGraph` (see :func:`read_torch`).

    Examples
    --------
    >>> import torch  # doctest: +SKIP
    >>> from kronconv.netgraph import net_fields  # doctest: +SKIP
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, dilation=2), torch.nn.ReLU())  # doctest: +SKIP
    >>> net_fields(from_torch(net, (1, 3, 32, 32))).receptive_field  # doctest: +SKIP
    (5, 5)
    """
    return read_torch(module, example_input, align=align).graph


def _shape(node: Any) -> tuple[int, ...] | None:
    meta = node.meta.get("tensor_meta") if hasattr(node, "meta") else None
    if meta is None or not hasattr(meta, "shape"):
        return None
    return tuple(int(v) for v in meta.shape)


def _convert(b: GraphBuilder, t: dict[Any, Tensor], node: Any, modules: dict[str, Any], torch: Any) -> None:
    nn = torch.nn
    F = torch.nn.functional
    dims = b.dims
    args = [a for a in node.args]
    tensors = [(a, t[a]) for a in _flat(node.args) + _flat(list(node.kwargs.values()))
               if hasattr(a, "op") and a in t and t[a].node is not None]
    if node.op == "call_module":
        mod = modules[node.target]
        cls = type(mod).__name__
        label = f"torch.nn.{cls}" if type(mod).__module__.startswith("torch.nn") else cls
        name = node.target
    elif node.op == "call_function":
        fn = node.target
        cls = getattr(fn, "__name__", str(fn))
        label = f"{getattr(fn, '__module__', '') or 'torch'}.{cls}"
        name = node.name
    else:  # call_method
        cls = str(node.target)
        label = f"Tensor.{cls}"
        name = node.name
    if not tensors:
        t[node] = Tensor(None, value=None)
        return
    _src_node, src = tensors[0]
    if any(tx.pad is not None for _, tx in tensors[1:]) or (src.pad is not None and not (
            node.op == "call_module" or cls in ("conv1d", "conv2d", "conv3d", "max_pool1d", "max_pool2d",
                                                "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d", "pad")
            or cls in TRANSPARENT_FUNCTIONS)):
        raise unsupported(label, name, "reads a padded tensor (F.pad) but is not a convolution or pool the "
                                       "padding can be folded into")
    out_shape = _shape(node)

    def alias(x: Tensor = src) -> None:
        t[node] = x

    def layer_node(kind: str, layer: Any) -> None:
        if src.pad is not None:  # fold an explicit F.pad into this layer's padding
            if kind not in ("conv", "pool"):
                raise unsupported("torch.nn.functional.pad", name, f"a pad feeding {label} cannot be folded into "
                                                                  "a convolution or pool")
            pairs = [[lo + p[0], hi + p[1]] for lo, hi, p in zip(layer.padding, layer.padding_hi, src.pad)]
            try:
                layer = dataclasses.replace(layer, padding=pairs, padding_hi=None)
            except InvalidSpec as exc:
                raise unsupported(label, name, f"after folding the preceding pad: {exc}") from None
        if kind == "global":
            size = (1,) * dims
        else:
            try:
                size = b.layer_size(layer, src.size, label, name)
            except InvalidSpec as exc:
                raise unsupported(label, name, str(exc).split(": ", 1)[-1]) from None
        if out_shape is not None and size is not None and tuple(out_shape[2:]) != size:
            raise unsupported(label, name, f"kronconv's output size {list(size)} differs from PyTorch's "
                                           f"{list(out_shape[2:])}")
        ch = out_shape[1] if out_shape is not None and len(out_shape) > 1 else src.channels
        nid = b.add(name, kind, kind, (src.node,), layer, source=label, size=size)  # type: ignore[arg-type]
        t[node] = Tensor(nid, ch, size, src.is_global or kind == "global")

    # ---------------------------------------------------------------- modules
    if node.op == "call_module":
        if cls in TRANSPARENT_MODULES:
            return alias()
        if isinstance(mod, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            k, s, d = list(mod.kernel_size), list(mod.stride), list(mod.dilation)
            pad = mod.padding
            if pad == "valid":
                lo = hi = [0] * dims
            elif pad == "same":
                tot = [dd * (kk - 1) for kk, dd in zip(k, d)]
                lo = [x // 2 for x in tot]
                hi = [x - y for x, y in zip(tot, lo)]
            else:
                lo = hi = list(pad)
            if mod.padding_mode != "zeros":
                b.notes.append(f"{name}: padding_mode={mod.padding_mode!r} folds the border back onto the input; "
                               "fields are those of the interior units")
            return layer_node("conv", Conv(k, dilation=d, stride=s, padding=[[x, y] for x, y in zip(lo, hi)],
                                           in_channels=mod.in_channels, out_channels=mod.out_channels,
                                           groups=mod.groups, bias=mod.bias is not None, dims=dims, name=name))
        if isinstance(mod, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
            return layer_node("convt", ConvTranspose(
                list(mod.kernel_size), stride=list(mod.stride), padding=list(mod.padding),
                output_padding=list(mod.output_padding), dilation=list(mod.dilation),
                in_channels=mod.in_channels, out_channels=mod.out_channels, groups=mod.groups,
                bias=mod.bias is not None, dims=dims, name=name))
        if isinstance(mod, (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)):
            return _pool(layer_node, label, name, dims, "max", mod.kernel_size, mod.stride, mod.padding,
                         mod.dilation, mod.ceil_mode)
        if isinstance(mod, (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)):
            return _pool(layer_node, label, name, dims, "avg", mod.kernel_size, mod.stride, mod.padding, 1,
                         mod.ceil_mode)
        if isinstance(mod, (nn.LPPool1d, nn.LPPool2d) + ((nn.LPPool3d,) if hasattr(nn, "LPPool3d") else ())):
            return _pool(layer_node, label, name, dims, "lp", mod.kernel_size, mod.stride, 0, 1, mod.ceil_mode)
        if "Adaptive" in cls and "Pool" in cls:
            return _adaptive(layer_node, alias, label, name, dims, src, mod.output_size,
                             "max" if "Max" in cls else "avg")
        if isinstance(mod, nn.Upsample):
            return _interp(b, t, node, layer_node, label, name, dims, src, mod.size, mod.scale_factor, mod.mode,
                           mod.align_corners)
        if isinstance(mod, (nn.Flatten, nn.Linear)):
            return _dense(b, t, node, alias, layer_node, label, name, dims, src)
        if cls in ("InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "GroupNorm", "LayerNorm"):
            raise unsupported(label, name, "normalises with statistics taken over positions: every output "
                                           "depends on the whole input (not a local field)")
        raise unsupported(label, name, "module type not in the supported op set (see kronconv.importers.torch_fx)")
    # ---------------------------------------------------------------- functions and methods
    fname = cls
    if fname in TRANSPARENT_FUNCTIONS or (node.op == "call_function" and node.target in (
            torch.relu, torch.sigmoid, torch.tanh, F.relu, F.relu6, F.gelu, F.silu, F.hardswish)):
        if len(tensors) > 1:
            raise unsupported(label, name, "takes more than one tensor of the network")
        return alias()
    if node.op == "call_function" and node.target in (F.conv1d, F.conv2d, F.conv3d, F.conv_transpose1d,
                                                      F.conv_transpose2d, F.conv_transpose3d):
        ba = _bind(node.target, tuple(node.args), dict(node.kwargs)) or dict(
            zip(["input", "weight", "bias", "stride", "padding", "dilation", "groups"], node.args), **node.kwargs)
        w = _shape(ba["weight"])
        if w is None:
            raise unsupported(label, name, "the weight's shape is unknown")
        k = list(w[2:])
        s, d = _tup(ba.get("stride", 1), dims), _tup(ba.get("dilation", 1), dims)
        g = int(ba.get("groups", 1))
        has_bias = ba.get("bias") is not None
        if "transpose" in fname:
            return layer_node("convt", ConvTranspose(
                k, stride=s, padding=_tup(ba.get("padding", 0), dims),
                output_padding=_tup(ba.get("output_padding", 0), dims), dilation=d, in_channels=w[0],
                out_channels=w[1] * g, groups=g, bias=has_bias, dims=dims, name=name))
        pad = ba.get("padding", 0)
        if pad == "same":
            tot = [dd * (kk - 1) for kk, dd in zip(k, d)]
            padv: Any = [[x // 2, x - x // 2] for x in tot]
        elif pad == "valid":
            padv = 0
        else:
            padv = _tup(pad, dims)
        return layer_node("conv", Conv(k, dilation=d, stride=s, padding=padv, in_channels=w[1] * g,
                                       out_channels=w[0], groups=g, bias=has_bias, dims=dims, name=name))
    if node.op == "call_function" and fname in ("max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d",
                                                 "avg_pool2d", "avg_pool3d", "max_pool1d_with_indices",
                                                 "max_pool2d_with_indices", "lp_pool1d", "lp_pool2d"):
        ba = _bind(node.target, tuple(node.args), dict(node.kwargs))
        if not ba:
            names = ["input", "kernel_size", "stride", "padding", "dilation", "ceil_mode"]
            if fname.startswith("avg"):
                names = ["input", "kernel_size", "stride", "padding", "ceil_mode"]
            ba = dict(zip(names, node.args), **node.kwargs)
        mode = "max" if fname.startswith("max") else "avg" if fname.startswith("avg") else "lp"
        if mode == "lp":
            ba.setdefault("stride", None)
        return _pool(layer_node, label, name, dims, mode, ba["kernel_size"], ba.get("stride"),
                     ba.get("padding", 0), ba.get("dilation", 1), bool(ba.get("ceil_mode", False)))
    if node.op == "call_function" and fname.startswith("adaptive_") and "pool" in fname:
        out_size = node.args[1] if len(node.args) > 1 else node.kwargs.get("output_size")
        return _adaptive(layer_node, alias, label, name, dims, src, out_size, "max" if "max" in fname else "avg")
    if node.op == "call_function" and fname == "interpolate":
        ba = _bind(node.target, tuple(node.args), dict(node.kwargs))
        return _interp(b, t, node, layer_node, label, name, dims, src, ba.get("size"), ba.get("scale_factor"),
                       ba.get("mode", "nearest"), ba.get("align_corners"))
    if fname in ("cat", "concat", "concatenate"):
        dim = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else 0)
        if dim not in (1, 1 - (dims + 2)):
            raise unsupported(label, name, f"concatenation along dim {dim} joins positions (only dim 1, the "
                                           "channels, keeps spatial alignment)")
        return _merge(b, t, node, label, name, "concat", tensors)
    if (node.op == "call_function" and node.target in _MERGE_FUNCS) or fname in (
            "add", "mul", "sub", "div", "add_", "mul_", "maximum", "minimum", "true_divide"):
        if len(tensors) == 1:
            return alias()
        return _merge(b, t, node, label, name, "add", tensors)
    if fname in ("flatten", "view", "reshape", "squeeze", "unsqueeze", "linear", "matmul", "mean", "amax",
                 "sum", "max"):
        if fname in ("mean", "amax", "sum", "max") and out_shape is not None and len(out_shape) == dims + 2 \
                and all(v == 1 for v in out_shape[2:]) and not src.is_global:
            return layer_node("global", GlobalPool("max" if fname in ("amax", "max") else "avg", dims=dims,
                                                   name=name))
        return _dense(b, t, node, alias, layer_node, label, name, dims, src)
    if fname == "pad" and node.op == "call_function":
        ba = _bind(node.target, tuple(node.args), dict(node.kwargs)) or dict(
            zip(["input", "pad", "mode", "value"], node.args), **node.kwargs)
        pad = [int(v) for v in ba["pad"]]
        if (ba.get("mode") or "constant") != "constant" or len(pad) > 2 * dims or any(v < 0 for v in pad):
            raise unsupported(label, name, "only constant, non-negative padding of the spatial axes folds into "
                                           "the next convolution or pool")
        pad = pad + [0] * (2 * dims - len(pad))
        per_axis = tuple((pad[2 * (dims - 1 - ax)], pad[2 * (dims - 1 - ax) + 1]) for ax in range(dims))
        if src.pad is not None:
            per_axis = tuple((a[0] + b[0], a[1] + b[1]) for a, b in zip(per_axis, src.pad))
        t[node] = Tensor(src.node, src.channels, src.size, src.is_global, per_axis)
        return
    if fname in ("size", "dim", "getattr"):
        t[node] = Tensor(None, value=None)
        return
    if fname in ("getitem", "split", "chunk", "narrow"):
        return _channels(b, t, node, label, name, dims, src, out_shape, fname, args)
    raise unsupported(label, name, "not in the supported op set (see kronconv.importers.torch_fx)")


def _flat(xs: Any) -> list[Any]:
    out: list[Any] = []
    for x in xs:
        if isinstance(x, (list, tuple)):
            out.extend(_flat(x))
        else:
            out.append(x)
    return out


def _pool(layer_node: Any, label: str, name: str, dims: int, mode: str, k: Any, s: Any, p: Any, d: Any,
          ceil: bool) -> None:
    kk = _tup(k, dims)
    ss = kk if s is None or (isinstance(s, (list, tuple)) and len(s) == 0) else _tup(s, dims)
    try:
        layer = Pool(kk, stride=ss, padding=_tup(p, dims), mode=mode, dims=dims, name=name,
                     dilation=_tup(d, dims), ceil_mode=bool(ceil))
    except InvalidSpec as exc:
        raise unsupported(label, name, str(exc)) from None
    layer_node("pool", layer)


def _adaptive(layer_node: Any, alias: Any, label: str, name: str, dims: int, src: Tensor, out_size: Any,
              mode: str) -> None:
    outs = [o for o in (out_size if isinstance(out_size, (list, tuple)) else [out_size] * dims)]
    if src.is_global:
        return alias()
    if all(o == 1 for o in outs):
        return layer_node("global", GlobalPool(mode, dims=dims, name=name))
    if src.size is None:
        raise unsupported(label, name, "adaptive pooling to a size other than 1 needs the input size")
    # the windows tile the tensor PyTorch pools: with an F.pad still to fold, the padded one
    size = list(src.size) if src.pad is None else [n + lo + hi for n, (lo, hi) in zip(src.size, src.pad)]
    outs = [n if o is None else int(o) for o, n in zip(outs, size)]
    if outs == size:
        return alias()
    if all(n % o == 0 for n, o in zip(size, outs)):
        k = [n // o for n, o in zip(size, outs)]
        return layer_node("pool", Pool(k, stride=k, mode=mode, dims=dims, name=name))
    raise unsupported(label, name, f"adaptive pooling from {size} to {outs} uses windows of different "
                                   "sizes: the field depends on the unit")


def _interp(b: GraphBuilder, t: dict[Any, Tensor], node: Any, layer_node: Any, label: str, name: str, dims: int,
            src: Tensor, size: Any, scale: Any, mode: str, align: Any) -> None:
    kind = {"nearest": "nearest", "linear": "linear", "bilinear": "linear", "trilinear": "linear"}.get(mode)
    if kind is None:
        raise unsupported(label, name, f"mode {mode!r}; supported: nearest, linear, bilinear, trilinear")
    if kind == "linear" and align:
        raise unsupported(label, name, "align_corners=True maps units to non-integer positions of the input")
    shp = _shape(node)
    concrete = shp is not None and len(shp) == dims + 2
    if src.is_global and (size is not None or concrete):
        target = list(shp[2:]) if concrete else _tup(size, dims)  # type: ignore[index]
        nid = b.add(name, "resize", "upsample", (src.node,), Upsample(1, mode=kind, dims=dims, name=name,  # type: ignore[arg-type]
                                                                      size=target), source=label, size=tuple(target))
        t[node] = Tensor(nid, src.channels, tuple(target), True)
        return
    if scale is not None and not hasattr(scale, "op"):
        vals = [float(v) for v in (scale if isinstance(scale, (list, tuple)) else [scale] * dims)]
    elif concrete and src.size is not None:
        vals = [int(o) / n for o, n in zip(shp[2:], src.size)]  # type: ignore[index]
    else:
        raise unsupported(label, name, "neither an integer scale nor sizes that are integer multiples")
    if any(v < 1 or not v.is_integer() for v in vals):
        raise unsupported(label, name, f"scale {vals} is not an integer >= 1 on every axis")
    layer_node("upsample", Upsample([int(v) for v in vals], mode=kind, dims=dims, name=name))


def _dense(b: GraphBuilder, t: dict[Any, Tensor], node: Any, alias: Any, layer_node: Any, label: str, name: str,
           dims: int, src: Tensor) -> None:
    if src.is_global:
        t[node] = Tensor(src.node, None, None, True)
        return
    b.notes.append(f"{label} {name!r} reads every position of a map that is not pooled globally: its units "
                   "depend on the whole input")
    layer_node("global", GlobalPool("avg", dims=dims, name=name))
    t[node] = Tensor(t[node].node, None, None, True)


def _merge(b: GraphBuilder, t: dict[Any, Tensor], node: Any, label: str, name: str, kind: str,
           tensors: list[tuple[Any, Tensor]]) -> None:
    local = [tx for _, tx in tensors if not tx.is_global]
    sizes = {tx.size for tx in local if tx.size is not None}
    if len(sizes) > 1:
        raise unsupported(label, name, f"inputs have different spatial sizes {sorted(sizes)}: broadcasting across "
                                       "positions does not keep spatial alignment")
    srcs = tuple(dict.fromkeys(tx.node for _, tx in tensors))
    if len(srcs) == 1:
        t[node] = tensors[0][1]
        return
    chans = [tx.channels for _, tx in tensors]
    if kind == "add" and len({c for c in chans if c is not None}) > 1:
        raise unsupported(label, name, f"inputs have {chans} channels: broadcasting over channels is not supported")
    size = next(iter(sizes)) if sizes else None
    nid = b.add(name, kind, kind, srcs, source=label, size=size)  # type: ignore[arg-type]
    known = [c for c in chans if c is not None]
    if kind == "concat":  # an input of unknown channel count leaves the total unknown
        ch = sum(known) if len(known) == len(chans) else None
    else:  # the inputs' known counts are equal (checked above)
        ch = known[0] if known else None
    t[node] = Tensor(nid, ch, size, not local)


def _channels(b: GraphBuilder, t: dict[Any, Tensor], node: Any, label: str, name: str, dims: int, src: Tensor,
              out_shape: tuple[int, ...] | None, fname: str, args: list[Any]) -> None:
    """Split / chunk / indexing: keep it when only the channel count changes (a ``select`` node)."""
    if fname in ("split", "chunk"):  # a tuple: its items are taken by getitem
        dim = node.kwargs.get("dim", args[2] if len(args) > 2 else 0)
        if dim not in (1, 1 - (dims + 2), 0):
            raise unsupported(label, name, f"splitting along dim {dim} cuts the map into parts at different positions")
        t[node] = Tensor(src.node, src.channels, src.size, src.is_global)
        return
    if out_shape is None or src.size is None:
        if src.is_global:
            t[node] = Tensor(src.node, None, None, True)
            return
        raise unsupported(label, name, "indexing whose result shape is unknown")
    if tuple(out_shape[2:]) != tuple(src.size) or len(out_shape) != dims + 2:
        if src.is_global:
            t[node] = Tensor(src.node, None, None, True)
            return
        raise unsupported(label, name, f"indexing changes the spatial shape {list(src.size)} -> "
                                       f"{list(out_shape[2:])}: it moves or drops positions")
    ch = int(out_shape[1])
    if ch == src.channels:
        t[node] = src
        return
    nid = b.add(name, "select", "select", (src.node,), source=label, channels=ch, size=src.size)  # type: ignore[arg-type]
    t[node] = Tensor(nid, ch, src.size, src.is_global)
