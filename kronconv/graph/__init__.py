"""Unit-level receptive-field dependency graphs (see :mod:`kronconv.graph.lattice`)."""

from .lattice import *  # noqa: F403
from .lattice import __all__  # noqa: F401
