"""One group of a report (FAM-12, or another login conflict): its recommendation, why,
and the families holding the login."""

from __future__ import annotations

from typing import ClassVar

import polars as pl
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Static

from famtriage.core.formatting import counted, history_expr
from famtriage.core.report.fam12 import Report
from famtriage.core.report.view import group_families, group_row, kind_heading
from famtriage.core.safe_text import HEADING_LIMIT, display
from famtriage.tui.screens.base import AppScreen
from famtriage.tui.widgets.frame_table import Column, FrameTable

FAMILY_COLUMNS = [
    Column("role", "Role", max_width=12),
    Column("_id", "Family", right=True),
    Column("family_name", "Name", max_width=20, wrap=True),
    Column("login_guardian", "Login holder", max_width=18, wrap=True),
    Column("_created", "Created", max_width=10),
    Column("_history", "History", flex=True, wrap=True),
]


class GroupScreen(AppScreen):
    """The families sharing one login email, survivor first; Enter opens a family."""

    CSS_PATH = "group.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "w",
            "queue",
            "In queue",
            id="group.queue",
            tooltip="Open this group in the resolution queue, to merge, delete or change "
            "an email there.",
        ),
    ]

    def __init__(self, report: Report, org_id: int, email: str) -> None:
        super().__init__()
        self.report = report
        self.org_id = org_id
        self.email = email

    def compose(self) -> ComposeResult:
        group = group_row(self.report, self.org_id, self.email) or {}
        org = self.ctx.org_names().get(self.org_id, f"Organization {self.org_id}")
        action = str(group.get("action", "")).replace("_", " ").upper()
        invalid = "" if group.get("email_valid", True) else " · not a valid address"
        yield Header()
        yield Static(
            f"{display(self.email, HEADING_LIMIT)} · {display(org, HEADING_LIMIT)} · "
            f"{counted(group.get('families', 0), 'family', 'families')} · "
            f"{action}{invalid}",
            id="group-title",
            markup=False,
        )
        yield Static(display(str(group.get("reason", ""))), id="group-reason", markup=False)
        yield FrameTable(FAMILY_COLUMNS, id="families")
        yield Footer()

    def on_mount(self) -> None:
        row = group_row(self.report, self.org_id, self.email) or {}
        self.sub_title = kind_heading(row.get("kind", "fam12"))
        table = self.query_one("#families", FrameTable)
        table.show(_family_rows(group_families(self.report, self.org_id, self.email)))
        table.focus()

    def action_queue(self) -> None:
        self.famtriage.open_queue((self.org_id, self.email))

    @on(FrameTable.Selected, "#families")
    def _open_family(self, event: FrameTable.Selected) -> None:
        self.famtriage.open_family(event.row["family_id"])


def _family_rows(families: pl.DataFrame) -> pl.DataFrame:
    """Display strings for each family; counts read "stu 1 enr 1 pay 2 ($91.25) …"."""
    history = history_expr("$")
    return families.with_columns(
        pl.format("#{}", "family_id").alias("_id"),
        pl.col("created_at").dt.strftime("%Y-%m-%d").fill_null("").alias("_created"),
        history.alias("_history"),
        pl.col("family_name").fill_null(""),
        pl.col("login_guardian").fill_null(""),
    )
