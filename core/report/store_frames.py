"""The `logins` and `family_stats` frames of a whole store, aggregated by the database.

What `frames` computes in polars from raw tables, asked of the database instead, so a
snapshot rebuild reads only the columns and rows it keeps: the guardians that hold a
login or are a family's primary (not phones), the active families, and one row per
family for each history table (counts, the payments' total, the latest date) from
SQL's GROUP BY, not the millions of history rows. The frames are then assembled by the
same functions as `frames` (`join_orgs`, `primary_names`, `assemble_stats`), so both
ways give the same answer (a test keeps them equal).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import polars as pl
from sqlalchemy import BigInteger, ColumnElement, Select, and_, cast, func, or_, select, true

from famtriage.core.report import frames
from famtriage.core.store import schema
from famtriage.core.store.database import Store
from famtriage.core.store.reads import Job, ProgressCallback, family_bounds, read_batches

_I, _S, _D, _T = pl.Int64(), pl.String(), pl.Date(), pl.Datetime("us")

GUARDIANS = {
    "guardian_id": _I,
    "family_id": _I,
    "first_name": _S,
    "last_name": _S,
    "email": _S,
    "email_norm": _S,
    "is_primary": pl.Boolean(),
}
FAMILIES = {"family_id": _I, "org_id": _I, "family_name": _S, "created_at": _T}
PARTS: dict[str, dict[str, pl.DataType]] = {
    "students": {"family_id": _I, "students": _I},
    "enrollments": {"family_id": _I, "enrollments": _I, "enrollments_last": _D},
    "payments": {"family_id": _I, "payments": _I, "payments_total_cents": _I, "payments_last": _T},
    "policies": {"family_id": _I, "policies": _I, "policies_last": _T},
    "activity": {"family_id": _I, "activity": _I, "activity_last": _T},
}


def read(
    store: Store, on_progress: ProgressCallback | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`(logins, stats)` of every active family in the store, as `frames` defines them:
    read and combined a batch of families at a time (a family's rows are all in its
    batch)."""
    bounds = family_bounds(store)
    batches = [
        _jobs(lambda column, lo=low, hi=high: _between(column, lo, hi))
        for low, high in pairwise(bounds)
    ]
    parts = read_batches(store, batches, _combine, on_progress)
    logins = pl.concat([logins for logins, _ in parts], rechunk=False)
    return logins, pl.concat([stats for _, stats in parts], rechunk=False)


def _combine(got: dict[str, pl.DataFrame]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One batch's logins and stats from what the database returned for it."""
    families = got["families"].lazy()
    guardians = got["guardians"]
    logins = guardians.filter(
        pl.col("email").is_not_null() & (pl.col("email") != "") & pl.col("email_norm").is_not_null()
    )
    parts = {name: got[name].lazy() for name in PARTS}
    stats = frames.assemble_stats(families, frames.primary_names(guardians.lazy()), parts)
    return frames.join_orgs(logins, families), stats


def _between(column: Any, low: int | None, high: int | None) -> ColumnElement[bool]:
    """`low <= column < high`, either end open when None."""
    terms = [column >= low] if low is not None else []
    terms += [column < high] if high is not None else []
    return and_(*terms) if terms else true()


def _jobs(within: Any) -> list[Job]:
    """The selects of one batch of families (`within(family_id column)`), biggest first."""
    f, g, s, e = schema.families, schema.guardians, schema.students, schema.enrollments
    p, po, a = schema.payments, schema.policies, schema.activity
    login = and_(g.c.email.is_not(None), g.c.email != "", g.c.email_norm.is_not(None))
    queries: dict[str, Select[Any]] = {
        "guardians": select(*[g.c[name] for name in GUARDIANS]).where(
            or_(login, g.c.is_primary), within(g.c.family_id)
        ),
        "payments": _history(
            p.c.family_id,
            within,
            func.count().label("payments"),
            cast(func.sum(p.c.amount_cents), BigInteger).label("payments_total_cents"),
            func.max(p.c.paid_at).label("payments_last"),
        ),
        "families": select(*[f.c[name] for name in FAMILIES]).where(
            f.c.status == "active", within(f.c.family_id)
        ),
        "enrollments": _history(
            s.c.family_id,
            within,
            func.count().label("enrollments"),
            func.max(e.c.start_date).label("enrollments_last"),
        ).select_from(e.join(s, s.c.student_id == e.c.student_id)),
        "students": _history(s.c.family_id, within, func.count().label("students")),
        "policies": _history(
            po.c.family_id,
            within,
            func.count().label("policies"),
            func.max(po.c.signed_at).label("policies_last"),
        ),
        "activity": _history(
            a.c.family_id,
            within,
            func.count().label("activity"),
            func.max(a.c.at).label("activity_last"),
        ),
    }
    dtypes = {"guardians": GUARDIANS, "families": FAMILIES, **PARTS}
    return [Job(name, query, dtypes[name]) for name, query in queries.items()]


def _history(family_id: Any, within: Any, *aggregates: Any) -> Select[Any]:
    """One row per family: `aggregates` over a history table's rows of that family."""
    return select(family_id, *aggregates).where(within(family_id)).group_by(family_id)
