"""FAM-12 straight from an export folder: no store, no staff, no database library."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from famtriage.core.report import frames
from famtriage.core.report.fam12 import Report, build_report, check_scope, narrow
from famtriage.core.source.reader import read_export

REPORT_COLUMNS = {
    "families": {"family_id", "org_id", "family_name", "created_at"},
    "guardians": {"guardian_id", "family_id", "first_name", "last_name", "email", "is_primary"},
    "students": {"student_id", "family_id"},
    "enrollments": {"student_id", "start_date"},
    "payments": {"family_id", "amount", "paid_at"},
    "policies": {"family_id", "signed_at"},
    "activity": {"family_id", "at"},
}
"""What the report reads of each table; every other column is left on disk."""


def report_from_export(path: Path, scope: str = "primary", org: int | None = None) -> Report:
    """FAM-12 over an export folder, without importing it (no store, no staff).

    History is counted only for the families that can be in a group: a few percent of
    a large export."""
    check_scope(scope)
    read = read_export(Path(path), validate=False, columns=REPORT_COLUMNS)
    tables = {name: frame.lazy() for name, frame in read.items()}
    tables["payments"] = tables["payments"].rename({"amount": "amount_cents"})
    # narrowed once across organizations (a superset), then again within each
    maybe = narrow(frames.guardian_logins(tables, primary_only=scope == "primary"))
    candidates = narrow(frames.with_orgs(maybe, tables))
    ids = candidates["family_id"].unique().implode()
    only = {
        name: frame.filter(pl.col("family_id").is_in(ids)) if name != "enrollments" else frame
        for name, frame in tables.items()
    }
    orgs = None if org is None else [org]
    return build_report(candidates, frames.family_stats(only), scope, orgs, narrowed=True)
