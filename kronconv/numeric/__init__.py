"""Reference convolutions (see :mod:`kronconv.numeric.forward`)."""

from .forward import *  # noqa: F403
from .forward import __all__  # noqa: F401
