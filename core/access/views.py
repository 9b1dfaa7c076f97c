"""Which permission each view of the data needs.

The terminal app asks here before it opens a screen, so a staff member without the
permission is told why (the PermissionDenied message) instead of seeing a half-built
screen. The CLI makes the same checks through the functions it calls.
"""

from __future__ import annotations

from famtriage.core.access.permissions import Actor

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
