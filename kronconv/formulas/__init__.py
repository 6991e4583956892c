"""Exact formulas (being split into modules by concept; everything is re-exported here)."""

from .closed_forms import *  # noqa: F403
from .closed_forms import __all__  # noqa: F401
