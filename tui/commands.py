"""The command palette (ctrl+p): the app-wide commands, then the current screen's keys.

One Provider. The app-wide commands (report, queue, search, export, audit, tasks and
the dashboard) are offered from every screen, except the one already showing (its own
keys are offered instead) and from a dialog (which wants its answer first). A command
the acting staff member may not use is still listed, saying so: running it shows core's
refusal, naming the permission and who grants it. The screen's actions are read from
its bindings, so the palette offers exactly what the footer and help offer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import ModalScreen

from famtriage.core.access.views import VIEW_PERMISSIONS, can_view
from famtriage.tui.shell import Shell

VIEWS = {
    "dashboard": ("Dashboard", "Organizations, FAM-12 groups left and login-readiness."),
    "report": ("Readiness list", "Families sharing a login email (FAM-12 first), what to do."),
    "search": ("Search families", "Every family with an email (or part of one)."),
    "tasks": ("Background tasks", "Running and finished FAM-12 reports; open a result."),
    "queue": ("Resolution queue", "Resolve what blocks login-readiness, one group at a time."),
    "audit": ("Audit log", "Who did what, newest first; undo from there."),
}
"""Screens the palette can open → (name, what it shows)."""
EXPORT = ("Export the report", "Compute the report, then save it as CSV, XLSX or PDF.")
NEEDS_VIEW = {"export": "report"}
"""A command that is not a screen of its own needs the permission of this one."""


class FamtriageCommands(Provider):
    """App-wide commands first, then the actions bound on the screen the palette was
    opened from."""

    def _commands(self) -> Iterator[tuple[str, Callable[[], object], str]]:
        app = cast(Shell, self.app)
        if not isinstance(self.screen, ModalScreen):
            for view, (name, help_text) in VIEWS.items():
                if not app.shows(self.screen, view):
                    run = partial(app.action_open, view)
                    yield f"Open {name}", run, _why_not(app, view) or help_text
            if not app.shows(self.screen, "export"):
                name, help_text = EXPORT
                yield name, app.export_report, _why_not(app, "export") or help_text
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            ident = binding.id
            if ident is None or binding.system or not binding.description or ident in seen:
                continue  # only famtriage's declared keys; Textual's focus keys stay out
            if binding.action.startswith("app.open") or not active.enabled:
                continue
            seen.add(ident)
            run = partial(app.run_action, binding.action, active.node)
            yield binding.description, run, binding.tooltip or binding.description

    async def discover(self) -> Hits:
        for name, run, help_text in self._commands():
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, run, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, help=help_text)


def _why_not(app: Shell, command: str) -> str | None:
    """Why the acting staff member may not run `command` (core's permission), or None."""
    view = NEEDS_VIEW.get(command, command)
    if can_view(app.ctx.actor, view):
        return None
    return (
        f"Not permitted: needs the {VIEW_PERMISSIONS[view]} permission (Enter says who grants it)."
    )
