"""Which permission each view of the data needs.

The terminal app asks here before it opens a screen, so a staff member without the
permission is told why (the PermissionDenied message) instead of seeing a half-built
screen. The CLI makes the same checks through the functions it calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from famtriage.core.access.permissions import Actor

if TYPE_CHECKING:
    from famtriage.core.access.context import Context
    from famtriage.core.tasks import TaskRecord

VIEW_PERMISSIONS: dict[str, str | None] = {
    "dashboard": None,
    "readiness": "reports.fam12",
    "report": "reports.fam12",
    "queue": "reports.fam12",
    "search": "families.view",
    "family": "families.view",
    "audit": "families.view",
    "tasks": "reports.fam12",
}
"""View name → the permission it needs (None: anyone signed in)."""


def require_view(actor: Actor, view: str) -> None:
    """Raise PermissionDenied (naming the permission and who grants it) if `actor` may not."""
    permission = VIEW_PERMISSIONS[view]
    if permission is not None:
        actor.require(permission)


def can_view(actor: Actor, view: str) -> bool:
    permission = VIEW_PERMISSIONS[view]
    return permission is None or actor.can(permission)


def visible_tasks(ctx: Context, tasks: list[TaskRecord]) -> list[TaskRecord]:
    """The stored report tasks this session may list and open: those run on this store
    (tasks live in the OS user's data dir, shared by every store that user opens) whose
    organizations are all in view here."""
    store = ctx.store.store_id()
    return [t for t in tasks if t.store == store and t.org_ids and set(t.org_ids) <= set(ctx.orgs)]
