"""Possibly the same person in the app, at 80×24 and 160×50: the report's section (`L`)
lists the look-alike sets family by family and opens a family; the queue names the
look-alikes of the group's families on a line of their own, never merging them."""

from __future__ import annotations

import pytest
from pilot_helpers import press_settled

from famtriage.core.access.context import Context
from famtriage.core.actions.family_edits import change_email
from famtriage.tui.app import FamtriageApp
from famtriage.tui.screens.family import FamilyScreen
from famtriage.tui.screens.help import binding_rows
from famtriage.tui.screens.queue import QueueScreen
from famtriage.tui.screens.report import ReportScreen
from famtriage.tui.widgets.frame_table import FrameTable

SIZES = [(80, 24), (160, 50)]
KIM = 5016
"""The primary guardian of #1052 (ann.kim+swim@gmail.com in the sample)."""


def text(app: FamtriageApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


@pytest.mark.parametrize("size", SIZES)
async def test_the_report_shows_the_sets_and_opens_their_families(app: FamtriageApp, size) -> None:
    async with app.run_test(size=size) as pilot:
        await press_settled(pilot, "r")
        assert "L shows 2 look-alike sets" in text(app, "#report-status")
        assert "Same person?" in binding_rows(app.screen)["name"].to_list()
        await press_settled(pilot, "L")
        sets = app.screen.query_one("#lookalike-table", FrameTable)
        assert sets.has_focus and not app.screen.query_one("#groups").display
        assert sets.frame.select("_set", "_family").rows() == [
            ("1", "#1050"),
            ("", "#1051"),
            ("", "#1052"),
            ("2", "#1053"),
            ("", "#1054"),
        ]
        assert text(app, "#report-status").startswith(
            "2 look-alike sets, 5 families: possibly the same person."
        )
        assert "Gmail ignores dots" in text(app, "#lookalike-why")
        names = set(binding_rows(app.screen)["name"].to_list())
        assert "Sort" not in names and "Filter" not in names  # they work on the groups
        await press_settled(pilot, "r")  # a refresh keeps the sets shown, up to date
        assert text(app, "#report-status").startswith("2 look-alike sets, 5 families")
        assert app.screen.query_one("#lookalike-table", FrameTable).has_focus
        await press_settled(pilot, "G")
        assert "Set 2: A +tag reaches the same mailbox" in text(app, "#lookalike-why")
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, FamilyScreen) and app.screen.detail.family_id == 1054
        await press_settled(pilot, "escape", "L")
        assert isinstance(app.screen, ReportScreen)
        assert app.screen.query_one("#groups", FrameTable).has_focus
        assert "Sort" in binding_rows(app.screen)["name"].to_list()
        await press_settled(pilot, "s", "s")  # by email, then by families
        assert "sorted by families" in text(app, "#report-status")


@pytest.mark.parametrize("size", SIZES)
async def test_the_queue_names_the_look_alikes_of_the_groups_families(
    app: FamtriageApp, ctx: Context, size
) -> None:
    change_email(ctx, KIM, "jane.doe+swim@example.com")
    async with app.run_test(size=size) as pilot:
        await press_settled(pilot, "w")
        assert not app.screen.query_one("#queue-lookalikes").display  # bob's group: none
        await press_settled(pilot, "n", "n")
        screen = app.screen
        assert isinstance(screen, QueueScreen) and screen.view is not None
        assert screen.view.group is not None
        assert screen.view.group.key == (1, "jane.doe@example.com")
        line = app.screen.query_one("#queue-lookalikes")
        assert line.display
        assert " ".join(str(line.render()).split()) == (
            "#1001, #1002 and #1003 may be the same person as #1052: "
            "jane.doe+swim@example.com and jane.doe@example.com reach one mailbox; each is "
            "its own login, never merged."
        )
        assert screen.view.group.family_ids == (1001, 1002, 1003)  # never grouped
        await press_settled(pilot, "n")
        assert not app.screen.query_one("#queue-lookalikes").display
