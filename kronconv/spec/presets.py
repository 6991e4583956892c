"""Named presets: the networks of the papers and the standard dilation schedules (:func:`preset`).

Examples
--------
>>> preset("yu-koltun-basic").layers[-1].kernel
(1, 1)
>>> preset_names()[:2]
['yu-koltun-basic', 'yu-koltun-large']
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from ..errors import InvalidSpec, short_repr
from .lists import chain
from .model import MAX_CHANNELS, MAX_LAYERS, MAX_SIZE, Conv, Layer, Network, Pool, _check_int

__all__ = ["PRESETS", "preset", "preset_names"]


def _yu_koltun_context(large: bool, C: int = 21, dims: int = 2) -> Network:
    """Context module of Yu & Koltun (2015), Table 1.

    Seven 3x3 layers with dilations 1, 1, 2, 4, 8, 16, 1 (each followed by a
    truncated ReLU, which does not change receptive fields) and a final 1x1
    layer.  Padding equals dilation, so the spatial size is preserved.  The
    basic module keeps C channels; the large one widens to 2C, 2C, 4C, 8C, 16C,
    32C, 32C and returns to C.
    """
    dilations = [1, 1, 2, 4, 8, 16, 1]
    outs = [2, 2, 4, 8, 16, 32, 32] if large else [1] * 7
    layers: list[Layer] = []
    cin = C
    for i, (d, m) in enumerate(zip(dilations, outs)):
        layers.append(
            Conv(3, dilation=d, padding=d, in_channels=cin, out_channels=m * C, dims=dims,
                 name=f"layer{i + 1}")
        )
        cin = m * C
    layers.append(Conv(1, in_channels=cin, out_channels=C, dims=dims, name="output"))
    kind = "large" if large else "basic"
    return Network(
        tuple(layers),
        name=f"yu-koltun-{kind}",
        description=f"Yu & Koltun 2015 context module ({kind}, Table 1), C={C} channels",
    )


def _yu_koltun_frontend(classes: int = 21, dims: int = 2) -> Network:
    """VGG-16 front end of Yu & Koltun (2015).

    VGG-16 with pool4 and pool5 removed; conv5_x dilated 2, fc6 (7x7) dilated 4,
    fc7 1x1 and a 1x1 classifier.  Convolutions use padding 1 as in VGG-16
    (the authors' Caffe model uses unpadded convolutions on a reflection-padded
    input, which shifts offsets but not receptive fields or strides).
    """
    layers: list[Layer] = []
    cin = 3

    def conv(k: int, cout: int, name: str, d: int = 1, p: int | None = None) -> None:
        nonlocal cin
        pad = d * (k - 1) // 2 if p is None else p
        layers.append(Conv(k, dilation=d, padding=pad, in_channels=cin, out_channels=cout,
                           dims=dims, name=name))
        cin = cout

    for block, (n, c) in enumerate([(2, 64), (2, 128), (3, 256), (3, 512)], start=1):
        for j in range(1, n + 1):
            conv(3, c, f"conv{block}_{j}")
        if block <= 3:
            layers.append(Pool(2, stride=2, dims=dims, name=f"pool{block}"))
    for j in range(1, 4):
        conv(3, 512, f"conv5_{j}", d=2)
    conv(7, 4096, "fc6", d=4)
    conv(1, 4096, "fc7")
    conv(1, classes, "final")
    return Network(
        tuple(layers),
        name="yu-koltun-frontend",
        description="Yu & Koltun 2015 front end: VGG-16, pool4/pool5 removed, conv5 dilated 2, fc6 dilated 4",
    )


def _plain(k: int = 3, layers: int = 4, channels: int = 1, dims: int = 2) -> Network:
    return replace(
        chain(kernel=k, layers=layers, channels=channels, dims=dims),
        name="plain",
        description=f"{layers} plain {k}x{k} convolutions (dilation 1)",
    )


def _exponential(k: int = 3, base: int = 2, layers: int = 4, channels: int = 1, dims: int = 2) -> Network:
    base = _check_int("base", base, 1, MAX_SIZE)
    layers = _check_int("layers", layers, 1, MAX_LAYERS)
    if base > 1 and (layers - 1) * math.log2(base) > 20:
        raise InvalidSpec(f"dilation {base}**{layers - 1} exceeds the limit {MAX_SIZE}")
    return replace(
        chain(kernel=k, dilations=[base**l for l in range(layers)], channels=channels, dims=dims),
        name="exponential",
        description=f"{layers} {k}x{k} convolutions with dilations {base}**l, l = 0..{layers - 1}",
    )


def _kronecker(a: int = 3, layers: int = 3, channels: int = 1, dims: int = 2) -> Network:
    a = _check_int("a", a, 1, MAX_SIZE)
    net = _exponential(k=a, base=a, layers=layers, channels=channels, dims=dims)
    return replace(
        net,
        name="kronecker",
        description=f"Kronecker cascade: {layers} {a}x{a} convolutions with dilations {a}**l",
    )


#: Preset name -> (builder, one-line description, allowed parameters).
PRESETS: dict[str, tuple[Callable[..., Network], str, tuple[str, ...]]] = {
    "yu-koltun-basic": (lambda C=21, dims=2: _yu_koltun_context(False, C, dims),
                        "Yu & Koltun 2015 basic context module (Table 1), C channels", ("C", "dims")),
    "yu-koltun-large": (lambda C=21, dims=2: _yu_koltun_context(True, C, dims),
                        "Yu & Koltun 2015 large context module (Table 1)", ("C", "dims")),
    "yu-koltun-frontend": (_yu_koltun_frontend,
                           "Yu & Koltun 2015 VGG-16 front end (pool4/5 removed, dilated 2 and 4)",
                           ("classes", "dims")),
    "plain": (_plain, "L plain k x k convolutions", ("k", "layers", "channels", "dims")),
    "exponential": (_exponential, "k x k convolutions with dilations base**l",
                    ("k", "base", "layers", "channels", "dims")),
    "kronecker": (_kronecker, "Kronecker cascade: a x a kernels, dilations a**l",
                  ("a", "layers", "channels", "dims")),
}


def preset_names() -> list[str]:
    """Names accepted by :func:`preset`."""
    return list(PRESETS)


def preset(spec: str) -> Network:
    """Build a named preset, optionally parameterised: ``NAME[:key=value,...]``.

    Examples
    --------
    >>> [l.dilation[0] for l in preset("kronecker:a=2,layers=4").layers]
    [1, 2, 4, 8]
    >>> preset("resnet")
    Traceback (most recent call last):
    ...
    kronconv.errors.InvalidSpec: unknown preset 'resnet'; available: yu-koltun-basic, yu-koltun-large, yu-koltun-frontend, plain, exponential, kronecker
    """
    if not isinstance(spec, str):
        raise InvalidSpec(f"preset must be a string, got {short_repr(spec)}")
    name, sep, params = spec.partition(":")
    name = name.strip()
    if name not in PRESETS:
        raise InvalidSpec(f"unknown preset {short_repr(name)}; available: {', '.join(PRESETS)}")
    builder, _, allowed = PRESETS[name]
    kwargs: dict[str, int] = {}
    if sep and not params.strip():
        raise InvalidSpec(f"preset {name!r}: empty parameter list after ':'; give NAME alone or "
                          "NAME:" + ",".join(f"{a}=INT" for a in allowed))
    for item in (p.strip() for p in params.split(",") if sep):
        key, eq, value = item.partition("=")
        key = key.strip()
        if not item:
            raise InvalidSpec(f"preset {name!r}: empty parameter in {short_repr(params)}")
        if key in kwargs:
            raise InvalidSpec(f"preset {name!r}: parameter {key!r} given twice; give each parameter once")
        if not eq or key not in allowed:
            raise InvalidSpec(
                f"bad preset parameter {short_repr(item)} for {name!r}; allowed: "
                + ", ".join(f"{a}=INT" for a in allowed)
            )
        try:
            num = int(value.strip())
        except ValueError:
            raise InvalidSpec(f"preset parameter {key} must be an integer, got {short_repr(value.strip())}") from None
        lo = 1
        kwargs[key] = _check_int(f"preset parameter {key}", num, lo,
                                 3 if key == "dims" else MAX_CHANNELS if key in ("C", "channels", "classes")
                                 else MAX_LAYERS if key == "layers" else MAX_SIZE)
    return builder(**kwargs)
