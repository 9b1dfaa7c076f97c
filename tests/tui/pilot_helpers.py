"""Helpers for Pilot tests (imported by the test modules beside this file)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pytest import MonkeyPatch
from textual import events
from textual.app import App
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


def on_screen(app: App) -> str:
    """The current screen's text, as shown."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


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


def burst(pilot: Pilot, *keys: str) -> None:
    """Send keys as a fast typist does: all at once, in order, through the driver as
    `Pilot.press` sends them, but without its wait for the app to go idle after each."""
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(pilot.app)
        pilot.app._driver.send_message(event)


async def until(pilot: Pilot, done: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until `done()` (workers may still be running)."""
    end = asyncio.get_running_loop().time() + timeout
    while not done():
        assert asyncio.get_running_loop().time() < end, "timed out"
        await pilot.pause(0.005)
