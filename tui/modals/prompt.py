"""One line of input checked as the engineer types (the check itself lives in core)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from famtriage.core.errors import FamtriageError
from famtriage.core.formatting import sentence
from famtriage.core.safe_text import display
from famtriage.tui.widgets.text_box import TextBox

Check = Callable[[str], "str | None"]
"""Returns why the text cannot be used, or None."""


class PromptModal(ModalScreen[str | None]):
    """Answers the typed text on Enter when `check` finds no problem; Esc cancels.

    The check runs in a thread worker (it may query the store) and its answer is shown
    under the box, as plain text, escaped (it may quote customer data).
    """

    DEFAULT_CSS = """
    PromptModal { align: center middle; }
    PromptModal > Vertical {
        width: 100%; max-width: 100; height: auto;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    PromptModal #prompt-title { text-style: bold; }
    PromptModal #prompt-problem { color: $error; height: auto; min-height: 1; }
    PromptModal #prompt-hint { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "cancel", "Cancel", id="prompt.cancel", tooltip="Close: nothing changes."
        ),
    ]

    def __init__(self, title: str, hint: str, check: Check, value: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.check = check
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(display(self.title_text), id="prompt-title", markup=False)
            yield TextBox(self.value, id="prompt-input")
            yield Static("", id="prompt-problem", markup=False)
            yield Static(display(self.hint), id="prompt-hint", markup=False)

    @on(Input.Changed, "#prompt-input")
    def _changed(self, event: Input.Changed) -> None:
        self.run_check(event.value, submit=False)

    @on(Input.Submitted, "#prompt-input")
    def _submitted(self, event: Input.Submitted) -> None:
        self.run_check(event.value, submit=True)

    @work(thread=True, exclusive=True, exit_on_error=False, group="prompt-check")
    def run_check(self, text: str, submit: bool) -> None:
        try:
            problem = self.check(text)
        except FamtriageError as exc:  # a refusal (permission) is a problem to show
            problem = str(exc)
        self.app.call_from_thread(self._show, text, problem, submit)

    def _show(self, text: str, problem: str | None, submit: bool) -> None:
        if not self.is_attached:
            return
        self.query_one("#prompt-problem", Static).update(display(sentence(problem or "")))
        if submit and problem is None:
            self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
