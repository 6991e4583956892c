r"""Exact receptive-field, stride, offset, output-size and parameter formulas (SymPy).

Conventions (Araujo, Norris & Sim 2019, "Computing Receptive Fields of CNNs";
Dumoulin & Visin 2016, relationship 15).  For layer :math:`l` (from 0) with
kernel :math:`k_l`, dilation :math:`d_l`, stride :math:`s_l` and padding
:math:`p_l` (zeros on each side), the dilated extent is
:math:`\kappa_l = d_l (k_l - 1) + 1` and, after layers :math:`0..l`,

.. math::

    r_l = r_{l-1} + (\kappa_l - 1) J_{l-1}, \quad J_l = s_l J_{l-1}, \quad
    o_l = o_{l-1} - p_l J_{l-1},

with :math:`r_{-1} = J_{-1} = 1` and :math:`o_{-1} = 0`.  :math:`r` is the
receptive field, :math:`J` the effective stride ("jump") and :math:`o` the input
coordinate of the left edge of the first output unit's field (the effective
padding is :math:`P = -o`); output unit :math:`u` sees
:math:`[o + u J, o + u J + r - 1]`, centred at :math:`o + u J + (r - 1)/2`.

Every function takes SymPy expressions; a number is the special case of an
expression (it is sympified), so concrete and symbolic questions share one
code path.

Examples
--------
>>> receptive_field_closed_form(3, "2**l", 5)
63
>>> receptive_field_closed_form("k", 1, "L")
L*k - L + 1
>>> output_size(32, 3, dilation=2, padding=2)
32

The modules, each importing only those above it:

* :mod:`.expressions` -- :func:`sym` (safe, bounded parsing of sizes and schedules),
  :func:`bounded`, the layer symbol :data:`LAYER` and the limits on inputs and results;
* :mod:`.fields` -- the recursion layer by layer (:func:`chain_fields`,
  :func:`network_fields`) and output sizes;
* :mod:`.closed_forms` -- :func:`receptive_field_closed_form` over a depth ``L``, its inverse
  :func:`layers_for_receptive_field`, and the exact check of schedules (:func:`check_schedule`);
* :mod:`.parameters` -- parameter counts of stacks and of the ways to parameterise a kernel.

Every name is re-exported here, so ``from kronconv.formulas import sym, network_fields`` works.
"""

# Not in __all__ (flagged for the linter): the limits and bounded(), as before the split.
from .closed_forms import (
    MAX_LAYERS_FOR,  # noqa: F401
    MAX_SCHEDULE_BITS,  # noqa: F401
    check_schedule,
    layers_for_receptive_field,
    receptive_field_closed_form,
)
from .expressions import (
    LAYER,
    MAX_EXPR_CHARS,  # noqa: F401
    MAX_INPUT_DIGITS,  # noqa: F401
    MAX_INPUT_TERMS,  # noqa: F401
    MAX_RESULT_DIGITS,  # noqa: F401
    bounded,  # noqa: F401
    sym,
)
from .fields import (
    FieldRow,
    FieldTable,
    chain_fields,
    network_fields,
    network_output_size,
    output_size,
)
from .parameters import (
    KernelCounts,
    kernel_parameter_counts,
    parameter_table,
    stack_parameter_count,
)

__all__ = [
    "LAYER",
    "FieldRow",
    "FieldTable",
    "KernelCounts",
    "chain_fields",
    "check_schedule",
    "kernel_parameter_counts",
    "layers_for_receptive_field",
    "network_fields",
    "network_output_size",
    "output_size",
    "parameter_table",
    "receptive_field_closed_form",
    "stack_parameter_count",
    "sym",
]
