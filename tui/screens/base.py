"""What every famtriage screen shares: going back, the session, and worker errors."""

from __future__ import annotations

from typing import ClassVar, cast

from textual.binding import BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from famtriage.core.access.context import Context
from famtriage.tui.keys import BACK
from famtriage.tui.shell import Shell


class AppScreen(Screen[None]):
    """A full screen of the app; escape goes back unless this is the first screen."""

    BINDINGS: ClassVar[list[BindingType]] = [BACK]

    @property
    def famtriage(self) -> Shell:
        return cast(Shell, self.app)

    @property
    def ctx(self) -> Context:
        return self.famtriage.ctx

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return len(self.app.screen_stack) > 2  # the default screen, then the dashboard
        return True

    def action_back(self) -> None:
        self.dismiss(None)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Workers run with exit_on_error=False: their failures end up here, as a dialog."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.famtriage.show_error(event.worker.error)
