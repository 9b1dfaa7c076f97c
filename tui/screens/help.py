"""Help: every key of the screen underneath, read from its bindings.

Nothing here is written by hand: the keys, names and explanations are the same
Binding declarations the footer and the command palette show.
"""

from __future__ import annotations

from typing import ClassVar

import polars as pl
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from famtriage.tui.keys import PALETTE_HINT
from famtriage.tui.widgets.frame_table import Column, FrameTable

KEY_COLUMNS = [
    Column("key", "Key", max_width=14),
    Column("name", "Does", max_width=14),
    Column("why", "", flex=True),
]


def binding_rows(screen: Screen) -> pl.DataFrame:
    """One row per distinct action bound on `screen` (keys for one action are joined).

    Only bindings declared with an id are listed: those are famtriage's own keys;
    Textual's built-in focus and copy keys stay out of the way.
    """
    app = screen.app
    seen: dict[tuple[int, str], dict[str, str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.system or binding.id is None:
            continue
        slot = (id(active.node), binding.action)
        shown = app.get_key_display(binding.with_key(key))
        if slot in seen:
            if shown not in seen[slot]["key"].split(" / "):
                seen[slot]["key"] += f" / {shown}"
            continue
        seen[slot] = {
            "key": shown,
            "name": binding.description,
            "why": binding.tooltip or binding.description,
        }
    return pl.DataFrame(
        list(seen.values()), schema=dict.fromkeys(("key", "name", "why"), pl.String)
    )


class HelpScreen(ModalScreen[None]):
    """The keys of the screen underneath; escape or ? closes it."""

    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,question_mark,f1",
            "close",
            "Close help",
            key_display="esc",
            id="help.close",
            tooltip="Close help.",
        ),
    ]

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.for_screen = screen

    def compose(self) -> ComposeResult:
        title = self.for_screen.sub_title or type(self.for_screen).__name__
        with Vertical():
            yield Static(f"Keys on {title}", id="help-title", markup=False)
            yield FrameTable(KEY_COLUMNS, id="help-keys", selectable=False)
            yield Static(PALETTE_HINT, id="help-foot", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#help-keys", FrameTable)
        table.show(binding_rows(self.for_screen))
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
