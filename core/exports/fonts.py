"""Unicode fonts for the PDF export, found on the machine: nothing downloads at run time.

A PDF's built-in fonts cover Latin-1 only, so "Øyvind" would survive but "李" would print
as "?". The export embeds a TrueType font with wide coverage (DejaVu Sans, from Debian's
`fonts-dejavu-core`) and falls back, glyph by glyph, to a CJK font (Droid Sans Fallback
from `fonts-droid-fallback`, or another listed below). `.ci/run` and the README install
both packages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class PdfFonts:
    regular: Path
    bold: Path
    cjk: Path | None


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
            )
    raise Conflict(
        "no Unicode font for the PDF export; install one, e.g. "
        "`apt-get install fonts-dejavu-core fonts-droid-fallback`"
    )
