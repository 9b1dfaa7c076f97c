"""Ask where to save the FAM-12 report, in which format (CSV, XLSX or PDF), and whether
what the screen shows (its filter and sort: the default) or everything."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, RadioButton, RadioSet, Static

from famtriage.core.exports.frame import FORMATS
from famtriage.core.formatting import counted
from famtriage.core.safe_text import display
from famtriage.tui.widgets.text_box import TextBox

VIEW_LIMIT = 120
"""The screen's view in words is cut to this (a long filter), so the dialog fits 80×24."""


@dataclass(frozen=True)
class ExportRequest:
    """What the engineer chose: the file, its format, whether to replace it, and whether
    the whole report or only what the screen shows."""

    path: Path
    fmt: str
    force: bool
    everything: bool = False


class Choice(RadioSet):
    """A RadioSet where the arrows pick at once, and enter exports (as in the path)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.export", "Export", id="export.submit", tooltip="Write the file."),
        Binding("down,right", "pick(1)", "Next", show=False),
        Binding("up,left", "pick(-1)", "Previous", show=False),
    ]

    def action_pick(self, step: int) -> None:
        """Move to the next (1) or previous (-1) choice and choose it. (RadioSet's own
        next_button also runs on mount, so it is left as it is.)"""
        if step > 0:
            self.action_next_button()
        else:
            self.action_previous_button()
        self.action_toggle_button()


class ExportModal(ModalScreen[ExportRequest | None]):
    """Format first (←/→; the path's suffix follows it), tab to which rows (←/→), tab to
    the path, enter exports."""

    DEFAULT_CSS = """
    ExportModal { align: center middle; }
    ExportModal > Vertical {
        width: 100%; max-width: 100; height: auto;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    ExportModal #export-title { text-style: bold; }
    ExportModal #export-hint { color: $text-muted; padding-bottom: 1; }
    ExportModal Choice { layout: horizontal; width: 100%; }
    ExportModal #rows-hint { color: $text-muted; }
    ExportModal Horizontal { height: auto; align-horizontal: right; }
    ExportModal Button { margin-left: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "cancel",
            "Cancel",
            id="export.cancel",
            tooltip="Close without writing anything.",
        ),
    ]

    def __init__(self, default: Path, view: str, total: int, what: str = "report") -> None:
        """`view`: what the screen shows, in words (`GroupView.describe`); `total`: the
        report's groups; `what`: the list exported, as the title names it."""
        super().__init__()
        self.what = what
        self.default = default
        self.view = view
        self.total = total

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Export the {self.what}", id="export-title", markup=False)
            yield Static(
                "←/→ choose the format · tab moves on · enter exports · esc cancels",
                id="export-hint",
            )
            with Choice(id="format"):
                for fmt in FORMATS:
                    yield RadioButton(fmt.upper(), value=fmt == "csv", name=fmt)
            with Choice(id="rows"):
                yield RadioButton("What the screen shows", value=True, name="shown")
                yield RadioButton(f"Everything ({counted(self.total, 'group')})", name="everything")
            shown = display(self.view, VIEW_LIMIT)
            yield Static(f"The screen shows: {shown}.", id="rows-hint", markup=False)
            yield TextBox(str(self.default), id="path", placeholder="File to write")
            yield Checkbox("Replace the file if it exists", id="force")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Export", variant="primary", id="export")

    def on_mount(self) -> None:
        self.query_one("#format", RadioSet).focus()

    @on(RadioSet.Changed, "#format")
    def _format_changed(self, event: RadioSet.Changed) -> None:
        box = self.query_one("#path", Input)
        box.value = str(Path(box.value or self.default).with_suffix(f".{self._format}"))

    @property
    def _format(self) -> str:
        pressed = self.query_one("#format", RadioSet).pressed_button
        return pressed.name if pressed is not None and pressed.name else FORMATS[0]

    @property
    def _everything(self) -> bool:
        pressed = self.query_one("#rows", RadioSet).pressed_button
        return pressed is not None and pressed.name == "everything"

    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#export")
    def action_export(self) -> None:
        value = self.query_one("#path", Input).value.strip()
        if not value:
            self.notify("Type the file to write.", severity="warning")
            return
        self.dismiss(
            ExportRequest(
                Path(value).expanduser().absolute(),
                self._format,
                self.query_one("#force", Checkbox).value,
                self._everything,
            )
        )

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
