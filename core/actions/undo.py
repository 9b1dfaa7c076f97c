"""Undo an audited action exactly, and purge: make old tombstones permanent.

Undo replays the action's row journal backwards. It is refused while a later action
still in effect touched any of the same rows (that one must be undone first), and when
the rows no longer look the way the action left them (changed outside famtriage).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from famtriage.core.access.context import Context
from famtriage.core.actions import audit, preconditions
from famtriage.core.actions.audit import ActionResult, StoredEntry
from famtriage.core.errors import Conflict, InputError, NotFound, PermissionDenied
from famtriage.core.formatting import counted
from famtriage.core.store import schema
from famtriage.core.store.journal import Journal, drifted, replay

UNDO_PERMISSION = {
    "merge": "families.merge",
    "delete": "families.delete",
    "change_email": "families.edit",
    "invite": "families.edit",
    "remove_login": "families.edit",
    "grant": "admin",
    "map": "admin",
}
"""Undoing an action needs the permission the action needed."""

TOMBSTONE_ACTIONS = ("merge", "delete")

MAX_PURGE_DAYS = 36_500
"""A century: more reaches before any store existed (and overflows a date)."""


def undo_refusal(ctx: Context, audit_id: int) -> str | None:
    """Why `undo(audit_id)` would be refused now, or None: lets a screen offer undo only
    where it can work, without writing anything."""
    try:
        with ctx.store.engine.connect() as conn:
            _check_all(conn, ctx, audit.load(conn, audit_id))
    except (Conflict, NotFound, PermissionDenied) as refused:
        return str(refused)
    return None


def _check_all(conn: Connection, ctx: Context, entry: StoredEntry) -> None:
    _check_undoable(ctx, entry)
    _refuse_later(conn, entry)
    moved = drifted(conn, list(entry.changes))
    if moved:
        table, key = moved[0]
        raise Conflict(
            f"cannot undo #{entry.audit_id}: {table} row {_key_text(key)} changed since, "
            "outside any audited action"
        )
    _refuse_taken_logins(conn, entry)


def _refuse_taken_logins(conn: Connection, entry: StoredEntry) -> None:
    """An undo gives logins back; one another guardian has taken since would become a
    shared login again, so the undo is refused as a direct change of email would be."""
    if entry.org_id is None:
        return
    now = audit.login_holders(conn, entry.org_id, entry.changes)
    then = entry.login_holders
    known = set() if then is not None else _guardians_of(conn, entry)
    restored = _restored_by_later_undos(conn, entry.audit_id)
    for key, holders in now.items():
        newcomers = sorted(set(holders) - set((then or {}).get(key, [])) - known)
        newcomers = [g for g in newcomers if (g, key) not in restored]
        if newcomers:
            raise Conflict(
                f"cannot undo #{entry.audit_id}: {key} has since become the login of "
                f"guardian #{newcomers[0]}; change that guardian's email first"
            )


def undo(ctx: Context, audit_id: int) -> ActionResult:
    """Restore exactly what audit entry `audit_id` changed, in one audited transaction."""
    with ctx.store.write() as conn:
        entry = audit.load(conn, audit_id)
        if entry.org_id is not None:
            preconditions.lock_orgs(conn, [entry.org_id])
            entry = audit.load(conn, audit_id)  # as it is once no one else can undo it
        _check_all(conn, ctx, entry)
        journal = Journal(conn)
        inverse = [c.inverse() for c in reversed(entry.changes)]
        replay(conn, inverse)
        journal.changes.extend(inverse)
        summary = f"Undid #{audit_id} ({entry.action})"
        result = audit.record(conn, ctx, "undo", entry.org_id, summary, journal, undoes=audit_id)
        audit.mark_undone(conn, audit_id, result.audit_id)
        return result


def _key_text(key: tuple) -> str:
    return "/".join(str(k) for k in key)


def _restored_by_later_undos(conn: Connection, audit_id: int) -> set[tuple[int, str]]:
    """(guardian, login) pairs a later undo gave back: a guardian holding its own old
    login again has not taken it from anyone (undoing out of order rebuilds a state
    that existed before)."""
    a = schema.audit_log
    rows = conn.execute(
        select(a.c.audit_id).where(a.c.audit_id > audit_id, a.c.action == "undo")
    ).scalars()
    return {
        (int(c.key[1][0]), c.after["email_norm"])
        for later in map(lambda i: audit.load(conn, i), rows)
        for c in later.changes
        if c.table == "guardians" and c.after is not None and c.after.get("email_norm")
    }


def _guardians_of(conn: Connection, entry: StoredEntry) -> set[int]:
    """For an entry written before holders were recorded: the guardians of the families
    it touched (a merge's survivor shares the login by definition) count as known."""
    families = {f for change in entry.changes for f in change.family_ids()}
    g = schema.guardians
    rows = conn.execute(select(g.c.guardian_id).where(g.c.family_id.in_(sorted(families))))
    return set(rows.scalars())


def _check_undoable(ctx: Context, entry: StoredEntry) -> None:
    if entry.org_id is not None and entry.org_id not in ctx.orgs:
        raise NotFound(f"no audit entry #{entry.audit_id}")
    if entry.org_id is None and not ctx.actor.is_global:
        raise NotFound(f"no audit entry #{entry.audit_id}")  # store-wide: global staff only
    permission = UNDO_PERMISSION.get(entry.action)
    if permission is None:
        raise Conflict(f"#{entry.audit_id} is a {entry.action}, which cannot be undone")
    ctx.actor.require(permission)
    if entry.undone_by is not None:
        raise Conflict(f"#{entry.audit_id} was already undone by #{entry.undone_by}")
    if entry.purged_by is not None:
        raise Conflict(
            f"#{entry.audit_id} was made permanent by purge #{entry.purged_by}; "
            "it can no longer be undone"
        )


def _refuse_later(conn: Connection, entry: StoredEntry) -> None:
    keys = entry.keys
    for later in audit.later_entries(conn, entry.audit_id):
        if later.keys & keys:
            raise Conflict(
                f"cannot undo #{entry.audit_id}: the later #{later.audit_id} ({later.action}) "
                f"changed the same rows; undo #{later.audit_id} first"
            )


def purge(ctx: Context, older_than_days: float, *, now: datetime | None = None) -> ActionResult:
    """Make tombstones older than `older_than_days` permanent (admin only): their
    restorable rows leave the audit log and those entries can no longer be undone."""
    ctx.actor.require("admin")
    if not (math.isfinite(older_than_days) and 0 <= older_than_days <= MAX_PURGE_DAYS):
        raise InputError(
            f"--older-than {older_than_days:g}: give a number of days from 0 to {MAX_PURGE_DAYS:,}"
        )
    cutoff = (now or audit.now()) - timedelta(days=older_than_days)
    a = schema.audit_log
    with ctx.store.write() as conn:
        rows = conn.execute(
            select(a.c.audit_id)
            .where(
                a.c.action.in_(TOMBSTONE_ACTIONS),
                a.c.undone_by.is_(None),
                a.c.at < cutoff,
                a.c.org_id.in_(ctx.orgs),
            )
            .order_by(a.c.audit_id)
        ).scalars()
        entries = [audit.load(conn, i) for i in rows]
        entries = [e for e in entries if e.purged_by is None]
        families = sorted({f for e in entries for c in e.changes for f in c.family_ids()})
        listed = ", ".join(f"#{e.audit_id}" for e in entries) or "none"
        summary = f"Made {counted(len(entries), 'tombstone action')} permanent ({listed})"
        result = audit.record(
            conn,
            ctx,
            "purge",
            ctx.actor.org_id,  # an organization's admin purges only it: an entry of it
            summary,
            None,
            purged=[e.audit_id for e in entries],
            families=families,
        )
        for entry in entries:
            audit.replace_payload(
                conn,
                entry.audit_id,
                {"purged_by": result.audit_id, "keys": [[t, list(k)] for t, k in entry.keys]},
            )
        return result
