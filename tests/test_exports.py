"""FAM-12 exports read back: CSV, XLSX (openpyxl) and PDF (pypdf), and their safety."""

from __future__ import annotations

import csv
import io
import os
import stat
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from pdf_support import installed_fonts
from pypdf import PdfReader

from famtriage.core.errors import Cancelled, Conflict, InputError
from famtriage.core.exports import xlsx
from famtriage.core.exports.csv import csv_bytes
from famtriage.core.exports.fonts import PdfFonts, missing_glyphs
from famtriage.core.exports.frame import ExportMeta, export_frame
from famtriage.core.exports.write import export_report
from famtriage.core.report.current import report_for_context
from famtriage.core.report.fam12 import TITLE, Report

INJECTIONS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.fixture
def report(ctx) -> Report:
    return report_for_context(ctx)


@pytest.fixture
def meta(ctx) -> ExportMeta:
    return ExportMeta(ctx.org_names(), ctx.actor.email)


def _poisoned(report: Report) -> Report:
    """The sample report with formula payloads as family names and guardians."""
    n = report.families.height
    payloads = (INJECTIONS * n)[:n]
    return replace(
        report,
        families=report.families.with_columns(
            pl.Series("family_name", payloads), pl.Series("primary_guardian", payloads)
        ),
    )


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An empty folder for the files (tmp_path also holds the store)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_csv_has_header_one_row_per_family_and_group_recommendation(report, meta) -> None:
    rows = list(csv.DictReader(io.StringIO(csv_bytes(report, meta).decode("utf-8"))))
    assert len(rows) == report.families.height
    doe = [r for r in rows if r["email"] == "jane.doe@example.com"]
    assert {r["family_id"] for r in doe} == {"1001", "1002", "1003"}
    assert {r["action"] for r in doe} == {"merge"}
    assert all(r["reason"].startswith("2 families have history") for r in doe)
    assert doe[0]["role"] == "survivor"
    assert doe[0]["payments_total"] == "333.75"
    assert doe[0]["created_at"] == "2018-02-01T00:00:00"
    assert any(r["primary_guardian"] == "Zoë Åberg" for r in rows)


def test_csv_excel_flag_adds_a_bom(report, meta) -> None:
    assert csv_bytes(report, meta, excel=True).startswith(b"\xef\xbb\xbfgroup,")
    assert csv_bytes(report, meta).startswith(b"group,")


def test_csv_neutralizes_formula_injection(report, meta) -> None:
    rows = list(csv.DictReader(io.StringIO(csv_bytes(_poisoned(report), meta).decode())))
    for row in rows:
        for key in ("family_name", "primary_guardian"):
            assert row[key].startswith("'"), row[key]
            assert row[key][1:] in INJECTIONS


def test_export_frame_leaves_safe_text_alone(report, meta) -> None:
    frame = export_frame(report, meta)
    assert frame.filter(pl.col("family_name").str.starts_with("'")).height == 0
    assert frame["group"].to_list() == sorted(frame["group"].to_list())
    assert frame["group"].max() == report.group_count


def test_xlsx_reads_back_with_header_filter_types_and_bands(out, report, meta) -> None:
    path = export_report(report, out / "r.xlsx", "xlsx", meta).path
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:2] == ["Summary", "Families"]
    sheet = book["Families"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Group", "Org", "Organization", "Login email (group)"]
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == report.families.height + 1
    last_col = openpyxl.utils.get_column_letter(len(header))
    assert sheet.auto_filter.ref == f"A1:{last_col}{sheet.max_row}"
    created = sheet.cell(2, header.index("Created") + 1)
    assert isinstance(created.value, datetime) and created.is_date
    money = sheet.cell(2, header.index("Payments total") + 1)
    assert isinstance(money.value, float | int) and money.number_format == "#,##0.00"
    email = header.index("Login email (group)") + 1
    assert sheet.column_dimensions[openpyxl.utils.get_column_letter(email)].width >= 20
    rules = [(cf.sqref, rule) for cf in sheet.conditional_formatting for rule in cf.rules]
    assert len(rules) == 1
    sqref, rule = rules[0]
    assert str(sqref) == f"A2:{last_col}{sheet.max_row}"
    assert rule.formula == ["MOD($A2,2)=0"] and rule.dxf.fill.bgColor.rgb.endswith("DDEBF7")
    groups = [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)]
    emails = [sheet.cell(r, email).value for r in range(2, sheet.max_row + 1)]
    assert len(set(zip(groups, emails, strict=True))) == len(set(groups)) == report.group_count


def test_xlsx_summary_names_orgs_and_counts(out, report, meta) -> None:
    path = export_report(report, out / "r.xlsx", "xlsx", meta).path
    summary = dict(openpyxl.load_workbook(path)["Summary"].iter_rows(min_row=3, values_only=True))
    assert "Riverside Swim School" in summary["Organization(s)"]
    assert summary["Groups"] == report.group_count
    assert summary["Families in groups"] == report.families.height
    counts = report.groups["action"].value_counts()
    merge = counts.filter(pl.col("action") == "merge")["count"].item()
    assert summary["Groups to merge"] == merge
    assert summary["Scope"] == "primary"


def test_xlsx_neutralizes_formula_injection(out, report, meta) -> None:
    path = export_report(_poisoned(report), out / "r.xlsx", "xlsx", meta).path
    sheet = openpyxl.load_workbook(path)["Families"]
    header = [c.value for c in sheet[1]]
    names = [sheet.cell(r, header.index("Family name") + 1) for r in range(2, sheet.max_row + 1)]
    assert all(c.data_type == "s" and c.value.startswith("'") for c in names)


@pytest.fixture(autouse=True)
def _pdf_needs_a_font(request: pytest.FixtureRequest) -> None:
    if "pdf" in request.node.name:
        installed_fonts()


def test_pdf_reads_back_with_title_pages_and_unicode(out, report, meta) -> None:
    installed_fonts(cjk=True)
    written = export_report(report, out / "r.pdf", "pdf", meta)
    assert written.warnings == ()
    pages = PdfReader(written.path).pages
    text = "\n".join(p.extract_text() for p in pages)
    assert TITLE in text
    assert f"Page 1 of {len(pages)}" in pages[0].extract_text()
    assert "Riverside Swim School" in text and "Generated at" in text
    for name in ("Zoë", "Øyvind", "李"):
        assert name in text
    assert "grandma.rose@miller.net" in text
    assert round(float(pages[0].mediabox.width)) == 842  # A4 landscape


def test_pdf_letter_paper(out, report, meta) -> None:
    path = export_report(report, out / "r.pdf", "pdf", meta, paper="letter").path
    assert round(float(PdfReader(path).pages[0].mediabox.width)) == 792


def test_pdf_keeps_each_group_on_one_page(out, report, meta) -> None:
    written = export_report(report, out / "r.pdf", "pdf", meta)
    pages = [p.extract_text() for p in PdfReader(written.path).pages]
    assert len(pages) >= 2
    for (email,), group in report.families.group_by("email"):
        page = next(t for t in pages if f"{email}   ·" in t)
        assert all(f"#{fid}" in page for fid in group["family_id"])


def test_pdf_says_which_names_no_installed_font_covers(out, report, meta) -> None:
    without_cjk = replace(installed_fonts(), cjk=None)
    written = export_report(report, out / "r.pdf", "pdf", meta, fonts=without_cjk)
    assert written.path.exists()
    (warning,) = written.warnings
    cjk_names = report.families.filter(
        pl.col("family_name").str.contains("[\u4e00-\u9fff]")
        | pl.col("primary_guardian").str.contains("[\u4e00-\u9fff]")
    )
    assert cjk_names.height >= 1
    assert warning.startswith("PDF: ") and "(CJK)" in warning
    assert "empty boxes" in warning and "fonts-droid-fallback" in warning


def test_pdf_with_every_glyph_covered_says_nothing(out, report, meta) -> None:
    fonts = installed_fonts()
    everything = PdfFonts(fonts.regular, fonts.bold, None)
    texts = [export_frame(report, meta), report.possible]
    assert missing_glyphs(texts, frozenset(range(0x110000))) is None
    gap = missing_glyphs(texts, everything.covered())
    assert gap is not None and gap.scripts == ("CJK",)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_exports_are_private_and_not_overwritten_without_force(out, report, meta, fmt):
    path = out / f"r.{fmt}"
    export_report(report, path, fmt, meta)
    assert _mode(path) == 0o600
    before = path.read_bytes()
    with pytest.raises(Conflict, match="--force"):
        export_report(report, path, fmt, meta)
    assert path.read_bytes() == before
    export_report(report, path, fmt, meta, force=True)
    assert _mode(path) == 0o600
    assert os.listdir(out) == [path.name]


def test_failed_write_leaves_no_partial_file(out, report, meta, monkeypatch) -> None:
    def explode(*args) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(xlsx, "_possible", explode)
    with pytest.raises(RuntimeError):
        export_report(report, out / "r.xlsx", "xlsx", meta)
    assert os.listdir(out) == []


def test_bad_folder_and_format_are_input_errors(out, report, meta) -> None:
    with pytest.raises(InputError, match="no such directory"):
        export_report(report, out / "missing" / "r.csv", "csv", meta)
    with pytest.raises(InputError, match="unknown export format"):
        export_report(report, out / "r.doc", "doc", meta)


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_export_reports_progress_and_cancels_without_a_file(out, report, meta, fmt) -> None:
    seen: list[tuple[int, int]] = []
    export_report(report, out / f"r.{fmt}", fmt, meta, on_progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (report.families.height, report.families.height)
    with pytest.raises(Cancelled):
        export_report(report, out / f"c.{fmt}", fmt, meta, is_cancelled=lambda: True)
    assert os.listdir(out) == [f"r.{fmt}"]
