"""One audit entry opened: its summary and every row it changed, before → after."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from famtriage.core.actions.audit import AuditEntry
from famtriage.core.actions.audit_view import PayloadSummary
from famtriage.core.formatting import sentence
from famtriage.core.safe_text import HEADING_LIMIT, display


class AuditEntryModal(ModalScreen[bool]):
    """Dismisses with True when the engineer asks to undo the entry (u). Summary, staff
    name and row images are customer data: each shown escaped, as plain text."""

    DEFAULT_CSS = """
    AuditEntryModal { align: center middle; }
    AuditEntryModal > Vertical {
        width: 90%; height: 90%; border: thick $primary; background: $surface; padding: 0 1;
    }
    AuditEntryModal #entry-title { text-style: bold; }
    AuditEntryModal #entry-summary { padding-bottom: 1; }
    AuditEntryModal #entry-undo { color: $text-muted; padding-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,enter",
            "close",
            "Close",
            key_display="esc",
            id="entry.close",
            tooltip="Close this entry.",
        ),
        Binding(
            "u",
            "undo",
            "Undo",
            id="entry.undo",
            tooltip="Undo this action (asks first; refused with the reason if it can't).",
        ),
    ]

    def __init__(self, entry: AuditEntry, payload: PayloadSummary, refusal: str | None) -> None:
        super().__init__()
        self.entry = entry
        self.payload = payload
        self.refusal = refusal

    def compose(self) -> ComposeResult:
        e = self.entry
        with Vertical():
            yield Static(
                f"#{e.audit_id} {e.action} by {display(e.staff, HEADING_LIMIT)} "
                f"at {e.at:%Y-%m-%d %H:%M} UTC",
                id="entry-title",
                markup=False,
            )
            yield Static(display(sentence(e.summary)), id="entry-summary", markup=False)
            with VerticalScroll(id="entry-rows"):
                yield Static(
                    "\n".join(display(line) for line in self.payload.lines) or "(no row images)",
                    id="entry-lines",
                    markup=False,
                )
            refusal = self.refusal
            undo = "u undoes it." if refusal is None else f"Undo: {display(sentence(refusal))}"
            yield Static(undo, id="entry-undo", markup=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.refusal is None if action == "undo" else True

    def action_close(self) -> None:
        self.dismiss(False)

    def action_undo(self) -> None:
        self.dismiss(True)
