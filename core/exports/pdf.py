"""FAM-12 as a printable PDF (A4 or Letter, landscape): one block per group.

Every page carries the title, the organization(s), when the report was generated and
"Page X of Y". A group's block (heading, recommendation, its families) starts a new page
rather than split when it fits on one; a longer group continues with its table header
repeated. Text follows the display rule (`core.safe_text`), applied in bulk before layout:
control and bidi characters escaped, a value longer than 2,000 characters cut with a note;
a cell then cuts what it cannot hold with "…", in time linear in what it shows.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

import polars as pl
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from famtriage.core.exports.fonts import PdfFonts, find_fonts, missing_glyphs
from famtriage.core.exports.frame import ExportMeta, Steps, action_counts, export_frame, shown
from famtriage.core.files import private_target
from famtriage.core.formatting import iso, money_display
from famtriage.core.report.fam12 import TITLE, Report
from famtriage.core.safe_text import DISPLAY_LIMIT, display

FONT = "text"
ROW_H = 5.0
LINE_H = 4.0
HEADING_H = 6.5
GAP = 3.0
GREY = (235, 235, 235)
PAGES = "{total_pages}"
"""The page-count alias, long enough to reserve room for a 5-digit count."""
_PLAIN_CHARS = r"^[\x00-\u024F\u0370-\u052F\u2000-\u206F\u20AC]*$"
"""Text the main font covers (Latin, Greek, Cyrillic): printed by the fast path."""
_PLAIN = re.compile(_PLAIN_CHARS)

TABLE: tuple[tuple[str, str, float, str], ...] = (
    ("role", "Role", 15, "L"),
    ("family_id", "Family", 14, "R"),
    ("family_name", "Family name", 36, "L"),
    ("primary_guardian", "Primary guardian", 34, "L"),
    ("raw_email", "Email as entered", 52, "L"),
    ("created", "Created", 19, "L"),
    ("students", "Stud.", 9, "R"),
    ("enrollments", "Enr.", 9, "R"),
    ("payments", "Pay.", 9, "R"),
    ("policies", "Pol.", 9, "R"),
    ("activity", "Act.", 9, "R"),
    ("total", "Paid", 19, "R"),
    ("last", "Last activity", 19, "L"),
)
"""(field, header, relative width, alignment) of the families table."""


class _Document(FPDF):
    """An FPDF with this report's running header and "Page X of Y" footer."""

    def __init__(self, paper: str, subtitle: str, fonts: PdfFonts) -> None:
        super().__init__(orientation="L", unit="mm", format="Letter" if paper == "letter" else "A4")
        self.subtitle = subtitle
        self.set_margins(10, 10, 10)
        self.set_auto_page_break(True, margin=14)
        self.add_font(FONT, "", fonts.regular)
        self.add_font(FONT, "B", fonts.bold)
        fallbacks = {"cjk": fonts.cjk, "symbols": fonts.symbols}
        for name, font in fallbacks.items():
            if font is not None:
                self.add_font(name, "", font)
        if any(fallbacks.values()):
            used = [name for name, font in fallbacks.items() if font is not None]
            self.set_fallback_fonts(used, exact_match=False)
        self.alias_nb_pages(PAGES)
        scale = self.epw / sum(width for _, _, width, _ in TABLE)
        self.widths = [width * scale for _, _, width, _ in TABLE]
        self._glyphs: dict[tuple[str, float], dict[str, float]] = {}

    def header(self) -> None:
        self.set_font(FONT, "B", 13)
        self.cell(0, 7, TITLE, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 8)
        self.set_text_color(80)
        self.multi_cell(0, LINE_H, self.subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FONT, "", 8)
        self.cell(0, 5, f"Page {self.page_no()} of {PAGES}", align="C")

    def room(self) -> float:
        """Height left on this page above the bottom margin."""
        return self.page_break_trigger - self.get_y()

    def page_room(self) -> float:
        """Height a fresh page offers below its running header."""
        return self.page_break_trigger - self.t_margin - 7 - 2 * LINE_H - 2

    def char_widths(self, text: str) -> Iterator[float]:
        """Each character's width in the current font, from a cache.

        fpdf2's `get_string_width` re-parses the string for fallback fonts on every
        call; a large report measures a million cells.
        """
        glyphs = self._glyphs.setdefault((self.font_style, self.font_size_pt), {})
        for char in text:
            width = glyphs.get(char)
            if width is None:
                width = glyphs[char] = self.get_string_width(char)
            yield width

    def text_width(self, text: str) -> float:
        """Width of `text` in the current font."""
        return sum(self.char_widths(text))

    def put(self, x: float, width: float, h: float, text: str, align: str = "L") -> None:
        """Print one line in a box at (x, current y), the cursor left where it was.

        Plain text goes straight to `text()` (fpdf2's `cell()` costs ~0.5 ms a call);
        text with CJK uses `cell()`, which falls back to the CJK font glyph by glyph.
        """
        if not text:
            return
        if _PLAIN.match(text) is None:
            y = self.get_y()
            self.set_x(x)
            self.cell(width, h, text, align=align)
            self.set_xy(self.l_margin, y)
            return
        offset = width - self.c_margin - self.text_width(text) if align == "R" else self.c_margin
        self.text(x + offset, self.get_y() + h / 2 + 0.3 * self.font_size, text)

    def fit(self, text: str, width: float) -> str:
        """`text` cut with "…" to fit a cell (a long email stays one line).

        Measures characters only until the cell is full, so a long value costs what a
        cell shows, not its length.
        """
        room = width - 2 * self.c_margin
        if len(text) * self.font_size <= room:
            return text
        ends: list[float] = []  # the width of each prefix that fits
        for end in accumulate(self.char_widths(text)):
            if end > room:
                break
            ends.append(end)
        else:
            return text
        return text[: bisect_right(ends, room - self.text_width("…"))] + "…"


def write_pdf(
    report: Report,
    path: Path,
    meta: ExportMeta,
    *,
    force: bool = False,
    paper: str = "a4",
    steps: Steps | None = None,
    fonts: PdfFonts | None = None,
) -> list[str]:
    """Lay the report out and write it through a private temp file; return a warning
    when some names hold characters no installed font can draw."""
    fonts = fonts or find_fonts()
    texts = _texts(report, meta, fonts.notation)
    frames = [texts.families, texts.possible, pl.DataFrame({"text": [texts.subtitle]})]
    gap = missing_glyphs(frames, fonts.covered())
    with private_target(path, force=force) as tmp:
        pdf_document(report, meta, paper, steps, fonts, texts).output(str(tmp))
    return [] if gap is None else [gap.message()]


@dataclass(frozen=True)
class _Texts:
    """What the PDF prints, as printed: escaped and cut (`core.safe_text`)."""

    families: pl.DataFrame
    """The export rows (text columns shown)."""
    possible: pl.DataFrame
    """The look-alike sets: `org`, `families`, `emails`, `why`."""
    subtitle: str


def _texts(report: Report, meta: ExportMeta, notation: str) -> _Texts:
    families = shown(export_frame(report, meta), DISPLAY_LIMIT, notation)
    labels = [meta.org_label(o) for o in report.possible["org_id"].to_list()]
    possible = report.possible.select(
        pl.Series("org", labels, dtype=pl.String),
        pl.col("families").list.eval(pl.format("#{}", pl.element())).list.join(", "),
        pl.col("emails").list.join(", "),
        "why",
    )
    subtitle = (
        f"Organization: {display(meta.orgs_text(report), notation=notation)}   ·   "
        f"Generated at: {iso(report.generated_at)}   ·   Scope: {report.scope}"
        + (f"   ·   Run by: {display(meta.staff, notation=notation)}" if meta.staff else "")
    )
    return _Texts(families, shown(possible, DISPLAY_LIMIT, notation), subtitle)


def pdf_document(
    report: Report,
    meta: ExportMeta,
    paper: str = "a4",
    steps: Steps | None = None,
    fonts: PdfFonts | None = None,
    texts: _Texts | None = None,
) -> FPDF:
    """The laid-out document (every group, then the look-alike logins)."""
    fonts = fonts or find_fonts()
    texts = texts or _texts(report, meta, fonts.notation)
    pdf = _Document(paper, texts.subtitle, fonts)
    pdf.add_page()
    pdf.set_font(FONT, "", 9)
    families = _rows(texts.families)
    counts = action_counts(report)
    pdf.cell(
        0,
        LINE_H + 1,
        f"{report.group_count} groups, {families.height} families in groups: "
        f"{counts['merge']} to merge, {counts['delete']} to delete from, "
        f"{counts['review']} to review.",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(2)
    if families.height == 0:
        pdf.cell(0, ROW_H, "No families share a login email.")
    steps = steps or Steps()
    done = 0
    for group in families.partition_by("group", maintain_order=True):
        _group(pdf, group)
        done += group.height
        steps(done, families.height)
    _possible(pdf, texts.possible)
    return pdf


def _rows(frame: pl.DataFrame) -> pl.DataFrame:
    """The export rows with the PDF's cell texts computed in bulk."""
    return frame.with_columns(
        pl.col("created_at").dt.strftime("%Y-%m-%d").fill_null("").alias("created"),
        pl.col("last_activity").dt.strftime("%Y-%m-%d").fill_null("").alias("last"),
        pl.col("payments_total_cents")
        .map_elements(money_display, return_dtype=pl.String)
        .alias("total"),
    )


def _group(pdf: _Document, group: pl.DataFrame) -> None:
    first = group.row(0, named=True)
    heading = (
        f"{first['organization']}  —  {first['email']}   ·   {group.height} families   ·   "
        f"{first['action'].upper()}"
        + (f" (keep #{first['survivor']})" if first["survivor"] is not None else "")
    )
    pdf.set_font(FONT, "", 8)
    reason = first["reason"]
    one_line = pdf.text_width(reason) <= pdf.epw - 2 * pdf.c_margin
    reason_lines = (
        1 if one_line else len(pdf.multi_cell(0, LINE_H, reason, dry_run=True, output="LINES"))  # type: ignore[arg-type]
    )
    top = HEADING_H + reason_lines * LINE_H + 3 * ROW_H
    height = top + ROW_H * (group.height - 2) + GAP
    if height > pdf.room() and (height <= pdf.page_room() or top > pdf.room()):
        pdf.add_page()
    pdf.set_font(FONT, "B", 9.5)
    pdf.put(pdf.l_margin, pdf.epw, HEADING_H, pdf.fit(heading, pdf.epw))
    pdf.ln(HEADING_H)
    pdf.set_font(FONT, "", 8)
    if one_line:
        pdf.put(pdf.l_margin, pdf.epw, LINE_H, reason)
        pdf.ln(LINE_H)
    else:
        pdf.multi_cell(0, LINE_H, reason, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _table_header(pdf)
    for row in group.iter_rows(named=True):
        if pdf.room() < ROW_H:
            pdf.add_page()
            pdf.set_font(FONT, "B", 9.5)
            pdf.put(pdf.l_margin, pdf.epw, HEADING_H, pdf.fit(f"{heading} (continued)", pdf.epw))
            pdf.ln(HEADING_H)
            _table_header(pdf)
        _table_row(pdf, row)
    pdf.ln(GAP)


def _table_header(pdf: _Document) -> None:
    pdf.set_font(FONT, "B", 7.5)
    pdf.set_fill_color(*GREY)
    y = pdf.get_y()
    pdf.rect(pdf.l_margin, y, pdf.epw, ROW_H, style="F")
    pdf.line(pdf.l_margin, y + ROW_H, pdf.l_margin + pdf.epw, y + ROW_H)
    x = pdf.l_margin
    for (_, label, _, align), width in zip(TABLE, pdf.widths, strict=True):
        pdf.put(x, width, ROW_H, label, align)
        x += width
    pdf.ln(ROW_H)
    pdf.set_font(FONT, "", 8)


def _table_row(pdf: _Document, row: dict) -> None:
    x = pdf.l_margin
    for (field, _, _, align), width in zip(TABLE, pdf.widths, strict=True):
        value = row[field]
        text = "" if value is None else f"#{value}" if field == "family_id" else str(value)
        pdf.put(x, width, ROW_H, pdf.fit(text, width), align)
        x += width
    pdf.ln(ROW_H)


def _possible(pdf: _Document, possible: pl.DataFrame) -> None:
    """The look-alike logins, clearly apart: possibly one person, never merged."""
    if possible.height == 0:
        return
    if pdf.room() < 30:
        pdf.add_page()
    pdf.ln(GAP)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(
        0,
        HEADING_H,
        "Possibly the same person (separate logins: review only, never merged)",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    for item in possible.iter_rows(named=True):
        pdf.set_font(FONT, "B", 8)
        pdf.cell(
            0,
            LINE_H + 1,
            f"{item['org']}: families {item['families']}",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.set_font(FONT, "", 8)
        text = f"{item['emails']} — {item['why']}"
        pdf.multi_cell(0, LINE_H, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
