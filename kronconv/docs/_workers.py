"""Run a function over a list in this process and in worker processes, the two taking items from opposite ends.

This process takes items from the front of the list, the workers from the back,
until they meet: no process waits while an item is left, and the first items stay
in this process unless the workers are much faster (the docs build puts first the
pages whose results this process reuses afterwards: the certificates).  Workers
are started with ``spawn``, never ``fork``: this process may already run BLAS
threads, and forking a threaded process can deadlock the child.  Where no worker
can be started, everything runs here.

Each result reaches ``on_done`` in this process as soon as it has arrived (in
completion order, not list order).  An exception raised by a worker is raised
here, once every worker has finished the item it was on; an item a worker took
but never finished (the worker died) is run here.

Examples
--------
>>> run_both_ends(abs, [-3, 1, -2], jobs=1)
[3, 1, 2]
"""

from __future__ import annotations

import multiprocessing
import pickle
import queue
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

__all__ = ["run_both_ends"]

#: Seconds between checks that the workers are still alive while waiting for their results.
_POLL_S = 0.05
#: Seconds a worker is given to finish its item when the run stops on an error.
_STOP_S = 60.0


def _claim(bounds: Any, back: bool) -> int | None:
    """Take the next index from the front or the back of ``bounds = [first, last]`` (``None``: none left)."""
    with bounds.get_lock():
        lo, hi = bounds[0], bounds[1]
        if lo > hi:
            return None
        if back:
            bounds[1] = hi - 1
            return int(hi)
        bounds[0] = lo + 1
        return int(lo)


class _LocalBounds:
    """``[first, last]`` with the interface of a shared array, for a run without workers."""

    def __init__(self, n: int) -> None:
        self._v = [0, n - 1]

    def get_lock(self) -> AbstractContextManager[None]:
        return nullcontext()

    def __getitem__(self, i: int) -> int:
        return self._v[i]

    def __setitem__(self, i: int, value: int) -> None:
        self._v[i] = value


def _worker(fn: Callable[[Any], Any], items: Sequence[Any], bounds: Any, results: Any) -> None:
    """A worker process: run ``fn`` on items taken from the back until none is left, or one fails."""
    while (i := _claim(bounds, back=True)) is not None:
        try:
            out: tuple[int, Any, Exception | None] = (i, fn(items[i]), None)
        except Exception as exc:  # noqa: BLE001 - sent to the caller, which raises it
            out = (i, None, exc)
        try:
            data = pickle.dumps(out)
        except Exception as exc:  # noqa: BLE001 - an unpicklable result or exception
            data = pickle.dumps((i, None, RuntimeError(f"item {i}: the worker's result cannot be sent back ({exc})")))
        results.put(data)
        if out[2] is not None:
            return


def _start(fn: Callable[[Any], Any], items: Sequence[Any], count: int) -> tuple[list[Any], Any, Any]:
    """Start ``count`` spawned workers; ``([], None, None)`` where processes cannot be started here."""
    try:
        ctx = multiprocessing.get_context("spawn")
        bounds = ctx.Array("i", [0, len(items) - 1])
        results = ctx.Queue()
        workers = [ctx.Process(target=_worker, args=(fn, items, bounds, results), daemon=True) for _ in range(count)]
        for w in workers:
            w.start()
    except (OSError, ImportError):  # no semaphores or no process creation (a sandbox): run everything here
        return [], None, None
    return workers, bounds, results


def run_both_ends(fn: Callable[[Any], Any], items: Sequence[Any], jobs: int,
                  on_done: Callable[[int, Any], None] | None = None) -> list[Any]:
    """``[fn(x) for x in items]``, computed here and in ``jobs - 1`` spawned worker processes.

    ``fn`` and ``items`` must be picklable when ``jobs > 1`` (``fn`` a module-level
    function or a :func:`functools.partial` of one).  ``on_done(i, result)`` is
    called here for every item as its result arrives.
    """
    n = len(items)
    done: dict[int, Any] = {}

    def finish(i: int, result: Any) -> None:
        done[i] = result
        if on_done is not None:
            on_done(i, result)

    def receive(block: bool) -> bool:
        """Handle one result from the workers; ``False`` when none came."""
        try:
            data = results.get(timeout=_POLL_S) if block else results.get_nowait()
        except queue.Empty:
            return False
        i, result, exc = pickle.loads(data)
        if exc is not None:
            raise exc
        finish(i, result)
        return True

    workers: list[Any] = []
    bounds: Any = _LocalBounds(n)
    results: Any = None
    if jobs > 1 and n > 1:
        started = _start(fn, items, jobs - 1)
        if started[0]:
            workers, bounds, results = started
    try:
        while (i := _claim(bounds, back=False)) is not None:
            finish(i, fn(items[i]))
            while workers and receive(block=False):
                pass
        while workers and len(done) < n:
            if not receive(block=True) and not any(w.is_alive() for w in workers):
                while receive(block=True):  # what the workers sent before they exited
                    pass
                break
        for i in range(n):  # taken by a worker that died before finishing it
            if i not in done:
                finish(i, fn(items[i]))
    except BaseException:
        _stop(workers, bounds)
        raise
    return [done[i] for i in range(n)]  # the workers exit by themselves: none has an item left


def _stop(workers: list[Any], bounds: Any) -> None:
    """Let the workers finish the item they are on (a file they write is never left half-written), then end them."""
    with bounds.get_lock():
        bounds[0] = bounds[1] + 1
    for w in workers:
        w.join(timeout=_STOP_S)
        if w.is_alive():
            w.terminate()
            w.join()
