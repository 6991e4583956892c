"""Reference convolutions (see :mod:`kronconv.numeric.network`)."""

from .network import *  # noqa: F403
from .network import __all__  # noqa: F401
