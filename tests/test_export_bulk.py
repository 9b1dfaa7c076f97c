"""The exports' bulk paths write what the per-cell ones wrote: XLSX rows made by polars
read back as xlsxwriter's own cells, the PDF's batched text keeps each cell in its own
font, and a long list of organizations leaves the running header short."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import xlsxwriter
from pdf_support import installed_fonts
from pypdf import PdfReader

from famtriage.core.exports import xlsx
from famtriage.core.exports.frame import ExportMeta, export_frame, shown
from famtriage.core.exports.write import export_report
from famtriage.core.report.current import report_for_context
from famtriage.core.report.fam12 import Report
from famtriage.core.safe_text import XLSX_LIMIT

ODD = [" lead", "trail ", "_x0041_ kept", "a & b < c > d", "tab\there", "ctl\x01\x1f", "Zoë 李", ""]


@pytest.fixture
def report(ctx) -> Report:
    """The sample report with text that XML and Excel escape, on every family."""
    n = report_for_context(ctx).families.height
    families = report_for_context(ctx).families.with_columns(
        pl.Series("family_name", (ODD * n)[:n]),
        pl.Series("primary_guardian", (ODD[::-1] * n)[:n]),
    )
    return replace(report_for_context(ctx), families=families)


@pytest.fixture
def meta(ctx) -> ExportMeta:
    return ExportMeta(ctx.org_names(), ctx.actor.email)


def _cells(path: Path, sheet: str) -> list[list[tuple[object, str]]]:
    rows = openpyxl.load_workbook(path)[sheet].iter_rows()
    return [[(c.value, c.number_format) for c in row] for row in rows]


def test_xlsx_rows_read_back_as_xlsxwriters_own_cells(tmp_path: Path, report, meta) -> None:
    written = export_report(report, tmp_path / "bulk.xlsx", "xlsx", meta).path
    frame = shown(export_frame(report, meta), XLSX_LIMIT)
    reference = tmp_path / "reference.xlsx"
    book = xlsxwriter.Workbook(str(reference), xlsx._OPTIONS)
    sheet = book.add_worksheet("Families")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    money = book.add_format({"num_format": "#,##0.00"})
    for c, name in enumerate(frame.columns):
        dated, paid = name in xlsx.DATE_COLUMNS, name in xlsx.MONEY_COLUMNS
        sheet.set_column(c, c, 10, date if dated else money if paid else None)
    sheet.write_row(0, 0, [xlsx.COLUMNS[name] for name in frame.columns])
    for r, row in enumerate(xlsx._excel_values(frame).iter_rows(), start=1):
        sheet.write_row(r, 0, row)
    book.close()
    ours, theirs = _cells(written, "Families"), _cells(reference, "Families")
    assert len(ours) == frame.height + 1 and ours[1:] == theirs[1:]
    values = {v for row in ours for v, _ in row}
    assert {" lead", "trail ", "a & b < c > d"} <= values
    assert "ctl␁␟" in values and "tab␉here" in values


def test_pdf_cells_after_a_cjk_cell_keep_their_font(tmp_path: Path, report, meta) -> None:
    """A CJK cell goes through fpdf2's cell(); the plain cells around it must still be
    drawn in the main font (they read back as themselves, not as other glyphs)."""
    installed_fonts(cjk=True)
    cjk = report.families.with_columns(
        pl.when(pl.col("role") == "survivor")
        .then(pl.lit("李 Family"))
        .otherwise(pl.col("family_name"))
        .alias("family_name")
    )
    path = export_report(replace(report, families=cjk), tmp_path / "r.pdf", "pdf", meta).path
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    for fid, email, role in cjk.select("family_id", "raw_email", "role").iter_rows():
        assert f"{role} #{fid}" in text
        assert email in text


def test_pdf_header_counts_many_organizations_and_page_one_lists_them(
    tmp_path: Path, report
) -> None:
    installed_fonts()
    names = {i: f"Organization number {i} of the district" for i in range(1, 101)}
    meta = ExportMeta(names, "admin@example.com")
    path = export_report(report, tmp_path / "r.pdf", "pdf", meta).path
    pages = [page.extract_text() for page in PdfReader(path).pages]
    assert all("Organizations: 100 (listed on page 1)" in page for page in pages)
    first = " ".join(pages[0].split())
    assert all(name in first for name in names.values())
