"""Who is acting, what they may do, and which organizations they see.

Checked here, in core, by every command and screen: the UI never decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, select

from famtriage.core.emails import normalize_email
from famtriage.core.errors import NotFound, PermissionDenied
from famtriage.core.store import schema
from famtriage.core.store.database import Store

PERMISSIONS = (
    "reports.fam12",
    "families.view",
    "families.merge",
    "families.delete",
    "families.edit",
    "admin",
)
BUILTIN_GROUPS = ("Admin", "Account Owner")
DESCRIPTIONS = {
    "reports.fam12": "run the FAM-12 report",
    "families.view": "search and view families",
    "families.merge": "merge families",
    "families.delete": "delete families",
    "families.edit": "change guardians' emails and invite guardians",
    "admin": "administer staff, permissions and purges",
}


@dataclass(frozen=True)
class Actor:
    """The acting staff member (or the single user of a store without staff)."""

    staff_id: int
    name: str
    email: str
    user_group: str
    org_id: int | None
    permissions: frozenset[str]
    acting_for: str | None = None
    """Who really acts when a global Admin impersonates this member (`--as`)."""

    @property
    def label(self) -> str:
        """How people read who acted: "B", or "A acting as B"."""
        mine = f"{self.name} <{self.email}>" if self.name != self.email else self.email
        return mine if self.acting_for is None else f"{self.acting_for} acting as {mine}"

    @property
    def is_global(self) -> bool:
        """A member of no organization: acts on every organization (a global Admin)."""
        return self.org_id is None

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def require_global_admin(self, what: str) -> None:
        """Refuse work that reaches beyond one organization (rebuilding the store,
        granting a permission to a user group every organization shares) to anyone but a
        global Admin."""
        self.require("admin")
        if not self.is_global:
            raise PermissionDenied(
                f"{self.email} ({self.user_group} of organization {self.org_id}) may not "
                f"{what}: that reaches every organization, so only a global Admin (a staff "
                "member of no organization) may"
            )

    def require(self, permission: str) -> None:
        """Refuse, naming the missing permission and who can grant it."""
        if not self.can(permission):
            raise PermissionDenied(
                f"{self.email} ({self.user_group}) lacks the permission {permission!r} "
                f"to {DESCRIPTIONS[permission]}; a global Admin can grant it with "
                f"`famtriage grant {_quote(self.user_group)} {permission}`"
            )

    def visible_orgs(self, all_orgs: list[int], requested: int | None = None) -> list[int]:
        """The organizations this actor works on: all it may see, or the one asked for."""
        mine = [o for o in all_orgs if self.org_id is None or o == self.org_id]
        if requested is None:
            return mine
        if requested not in all_orgs:
            raise NotFound(f"no organization with id {requested}")
        if requested not in mine:
            raise PermissionDenied(f"{self.email} does not belong to organization {requested}")
        return [requested]


def staff_by_email(conn: Connection, email: str) -> Row[Any]:
    """The one staff member whose normalized email is `email`'s (staff are few: compared
    in Python with the same normalization as logins)."""
    key = normalize_email(email)
    if key is None:
        raise PermissionDenied("--as needs a staff member's email; an empty one names nobody")
    rows = conn.execute(select(schema.staff).order_by(schema.staff.c.staff_id)).all()
    found = [r for r in rows if normalize_email(r.email) == key]
    if not found:
        raise PermissionDenied(f"no staff member has the email {email.strip()!r}")
    if len(found) > 1:
        ids = ", ".join(f"#{r.staff_id}" for r in found)
        raise PermissionDenied(
            f"staff {ids} share the email {key!r}; give each their own before using --as"
        )
    return found[0]


def _quote(text: str) -> str:
    return f'"{text}"' if " " in text else text


def group_permissions(store: Store, user_group: str) -> frozenset[str]:
    if user_group in BUILTIN_GROUPS:
        return frozenset(PERMISSIONS)
    with store.engine.connect() as conn:
        granted = conn.execute(
            select(schema.user_groups.c.permissions).where(
                schema.user_groups.c.user_group == user_group
            )
        ).scalar()
    return frozenset(p for p in (granted or "").split() if p in PERMISSIONS)


def member(store: Store, staff_id: int) -> Actor:
    """The staff member `staff_id` as an actor: for a caller that has established who is
    acting by other means than an email (and for tests, which never type identities)."""
    with store.engine.connect() as conn:
        row = conn.execute(select(schema.staff).where(schema.staff.c.staff_id == staff_id)).first()
    if row is None:
        raise PermissionDenied(f"no staff member #{staff_id}")
    return actor_from_row(store, row)


def actor_from_row(store: Store, row: Row[Any]) -> Actor:
    return Actor(
        staff_id=row.staff_id,
        name=row.name or row.email,
        email=row.email,
        user_group=row.user_group,
        org_id=row.org_id,
        permissions=group_permissions(store, row.user_group),
    )
