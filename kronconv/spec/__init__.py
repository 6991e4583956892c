"""Network descriptions: frozen, validated layers and chains of layers.

A :class:`Network` is a chain of :class:`Conv` and :class:`Pool` layers in 1, 2 or
3 spatial dimensions.  Every size is stored per axis as a tuple of Python ints;
validation happens once, at construction, and names the bad value and the
allowed range.  Networks come from the Python API, from CLI-style lists
(:func:`chain`), from spec files (:func:`load_spec`, TOML or JSON, documented in
``docs/spec-files.md``) and from named presets (:func:`preset`).

The modules, each importing only those above it:

* :mod:`.model` -- :class:`Conv`, :class:`Pool`, :class:`Network`, the size limits and the
  checks on single values;
* :mod:`.lists` -- :func:`chain`, a network from per-layer lists (the CLI flags);
* :mod:`.reading` -- spec text and files to plain data: bounded, strict TOML / JSON;
* :mod:`.tables` -- plain data to layers and networks, :func:`load_spec`;
* :mod:`.presets` -- the named presets.

Every name is re-exported here, so ``from kronconv.spec import Conv, preset`` works.

Examples
--------
>>> net = chain(kernels=[3, 3], dilations=[1, 2])
>>> [layer.dilation for layer in net.layers]
[(1, 1), (2, 2)]
>>> preset("yu-koltun-basic").layers[-1].kernel
(1, 1)
"""

# Not in __all__ (flagged for the linter): names kronconv.layers, netgraph and the CLI import.
from .lists import chain
from .model import (
    MAX_CHANNELS,
    MAX_LAYERS,
    MAX_SIZE,
    Conv,
    IntOrSeq,  # noqa: F401
    Layer,
    Network,
    Pool,
    _check_dims,  # noqa: F401
    _check_int,  # noqa: F401
    _padding_value,  # noqa: F401
    _per_axis,  # noqa: F401
    _per_side,  # noqa: F401
    iter_convs,  # noqa: F401
)
from .presets import PRESETS, preset, preset_names
from .reading import (
    MAX_SPEC_BYTES,
    MAX_SPEC_DEPTH,  # noqa: F401
    parse_spec_text,
    read_spec_data,  # noqa: F401
)
from .tables import (
    _depth,  # noqa: F401
    check_top_level,
    layer_from_dict,
    load_spec,
    network_from_dict,
)

__all__ = [
    "MAX_CHANNELS",
    "MAX_LAYERS",
    "MAX_SIZE",
    "MAX_SPEC_BYTES",
    "PRESETS",
    "Conv",
    "Layer",
    "Network",
    "Pool",
    "chain",
    "check_top_level",
    "layer_from_dict",
    "load_spec",
    "network_from_dict",
    "parse_spec_text",
    "preset",
    "preset_names",
]
