"""Staff and their permissions: who can do what, and granting a permission to a group."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from famtriage.core.access.context import Context
from famtriage.core.access.permissions import (
    BUILTIN_GROUPS,
    PERMISSIONS,
    group_permissions,
    staff_by_email,
)
from famtriage.core.actions import audit
from famtriage.core.actions.audit import ActionResult
from famtriage.core.errors import Conflict, InputError, NotFound
from famtriage.core.store import schema
from famtriage.core.store.journal import Journal


@dataclass(frozen=True)
class StaffMember:
    staff_id: int
    org_id: int | None
    name: str | None
    email: str
    user_group: str
    permissions: tuple[str, ...]


def list_staff(ctx: Context) -> list[StaffMember]:
    """Staff of the organizations in view (and staff of no organization), with the
    permissions their group gives them."""
    s = schema.staff
    with ctx.store.engine.connect() as conn:
        rows = conn.execute(
            select(s)
            .where(or_(s.c.org_id.in_(ctx.orgs), s.c.org_id.is_(None)))
            .order_by(s.c.staff_id)
        ).all()
    granted = {g: group_permissions(ctx.store, g) for g in {r.user_group for r in rows}}
    return [
        StaffMember(
            r.staff_id,
            r.org_id,
            r.name,
            r.email,
            r.user_group,
            tuple(p for p in PERMISSIONS if p in granted[r.user_group]),
        )
        for r in rows
    ]


class AlreadyGranted(Exception):
    """The group already has the permission: nothing to do (not a refusal)."""


def grant(ctx: Context, user_group: str, permission: str) -> ActionResult:
    """Give a custom user group a permission (audited and undoable). User groups are
    shared by every organization, so only a global Admin may: an organization's owner
    granting to "Support Lead" would change what another organization's staff can do."""
    ctx.actor.require_global_admin(f"grant {permission} to {user_group}")
    if permission not in PERMISSIONS:
        raise InputError(f"unknown permission {permission!r}; use one of {', '.join(PERMISSIONS)}")
    if user_group in BUILTIN_GROUPS:
        raise AlreadyGranted(f"{user_group} already has every permission; nothing changed")
    ug, s = schema.user_groups, schema.staff
    with ctx.store.write() as conn:
        row = conn.execute(select(ug).where(ug.c.user_group == user_group)).first()
        used = conn.execute(select(s.c.staff_id).where(s.c.user_group == user_group)).first()
        if row is None and used is None:
            raise NotFound(f"no user group named {user_group!r}")
        current = (row.permissions or "").split() if row is not None else []
        if permission in current:
            raise AlreadyGranted(f"{user_group} already has {permission}; nothing changed")
        journal = Journal(conn)
        value = " ".join([*current, permission])
        if row is None:
            journal.insert("user_groups", {"user_group": user_group, "permissions": value})
        else:
            journal.update_where(
                "user_groups", ug.c.user_group == user_group, {"permissions": value}
            )
        summary = f"Granted {permission} to {user_group}"
        return audit.record(conn, ctx, "grant", None, summary, journal)


ACCOUNT_KINDS = {"os_account": "OS account", "db_role": "database role"}


def map_account(ctx: Context, email: str, kind: str, account: str) -> ActionResult:
    """Map a staff member to the OS account (SQLite) or database role (PostgreSQL) they
    log in as, so famtriage knows them without being told (a global Admin's work;
    audited and undoable). The first mapping of a kind must be the caller's own: from
    then on only mapped accounts may act, and a store whose owner mapped someone else
    first would lock its owner out."""
    ctx.actor.require_global_admin("map staff to the accounts they log in as")
    if kind not in ACCOUNT_KINDS:
        raise InputError(f"unknown account kind {kind!r}")
    account = account.strip()
    if not account:
        raise InputError(f"name the {ACCOUNT_KINDS[kind]} to map")
    s = schema.staff
    column = s.c[kind]
    with ctx.store.write() as conn:
        target = staff_by_email(conn, email)
        holder = conn.execute(select(s.c.staff_id).where(column == account)).scalar()
        if holder is not None and holder != target.staff_id:
            raise Conflict(f"{ACCOUNT_KINDS[kind]} {account} is already staff #{holder}'s")
        first = conn.execute(select(s.c.staff_id).where(column.is_not(None)).limit(1)).first()
        me = ctx.identity.account if ctx.identity is not None else None
        if first is None and (account != me or target.org_id is not None):
            raise Conflict(
                f"map yourself first: this store maps no {ACCOUNT_KINDS[kind]} yet, and once "
                f"one is mapped only mapped ones may act; run `famtriage map YOUR_EMAIL "
                f"--{kind.replace('_', '-')} {me}` with a global Admin's email"
            )
        journal = Journal(conn)
        journal.update_where("staff", s.c.staff_id == target.staff_id, {kind: account})
        summary = f"Mapped {ACCOUNT_KINDS[kind]} {account} to {target.email}"
        return audit.record(conn, ctx, "map", None, summary, journal)


def staff_document(members: list[StaffMember]) -> dict:
    """The `staff --json` interface."""
    return {
        "staff": [
            {
                "staff_id": m.staff_id,
                "org_id": m.org_id,
                "name": m.name,
                "email": m.email,
                "user_group": m.user_group,
                "permissions": list(m.permissions),
            }
            for m in members
        ]
    }
