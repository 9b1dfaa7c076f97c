"""Yes/no before anything destructive: the safe choice has focus, y/Enter confirm."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmModal(ModalScreen[bool]):
    """States exactly what will happen (plain text: it quotes customer data) and answers
    True only for an explicit yes. The keys are priority bindings so Enter confirms
    even though the Cancel button, the safe choice, holds the focus."""

    DEFAULT_CSS = """
    ConfirmModal { align: center middle; }
    ConfirmModal > Vertical {
        width: 76; max-width: 96%; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 0 1;
    }
    ConfirmModal #confirm-title { text-style: bold; }
    ConfirmModal #confirm-message { margin: 1 0; }
    ConfirmModal Horizontal { height: auto; align-horizontal: right; }
    ConfirmModal Button { margin-left: 2; min-width: 14; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "y,enter",
            "answer(True)",
            "Yes",
            id="confirm.yes",
            priority=True,
            tooltip="Do it, exactly as stated.",
        ),
        Binding(
            "n,escape",
            "answer(False)",
            "No",
            id="confirm.no",
            priority=True,
            tooltip="Cancel: nothing changes.",
        ),
    ]

    def __init__(self, title: str, message: str, confirm_label: str = "Yes (y)") -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, id="confirm-title", markup=False)
            yield Static(self.message, id="confirm-message", markup=False)
            with Horizontal():
                yield Button("Cancel (n)", id="confirm-no")
                yield Button(self.confirm_label, variant="warning", id="confirm-yes")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
