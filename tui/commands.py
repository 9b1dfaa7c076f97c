"""The command palette (ctrl+p): every screen, and every action of the current screen.

One Provider. The actions are read from the current screen's bindings, so the
palette offers exactly what the footer and help offer, under the same names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from famtriage.core.access.views import can_view
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


class FamtriageCommands(Provider):
    """Screens first, then the actions bound on the screen the palette was opened from."""

    def _commands(self) -> Iterator[tuple[str, Callable[[], object], str]]:
        app = cast(Shell, self.app)
        for view, (name, help_text) in VIEWS.items():
            if can_view(app.ctx.actor, view):
                yield f"Open {name}", partial(app.action_open, view), help_text
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
