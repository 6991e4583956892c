"""Branching networks (see :mod:`kronconv.netgraph.model`)."""

from .model import *  # noqa: F403
from .model import __all__  # noqa: F401
