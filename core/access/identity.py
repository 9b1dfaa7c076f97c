"""Who is acting, established rather than typed.

On SQLite the acting staff member is the one mapped to the operating-system account
running famtriage (over SSH, the account SSH authenticated); on PostgreSQL, the one
mapped to the database role the connection authenticated as (`SESSION_USER`, which
`SET ROLE` does not change). A store that maps nobody is single-user: on SQLite its
file's owner, on PostgreSQL the role owning the schema, acts as its global Admin.
Anyone else is refused, told how to get mapped. `--as` is impersonation: a global Admin
only, audited, with the impersonated member's permissions and scope.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select, text

from famtriage.core.access.permissions import PERMISSIONS, Actor, actor_from_row, staff_by_email
from famtriage.core.errors import PermissionDenied
from famtriage.core.store import schema
from famtriage.core.store.audit_log import write_entry
from famtriage.core.store.database import Store


@dataclass(frozen=True)
class Identity:
    """Who is at the keyboard, and how famtriage knows."""

    account: str
    """The OS account (SQLite) or database role (PostgreSQL)."""
    kind: str
    """"OS account" or "database role"."""
    member: Actor
    """The staff member that account is (the store's global Admin in a single-user store)."""
    single_user: bool

    def how(self) -> str:
        """How the identity was established, in one clause."""
        if self.single_user:
            owner = "owns the store file" if self.kind == "OS account" else "owns the schema"
            return f"{self.kind} {self.account}, which {owner} of a single-user store"
        return f"{self.kind} {self.account}, mapped to this staff member"


def whoami_document(ctx_actor: Actor, identity: Identity | None) -> dict[str, Any]:
    """The `whoami --json` interface: who acts, and how that was established."""
    return {
        "staff_id": ctx_actor.staff_id,
        "name": ctx_actor.name,
        "email": ctx_actor.email,
        "user_group": ctx_actor.user_group,
        "org_id": ctx_actor.org_id,
        "permissions": [p for p in PERMISSIONS if ctx_actor.can(p)],
        "acting_for": ctx_actor.acting_for,
        "account": identity.account if identity else None,
        "established_by": identity.how() if identity else None,
        "single_user": identity.single_user if identity else None,
    }


def os_account() -> str:
    """The account this process runs as (the one SSH authenticated, over SSH)."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def establish(store: Store) -> Identity:
    """The identity of whoever runs famtriage on `store`, or PermissionDenied with how to
    get mapped."""
    with store.engine.connect() as conn:
        if store.is_sqlite:
            return _by_account(conn, store, os_account(), "OS account", schema.staff.c.os_account)
        role = str(conn.execute(text("SELECT session_user")).scalar_one())
        return _by_account(conn, store, role, "database role", schema.staff.c.db_role)


def _by_account(conn: Connection, store: Store, account: str, kind: str, column: Any) -> Identity:
    st = schema.staff
    mapped = conn.execute(select(st).where(column.is_not(None))).all()
    row = next((r for r in mapped if getattr(r, column.name) == account), None)
    if row is not None:
        return Identity(account, kind, actor_from_row(store, row), False)
    if not _maps_anyone(conn, store, mapped):
        _require_owner(conn, store, account, kind)
        return Identity(account, kind, _store_admin(conn, store, account), True)
    hidden = "" if store.is_sqlite else " (until then the database shows you no rows)"
    raise PermissionDenied(
        f"{kind} {account} is mapped to no staff member of this store{hidden}; a global "
        f"Admin maps you with `famtriage map STAFF_EMAIL --{_option(kind)} {account}`"
    )


def _maps_anyone(conn: Connection, store: Store, visible: Sequence[Any]) -> bool:
    """Whether the store maps any account. On PostgreSQL an unmapped role sees no staff
    (row-level security), so the database answers (`famtriage_maps_roles()`)."""
    if store.is_sqlite or visible:
        return bool(visible)
    return bool(conn.execute(select(func.famtriage_maps_roles())).scalar_one())


def _option(kind: str) -> str:
    return "os-account" if kind == "OS account" else "db-role"


def _require_owner(conn: Connection, store: Store, account: str, kind: str) -> None:
    """In a store that maps nobody only its owner acts (as its global Admin)."""
    if store.is_sqlite:
        path = store.sqlite_path
        owner_uid = Path(path).stat().st_uid if path is not None else os.geteuid()
        if owner_uid == os.geteuid():
            return
        try:
            owner = pwd.getpwuid(owner_uid).pw_name
        except KeyError:
            owner = f"uid {owner_uid}"
    else:
        owner, member = conn.execute(
            text(
                "SELECT CASE WHEN n.nspowner = to_regrole('pg_database_owner') "
                "THEN pg_get_userbyid(d.datdba) ELSE pg_get_userbyid(n.nspowner) END, "
                "pg_has_role(session_user, n.nspowner, 'MEMBER') "
                "FROM pg_namespace n, pg_database d "
                "WHERE n.nspname = current_schema() AND d.datname = current_database()"
            )
        ).one()
        if member:  # the owner, or a member of the owning role (PostgreSQL 15's public
            # schema belongs to pg_database_owner, whose member is the database's owner)
            return
    raise PermissionDenied(
        f"this store maps no one to its staff, so only its owner ({kind} {owner}) may act; "
        f"{kind} {account} is refused: the owner maps themselves, then you, with "
        f"`famtriage map STAFF_EMAIL --{_option(kind)} {account}`"
    )


def _store_admin(conn: Connection, store: Store, account: str) -> Actor:
    """The single user: the store's first global Admin if its staff lists one (so the
    audit log names them), else the account itself."""
    st = schema.staff
    row = conn.execute(
        select(st).where(st.c.user_group == "Admin", st.c.org_id.is_(None)).order_by(st.c.staff_id)
    ).first()
    if row is not None:
        return actor_from_row(store, row)
    return Actor(0, account, account, "Admin", None, frozenset(PERMISSIONS))


def acting_actor(store: Store, as_email: str | None) -> tuple[Actor, Identity]:
    """The actor of a session and who established it: the established member, or
    (`--as`) the member a global Admin impersonates, marked so every audit entry says
    "A acting as B". Anyone else's `--as` is refused, and the attempt is audited."""
    identity = establish(store)
    if as_email is None:
        return identity.member, identity
    real = identity.member
    if not (real.is_global and real.can("admin")):
        _audit_refused(store, real, as_email)
        raise PermissionDenied(
            f"{real.email} may not act as {as_email.strip()!r}: only a global Admin may "
            "use --as; you act as yourself, established by "
            f"{identity.kind} {identity.account}"
        )
    with store.engine.connect() as conn:
        target = staff_by_email(conn, as_email)
    if target.staff_id == real.staff_id:
        return real, identity
    return replace(actor_from_row(store, target), acting_for=real.label), identity


def _audit_refused(store: Store, real: Actor, as_email: str) -> None:
    with store.write() as conn:
        write_entry(
            conn,
            at=datetime.now(UTC).replace(tzinfo=None),
            staff_id=real.staff_id,
            action="impersonate_refused",
            org_id=real.org_id,
            summary=f"{real.label} tried to act as {as_email.strip()!r}: refused",
            payload={"as": as_email},
        )
