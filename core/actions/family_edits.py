"""The resolution actions besides merge (`actions.merge`): delete, change email and
invite. Undo and purge live in `actions.undo`, bulk apply in `actions.apply`.

Each action checks its permission here, runs in one transaction, re-checks its
preconditions inside it, and writes one audit row whose payload undo restores from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, func, select
from sqlalchemy.exc import IntegrityError

from famtriage.core.access.context import Context
from famtriage.core.actions import audit, preconditions
from famtriage.core.actions.audit import ActionResult
from famtriage.core.emails import is_valid_email, normalize_email
from famtriage.core.errors import Conflict, InputError, NotFound
from famtriage.core.formatting import counted
from famtriage.core.store import ids, schema
from famtriage.core.store.journal import Journal


@dataclass(frozen=True)
class DeletePreview:
    """Exactly which family a delete removes, and the fingerprint to pass as `expected`."""

    family_id: int
    family_name: str | None
    guardians: int
    students: int
    history: str
    fingerprint: str

    @property
    def summary(self) -> str:
        name = self.family_name or "(no name)"
        return (
            f"Delete family #{self.family_id} ({name}): {counted(self.guardians, 'guardian')}, "
            f"{counted(self.students, 'student')}; kept as a restorable tombstone until purged"
        )


def _counts(conn: Connection, family_id: int) -> tuple[int, int]:
    g, s = schema.guardians, schema.students
    guardians = conn.execute(
        select(func.count()).select_from(g).where(g.c.family_id == family_id)
    ).scalar_one()
    students = conn.execute(
        select(func.count()).select_from(s).where(s.c.family_id == family_id)
    ).scalar_one()
    return int(guardians), int(students)


def _deletable(
    conn: Connection, ctx: Context, family_id: int, *, lock: bool = False
) -> preconditions.FamilyRow:
    family = preconditions.families(conn, ctx, [family_id], lock=lock)[family_id]
    preconditions.require_active(family)
    history = preconditions.history(conn, family_id)
    if history.any:
        raise Conflict(
            f"family #{family_id} has history ({history.describe()}): delete refused; "
            "merge it into the family it duplicates instead"
        )
    return family


def preview_delete(ctx: Context, family_id: int) -> DeletePreview:
    """Say what `delete` would remove, without writing anything."""
    ctx.actor.require("families.delete")
    with ctx.store.engine.connect() as conn:
        family = _deletable(conn, ctx, family_id)
        guardians, students = _counts(conn, family_id)
        mark = preconditions.fingerprint(conn, [family_id])
    return DeletePreview(family_id, family.family_name, guardians, students, "none", mark)


def delete(ctx: Context, family_id: int, *, expected: str | None = None) -> ActionResult:
    """Delete a family without history (needs families.delete); restorable until purged."""
    ctx.actor.require("families.delete")
    with ctx.store.write() as conn:
        return delete_in(conn, ctx, family_id, expected=expected)


def delete_in(
    conn: Connection, ctx: Context, family_id: int, *, expected: str | None = None
) -> ActionResult:
    """`delete` inside a transaction the caller owns."""
    ctx.actor.require("families.delete")
    family = _deletable(conn, ctx, family_id, lock=True)
    preconditions.check_expected(conn, [family_id], expected)
    journal = Journal(conn)
    g, s, f = schema.guardians, schema.students, schema.families
    guardians = journal.delete_where("guardians", g.c.family_id == family_id)
    students = journal.delete_where("students", s.c.family_id == family_id)
    journal.update_where("families", f.c.family_id == family_id, {"status": "deleted"})
    summary = (
        f"Deleted family #{family_id} ({family.family_name or 'no name'}): "
        f"{counted(len(guardians), 'guardian')}, {counted(len(students), 'student')}; "
        "restorable until purged"
    )
    return audit.record(conn, ctx, "delete", family.org_id, summary, journal, families=[family_id])


def _login_key(email: str) -> str:
    """The login key of a new address, refusing one that cannot be a login."""
    key = normalize_email(email)
    if not is_valid_email(key):
        raise InputError(f"{email.strip()!r} is not a valid email address")
    assert key is not None
    return key


def _refuse_taken(conn: Connection, org_id: int, key: str, except_guardian: int | None) -> None:
    """A login email belongs to one guardian per organization."""
    g, f = schema.guardians, schema.families
    query = (
        select(g.c.guardian_id, g.c.family_id)
        .join(f, f.c.family_id == g.c.family_id)
        .where(f.c.org_id == org_id, g.c.email_norm == key)
    )
    if except_guardian is not None:
        query = query.where(g.c.guardian_id != except_guardian)
    taken = conn.execute(query.limit(1)).first()
    if taken is not None:
        raise Conflict(
            f"{key} is already the login of guardian #{taken.guardian_id} "
            f"in family #{taken.family_id} of organization {org_id}"
        )


def _guardian(
    conn: Connection, ctx: Context, guardian_id: int, *, lock: bool = True
) -> tuple[Row[Any], preconditions.FamilyRow]:
    """The guardian and its active family, read again once the organization is locked
    (`lock`, inside a write; a preview reads without)."""
    g = schema.guardians

    def read() -> Row[Any]:
        row = conn.execute(select(g).where(g.c.guardian_id == guardian_id)).first()
        if row is None:
            raise NotFound(f"no guardian with id {guardian_id}")
        return row

    family_id = read().family_id
    family = preconditions.families(conn, ctx, [family_id], lock=lock)[family_id]
    row = read()
    if row.family_id != family_id:
        raise Conflict(f"guardian #{guardian_id} {preconditions.STALE}")
    preconditions.require_active(family)
    return row, family


def preview_change_email(ctx: Context, guardian_id: int, new_email: str) -> str:
    """Say what `change_email` would do, without writing anything (refused as it would
    be: permission, an invalid address, a login someone else holds)."""
    ctx.actor.require("families.edit")
    key = _login_key(new_email)
    with ctx.store.engine.connect() as conn:
        row, family = _guardian(conn, ctx, guardian_id, lock=False)
        _refuse_taken(conn, family.org_id, key, guardian_id)
    return (
        f"Change the login email of {_name(row)} (guardian #{guardian_id}, family "
        f"#{family.family_id}) from {row.email or '(none)'} to {new_email.strip()}"
    )


def change_email(
    ctx: Context, guardian_id: int, new_email: str, *, expected: str | None = None
) -> ActionResult:
    """Give a guardian another login email (needs families.edit); refused if that email
    already logs in anywhere in the organization."""
    ctx.actor.require("families.edit")
    key = _login_key(new_email)
    with ctx.store.write() as conn:
        row, family = _guardian(conn, ctx, guardian_id)
        preconditions.check_expected(conn, [family.family_id], expected)
        _refuse_taken(conn, family.org_id, key, guardian_id)
        journal = Journal(conn)
        g = schema.guardians
        journal.update_where(
            "guardians",
            g.c.guardian_id == guardian_id,
            {"email": new_email.strip(), "email_norm": key},
        )
        summary = (
            f"Changed the email of {_name(row)} (guardian #{guardian_id}, family "
            f"#{family.family_id}) from {row.email or '(none)'} to {new_email.strip()}"
        )
        return audit.record(conn, ctx, "change_email", family.org_id, summary, journal)


def remove_login(ctx: Context, guardian_id: int, *, expected: str | None = None) -> ActionResult:
    """Take a secondary guardian's login away (needs families.edit): the guardian and
    their family stay, without an email; the primary can invite them again with an
    address of their own. A conflict that involves a secondary login is resolved this
    way, never by merging or deleting a family. A primary guardian's login is changed,
    not removed (a family must keep one)."""
    ctx.actor.require("families.edit")
    with ctx.store.write() as conn:
        return remove_login_in(conn, ctx, guardian_id, expected=expected)


def remove_login_in(
    conn: Connection, ctx: Context, guardian_id: int, *, expected: str | None = None
) -> ActionResult:
    """`remove_login` inside a transaction the caller owns (the queue removes every
    login a group lists in one)."""
    ctx.actor.require("families.edit")
    row, family = _guardian(conn, ctx, guardian_id)
    preconditions.check_expected(conn, [family.family_id], expected)
    _removable(row, family)
    journal = Journal(conn)
    g = schema.guardians
    journal.update_where(
        "guardians", g.c.guardian_id == guardian_id, {"email": None, "email_norm": None}
    )
    summary = (
        f"Removed the login {row.email} of {_name(row)} (guardian #{guardian_id}, family "
        f"#{family.family_id}); they stay a guardian of the family"
    )
    return audit.record(conn, ctx, "remove_login", family.org_id, summary, journal)


def preview_remove_login(ctx: Context, guardian_id: int) -> str:
    """Say what `remove_login` would do, without writing anything (refused as it would be)."""
    ctx.actor.require("families.edit")
    with ctx.store.engine.connect() as conn:
        row, family = _guardian(conn, ctx, guardian_id, lock=False)
        _removable(row, family)
    return (
        f"Remove the login {row.email} of {_name(row)} (guardian #{guardian_id}, family "
        f"#{family.family_id}); they stay a guardian of the family"
    )


def _removable(row: Row[Any], family: preconditions.FamilyRow) -> None:
    if row.is_primary:
        raise Conflict(
            f"guardian #{row.guardian_id} is family #{family.family_id}'s primary guardian: "
            "change their email instead (a family keeps its primary login)"
        )
    if not row.email_norm:
        raise Conflict(f"guardian #{row.guardian_id} has no login to remove")


def _name(row: Row[Any]) -> str:
    return " ".join(p for p in (row.first_name, row.last_name) if p) or "(no name)"


def _insert_guardian(conn: Connection, journal: Journal, row: dict[str, Any]) -> int:
    """Insert a guardian under an id the database issues. On PostgreSQL the sequence may
    meet an id it had not reached that another organization's import holds (a row this
    role may not even see): that id is skipped, inside a savepoint."""
    if conn.dialect.name != "postgresql":  # writers are serialized: max + 1 is free
        new_id = ids.next_guardian_id(conn)
        journal.insert("guardians", {"guardian_id": new_id, **row})
        return new_id
    for _ in range(_ID_ATTEMPTS):
        new_id = ids.next_guardian_id(conn)
        try:
            with conn.begin_nested():
                journal.insert("guardians", {"guardian_id": new_id, **row})
        except IntegrityError:
            continue
        return new_id
    raise Conflict(f"no free guardian id after {_ID_ATTEMPTS} tries; run `famtriage upgrade`")


_ID_ATTEMPTS = 100


def invite(
    ctx: Context, family_id: int, first_name: str, last_name: str, email: str
) -> ActionResult:
    """Add a secondary guardian with their own login (needs families.edit); refused if
    the email already logs in anywhere in the organization."""
    ctx.actor.require("families.edit")
    key = _login_key(email)
    with ctx.store.write() as conn:
        family = preconditions.families(conn, ctx, [family_id], lock=True)[family_id]
        preconditions.require_active(family)
        _refuse_taken(conn, family.org_id, key, None)
        journal = Journal(conn)
        new_id = _insert_guardian(
            conn,
            journal,
            {
                "family_id": family_id,
                "first_name": first_name.strip() or None,
                "last_name": last_name.strip() or None,
                "email": email.strip(),
                "email_norm": key,
                "phone": None,
                "is_primary": False,
            },
        )
        summary = (
            f"Invited {first_name.strip()} {last_name.strip()} <{email.strip()}> as guardian "
            f"#{new_id} of family #{family_id}"
        )
        return audit.record(conn, ctx, "invite", family.org_id, summary, journal)
