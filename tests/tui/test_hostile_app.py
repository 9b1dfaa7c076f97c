"""Customer text never reaches the terminal raw: the app on the hostile store (escape
sequences and bidi overrides in every text column, audit summaries quoting them), on
every screen, dialog, notification, header and palette, checking what is on screen and
every byte written to the terminal (tests/tui/terminal_support.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_support import DESK, INVITED, NAME, PAYLOAD, SHOWN
from pilot_helpers import on_screen, press_settled, settle
from terminal_support import check_terminal, recording
from textual import events
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Static

from famtriage.core.access.context import Context
from famtriage.core.safe_text import cut_note, without_escaped
from famtriage.core.store.database import Store
from famtriage.tui.app import FamtriageApp
from famtriage.tui.modals.audit_entry import AuditEntryModal
from famtriage.tui.modals.confirm import ConfirmModal
from famtriage.tui.modals.export import ExportModal
from famtriage.tui.modals.notice import NoticeModal
from famtriage.tui.modals.prompt import PromptModal
from famtriage.tui.modals.queue_confirm import QueueConfirmModal
from famtriage.tui.screens.audit import AuditScreen
from famtriage.tui.screens.dashboard import DashboardScreen
from famtriage.tui.screens.family import SECTIONS, FamilyScreen
from famtriage.tui.screens.group import GroupScreen
from famtriage.tui.screens.help import HelpScreen
from famtriage.tui.screens.queue import QueueScreen
from famtriage.tui.screens.report import ReportScreen
from famtriage.tui.screens.search import SearchScreen
from famtriage.tui.screens.tasks import TasksScreen
from famtriage.tui.widgets.text_box import TextBox

SIZE = (100, 30)


class Walk:
    """Presses keys, waits for the work they start, and checks the terminal each time."""

    def __init__(self, app: FamtriageApp, pilot: Pilot, written: list[str]) -> None:
        self.app, self.pilot, self.written = app, pilot, written

    async def __call__(self, *keys: str, expect: type | None = None) -> None:
        await press_settled(self.pilot, *keys)
        if expect is not None:
            assert isinstance(self.app.screen, expect), self.app.screen
        check_terminal(self.app, self.written)

    async def type(self, text: str, expect: type | None = None) -> None:
        """Type `text` at once (searches wait for the last key), then check."""
        await self.pilot.press(*text)
        await self(expect=expect)


async def test_browse_every_screen(
    hostile_ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = FamtriageApp(hostile_ctx)
    written = recording(app)
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        walk = Walk(app, pilot, written)
        await walk(expect=DashboardScreen)
        assert SHOWN in on_screen(app)  # the acting Admin's name and email
        await walk("r", expect=ReportScreen)
        await walk("enter", expect=GroupScreen)
        await walk("enter", expect=FamilyScreen)
        for _ in SECTIONS:
            await walk("right")
        await walk("escape", "escape", "escape", expect=DashboardScreen)  # recent tasks
        await walk("t", expect=TasksScreen)
        await walk("escape", "a", expect=AuditScreen)
        await walk("j", "enter", expect=AuditEntryModal)  # the invite, quoting names
        assert SHOWN in on_screen(app)
        await walk("u", expect=ConfirmModal)
        await walk("y", expect=AuditScreen)  # "Undone" notification
        await walk("escape", "slash")
        await walk.type("stone", expect=SearchScreen)
        await walk("down", "enter", expect=FamilyScreen)
        await walk("question_mark", expect=HelpScreen)
        await walk("escape", "escape", "escape", "ctrl+p", expect=CommandPalette)
        await walk.type("report")
        await walk("escape", "r", "e", expect=ExportModal)
        await walk("enter", expect=ReportScreen)  # "Exported" (PDF and XLSX: test_hostile_exports)
        assert list(tmp_path.glob("*.csv"))


async def test_refusals_quote_the_staff_member(hostile_ctx: Context) -> None:
    """Front Desk (a hostile email, in a hostile group) meets permission refusals."""
    app = FamtriageApp(Context.open(hostile_ctx.store, DESK))
    written = recording(app)
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        walk = Walk(app, pilot, written)
        await walk(expect=DashboardScreen)
        await walk("r", expect=NoticeModal)
        assert SHOWN in on_screen(app)
        await walk("escape", "w", expect=NoticeModal)
        app.notify(f"Could not open {PAYLOAD}family", title=NAME)  # a notification quoting data
        await walk()
        assert "Could not open" in on_screen(app) and SHOWN in on_screen(app)


async def test_resolution_queue(hostile_ctx: Context) -> None:
    app = FamtriageApp(hostile_ctx)
    written = recording(app)
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        walk = Walk(app, pilot, written)
        await walk("w", expect=QueueScreen)
        await walk("n")  # four families with hostile names and emails, side by side
        assert SHOWN in on_screen(app)
        await walk("N")  # "A merge here keeps the family name …"
        await walk("A", expect=QueueConfirmModal)
        await walk("y", expect=QueueScreen)  # "Done: Merged …; Deleted family …"
        await walk("A", expect=QueueScreen)  # a review group: moved on, quoting its email
        await walk("slash", expect=PromptModal)
        box = app.screen.query_one(TextBox)
        box.post_message(events.Paste(PAYLOAD + "zzz"))  # pasted: controls dropped
        await walk()  # "no group here matches"
        assert box.value == without_escaped(PAYLOAD + "zzz") == "]0;pwned[2J[31mzzz"
        await walk("escape", "e")
        await walk.type(INVITED, expect=PromptModal)  # "… already the login of …"
        problem = app.screen.query_one("#prompt-problem", Static).render().plain
        assert "already the login of" in problem and SHOWN in problem
        await walk("escape", expect=QueueScreen)


async def test_the_guard_escapes_what_a_screen_lets_through(hostile_ctx: Context) -> None:
    """The app's last line of defence: a widget showing raw text is escaped on output."""
    app = FamtriageApp(hostile_ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.screen.mount(Static(PAYLOAD + "raw", markup=False))
        await settle(pilot)
        assert SHOWN[:20] in on_screen(app)
        assert app.guard.caught > 0


async def test_oversized_values_are_cut(oversized: Path) -> None:
    """A 10 MB family name and 1,000,000-character emails: every screen stays quick and
    says what it cut."""
    app = FamtriageApp(Context.open(Store.open(oversized)))
    written = recording(app)
    async with app.run_test(headless=False, size=SIZE) as pilot:
        walk = Walk(app, pilot, written)
        await walk("r", expect=ReportScreen)
        await walk("slash")
        await walk.type("jane")
        await walk("enter", "enter", expect=GroupScreen)
        await walk("enter", expect=FamilyScreen)
        title = app.screen.query_one("#family-title", Static).render().plain
        assert len(title) < 200 and cut_note(10_000_000) in title
        await walk("escape", "escape", "escape", "slash")
        await walk.type("jane.doe", expect=SearchScreen)
        await walk("escape", "w", "slash")
        await walk.type("xxxjane")
        await walk("enter", expect=QueueScreen)
        assert "xxxx" in on_screen(app) and "NNNN" in on_screen(app)
