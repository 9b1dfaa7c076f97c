"""The app's last line of defence: no control or bidi character in a rendered line reaches
the terminal.

Every screen escapes customer text before layout (`core.safe_text`: tables in bulk,
other widgets value by value), so this filter should never find anything. If a path
forgets, the line is escaped here instead (then cropped to the width laid out, as the
stand-ins are wider than the zero-width characters they replace) and `caught` counts
it; the tests require it to stay 0.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from famtriage.core.safe_text import escape, has_escaped


class ControlGuard(LineFilter):
    """Escapes what a widget let through in the text of a line's segments."""

    def __init__(self) -> None:
        super().__init__()
        self.caught = 0
        """Lines that held a character the screens should have escaped."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if not any(not s.control and has_escaped(s.text) for s in segments):
            return segments
        self.caught += 1
        width = Segment.get_line_length(segments)
        shown = [s if s.control else Segment(escape(s.text), s.style) for s in segments]
        return Segment.adjust_line_length(shown, width)
