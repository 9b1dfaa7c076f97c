"""A FAM-12 group's families side by side, one column each, differences highlighted.

Which fields differ comes from core (`QueueGroup.differ`); this widget only draws.
Two to five columns share the width; more scroll sideways. Every value is customer
data, so each column is a `rich.text.Text`, never markup.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import HorizontalScroll
from textual.widgets import Static

from famtriage.core.actions.queue import QueueGroup, visible_whitespace
from famtriage.core.formatting import money_display
from famtriage.core.safe_text import display

ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("", ()),
    ("Family", ("family_id",)),
    ("Name", ("family_name",)),
    ("Guardian", ("primary_guardian",)),
    ("Raw email", ("raw_email",)),
    ("Created", ("created_at",)),
    ("Students", ("students",)),
    ("Enrollments", ("enrollments",)),
    ("Payments", ("payments", "payments_total_cents")),
    ("Policies", ("policies",)),
    ("Activity", ("activity",)),
    ("Last active", ("last_activity",)),
    ("History", ("has_history",)),
)
"""Label → the report fields its line shows (a line is highlighted if any differs)."""

LABEL_WIDTH = 13
MIN_WIDTH = 20
MAX_SIDE_BY_SIDE = 5

ROLE_LABELS = {
    "survivor": "KEEP (survivor)",
    "merge": "merge into KEEP",
    "delete": "delete",
    "review": "review: decide",
    "keep": "KEEPS the login",
    "remove_login": "remove its login",
}


def _date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value is not None else "—"


def _line(label: str, row: dict) -> str:
    """One field of one family as text (customer values escaped, spaces in the raw email
    drawn)."""
    if label == "":
        return ROLE_LABELS.get(row["role"], row["role"])
    values = {
        "Family": f"#{row['family_id']}",
        "Name": display(row["family_name"] or "(no name)"),
        "Guardian": display(row["primary_guardian"] or "(no name)"),
        "Raw email": visible_whitespace(_shown(row["raw_email"])),
        "Created": _date(row["created_at"]),
        "Payments": f"{row['payments']} · {money_display(row['payments_total_cents'])}",
        "Last active": _date(row["last_activity"]),
        "History": "yes" if row["has_history"] else "no",
    }
    return values.get(label, str(row.get(label.lower(), "")))


def _shown(value: str | None) -> str | None:
    return None if value is None else display(value)


def column_text(row: dict, differ: frozenset[str]) -> Text:
    """A family's column: differing lines in the warning style, the role line bold."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for number, (label, fields) in enumerate(ROWS):
        style = "bold" if number == 0 else ("bold yellow" if differ & set(fields) else "")
        text.append(_line(label, row), style=style)
        if number < len(ROWS) - 1:
            text.append("\n")
    return text


class FamilyColumns(HorizontalScroll, can_focus=False):
    """The comparison: a label column, then one column per family; one is selected."""

    DEFAULT_CSS = """
    FamilyColumns { height: auto; max-height: 17; }
    FamilyColumns > .labels { width: 13; height: auto; color: $text-muted; padding-top: 1; }
    FamilyColumns > .family {
        height: auto; border: round $panel; padding: 0 1;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    FamilyColumns > .family.-selected { border: heavy $accent; }
    """

    count = 0
    """How many of the columns show a family (the others are hidden, kept for later)."""

    def compose(self) -> ComposeResult:
        labels = "\n".join(label for label, _ in ROWS)
        yield Static(labels, classes="labels", markup=False)

    async def show(self, group: QueueGroup, selected: int) -> None:
        """Show this group's families (survivor first). Columns are kept and refilled,
        never rebuilt: a new widget costs a styling pass, a changed text does not."""
        rows = list(group.families.iter_rows(named=True))
        missing = len(rows) - len(self._columns())
        if missing > 0:
            await self.mount_all(Static("", classes="family", markup=False) for _ in range(missing))
        for number, column in enumerate(self._columns()):
            shown = number < len(rows)
            if shown:
                column.update(column_text(rows[number], group.differ))
            column.display = shown
        self.count = len(rows)
        self._fit()
        self.select(selected)

    def _columns(self) -> list[Static]:
        return list(self.query(".family").results(Static))

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """Share the width among up to five columns; from the sixth on, scroll."""
        if not self.count:
            return
        room = self.size.width - LABEL_WIDTH
        width = max(MIN_WIDTH, room // min(self.count, MAX_SIDE_BY_SIDE))
        for column in self._columns()[: self.count]:
            if column.styles.width is None or column.styles.width.value != width:
                column.styles.width = width  # a new width lays the screen out again

    def select(self, index: int) -> None:
        """Mark the selected family and scroll it into view."""
        for number, column in enumerate(self._columns()[: self.count]):
            column.set_class(number == index, "-selected")
            if number == index:
                self.scroll_to_widget(column, animate=False)
