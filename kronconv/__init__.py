"""kronconv: derive, prove and check the mathematics of dilated convolutions.

The public API is re-exported here; optional backends (CuPy, matplotlib) load
lazily inside the functions that need them, so ``import kronconv`` needs only
numpy, sympy and networkx.
"""

from __future__ import annotations

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
from .spec import Conv, Network, Pool, chain, load_spec, preset, preset_names
from .backend import gpu_available
from .checks import check_equivalence, check_equivariance
from .kron import dilate, kron_channels, kron_kernel, kronecker_rank, nearest_kronecker
from .numeric import cascade, convolve, correlate

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "KronconvError",
    "InvalidSpec",
    "InvalidArgument",
    "TooLarge",
    "BackendUnavailable",
    "Conv",
    "Pool",
    "Network",
    "chain",
    "load_spec",
    "preset",
    "preset_names",
    "chain_fields",
    "network_fields",
    "network_output_size",
    "output_size",
    "receptive_field_closed_form",
    "layers_for_receptive_field",
    "stack_parameter_count",
    "kernel_parameter_counts",
    "gpu_available",
    "check_equivalence",
    "check_equivariance",
    "dilate",
    "kron_kernel",
    "kron_channels",
    "nearest_kronecker",
    "kronecker_rank",
    "correlate",
    "convolve",
    "cascade",
]
