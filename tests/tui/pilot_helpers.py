"""Helpers for Pilot tests (imported by the test modules beside this file)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pytest import MonkeyPatch
from textual.pilot import Pilot
from textual.widgets import Input

FIXED_TIME = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
"""When every report and audit entry in a snapshot says it happened."""


async def settle(pilot: Pilot) -> None:
    """Wait for every worker and the messages they post; freeze cursors for snapshots."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    await pilot.pause()


async def press_settled(pilot: Pilot, *keys: str) -> None:
    """Settle, then press each key and settle again (workers it starts finish)."""
    await settle(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def spy_on(monkeypatch: MonkeyPatch, screen: type, handler: str) -> list[tuple[float, int]]:
    """Record `(done, total)` of every progress message `screen.handler` receives (it
    still handles them)."""
    seen: list[tuple[float, int]] = []
    original = getattr(screen, handler)

    def spy(self: object, message: Any) -> None:
        seen.append((message.done, message.total))
        original(self, message)

    monkeypatch.setattr(screen, handler, spy)
    return seen
