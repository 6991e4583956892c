"""The parallel docs build: worker processes taking pages from the other end, and BLAS threads held at one.

The pages a build writes do not depend on which process built them; results
come back for every item, in list order; a worker's exception is raised in the
calling process.  ``blas_threads`` sets and restores the OpenBLAS thread count.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from kronconv.blas import blas_threads, openblas_libraries, thread_counts
from kronconv.cli import main
from kronconv.docs import build_docs, check_docs
from kronconv.docs._workers import run_both_ends
from kronconv.errors import InvalidArgument

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
#: Cheap pages, enough of them for a worker to be started.
PAGES = ["receptive-fields", "kronecker-kernels", "gridding", "cli-reference", "reports"]


def _slow_pid(seconds: float) -> int:
    """Sleep, then name the process that ran the item (module-level: a spawned worker imports it)."""
    time.sleep(seconds)
    return os.getpid()


def test_run_both_ends_returns_every_result_in_list_order() -> None:
    seen: list[int] = []
    got = run_both_ends(abs, [-5, 4, -3, 2, -1, 0], jobs=2, on_done=lambda i, r: seen.append(i))
    assert got == [5, 4, 3, 2, 1, 0]
    assert sorted(seen) == list(range(6))  # each result reported once


def test_run_both_ends_shares_the_items_with_a_worker_process() -> None:
    pids = run_both_ends(_slow_pid, [0.3] * 16, jobs=2)
    assert pids[0] == os.getpid()  # this process takes the front
    assert pids[-1] != os.getpid()  # a worker takes the back (it starts well within 4.8 s of sleeping)
    assert len(set(pids)) == 2


def test_run_both_ends_raises_a_workers_exception_here() -> None:
    # the worker starts with the last item, which fails; this process sleeps through the first ones
    with pytest.raises(TypeError):
        run_both_ends(time.sleep, [0.5] * 8 + ["not a number"], jobs=2)


def test_run_both_ends_without_workers_runs_everything_here() -> None:
    assert run_both_ends(_slow_pid, [0.0] * 3, jobs=1) == [os.getpid()] * 3


def test_parallel_build_writes_the_same_pages_as_a_serial_build(tmp_path: Path) -> None:
    kw = {"figures": False, "reports_dir": DOCS / "reports"}
    serial = build_docs(tmp_path / "serial", PAGES, jobs=1, **kw)
    parallel = build_docs(tmp_path / "parallel", PAGES, jobs=2, **kw)
    assert serial.pages == parallel.pages == tuple(f"{p}.md" for p in PAGES)
    for name in serial.pages:
        text = (tmp_path / "parallel" / name).read_text(encoding="utf-8")
        assert text == (tmp_path / "serial" / name).read_text(encoding="utf-8") == \
            (DOCS / name).read_text(encoding="utf-8")
    assert check_docs(DOCS, PAGES, jobs=2) == []


def test_docs_jobs_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as refused:  # the parser refuses it before the command runs
        main(["docs", "--jobs", "0", "--no-figures"])
    assert refused.value.code == 2
    assert "--jobs must be an integer in [1, 64], got 0" in capsys.readouterr().err
    with pytest.raises(InvalidArgument, match="jobs must be at least 1"):
        build_docs("unused", PAGES, figures=False, jobs=-1)


def test_blas_threads_sets_the_count_and_restores_it() -> None:
    libs = openblas_libraries()
    if not libs:
        pytest.skip("no OpenBLAS loaded in this process (NumPy uses another BLAS)")
    before = thread_counts(libs)
    with blas_threads(1):
        assert thread_counts(libs) == [1] * len(libs)
    assert thread_counts(libs) == before
    with pytest.raises(InvalidArgument, match="at least 1"), blas_threads(0):
        pass
