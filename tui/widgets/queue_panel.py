"""What the resolution queue shows of one group: where it is, progress, the status line,
the recommendation and why, the families side by side, and a message.

Everything shown comes from core's `QueueView`; customer values are escaped
(`core.safe_text.display`) and never read as markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from famtriage.core.actions.queue import QueueView
from famtriage.core.actions.queue_progress import FILTER_NAMES, remaining
from famtriage.core.formatting import sentence
from famtriage.core.report.view import kind_heading
from famtriage.core.safe_text import HEADING_LIMIT, display
from famtriage.tui.widgets.family_columns import FamilyColumns
from famtriage.tui.widgets.key_notice import KeyNotice


def heading(view: QueueView) -> Text:
    """ "Group 3 of 37,895 · Organization · email", with what the engineer should know."""
    title = view.position.capitalize()
    if view.only != "all" and view.group is not None:
        title += f" (only {FILTER_NAMES[view.only]})"
    group = view.group
    if group is not None:
        org, email = (display(v, HEADING_LIMIT) for v in (group.org_name, group.email))
        title += f" · {org} · {email}"
        if not group.email_valid:
            title += " (not a valid address)"
        if view.is_skipped:
            title += " · skipped earlier"
    return Text(title, style="bold")


class QueuePanel(Vertical):
    """The queue's lines and columns; `show` draws a view, `say` writes the message."""

    DEFAULT_CSS = "QueuePanel { height: 1fr; }"

    def compose(self) -> ComposeResult:
        yield Static("Opening the queue…", id="queue-position", markup=False)
        yield Static("", id="queue-progress", markup=False)
        yield KeyNotice(id="queue-status")
        yield Static("", id="queue-reason", markup=False)
        yield Static("", id="queue-lookalikes", markup=False)
        yield FamilyColumns(id="queue-families")
        yield Static("", id="queue-message", markup=False)

    @property
    def notice(self) -> KeyNotice:
        return self.query_one("#queue-status", KeyNotice)

    @property
    def columns(self) -> FamilyColumns:
        return self.query_one("#queue-families", FamilyColumns)

    async def show(self, view: QueueView, selected: int, note: str, error: bool) -> None:
        group = view.group
        with self.app.batch_update():
            self.query_one("#queue-position", Static).update(heading(view))
            skipped = f" · {len(view.skipped):,} skipped" if view.skipped else ""
            self.query_one("#queue-progress", Static).update(view.progress.text + skipped)
            self.columns.display = group is not None
            reason = self.query_one("#queue-reason", Static)
            if group is None:
                groups = view.report.groups if view.report is not None else None
                reason.update(remaining(view.progress, view.only, groups).text)
            else:
                action = group.action.replace("_", " ").upper()
                reason.update(
                    Text.assemble(
                        (f"{kind_heading(group.kind)} · {action}: ", "bold"), display(group.reason)
                    )
                )
                await self.columns.show(group, selected)
            looks = self.query_one("#queue-lookalikes", Static)
            sets = group.lookalikes if group is not None else ()
            looks.display = bool(sets)
            looks.update("\n".join(display(s.text) for s in sets))  # possibly the same person
            self.say(note, error)

    def say(self, note: str, error: bool = False) -> None:
        """The line under the families, as a sentence; it may quote customer data
        (escaped)."""
        box = self.query_one("#queue-message", Static)
        box.set_class(error, "-error")
        box.update(display(sentence(note)))
