"""The PDF page the FAM-12 report is laid out on: fonts, the running header and footer,
measuring text, and printing it fast.

A report of 100,000 families is about 9,000 pages and over a million text cells, so
nothing here is done per page or per cell that can be done once:

- the running header is broken into lines once (fpdf2's `multi_cell` breaks a line in
  time quadratic in its length, and ran on every page); it is at most `HEADER_LINES`
  lines, and a list of organizations too long for that is printed once, on page 1;
- text is measured from a cache of character widths (fpdf2's `get_string_width`
  re-parses the string for fallback fonts on every call);
- a table row's cells are encoded (each short value once per font, from a cache) and
  written as one piece of the page's content stream, the text operators fpdf2's
  `text()` writes for each cell. Text the main font does not cover (CJK) goes through
  fpdf2's `cell()`, which falls back to another font glyph by glyph.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from itertools import accumulate

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from famtriage.core.exports.fonts import PdfFonts
from famtriage.core.report.fam12 import TITLE

FONT = "text"
LINE_H = 4.0
TITLE_H = 7.0
HEADER_LINES = 2
"""Lines of the running header below the title, at most."""
PAGES = "{total_pages}"
"""The page-count alias, long enough to reserve room for a 5-digit count."""
_PLAIN_CHARS = r"^[\x00-\u024F\u0370-\u052F\u2000-\u206F\u20AC]*$"
"""Text the main font covers (Latin, Greek, Cyrillic): printed by the fast path."""
_PLAIN = re.compile(_PLAIN_CHARS)
_CACHED = 40
"""Values up to this long are encoded once per font (counts, dates, roles, names)."""

Cell = tuple[float, float, str, str]
"""One cell of a row: its left edge, width, text and alignment ("L" or "R")."""


class Canvas(FPDF):
    """An FPDF with this report's running header and "Page X of Y" footer, and the
    fast text primitives the report is printed with."""

    def __init__(self, paper: str, fonts: PdfFonts) -> None:
        super().__init__(orientation="L", unit="mm", format="Letter" if paper == "letter" else "A4")
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
        self.header_lines: list[str] = []
        self._glyphs: dict[tuple[str, float], dict[str, float]] = {}
        self._encoded: dict[tuple[str, str], str] = {}

    def set_header(self, full: str, short: str) -> bool:
        """The running header: `full` when it fits in `HEADER_LINES` lines, else `short`
        (cut to fit). Returns whether `full` was used."""
        self.set_font(FONT, "", 8)
        lines = self.wrap(full, self.epw)
        fits = len(lines) <= HEADER_LINES
        if not fits:
            lines = self.wrap(short, self.epw)
        if len(lines) > HEADER_LINES:
            rest = " ".join(lines[HEADER_LINES - 1 :])
            lines = [*lines[: HEADER_LINES - 1], self.fit(rest, self.epw)]
        self.header_lines = lines
        return fits

    def header(self) -> None:
        self.set_font(FONT, "B", 13)
        self.cell(0, TITLE_H, TITLE, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 8)
        self.set_text_color(80)
        for line in self.header_lines:
            self.put(self.l_margin, self.epw, LINE_H, line)
            self.ln(LINE_H)
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
        header = TITLE_H + len(self.header_lines) * LINE_H + 2
        return self.page_break_trigger - self.t_margin - header

    def char_widths(self, text: str) -> Iterator[float]:
        """Each character's width in the current font, from a cache."""
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
        """Print one line in a box at (x, current y), the cursor left where it was."""
        self.row([(x, width, text, align)], h)

    def row(self, cells: Iterable[Cell], h: float) -> None:
        """Print a line of cells at the current y, the cursor left where it was, in
        order: runs of plain cells as one piece of content, the others through `cell()`."""
        baseline = (self.h - (self.get_y() + h / 2 + 0.3 * self.font_size)) * self.k
        shown: list[str] = []
        for x, width, text, align in cells:
            if not text:
                continue
            if _PLAIN.match(text) is None:
                self._out_text(shown)
                shown = []
                y = self.get_y()
                self.set_x(x)
                self.cell(width, h, text, align=align)
                self.set_xy(self.l_margin, y)
                continue
            if align == "R":
                left = x + width - self.c_margin - self.text_width(text)
            else:
                left = x + self.c_margin
            shown.append(f"BT {left * self.k:.2f} {baseline:.2f} Td {self._encode(text)} ET")
        self._out_text(shown)

    def _encode(self, text: str) -> str:
        """The text operator (`(…) Tj`) of `text` in the current font: the glyphs it
        uses picked into the font's subset, as `text()` does."""
        font = self.current_font
        assert font is not None
        if len(text) > _CACHED:
            return str(font.encode_text(text))
        key = (self.font_family + self.font_style, text)
        found = self._encoded.get(key)
        if found is None:
            found = self._encoded[key] = str(font.encode_text(text))
        return found

    def _out_text(self, shown: list[str]) -> None:
        """Write text operators to the page as `text()` does: the font selected on the
        page first, the text colour set around them when it is not the fill colour.

        The font is selected even with nothing to write, before a `cell()`: one that
        starts with a fallback font's glyph selects the page's font only inside its own
        saved graphics state, and text after it would be drawn in whichever font the
        page had before (fpdf2 2.8)."""
        assert self.current_font is not None
        if not self.current_font_is_set_on_page:
            self._out(self._set_font_for_page(self.current_font, self.font_size_pt))
        if not shown:
            return
        content = " ".join(shown)
        if self.fill_color != self.text_color:
            assert self.text_color is not None
            content = f"q {self.text_color.serialize().lower()} {content} Q"
        self._out(content)

    def fit(self, text: str, width: float) -> str:
        """`text` cut with "…" to fit a cell (a long email stays one line).

        Measures characters only until the cell is full, so a long value costs what a
        cell shows, not its length.
        """
        room = width - 2 * self.c_margin
        if len(text) * self.font_size <= room:
            return text
        end = self._prefix(text, room)
        if end == len(text):
            return text
        return text[: self._prefix(text, room - self.text_width("…"))] + "…"

    def _prefix(self, text: str, room: float) -> int:
        """How many characters of `text` fit in `room`."""
        ends: list[float] = []  # the width of each prefix that fits
        for end in accumulate(self.char_widths(text)):
            if end > room:
                break
            ends.append(end)
        return bisect_right(ends, room)

    def wrap(self, text: str, width: float) -> list[str]:
        """`text` broken into lines that fit `width`, at spaces (a word longer than a
        line is broken where the line is full)."""
        room = width - 2 * self.c_margin
        space = self.text_width(" ")
        lines: list[str] = []
        line, used = "", 0.0
        for word in text.split(" "):
            size = self.text_width(word)
            if line and used + space + size > room:
                lines.append(line)
                line, used = "", 0.0
            while size > room:
                cut = max(1, self._prefix(word, room))
                lines.append(word[:cut])
                word = word[cut:]
                size = self.text_width(word)
            line, used = (f"{line} {word}", used + space + size) if line else (word, size)
        return [*lines, line]
