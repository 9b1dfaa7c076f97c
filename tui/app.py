"""The famtriage terminal app: global keys, navigation between screens, errors.

Screens live in tui/screens (one module each); this module only knows how to open
them, after asking core whether the acting staff member may.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Sequence
from typing import ClassVar

from textual import events, work
from textual.app import App
from textual.binding import BindingType
from textual.filter import LineFilter
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer

from famtriage.core.access.context import Context
from famtriage.core.access.views import require_view
from famtriage.core.actions.queue import GroupKey
from famtriage.core.errors import FamtriageError, PermissionDenied
from famtriage.core.formatting import sentence
from famtriage.core.report import live
from famtriage.core.report.family import family_detail
from famtriage.core.safe_text import HEADING_LIMIT, display
from famtriage.core.tasks import TaskHandle, get_task, load_task_report, task_meta
from famtriage.tui.commands import FamtriageCommands
from famtriage.tui.guard import ControlGuard
from famtriage.tui.keys import HELP, QUIT, KeyGate
from famtriage.tui.modals.notice import NoticeModal
from famtriage.tui.screens.audit import AuditScreen
from famtriage.tui.screens.dashboard import DashboardScreen
from famtriage.tui.screens.family import FamilyScreen
from famtriage.tui.screens.help import HelpScreen
from famtriage.tui.screens.queue import QueueScreen
from famtriage.tui.screens.report import ReportScreen
from famtriage.tui.screens.search import SearchScreen
from famtriage.tui.screens.tasks import TasksScreen

SAVE_AFTER_S = 60.0
"""The snapshot's files are written (in a thread) once the app has written nothing for
this long, and at exit. Not sooner: writing them takes about a second at a million
families, and a write to the store made meanwhile waits for the disk behind them."""

FOLD_AFTER_S = 2.0
"""SQLite's write-ahead log is folded into the database (in a thread) once the app has
written nothing for this long: not on the commit that fills it, which an engineer
waits for (`Store.checkpoint_later`), nor a minute later, by when a long run of actions
has grown the log that every read searches."""
FOLD_WITHIN_S = 20.0
"""Nor later than this after the first write it holds: a long run of actions, each
within two seconds of the last, folds it meanwhile (in a thread, as it runs)."""

SCREENS_BY_VIEW = {
    "report": ReportScreen,
    "search": SearchScreen,
    "tasks": TasksScreen,
    "audit": AuditScreen,
    "queue": QueueScreen,
}


class FamtriageApp(App[int]):
    """Find and resolve families that share a login email, keyboard first."""

    TITLE = "famtriage"
    CSS_PATH = "app.tcss"
    COMMANDS: ClassVar = {FamtriageCommands}
    BINDINGS: ClassVar[list[BindingType]] = [HELP, QUIT]
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx
        self.running: dict[int, TaskHandle] = {}
        """Report tasks started in this session, by id: the ones Tasks can cancel."""
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            self.animation_level = "none"  # over SSH every animation is a delay
        if ctx.actor.acting_for is not None:  # impersonation is never out of sight
            self.title = f"famtriage · {display(ctx.actor.label, HEADING_LIMIT)}"
        self.guard = ControlGuard()
        """Escapes any control character a screen let through (it should find none)."""
        live.hold(ctx.store)  # one view in memory, patched after each write
        self._idle_timers: list[Timer] = []
        self._unfolded_since: float | None = None
        """When the first write not yet folded in was made (`wrote`)."""

    def get_line_filters(self) -> Sequence[LineFilter]:
        guard = [self.guard] if self.guard.enabled else []
        return [*super().get_line_filters(), *guard]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification as plain text, escaped (it may quote customer data), and as a
        sentence: core's messages are clauses ("cannot write there")."""
        super().notify(
            display(sentence(message)),
            title=display(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    async def on_event(self, event: events.Event) -> None:
        """A key first asks the active screen whether it may apply now (`KeyGate`),
        before the priority bindings (as it arrives)..."""
        if isinstance(event, events.Key) and not event.is_forwarded:
            screen = self.screen
            if isinstance(screen, KeyGate) and not screen.admit_key(event, bubbled=False):
                return
        await super().on_event(event)

    def on_key(self, event: events.Key) -> None:
        """...and again before the other bindings: a key reaches them after the keys
        typed before it ran their actions, so the screen judges it in the state they
        left (a `y` typed right after `A` finds the confirmation being prepared)."""
        screen = self.screen
        if isinstance(screen, KeyGate) and not screen.admit_key(event, bubbled=True):
            event.prevent_default()  # App's own handler, which runs the bindings, is skipped

    def wrote(self) -> None:
        """The store was written from this app: its log is folded in, and its snapshot's
        files written, once nothing has been written for a while (never on the way to
        the next screen)."""
        now = time.monotonic()
        if self._unfolded_since is None:
            self._unfolded_since = now
        fold_in = min(FOLD_AFTER_S, max(self._unfolded_since + FOLD_WITHIN_S - now, 0.0))
        for timer in self._idle_timers:
            timer.stop()
        self._idle_timers = [
            self.set_timer(fold_in, self._fold),
            self.set_timer(SAVE_AFTER_S, self._save_snapshot),
        ]

    @work(thread=True, exclusive=True, exit_on_error=False, group="save-snapshot")
    def _save_snapshot(self) -> None:
        live.flush(self.ctx.store)

    def _fold(self) -> None:
        self._unfolded_since = None
        self._fold_log()

    @work(thread=True, exclusive=True, exit_on_error=False, group="fold-log")
    def _fold_log(self) -> None:
        self.ctx.store.checkpoint()

    def on_mount(self) -> None:
        self.ctx.store.on_notice = self.show_notice  # from now on, instead of stderr
        self.push_screen(DashboardScreen())

    def show_notice(self, text: str) -> None:
        """A notice from core (a snapshot that could not be used): shown, never blocking.
        Safe from worker threads; `notify` escapes it (it names paths)."""
        self.notify(text, title="Note", severity="warning", timeout=10)

    def action_open(self, view: str) -> None:
        """Open a screen by name, or say why the acting staff member may not."""
        if view == "dashboard":
            while len(self.screen_stack) > 2:
                self.pop_screen()
            return
        if view == "queue":
            self.open_queue()
            return
        if not self._allowed(view):
            return
        screen_type = SCREENS_BY_VIEW[view]
        if not isinstance(self.screen, screen_type):
            self.push_screen(screen_type())

    def shows(self, screen: Screen, view: str) -> bool:
        """Whether `screen` is the one `view` opens ("export": the report, which has its
        own export key): the palette offers that screen's own keys instead."""
        screen_type = {"dashboard": DashboardScreen, "export": ReportScreen}.get(view)
        return isinstance(screen, screen_type or SCREENS_BY_VIEW[view])

    def open_queue(self, at: GroupKey | None = None) -> None:
        """The resolution queue, at the group `at` if given. A queue already open is
        brought back (the screens above it close) so its session, undo included, goes on;
        only without one is a queue started."""
        if not self._allowed("queue"):
            return
        queue = next((s for s in self.screen_stack if isinstance(s, QueueScreen)), None)
        if queue is None:
            self.push_screen(QueueScreen(at))
            return
        while self.screen is not queue:
            self.pop_screen()
        if at is not None:
            queue.open_at(at)

    def open_audit(self, audit_id: int) -> None:
        """The audit log at one entry, its changes shown (undo is offered from there)."""
        if self._allowed("audit"):
            self.push_screen(AuditScreen(audit_id))

    def export_report(self) -> None:
        """Export from any screen: the report is computed, then asks where to save it."""
        if not self._allowed("report"):
            return
        if isinstance(self.screen, ReportScreen):
            self.screen.action_export()
        else:
            self.push_screen(ReportScreen(export=True))

    def open_family(self, family_id: int) -> None:
        """Load the family now (small, fast) so a refusal shows instead of a screen."""
        if not self._allowed("family"):
            return
        try:
            detail = family_detail(self.ctx, family_id)
        except FamtriageError as exc:
            self.show_error(exc)
            return
        self.push_screen(FamilyScreen(detail))

    def open_task(self, task_id: int) -> None:
        """Reopen a finished task's stored report (an export's: the report it wrote);
        refused, with why, if it has none."""
        if not self._allowed("tasks"):
            return
        try:
            record = get_task(self.ctx, task_id)
            if record.source_task is not None:
                record = get_task(self.ctx, record.source_task)
            report = load_task_report(self.ctx, record.task_id)
        except FamtriageError as exc:
            self.show_error(exc)
            return
        self.push_screen(ReportScreen((report, task_meta(record), record)))

    def _allowed(self, view: str) -> bool:
        try:
            require_view(self.ctx.actor, view)
        except PermissionDenied as exc:
            self.show_error(exc)
            return False
        return True

    def show_error(self, error: BaseException) -> None:
        """The one place an error becomes a dialog; the engine's own messages say why."""
        if isinstance(error, PermissionDenied):
            title = "Not permitted"
        elif isinstance(error, FamtriageError):
            title = "Refused"
        else:
            title = f"Unexpected error ({type(error).__name__})"
        self.push_screen(NoticeModal(title, str(error)))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        self.push_screen(HelpScreen(self.screen))


def run_app(ctx: Context) -> int:
    """Called by `famtriage` with no command. The snapshot's files catch up with the
    last writes once the terminal is back (`live.flush`)."""
    app = FamtriageApp(ctx)
    settle_garbage()
    try:
        app.run()
    finally:
        live.flush(ctx.store)
    return 0


def settle_garbage() -> None:
    """Everything loaded so far (modules, the session, the app) lives as long as the app:
    a full garbage collection need not walk it again. Without this one took up to
    0.17 s between two keys at a million families."""
    gc.collect()
    gc.freeze()
