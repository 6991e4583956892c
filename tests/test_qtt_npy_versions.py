"""Kernel files: ``.npy`` format versions 1.0 and 2.0 load, any other version is refused from its magic string;
the entry limit is applied to the header's shape, at its edge."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from kronconv.errors import InvalidArgument, TooLarge
from kronconv.qtt.io import MAX_FILE_ENTRIES, load_kernel


@pytest.mark.parametrize("version", [(1, 0), (2, 0)])
def test_format_versions_1_and_2_load(tmp_path: Path, version: tuple[int, int]) -> None:
    k = np.arange(12, dtype=np.int64).reshape(3, 4) - 5
    path = tmp_path / "k.npy"
    with path.open("wb") as fh:
        np.lib.format.write_array(fh, k, version=version)
    assert path.read_bytes()[6:8] == bytes(version)  # the magic string's version bytes
    got = load_kernel(path)
    assert got.dtype == np.int64 and np.array_equal(got, k)
    buf = io.BytesIO(path.read_bytes())
    assert np.array_equal(load_kernel(buf), k)


def test_format_version_3_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.npy"
    with path.open("wb") as fh:
        np.lib.format.write_array(fh, np.ones(4), version=(3, 0))
    with pytest.raises(InvalidArgument, match=r"not a valid \.npy file \(unsupported \.npy format version 3\.0 "
                                              r"\(need 1\.0 or 2\.0\)\)"):
        load_kernel(path)


def _header_only(shape: tuple[int, ...]) -> io.BytesIO:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False, "shape": shape})
    buf.seek(0)
    return buf


def test_the_entry_limit_is_checked_on_the_header_at_its_edge() -> None:
    # exactly the limit passes the header check (the missing data is then reported); one more is refused
    with pytest.raises(InvalidArgument, match="cannot read the array data"):
        load_kernel(_header_only((MAX_FILE_ENTRIES,)))
    with pytest.raises(TooLarge, match=rf"{MAX_FILE_ENTRIES + 1} entries \(shape \({MAX_FILE_ENTRIES + 1},\)\), "
                                       rf"above the limit MAX_FILE_ENTRIES = {MAX_FILE_ENTRIES}"):
        load_kernel(_header_only((MAX_FILE_ENTRIES + 1,)))
