"""FAM-12 as an XLSX workbook: a Summary sheet and a Families sheet a person can work in.

Built for 100k rows: xlsxwriter in constant-memory mode, values prepared column-wise by
polars (dates as Excel serial numbers, money as amounts), number formats set once per
column, and the per-group band drawn by one conditional format instead of per-cell
formats. Strings are never turned into formulas or links. What a cell shows follows
the display rule (`core.safe_text`): control and bidi characters escaped, and a value
over Excel's 32,767 characters cut with a note, which the writer reports.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from famtriage.core.exports.frame import (
    COLUMNS,
    ExportMeta,
    Steps,
    action_counts,
    cut_cells,
    export_frame,
    neutralize,
    shown,
)
from famtriage.core.exports.xlsx_rows import write_rows
from famtriage.core.files import private_target
from famtriage.core.formatting import iso
from famtriage.core.report.fam12 import TITLE, Report
from famtriage.core.safe_text import XLSX_LIMIT, display, is_cut

DATE_COLUMNS = ("created_at", "last_activity")
MONEY_COLUMNS = ("payments_total_cents",)
WIDE_COLUMNS = {"email": 45, "raw_email": 45, "reason": 80}
MAX_WIDTH = 32
BAND_COLOR = "#DDEBF7"
EXCEL_EPOCH = datetime(1899, 12, 30)
_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def write_xlsx(
    report: Report, path: Path, meta: ExportMeta, *, force: bool = False, steps: Steps | None = None
) -> list[str]:
    """Write the workbook to a private temp file, renamed onto `path` when complete;
    return a warning when cells had to be cut to Excel's limit."""
    families = export_frame(report, meta)
    possible = _possible_rows(report)
    summary = _summary_rows(report, meta, families.height)
    cut = (
        cut_cells(families, XLSX_LIMIT)
        + cut_cells(possible, XLSX_LIMIT)
        + sum(isinstance(v, str) and is_cut(v, XLSX_LIMIT) for _, v in summary)
    )
    with private_target(path, force=force) as tmp:
        book = xlsxwriter.Workbook(str(tmp), _OPTIONS)
        _summary(book, summary)
        _families(book, shown(families, XLSX_LIMIT), steps or Steps())
        _possible(book, shown(possible, XLSX_LIMIT))
        book.close()
        (steps or Steps()).check()
    if not cut:
        return []
    cells = "1 cell" if cut == 1 else f"{cut:,} cells"
    return [
        f"XLSX: {cells} held more than {XLSX_LIMIT:,} characters, the most an Excel cell "
        'holds; they were cut and end in "… (cut, N characters)".'
    ]


def _summary_rows(report: Report, meta: ExportMeta, families: int) -> list[tuple[str, str | int]]:
    counts = action_counts(report)
    return [
        ("Organization(s)", meta.orgs_text(report)),
        ("Generated at", iso(report.generated_at) or ""),
        ("Scope", report.scope),
        ("Run by", meta.staff or ""),
        ("Rows", f"as shown on screen: {meta.selection}" if meta.selection else "every group"),
        ("Groups", report.group_count),
        ("Families in groups", families),
        ("Groups to merge", counts["merge"]),
        ("Groups to delete from", counts["delete"]),
        ("Groups to review", counts["review"]),
        ("Possibly the same person (not merged)", report.possible.height),
    ]


def _summary(book: Workbook, rows: list[tuple[str, str | int]]) -> None:
    sheet = book.add_worksheet("Summary")
    title = book.add_format({"bold": True, "font_size": 14})
    label = book.add_format({"bold": True})
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 60)
    sheet.write_string(0, 0, TITLE, title)
    for r, (name, value) in enumerate(rows, start=2):
        sheet.write_string(r, 0, name, label)
        if isinstance(value, str):
            sheet.write_string(r, 1, display(value, XLSX_LIMIT))
        else:
            sheet.write_number(r, 1, value)


def _excel_values(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates as Excel serial days and money as amounts: typed cells, computed in bulk."""
    day_us = 86_400_000_000
    return frame.with_columns(
        *[
            ((pl.col(c) - EXCEL_EPOCH).dt.total_microseconds() / day_us).alias(c)
            for c in DATE_COLUMNS
        ],
        *[(pl.col(c) / 100).alias(c) for c in MONEY_COLUMNS],
    )


def _widths(frame: pl.DataFrame) -> list[int]:
    """Each column as wide as its longest value (or header), within sensible bounds."""
    text = frame.select(pl.all().cast(pl.String).str.len_chars().max().fill_null(0))
    widths = []
    for name, longest in zip(frame.columns, text.row(0), strict=True):
        cap = WIDE_COLUMNS.get(name, MAX_WIDTH)
        fit = max(longest, len(COLUMNS[name])) + 2
        widths.append(12 if name in DATE_COLUMNS else min(fit, cap))
    return widths


def _families(book: Workbook, frame: pl.DataFrame, steps: Steps) -> None:
    sheet = book.add_worksheet("Families")
    header = book.add_format({"bold": True, "bg_color": "#D9D9D9", "bottom": 1})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    money = book.add_format({"num_format": "#,##0.00"})
    styles: dict[str, Format] = {}
    for c, (name, width) in enumerate(zip(frame.columns, _widths(frame), strict=True)):
        column_format = date if name in DATE_COLUMNS else money if name in MONEY_COLUMNS else None
        sheet.set_column(c, c, width, column_format)
        if column_format is not None:
            styles[name] = column_format
    sheet.write_row(0, 0, [COLUMNS[name] for name in frame.columns], header)
    sheet.freeze_panes(1, 0)
    last_row, last_col = frame.height, frame.width - 1
    sheet.autofilter(0, 0, last_row, last_col)
    _band(book, sheet, last_row, last_col)
    indices = {name: f._get_xf_index() for name, f in styles.items()}
    write_rows(sheet, _excel_values(frame), 1, indices, lambda done: steps(done, last_row))


def _band(book: Workbook, sheet: Worksheet, last_row: int, last_col: int) -> None:
    """Shade every other group (column A holds the group number), not every other row:
    the families of one group read as one block, and the shading follows a sort."""
    if last_row < 1:
        return
    band = book.add_format({"bg_color": BAND_COLOR})
    sheet.conditional_format(
        1, 0, last_row, last_col, {"type": "formula", "criteria": "=MOD($A2,2)=0", "format": band}
    )


def _possible_rows(report: Report) -> pl.DataFrame:
    return neutralize(
        report.possible.select(
            "org_id",
            pl.col("families").list.eval(pl.element().cast(pl.String)).list.join(", "),
            pl.col("emails").list.join(", "),
            "why",
        )
    )


def _possible(book: Workbook, rows: pl.DataFrame) -> None:
    """The look-alike logins, on their own sheet: shown for review, never merged."""
    sheet = book.add_worksheet("Possibly same person")
    header = book.add_format({"bold": True, "bg_color": "#D9D9D9", "bottom": 1})
    for c, width in enumerate((8, 24, 60, 80)):
        sheet.set_column(c, c, width)
    sheet.write_row(0, 0, ["Org", "Families", "Emails", "Why"], header)
    sheet.freeze_panes(1, 0)
    for r, row in enumerate(rows.iter_rows(), start=1):
        sheet.write_row(r, 0, row)
