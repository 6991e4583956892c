r"""The small, independent checker behind ``kronconv verify CERT.json``.

It shares no code with the prover (NumPy, SymPy and the standard library; the one
kronconv import is the error class).  **A certificate's only inputs are its theorem kind
and its claim parameters**: the checker regenerates the certificate an honest
``kronconv prove`` emits for that claim -- statement (its own template table and renderer),
verdict, steps with their rules, ids, premises, scopes and texts, obligations (from its
table, discharged by SymPy once per process), facts, certificate kinds and evidence,
ranks, extents, term counts, receptive fields, error bounds, counterexample values, notes
and the claims of related reports -- and compares the record with it exactly; floats within
a tolerance the checker derives and states.  The verdict of every kind is re-derived
independently (:func:`cascade_holds`; own dense convolution and exact modular rank; own
receptive-field recurrence; ``numpy.kron`` unit reduction for the dilation lemma).

Free fields: the separating unit kernels, input and output channels and output position of
a *linear* refutation (any separating 0/1 choice refutes the claim; every value derived
from them is replayed), and the ``seed`` of a related Kronecker-rank report (a claim
parameter of that report).  Nothing else.

One module per theorem kind registers in :data:`REGISTRY` (``cascade``, ``kronecker-rank``,
``receptive-field``, ``dilation-lemma``, ``hole-free-bound``, ``qtt-rank``); a kind the checker does not know is rejected.

Examples
--------
>>> from kronconv.theorems import prove
>>> verify_dict(prove(layers=2).to_dict()).ok
True
>>> d = prove(layers=2).to_dict(); d["claim"]["dilations"] = [1, 2]
>>> r = verify_dict(d); r.ok, r.reasons[0][:41]
(False, 'proof: content hash mismatch: the certifi')
"""

from __future__ import annotations

from . import cascade as _cascade  # noqa: F401  (registers the kind)
from . import fields as _fields  # noqa: F401
from . import holefree as _holefree  # noqa: F401
from . import qtt as _qtt  # noqa: F401
from . import rank as _rank  # noqa: F401
from .cascade import MAX_TERMS, cascade_holds
from .core import (
    MAX_CERT_BYTES,
    MAX_CERT_DEPTH,
    MAX_CERT_NODES,
    REGISTRY,
    SCHEMA,
    VerifyResult,
    content_hash,
    verify_dict,
    verify_file,
)

__all__ = ["MAX_CERT_BYTES", "MAX_CERT_DEPTH", "MAX_CERT_NODES", "MAX_TERMS", "REGISTRY", "SCHEMA", "VerifyResult",
           "cascade_holds", "content_hash", "verify_dict", "verify_file"]
