"""One family's record: guardians, students and all its history, one tab each."""

from __future__ import annotations

from typing import ClassVar

import polars as pl
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from famtriage.core.formatting import counted, iso, money_display, money_display_expr
from famtriage.core.report.family import FamilyDetail, GroupOf, family_groups
from famtriage.core.safe_text import HEADING_LIMIT, display
from famtriage.tui.messages import FamilyGroups
from famtriage.tui.screens.base import AppScreen
from famtriage.tui.widgets.frame_table import Column, FrameTable

SECTIONS: dict[str, list[Column]] = {
    "guardians": [
        Column("role", "Role", max_width=9),
        Column("name", "Name", max_width=20),
        Column("email", "Email", max_width=28),
        Column("email_norm", "Login", flex=True),
        Column("phone", "Phone", max_width=14),
    ],
    "students": [
        Column("student_id", "Id", right=True),
        Column("name", "Name", flex=True),
        Column("birth_date", "Born", max_width=10),
    ],
    "enrollments": [
        Column("student", "Student", max_width=20),
        Column("class_name", "Class", flex=True),
        Column("start_date", "Start", max_width=10),
        Column("end_date", "End", max_width=10),
    ],
    "payments": [
        Column("payment_id", "Id", right=True),
        Column("paid_at", "Paid at", max_width=16),
        Column("amount", "Amount", right=True, max_width=14),
    ],
    "policies": [
        Column("policy_name", "Policy", flex=True),
        Column("signed_at", "Signed at", max_width=16),
    ],
    "activity": [
        Column("at", "At", max_width=16),
        Column("kind", "Kind", max_width=16),
        Column("detail", "Detail", flex=True),
    ],
}


class FamilyScreen(AppScreen):
    """Read a family's history before deciding what to do with it."""

    CSS_PATH = "family.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "right,l",
            "tab(1)",
            "Next tab",
            key_display="→",
            id="family.next_tab",
            tooltip="Show the next section (→ or l).",
        ),
        Binding(
            "left,h",
            "tab(-1)",
            "Prev tab",
            key_display="←",
            id="family.prev_tab",
            tooltip="Show the previous section (← or h).",
        ),
        Binding(
            "w",
            "queue",
            "In queue",
            id="family.queue",
            tooltip="Open the family's group (the first listed) in the resolution queue.",
        ),
        Binding(
            "a",
            "audit_entry",
            "Audit entry",
            id="family.audit",
            tooltip="Open the audit entry that merged or deleted this family: undoing it "
            "restores the family.",
        ),
    ]

    def __init__(self, detail: FamilyDetail) -> None:
        super().__init__()
        self.detail = detail
        self.groups: list[GroupOf] = []
        """The readiness list's groups holding this family, once read (FAM-12 first)."""

    def compose(self) -> ComposeResult:
        d = self.detail
        status = d.status_text()
        created = (iso(d.created_at) or "unknown")[:10]
        yield Header()
        yield Static(
            f"#{d.family_id} {display(d.family_name or '(no name)', HEADING_LIMIT)} · "
            f"org {d.org_id} · {status}",
            id="family-title",
            markup=False,
        )
        yield Static(
            f"created {created} · {'has history' if d.has_history else 'no history'} · "
            f"{counted(d.guardians.height, 'guardian')}, {counted(d.students.height, 'student')}, "
            f"{counted(d.enrollments.height, 'enrollment')}, {_payments(d)}, "
            f"{counted(d.policies.height, 'policy', 'policies')}, "
            f"{counted(d.activity.height, 'activity row')}",
            id="family-summary",
            markup=False,
        )
        yield Static("", id="family-groups", markup=False)
        with TabbedContent(id="sections"):
            for name, columns in SECTIONS.items():
                with TabPane(name.capitalize(), id=name):
                    yield FrameTable(
                        columns, id=f"{name}-table", selectable=False, empty_text=f"No {name}."
                    )
                    if name == "payments":
                        yield Static(f"{_payments(d).capitalize()}.", id="payments-total")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"Family #{self.detail.family_id}"
        for name, frame in _section_rows(self.detail).items():
            self.query_one(f"#{name}-table", FrameTable).show(frame)
        self.query_one("#guardians-table", FrameTable).focus()
        self.load_groups()

    @work(thread=True, exclusive=True, exit_on_error=False, group="family-groups")
    def load_groups(self) -> None:
        self.post_message(FamilyGroups(family_groups(self.ctx, self.detail.family_id)))

    def on_family_groups(self, message: FamilyGroups) -> None:
        self.groups = message.groups
        self.refresh_bindings()
        lines = [
            f"In the {'FAM-12 group' if g.kind == 'fam12' else 'login conflict'} "
            f"{display(g.email, HEADING_LIMIT)} ({g.action}): {display(g.reason)}"
            for g in message.groups
        ]
        self.query_one("#family-groups", Static).update("\n".join(lines))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "queue":
            return bool(self.groups)
        if action == "audit_entry":
            return self.detail.tombstone is not None
        return super().check_action(action, parameters)

    def action_queue(self) -> None:
        if self.groups:
            first = self.groups[0]
            self.famtriage.open_queue((first.org_id, first.email))

    def action_audit_entry(self) -> None:
        if self.detail.tombstone is not None:
            self.famtriage.open_audit(self.detail.tombstone)

    def action_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        names = list(SECTIONS)
        current = names.index(tabs.active) if tabs.active in names else 0
        tabs.active = names[(current + step) % len(names)]
        self.query_one(f"#{tabs.active}-table", FrameTable).focus()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            self.query_one(f"#{event.pane.id}-table", FrameTable).focus()


def _payments(d: FamilyDetail) -> str:
    """ "6 payments, total $333.75": the count and the sum core computed."""
    return f"{counted(d.payments.height, 'payment')}, total {money_display(d.payments_total_cents)}"


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as display text: dates ISO, times to the minute, nulls empty."""
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.Datetime:
            col = col.dt.strftime("%Y-%m-%d %H:%M")
        exprs.append(col.cast(pl.String).fill_null("").alias(name))
    return frame.select(exprs)


def _person() -> pl.Expr:
    return pl.concat_str(
        [pl.col("first_name").fill_null(""), pl.col("last_name").fill_null("")], separator=" "
    ).str.strip_chars()


def _section_rows(d: FamilyDetail) -> dict[str, pl.DataFrame]:
    guardians = d.guardians.with_columns(
        pl.when(pl.col("is_primary"))
        .then(pl.lit("primary"))
        .otherwise(pl.lit("secondary"))
        .alias("role"),
        _person().alias("name"),
    )
    return {
        "guardians": _as_text(guardians),
        "students": _as_text(d.students.with_columns(_person().alias("name"))),
        "enrollments": _as_text(d.enrollments),
        "payments": _as_text(
            d.payments.with_columns(money_display_expr(pl.col("amount_cents")).alias("amount"))
        ),
        "policies": _as_text(d.policies),
        "activity": _as_text(d.activity),
    }
