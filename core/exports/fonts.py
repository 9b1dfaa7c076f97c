"""Unicode fonts for the PDF export, found on the machine: nothing downloads at run time.

A PDF's built-in fonts cover Latin-1 only, so "Øyvind" would survive but "李" would print
as "?". The export embeds a TrueType font with wide coverage (DejaVu Sans, from Debian's
`fonts-dejavu-core`) and falls back, glyph by glyph, to a CJK font (Droid Sans Fallback
from `fonts-droid-fallback`, or another listed below). Text that no installed font
covers would print as empty boxes: `missing_glyphs` finds it first, so the export says
how many names, in which scripts, and what to install. A third font, when installed,
draws the Control Pictures (␛, ␇ …) that show escaped control characters
(`core.safe_text`); without it the PDF writes those as `<U+001B>`.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from famtriage.core.errors import Conflict

_TRUETYPE = Path("/usr/share/fonts/truetype")
_OPENTYPE = Path("/usr/share/fonts/opentype")

TEXT_FONTS: tuple[tuple[Path, Path], ...] = (
    (_TRUETYPE / "dejavu/DejaVuSans.ttf", _TRUETYPE / "dejavu/DejaVuSans-Bold.ttf"),
    (_TRUETYPE / "noto/NotoSans-Regular.ttf", _TRUETYPE / "noto/NotoSans-Bold.ttf"),
    (
        _TRUETYPE / "liberation/LiberationSans-Regular.ttf",
        _TRUETYPE / "liberation/LiberationSans-Bold.ttf",
    ),
)
"""(regular, bold) pairs, best first: the font every cell is set in."""

CJK_FONTS: tuple[Path, ...] = (
    _TRUETYPE / "droid/DroidSansFallbackFull.ttf",
    _TRUETYPE / "wqy/wqy-microhei.ttc",
    _OPENTYPE / "noto/NotoSansCJK-Regular.ttc",
)
"""Fallbacks for the glyphs the text font lacks (Chinese, Japanese, Korean)."""

SYMBOL_FONTS: tuple[Path, ...] = (
    _TRUETYPE / "freefont/FreeSans.ttf",
    _TRUETYPE / "freefont/FreeMono.ttf",
)
"""Fonts with the Control Pictures block (U+2400–U+2421), from `fonts-freefont-ttf`."""
CONTROL_PICTURES = frozenset(range(0x2400, 0x2422))


INSTALL_HINT = (
    "`apt-get install fonts-dejavu-core fonts-droid-fallback fonts-freefont-ttf` (Debian, Ubuntu)"
)


@dataclass(frozen=True)
class PdfFonts:
    regular: Path
    bold: Path
    cjk: Path | None
    symbols: Path | None = None
    """Draws the Control Pictures the text fonts lack (None: none installed)."""

    @property
    def fallbacks(self) -> tuple[Path, ...]:
        return tuple(f for f in (self.cjk, self.symbols) if f is not None)

    def covered(self) -> frozenset[int]:
        """Every code point the text font or its fallbacks can draw."""
        fonts = [self.regular, *self.fallbacks]
        return frozenset().union(*(_code_points(str(f)) for f in fonts))

    @property
    def notation(self) -> str:
        """How escaped control characters print: as Control Pictures when a font has them."""
        return "pictures" if self.covered() >= CONTROL_PICTURES else "codes"


@functools.cache
def _code_points(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # fpdf2's own dependency

    with TTFont(path, lazy=True, fontNumber=0) as font:
        return frozenset(font.getBestCmap())


@dataclass(frozen=True)
class GlyphGap:
    """Text the PDF cannot draw: how many values hold it and in which scripts."""

    values: int
    scripts: tuple[str, ...]

    def message(self) -> str:
        noun = "name or email holds" if self.values == 1 else "names or emails hold"
        return (
            f"PDF: {self.values} {noun} characters no installed font covers "
            f"({', '.join(self.scripts)}); they print as empty boxes. Install a font "
            f"that covers them, e.g. {INSTALL_HINT}."
        )


def missing_glyphs(frames: list[pl.DataFrame], covered: frozenset[int]) -> GlyphGap | None:
    """The text values in `frames` holding a character `covered` lacks (None: none do).

    Only values with a character outside printable ASCII (which every text font has)
    are split into characters, so a large report costs little.
    """
    texts = [
        frame.get_column(name).alias("text")
        for frame in frames
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    ]
    if not texts:
        return None
    exotic = pl.concat(texts).to_frame().filter(pl.col("text").str.contains(r"[^\x20-\x7e]"))
    exotic = exotic.unique()
    chars = exotic.select(pl.col("text").str.split("").explode().unique())["text"].to_list()
    missing = sorted({c for c in chars if c and not c.isspace() and ord(c) not in covered})
    if not missing:
        return None
    pattern = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in missing) + "]"
    count = exotic.filter(pl.col("text").str.contains(pattern)).height
    return GlyphGap(count, tuple(sorted({_script(c) for c in missing})))


def _script(char: str) -> str:
    """The script a character belongs to, as Unicode names it ("CJK", "HANGUL"…)."""
    word = unicodedata.name(char, "").split(" ")[0]
    if not unicodedata.category(char).startswith("L") or not word:
        return "symbols"
    return word if word == "CJK" else word.capitalize()


def find_fonts() -> PdfFonts:
    """The first installed text font, and a CJK fallback if one is installed.

    Without a Unicode text font the export is refused (not printed with "?" for names).
    """
    for regular, bold in TEXT_FONTS:
        if regular.is_file():
            return PdfFonts(
                regular,
                bold if bold.is_file() else regular,
                next((p for p in CJK_FONTS if p.is_file()), None),
                next((p for p in SYMBOL_FONTS if p.is_file()), None),
            )
    raise Conflict(
        "no Unicode font for the PDF export; install one, e.g. "
        "`apt-get install fonts-dejavu-core fonts-droid-fallback`"
    )
