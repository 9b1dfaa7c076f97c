"""The FAM-12 report: every group of families sharing a primary login email.

The report is computed in a thread worker (the UI keeps responding), then filtered
and sorted in polars and shown by FrameTable, which renders only the visible rows:
100 000 groups stay instant.
"""

from __future__ import annotations

from typing import ClassVar

import polars as pl
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Input, ProgressBar, Static

from core.report import Report
from core.report_view import SORT_KEYS, filter_groups, sort_groups
from core.reporting import report_for_context
from tui.messages import ReportReady
from tui.screens.base import AppScreen
from tui.screens.group import GroupScreen
from tui.widgets.frame_table import Column, FrameTable

GROUP_COLUMNS = [
    Column("_org", "Org", right=True),
    Column("email", "Email", max_width=34),
    Column("_families", "Fams", right=True),
    Column("action", "Do", max_width=7),
    Column("reason", "Why", flex=True),
]


class ReportScreen(AppScreen):
    """Groups with their recommendation; filter, sort, open one."""

    CSS_PATH = "report.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_filter", "Filter", key_display="/", id="report.filter",
                tooltip="Type part of an email, an action or a family id to filter groups."),
        Binding("s", "sort_next", "Sort", id="report.sort",
                tooltip="Sort by the next column: email, families, recommendation, org."),
        Binding("S", "sort_reverse", "Reverse", id="report.reverse",
                tooltip="Reverse the sort order."),
        Binding("down", "focus_table", "Groups", show=False, id="report.groups",
                tooltip="Move from the filter box to the groups."),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.report: Report | None = None
        self._rows = pl.DataFrame()
        self._sort_key = "email"
        self._descending = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Computing the FAM-12 report…", id="report-status", markup=False)
        yield ProgressBar(total=None, show_eta=False, show_percentage=False,
                          id="report-progress")
        yield Input(placeholder="Filter: part of an email, merge/delete/review, or #family id",
                    id="filter")
        yield FrameTable(GROUP_COLUMNS, id="groups", empty_text="Computing…")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "FAM-12 report"
        self.query_one("#groups", FrameTable).focus()
        self.compute()

    @work(thread=True, exclusive=True, exit_on_error=False, group="report")
    def compute(self) -> None:
        """Runs off the UI thread; the result comes back as a ReportReady message."""
        self.post_message(ReportReady(report_for_context(self.ctx)))

    def on_report_ready(self, message: ReportReady) -> None:
        self.report = message.report
        self.query_one("#report-progress", ProgressBar).display = False
        self._rows = message.report.groups.with_columns(
            pl.col("org_id").cast(pl.String).alias("_org"),
            pl.col("families").cast(pl.String).alias("_families"),
        )
        table = self.query_one("#groups", FrameTable)
        table.empty_text = "No group matches the filter."
        self._refresh_rows()

    def _refresh_rows(self) -> None:
        table = self.query_one("#groups", FrameTable)
        if self.report is None:
            return
        text = self.query_one("#filter", Input).value
        rows = sort_groups(filter_groups(self._rows, text), self._sort_key, self._descending)
        table.show(rows)
        arrow = "↓" if self._descending else "↑"
        shown = f"{rows.height:,} of {self._rows.height:,}" if text.strip() else f"{rows.height:,}"
        stamp = self.report.generated_at.strftime("%Y-%m-%d %H:%M")
        self.query_one("#report-status", Static).update(
            f"{shown} groups · sorted by {SORT_KEYS[self._sort_key]} {arrow} · "
            f"generated {stamp}"
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

    @on(FrameTable.Selected, "#groups")
    def _open_group(self, event: FrameTable.Selected) -> None:
        if self.report is not None:
            self.app.push_screen(
                GroupScreen(self.report, event.row["org_id"], event.row["email"])
            )
