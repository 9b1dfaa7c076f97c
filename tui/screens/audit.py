"""The audit log: who did what, newest first; open an entry to see its rows, undo it."""

from __future__ import annotations

from typing import ClassVar

import polars as pl
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Static

from famtriage.core.actions.audit import AuditEntry, audit_entries
from famtriage.core.actions.audit_view import payload_summary
from famtriage.core.actions.undo import undo, undo_refusal
from famtriage.core.errors import Conflict, NotFound
from famtriage.core.formatting import counted, sentence
from famtriage.core.safe_text import display
from famtriage.tui.messages import ActionDone, AuditListed
from famtriage.tui.modals.audit_entry import AuditEntryModal
from famtriage.tui.modals.confirm import ConfirmModal
from famtriage.tui.screens.base import AppScreen
from famtriage.tui.widgets.frame_table import Column, FrameTable

AUDIT_COLUMNS = [
    Column("_id", "#", right=True),
    Column("_at", "At (UTC)", max_width=16),
    Column("staff", "By", max_width=16),
    Column("action", "Action", max_width=12),
    Column("summary", "Summary", flex=True, wrap=True),
    Column("_undone", "Undone", max_width=10),
]


class AuditScreen(AppScreen):
    """Every audited action the acting staff member may see; Enter opens, u undoes."""

    CSS_PATH = "audit.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "u",
            "undo",
            "Undo",
            id="audit.undo",
            tooltip="Undo the highlighted action (asks first; says why if it can't).",
        ),
    ]

    def __init__(self, entry: int | None = None) -> None:
        """The log, newest first; `entry`: open at that entry, its changes shown (the
        family screen's way to the action that made a tombstone)."""
        super().__init__()
        self.entries: dict[int, AuditEntry] = {}
        self.wanted = entry

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the audit log…", id="audit-status", markup=False)
        yield FrameTable(AUDIT_COLUMNS, id="entries", empty_text="No action recorded yet.")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Audit log"
        self.query_one("#entries", FrameTable).focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="audit")
    def load(self) -> None:
        self.post_message(AuditListed(audit_entries(self.ctx)))

    def on_audit_listed(self, message: AuditListed) -> None:
        table = self.query_one("#entries", FrameTable)
        current = self._current()
        self.entries = {e.audit_id: e for e in message.entries}
        ids = [e.audit_id for e in message.entries]
        kept = current.audit_id if current is not None else self.wanted
        cursor = ids.index(kept) if kept in ids else table.cursor_row  # newer rows above
        table.show(_entry_rows(message.entries), cursor=cursor)
        self.query_one("#audit-status", Static).update(
            f"{counted(len(message.entries), 'entry', 'entries')}, newest first. "
            "Enter shows what changed."
        )
        wanted, self.wanted = self.wanted, None
        if wanted in ids:
            self._open()
        elif wanted is not None:
            self.famtriage.show_error(NotFound(f"no audit entry #{wanted} you may see"))

    def _current(self) -> AuditEntry | None:
        row = self.query_one("#entries", FrameTable).current_row()
        return self.entries.get(row["audit_id"]) if row else None

    @on(FrameTable.Selected, "#entries")
    def _open(self) -> None:
        entry = self._current()
        if entry is None:
            return
        refusal = undo_refusal(self.ctx, entry.audit_id)
        modal = AuditEntryModal(entry, payload_summary(self.ctx, entry.audit_id), refusal)
        self.app.push_screen(modal, lambda wants_undo: self._confirm(entry) if wants_undo else None)

    def action_undo(self) -> None:
        entry = self._current()
        if entry is None:
            return
        refusal = undo_refusal(self.ctx, entry.audit_id)
        if refusal is not None:
            self.famtriage.show_error(Conflict(refusal))
            return
        self._confirm(entry)

    def _confirm(self, entry: AuditEntry) -> None:
        question = f"Undo #{entry.audit_id} ({entry.action})?"
        detail = (
            f"{display(sentence(entry.summary))}\n"
            "Everything it changed is restored, and the undo is audited."
        )
        self.app.push_screen(
            ConfirmModal(question, detail),
            lambda yes: self.run_undo(entry.audit_id) if yes else None,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="undo")
    def run_undo(self, audit_id: int) -> None:
        self.post_message(ActionDone(undo(self.ctx, audit_id)))

    def on_action_done(self, message: ActionDone) -> None:
        self.notify(message.result.summary, title="Undone", markup=False)
        self.famtriage.wrote()
        self.load()


def _entry_rows(entries: list[AuditEntry]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "audit_id": [e.audit_id for e in entries],
            "_id": [str(e.audit_id) for e in entries],
            "_at": [e.at.strftime("%Y-%m-%d %H:%M") for e in entries],
            "staff": [e.staff for e in entries],
            "action": [e.action for e in entries],
            "summary": [e.summary for e in entries],
            "_undone": [f"by #{e.undone_by}" if e.undone else "" for e in entries],
        },
        schema={"audit_id": pl.Int64, **dict.fromkeys([c.key for c in AUDIT_COLUMNS], pl.String)},
    )
