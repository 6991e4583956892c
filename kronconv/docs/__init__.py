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
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..atomic import atomic_write
from ..errors import BackendUnavailable, InvalidArgument
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


def build_docs(
    out_dir: str | Path,
    pages: Sequence[str] | None = None,
    *,
    figures: bool = True,
    progress: Progress | None = None,
    reports_dir: str | Path | None = None,
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
    ctx = _ctx_for(out, reports_dir)
    written: list[str] = []
    pngs: list[str] = []
    for i, name in enumerate(names, 1):
        t0 = time.perf_counter()
        page = build_page(name, ctx)
        _write_text(out / page.filename, page.text)
        written.append(page.filename)
        t1 = time.perf_counter()
        if figures:
            for fig in page.figures:
                render_figure(fig, out / fig.path)
                pngs.append(fig.path)
        t2 = time.perf_counter()
        if progress is not None:
            figs = f", {len(page.figures)} figure(s) {t2 - t1:.1f} s" if figures and page.figures else ""
            progress(f"[{i}/{len(names)}] {page.filename}: text {t1 - t0:.1f} s{figs}")
    return BuildResult(str(out), tuple(written), tuple(pngs), time.perf_counter() - start)


def check_docs(
    out_dir: str | Path,
    pages: Sequence[str] | None = None,
    *,
    progress: Progress | None = None,
    reports_dir: str | Path | None = None,
) -> list[Drift]:
    """Regenerate the text of the chosen pages and compare with the copies in ``out_dir``.

    Reports a :class:`Drift` for every page that is missing or differs (with a
    unified diff), every referenced PNG that is missing, and -- when all pages
    are checked -- every stale ``*.md`` carrying :data:`GENERATED_MARK` that no
    builder produces any more.  PNG bytes are not compared (they depend on the
    matplotlib version and fonts).
    """
    out = Path(out_dir)
    names = _select(pages)
    ctx = _ctx_for(out, reports_dir)
    drifts: list[Drift] = []
    for i, name in enumerate(names, 1):
        page = build_page(name, ctx)
        path = out / page.filename
        if not path.is_file():
            drifts.append(Drift(page.filename, "missing"))
        else:
            old = path.read_text(encoding="utf-8")
            if old != page.text:
                diff = "".join(difflib.unified_diff(
                    old.splitlines(keepends=True), page.text.splitlines(keepends=True),
                    f"committed/{page.filename}", f"generated/{page.filename}", n=1))
                drifts.append(Drift(page.filename, "differs from the generated text", diff))
        for fig in page.figures:
            if not (out / fig.path).is_file():
                drifts.append(Drift(fig.path, f"figure referenced by {page.filename} is missing"))
        if progress is not None:
            progress(f"[{i}/{len(names)}] checked {page.filename}")
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
