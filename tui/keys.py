"""Bindings shared by several screens, declared once with ids and tooltips.

The footer, the help screen and the command palette all read these declarations, so
a key is described in exactly one place.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from textual import _time, events
from textual.binding import Binding

BACK = Binding("escape", "back", "Back", id="nav.back", tooltip="Close this screen and go back.")
HELP = Binding(
    "question_mark,f1",
    "app.help",
    "Help",
    key_display="?",
    id="app.help",
    tooltip="Show every key of this screen.",
)
QUIT = Binding("q", "app.quit", "Quit", id="app.quit", tooltip="Leave famtriage.")
PALETTE_HINT = "ctrl+p opens the command palette: every screen and action by name."


@runtime_checkable
class KeyGate(Protocol):
    """A screen that decides whether a key may apply now; a key it refuses is dropped
    (the screen says so, `widgets/key_notice.py`). The app asks the active screen twice
    for every key: as it arrives, before the priority bindings (`bubbled` False), and
    once the keys typed before it have run their actions, before the other bindings
    (`bubbled` True)."""

    def admit_key(self, event: events.Key, *, bubbled: bool) -> bool: ...


def key_clock() -> float:
    """Now, on the clock Textual stamps each key event with (`events.Key.time`)."""
    return _time.get_time()
