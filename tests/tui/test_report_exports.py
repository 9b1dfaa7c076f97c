"""The report screen's export (what the screen shows or everything; progress and cancel),
its refresh key, and the line that says a reopened task may be stale: at 80×24 and at a
big size."""

from __future__ import annotations

import csv
import io
import os
import threading
from pathlib import Path

import pytest
from pilot_helpers import press_settled, settle, until
from textual.widgets import Input, RadioButton, Static

from famtriage.core import export_tasks
from famtriage.core.access.context import Context
from famtriage.core.actions.family_edits import delete
from famtriage.core.report.view import group_families
from famtriage.core.tasks import list_tasks
from famtriage.tui.app import FamtriageApp
from famtriage.tui.modals.export import ExportModal
from famtriage.tui.screens.report import ReportScreen
from famtriage.tui.widgets.frame_table import FrameTable

SIZES = [(80, 24), (160, 50)]
DEFAULT_FILE = "fam12-20260115-0930.csv"


def groups(app: FamtriageApp) -> FrameTable:
    return app.screen.query_one("#groups", FrameTable)


def text(app: FamtriageApp, selector: str) -> str:
    return app.screen.query_one(selector, Static).render().plain


def chosen(app: FamtriageApp) -> str:
    """The rows the export dialog will write: "shown" or "everything"."""
    (name,) = [b.name for b in app.screen.query_one("#rows").query(RadioButton) if b.value]
    return name


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder the app runs in (where exports go by default); the store is elsewhere."""
    folder = tmp_path / "out"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def csv_groups(path: Path) -> list[tuple[int, str]]:
    rows = csv.DictReader(io.StringIO(path.read_text()))
    return list(dict.fromkeys((int(r["org_id"]), r["email"]) for r in rows))


@pytest.mark.parametrize("size", SIZES)
async def test_export_what_the_screen_shows_or_everything(
    app: FamtriageApp, out: Path, monkeypatch: pytest.MonkeyPatch, size
) -> None:
    async with app.run_test(size=size) as pilot:
        await press_settled(pilot, "r", "slash", *"merge", "enter", "s", "S")
        shown = groups(app).frame.select("org_id", "email").rows()
        everything = app.screen.report.groups.select("org_id", "email").rows()
        assert 0 < len(shown) < len(everything)
        await press_settled(pilot, "e")
        assert isinstance(app.screen, ExportModal)
        assert chosen(app) == "shown"
        assert text(app, "#rows-hint") == (
            f'The screen shows: filter "merge", sorted by families ▼ ({len(shown)} of '
            f"{len(everything)} groups)."
        )
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, ReportScreen)
        assert csv_groups(out / DEFAULT_FILE) == shown  # in the screen's order
        await press_settled(pilot, "e", "tab", "right")  # format → rows: Everything
        assert chosen(app) == "everything"
        app.screen.query_one("#path", Input).value = "all.csv"
        await press_settled(pilot, "enter")
        assert csv_groups(out / "all.csv") == everything  # in the report's order
        exports = [t for t in list_tasks(app.ctx) if t.kind == "export"]
        assert [t.selection is None for t in exports] == [True, False]
        assert exports[1].selection is not None and 'filter "merge"' in exports[1].selection


def hold_exports(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Exports wait at their first progress report until the returned event is set."""
    gate = threading.Event()
    real = export_tasks.export_report

    def held(*args, on_progress, **kwargs):
        def step(done: int, total: int) -> None:
            on_progress(done, total)
            gate.wait(10)

        return real(*args, on_progress=step, **kwargs)

    monkeypatch.setattr(export_tasks, "export_report", held)
    return gate


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_cancel_an_export_in_progress(
    app: FamtriageApp, out: Path, monkeypatch: pytest.MonkeyPatch, size, fmt
) -> None:
    gate = hold_exports(monkeypatch)
    async with app.run_test(size=size, notifications=True) as pilot:
        await press_settled(pilot, "r", "e")
        if fmt == "xlsx":
            await pilot.press("right")
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, ReportScreen)
        await until(pilot, lambda: screen.query_one("#report-progress").display)
        assert screen.exporting and "c cancels" in text(app, "#report-status")
        assert screen.check_action("cancel_export", ()) and not screen.check_action("export", ())
        await pilot.press("c")
        gate.set()
        await settle(pilot)
        (export, _) = list_tasks(app.ctx)
        assert text(app, "#report-status") == (
            f"Cancelled: no file was written; task {export.task_id} is recorded as cancelled."
        )
        assert (export.kind, export.state, export.fmt) == ("export", "cancelled", fmt)
        assert os.listdir(out) == []  # neither the file nor its temp file
        assert not screen.exporting and not screen.query_one("#report-progress").display
        assert screen.check_action("export", ()) and not screen.check_action("cancel_export", ())


async def test_leaving_the_report_cancels_its_export(
    app: FamtriageApp, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = hold_exports(monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "r", "e")
        await pilot.press("enter")
        await until(pilot, lambda: bool(list_tasks(app.ctx)[0].kind == "export"))
        await pilot.press("escape")
        gate.set()
        await settle(pilot)
        await until(pilot, lambda: list_tasks(app.ctx)[0].state != "running")
        assert list_tasks(app.ctx)[0].state == "cancelled"
        assert os.listdir(out) == []


@pytest.mark.parametrize("size", SIZES)
async def test_refresh_keeps_the_view_and_the_cursors_group(
    app: FamtriageApp, ctx: Context, size
) -> None:
    async with app.run_test(size=size) as pilot:
        await press_settled(pilot, "r", "s", "slash", *"example", "enter", "j", "j", "j")
        table = groups(app)
        before = table.frame.height
        kept = table.current_row()
        first = table.frame.row(0, named=True)  # a two-family group above the cursor
        assert first["families"] == 2 and table.cursor_row == 3
        gone = group_families(app.screen.report, first["org_id"], first["email"])
        delete(ctx, int(gone.filter(gone["role"] == "delete")["family_id"][0]))
        await press_settled(pilot, "r")
        table = groups(app)
        assert table.frame.height == before - 1  # the report as the store is now
        assert app.screen.query_one("#filter", Input).value == "example"
        assert "sorted by families ▲" in text(app, "#report-status")
        row = table.current_row()
        assert (row["org_id"], row["email"]) == (kept["org_id"], kept["email"])
        assert table.cursor_row == 2
        assert [t.kind for t in list_tasks(ctx)] == ["report", "report"]


@pytest.mark.parametrize("size", SIZES)
async def test_a_reopened_task_says_it_may_be_stale(app: FamtriageApp, ctx: Context, size) -> None:
    async with app.run_test(size=size) as pilot:
        await press_settled(pilot, "r")
        assert not app.screen.query_one("#report-stale").display  # fresh
        await press_settled(pilot, "escape", "t", "enter")
        assert not app.screen.query_one("#report-stale").display  # the store has not changed
        await press_settled(pilot, "escape", "escape")
        delete(ctx, 1003)
        await press_settled(pilot, "t", "enter")
        line = app.screen.query_one("#report-stale")
        (task,) = list_tasks(ctx)
        assert line.display
        assert text(app, "#report-stale") == (
            f"May be stale: the store has changed since task #{task.task_id} ran. r runs it again."
        )
        assert line.region.height == 1 and line.region.width == size[0]
        await press_settled(pilot, "r")
        assert not app.screen.query_one("#report-stale").display
        assert len(list_tasks(ctx)) == 2


async def test_enter_on_an_export_task_opens_its_report(
    app: FamtriageApp, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "r", "e", "enter", "escape", "t")
        assert app.screen.query_one("#tasks", FrameTable).frame["_what"].to_list() == [
            "CSV",
            "report",
        ]
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, ReportScreen)
        assert app.screen.task_record is not None and app.screen.task_record.kind == "report"
        assert groups(app).row_count == 10
