"""What every action re-checks inside its transaction: the families exist, are visible
to the acting staff member, are still active, and look the way the caller saw them.

A caller passes the `fingerprint` it saw (from a preview); a family or group that
changed since is refused, so nobody merges or deletes on the strength of a stale screen.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Select, Table, func, select

from famtriage.core.access.context import Context
from famtriage.core.errors import Conflict, NotFound
from famtriage.core.store import schema

STALE = "changed since you looked; reload"


@dataclass(frozen=True)
class FamilyRow:
    family_id: int
    org_id: int
    family_name: str | None
    status: str
    merged_into: int | None


@dataclass(frozen=True)
class History:
    """How much history a family has (what decides merge versus delete)."""

    enrollments: int
    payments: int
    payments_cents: int
    policies: int
    activity: int

    @property
    def any(self) -> bool:
        return bool(self.enrollments or self.payments or self.policies or self.activity)

    def describe(self) -> str:
        parts = [
            f"{n} {name}"
            for n, name in (
                (self.enrollments, "enrollments"),
                (self.payments, "payments"),
                (self.policies, "policies"),
                (self.activity, "activity rows"),
            )
            if n
        ]
        return ", ".join(parts) or "no history"


def families(
    conn: Connection, ctx: Context, ids: list[int], *, lock: bool = False
) -> dict[int, FamilyRow]:
    """The family rows for `ids`; any missing or outside the actor's orgs is NotFound.

    With `lock` (inside a write), their organizations' rows are locked first: on
    PostgreSQL that serializes actions per organization as BEGIN IMMEDIATE does on
    SQLite, so two engineers cannot both pass a check the other's write breaks.
    """
    f = schema.families
    if lock:
        lock_orgs(conn, select(f.c.org_id).where(f.c.family_id.in_(ids)).distinct())
    rows = conn.execute(select(f).where(f.c.family_id.in_(ids))).all()
    found = {
        r.family_id: FamilyRow(r.family_id, r.org_id, r.family_name, r.status, r.merged_into)
        for r in rows
        if r.org_id in ctx.orgs
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"no family with id {missing[0]}")
    return found


def lock_orgs(conn: Connection, org_ids: Iterable[int] | Select[tuple[int]]) -> None:
    """Lock organization rows until the transaction ends (a no-op on SQLite, whose
    writers already queue at BEGIN IMMEDIATE)."""
    o = schema.orgs
    conn.execute(select(o.c.org_id).where(o.c.org_id.in_(org_ids)).with_for_update()).all()


def require_active(family: FamilyRow) -> None:
    if family.status == "merged":
        raise Conflict(f"family #{family.family_id} was merged into #{family.merged_into}: {STALE}")
    if family.status != "active":
        raise Conflict(f"family #{family.family_id} is {family.status}: {STALE}")


def history(conn: Connection, family_id: int) -> History:
    s, e, p = schema.students, schema.enrollments, schema.payments

    def count(table: Table, where: ColumnElement[bool]) -> int:
        return int(conn.execute(select(func.count()).select_from(table).where(where)).scalar_one())

    kids = select(s.c.student_id).where(s.c.family_id == family_id)
    cents = conn.execute(
        select(func.coalesce(func.sum(p.c.amount_cents), 0)).where(p.c.family_id == family_id)
    ).scalar_one()
    return History(
        enrollments=count(e, e.c.student_id.in_(kids)),
        payments=count(p, p.c.family_id == family_id),
        payments_cents=int(cents),
        policies=count(schema.policies, schema.policies.c.family_id == family_id),
        activity=count(schema.activity, schema.activity.c.family_id == family_id),
    )


def fingerprint(conn: Connection, ids: list[int]) -> str:
    """A digest of everything about these families an action depends on."""
    parts: list = []
    for name in ("families", "guardians", "students", "payments", "policies", "activity"):
        table = schema.metadata.tables[name]
        rows = conn.execute(
            select(table).where(table.c.family_id.in_(ids)).order_by(*table.primary_key)
        ).all()
        parts.append([[str(v) for v in r] for r in rows])
    e, s = schema.enrollments, schema.students
    kids = select(s.c.student_id).where(s.c.family_id.in_(ids))
    parts.append(
        list(
            conn.execute(
                select(e.c.enrollment_id)
                .where(e.c.student_id.in_(kids))
                .order_by(e.c.enrollment_id)
            ).scalars()
        )
    )
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def check_expected(conn: Connection, ids: list[int], expected: str | None) -> None:
    if expected is not None and fingerprint(conn, ids) != expected:
        listed = ", ".join(f"#{i}" for i in ids)
        raise Conflict(f"{listed} {STALE}")
