"""PDF tests need a Unicode font from the machine: skip with the reason when it lacks one."""

from __future__ import annotations

import pytest

from famtriage.core.errors import Conflict
from famtriage.core.exports.fonts import PdfFonts, find_fonts


def installed_fonts(*, cjk: bool = False) -> PdfFonts:
    """The machine's PDF fonts, or skip: a fresh machine may have no CJK font (or none)."""
    try:
        fonts = find_fonts()
    except Conflict as exc:
        pytest.skip(f"no Unicode text font installed: {exc}")
    if cjk and fonts.cjk is None:
        pytest.skip("no CJK font installed (.ci/run installs fonts-droid-fallback)")
    return fonts
