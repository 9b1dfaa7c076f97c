"""The report's "possibly the same person" section: look-alike logins (Gmail dots,
`+tags`), one row per family so each can be opened, the set's addresses on its first
row, and why the highlighted set is listed under the table.

Which families a set holds is core's (`report.lookalikes.set_families`); this widget
only shows it. Customer values go through `FrameTable` (escaped) and `display`.
"""

from __future__ import annotations

import polars as pl
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from famtriage.core.formatting import counted
from famtriage.core.report.lookalikes import set_families
from famtriage.core.safe_text import display
from famtriage.tui.widgets.frame_table import Column, FrameTable

COLUMNS = [
    Column("_set", "Set", right=True),
    Column("_org", "Org", right=True),
    Column("_family", "Family", max_width=10),
    Column("_logins", "Logins reaching one mailbox", flex=True),
]
NONE_FOUND = "No look-alike logins: no two families' addresses reach one mailbox."


class LookalikeSets(Vertical):
    """The sets of a report's `possible` frame; Enter on a row opens that family (the
    table's Selected message bubbles to the screen)."""

    DEFAULT_CSS = """
    LookalikeSets { height: 1fr; }
    LookalikeSets #lookalike-why { height: auto; max-height: 3; padding: 0 1; color: $warning; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows = pl.DataFrame()

    def compose(self) -> ComposeResult:
        yield FrameTable(COLUMNS, id="lookalike-table", empty_text=NONE_FOUND)
        yield Static("", id="lookalike-why", markup=False)

    @property
    def table(self) -> FrameTable:
        return self.query_one("#lookalike-table", FrameTable)

    def show(self, possible: pl.DataFrame) -> None:
        """List the sets; the first family's set is explained."""
        first = pl.col("first")
        self.rows = set_families(possible).with_columns(
            pl.when(first).then(pl.col("set").cast(pl.String)).otherwise(pl.lit("")).alias("_set"),
            pl.when(first)
            .then(pl.col("org_id").cast(pl.String))
            .otherwise(pl.lit(""))
            .alias("_org"),
            pl.format("#{}", "family_id").alias("_family"),
            pl.when(first)
            .then(pl.col("logins").list.join(", "))
            .otherwise(pl.lit(""))
            .alias("_logins"),
        )
        self.table.show(self.rows)
        self._explain(0)

    def summary(self) -> str:
        """ "2 look-alike sets, 5 families": what the section holds."""
        sets = self.rows["set"].n_unique() if self.rows.height else 0
        return (
            f"{counted(sets, 'look-alike set')}, {counted(self.rows.height, 'family', 'families')}"
        )

    @on(FrameTable.Highlighted, "#lookalike-table")
    def _highlighted(self, event: FrameTable.Highlighted) -> None:
        self._explain(event.index)

    def _explain(self, index: int) -> None:
        why = self.query_one("#lookalike-why", Static)
        if not 0 <= index < self.rows.height:
            why.update("")
            return
        row = self.rows.row(index, named=True)
        why.update(
            f"Set {row['set']}: {display(row['why'])} Possibly the same person: shown only, "
            "never grouped or merged. Enter opens the family."
        )
