"""Reading a certificate within the checker's limits, and the values its messages show.

Each limit is tested at its boundary from both sides: the largest input accepted and the
smallest one refused, with the limit named in the message.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import pytest

from kronconv.errors import InvalidArgument
from kronconv.proof import content_hash
from kronconv.theorems import prove
from kronconv.verify import verify_dict, verify_file
from kronconv.verify.core import MAX_CERT_BYTES, MAX_CERT_NODES, MAX_RELATED_DEPTH, count_nodes


def _rf() -> dict:
    return prove(theorem="receptive-field").to_dict()


def _rehash(d: dict) -> dict:
    for r in d["related"]:
        _rehash(r)
    d["hash"] = content_hash(d)
    return d


# --------------------------------------------------------------------------- file size


def _padded_file(path: Path, size: int) -> Path:
    """A genuine certificate, preceded by spaces so that the file has exactly ``size`` bytes (its last byte is the
    closing brace, so any truncation breaks the JSON)."""
    text = json.dumps(_rf()).encode()
    assert text.endswith(b"}") and len(text) < size
    path.write_bytes(b" " * (size - len(text)) + text)
    assert path.stat().st_size == size
    return path


def test_a_certificate_of_exactly_max_cert_bytes_is_read_whole(tmp_path: Path) -> None:
    assert MAX_CERT_BYTES == 32 << 20  # the documented 32 MiB
    res = verify_file(_padded_file(tmp_path / "edge.json", MAX_CERT_BYTES))
    assert res.ok, res.reasons


def test_one_byte_above_max_cert_bytes_is_refused(tmp_path: Path) -> None:
    p = _padded_file(tmp_path / "over.json", MAX_CERT_BYTES + 1)
    with pytest.raises(InvalidArgument, match=r"is larger than 32 MiB \(MAX_CERT_BYTES\)"):
        verify_file(p)


def test_a_file_that_grows_after_its_size_was_taken_is_still_refused(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The read itself is bounded: a file whose size was small when checked but is above the limit when read
    (it grew in between) is refused, not parsed."""
    p = _padded_file(tmp_path / "grows.json", MAX_CERT_BYTES + 1)
    real_stat = Path.stat

    def stale_stat(self: Path, *args: object, **kw: object) -> os.stat_result:
        st = real_stat(self, *args, **kw)  # type: ignore[arg-type]
        if self == p:  # the size as it was before the file grew
            fields = list(st)
            fields[6] = 1000
            return os.stat_result(fields)
        return st

    monkeypatch.setattr(Path, "stat", stale_stat)
    assert p.stat().st_size == 1000
    with pytest.raises(InvalidArgument, match=r"is larger than 32 MiB \(MAX_CERT_BYTES\)"):
        verify_file(p)


# --------------------------------------------------------------------------- JSON values


def test_count_nodes_counts_every_json_value() -> None:
    # object, array, 1, 2.5, object, null, "s": seven values
    assert count_nodes({"a": [1, 2.5, {"b": None}], "c": "s"}, 100) == 7
    assert count_nodes([], 100) == 1
    assert count_nodes([[[]]], 100) == 3


def test_count_nodes_limit_is_inclusive() -> None:
    assert count_nodes(list(range(9)), 10) == 10  # the array and nine integers: exactly at the limit
    with pytest.raises(InvalidArgument, match="more than 10 JSON values"):
        count_nodes(list(range(10)), 10)


def test_a_record_with_more_than_max_cert_nodes_values_is_refused_before_checking() -> None:
    d = _rf()
    d["notes"] = [0] * MAX_CERT_NODES
    with pytest.raises(InvalidArgument, match=f"more than {MAX_CERT_NODES} JSON values"):
        verify_dict(d)


# --------------------------------------------------------------------------- related reports


def _chain(levels: int) -> dict:
    """A record with ``levels`` related reports nested one inside the other."""
    d = _rf()
    inner = d
    for _ in range(levels):
        r = _rf()
        inner["related"] = [r]
        inner = r
    return _rehash(d)


def test_related_reports_nest_at_most_max_related_depth_levels() -> None:
    assert MAX_RELATED_DEPTH == 4
    # Four nested levels are well-formed (exit 1: the prover attaches no related report to this kind) ...
    res = verify_dict(_chain(4))
    assert not res.ok
    assert res.reasons[0] == "proof.related: certificate lists 1 report(s), the prover attaches 0 for this claim"
    # ... five are malformed (exit 2), named at the first level too deep.
    with pytest.raises(InvalidArgument) as exc:
        verify_dict(_chain(5))
    where = "proof" + ".related[0]" * 5
    assert str(exc.value) == f"{where}: related reports nest deeper than 4 levels"


# --------------------------------------------------------------------------- values shown in messages


def test_long_values_are_shown_shortened_to_80_characters() -> None:
    d = _rf()
    d["statement"] = "x" * 200
    res = verify_dict(_rehash(d))
    shown = '"' + "x" * 76 + "..."  # the JSON text cut to 77 characters and an ellipsis: 80 in all
    assert len(shown) == 80
    assert f"proof.statement: certificate has {shown}, the checker derives " in res.reasons[0]


def test_values_of_81_characters_are_shortened() -> None:
    d = _rf()
    d["statement"] = "z" * 79  # 81 characters as JSON text
    res = verify_dict(_rehash(d))
    assert f'proof.statement: certificate has "{"z" * 76}..., the checker derives ' in res.reasons[0]


def test_values_of_80_characters_are_shown_whole() -> None:
    d = _rf()
    d["statement"] = "y" * 78  # 80 characters as JSON text
    res = verify_dict(_rehash(d))
    assert f'proof.statement: certificate has "{"y" * 78}", the checker derives ' in res.reasons[0]


def test_a_recomputed_float_is_shown_with_its_derived_tolerance() -> None:
    """A forged tanh gap is reported with the value and the tolerance the checker derives (twice the error
    bound: both float64 evaluations may err by the bound, in opposite directions)."""
    d = prove(layers=3, nonlinearity="tanh").to_dict()
    ev = d["certificate"][0]["evidence"]
    honest_gap, bound = ev["gap"], ev["error_bound"]
    assert bound == 2 * 2 * 2.0**-52  # two tanh calls of at most 2 ulp each
    assert abs(honest_gap - (1 - math.tanh(math.tanh(1.0)))) <= 2 * bound
    ev["gap"] = 0.5
    res = verify_dict(_rehash(d))
    m = re.search(r"proof\.certificate\[0\]\.evidence\.gap: certificate has 0\.5, the checker derives (\S+) "
                  r"\(within (\S+)\)$", res.reasons[0])
    assert m, res.reasons
    assert abs(float(m.group(1)) - honest_gap) <= 2 * bound
    assert m.group(2) == f"{2 * bound:.3g}"


@pytest.mark.parametrize("n,shown", [(38, None), (39, "string")])
def test_bad_claim_values_are_echoed_up_to_40_characters(n: int, shown: str | None) -> None:
    value = "o" * n  # repr: n + 2 characters
    d2 = prove(layers=2).to_dict()
    d2["claim"]["origin"] = value
    with pytest.raises(InvalidArgument) as exc:
        verify_dict(_rehash(d2))
    want = repr(value) if shown is None else shown
    assert str(exc.value) == f"proof.claim.origin must be one of corner, centre, got {want}"

