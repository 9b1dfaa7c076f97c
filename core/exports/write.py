"""`export_report`: the one entry point the CLI, the app and stored tasks call to write a
FAM-12 report as CSV, XLSX or PDF. Each writer is imported only when used, so a CSV
export never loads xlsxwriter or fpdf2."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from famtriage.core.errors import InputError
from famtriage.core.exports.fonts import PdfFonts
from famtriage.core.exports.frame import FORMATS, PAPERS, ExportMeta, ProgressCallback, Steps
from famtriage.core.files import check_target
from famtriage.core.report.fam12 import Report


def _writer(fmt: str) -> Callable[..., list[str]]:
    if fmt == "csv":
        from famtriage.core.exports.csv import write_csv

        return write_csv
    if fmt == "xlsx":
        from famtriage.core.exports.xlsx import write_xlsx

        return write_xlsx
    if fmt == "pdf":
        from famtriage.core.exports.pdf import write_pdf

        return write_pdf
    raise InputError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")


def check_export(
    path: Path, fmt: str, paper: str = "a4", *, force: bool = False
) -> Callable[..., list[str]]:
    """Refuse an export that cannot be written (format, paper, target: `check_target`)
    before any work; return the format's writer."""
    if paper not in PAPERS:
        raise InputError(f"unknown paper {paper!r}; use one of {', '.join(PAPERS)}")
    write = _writer(fmt)
    check_target(Path(path), force=force)
    return write


@dataclass(frozen=True)
class FileOptions:
    """How an export is written besides its format: over an existing file (`force`), CSV
    with a BOM for Excel (`excel`), the PDF's paper and fonts (None: the installed ones)."""

    force: bool = False
    excel: bool = False
    paper: str = "a4"
    fonts: PdfFonts | None = None


@dataclass(frozen=True)
class Exported:
    """A written export: where, and what the caller must tell the user about it."""

    path: Path
    warnings: tuple[str, ...] = ()


def export_report(
    report: Report,
    path: Path,
    fmt: str,
    meta: ExportMeta | None = None,
    *,
    force: bool = False,
    excel: bool = False,
    paper: str = "a4",
    on_progress: ProgressCallback | None = None,
    is_cancelled: Callable[[], bool] | None = None,
    fonts: PdfFonts | None = None,
) -> Exported:
    """Write `report` to `path` as csv, xlsx or pdf: atomically, 0600, never over a file
    unless `force`. `excel` adds a BOM to CSV; `paper` is a4 or letter for PDF.

    Every format reports `on_progress(rows_done, rows)` as it goes and stops with
    `Cancelled` when `is_cancelled()` turns true, or when `on_progress` raises it (or
    raises anything: a KeyboardInterrupt); the partial file is then removed.
    What the file could not hold as it should (a PDF glyph no font has) comes back in
    `Exported.warnings`, for the caller to show; `fonts` replaces the installed ones.
    """
    write = check_export(path, fmt, paper, force=force)
    options: dict[str, object] = {}
    if fmt == "csv":
        options["excel"] = excel
    if fmt == "pdf":
        options["paper"] = paper
        options["fonts"] = fonts
    options["steps"] = Steps(on_progress, is_cancelled)
    warnings = write(report, Path(path), meta or ExportMeta(), force=force, **options)
    return Exported(Path(path), tuple(warnings))
