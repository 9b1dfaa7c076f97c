"""Search families by email: every family with the address (or part of it) on any guardian.

Results follow the typing: each keystroke restarts a short debounce in an exclusive
worker, so only the last query reaches the store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import ClassVar

import polars as pl
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Input, Static

from famtriage.core.errors import InputError
from famtriage.core.formatting import sentence
from famtriage.core.report.search import SearchHit, search_families
from famtriage.core.safe_text import display
from famtriage.tui.screens.base import AppScreen
from famtriage.tui.widgets.frame_table import Column, FrameTable
from famtriage.tui.widgets.text_box import TextBox

DEBOUNCE_S = 0.1
"""A search waits this long after the last key (a search of a million logins takes
20-50 ms, one of a single common letter ~0.2 s: typing fast starts few)."""
HIT_COLUMNS = [
    Column("_id", "Family", right=True),
    Column("_name", "Name", max_width=22),
    Column("_org", "Org", right=True),
    Column("match", "Match", max_width=7),
    Column("status", "Status", max_width=8),
    Column("_emails", "Guardians' emails (primary first)", flex=True),
]


class SearchScreen(AppScreen):
    """An email box and the families that match it; Enter opens one."""

    CSS_PATH = "search.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "slash",
            "focus_query",
            "Edit query",
            key_display="/",
            id="search.query",
            tooltip="Go back to the email box.",
        ),
        Binding(
            "down",
            "focus_results",
            "Results",
            show=False,
            id="search.results",
            tooltip="Move from the email box to the results.",
        ),
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.initial = query

    def compose(self) -> ComposeResult:
        yield Header()
        yield TextBox(
            self.initial, placeholder="Email address, part of one, or #family id", id="query"
        )
        yield Static("Type an email; exact matches come first.", id="search-status", markup=False)
        yield FrameTable(HIT_COLUMNS, id="hits", empty_text="")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Search families"
        self.query_one("#query", Input).focus()
        if self.initial:
            self.search(self.initial)

    @on(Input.Changed, "#query")
    def _query_changed(self, event: Input.Changed) -> None:
        self.search(event.value)

    @on(Input.Submitted, "#query")
    def _query_submitted(self) -> None:
        self.action_focus_results()

    @work(exclusive=True, exit_on_error=False, group="search")
    async def search(self, query: str) -> None:
        """Debounced: a newer keystroke cancels this worker during the pause."""
        await asyncio.sleep(DEBOUNCE_S)
        status = self.query_one("#search-status", Static)
        table = self.query_one("#hits", FrameTable)
        if not query.strip():
            table.empty_text = ""  # nothing is said before anything is typed
            table.show(_hit_rows(()))
            status.update("Type an email; exact matches come first.")
            return
        table.empty_text = f"No family has an email matching {display(query.strip())}."
        try:
            result = await asyncio.to_thread(search_families, self.ctx, query)
        except InputError as exc:
            table.show(_hit_rows(()))
            status.update(display(sentence(str(exc))))
            return
        table.show(_hit_rows(result.hits))
        more = " (type more of the address to narrow it)" if result.truncated else ""
        status.update(sentence(result.summary[0].upper() + result.summary[1:] + more))

    def action_focus_query(self) -> None:
        self.query_one("#query", Input).focus()

    def action_focus_results(self) -> None:
        self.query_one("#hits", FrameTable).focus()

    @on(FrameTable.Selected, "#hits")
    def _open_family(self, event: FrameTable.Selected) -> None:
        self.famtriage.open_family(event.row["family_id"])


def _hit_rows(hits: Sequence[SearchHit]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "family_id": [h.family_id for h in hits],
            "_id": [f"#{h.family_id}" for h in hits],
            "_name": [h.family_name or "(no name)" for h in hits],
            "_org": [str(h.org_id) for h in hits],
            "match": [h.match for h in hits],
            "status": [h.status for h in hits],
            "_emails": [", ".join(g.email or "(none)" for g in h.guardians) for h in hits],
        },
        schema={"family_id": pl.Int64, **dict.fromkeys([c.key for c in HIT_COLUMNS], pl.String)},
    )
