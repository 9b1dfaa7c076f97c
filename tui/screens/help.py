"""Help: every key of the screen underneath, read from its bindings.

Nothing here is written by hand: the keys, names and explanations are the same
Binding declarations the footer and the command palette show.
"""

from __future__ import annotations

from typing import ClassVar

import polars as pl
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from famtriage.tui.keys import PALETTE_HINT


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


def _key_table(rows: pl.DataFrame) -> Table:
    """The keys as a table whose explanations wrap to the window (nothing is cut at 80
    columns). Every cell is famtriage's own text, set as plain Text."""
    table = Table(box=None, expand=True, show_edge=False, pad_edge=False)
    table.add_column("Key", no_wrap=True, style="bold")
    table.add_column("Does", no_wrap=True)
    table.add_column("", ratio=1)
    for key, name, why in rows.select("key", "name", "why").iter_rows():
        table.add_row(Text(key), Text(name), Text(why))
    return table


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
            with VerticalScroll(id="help-scroll"):
                yield Static(_key_table(binding_rows(self.for_screen)), id="help-keys")
            yield Static(PALETTE_HINT, id="help-foot", markup=False)

    def on_mount(self) -> None:
        self.query_one("#help-scroll", VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
