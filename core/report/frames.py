"""From raw tables to the two frames every read path uses.

- `logins`: one row per guardian with an email, in an active family, with its login key.
- `family_stats`: one row per active family with its history counts.

The report, readiness and the snapshot cache are all computed from these, whether the
tables come from the store or straight from an export folder.
"""

from __future__ import annotations

import polars as pl

from famtriage.core.emails import normalize_series

Tables = dict[str, pl.LazyFrame]

LOGINS_SCHEMA = pl.Schema(
    {
        "guardian_id": pl.Int64(),
        "family_id": pl.Int64(),
        "org_id": pl.Int64(),
        "first_name": pl.String(),
        "last_name": pl.String(),
        "email": pl.String(),
        "email_norm": pl.String(),
        "is_primary": pl.Boolean(),
    }
)
STATS_SCHEMA = pl.Schema(
    {
        "family_id": pl.Int64(),
        "org_id": pl.Int64(),
        "family_name": pl.String(),
        "created_at": pl.Datetime("us"),
        "primary_guardian": pl.String(),
        "students": pl.UInt32(),
        "enrollments": pl.UInt32(),
        "payments": pl.UInt32(),
        "payments_total_cents": pl.Int64(),
        "policies": pl.UInt32(),
        "activity": pl.UInt32(),
        "last_activity": pl.Datetime("us"),
    }
)


def active_families(tables: Tables) -> pl.LazyFrame:
    fam = tables["families"]
    if "status" in fam.collect_schema().names():
        fam = fam.filter(pl.col("status") == "active")
    return fam.select("family_id", "org_id", "family_name", "created_at")


def with_login_keys(guardians: pl.DataFrame) -> pl.DataFrame:
    """Add `email_norm` when the source (an export file) does not carry it."""
    if "email_norm" in guardians.columns:
        return guardians
    return guardians.with_columns(normalize_series(guardians["email"]).alias("email_norm"))


def guardian_logins(tables: Tables, primary_only: bool = False) -> pl.DataFrame:
    """Guardians with a login key, before their organization is looked up (`org_id` 0)."""
    names = tables["guardians"].collect_schema().names()
    cols = ["guardian_id", "family_id", "first_name", "last_name", "email", "is_primary"]
    cols += ["email_norm"] if "email_norm" in names else []
    guardians = (
        tables["guardians"]
        .select(cols)
        .filter(pl.col("email").is_not_null() & (pl.col("email") != ""))
    )
    if primary_only:
        guardians = guardians.filter(pl.col("is_primary"))
    return (
        with_login_keys(guardians.collect())
        .filter(pl.col("email_norm").is_not_null())
        .with_columns(pl.lit(0, pl.Int64).alias("org_id"))
    )


def with_orgs(guardians: pl.DataFrame, tables: Tables) -> pl.DataFrame:
    """Keep the logins of active families, with their organization."""
    return join_orgs(guardians, active_families(tables))


def join_orgs(guardians: pl.DataFrame, families: pl.LazyFrame) -> pl.DataFrame:
    """The logins among `guardians` whose family is in `families` (the active ones),
    with its organization, as `LOGINS_SCHEMA`."""
    fam = families.select("family_id", "org_id")
    joined = guardians.lazy().drop("org_id", strict=False).join(fam, on="family_id", how="inner")
    return joined.select(list(LOGINS_SCHEMA)).collect().cast(LOGINS_SCHEMA)


def logins(tables: Tables, primary_only: bool = False) -> pl.DataFrame:
    """Every login of an active family, with its key and organization."""
    return with_orgs(guardian_logins(tables, primary_only), tables)


def _count_by_family(frame: pl.LazyFrame, name: str, when: str | None) -> pl.LazyFrame:
    aggs = [pl.len().alias(name)]
    if when is not None:
        aggs.append(pl.col(when).max().alias(f"{name}_last"))
    return frame.group_by("family_id").agg(aggs)


def full_name() -> pl.Expr:
    """A person's name as shown ("First Last"; either may be missing, "" when both are)."""
    return pl.concat_str(
        [pl.col("first_name").fill_null(""), pl.col("last_name").fill_null("")], separator=" "
    ).str.strip_chars()


def primary_names(guardians: pl.LazyFrame) -> pl.LazyFrame:
    """Each family's primary guardian as a name ("First Last"): the primary with the
    lowest id when a family has several."""
    return (
        guardians.filter(pl.col("is_primary"))
        .sort("guardian_id")
        .group_by("family_id")
        .agg(full_name().first().alias("primary_guardian"))
    )


HISTORY_PARTS: dict[str, tuple[str, ...]] = {
    "students": ("students",),
    "enrollments": ("enrollments", "enrollments_last"),
    "payments": ("payments", "payments_total_cents", "payments_last"),
    "policies": ("policies", "policies_last"),
    "activity": ("activity", "activity_last"),
}
"""Each per-family history aggregate `family_stats` joins, keyed by `family_id`, and
its columns: counts, the payments' total, and the latest date (`*_last`)."""


def history_parts(tables: Tables) -> dict[str, pl.LazyFrame]:
    """The per-family history aggregates (`HISTORY_PARTS`) of raw tables, in polars."""
    student_family = tables["students"].select("student_id", "family_id")
    enrollments = (
        tables["enrollments"]
        .select("student_id", "start_date")
        .join(student_family, on="student_id", how="inner")
    )
    payments = (
        tables["payments"]
        .group_by("family_id")
        .agg(
            pl.len().alias("payments"),
            pl.col("amount_cents").sum().alias("payments_total_cents"),
            pl.col("paid_at").max().alias("payments_last"),
        )
    )
    return {
        "students": _count_by_family(tables["students"], "students", None),
        "enrollments": _count_by_family(enrollments, "enrollments", "start_date"),
        "payments": payments,
        "policies": _count_by_family(tables["policies"], "policies", "signed_at"),
        "activity": _count_by_family(tables["activity"], "activity", "at"),
    }


def family_stats(tables: Tables) -> pl.DataFrame:
    return assemble_stats(
        active_families(tables), primary_names(tables["guardians"]), history_parts(tables)
    )


def assemble_stats(
    families: pl.LazyFrame, primary: pl.LazyFrame, parts: dict[str, pl.LazyFrame]
) -> pl.DataFrame:
    """`STATS_SCHEMA` for the active `families`: their primary guardian's name and the
    history aggregates, however they were computed (polars, or the database's SQL)."""
    out = families.select("family_id", "org_id", "family_name", "created_at")
    for part in [*parts.values(), primary]:
        out = out.join(part, on="family_id", how="left")
    counts = ["students", "enrollments", "payments", "policies", "activity"]
    lasts = ["enrollments_last", "payments_last", "policies_last", "activity_last"]
    return (
        out.with_columns(
            [pl.col(c).fill_null(0).cast(pl.UInt32) for c in counts]
            + [
                pl.col("payments_total_cents").fill_null(0).cast(pl.Int64),
                pl.max_horizontal([pl.col(c).cast(pl.Datetime("us")) for c in lasts]).alias(
                    "last_activity"
                ),
            ]
        )
        .select(list(STATS_SCHEMA))
        .cast(STATS_SCHEMA)
        .collect()
    )
