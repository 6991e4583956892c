"""Models in: ONNX files and PyTorch modules turned into a :class:`~kronconv.netgraph.NetGraph` -- nothing else.

:func:`from_onnx` (needs ``onnx``: ``pip install 'kronconv[onnx]'``) and
:func:`from_torch` (needs ``torch``: ``pip install 'kronconv[torch]'``) return
the branching network model that ``kronconv rf`` and ``kronconv graph`` analyse;
:func:`read_onnx` and :func:`read_torch` also return what the importer knew
(input size, the model's op for every node, spatial sizes, notes) as an
:class:`Imported` record.  Anything outside the supported op set is refused
with an :class:`~kronconv.errors.InvalidSpec` naming the op, the node and why.
Both packages are imported only when a model is read.
"""

from __future__ import annotations

from ._build import Imported
from .onnx import from_onnx, read_onnx
from .torch_fx import from_torch, read_torch

__all__ = ["Imported", "from_onnx", "from_torch", "read_onnx", "read_torch"]
