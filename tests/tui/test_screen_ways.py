"""Ways between screens, from the keyboard at 80×24 and at 160×50: a group or a family
opens its group in the queue (`w`), a tombstone opens its audit entry (`a`), search
finds a family by "#id", and the palette offers the app-wide commands on every screen."""

from __future__ import annotations

import pytest
from pilot_helpers import press_settled, settle
from textual.command import CommandPalette, DiscoveryHit
from textual.pilot import Pilot
from textual.screen import Screen

from famtriage.core.access.context import Context
from famtriage.core.actions.family_edits import delete
from famtriage.tui.app import FamtriageApp
from famtriage.tui.commands import FamtriageCommands
from famtriage.tui.modals.audit_entry import AuditEntryModal
from famtriage.tui.modals.export import ExportModal
from famtriage.tui.modals.notice import NoticeModal
from famtriage.tui.screens.audit import AuditScreen
from famtriage.tui.screens.dashboard import DashboardScreen
from famtriage.tui.screens.family import FamilyScreen
from famtriage.tui.screens.group import GroupScreen
from famtriage.tui.screens.help import HelpScreen, binding_rows
from famtriage.tui.screens.queue import QueueScreen
from famtriage.tui.screens.report import ReportScreen
from famtriage.tui.screens.search import SearchScreen
from famtriage.tui.screens.tasks import TasksScreen
from famtriage.tui.widgets.frame_table import FrameTable

SIZES = [(80, 24), (160, 50)]
APP_WIDE = {
    "Open Dashboard",
    "Open Readiness list",
    "Open Search families",
    "Open Background tasks",
    "Open Resolution queue",
    "Open Audit log",
    "Export the report",
}


def queue_key(app: FamtriageApp) -> tuple[int, str] | None:
    screen = app.screen
    assert isinstance(screen, QueueScreen) and screen.view is not None
    return screen.view.group.key if screen.view.group is not None else None


def queue_message(app: FamtriageApp) -> str:
    return str(app.screen.query_one("#queue-message").render())


def keys_of(screen: Screen) -> set[str]:
    return set(binding_rows(screen)["name"].to_list())


async def offered(app: FamtriageApp) -> dict[str, str]:
    """What the palette offers on the active screen: name → its help line."""
    provider = FamtriageCommands(app.screen)
    hits = [hit async for hit in provider.discover()]
    return {str(h.text): str(h.help) for h in hits if isinstance(h, DiscoveryHit)}


async def open_group(pilot: Pilot, email: str) -> None:
    """Dashboard → report → filter on `email` → its group screen."""
    await press_settled(pilot, "r", "slash", *email, "enter", "enter")
    assert isinstance(pilot.app.screen, GroupScreen)


@pytest.mark.parametrize("size", SIZES)
async def test_the_group_screen_opens_its_group_in_the_queue(app: FamtriageApp, size) -> None:
    async with app.run_test(size=size) as pilot:
        await open_group(pilot, "sam.lee")
        assert "In queue" in keys_of(app.screen)
        await press_settled(pilot, "w")
        assert queue_key(app) == (1, "sam.lee@post.net")
        assert queue_message(app) == ""
        await press_settled(pilot, "escape")
        assert isinstance(app.screen, GroupScreen)  # back where the engineer came from


@pytest.mark.parametrize("size", SIZES)
async def test_a_group_resolved_meanwhile_is_said_so(app: FamtriageApp, ctx: Context, size) -> None:
    async with app.run_test(size=size) as pilot:
        await open_group(pilot, "sam.lee")
        delete(ctx, 1021)  # someone else resolves it while the group screen is open
        await press_settled(pilot, "w")
        assert queue_key(app) == (1, "bob at stone.com")  # the first group left
        assert "sam.lee@post.net is not in the queue now" in queue_message(app)


@pytest.mark.parametrize("size", SIZES)
async def test_the_family_screen_opens_its_group_and_keeps_the_open_queue(
    app: FamtriageApp, size
) -> None:
    async with app.run_test(size=size) as pilot:
        await open_group(pilot, "tom.baker")
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, FamilyScreen) and app.screen.detail.family_id == 1010
        assert "Audit entry" not in keys_of(app.screen)  # an active family has none
        await press_settled(pilot, "w")
        queue = app.screen
        assert queue_key(app) == (1, "tom.baker@mail.com")
        await press_settled(pilot, "n", "n", "enter")  # another group's family, from the queue
        assert isinstance(app.screen, FamilyScreen)
        await press_settled(pilot, "slash")  # nothing bound: the family screen stays
        await press_settled(pilot, "w")
        assert app.screen is queue  # the same queue (its session and undo go on)
        assert sum(isinstance(s, QueueScreen) for s in app.screen_stack) == 1
        await press_settled(pilot, "ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await press_settled(pilot, *"Search families", "enter")
        await press_settled(pilot, *"grandma", "enter", "enter")
        assert isinstance(app.screen, FamilyScreen)
        await press_settled(pilot, "w")
        assert app.screen is queue and queue_key(app) == (1, "grandma.rose@miller.net")


@pytest.mark.parametrize("size", SIZES)
async def test_a_family_in_no_group_offers_no_queue_key(app: FamtriageApp, size) -> None:
    async with app.run_test(size=size) as pilot:
        await press_settled(pilot, "slash", *"ann.kim@gmail.com", "enter", "enter")
        assert isinstance(app.screen, FamilyScreen) and app.screen.detail.family_id == 1050
        assert "In queue" not in keys_of(app.screen)
        await press_settled(pilot, "w")
        assert isinstance(app.screen, FamilyScreen)


@pytest.mark.parametrize("size", SIZES)
async def test_a_tombstone_found_by_id_opens_the_entry_that_restores_it(
    app: FamtriageApp, ctx: Context, size
) -> None:
    done = delete(ctx, 1061)
    async with app.run_test(size=size) as pilot:
        await press_settled(pilot, "slash", *"#1061", "enter")
        hits = app.screen.query_one("#hits", FrameTable)
        assert hits.frame.select("family_id", "status").rows() == [(1061, "deleted")]
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, FamilyScreen)
        title = str(app.screen.query_one("#family-title").render())
        assert f"deleted by audit entry #{done.audit_id}" in title
        keys = keys_of(app.screen)
        assert "Audit entry" in keys and "In queue" not in keys  # a tombstone is in no group
        await press_settled(pilot, "a")
        assert isinstance(app.screen, AuditEntryModal)
        assert app.screen.entry.audit_id == done.audit_id
        await press_settled(pilot, "escape")
        assert isinstance(app.screen, AuditScreen)
        row = app.screen.query_one("#entries", FrameTable).current_row()
        assert row is not None and row["audit_id"] == done.audit_id


@pytest.mark.parametrize("size", SIZES)
async def test_the_palette_offers_the_app_wide_commands_on_every_screen(
    app: FamtriageApp, size
) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screens: list[tuple[str, type[Screen], set[str]]] = [
            ("", DashboardScreen, {"Open Dashboard"}),
            ("r", ReportScreen, {"Open Readiness list", "Export the report"}),
            ("enter", GroupScreen, set()),
            ("enter", FamilyScreen, set()),
            ("w", QueueScreen, {"Open Resolution queue"}),
        ]
        for key, screen_type, here in screens:
            if key:
                await press_settled(pilot, key)
            assert isinstance(app.screen, screen_type)
            names = set(await offered(app))
            assert names & APP_WIDE == APP_WIDE - here, screen_type  # its own keys stand in
            if screen_type is ReportScreen:
                assert "Export" in names  # the report's own export key
        for screen_type, name in [
            (SearchScreen, "Open Search families"),
            (TasksScreen, "Open Background tasks"),
            (AuditScreen, "Open Audit log"),
        ]:
            await press_settled(pilot, "ctrl+p", *name.removeprefix("Open "), "enter")
            assert isinstance(app.screen, screen_type)
            assert set(await offered(app)) & APP_WIDE == APP_WIDE - {name}
        await press_settled(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert not APP_WIDE & set(await offered(app))  # a dialog wants its answer first


@pytest.mark.parametrize("size", SIZES)
async def test_export_from_the_palette_computes_then_asks_where(app: FamtriageApp, size) -> None:
    async with app.run_test(size=size) as pilot:
        await press_settled(pilot, "slash")
        await press_settled(pilot, "ctrl+p", *"Export the report", "enter")
        assert isinstance(app.screen, ExportModal)
        assert isinstance(app.screen_stack[-2], ReportScreen)
        await press_settled(pilot, "escape")
        assert isinstance(app.screen, ReportScreen) and app.screen.report is not None


@pytest.mark.parametrize("size", SIZES)
async def test_the_palette_says_why_a_command_is_not_permitted(desk_app, size) -> None:
    async with desk_app.run_test(size=size) as pilot:
        await press_settled(pilot, "slash")
        names = await offered(desk_app)
        for name in ("Open Readiness list", "Open Resolution queue", "Export the report"):
            assert names[name].startswith("Not permitted: needs the reports.fam12 permission")
        assert not names["Open Audit log"].startswith("Not permitted")
        await press_settled(pilot, "ctrl+p", *"Export the report", "enter")
        assert isinstance(desk_app.screen, NoticeModal)
        assert "reports.fam12" in desk_app.screen.message and "grant" in desk_app.screen.message
        await press_settled(pilot, "escape")
        assert isinstance(desk_app.screen, SearchScreen)
