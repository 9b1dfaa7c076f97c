"""What screens and the palette may ask of the app, as a Protocol.

Screens reach the app through this description rather than by importing `tui.app`
(which imports every screen), so the house has no import cycle.
"""

from __future__ import annotations

from typing import Protocol

from textual.screen import Screen

from famtriage.core.access.context import Context
from famtriage.core.actions.queue import GroupKey
from famtriage.core.tasks import TaskHandle


class Shell(Protocol):
    """The app as its screens see it: the session, running tasks, and navigation."""

    ctx: Context
    running: dict[int, TaskHandle]

    def action_open(self, view: str) -> None: ...

    def shows(self, screen: Screen, view: str) -> bool: ...

    def open_family(self, family_id: int) -> None: ...

    def open_queue(self, at: GroupKey | None = None) -> None: ...

    def open_audit(self, audit_id: int) -> None: ...

    def export_report(self) -> None: ...

    def open_task(self, task_id: int) -> None: ...

    def show_error(self, error: BaseException) -> None: ...

    def wrote(self) -> None: ...
