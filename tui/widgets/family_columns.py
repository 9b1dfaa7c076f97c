"""A queue group's families side by side, one column each, differences highlighted.

Which fields differ comes from core (`QueueGroup.differ`); this widget only draws.
The row labels stay on the left while the families scroll sideways (two to five
columns share the width, never narrower than `MIN_WIDTH`; more scroll); when the rows
are taller than the room, labels and families scroll up and down together (`↑`/`↓`).
A row listing people is as many lines as the longest list in the group, so the rows
of every column stay level with their labels. Every value is customer data, so each
column is a `rich.text.Text`, never markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import HorizontalScroll, ScrollableContainer
from textual.widgets import Static

from famtriage.core.actions.queue import QueueGroup, visible_whitespace
from famtriage.core.actions.queue_facts import NOBODY, day, last_enrollment, last_payment, names
from famtriage.core.formatting import money_display
from famtriage.core.safe_text import display

Row = dict[str, Any]


def _count(field: str) -> Callable[[Row], list[str]]:
    return lambda row: [f"{row[field]:,}"]


def _people(field: str, optional: bool = False) -> Callable[[Row], list[str]]:
    """Names one a line (escaped). An `optional` row shows nothing for a family without
    anyone, so it is left out of a group where no family has anyone."""

    def text(row: Row) -> list[str]:
        if optional and not row[field]:
            return []
        return [display(n) for n in names(row[field])]

    return text


@dataclass(frozen=True)
class Line:
    """One row of the comparison: its label, the compared fields it shows (it is
    highlighted if any of them differs) and its text for one family (one or more
    lines; the row is as tall as its tallest family)."""

    label: str
    fields: tuple[str, ...]
    text: Callable[[Row], list[str]]


ROLE_LABELS = {
    "survivor": "KEEP (survivor)",
    "merge": "merge into KEEP",
    "delete": "delete",
    "review": "review: decide",
}

ROWS: tuple[Line, ...] = (
    Line("", (), lambda row: [ROLE_LABELS.get(row["role"], row["role"])]),
    Line("Name", ("family_name",), lambda row: [display(row["family_name"] or "(no name)")]),
    Line("Primary", ("primary_guardian", "primary_names"), _people("primary_names")),
    Line("Secondary", ("secondary_names",), _people("secondary_names", optional=True)),
    Line(
        "Raw email",
        ("raw_email",),
        lambda row: [
            visible_whitespace(None if row["raw_email"] is None else display(row["raw_email"]))
        ],
    ),
    Line("Created", ("created_at",), lambda row: [day(row["created_at"])]),
    Line("Students", ("students", "student_names"), _people("student_names")),
    Line("Enrollments", ("enrollments",), _count("enrollments")),
    Line("Last class", ("last_class",), lambda row: [display(last_enrollment(row)[0])]),
    Line("  started", (), lambda row: [last_enrollment(row)[1]]),
    Line(
        "Payments",
        ("payments", "payments_total_cents"),
        lambda row: [f"{row['payments']} · {money_display(row['payments_total_cents'])}"],
    ),
    Line("Last paid", (), lambda row: [last_payment(row)[0]]),
    Line("  amount", (), lambda row: [last_payment(row)[1]]),
    Line("Policies", ("policies",), _count("policies")),
    Line("Activity", ("activity",), _count("activity")),
    Line("Last active", ("last_activity",), lambda row: [day(row["last_activity"])]),
    Line("History", ("has_history",), lambda row: ["yes" if row["has_history"] else "no"]),
)
"""The comparison, top to bottom (the family's id is its column's title)."""

LABEL_WIDTH = 13
SCROLLBAR = 1
"""The vertical scrollbar's width, always kept free (so it never squeezes a column)."""
MIN_WIDTH = 20
MAX_SIDE_BY_SIDE = 5


def layout(group: QueueGroup) -> tuple[str, list[Text]]:
    """The label column's text and each family's column, every row as tall as its
    tallest family (a row no family has anything in is left out)."""
    rows = list(group.families.iter_rows(named=True))
    labels: list[str] = []
    lines: list[list[tuple[str, str]]] = [[] for _ in rows]
    for number, line in enumerate(ROWS):
        texts = [line.text(row) for row in rows]
        height = max(map(len, texts), default=0)
        if not height:
            continue
        style = (
            "bold" if number == 0 else ("bold yellow" if group.differ & set(line.fields) else "")
        )
        labels += [line.label] + [""] * (height - 1)
        for column, text in zip(lines, texts, strict=True):
            shown = text or [NOBODY]
            column += [(t, style) for t in shown + [""] * (height - len(shown))]
    columns = [Text("\n").join(Text(t, style=style) for t, style in column) for column in lines]
    for column in columns:
        column.no_wrap, column.overflow = True, "ellipsis"
    return "\n".join(labels), columns


class FamilyColumns(ScrollableContainer, can_focus=True, inherit_bindings=False):
    """The comparison: a label column, then one column per family; one is selected."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "up",
            "scroll_rows(-1)",
            "Scroll ↑",
            id="queue.scroll_up",
            tooltip="Scroll the families up (when they are taller than the window).",
            show=False,
        ),
        Binding(
            "down",
            "scroll_rows(1)",
            "Scroll ↓",
            id="queue.scroll_down",
            tooltip="Scroll the families down (when they are taller than the window).",
            show=False,
        ),
    ]

    DEFAULT_CSS = """
    FamilyColumns {
        layout: horizontal; height: 1fr;
        overflow-x: hidden; overflow-y: auto;
        scrollbar-size-vertical: 1; scrollbar-gutter: stable;
    }
    FamilyColumns > .labels { width: 13; height: auto; color: $text-muted; padding-top: 1; }
    FamilyColumns > HorizontalScroll { width: 1fr; height: auto; }
    FamilyColumns .family {
        height: auto; border: round $panel; padding: 0 1;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    FamilyColumns .family.-selected { border: heavy $accent; }
    """

    count = 0
    """How many of the columns show a family (the others are hidden, kept for later)."""

    def compose(self) -> ComposeResult:
        yield Static("", classes="labels", markup=False)
        yield HorizontalScroll(can_focus=False)

    @property
    def strip(self) -> HorizontalScroll:
        """The families' columns, which scroll sideways under the fixed labels."""
        return self.query_one(HorizontalScroll)

    async def show(self, group: QueueGroup, selected: int) -> None:
        """Show this group's families (survivor first). Columns are kept and refilled,
        never rebuilt: a new widget costs a styling pass, a changed text does not."""
        labels, texts = layout(group)
        self.query_one(".labels", Static).update(labels)
        missing = len(texts) - len(self._columns())
        if missing > 0:
            await self.strip.mount_all(
                Static("", classes="family", markup=False) for _ in range(missing)
            )
        for number, column in enumerate(self._columns()):
            shown = number < len(texts)
            if shown:
                column.update(texts[number])
                column.border_title = f"#{group.family_ids[number]}"
            column.display = shown
        self.count = len(texts)
        self._fit()
        self.select(selected)
        if self.screen.focused is None:
            self.focus()  # ↑/↓ scroll the comparison (after "no group left" it was hidden)

    def action_scroll_rows(self, delta: int) -> None:
        """Scroll now, not after the next refresh: keys typed fast each count."""
        self.scroll_to(y=self.scroll_y + delta, animate=False, immediate=True)

    def _columns(self) -> list[Static]:
        return list(self.strip.query(".family").results(Static))

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """Share the width among up to five columns, none narrower than `MIN_WIDTH`;
        the others scroll into view as they are selected."""
        if not self.count:
            return
        room = self.size.width - LABEL_WIDTH - SCROLLBAR
        width = max(MIN_WIDTH, room // min(self.count, MAX_SIDE_BY_SIDE))
        for column in self._columns()[: self.count]:
            if column.styles.width is None or column.styles.width.value != width:
                column.styles.width = width  # a new width lays the screen out again

    def select(self, index: int) -> None:
        """Mark the selected family and scroll it into view (sideways only: the labels
        and the rows in view stay where they are)."""
        for number, column in enumerate(self._columns()[: self.count]):
            column.set_class(number == index, "-selected")
            if number == index:
                self.strip.scroll_to_widget(column, animate=False)
