"""Painting a screen once after many widgets changed.

A widget that changed asks its screen for a new layout on its own task, once it is idle.
A screen handler that updates many widgets and returns at once goes idle first: the
screen then paints the old layout with the new text, and the new layout waits for the
next frame or two (25-30 ms in the queue, after every action). Yielding to the event
loop before returning lets the widgets post their requests first, so the screen lays
out and paints once.
"""

from __future__ import annotations

import asyncio

ROUNDS = 3
"""Event-loop turns a widget needs: wake on its prompt, handle it, post its request."""


async def let_widgets_ask() -> None:
    """Yield until the widgets changed so far have asked for their refresh."""
    for _ in range(ROUNDS):
        await asyncio.sleep(0)
