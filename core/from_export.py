"""FAM-12 straight from an export folder: no store, no staff, no database library."""

from __future__ import annotations

from pathlib import Path

from core import frames
from core.export_reader import read_export
from core.report import Report, build_report, check_scope


def report_from_export(path: Path, scope: str = "primary", org: int | None = None) -> Report:
    """FAM-12 over an export folder, without importing it (no store, no staff)."""
    check_scope(scope)
    tables = {name: frame.lazy() for name, frame in read_export(Path(path), validate=False).items()}
    tables["payments"] = tables["payments"].rename({"amount": "amount_cents"})
    logins = frames.logins(tables)
    stats = frames.family_stats(tables)
    orgs = None if org is None else [org]
    return build_report(logins, stats, scope, orgs)
