"""The readiness list: every group of families sharing a login email, FAM-12 groups
(shared primary logins) first, then the other login conflicts, each labelled.

The report runs as a background task (core.tasks) watched by a thread worker, so the
UI keeps responding and the task outlives this screen (it is listed under Tasks). The
groups are filtered and sorted in polars and shown by FrameTable, which renders only
the visible rows: 100 000 groups stay instant.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import polars as pl
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.widgets import Footer, Header, Input, ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from famtriage.core.actions.queue import SCOPE
from famtriage.core.errors import Cancelled, FamtriageError
from famtriage.core.export_tasks import export_task
from famtriage.core.exports.frame import ExportMeta
from famtriage.core.exports.write import FileOptions
from famtriage.core.formatting import counted
from famtriage.core.report.fam12 import Report
from famtriage.core.report.view import (
    SORT_ARROWS,
    SORT_KEYS,
    GroupView,
    as_shown,
    filter_groups,
    group_position,
    sort_groups,
)
from famtriage.core.safe_text import display
from famtriage.core.task_store import TaskRecord
from famtriage.core.tasks import load_task_report, start_report_task, store_stamp, task_meta
from famtriage.tui.messages import (
    ExportCancelled,
    ExportProgress,
    ExportWritten,
    ReportProgress,
    ReportReady,
    StaleChecked,
    TaskEnded,
    TaskStarted,
)
from famtriage.tui.modals.export import ExportModal, ExportRequest
from famtriage.tui.screens.base import AppScreen
from famtriage.tui.screens.group import GroupScreen
from famtriage.tui.widgets.frame_table import Column, FrameTable
from famtriage.tui.widgets.lookalike_sets import LookalikeSets
from famtriage.tui.widgets.text_box import TextBox

GROUP_COLUMNS = [
    Column("_org", "Org", right=True, sort="org_id"),
    Column("_kind", "Kind", max_width=6, sort="kind"),
    Column("email", "Email", max_width=30, sort="email"),
    Column("_families", "Fams", right=True, sort="families"),
    Column("_do", "Do", max_width=12, sort="action"),
    Column("reason", "Why", flex=True, wrap=True),
]
GROUP_ACTIONS = frozenset({"focus_filter", "sort_next", "sort_reverse", "focus_table"})
"""Keys that work on the groups: off while the look-alike sets are shown."""


class ReportScreen(AppScreen):
    """The readiness list's groups with their recommendation; filter, sort, open one."""

    CSS_PATH = "report.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "slash",
            "focus_filter",
            "Filter",
            key_display="/",
            id="report.filter",
            tooltip="Type part of an email, a kind, an action or a family id to filter groups.",
        ),
        Binding(
            "s",
            "sort_next",
            "Sort",
            id="report.sort",
            tooltip="Sort by the next column: kind, email, families, recommendation, org.",
        ),
        Binding(
            "S", "sort_reverse", "Reverse", id="report.reverse", tooltip="Reverse the sort order."
        ),
        Binding(
            "e",
            "export",
            "Export",
            id="report.export",
            tooltip="Save the report as CSV, XLSX or PDF (asks where).",
        ),
        Binding(
            "r",
            "refresh_report",
            "Refresh",
            id="report.refresh",
            tooltip="Run the report again on the store as it is now (keeps filter, sort and "
            "the highlighted group).",
        ),
        Binding(
            "c",
            "cancel_export",
            "Cancel export",
            id="report.cancel_export",
            tooltip="Stop the export being written; no file is left behind.",
        ),
        Binding(
            "L",
            "lookalikes",
            "Same person?",
            key_display="L",
            show=False,  # the status line offers it, with how many sets there are
            id="report.lookalikes",
            tooltip="Look-alike logins: possibly the same person.",
        ),
        Binding(
            "down",
            "focus_table",
            "Groups",
            show=False,
            id="report.groups",
            tooltip="Move from the filter box to the groups.",
        ),
    ]

    computing = reactive(True, bindings=True)
    """A report task is being computed (the first, or a refresh)."""
    exporting = reactive(False, bindings=True)
    """An export is being written (`c` cancels it)."""

    def __init__(
        self, opened: tuple[Report, ExportMeta, TaskRecord] | None = None, *, export: bool = False
    ) -> None:
        """A new report task, or (from Tasks) a finished one's stored result; `export`:
        ask where to save it as soon as it is there (the palette's export command)."""
        super().__init__()
        self.opened = opened
        self.export_when_ready = export
        self.lookalikes_shown = False
        self.report: Report | None = None
        self.meta = ExportMeta()
        self.task_record: TaskRecord | None = None
        self._keep: tuple[int, str] | None = None
        """The group the cursor was on when a refresh started: found again after it."""
        self._rows = pl.DataFrame()
        self._sort_key = "kind"
        self._descending = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Computing the readiness list…", id="report-status", markup=False)
        yield ProgressBar(total=None, show_eta=False, show_percentage=False, id="report-progress")
        yield Static("", id="report-stale", markup=False)
        yield TextBox(
            placeholder="Filter: part of an email, a kind, an action, or #family id", id="filter"
        )
        yield FrameTable(GROUP_COLUMNS, id="groups", empty_text="Computing…")
        yield LookalikeSets(id="lookalikes")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Readiness list"
        self.query_one("#groups", FrameTable).focus()
        if self.opened is not None:
            self.post_message(ReportReady(*self.opened))
        else:
            self.compute()

    @work(thread=True, exclusive=True, exit_on_error=False, group="report")
    def compute(self, scope: str = SCOPE) -> None:
        """Start a report task and wait for it off the UI thread.

        Leaving the screen stops the waiting, not the task: it finishes in the
        background and its result opens from Tasks.
        """
        worker = get_current_worker()
        handle = start_report_task(
            self.ctx,
            scope,
            on_progress=lambda done, total: self.post_message(ReportProgress(done, total)),
        )
        self.post_message(TaskStarted(handle))
        record = handle.wait(0.1)
        while record.state == "running" and not worker.is_cancelled:
            record = handle.wait(0.1)
        if record.state == "done":
            report = load_task_report(self.ctx, record.task_id)
            self.post_message(ReportReady(report, task_meta(record), record))
        elif record.state == "failed":
            raise FamtriageError(f"the report failed: {record.error}")
        elif record.state != "running":
            self.post_message(TaskEnded(record))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """AppScreen's handler (Textual calls it too) shows the dialog; this clears up."""
        if event.state == WorkerState.ERROR and event.worker.group == "report":
            self.computing = False
            self.query_one("#report-progress", ProgressBar).display = False
            self.query_one("#report-status", Static).update("The report failed; nothing to show.")
        if event.state == WorkerState.ERROR and event.worker.group == "export":
            self.exporting = False
            self.query_one("#report-progress", ProgressBar).display = False
            self.query_one("#report-status", Static).update("The export failed; no file written.")

    def on_task_started(self, message: TaskStarted) -> None:
        self.famtriage.running[message.handle.task_id] = message.handle
        self.query_one("#report-status", Static).update(
            f"Computing the readiness list (task #{message.handle.task_id})…"
        )

    def on_report_progress(self, message: ReportProgress) -> None:
        self.query_one("#report-progress", ProgressBar).update(
            total=message.total, progress=message.done
        )

    def on_task_ended(self, message: TaskEnded) -> None:
        self.computing = False
        self.query_one("#report-progress", ProgressBar).display = False
        self.query_one("#report-status", Static).update(
            f"Task #{message.record.task_id} was {message.record.state}; nothing to show."
        )

    def on_report_ready(self, message: ReportReady) -> None:
        self.report = message.report
        self.meta = message.meta
        self.task_record = message.task
        self.computing = False
        self.query_one("#report-progress", ProgressBar).display = False
        self.check_stale()
        self._rows = message.report.groups.with_columns(
            pl.col("org_id").cast(pl.String).alias("_org"),
            pl.col("families").cast(pl.String).alias("_families"),
            pl.when(pl.col("kind") == "fam12")
            .then(pl.lit("FAM-12"))
            .otherwise(pl.lit("login"))
            .alias("_kind"),
            pl.col("action").str.replace("_", " ").alias("_do"),
        )
        table = self.query_one("#groups", FrameTable)
        table.empty_text = "No group matches the filter."
        self.query_one(LookalikeSets).show(message.report.possible)
        self._refresh_rows()
        if self._keep is not None:
            at = group_position(table.frame, *self._keep)
            table.cursor_row = at if at is not None else table.cursor_row
            self._keep = None
        if self.export_when_ready:
            self.export_when_ready = False
            self.action_export()

    def on_screen_resume(self) -> None:
        """Back from a group or the queue: a write there may have made this report stale."""
        if self.task_record is not None:
            self.check_stale()

    @work(thread=True, exclusive=True, exit_on_error=False, group="stale")
    def check_stale(self) -> None:
        """Compare the task's store stamp with the store's now (a read: off the UI thread)."""
        if self.task_record is not None:
            self.post_message(StaleChecked(self.task_record.is_stale(store_stamp(self.ctx))))

    def on_stale_checked(self, message: StaleChecked) -> None:
        line = self.query_one("#report-stale", Static)
        line.display = message.stale and self.task_record is not None
        if self.task_record is not None:
            line.update(
                f"May be stale: the store has changed since task #{self.task_record.task_id} "
                "ran. r runs it again."
            )

    def action_refresh_report(self) -> None:
        """The report again, at the store's current state, in this same view."""
        row = self.query_one("#groups", FrameTable).current_row()
        self._keep = (row["org_id"], row["email"]) if row is not None else None
        self.computing = True
        self._show_progress()
        self.compute(self.task_record.scope if self.task_record is not None else SCOPE)

    def _refresh_rows(self) -> None:
        table = self.query_one("#groups", FrameTable)
        if self.report is None:
            return
        if self.lookalikes_shown:  # a refresh while the sets are shown: they were updated
            self.query_one("#report-status", Static).update(
                f"{self.query_one(LookalikeSets).summary()}: possibly the same person. "
                "L shows the groups again."
            )
            return
        text = self.query_one("#filter", Input).value
        rows = sort_groups(filter_groups(self._rows, text), self._sort_key, self._descending)
        current = table.current_row()  # the cursor stays on its group if it is still shown
        at = group_position(rows, current["org_id"], current["email"]) if current else None
        table.show(rows, cursor=at or 0, sorted_by=(self._sort_key, self._descending))
        arrow = SORT_ARROWS[self._descending]
        total = counted(self._rows.height, "group")
        shown = f"{rows.height:,} of {total}" if text.strip() else total
        fam12 = rows.filter(pl.col("kind") == "fam12").height
        kinds = f"{fam12:,} FAM-12, {counted(rows.height - fam12, 'login conflict')}"
        stamp = self.report.generated_at.strftime("%Y-%m-%d %H:%M")
        sets = self.report.possible.height
        looks = f" L shows {counted(sets, 'look-alike set')}." if sets else ""
        self.query_one("#report-status", Static).update(
            f"{shown}: {kinds}, sorted by {SORT_KEYS[self._sort_key]} {arrow}; generated {stamp}."
            + looks
        )

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self._refresh_rows()

    @on(Input.Submitted, "#filter")
    def action_focus_table(self) -> None:
        self.query_one("#groups", FrameTable).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_sort_next(self) -> None:
        keys = list(SORT_KEYS)
        self._sort_key = keys[(keys.index(self._sort_key) + 1) % len(keys)]
        self._refresh_rows()

    def action_sort_reverse(self) -> None:
        self._descending = not self._descending
        self._refresh_rows()

    def action_lookalikes(self) -> None:
        """Switch between the groups and the look-alike sets (the filter and sort keys
        are the groups')."""
        self.lookalikes_shown = shown = not self.lookalikes_shown
        sets = self.query_one(LookalikeSets)
        sets.display = shown
        for widget in (self.query_one("#filter"), self.query_one("#groups")):
            widget.display = not shown
        (sets.table if shown else self.query_one("#groups", FrameTable)).focus()
        self.refresh_bindings()
        self._refresh_rows()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("export", "refresh_report"):
            return self.report is not None and not self.computing and not self.exporting
        if action == "cancel_export":
            return self.exporting
        if action == "lookalikes":
            return self.report is not None
        if action in GROUP_ACTIONS and self.lookalikes_shown:
            return False  # they work on the groups
        return super().check_action(action, parameters)

    def _show_progress(self) -> None:
        """The progress bar, moving back and forth until the first figures come."""
        bar = self.query_one("#report-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True

    def _view(self) -> GroupView:
        return GroupView(self.query_one("#filter", Input).value, self._sort_key, self._descending)

    def action_export(self) -> None:
        if self.report is None:
            return
        default = Path(f"fam12-{self.report.generated_at:%Y%m%d-%H%M}.csv")
        total = self.report.group_count
        view = self._view().describe(self.query_one("#groups", FrameTable).row_count, total)
        what = "readiness list" if self.report.scope == "readiness" else "FAM-12 report"
        self.app.push_screen(ExportModal(default, view, total, what), self._export_chosen)

    def _export_chosen(self, request: ExportRequest | None) -> None:
        if request is not None:
            self.notify(f"Writing {request.path}…", markup=False)
            self.query_one("#report-status", Static).update(
                f"Writing {display(str(request.path))}… c cancels"
            )
            self.exporting = True
            self._show_progress()
            self.write_export(request, self._view())

    @work(thread=True, exclusive=True, exit_on_error=False, group="export", description="export")
    def write_export(self, request: ExportRequest, view: GroupView) -> None:
        """The same core call as the CLI's, off the UI thread; its progress comes back as
        a few dozen messages (core reports every few thousand families). `c` (or leaving
        the screen) cancels the worker, which the export sees between rows."""
        assert self.report is not None and self.task_record is not None
        worker = get_current_worker()
        report, meta = self.report, self.meta
        if not request.everything:
            report = as_shown(self.report, view)
            meta = replace(
                meta, selection=view.describe(report.group_count, self.report.group_count)
            )
        try:
            written, _ = export_task(
                self.ctx,
                self.task_record,
                report,
                request.path,
                request.fmt,
                meta,
                FileOptions(force=request.force),
                on_progress=lambda done, total: self.post_message(ExportProgress(done, total)),
                is_cancelled=lambda: worker.is_cancelled,
            )
        except Cancelled as exc:
            self.post_message(ExportCancelled(str(exc)))
            return
        self.post_message(ExportWritten(written))

    def action_cancel_export(self) -> None:
        self.workers.cancel_group(self, "export")
        self.query_one("#report-status", Static).update("Cancelling the export…")

    def on_export_cancelled(self, message: ExportCancelled) -> None:
        self.exporting = False
        self.query_one("#report-progress", ProgressBar).display = False
        text = message.reason[:1].upper() + message.reason[1:] + "."
        self.query_one("#report-status", Static).update(text)
        self.notify(text, title="Export cancelled", markup=False)

    def on_export_progress(self, message: ExportProgress) -> None:
        bar = self.query_one("#report-progress", ProgressBar)
        bar.display = True
        bar.update(total=message.total, progress=message.done)

    def on_export_written(self, message: ExportWritten) -> None:
        self.exporting = False
        self.query_one("#report-progress", ProgressBar).display = False
        path = message.written.path
        self.notify(f"Wrote {path}", title="Exported", markup=False, timeout=10)
        for warning in message.written.warnings:
            self.notify(warning, title="Export warning", severity="warning", markup=False)
        self.query_one("#report-status", Static).update(f"Exported to {display(str(path))}.")

    @on(FrameTable.Selected, "#lookalike-table")
    def _open_family(self, event: FrameTable.Selected) -> None:
        self.famtriage.open_family(event.row["family_id"])

    @on(FrameTable.Selected, "#groups")
    def _open_group(self, event: FrameTable.Selected) -> None:
        if self.report is not None:
            self.app.push_screen(GroupScreen(self.report, event.row["org_id"], event.row["email"]))
