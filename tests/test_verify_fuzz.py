"""Forgery fuzzing: random mutations of every committed certificate, content hash recomputed, must be rejected.

For each certificate in ``proofs/`` Hypothesis draws seeds; each seed drives ``PER_SEED``
mutations: change a number, string or bool; drop, add or duplicate a key or list item; swap two
items; change a type; nest deeper.  A mutation that leaves the certificate canonically identical
(equal after the checker's own comparison) may pass; every other one must be rejected (``ok``
false) or refused as malformed.  The CI profile (40 examples per test, derandomized) gives
27 certificates x 40 seeds x 3 = 3,240 mutations; ``KRONCONV_FUZZ_SLOW=1`` adds the ``slow``
seeded loop with 900 more per certificate.
"""

from __future__ import annotations

import copy
import json
import os
import random
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kronconv.errors import InvalidArgument
from kronconv.verify import content_hash, verify_dict
from kronconv.verify.core import diff

PROOFS = sorted((Path(__file__).resolve().parent.parent / "proofs").glob("*.json"))
EXAMPLES = 90
#: Mutations per Hypothesis example (the mutation runner may lower it through the environment).
PER_SEED = int(os.environ.get("KRONCONV_FUZZ_PER_SEED", "3"))
SEED = int(os.environ.get("KRONCONV_FUZZ_SEED", "0"))


def _paths(d: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(d, dict):
        for k, v in d.items():
            out += _paths(v, path + (k,))
    elif isinstance(d, list):
        for i, v in enumerate(d):
            out += _paths(v, path + (i,))
    return out


def _get(d: Any, path: tuple) -> Any:
    for p in path:
        d = d[p]
    return d


def _mutate_value(v: Any, rng: random.Random) -> Any:
    choice = rng.randrange(6)
    if choice == 0:  # change type
        return rng.choice([None, "x", 1, 1.5, True, [], {}, [v], {"v": v}])
    if choice == 1:  # nest deeper
        return [v] if rng.random() < 0.5 else {"value": v}
    if isinstance(v, bool):
        return not v
    if isinstance(v, int):
        return v + rng.choice([-2, -1, 1, 2, 1 << 40])
    if isinstance(v, float):
        return rng.choice([v * (1 + 1e-6), v + 1, -v, 0.0, v * 2])
    if isinstance(v, str):
        if not v:
            return "x"
        i = rng.randrange(len(v))
        return rng.choice([v[:i] + v[i + 1:], v[:i] + "Z" + v[i:], v.upper() if v.upper() != v else v + " "])
    if isinstance(v, list):
        if not v:
            return [0]
        i, j = rng.randrange(len(v)), rng.randrange(len(v))
        w = list(v)
        op = rng.randrange(4)
        if op == 0:
            del w[i]
        elif op == 1:
            w.insert(i, copy.deepcopy(w[j]))
        elif op == 2 and w[i] != w[j]:
            w[i], w[j] = w[j], w[i]
        else:
            w.append(rng.choice([0, "x", {}, None]))
        return w
    if isinstance(v, dict):
        w = dict(v)
        keys = list(w)
        if keys and rng.random() < 0.5:
            del w[rng.choice(keys)]
        else:
            w[rng.choice(["extra", "note", "coq"]) + str(rng.randrange(3))] = rng.choice([0, "x", None])
        return w
    return "x"


def mutate(d: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    m = copy.deepcopy(d)
    paths = [p for p in _paths(m) if p and p != ("hash",)]
    path = rng.choice(paths)
    parent = _get(m, path[:-1])
    parent[path[-1]] = _mutate_value(parent[path[-1]], rng)

    def rehash(x: Any) -> None:
        if isinstance(x, dict) and "hash" in x:
            for r in x.get("related", []) if isinstance(x.get("related"), list) else []:
                rehash(r)
            x["hash"] = content_hash(x)

    rehash(m)
    return m


def _canonically_identical(orig: dict[str, Any], m: dict[str, Any]) -> bool:
    return diff(orig, m, "") is None


_ORIG: dict[str, Any] = {}


def _run(path: Path, n: int, seed: int) -> int:
    if path.name not in _ORIG:
        _ORIG[path.name] = json.loads(path.read_text())
        assert verify_dict(_ORIG[path.name]).ok
    orig = _ORIG[path.name]
    rng = random.Random(zlib.crc32(path.name.encode()) ^ seed)
    tried = 0
    for _ in range(n):
        m = mutate(orig, rng)
        if _canonically_identical(orig, m):
            continue
        tried += 1
        try:
            res = verify_dict(m)
        except InvalidArgument:
            continue
        assert not res.ok, f"{path.name}: accepted a forged certificate: {json.dumps(m)[:400]}"
        assert res.reasons
    return tried


@pytest.mark.parametrize("path", PROOFS, ids=[p.stem for p in PROOFS])
@given(seed=st.integers(0, 2**32 - 1))
def test_forged_certificates_are_rejected(path: Path, seed: int) -> None:
    _run(path, PER_SEED, seed ^ SEED)


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("KRONCONV_FUZZ_SLOW"), reason="10x forgery fuzz: set KRONCONV_FUZZ_SLOW=1")
@pytest.mark.parametrize("path", PROOFS, ids=[p.stem for p in PROOFS])
def test_forged_certificates_are_rejected_slow(path: Path) -> None:
    assert _run(path, 10 * EXAMPLES, SEED + 1) >= EXAMPLES


def test_there_are_enough_committed_certificates_for_2000_mutations() -> None:
    assert len(PROOFS) * 40 * 3 >= 2000
