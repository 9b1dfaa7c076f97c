"""The queue's confirmation: the app's yes/no, where Enter also says yes.

The queue's fast path is two keys per group (`A`, then `y` or Enter), so Enter
confirms here even though No, the safe choice, holds the focus; `n`/Esc cancel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.binding import Binding, BindingType

from famtriage.tui.modals.confirm import ConfirmModal


class QueueConfirmModal(ConfirmModal):
    """ConfirmModal plus Enter as yes (a priority key, so the focused No button does not
    take it). `answered` hears the answer the moment it is given, before the dialog is
    taken down (a callback of `push_screen` would hear it after the screen below was
    drawn again): the action starts while the screen redraws."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "answer(True)",
            "Yes",
            id="queue-confirm.yes",
            priority=True,
            tooltip="Do it, exactly as stated.",
        ),
    ]

    def __init__(self, question: str, detail: str, answered: Callable[[bool], None]) -> None:
        super().__init__(question, detail)
        self.answered = answered

    def _answer(self, yes: bool) -> None:
        self.answered(yes)
        super()._answer(yes)
