"""One family's full record: guardians, students and every kind of history."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Row, select

from famtriage.core.access.context import Context
from famtriage.core.errors import NotFound
from famtriage.core.store import schema
from famtriage.core.store.database import CANONICAL_DTYPES
from famtriage.core.store.journal import RowChange


@dataclass(frozen=True)
class FamilyDetail:
    family_id: int
    org_id: int
    family_name: str | None
    status: str
    merged_into: int | None
    created_at: datetime | None
    guardians: pl.DataFrame
    students: pl.DataFrame
    enrollments: pl.DataFrame
    payments: pl.DataFrame
    policies: pl.DataFrame
    activity: pl.DataFrame
    tombstone: int | None = None
    """For a merged or deleted family: the audit entry that made it so, whose undo
    restores it (until a purge makes it permanent)."""

    @property
    def payments_total_cents(self) -> int:
        return int(self.payments["amount_cents"].sum() or 0)

    def status_text(self) -> str:
        """The family's state in a sentence, and for a tombstone how to bring it back."""
        if self.status == "active":
            return "active"
        what = "merged into #" + str(self.merged_into) if self.status == "merged" else "deleted"
        if self.tombstone is None:
            return f"{what}; permanent (its tombstone was purged)"
        return f"{what} by audit entry #{self.tombstone}; undoing #{self.tombstone} restores it"

    @property
    def has_history(self) -> bool:
        return any(
            not frame.is_empty()
            for frame in (self.enrollments, self.payments, self.policies, self.activity)
        )


def family_detail(ctx: Context, family_id: int) -> FamilyDetail:
    """Everything about one family the acting staff member may see."""
    ctx.actor.require("families.view")
    f = schema.families
    with ctx.store.engine.connect() as conn:
        row = conn.execute(select(f).where(f.c.family_id == family_id)).first()
    if row is None or row.org_id not in ctx.orgs:
        raise NotFound(f"no family with id {family_id}")
    store = ctx.store

    def of_family(name: str, order: str) -> pl.DataFrame:
        table = schema.metadata.tables[name]
        return store.read_table(name, table.c.family_id == family_id).sort(order)

    if row.status != "active":
        return _tombstone(ctx, row)
    students = of_family("students", "student_id")
    names = students.select(
        "student_id",
        pl.concat_str(
            [pl.col("first_name").fill_null(""), pl.col("last_name").fill_null("")], separator=" "
        )
        .str.strip_chars()
        .alias("student"),
    )
    enrollments = (
        store.read_table(
            "enrollments", schema.enrollments.c.student_id.in_(students["student_id"].to_list())
        )
        .join(names, on="student_id", how="left")
        .sort("start_date", "enrollment_id", nulls_last=True)
    )
    return FamilyDetail(
        family_id=row.family_id,
        org_id=row.org_id,
        family_name=row.family_name,
        status=row.status,
        merged_into=row.merged_into,
        created_at=row.created_at,
        guardians=of_family("guardians", "guardian_id").sort("is_primary", descending=True),
        students=students,
        enrollments=enrollments,
        payments=of_family("payments", "paid_at"),
        policies=of_family("policies", "signed_at"),
        activity=of_family("activity", "at"),
    )


def _tombstone(ctx: Context, row: Row[Any]) -> FamilyDetail:
    """A merged or deleted family as its tombstone keeps it: the rows the action took
    (a deleted family's guardians and students) and the entry whose undo restores it."""
    entry, changes = _entry_for(ctx, row.family_id)
    taken = {
        name: [
            c.before
            for c in changes
            if c.table == name
            and c.before is not None
            and c.after is None
            and c.before.get("family_id") == row.family_id
        ]
        for name in ("guardians", "students")
    }

    def frame(name: str) -> pl.DataFrame:
        return pl.DataFrame(taken[name], schema=CANONICAL_DTYPES[name], orient="row")

    empty = {n: pl.DataFrame(schema=CANONICAL_DTYPES[n]) for n in HISTORY}
    # the same columns as an active family's: enrollments name their student
    empty["enrollments"] = empty["enrollments"].with_columns(
        pl.lit(None, pl.String).alias("student")
    )
    return FamilyDetail(
        family_id=row.family_id,
        org_id=row.org_id,
        family_name=row.family_name,
        status=row.status,
        merged_into=row.merged_into,
        created_at=row.created_at,
        guardians=frame("guardians"),
        students=frame("students"),
        tombstone=entry,
        **empty,
    )


HISTORY = ("enrollments", "payments", "policies", "activity")


def _entry_for(ctx: Context, family_id: int) -> tuple[int | None, list[RowChange]]:
    """The audit entry still in effect that merged or deleted `family_id`. Payloads are
    JSON: a text match finds the few candidates, the parsed journal decides."""
    a = schema.audit_log
    with ctx.store.engine.connect() as conn:
        rows = conn.execute(
            select(a.c.audit_id, a.c.payload)
            .where(
                a.c.action.in_(["merge", "delete"]),
                a.c.undone_by.is_(None),
                a.c.org_id.in_(ctx.orgs),
                a.c.payload.like(f'%"family_id": {family_id}%'),
            )
            .order_by(a.c.audit_id.desc())
        ).all()
    for audit_id, payload in rows:
        changes = [RowChange.from_json(c) for c in json.loads(payload).get("changes", [])]
        if any(c.table == "families" and c.key[1] == (family_id,) for c in changes):
            return int(audit_id), changes
    return None, []


@dataclass(frozen=True)
class GroupOf:
    """A group of the readiness list a family is in: what to do with it, and why."""

    org_id: int
    email: str
    kind: str
    action: str
    reason: str


def family_groups(ctx: Context, family_id: int) -> list[GroupOf]:
    """The groups of the readiness list (FAM-12 first) that hold this family; none for a
    member without the report permission (they cannot see the list)."""
    if not ctx.actor.can("reports.fam12"):
        return []
    from famtriage.core.report.current import report_for_context

    report = report_for_context(ctx, "readiness")
    keys = report.families.filter(pl.col("family_id") == family_id).select("org_id", "email")
    rows = report.groups.join(keys.unique(), on=["org_id", "email"], how="semi")
    return [
        GroupOf(r["org_id"], r["email"], r["kind"], r["action"], r["reason"])
        for r in rows.iter_rows(named=True)
    ]
