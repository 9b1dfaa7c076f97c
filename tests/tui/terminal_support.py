"""What the app writes to a terminal, kept for the tests to read.

`app.run_test()` normally uses Textual's headless driver, which renders nothing. The
recording driver is headless too (no real terminal) but says it is not, so the app
renders every frame and writes it as it would over SSH; the test then reads the bytes.
"""

from __future__ import annotations

import re

from hostile_support import assert_clean_text
from textual.drivers.headless_driver import HeadlessDriver

from famtriage.core.safe_text import has_escaped
from famtriage.tui.app import FamtriageApp

OWN_SEQUENCES = re.compile(
    r"\x1b\[[0-9;]*m"  # colours (SGR)
    r"|\x1b\[\d+;\d+H"  # cursor moves
    r"|\x1b\[\?\d+[hl]"  # modes: synchronized output, cursor shown/hidden
    r"|\x1b\]22;[a-z-]+\x07"  # pointer shape (OSC 22)
)
"""The escape sequences Textual writes itself; customer data may hold none of them raw
(the payload's own `ESC [ 31 m` is followed by U+202E, which no pattern here takes)."""


class RecordingDriver(HeadlessDriver):
    """A headless driver that keeps what the app writes."""

    written: list[str]

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        self.written.append(data)

    def flush(self) -> None:
        pass


def recording(app: FamtriageApp) -> list[str]:
    """Make `app` (before `run_test(headless=False)`) write to a list, which is returned.

    The app's own guard is switched off, so what is checked is what the screens show."""
    written: list[str] = []
    app.driver_class = type("Recording", (RecordingDriver,), {"written": written})
    app.guard.enabled = False
    return written


def check_terminal(app: FamtriageApp, written: list[str]) -> None:
    """Nothing raw on screen now, nor in anything written to the terminal so far.

    Every segment of every line of the current screen (the rendered text, header,
    footer, dialogs and notifications included) holds no control or bidi character,
    and the byte stream holds none besides Textual's own sequences.
    """
    for y, strip in enumerate(app.screen._compositor.render_strips()):
        for segment in strip:
            if not segment.control:
                assert not has_escaped(segment.text), f"line {y}: {segment.text!r}"
    stream = "".join(written)
    assert stream, "nothing was written: is the driver recording?"
    assert_clean_text(OWN_SEQUENCES.sub("", stream))
