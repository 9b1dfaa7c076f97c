"""A modal that tells the engineer something went wrong or is not allowed, and why."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from famtriage.core.formatting import sentence
from famtriage.core.safe_text import display


class NoticeModal(ModalScreen[None]):
    """Title and message as plain text, each one paragraph, escaped (messages may quote
    customer data: a line feed in one shows as ␊); the message as a sentence."""

    DEFAULT_CSS = """
    NoticeModal { align: center middle; }
    NoticeModal > Vertical {
        width: 100%; max-width: 100; height: auto; max-height: 90%;
        border: thick $error; background: $surface; padding: 1 2;
    }
    NoticeModal #notice-title { text-style: bold; margin-bottom: 1; }
    NoticeModal Button { margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "close", "Close", id="notice.close", tooltip="Close this message."),
    ]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(display(self.title_text), id="notice-title", markup=False)
            yield Static(display(sentence(self.message)), id="notice-message", markup=False)
            yield Button("OK", variant="primary", id="notice-ok")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
