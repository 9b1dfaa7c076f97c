"""Pilot tests of every key path: dashboard → report → group → family, search, help,
palette, permissions and errors."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pilot_helpers import press_settled, settle, spy_on
from textual.command import CommandPalette
from textual.widgets import Input, RadioButton

from famtriage.core.actions.family_edits import delete
from famtriage.core.errors import Conflict
from famtriage.tui.app import FamtriageApp
from famtriage.tui.modals.audit_entry import AuditEntryModal
from famtriage.tui.modals.confirm import ConfirmModal
from famtriage.tui.modals.export import ExportModal
from famtriage.tui.modals.notice import NoticeModal
from famtriage.tui.screens.audit import AuditScreen
from famtriage.tui.screens.dashboard import DashboardScreen
from famtriage.tui.screens.family import FamilyScreen
from famtriage.tui.screens.group import GroupScreen
from famtriage.tui.screens.help import HelpScreen, binding_rows
from famtriage.tui.screens.report import ReportScreen
from famtriage.tui.screens.search import SearchScreen
from famtriage.tui.screens.tasks import TasksScreen
from famtriage.tui.widgets.frame_table import FrameTable


def table(app: FamtriageApp, selector: str) -> FrameTable:
    return app.screen.query_one(selector, FrameTable)


async def test_dashboard_shows_orgs_and_actor(app: FamtriageApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        orgs = table(app, "#orgs")
        assert orgs.row_count == 2
        assert orgs.frame["left"].to_list() == ["6", "4"]
        actor = app.screen.query_one("#actor").render().plain
        assert "admin@famtriage.test" in actor and "Admin" in actor


async def test_report_group_family_and_back(app: FamtriageApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "r")
        assert isinstance(app.screen, ReportScreen)
        assert table(app, "#groups").row_count == 10
        await pilot.press("slash", *"jane", "enter")
        await settle(pilot)
        groups = table(app, "#groups")
        assert groups.row_count == 1 and groups.has_focus
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, GroupScreen)
        assert table(app, "#families").frame["family_id"].to_list() == [1001, 1002, 1003]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FamilyScreen)
        assert app.screen.detail.family_id == 1001
        await pilot.press("right", "right", "right")
        assert app.screen.query_one("TabbedContent").active == "payments"
        assert table(app, "#payments-table").row_count == 6
        await pilot.press("l", "h", "h")
        assert app.screen.query_one("TabbedContent").active == "enrollments"
        await pilot.press("escape", "escape", "escape")
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("escape")  # nothing under the dashboard
        assert isinstance(app.screen, DashboardScreen)


async def test_report_moves_and_sorts(app: FamtriageApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "r")
        groups = table(app, "#groups")
        await pilot.press("j", "j", "down")
        assert groups.cursor_row == 3
        await pilot.press("k")
        assert groups.cursor_row == 2
        await pilot.press("G")
        assert groups.cursor_row == 9
        await pilot.press("g")
        assert groups.cursor_row == 0
        await pilot.press("s")  # by families, fewest first
        assert groups.frame["families"][0] == 2
        await pilot.press("S")
        assert groups.frame["families"].to_list()[:2] == [4, 3]
        status = app.screen.query_one("#report-status").render().plain
        assert "sorted by families ▼" in status and "2026-01-15 09:30" in status


async def test_search_as_you_type_then_open(app: FamtriageApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"jane.doe@example.com")
        await settle(pilot)
        hits = table(app, "#hits")
        assert hits.frame["family_id"].to_list()[:3] == [1001, 1002, 1003]
        assert set(hits.frame["match"].to_list()) == {"exact"}
        await pilot.press("enter", "j", "enter")
        await settle(pilot)
        assert isinstance(app.screen, FamilyScreen)
        assert app.screen.detail.family_id == 1002


async def test_help_lists_the_screen_keys(app: FamtriageApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "r")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = binding_rows(app.screen.for_screen)
        names = rows["name"].to_list()
        for name in ("Filter", "Sort", "Reverse", "Back", "Help", "Quit", "Down", "Bottom"):
            assert name in names
        assert "↓ / j" in rows["key"].to_list()
        await pilot.press("escape")
        assert isinstance(app.screen, ReportScreen)


async def test_palette_opens_screens_and_runs_actions(app: FamtriageApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"FAM-12 report")
        await pilot.pause(0.2)  # the palette searches asynchronously
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReportScreen)
        await pilot.press("ctrl+p", *"Reverse")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await settle(pilot)
        assert "▼" in app.screen.query_one("#report-status").render().plain


async def test_no_permission_says_why(desk_app: FamtriageApp) -> None:
    async with desk_app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        note = desk_app.screen.query_one("#orgs-note").render().plain
        assert "reports.fam12" in note
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(desk_app.screen, NoticeModal)
        assert "reports.fam12" in desk_app.screen.message
        assert "grant" in desk_app.screen.message
        await pilot.press("escape")
        assert isinstance(desk_app.screen, DashboardScreen)
        await pilot.press("slash")  # Front Desk may search
        assert isinstance(desk_app.screen, SearchScreen)


async def test_worker_failure_becomes_a_dialog(
    app: FamtriageApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(ctx, scope="primary", on_progress=None):
        raise Conflict("the store changed; run the report again")

    monkeypatch.setattr("famtriage.core.report.current.report_for_context", refuse)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "r")
        assert isinstance(app.screen, NoticeModal)
        assert app.screen.message == "the report failed: the store changed; run the report again"
        await press_settled(pilot, "escape")
        status = app.screen.query_one("#report-status").render().plain
        assert status == "The report failed; nothing to show."


async def test_markup_in_names_shows_literally(app: FamtriageApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"eve.brackets")
        await settle(pilot)
        hits = table(app, "#hits")
        assert hits.frame["_name"][0] == "[bold red]Brackets[/] Family"
        await pilot.press("down", "enter")
        await settle(pilot)
        title = app.screen.query_one("#family-title").render().plain
        assert "[bold red]Brackets[/] Family" in title
        guardians = table(app, "#guardians-table")
        line = "".join(s.text for s in guardians.render_line(1))
        assert "[link=x]Eve[/link]" in line


async def test_q_quits(app: FamtriageApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_audit_open_entry_and_undo(ctx, app: FamtriageApp) -> None:
    delete(ctx, 1003)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await press_settled(pilot, "a")
        assert isinstance(app.screen, AuditScreen)
        assert table(app, "#entries").frame["action"].to_list() == ["delete"]
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, AuditEntryModal)
        assert "families 1003: status active → deleted" in app.screen.payload.lines
        await press_settled(pilot, "u")
        assert isinstance(app.screen, ConfirmModal)
        await press_settled(pilot, "y")
        assert isinstance(app.screen, AuditScreen)
        entries = table(app, "#entries").frame
        assert entries["action"].to_list() == ["undo", "delete"]
        assert entries["_undone"].to_list() == ["", "by #2"]
        assert table(app, "#entries").current_row()["action"] == "delete"  # still on it
        await press_settled(pilot, "u")  # undone already: refused, with the reason
        assert isinstance(app.screen, NoticeModal)
        await press_settled(pilot, "escape", "escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_undo_confirmation_defaults_to_no(ctx, app: FamtriageApp) -> None:
    delete(ctx, 1003)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "a", "u")
        assert isinstance(app.screen, ConfirmModal)
        await press_settled(pilot, "enter")  # focus starts on No
        assert isinstance(app.screen, AuditScreen)
        assert table(app, "#entries").frame["action"].to_list() == ["delete"]


async def test_front_desk_cannot_undo(ctx, desk_app: FamtriageApp) -> None:
    delete(ctx, 1003)
    async with desk_app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "a", "u")
        assert isinstance(desk_app.screen, NoticeModal)
        assert "families.delete" in desk_app.screen.message


async def test_export_csv_then_xlsx_from_the_report(
    app: FamtriageApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    progress = spy_on(monkeypatch, ReportScreen, "on_export_progress")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await press_settled(pilot, "r", "e")
        assert isinstance(app.screen, ExportModal)
        assert app.screen.query_one("#path", Input).value == "fam12-20260115-0930.csv"
        await press_settled(pilot, "enter")
        written = tmp_path / "fam12-20260115-0930.csv"
        assert written.read_text().count("\n") > 10
        assert written.stat().st_mode & 0o777 == 0o600
        assert "Exported to" in app.screen.query_one("#report-status").render().plain
        await press_settled(pilot, "e")
        app.screen.query(RadioButton)[1].value = True  # XLSX
        await press_settled(pilot, "enter")
        assert (tmp_path / "fam12-20260115-0930.xlsx").stat().st_size > 0
        families = app.screen.report.families.height
        assert progress and progress[-1] == (families, families)  # the XLSX reported, CSV not
        assert not app.screen.query_one("#report-progress").display
        await press_settled(pilot, "e", "enter")  # the CSV exists: refused, nothing replaced
        assert isinstance(app.screen, NoticeModal)


async def test_tasks_list_and_reopen_a_result(app: FamtriageApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "r", "escape")
        assert table(app, "#recent").frame["state"].to_list() == ["done"]
        await press_settled(pilot, "t")
        assert isinstance(app.screen, TasksScreen)
        tasks = table(app, "#tasks").frame
        assert tasks["state"].to_list() == ["done"]
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, ReportScreen)
        assert app.screen.opened is not None
        assert table(app, "#groups").row_count == 10


async def test_cancel_a_running_task(app: FamtriageApp, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def slow(ctx, scope="primary", on_progress=None):
        on_progress(1, 3)
        release.wait(10)
        on_progress(2, 3)  # the task stops here once cancelled
        raise AssertionError("the task should have been cancelled")

    monkeypatch.setattr("famtriage.core.report.current.report_for_context", slow)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot)
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("escape", "t")  # leaving the report leaves the task running
        await pilot.pause()
        assert isinstance(app.screen, TasksScreen)
        (handle,) = app.running.values()
        assert handle.state == "running"
        await pilot.press("c")
        release.set()
        assert handle.wait(10).state == "cancelled"
        await press_settled(pilot)
        app.screen.refresh_tasks()
        await press_settled(pilot)
        assert table(app, "#tasks").frame["state"].to_list() == ["cancelled"]
