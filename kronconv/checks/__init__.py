"""Numerical checks (see :mod:`kronconv.checks.equivariance`)."""

from .equivariance import *  # noqa: F403
from .equivariance import __all__  # noqa: F401
