"""Ask where to save the FAM-12 report and in which format (CSV, XLSX or PDF)."""

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
from famtriage.tui.widgets.text_box import TextBox


@dataclass(frozen=True)
class ExportRequest:
    """What the engineer chose: the file, its format, and whether to replace it."""

    path: Path
    fmt: str
    force: bool


class FormatChoice(RadioSet):
    """A RadioSet where ←/→ pick the format at once, and enter exports (as in the path)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.export", "Export", id="export.submit", tooltip="Write the file."),
    ]

    def action_next_button(self) -> None:
        super().action_next_button()
        self.action_toggle_button()

    def action_previous_button(self) -> None:
        super().action_previous_button()
        self.action_toggle_button()


class ExportModal(ModalScreen[ExportRequest | None]):
    """Format first (←/→; the path's suffix follows it), tab to the path, enter exports."""

    DEFAULT_CSS = """
    ExportModal { align: center middle; }
    ExportModal > Vertical {
        width: 100%; max-width: 100; height: auto;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    ExportModal #export-title { text-style: bold; }
    ExportModal #export-hint { color: $text-muted; padding-bottom: 1; }
    ExportModal FormatChoice { layout: horizontal; width: 100%; }
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

    def __init__(self, default: Path) -> None:
        super().__init__()
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Export the FAM-12 report", id="export-title")
            yield Static(
                "←/→ choose the format · tab moves to the file · enter exports · esc cancels",
                id="export-hint",
            )
            with FormatChoice(id="format"):
                for fmt in FORMATS:
                    yield RadioButton(fmt.upper(), value=fmt == "csv", name=fmt)
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
        return pressed.name if pressed is not None and pressed.name else "csv"

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
            )
        )

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
