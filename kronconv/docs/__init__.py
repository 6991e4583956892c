r"""Generated documentation: derivation pages (Markdown + LaTeX maths) and PNG figures.

Every page of ``docs/`` (except the hand-written ``index.md`` and the pages
other modules own) is produced here *from the library*: numbers in the text are
computed when the page is built, never copied by hand.  A page builder is a
pure function ``builder(ctx) -> Page``; a :class:`Page` holds the Markdown text
and the :class:`Figure` s it references, each figure a small function that
draws a :class:`matplotlib.figure.Figure` (matplotlib is imported lazily, only
when figures are rendered).

Determinism: fixed seeds, no timestamps, floats printed with a fixed number of
significant digits, quantities that are mathematically zero printed as exact
(checked with integers) rather than as a floating residue, and PNGs written
without the ``Software`` metadata.  :func:`check_docs` regenerates the text in
memory and reports every page whose committed copy differs (the CI drift check).

Speed: where two CPUs are idle, a spawned worker process builds pages from the
last one on while this process builds them from the first on
(:mod:`kronconv.docs._workers`); a page is the same whichever process builds it.
Each page runs with one BLAS thread (:mod:`kronconv.blas`).

Examples
--------
>>> [name for name in PAGES][:2]
['dilated-convolution', 'receptive-fields']
>>> page = build_page("receptive-fields")
>>> page.text.startswith(GENERATED_MARK)
True
>>> "67" in page.text   # Yu & Koltun's context module, computed by network_fields
True
"""

from __future__ import annotations

import difflib
import functools
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..atomic import atomic_write
from ..blas import blas_threads
from ..errors import BackendUnavailable, InvalidArgument
from ._workers import run_both_ends
from .page import DPI, GENERATED_MARK, DocsContext, Figure, Page

__all__ = [
    "GENERATED_MARK",
    "PAGES",
    "BuildResult",
    "DocsContext",
    "Drift",
    "Figure",
    "Page",
    "build_docs",
    "build_page",
    "check_docs",
    "default_jobs",
    "page_names",
    "render_figure",
]


@dataclass(frozen=True)
class Drift:
    """A generated file whose committed copy is missing, different or stale."""

    path: str
    reason: str
    diff: str = ""


@dataclass(frozen=True)
class BuildResult:
    """Files written by :func:`build_docs` (paths relative to the output directory)."""

    out_dir: str
    pages: tuple[str, ...]
    figures: tuple[str, ...]
    seconds: float


def _builders() -> dict[str, Callable[[DocsContext], Page]]:
    from . import (
        audit,
        cli_reference,
        design,
        dilation,
        equivariance,
        gridding,
        kernels,
        parameters,
        receptive,
        reports,
        severity,
        theorem,
    )

    return {
        "dilated-convolution": dilation.build,
        "receptive-fields": receptive.build,
        "cascade-theorem": theorem.build,
        "kronecker-kernels": kernels.build,
        "parameter-counts": parameters.build,
        "gridding": gridding.build,
        "designing-dilation-schedules": design.build,
        "translation-equivariance": equivariance.build,
        "equivariance-audit": audit.build,
        "cli-reference": cli_reference.build,
        "restriction-severity": severity.build,
        "reports": reports.build,
    }


class _LazyPages(dict):  # type: ignore[type-arg]
    """Page name -> builder, filled on first use (avoids importing page modules at import time)."""

    def _fill(self) -> None:
        if not super().__len__():
            self.update(_builders())

    def __iter__(self):  # type: ignore[no-untyped-def]
        self._fill()
        return super().__iter__()

    def __getitem__(self, key: str) -> Callable[[DocsContext], Page]:
        self._fill()
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._fill()
        return super().__contains__(key)

    def __len__(self) -> int:
        self._fill()
        return super().__len__()

    def keys(self):  # type: ignore[no-untyped-def]
        self._fill()
        return super().keys()

    def items(self):  # type: ignore[no-untyped-def]
        self._fill()
        return super().items()


#: Page name -> builder, in the order of the index.
PAGES: dict[str, Callable[[DocsContext], Page]] = _LazyPages()


def page_names() -> list[str]:
    """Names of the generated pages, in index order."""
    return list(PAGES)


def _select(pages: Sequence[str] | None) -> list[str]:
    names = page_names()
    if pages is None:
        return names
    unknown = [p for p in pages if p not in names]
    if unknown:
        raise InvalidArgument(f"unknown page(s) {unknown}; available: {', '.join(names)}")
    return [n for n in names if n in pages]


def build_page(name: str, ctx: DocsContext | None = None) -> Page:
    """Build one page's text and figure specifications (no files written, no matplotlib)."""
    if name not in PAGES:
        raise InvalidArgument(f"unknown page {name!r}; available: {', '.join(page_names())}")
    page = PAGES[name](ctx or DocsContext())
    if page.name != name:  # pragma: no cover - a builder bug
        raise AssertionError(f"builder for {name!r} returned page {page.name!r}")
    missing = [f.path for f in page.figures if f"]({f.path})" not in page.text]
    if missing:  # pragma: no cover - a builder bug
        raise AssertionError(f"page {name} defines figures it does not reference: {missing}")
    return page


def render_figure(fig: Figure, path: Path) -> None:
    """Draw ``fig`` with matplotlib's Agg backend and write a PNG without timestamp metadata."""
    try:
        import matplotlib
    except ImportError:
        raise BackendUnavailable(
            "figures need matplotlib: pip install 'kronconv[docs]' (or pass --no-figures)"
        ) from None
    matplotlib.use("Agg")
    mfig = fig.draw()
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    if isinstance(mfig.get_layout_engine(), PlaceHolderLayoutEngine):
        # left by tight_layout(): the layout is done, and without an engine savefig draws once, not twice
        mfig.set_layout_engine(None)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda fh: mfig.savefig(fh, dpi=DPI, format="png", metadata={"Software": None}), "figure")


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text, "page")


Progress = Callable[[str], None]


def _ctx_for(out_dir: Path, reports_dir: str | Path | None) -> DocsContext:
    return DocsContext(reports_dir=Path(reports_dir) if reports_dir is not None else out_dir / "reports")


#: Fewest pages for which worker processes are started (each costs about a second of start-up).
MIN_PAGES_PER_BUILD_IN_PARALLEL = 4


def _other_runnable_tasks(samples: int = 5) -> int | None:
    """Tasks runnable besides this one: the fewest over a few samples of ``/proc/loadavg`` (``None``
    where there is no such file).  An instant count, unlike the load average, which a build's own previous
    runs raise for a minute."""
    counts = []
    try:
        for _ in range(samples):
            with open("/proc/loadavg", encoding="ascii") as fh:
                counts.append(int(fh.read().split()[3].split("/")[0]) - 1)  # minus the reading task
            time.sleep(0.002)
    except (OSError, ValueError, IndexError):
        return None
    return max(0, min(counts))


def default_jobs() -> int:
    """Processes that build the pages by default: 2 where two of the CPUs this process may use are idle,
    else 1 (on a busy machine a second process only slows both down)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cpus = os.cpu_count() or 1
    others = _other_runnable_tasks()
    if others is None:  # pragma: no cover - not on Linux
        try:
            others = round(os.getloadavg()[0])
        except (AttributeError, OSError):
            others = 0
    return max(1, min(2, cpus - others))


def _jobs(jobs: int | None, pages: int) -> int:
    if jobs is not None and jobs < 1:
        raise InvalidArgument(f"jobs must be at least 1, got {jobs}")
    if pages < MIN_PAGES_PER_BUILD_IN_PARALLEL:
        return 1
    return default_jobs() if jobs is None else jobs


@dataclass(frozen=True)
class _PageRun:
    """One page built (and, when building, written with its figures), as reported to the caller."""

    filename: str
    text: str
    figures: tuple[str, ...]
    text_seconds: float
    figure_seconds: float


def _run_page(name: str, ctx: DocsContext, out_dir: str | None, figures: bool) -> _PageRun:
    """Build page ``name``; with ``out_dir``, write it there (and its figures when ``figures``).

    Runs in this process or in a worker of :func:`~kronconv.docs._workers.run_both_ends`."""
    with blas_threads(1):  # small problems: BLAS threads only add waiting (see kronconv.blas)
        t0 = time.perf_counter()
        page = build_page(name, ctx)
        if out_dir is not None:
            _write_text(Path(out_dir) / page.filename, page.text)
        t1 = time.perf_counter()
        if out_dir is not None and figures:
            for fig in page.figures:
                render_figure(fig, Path(out_dir) / fig.path)
        t2 = time.perf_counter()
    return _PageRun(page.filename, page.text, tuple(f.path for f in page.figures), t1 - t0, t2 - t1)


def build_docs(
    out_dir: str | Path,
    pages: Sequence[str] | None = None,
    *,
    figures: bool = True,
    progress: Progress | None = None,
    reports_dir: str | Path | None = None,
    jobs: int | None = None,
) -> BuildResult:
    """Write ``<out_dir>/<page>.md`` and ``<out_dir>/figures/*.png`` for the chosen pages.

    Parameters
    ----------
    out_dir
        Output directory (created if missing).  Files other than the generated
        ones are left alone.
    pages
        Page names (default: all, see :func:`page_names`).
    figures
        Render the PNGs (needs matplotlib).  ``False`` writes the text only.
    progress
        Called with one human-readable line per step (the CLI prints them on stderr).
    reports_dir
        Where committed GPU reports are read from (default ``<out_dir>/reports``).
    jobs
        Processes that build pages (default :func:`default_jobs`; 1 for fewer than
        :data:`MIN_PAGES_PER_BUILD_IN_PARALLEL` pages).  This process builds the
        pages from the first on, spawned workers from the last on; every page is
        built and written the same way by whichever process takes it.
    """
    start = time.perf_counter()
    out = Path(out_dir)
    names = _select(pages)
    if figures:  # fail before writing anything when matplotlib is missing
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise BackendUnavailable(
                "figures need matplotlib: pip install 'kronconv[docs]' (or pass --no-figures)"
            ) from None
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidArgument(f"docs directory {str(out)!r}: cannot create it ({exc.strerror})") from None

    def report(i: int, run: _PageRun) -> None:
        if progress is not None:
            figs = f", {len(run.figures)} figure(s) {run.figure_seconds:.1f} s" if figures and run.figures else ""
            progress(f"[{i + 1}/{len(names)}] {run.filename}: text {run.text_seconds:.1f} s{figs}")

    work = functools.partial(_run_page, ctx=_ctx_for(out, reports_dir), out_dir=str(out), figures=figures)
    runs = run_both_ends(work, names, _jobs(jobs, len(names)), report)
    pngs = tuple(p for r in runs for p in r.figures) if figures else ()
    return BuildResult(str(out), tuple(r.filename for r in runs), pngs, time.perf_counter() - start)


def check_docs(
    out_dir: str | Path,
    pages: Sequence[str] | None = None,
    *,
    progress: Progress | None = None,
    reports_dir: str | Path | None = None,
    jobs: int | None = None,
) -> list[Drift]:
    """Regenerate the text of the chosen pages and compare with the copies in ``out_dir``.

    Reports a :class:`Drift` for every page that is missing or differs (with a
    unified diff), every referenced PNG that is missing, and -- when all pages
    are checked -- every stale ``*.md`` carrying :data:`GENERATED_MARK` that no
    builder produces any more.  PNG bytes are not compared (they depend on the
    matplotlib version and fonts).  ``jobs``: as for :func:`build_docs`.
    """
    out = Path(out_dir)
    names = _select(pages)
    drifts: list[Drift] = []

    def report(i: int, run: _PageRun) -> None:
        if progress is not None:
            progress(f"[{i + 1}/{len(names)}] checked {run.filename}")

    work = functools.partial(_run_page, ctx=_ctx_for(out, reports_dir), out_dir=None, figures=False)
    for run in run_both_ends(work, names, _jobs(jobs, len(names)), report):
        path = out / run.filename
        if not path.is_file():
            drifts.append(Drift(run.filename, "missing"))
        else:
            old = path.read_text(encoding="utf-8")
            if old != run.text:
                diff = "".join(difflib.unified_diff(
                    old.splitlines(keepends=True), run.text.splitlines(keepends=True),
                    f"committed/{run.filename}", f"generated/{run.filename}", n=1))
                drifts.append(Drift(run.filename, "differs from the generated text", diff))
        for fig in run.figures:
            if not (out / fig).is_file():
                drifts.append(Drift(fig, f"figure referenced by {run.filename} is missing"))
    if pages is None:
        generated = {f"{n}.md" for n in names}
        for md in sorted(out.glob("*.md")):
            if md.name not in generated and _is_generated(md):
                drifts.append(Drift(md.name, "stale: generated page that no builder produces"))
    return drifts


def _is_generated(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as fh:
            return fh.readline().rstrip("\n") == GENERATED_MARK
    except (OSError, UnicodeDecodeError):
        return False


def iter_figures(pages: Iterable[Page]) -> Iterable[Figure]:
    """All figures of ``pages``, in order."""
    for page in pages:
        yield from page.figures
