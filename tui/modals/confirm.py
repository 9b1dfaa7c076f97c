"""A yes/no question before anything that changes the store; No has the focus.

Only a key pressed while the question is on screen answers it: a key typed ahead (a `y`
pressed before the question was drawn) is ignored, and the dialog says so.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from famtriage.core.safe_text import display, display_lines
from famtriage.tui.keys import key_clock
from famtriage.tui.widgets.key_notice import KeyNotice


class ConfirmModal(ModalScreen[bool]):
    """Dismisses with True only on y or the Yes button. The question and its detail may
    quote customer data: shown as plain text, escaped (the detail line by line). The
    dialog takes the window's width (up to 100 columns), so a detail wraps as little as
    the terminal allows."""

    DEFAULT_CSS = """
    ConfirmModal { align: center middle; }
    ConfirmModal > Vertical {
        width: 100%; max-width: 100; height: auto; max-height: 100%;
        border: thick $warning; background: $surface; padding: 1 2;
    }
    ConfirmModal #confirm-question { text-style: bold; }
    ConfirmModal #confirm-scroll { height: auto; max-height: 60vh; }
    ConfirmModal Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    ConfirmModal Button { margin-left: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Go ahead."),
        Binding(
            "n,escape",
            "answer(False)",
            "No",
            key_display="n",
            id="confirm.no",
            tooltip="Change nothing.",
        ),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.shown_at: float | None = None
        """When the question was first drawn (on the clock key events carry)."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(display(self.question), id="confirm-question", markup=False)
            if self.detail:  # a long one scrolls: the buttons always show
                with VerticalScroll(id="confirm-scroll", can_focus=False):
                    yield Static(display_lines(self.detail), id="confirm-detail", markup=False)
            yield KeyNotice(id="confirm-ignored")
            with Horizontal():
                yield Button("Yes (y)", variant="warning", id="yes")
                yield Button("No (n)", variant="primary", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()
        self.call_after_refresh(self._drawn)

    def _drawn(self) -> None:
        self.shown_at = key_clock()

    def admit_key(self, event: events.Key, *, bubbled: bool) -> bool:
        """A key typed before the question was drawn answers nothing (`tui/keys.KeyGate`)."""
        if event.key == "ctrl+q" or (self.shown_at is not None and event.time >= self.shown_at):
            return True
        self.query_one("#confirm-ignored", KeyNotice).dropped(
            event, "pressed before this question was shown; press again to answer it"
        )
        return False

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self._answer(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self._answer(yes)

    def _answer(self, yes: bool) -> None:
        self.dismiss(yes)
