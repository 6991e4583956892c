"""kronconv: derive, prove and check the mathematics of dilated convolutions.

The public API is re-exported here; optional backends (CuPy, matplotlib) load
lazily inside the functions that need them, so ``import kronconv`` needs only
numpy, sympy and networkx.
"""

from __future__ import annotations

from . import kron as _kron_module  # noqa: F401 - loaded first, so the name ``kron`` below stays the function
from .backend import gpu_available
from .checks import check_equivalence, check_equivariance
from .design import design
from .errors import BackendUnavailable, InvalidArgument, InvalidSpec, KronconvError, TooLarge
from .formulas import (
    chain_fields,
    kernel_parameter_counts,
    layers_for_receptive_field,
    network_fields,
    network_output_size,
    output_size,
    receptive_field_closed_form,
    stack_parameter_count,
)
from .graph import analyse, hdc_rule, kronecker_single_path, unit_graph
from .importers import from_onnx, from_torch
from .kronecker import dilate, kron, kron_channels, kron_kernel, kronecker_rank, nearest_kronecker
from .netgraph import NetGraph, NetNode, graph_from_dict, load_graph_spec, net_fields
from .numeric import cascade, convolve, correlate
from .spec import Conv, Network, Pool, chain, load_spec, preset, preset_names
from .theorems import prove
from .verify import verify_dict, verify_file

kron = kron  # noqa: PLW0127 - the function, not the former module of that name (see kronconv.kronecker)

__version__ = "0.1.0"

__all__ = [
    "BackendUnavailable",
    "Conv",
    "InvalidArgument",
    "InvalidSpec",
    "KronconvError",
    "NetGraph",
    "NetNode",
    "Network",
    "Pool",
    "TooLarge",
    "__version__",
    "analyse",
    "cascade",
    "chain",
    "chain_fields",
    "check_equivalence",
    "check_equivariance",
    "convolve",
    "correlate",
    "design",
    "dilate",
    "from_onnx",
    "from_torch",
    "gpu_available",
    "graph_from_dict",
    "hdc_rule",
    "kernel_parameter_counts",
    "kron",
    "kron_channels",
    "kron_kernel",
    "kronecker_rank",
    "kronecker_single_path",
    "layers_for_receptive_field",
    "load_graph_spec",
    "load_spec",
    "nearest_kronecker",
    "net_fields",
    "network_fields",
    "network_output_size",
    "output_size",
    "preset",
    "preset_names",
    "prove",
    "receptive_field_closed_form",
    "stack_parameter_count",
    "unit_graph",
    "verify_dict",
    "verify_file",
]
