"""Bindings shared by several screens, declared once with ids and tooltips.

The footer, the help screen and the command palette all read these declarations, so
a key is described in exactly one place.
"""

from __future__ import annotations

from textual.binding import Binding

BACK = Binding(
    "escape", "back", "Back", id="nav.back", tooltip="Close this screen and go back."
)
HELP = Binding(
    "question_mark,f1", "app.help", "Help", key_display="?", id="app.help",
    tooltip="Show every key of this screen.",
)
QUIT = Binding("q", "app.quit", "Quit", id="app.quit", tooltip="Leave famtriage.")
PALETTE_HINT = "ctrl+p opens the command palette: every screen and action by name."
