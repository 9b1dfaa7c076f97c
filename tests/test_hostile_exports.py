"""Exports of hostile and oversized data: XLSX and PDF show the display rule, CSV stays
exact; a 10 MB family name and a 1,000,000-character email hang nothing."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from hostile_support import BIG_NAME, NAME, SHOWN, assert_clean_text
from pdf_support import installed_fonts
from pypdf import PdfReader

from famtriage.core.access.context import Context
from famtriage.core.exports.csv import csv_bytes
from famtriage.core.exports.frame import ExportMeta
from famtriage.core.exports.write import export_report
from famtriage.core.report.current import report_for_context
from famtriage.core.report.fam12 import Report
from famtriage.core.safe_text import XLSX_LIMIT, cut_note, has_escaped
from famtriage.core.store.database import Store
from famtriage.tui.cli.main import main


def _cells(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path, read_only=True)
    return [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if isinstance(cell, str)
    ]


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.fixture
def hostile(hostile_ctx: Context) -> tuple[Report, ExportMeta]:
    return report_for_context(hostile_ctx), ExportMeta(
        hostile_ctx.org_names(), hostile_ctx.actor.email
    )


def test_xlsx_shows_every_cell_escaped(tmp_path: Path, hostile) -> None:
    written = export_report(*hostile[:1], tmp_path / "r.xlsx", "xlsx", hostile[1])
    assert written.warnings == ()
    cells = _cells(written.path)
    assert not [c for c in cells if has_escaped(c)]
    assert any(c.startswith("␍␊" + SHOWN) for c in cells)  # names, organizations


def test_pdf_shows_the_rule(tmp_path: Path, hostile) -> None:
    fonts = installed_fonts()
    written = export_report(hostile[0], tmp_path / "r.pdf", "pdf", hostile[1], fonts=fonts)
    text = _pdf_text(written.path)
    assert_clean_text(text)
    if fonts.symbols is not None:  # .ci/run installs fonts-freefont-ttf
        assert "␛]0;pwned␇␛[2J" in text and written.warnings == ()
    codes = replace(fonts, symbols=None)  # no font with Control Pictures: <U+001B>
    written = export_report(
        hostile[0], tmp_path / "codes.pdf", "pdf", hostile[1], fonts=codes, force=True
    )
    text = _pdf_text(written.path)
    assert "<U+001B>]0;pwned<U+0007><U+001B>[2J" in text and written.warnings == ()


def test_csv_keeps_the_data_exact(hostile) -> None:
    data = csv_bytes(*hostile).decode("utf-8")
    assert NAME.replace("\r\n", "") in data.replace("\r\n", "")


def test_oversized_values_are_cut_and_said(oversized: Path, tmp_path: Path, capsys) -> None:
    ctx = Context.open(Store.open(oversized))
    report = report_for_context(ctx)
    meta = ExportMeta(ctx.org_names(), ctx.actor.email)
    started = time.monotonic()
    pdf = export_report(report, tmp_path / "r.pdf", "pdf", meta, fonts=installed_fonts())
    took = time.monotonic() - started
    assert took < 20, f"the PDF took {took:.1f} s"
    text = _pdf_text(pdf.path)
    assert len(text) < 100_000 and "NNNN…" in text and "xxxx…" in text

    xlsx = export_report(report, tmp_path / "r.xlsx", "xlsx", meta)
    (warning,) = xlsx.warnings
    assert "32,767" in warning and "cells" in warning  # the name and the emails
    cells = _cells(xlsx.path)
    name = next(c for c in cells if c.startswith("NNNN"))
    assert len(name) == XLSX_LIMIT and name.endswith(cut_note(10_000_000))

    assert BIG_NAME in csv_bytes(report, meta).decode()  # CSV keeps it exact

    started = time.monotonic()
    for argv in (["report"], ["family", "1001"], ["search", "jane.doe"], ["plan"]):
        assert main(["--db", str(oversized), *argv]) == 0
        out = capsys.readouterr().out
        assert len(out) < 100_000, argv
    assert time.monotonic() - started < 20


def test_oversized_family_text_says_how_long(oversized: Path, capsys) -> None:
    assert main(["--db", str(oversized), "family", "1001"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].endswith(f"{cut_note(10_000_000)}  org 1  [active]")
    assert main(["--db", str(oversized), "search", "jane.doe"]) == 0
    assert cut_note(1_000_020) in capsys.readouterr().out
