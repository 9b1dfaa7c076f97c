"""Who is acting, what they may do, and which organizations they see.

Checked here, in core, by every command and screen: the UI never decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

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

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        """Refuse, naming the missing permission and who can grant it."""
        if not self.can(permission):
            raise PermissionDenied(
                f"{self.email} ({self.user_group}) lacks the permission {permission!r} "
                f"to {DESCRIPTIONS[permission]}; an Admin or Account Owner can grant it with "
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


SINGLE_USER = Actor(0, "Local user", "local", "Admin", None, frozenset(PERMISSIONS))


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


def resolve_actor(store: Store, email: str | None) -> Actor:
    """`--as EMAIL`, else the store's first Admin; a store without staff is single-user."""
    st = schema.staff
    with store.engine.connect() as conn:
        if email:
            row = (
                conn.execute(select(st).where(st.c.email == email.strip())).first()
                or conn.execute(select(st).where(st.c.email.ilike(email.strip()))).first()
            )
            if row is None:
                raise NotFound(f"no staff member with email {email}")
        else:
            row = conn.execute(
                select(st).where(st.c.user_group == "Admin").order_by(st.c.staff_id)
            ).first()
            if row is None:
                if conn.execute(select(st.c.staff_id).limit(1)).first() is None:
                    return SINGLE_USER
                raise NotFound("this store has staff but no Admin: name one with --as EMAIL")
    return Actor(
        staff_id=row.staff_id,
        name=row.name or row.email,
        email=row.email,
        user_group=row.user_group,
        org_id=row.org_id,
        permissions=group_permissions(store, row.user_group),
    )
