"""Former name of :mod:`kronconv.kronecker`, kept so that ``from kronconv.kron import dilate`` still works.

``kronconv.kron`` (the package attribute) is the function :func:`kronconv.kronecker.kron`, the
Kronecker product of kernels; the module of Kronecker-kernel tools is :mod:`kronconv.kronecker`.
"""

from __future__ import annotations

from .kronecker import *
from .kronecker import __all__  # noqa: F401
