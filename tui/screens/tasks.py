"""Background FAM-12 tasks: running and finished, with progress; open a result. Exports
to a file (from the app or the CLI) are listed too, by their format.

The list is read from core.tasks (results stored under the user data dir), so it shows
tasks from the CLI and from earlier sessions too. While one runs, it refreshes itself.
"""

from __future__ import annotations

from typing import ClassVar

import polars as pl
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Static

from famtriage.core.formatting import counted
from famtriage.core.tasks import TaskHandle, TaskRecord, list_tasks
from famtriage.tui.messages import TasksListed
from famtriage.tui.screens.base import AppScreen
from famtriage.tui.widgets.frame_table import Column, FrameTable

REFRESH_S = 1.0
TASK_COLUMNS = [
    Column("_id", "Task", right=True),
    Column("_what", "What", max_width=6),
    Column("state", "State", max_width=11),
    Column("_progress", "Done", right=True),
    Column("_started", "Started", max_width=16),
    Column("_took", "Took", right=True),
    Column("_staff", "By", max_width=24),
    Column("_orgs", "Organizations", flex=True, wrap=True),
]


class TasksScreen(AppScreen):
    """Every stored task, newest first; Enter opens a finished report."""

    CSS_PATH = "tasks.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "c",
            "cancel_task",
            "Cancel task",
            id="tasks.cancel",
            tooltip="Stop the highlighted running task (started in this session).",
        ),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="tasks-status", markup=False)
        yield FrameTable(TASK_COLUMNS, id="tasks", empty_text="No report has run yet.")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Background tasks"
        self.query_one("#tasks", FrameTable).focus()
        self.refresh_tasks()
        self.set_interval(REFRESH_S, self.refresh_tasks)

    @work(thread=True, exclusive=True, exit_on_error=False, group="tasks")
    def refresh_tasks(self) -> None:
        self.post_message(TasksListed(list_tasks(self.ctx)))

    def on_tasks_listed(self, message: TasksListed) -> None:
        table = self.query_one("#tasks", FrameTable)
        table.show(task_rows(message.tasks), cursor=table.cursor_row)
        running = sum(t.state == "running" for t in message.tasks)
        self.query_one("#tasks-status", Static).update(
            f"{counted(len(message.tasks), 'task')}, {running:,} running. "
            "Enter opens a finished report."
        )
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_task":
            return self._running_handle() is not None
        return super().check_action(action, parameters)

    def _running_handle(self) -> TaskHandle | None:
        """The highlighted task's handle, if it runs in this session (only those cancel)."""
        row = self.query_one("#tasks", FrameTable).current_row()
        handle = self.famtriage.running.get(row["task_id"]) if row else None
        return handle if handle is not None and handle.state == "running" else None

    def action_cancel_task(self) -> None:
        handle = self._running_handle()
        if handle is not None:
            handle.cancel()
            self.notify(f"Cancelling task #{handle.task_id} at its next stage…")

    @on(FrameTable.Highlighted, "#tasks")
    def _highlighted(self) -> None:
        self.refresh_bindings()

    @on(FrameTable.Selected, "#tasks")
    def _open(self, event: FrameTable.Selected) -> None:
        self.famtriage.open_task(event.row["task_id"])


def task_rows(tasks: list[TaskRecord]) -> pl.DataFrame:
    """Display strings for the task table (also used by the dashboard's recent tasks)."""

    def orgs(t: TaskRecord) -> str:
        return ", ".join(t.org_names.get(o, f"Organization {o}") for o in t.org_ids)

    return pl.DataFrame(
        {
            "task_id": [t.task_id for t in tasks],
            "_id": [f"#{t.task_id}" for t in tasks],
            "_what": [t.what for t in tasks],
            "state": [t.state for t in tasks],
            "_progress": [f"{t.progress:.0%}" for t in tasks],
            "_started": [t.started_at.strftime("%Y-%m-%d %H:%M") for t in tasks],
            "_took": ["" if t.duration_s is None else f"{t.duration_s:.1f}s" for t in tasks],
            "_staff": [t.staff or "" for t in tasks],
            "_orgs": [orgs(t) for t in tasks],
        },
        schema={"task_id": pl.Int64, **dict.fromkeys([c.key for c in TASK_COLUMNS], pl.String)},
    )
