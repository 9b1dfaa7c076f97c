"""The audit log: one row per action, with who did it, a sentence for people and a JSON
payload (the row journal of `core.changes`) from which undo restores exactly."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, select, update

from famtriage.core.access.context import Context
from famtriage.core.errors import NotFound
from famtriage.core.store import schema
from famtriage.core.store.audit_log import write_entry
from famtriage.core.store.journal import Journal, Key, RowChange


@dataclass(frozen=True)
class ActionResult:
    """What an action did: the audit row that records it and a sentence for people."""

    audit_id: int
    action: str
    summary: str


@dataclass(frozen=True)
class AuditEntry:
    audit_id: int
    at: datetime
    staff_id: int
    staff: str
    action: str
    org_id: int | None
    summary: str
    undone_by: int | None
    purged: bool

    @property
    def undone(self) -> bool:
        return self.undone_by is not None


@dataclass(frozen=True)
class StoredEntry:
    """An audit row as undo needs it: its journal, or the keys left after a purge."""

    audit_id: int
    action: str
    org_id: int | None
    undone_by: int | None
    changes: tuple[RowChange, ...]
    keys: frozenset[Key]
    purged_by: int | None
    login_holders: dict[str, list[int]] | None = None
    """Guardians that held the logins it changed, outside it, when it ran (None: an
    entry written before famtriage recorded them)."""


def now() -> datetime:
    """Audit times are UTC, stored naive (the store's DateTime columns carry no zone)."""
    return datetime.now(UTC).replace(tzinfo=None)


def record(
    conn: Connection,
    ctx: Context,
    action: str,
    org_id: int | None,
    summary: str,
    journal: Journal | None,
    **extra: Any,
) -> ActionResult:
    """Write one audit row for an action made through `journal` and mark the families it
    touched as changed (so the report snapshot patches itself)."""
    changes = journal.changes if journal is not None else []
    payload = {"changes": [c.to_json() for c in changes], **extra}
    if org_id is not None and changes:
        payload["login_holders"] = login_holders(conn, org_id, changes)
    audit_id = write_entry(
        conn,
        at=now(),
        staff_id=ctx.actor.staff_id,
        action=action,
        org_id=org_id,
        summary=summary,
        payload=payload,
        acting_for=ctx.actor.acting_for,
    )
    families = journal.family_ids() if journal is not None else set()
    ctx.store.touch(conn, families | set(extra.get("families", ())))
    return ActionResult(int(audit_id), action, summary)


def _logins_before(changes: list[RowChange] | tuple[RowChange, ...]) -> set[str]:
    """Logins an undo of `changes` would give back to a guardian."""
    return {
        c.before["email_norm"]
        for c in changes
        if c.table == "guardians" and c.before is not None and c.before.get("email_norm")
    }


def login_holders(
    conn: Connection, org_id: int, changes: list[RowChange] | tuple[RowChange, ...]
) -> dict[str, list[int]]:
    """Which guardians outside `changes` hold each login an undo would give back, now:
    recorded with an action, so its undo can tell a login taken since (refused) from
    one that was shared already (restored as it was)."""
    keys = _logins_before(changes)
    if not keys:
        return {}
    own = {int(c.key[1][0]) for c in changes if c.table == "guardians"}
    g, f = schema.guardians, schema.families
    rows = conn.execute(
        select(g.c.email_norm, g.c.guardian_id)
        .join(f, f.c.family_id == g.c.family_id)
        .where(f.c.org_id == org_id, g.c.email_norm.in_(sorted(keys)))
    ).all()
    holders: dict[str, list[int]] = {key: [] for key in sorted(keys)}
    for row in rows:
        if row.guardian_id not in own:
            holders[row.email_norm].append(int(row.guardian_id))
    return holders


def load(conn: Connection, audit_id: int) -> StoredEntry:
    a = schema.audit_log
    row = conn.execute(select(a).where(a.c.audit_id == audit_id)).first()
    if row is None:
        raise NotFound(f"no audit entry #{audit_id}")
    return _stored(row)


def _stored(row: Row[Any]) -> StoredEntry:
    payload = json.loads(row.payload or "{}")
    changes = tuple(RowChange.from_json(c) for c in payload.get("changes", []))
    keys = frozenset(c.key for c in changes) | frozenset(
        (t, tuple(k)) for t, k in payload.get("keys", [])
    )
    return StoredEntry(
        row.audit_id,
        row.action,
        row.org_id,
        row.undone_by,
        changes,
        keys,
        payload.get("purged_by"),
        payload.get("login_holders"),
    )


def later_entries(conn: Connection, audit_id: int) -> list[StoredEntry]:
    """Entries after `audit_id` still in effect (not undone, not undos themselves)."""
    a = schema.audit_log
    rows = conn.execute(
        select(a)
        .where(a.c.audit_id > audit_id, a.c.undone_by.is_(None), a.c.action != "undo")
        .order_by(a.c.audit_id)
    )
    return [_stored(r) for r in rows]


def mark_undone(conn: Connection, audit_id: int, undone_by: int) -> None:
    a = schema.audit_log
    conn.execute(update(a).where(a.c.audit_id == audit_id).values(undone_by=undone_by))


def replace_payload(conn: Connection, audit_id: int, payload: dict[str, Any]) -> None:
    a = schema.audit_log
    conn.execute(
        update(a)
        .where(a.c.audit_id == audit_id)
        .values(payload=json.dumps(payload, sort_keys=True))
    )


def audit_entries(ctx: Context, limit: int | None = None) -> list[AuditEntry]:
    """Who did what, newest first, in the organizations the acting staff member sees
    (entries about no organization, such as grants and rebuilds, only for staff of no
    organization)."""
    ctx.actor.require("families.view")
    a, s = schema.audit_log, schema.staff
    visible: ColumnElement[bool] = a.c.org_id.in_(ctx.orgs)
    if ctx.actor.is_global:
        visible = visible | a.c.org_id.is_(None)
    query = (
        select(a, s.c.name, s.c.email)
        .outerjoin(s, s.c.staff_id == a.c.staff_id)
        .where(visible)
        .order_by(a.c.audit_id.desc())
        .limit(limit)
    )
    with ctx.store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        AuditEntry(
            r.audit_id,
            r.at,
            r.staff_id,
            _who(r.name or r.email or "Local user", r.acting_for),
            r.action,
            r.org_id,
            r.summary or "",
            r.undone_by,
            "purged_by" in json.loads(r.payload or "{}"),
        )
        for r in rows
    ]


def _who(staff: str, acting_for: str | None) -> str:
    return staff if acting_for is None else f"{acting_for} acting as {staff}"


def audit_document(entries: list[AuditEntry]) -> dict[str, Any]:
    """The `audit --json` interface (times ISO 8601 in UTC)."""
    return {
        "entries": [
            {
                "audit_id": e.audit_id,
                "at": e.at.replace(tzinfo=UTC).isoformat(timespec="seconds"),
                "staff": e.staff,
                "action": e.action,
                "org_id": e.org_id,
                "summary": e.summary,
                "undone": e.undone,
                "undone_by": e.undone_by,
                "purged": e.purged,
            }
            for e in entries
        ]
    }


def result_document(result: ActionResult) -> dict[str, Any]:
    """What every action prints with `--json`."""
    return {"audit_id": result.audit_id, "action": result.action, "summary": result.summary}
