"""``polykernel.compare`` against a brute-force multiset comparison, on both of its code paths.

``compare`` packs each term ``(out, inp, offset..., monomial)`` into one int64 key when the packed
range fits in 62 bits and otherwise compares rows of columns.  Both paths must give the result of
counting the rows with :class:`collections.Counter`: equal iff the multisets are equal, and the
witness is the lexicographically smallest row whose counts differ, with both counts.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kronconv.polykernel import (
    Comparison,
    Layout,
    PolyOperator,
    cascade_operator,
    compare,
    kernel_operator,
    kron_operator,
    layer_operator,
)

Row = tuple[int, ...]  # (out, inp, offset_0, .., offset_{D-1}, monomial)


def _operator(layout: Layout, rows: Sequence[Row]) -> PolyOperator:
    D = layout.dims
    arr = np.array(rows, dtype=np.int64).reshape(len(rows), D + 3)
    return PolyOperator(layout, arr[:, 0].astype(np.int32), arr[:, 1].astype(np.int32),
                        arr[:, 2:2 + D].copy(), arr[:, -1].copy())


def _brute(lhs: Sequence[Row], rhs: Sequence[Row], D: int) -> tuple[bool, tuple | None, tuple, tuple]:
    cl, cr = Counter(lhs), Counter(rhs)
    diff = sorted(k for k in set(cl) | set(cr) if cl[k] != cr[k])
    witness = None
    if diff:
        k = diff[0]
        witness = (k[0], k[1], tuple(k[2:2 + D]), k[-1], cl[k], cr[k])

    def extent(rows: Sequence[Row]) -> tuple[int, ...]:
        if not rows:
            return (0,) * D
        return tuple(max(r[2 + k] for r in rows) - min(r[2 + k] for r in rows) + 1 for k in range(D))

    return not diff, witness, extent(lhs), extent(rhs)


@st.composite
def _pairs(draw: st.DrawFn) -> tuple[Layout, list[Row], list[Row]]:
    """Two term lists over one layout; the right one is an edited shuffle of the left one."""
    D = draw(st.integers(1, 3))
    C = draw(st.integers(1, 3))
    scale = draw(st.sampled_from([1, 1 << 40]))  # 1 << 40 pushes the packed range past 62 bits
    row = st.tuples(st.integers(0, C - 1), st.integers(0, C - 1),
                    *[st.integers(-3, 3).map(lambda v: v * scale) for _ in range(D)],
                    st.integers(0, 5).map(lambda v: v * scale))
    lhs = draw(st.lists(row, max_size=8))
    rhs = list(draw(st.permutations(lhs)))
    edit = draw(st.sampled_from(["none", "drop", "add", "duplicate", "replace"]))
    if edit == "drop" and rhs:
        rhs.pop(draw(st.integers(0, len(rhs) - 1)))
    elif edit == "add":
        rhs.append(draw(row))
    elif edit == "duplicate" and rhs:
        rhs.append(rhs[draw(st.integers(0, len(rhs) - 1))])
    elif edit == "replace" and rhs:
        rhs[draw(st.integers(0, len(rhs) - 1))] = draw(row)
    if draw(st.booleans()):
        lhs, rhs = rhs, lhs
    return Layout(2, D, C, 1), lhs, rhs


@settings(max_examples=300, deadline=None)
@given(_pairs())
def test_compare_equals_brute_force_multiset_comparison(case: tuple[Layout, list[Row], list[Row]]) -> None:
    lay, lhs, rhs = case
    got = compare(_operator(lay, lhs), _operator(lay, rhs))
    equal, witness, ext_l, ext_r = _brute(lhs, rhs, lay.dims)
    assert got.equal is equal
    assert got.witness == witness
    assert (got.lhs_terms, got.rhs_terms) == (len(lhs), len(rhs))
    assert (got.lhs_extent, got.rhs_extent) == (ext_l, ext_r)


@pytest.mark.parametrize("scale", [1, 1 << 40])
def test_witness_names_a_term_missing_on_one_side(scale: int) -> None:
    """A term present once on the right and absent on the left is reported with counts 0 and 1."""
    lay = Layout(2, 1, 2, 1)
    common = [(1, 0, 2 * scale, 3 * scale), (1, 1, -scale, 4 * scale)]
    extra = (0, 1, -2 * scale, 5 * scale)  # smallest differing row: out 0 sorts first
    c = compare(_operator(lay, common), _operator(lay, common + [extra]))
    assert not c.equal
    assert c.witness == (0, 1, (-2 * scale,), 5 * scale, 0, 1)
    c = compare(_operator(lay, common + [extra]), _operator(lay, common))
    assert c.witness == (0, 1, (-2 * scale,), 5 * scale, 1, 0)


@pytest.mark.parametrize("scale", [1, 1 << 40])
def test_empty_operator_against_a_non_empty_one(scale: int) -> None:
    lay = Layout(2, 2, 1, 1)
    rows = [(0, 0, -scale, 0, 7 * scale), (0, 0, 0, scale, 2 * scale)]
    c = compare(_operator(lay, []), _operator(lay, rows))
    assert not c.equal
    assert c.witness == (0, 0, (-scale, 0), 7 * scale, 0, 1)
    assert c.lhs_extent == (0, 0) and c.rhs_extent == (scale + 1, scale + 1)
    assert compare(_operator(lay, []), _operator(lay, [])).equal


def test_cascade_with_huge_dilations_names_the_first_differing_term() -> None:
    """Multi-channel cascade against the Kronecker operator on the row path: witness from a recount."""
    lay = Layout(2, 1, 2, 2)
    lhs, rhs = cascade_operator(lay, [1, 1 << 50]), kron_operator(lay)

    def rows(op: PolyOperator) -> list[Row]:
        return [(int(o), int(i), *map(int, off), int(m))
                for o, i, off, m in zip(op.out, op.inp, op.offset, op.mono)]

    c = compare(lhs, rhs)
    assert c.witness == _brute(rows(lhs), rows(rhs), 1)[1]
    assert not c.equal and c.lhs_extent == ((1 << 50) + 2,) and c.rhs_extent == (4,)


def test_comparison_records_are_immutable_and_hashable() -> None:
    lay = Layout(3, 1, 1, 2)
    a = compare(cascade_operator(lay, [1, 3]), kron_operator(lay))
    b = compare(cascade_operator(lay, [1, 3]), kron_operator(lay))
    assert isinstance(a, Comparison) and a.equal
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.equal = False  # type: ignore[misc]
    assert hash(a) == hash(b) and {a, b} == {a}


def test_an_all_zero_kernel_compares_unequal_to_a_layer_instead_of_crashing() -> None:
    """Regression: an empty operator (no non-zero tap) on one side of ``compare`` used to raise IndexError."""
    lay = Layout(3, 1, 1, 1)
    zero = kernel_operator(lay, np.full(5, -1))
    assert zero.size == 0
    c = compare(zero, layer_operator(lay, 0, 2))
    assert not c.equal
    assert c.witness == (0, 0, (-4,), 2, 0, 1)  # smallest row: offset -4 (tap 2 at position 4)
    assert c.lhs_extent == (0,) and c.rhs_extent == (5,)
    assert compare(layer_operator(lay, 0, 2), zero).witness == (0, 0, (-4,), 2, 1, 0)


@pytest.mark.parametrize("x", [(1 << 31) - 2, (1 << 31) - 1, (1 << 31) + (1 << 30), (1 << 32) + 5])
def test_terms_whose_packed_range_straddles_62_and_63_bits(x: int) -> None:
    """Offset and monomial ranges of about ``x`` each put the packed key range near 2**62 and 2**63."""
    lay = Layout(2, 1, 1, 1)
    lhs = [(0, 0, 0, 0), (0, 0, x, x), (0, 0, x, 0), (0, 0, -1, x)]
    rhs = [(0, 0, 0, 0), (0, 0, x, x), (0, 0, 0, x), (0, 0, -1, x)]
    for a, b in ((lhs, rhs), (rhs, lhs), (lhs, lhs[::-1])):
        c = compare(_operator(lay, a), _operator(lay, b))
        equal, witness, ext_a, ext_b = _brute(a, b, 1)
        assert (c.equal, c.witness, c.lhs_extent, c.rhs_extent) == (equal, witness, ext_a, ext_b)
