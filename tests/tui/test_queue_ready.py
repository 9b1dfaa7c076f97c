"""The done-criterion: with the app's keys only, the queue takes a store to "every
organization login-ready" — the sample store, and generated stores holding every kind
of conflict (secondary logins, one family holding a login twice, reviews, groups of five
and more, look-alikes). Core's readiness, not the screen, says when it is done."""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_helpers import press_settled
from readiness_support import GENERATED, decision, generated_store, kinds_present, new_email

from famtriage.core.access.context import Context
from famtriage.core.report.readiness import readiness
from famtriage.tui.app import FamtriageApp
from famtriage.tui.modals.confirm import ConfirmModal
from famtriage.tui.screens.dashboard import DashboardScreen
from famtriage.tui.screens.queue import QueueScreen

MAX_STEPS = 200


async def work_until_ready(app: FamtriageApp, pilot) -> int:
    """Work the queue as an engineer would, key by key, until it is empty; the number of
    groups acted on."""
    await press_settled(pilot, "w")
    refused_on = None
    for step in range(MAX_STEPS):
        screen = app.screen
        assert isinstance(screen, QueueScreen) and screen.view is not None
        group = screen.view.group
        if group is None:
            return step
        key, index = decision(group, refused=refused_on == group.key)
        if key == "A":
            await press_settled(pilot, "A")
            if not isinstance(app.screen, ConfirmModal):  # refused before asking
                refused_on = group.key
                continue
            await press_settled(pilot, "y")
        else:
            delta = index - screen.selected
            await pilot.press(*(["right"] * delta if delta > 0 else ["left"] * -delta))
            if key == "r":
                await press_settled(pilot, "r")
            else:
                await press_settled(pilot, "e")
                await pilot.press(*new_email(group, index))  # typed, checked as it goes
                await press_settled(pilot, "enter")
            assert isinstance(app.screen, ConfirmModal), _said(app)
            await press_settled(pilot, "y")
        assert isinstance(app.screen, QueueScreen)
        said = _said(app)
        assert said.startswith(("Done:", "Refused:")), said
        refused_on = group.key if said.startswith("Refused:") else None  # (a merge may
        # leave a group of the same login: a moved primary keeps it, in the survivor)
    raise AssertionError(f"the queue was not empty after {MAX_STEPS} groups")


def _said(app: FamtriageApp) -> str:
    return str(app.screen.query_one("#queue-message").render())


async def _check_ready(app: FamtriageApp, pilot, ctx: Context) -> None:
    reason = str(app.screen.query_one("#queue-reason").render())
    assert reason == "Every organization is login-ready."
    assert "no group left" in str(app.screen.query_one("#queue-position").render()).lower()
    assert all(o.ready for o in readiness(ctx))
    await press_settled(pilot, "escape")
    assert isinstance(app.screen, DashboardScreen)
    note = str(app.screen.query_one("#orgs-note").render())
    assert note.startswith("2 of 2 organizations login-ready.")


async def test_the_sample_store_reaches_login_ready_with_keys_only(
    app: FamtriageApp, ctx: Context
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        assert await work_until_ready(app, pilot) >= 11
        await _check_ready(app, pilot, ctx)


@pytest.mark.parametrize(
    ("generated", "size"),
    [(GENERATED[0], (80, 24)), (GENERATED[1], (160, 50))],
    ids=["80x24", "160x50"],
)
async def test_generated_stores_reach_login_ready_with_keys_only(
    tmp_path: Path, generated: tuple[int, float], size: tuple[int, int]
) -> None:
    ctx = Context.open(generated_store(tmp_path / "generated.db", *generated))
    assert all(kinds_present(ctx).values())
    app = FamtriageApp(ctx)
    async with app.run_test(size=size) as pilot:
        assert await work_until_ready(app, pilot) >= 18
        await _check_ready(app, pilot, ctx)
