"""One family's full record: guardians, students and every kind of history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl
from sqlalchemy import select

from famtriage.core.access.context import Context
from famtriage.core.errors import NotFound
from famtriage.core.store import schema


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

    @property
    def payments_total_cents(self) -> int:
        return int(self.payments["amount_cents"].sum() or 0)

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

    students = of_family("students", "student_id")
    enrollments = store.read_table(
        "enrollments", schema.enrollments.c.student_id.in_(students["student_id"].to_list())
    ).sort("start_date", "enrollment_id", nulls_last=True)
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
