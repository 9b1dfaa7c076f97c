"""FAM-12 as an XLSX workbook: a Summary sheet and a Families sheet a person can work in.

Built for 100k rows: xlsxwriter in constant-memory mode, values prepared column-wise by
polars (dates as Excel serial numbers, money as amounts), number formats set once per
column, and the per-group band drawn by one conditional format instead of per-cell
formats. Strings are never turned into formulas or links.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from famtriage.core.exports.frame import (
    COLUMNS,
    ExportMeta,
    Steps,
    action_counts,
    export_frame,
    neutralize,
)
from famtriage.core.files import private_target
from famtriage.core.formatting import iso
from famtriage.core.report.fam12 import TITLE, Report

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
    """Write the workbook to a private temp file, renamed onto `path` when complete."""
    frame = export_frame(report, meta)
    with private_target(path, force=force) as tmp:
        book = xlsxwriter.Workbook(str(tmp), _OPTIONS)
        _summary(book, report, meta, frame)
        _families(book, frame, steps or Steps())
        _possible(book, report)
        book.close()
    return []


def _summary(book: Workbook, report: Report, meta: ExportMeta, frame: pl.DataFrame) -> None:
    sheet = book.add_worksheet("Summary")
    title = book.add_format({"bold": True, "font_size": 14})
    label = book.add_format({"bold": True})
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 60)
    sheet.write_string(0, 0, TITLE, title)
    counts = action_counts(report)
    rows: list[tuple[str, str | int]] = [
        ("Organization(s)", meta.orgs_text(report)),
        ("Generated at", iso(report.generated_at) or ""),
        ("Scope", report.scope),
        ("Run by", meta.staff or ""),
        ("Groups", report.group_count),
        ("Families in groups", frame.height),
        ("Groups to merge", counts["merge"]),
        ("Groups to delete from", counts["delete"]),
        ("Groups to review", counts["review"]),
        ("Possibly the same person (not merged)", report.possible.height),
    ]
    for r, (name, value) in enumerate(rows, start=2):
        sheet.write_string(r, 0, name, label)
        sheet.write(r, 1, value)


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
    for c, (name, width) in enumerate(zip(frame.columns, _widths(frame), strict=True)):
        column_format = date if name in DATE_COLUMNS else money if name in MONEY_COLUMNS else None
        sheet.set_column(c, c, width, column_format)
    sheet.write_row(0, 0, [COLUMNS[name] for name in frame.columns], header)
    sheet.freeze_panes(1, 0)
    last_row, last_col = frame.height, frame.width - 1
    sheet.autofilter(0, 0, last_row, last_col)
    _band(book, sheet, last_row, last_col)
    for r, row in enumerate(_excel_values(frame).iter_rows(), start=1):
        sheet.write_row(r, 0, row)
        steps(r, last_row)


def _band(book: Workbook, sheet: Worksheet, last_row: int, last_col: int) -> None:
    """Shade every other group (column A holds the group number), not every other row:
    the families of one group read as one block, and the shading follows a sort."""
    if last_row < 1:
        return
    band = book.add_format({"bg_color": BAND_COLOR})
    sheet.conditional_format(
        1, 0, last_row, last_col, {"type": "formula", "criteria": "=MOD($A2,2)=0", "format": band}
    )


def _possible(book: Workbook, report: Report) -> None:
    """The look-alike logins, on their own sheet: shown for review, never merged."""
    sheet = book.add_worksheet("Possibly same person")
    header = book.add_format({"bold": True, "bg_color": "#D9D9D9", "bottom": 1})
    rows = neutralize(
        report.possible.select(
            "org_id",
            pl.col("families").list.eval(pl.element().cast(pl.String)).list.join(", "),
            pl.col("emails").list.join(", "),
            "why",
        )
    )
    for c, width in enumerate((8, 24, 60, 80)):
        sheet.set_column(c, c, width)
    sheet.write_row(0, 0, ["Org", "Families", "Emails", "Why"], header)
    sheet.freeze_panes(1, 0)
    for r, row in enumerate(rows.iter_rows(), start=1):
        sheet.write_row(r, 0, row)
