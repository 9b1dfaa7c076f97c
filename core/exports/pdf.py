"""FAM-12 as a printable PDF (A4 or Letter, landscape): one block per group.

Every page carries the title, the organization(s), when the report was generated and
"Page X of Y" (when the organizations take more than the running header's two lines,
the header counts them and page 1 lists them). A group's block (heading,
recommendation, its families) starts a new page rather than split when it fits on one;
a longer group continues with its table header repeated. Text follows the display rule
(`core.safe_text`), applied in bulk before layout: control and bidi characters escaped,
a value longer than 2,000 characters cut with a note; a cell then cuts what it cannot
hold with "…", in time linear in what it shows. Every cell's text is made in bulk by
polars; the page itself is `pdf_canvas.Canvas`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from famtriage.core.exports.fonts import PdfFonts, find_fonts, missing_glyphs
from famtriage.core.exports.frame import ExportMeta, Steps, action_counts, export_frame, shown
from famtriage.core.exports.pdf_canvas import FONT, LINE_H, Canvas
from famtriage.core.files import private_target
from famtriage.core.formatting import counted, iso, money_display_expr
from famtriage.core.report.fam12 import Report
from famtriage.core.safe_text import DISPLAY_LIMIT, display

ROW_H = 5.0
HEADING_H = 6.5
GAP = 3.0
GREY = (235, 235, 235)

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
    extra = pl.DataFrame({"text": [texts.subtitle, texts.orgs, meta.selection or ""]})
    gap = missing_glyphs([texts.families, texts.possible, extra], fonts.covered())
    with private_target(path, force=force) as tmp:
        pdf_document(report, meta, paper, steps, fonts, texts).output(str(tmp))
        (steps or Steps()).check()
    return [] if gap is None else [gap.message()]


@dataclass(frozen=True)
class _Texts:
    """What the PDF prints, as printed: escaped and cut (`core.safe_text`)."""

    families: pl.DataFrame
    """The export rows (text columns shown)."""
    possible: pl.DataFrame
    """The look-alike sets: `org`, `families`, `emails`, `why`."""
    subtitle: str
    """The running header: organizations, when generated, scope, who ran it."""
    brief: str
    """The running header when `subtitle` is too long: the organizations counted."""
    orgs: str
    """Every organization, listed on page 1 when the header only counts them."""


def _texts(report: Report, meta: ExportMeta, notation: str) -> _Texts:
    families = shown(export_frame(report, meta), DISPLAY_LIMIT, notation)
    labels = [meta.org_label(o) for o in report.possible["org_id"].to_list()]
    possible = report.possible.select(
        pl.Series("org", labels, dtype=pl.String),
        pl.col("families").list.eval(pl.format("#{}", pl.element())).list.join(", "),
        pl.col("emails").list.join(", "),
        "why",
    )
    names = [display(name, notation=notation) for name in meta.org_labels(report)]
    orgs = ", ".join(names) or "(none)"
    rest = f"   ·   Generated at: {iso(report.generated_at)}   ·   Scope: {report.scope}" + (
        f"   ·   Run by: {display(meta.staff, notation=notation)}" if meta.staff else ""
    )
    return _Texts(
        families,
        shown(possible, DISPLAY_LIMIT, notation),
        f"Organization: {display(', '.join(names) or '(none)', notation=notation)}{rest}",
        f"Organizations: {len(names):,} (listed on page 1){rest}",
        orgs,
    )


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
    pdf = Canvas(paper, fonts)
    listed = not pdf.set_header(texts.subtitle, texts.brief)
    pdf.add_page()
    pdf.set_font(FONT, "", 9)
    families = texts.families
    counts = action_counts(report)
    pdf.cell(
        0,
        LINE_H + 1,
        f"{counted(report.group_count, 'group')}, "
        f"{counted(families.height, 'family', 'families')} in groups: "
        f"{counts['merge']:,} to merge, {counts['delete']:,} to delete from, "
        f"{counts['review']:,} to review.",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    if meta.selection:
        view = display(meta.selection, notation=fonts.notation)
        pdf.multi_cell(0, LINE_H, f"As shown on screen: {view}.", new_x=XPos.LMARGIN)
    if listed:  # once, so fpdf2's line breaking (and page breaks) may do it
        pdf.set_font(FONT, "", 8)
        pdf.multi_cell(0, LINE_H, f"Organizations: {texts.orgs}", new_x=XPos.LMARGIN)
    pdf.ln(2)
    if families.height == 0:
        pdf.cell(0, ROW_H, "No families share a login email.")
    table = _Table(pdf)
    rows = _cells(families).rows()
    steps = steps or Steps()
    done = 0
    for heading, reason, size in _groups(families).iter_rows():
        _group(pdf, table, heading, reason, rows[done : done + size])
        done += size
        steps(done, families.height)
    _possible(pdf, texts.possible)
    return pdf


def _cells(frame: pl.DataFrame) -> pl.DataFrame:
    """The text of every table cell (`TABLE`), made in bulk: "" where there is none."""
    counts = ["students", "enrollments", "payments", "policies", "activity"]
    cells = frame.select(
        "role",
        pl.format("#{}", "family_id").alias("family_id"),
        "family_name",
        "primary_guardian",
        "raw_email",
        pl.col("created_at").dt.strftime("%Y-%m-%d").alias("created"),
        *[pl.col(c).cast(pl.String) for c in counts],
        money_display_expr(pl.col("payments_total_cents")).alias("total"),
        pl.col("last_activity").dt.strftime("%Y-%m-%d").alias("last"),
    )
    return cells.select([pl.col(field).fill_null("") for field, _, _, _ in TABLE])


def _groups(frame: pl.DataFrame) -> pl.DataFrame:
    """Each group's heading, reason and number of rows, in the order of the rows."""
    first = frame.group_by("group", maintain_order=True).agg(
        pl.col("organization", "email", "action", "survivor", "reason").first(), pl.len()
    )
    keep = pl.format(" (keep #{})", "survivor")
    heading = pl.concat_str(
        pl.col("organization").fill_null(""),
        pl.lit("  —  "),
        pl.col("email").fill_null(""),
        pl.format("   ·   {} families   ·   ", "len"),
        pl.col("action").str.to_uppercase().fill_null(""),
        pl.when(pl.col("survivor").is_not_null()).then(keep).otherwise(pl.lit("")),
    )
    return first.select(heading.alias("heading"), pl.col("reason").fill_null(""), "len")


class _Table:
    """Where the families table's columns sit on the page."""

    def __init__(self, pdf: Canvas) -> None:
        scale = pdf.epw / sum(width for _, _, width, _ in TABLE)
        self.columns: list[tuple[float, float, str]] = []
        x = pdf.l_margin
        for _, _, width, align in TABLE:
            self.columns.append((x, width * scale, align))
            x += width * scale

    def header(self, pdf: Canvas) -> None:
        pdf.set_font(FONT, "B", 7.5)
        pdf.set_fill_color(*GREY)
        y = pdf.get_y()
        pdf.rect(pdf.l_margin, y, pdf.epw, ROW_H, style="F")
        pdf.line(pdf.l_margin, y + ROW_H, pdf.l_margin + pdf.epw, y + ROW_H)
        labels = [label for _, label, _, _ in TABLE]
        pdf.row(
            [(x, w, label, a) for (x, w, a), label in zip(self.columns, labels, strict=True)], ROW_H
        )
        pdf.ln(ROW_H)
        pdf.set_font(FONT, "", 8)

    def row(self, pdf: Canvas, texts: tuple[str, ...]) -> None:
        cells = [(x, w, pdf.fit(t, w), a) for (x, w, a), t in zip(self.columns, texts, strict=True)]
        pdf.row(cells, ROW_H)
        pdf.ln(ROW_H)


def _group(
    pdf: Canvas, table: _Table, heading: str, reason: str, rows: list[tuple[str, ...]]
) -> None:
    pdf.set_font(FONT, "", 8)
    reason_lines = pdf.wrap(reason, pdf.epw)
    top = HEADING_H + len(reason_lines) * LINE_H + 3 * ROW_H
    height = top + ROW_H * (len(rows) - 2) + GAP
    if height > pdf.room() and (height <= pdf.page_room() or top > pdf.room()):
        pdf.add_page()
    pdf.set_font(FONT, "B", 9.5)
    pdf.put(pdf.l_margin, pdf.epw, HEADING_H, pdf.fit(heading, pdf.epw))
    pdf.ln(HEADING_H)
    pdf.set_font(FONT, "", 8)
    for line in reason_lines:
        pdf.put(pdf.l_margin, pdf.epw, LINE_H, line)
        pdf.ln(LINE_H)
    table.header(pdf)
    for texts in rows:
        if pdf.room() < ROW_H:
            pdf.add_page()
            pdf.set_font(FONT, "B", 9.5)
            pdf.put(pdf.l_margin, pdf.epw, HEADING_H, pdf.fit(f"{heading} (continued)", pdf.epw))
            pdf.ln(HEADING_H)
            table.header(pdf)
        table.row(pdf, texts)
    pdf.ln(GAP)


def _possible(pdf: Canvas, possible: pl.DataFrame) -> None:
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
    for org, families, emails, why in possible.iter_rows():
        pdf.set_font(FONT, "", 8)
        lines = pdf.wrap(f"{emails} — {why}", pdf.epw)
        if pdf.room() < LINE_H + 1 + min(len(lines), 3) * LINE_H:
            pdf.add_page()
        pdf.set_font(FONT, "B", 8)
        pdf.put(pdf.l_margin, pdf.epw, LINE_H + 1, pdf.fit(f"{org}: families {families}", pdf.epw))
        pdf.ln(LINE_H + 1)
        pdf.set_font(FONT, "", 8)
        for line in lines:
            if pdf.room() < LINE_H:
                pdf.add_page()
                pdf.set_font(FONT, "", 8)
            pdf.put(pdf.l_margin, pdf.epw, LINE_H, line)
            pdf.ln(LINE_H)
        pdf.ln(1)
