"""The first screen: who is acting, and how far each organization is from login-ready."""

from __future__ import annotations

from typing import ClassVar

import polars as pl
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, ProgressBar, Static

from famtriage.core.access.views import can_view, require_view
from famtriage.core.errors import PermissionDenied
from famtriage.core.formatting import counted, sentence
from famtriage.core.report.readiness import OrgReadiness, readiness
from famtriage.core.safe_text import HEADING_LIMIT, display
from famtriage.core.tasks import list_tasks
from famtriage.tui.keys import PALETTE_HINT
from famtriage.tui.messages import ReadinessReady, Rebuilding, TasksListed
from famtriage.tui.screens.base import AppScreen
from famtriage.tui.screens.tasks import TASK_COLUMNS, task_rows
from famtriage.tui.widgets.frame_table import Column, FrameTable

RECENT_TASKS = 5
ORG_COLUMNS = [
    Column("org", "Org", right=True),
    Column("name", "Organization", flex=True, wrap=True),
    Column("families", "Families", right=True),
    Column("left", "Groups left", right=True),
    Column("merge", "Merge", right=True),
    Column("delete", "Delete", right=True),
    Column("review", "Review", right=True),
    Column("ready", "Login-ready", max_width=14),
]


class DashboardScreen(AppScreen):
    """Organizations with their FAM-12 groups left and login-readiness."""

    CSS_PATH = "dashboard.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "r",
            "app.open('report')",
            "Report",
            id="dashboard.report",
            tooltip="Open the FAM-12 report: families sharing a primary login email.",
        ),
        Binding(
            "slash",
            "app.open('search')",
            "Search",
            key_display="/",
            id="dashboard.search",
            tooltip="Search families by email, or part of one.",
        ),
        Binding(
            "w",
            "app.open('queue')",
            "Work queue",
            id="dashboard.queue",
            tooltip="Resolve FAM-12 groups one at a time, starting with the first left.",
        ),
        Binding(
            "t",
            "app.open('tasks')",
            "Tasks",
            id="dashboard.tasks",
            tooltip="Open the background tasks: running and finished FAM-12 reports.",
        ),
        Binding(
            "a",
            "app.open('audit')",
            "Audit",
            id="dashboard.audit",
            tooltip="Open the audit log: who did what; undo from there.",
        ),
    ]

    def compose(self) -> ComposeResult:
        actor = self.ctx.actor
        yield Header()
        yield Static(
            f"Acting as {display(actor.label, HEADING_LIMIT)} · "
            f"group {display(actor.user_group, HEADING_LIMIT)}",
            id="actor",
            markup=False,
        )
        yield Static("Organizations", id="orgs-title")
        yield FrameTable(
            ORG_COLUMNS, id="orgs", selectable=False, empty_text="Computing login-readiness…"
        )
        yield ProgressBar(show_eta=False, id="orgs-progress")
        yield Static("", id="orgs-note", markup=False)
        yield Static("Recent report tasks", id="recent-title")
        yield FrameTable(
            TASK_COLUMNS, id="recent", selectable=False, empty_text="No report has run yet."
        )
        yield Static(
            "w works through the queue · r report · / search by email · t tasks · a audit log\n"
            "? lists every key · " + PALETTE_HINT,
            id="start",
            markup=False,
        )
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Dashboard"
        try:
            require_view(self.ctx.actor, "readiness")
        except PermissionDenied as exc:
            for hidden in ("#orgs", "#recent", "#recent-title"):
                self.query_one(hidden).display = False
            self.query_one("#orgs-note", Static).update(
                display(sentence(f"Login-readiness needs the FAM-12 permission: {exc}"))
            )

    def on_screen_resume(self) -> None:
        """Shown, or back from another screen: an undo may have changed the counts."""
        if can_view(self.ctx.actor, "readiness"):
            self.load_readiness()

    @work(thread=True, exclusive=True, exit_on_error=False, group="readiness")
    def load_readiness(self) -> None:
        """Readiness off the UI thread; a snapshot rebuilt on the way (a new or lost one:
        seconds on a million families) shows its progress."""
        tasks = list_tasks(self.ctx)
        self.post_message(TasksListed(tasks[:RECENT_TASKS]))
        orgs = readiness(self.ctx, lambda done, total: self.post_message(Rebuilding(done, total)))
        self.post_message(ReadinessReady(orgs))

    def on_rebuilding(self, message: Rebuilding) -> None:
        bar = self.query_one("#orgs-progress", ProgressBar)
        bar.display = message.done < message.total
        bar.update(total=message.total, progress=message.done)
        self.query_one("#orgs-note", Static).update(
            "Reading the store (the snapshot beside it is built anew)…"
        )

    def on_tasks_listed(self, message: TasksListed) -> None:
        self.query_one("#recent", FrameTable).show(task_rows(message.tasks))

    def on_readiness_ready(self, message: ReadinessReady) -> None:
        self.query_one("#orgs-progress", ProgressBar).display = False
        table = self.query_one("#orgs", FrameTable)
        table.empty_text = self.ctx.empty_hint() or "No organization is in view."
        table.show(_org_rows(message.orgs))
        ready = sum(o.ready for o in message.orgs)
        self.query_one("#orgs-note", Static).update(
            f"{ready:,} of {counted(len(message.orgs), 'organization')} login-ready. "
            "Login-ready: no login email (on any guardian) is shared by two guardians."
        )
        table.focus()


def _org_rows(orgs: list[OrgReadiness]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "org": [str(o.org_id) for o in orgs],
            "name": [o.name for o in orgs],
            "families": [f"{o.families:,}" for o in orgs],
            "left": [f"{o.groups_left:,}" for o in orgs],
            "merge": [f"{o.by_action.get('merge', 0):,}" for o in orgs],
            "delete": [f"{o.by_action.get('delete', 0):,}" for o in orgs],
            "review": [f"{o.by_action.get('review', 0):,}" for o in orgs],
            "ready": ["yes" if o.ready else f"no ({o.login_conflicts:,} shared)" for o in orgs],
        },
        schema=dict.fromkeys([c.key for c in ORG_COLUMNS], pl.String),
    )
