"""Network descriptions (being split into modules by concept; everything is re-exported here)."""

from .model import *  # noqa: F403
from .model import (  # noqa: F401
    MAX_SPEC_DEPTH,
    IntOrSeq,
    __all__,
    _check_dims,
    _check_int,
    _depth,
    _padding_value,
    _per_axis,
    _per_side,
    iter_convs,
    read_spec_data,
)
