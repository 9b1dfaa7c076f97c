"""Keys in the resolution queue, typed faster than the app answers: navigation typed
ahead applies in order, none lost; a key that cannot apply now (an action runs, the
confirmation or the group it would act on is not shown yet) is refused with a notice
saying how many and why, and the footer shows the keys disabled meanwhile; only a key
pressed while a confirmation is on screen answers it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from pilot_helpers import burst, press_settled, settle, until
from textual import events
from textual.widgets._footer import FooterKey

from famtriage.core.access.context import Context
from famtriage.core.report.readiness import readiness
from famtriage.tui.app import FamtriageApp
from famtriage.tui.modals.confirm import ConfirmModal
from famtriage.tui.screens import queue as queue_screen
from famtriage.tui.screens.queue import QueueScreen


def _queue(app: FamtriageApp) -> QueueScreen:
    screen = app.screen
    assert isinstance(screen, QueueScreen)
    return screen


def _status(app: FamtriageApp) -> str:
    return str(_queue(app).query_one("#queue-status").render())


def _left(ctx: Context) -> int:
    return sum(o.groups_left for o in readiness(ctx))


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, threading.Event]]:
    """Hold the queue's action (`execute`) and its preview (`describe`) until released."""
    held = {"execute": threading.Event(), "describe": threading.Event()}
    for name, event in held.items():
        real = getattr(queue_screen, name)

        def waiting(*args, _real=real, _event=event):
            assert _event.wait(10), "never released"
            return _real(*args)

        monkeypatch.setattr(queue_screen, name, waiting)
    held["describe"].set()
    yield held
    for event in held.values():
        event.set()


async def test_navigation_typed_ahead_applies_in_order(app: FamtriageApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await press_settled(pilot, "w", "n", "n")
        screen = _queue(app)
        assert screen.view is not None and screen.view.index == 2  # group 3 of 11
        burst(pilot, *["n"] * 41)
        await settle(pilot)
        assert screen.view.index == (2 + 41) % 11  # group 10, not where a lost key leaves it

        start = screen.view.place
        keys = ["n", "j", "p", "s", "right", "n", "k", "right", "left", "right"]
        expected = start.moved(1).moved(1).moved(-1).skipping().moved(1).moved(-1)
        burst(pilot, *keys)
        await settle(pilot)
        assert screen.view.place == expected
        group = screen.view.group
        assert group is not None
        last = group.families.height - 1
        assert screen.selected == min(group.recommended_index + 1, last)  # → ← → after k
        assert "Ignored" not in _status(app)


async def test_keys_while_an_action_runs_are_refused_with_a_notice(
    app: FamtriageApp, ctx: Context, gate: dict[str, threading.Event]
) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await press_settled(pilot, "w")
        screen = _queue(app)
        acted = screen.view.group.key if screen.view and screen.view.group else None
        left = _left(ctx)
        await press_settled(pilot, "A")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await until(pilot, lambda: app.screen is screen and screen.phase == "running")
        assert "working…" in _status(app)  # the busy state, in place
        burst(pilot, "n", "n", "A", "y", "escape")
        await until(pilot, lambda: "Ignored 5 keys" in _status(app))
        assert "(n, n, A, y, escape): an action was running" in _status(app)
        assert screen.busy and screen.check_action("go", (1,)) is None
        keys = {key.action: key for key in screen.query(FooterKey)}
        off = [k for k, key in keys.items() if key.has_class("-disabled") and key._disabled]
        assert {"go(1)", "apply"} <= set(off)  # drawn disabled in the footer; a click refused
        gate["execute"].set()
        await settle(pilot)
        assert _left(ctx) == left - 1  # the action ran, once
        assert screen.view is not None and screen.view.index == 0  # no n was applied
        assert screen.view.group is not None and screen.view.group.key != acted
        assert not screen.busy and not keys["go(1)"].has_class("-disabled")
        assert str(screen.query_one("#queue-message").render()).startswith("Done:")


async def test_a_yes_typed_before_the_confirmation_is_shown_confirms_nothing(
    app: FamtriageApp, ctx: Context, gate: dict[str, threading.Event]
) -> None:
    gate["describe"].clear()
    async with app.run_test(size=(100, 30)) as pilot:
        await press_settled(pilot, "w")
        screen = _queue(app)
        left = _left(ctx)
        burst(pilot, "A", "y", "enter")
        await until(pilot, lambda: "Ignored 2 keys (y, enter)" in _status(app))
        assert "the confirmation was not shown yet; nothing was confirmed" in _status(app)
        gate["describe"].set()
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmModal) and modal.shown_at is not None
        early = events.Key("y", "y")
        early.time = modal.shown_at - 0.01  # pressed before the question was drawn
        app.post_message(early)
        await settle(pilot)
        assert app.screen is modal
        ignored = str(modal.query_one("#confirm-ignored").render())
        assert "Ignored 1 key (y): pressed before this question was shown" in ignored
        await press_settled(pilot, "n")
        assert app.screen is screen and _left(ctx) == left
        assert "Cancelled" in str(screen.query_one("#queue-message").render())


async def test_keys_on_a_group_not_shown_yet_are_refused(app: FamtriageApp, ctx: Context) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await press_settled(pilot, "w")
        screen = _queue(app)
        left = _left(ctx)
        burst(pilot, "n", "A", "d")  # A and d would act on the group n is still opening
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen) and _left(ctx) == left
        assert screen.view is not None and screen.view.index == 1
        assert "Ignored 2 keys (A, d): the group they would act on was not shown yet" in (
            _status(app)
        )
        await press_settled(pilot, "y")  # nothing asks for a yes: said so, not lost
        assert "Ignored 1 key (y): nothing was asking for a yes" in _status(app)
        await press_settled(pilot, "n")
        assert "Ignored" not in _status(app)  # a key that applies clears the notice
