"""What decides a queue group, family by family: who the people are, and the family's
latest enrollment and payment.

The report's counts say how much history each family has; these facts say whose it
is and what it was: every guardian's name (primaries apart from the others), every
student's name, the class of the latest enrollment and when it started, the date and
amount of the latest payment. They are read for the group's few families only, one
query per table (the latest enrollment and payment chosen by the database), on the
connection that takes the group's fingerprint, so they show the families as the
fingerprint saw them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Column, Connection, Select, func, select

from famtriage.core.formatting import money_display
from famtriage.core.report.frames import full_name
from famtriage.core.store import schema
from famtriage.core.store.database import Store

FACT_DTYPES: dict[str, pl.DataType] = {
    "family_id": pl.Int64(),
    "primary_names": pl.List(pl.String()),
    "secondary_names": pl.List(pl.String()),
    "student_names": pl.List(pl.String()),
    "last_enrollment_id": pl.Int64(),
    "last_class": pl.String(),
    "last_class_start": pl.Date(),
    "last_paid_at": pl.Datetime("us"),
    "last_paid_cents": pl.Int64(),
}
"""The columns `read_facts` gives each family (names in alphabetical order, so two
families with the same people list them alike)."""

COMPARED_FACTS = ("primary_names", "secondary_names", "student_names", "last_class")
"""The facts the queue highlights when they differ between a group's families: who
the guardians and students are (the same people in two families is the strongest sign
of a duplicate) and the class the children were last enrolled in. The latest
enrollment's start and the latest payment's date and amount are not compared: two
families with history almost always differ there, so the highlight would fire on
nearly every group and tell nothing; the count and total lines already show whether
and how much each family paid."""

NO_ENROLLMENT = "no enrollment"
NO_PAYMENT = "no payment"
NOBODY = "none"
NO_NAME = "(no name)"
UNKNOWN = "—"

_PERSON: dict[str, pl.DataType] = {
    "family_id": pl.Int64(),
    "first_name": pl.String(),
    "last_name": pl.String(),
}


def read_facts(store: Store, conn: Connection, family_ids: Sequence[int]) -> pl.DataFrame:
    """One row per family of `family_ids` (in that order), typed as `FACT_DTYPES`."""
    ids = list(family_ids)
    g, s, e, p = schema.guardians, schema.students, schema.enrollments, schema.payments
    guardians = store.read_query(
        select(g.c.family_id, g.c.first_name, g.c.last_name, g.c.is_primary).where(
            g.c.family_id.in_(ids)
        ),
        _PERSON | {"is_primary": pl.Boolean()},
        conn,
    )
    students = store.read_query(
        select(s.c.family_id, s.c.first_name, s.c.last_name).where(s.c.family_id.in_(ids)),
        _PERSON,
        conn,
    )
    enrolled = _latest(
        select(
            s.c.family_id,
            e.c.enrollment_id.label("last_enrollment_id"),
            e.c.class_name.label("last_class"),
            e.c.start_date.label("last_class_start"),
        )
        .join_from(e, s, e.c.student_id == s.c.student_id)
        .where(s.c.family_id.in_(ids)),
        s.c.family_id,
        e.c.start_date,
        e.c.enrollment_id,
    )
    paid = _latest(
        select(
            p.c.family_id,
            p.c.paid_at.label("last_paid_at"),
            p.c.amount_cents.label("last_paid_cents"),
        ).where(p.c.family_id.in_(ids)),
        p.c.family_id,
        p.c.paid_at,
        p.c.payment_id,
    )
    named = guardians.with_columns(full_name().alias("name")).sort("name")
    people = named.group_by("family_id").agg(
        pl.col("name").filter(pl.col("is_primary")).alias("primary_names"),
        pl.col("name").filter(~pl.col("is_primary")).alias("secondary_names"),
    )
    kids = (
        students.with_columns(full_name().alias("name"))
        .sort("name")
        .group_by("family_id")
        .agg(pl.col("name").alias("student_names"))
    )
    facts = pl.DataFrame({"family_id": ids}, schema={"family_id": pl.Int64()})
    for part in (
        people,
        kids,
        store.read_query(
            enrolled, _dtypes("last_enrollment_id", "last_class", "last_class_start"), conn
        ),
        store.read_query(paid, _dtypes("last_paid_at", "last_paid_cents"), conn),
    ):
        facts = facts.join(part, on="family_id", how="left", maintain_order="left")
    lists = [c for c, t in FACT_DTYPES.items() if isinstance(t, pl.List)]
    return facts.with_columns(pl.col(lists).fill_null([])).select(
        pl.col(c).cast(t) for c, t in FACT_DTYPES.items()
    )


def _dtypes(*names: str) -> dict[str, pl.DataType]:
    return {"family_id": FACT_DTYPES["family_id"]} | {n: FACT_DTYPES[n] for n in names}


def _latest(
    query: Select[Any], family: Column[Any], when: Column[Any], tiebreak: Column[Any]
) -> Select[Any]:
    """Each family's latest row of `query`: the newest `when` (an unknown date counts
    as the oldest), then the highest id."""
    rank = func.row_number().over(
        partition_by=family, order_by=(when.desc().nulls_last(), tiebreak.desc())
    )
    ranked = query.add_columns(rank.label("latest")).subquery()
    wanted = [c for c in ranked.c if c.name != "latest"]
    return select(*wanted).where(ranked.c.latest == 1)


def with_facts(families: pl.DataFrame, facts: pl.DataFrame) -> pl.DataFrame:
    """The group's families (in their order) with their facts as more columns."""
    return families.join(facts, on="family_id", how="left", maintain_order="left")


def names(values: Sequence[str] | None) -> list[str]:
    """Names one a line: "none" when there is no one, "(no name)" for a blank one."""
    return [n or NO_NAME for n in values or ()] or [NOBODY]


def last_enrollment(row: Mapping[str, Any]) -> tuple[str, str]:
    """(class, start date) of the family's latest enrollment, or "no enrollment"."""
    if row["last_enrollment_id"] is None:
        return NO_ENROLLMENT, UNKNOWN
    return row["last_class"] or "(no class name)", day(row["last_class_start"])


def last_payment(row: Mapping[str, Any]) -> tuple[str, str]:
    """(date, amount) of the family's latest payment, or "no payment"."""
    if row["last_paid_cents"] is None:
        return NO_PAYMENT, UNKNOWN
    return day(row["last_paid_at"]), money_display(row["last_paid_cents"])


def day(value: date | None) -> str:
    """A date, or a date and time, as its day ("2024-05-01"); "—" when unknown."""
    return value.strftime("%Y-%m-%d") if value is not None else UNKNOWN
