"""How far the queue is from done: progress toward login-ready, and what an empty queue
says (every organization ready, or what is left and how to get there).

The queue counts what blocks readiness (`OrgReadiness.login_conflicts`, the readiness
list's groups), so its progress, the dashboard, `readiness --json` and the list agree,
and an empty unfiltered queue means every organization in view is login-ready.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from famtriage.core.formatting import counted
from famtriage.core.report.readiness import OrgReadiness

FILTER_NAMES = {
    "all": "all",
    "merge": "merge",
    "delete": "delete",
    "review": "review",
    "remove_login": "remove-login",
}
"""The queue's filters (every group, or one recommendation), as the screen names them."""


@dataclass(frozen=True)
class Progress:
    """How far the organizations in view are from login-ready."""

    total: int
    left: int
    orgs: int
    orgs_ready: int
    not_ready: tuple[str, ...] = ()
    """The names of the organizations in view that are not login-ready yet."""

    @property
    def resolved(self) -> int:
        return self.total - self.left

    @property
    def text(self) -> str:
        ready = f"{self.orgs_ready:,} of {counted(self.orgs, 'organization')} login-ready"
        if not self.total:
            return f"No group to resolve · {ready}"
        percent = 100 * self.resolved // self.total
        return (
            f"{self.resolved:,} of {counted(self.total, 'group')} resolved ({percent}%) · {ready}"
        )


def progress(orgs: list[OrgReadiness], initial: int | None) -> Progress:
    """Progress since the queue opened (`initial` groups then; more if some appeared):
    what blocks readiness, so no group left means every organization is login-ready."""
    left = sum(o.login_conflicts for o in orgs)
    total = max(initial if initial is not None else left, left)
    waiting = tuple(o.name for o in orgs if not o.ready)
    return Progress(total, left, len(orgs), len(orgs) - len(waiting), waiting)


@dataclass(frozen=True)
class Remaining:
    """What an empty queue says, and whether a key can take the engineer to what is left
    (`show_all`: the queue unfiltered, read again)."""

    text: str
    show_all: bool


def remaining(now: Progress, only: str, groups: pl.DataFrame | None) -> Remaining:
    """The empty queue's message, under the filter `only`, with `groups` the readiness
    list it was filtered from: every organization login-ready, or what is left (under
    another filter, or not in the list that was read) and the key that shows it."""
    left = now.left
    if left == 0 and not now.not_ready:
        return Remaining("Every organization is login-ready.", False)
    if only != "all" and groups is not None:
        actions = groups.group_by("action").len().sort("action")
        parts = [
            f"{n:,} {FILTER_NAMES.get(action, action)}"
            for action, n in actions.iter_rows()
            if action != only
        ]
        if parts:
            return Remaining(
                f"No {FILTER_NAMES[only]} group is left; {counted(left, 'group')} left in all "
                f"({', '.join(parts)}). Press a to show them all.",
                True,
            )
    waiting = ", ".join(now.not_ready) or "some organizations"
    return Remaining(
        f"Not login-ready yet: {waiting} ({counted(left, 'group')} left). "
        "Press a to read the store again.",
        True,
    )
