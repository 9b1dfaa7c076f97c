"""Running FAM-12 for a session or straight from an export folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from core import frames, snapshot
from core.context import Context
from core.errors import InputError
from core.importer import read_export
from core.report import SCOPES, Report, build_report


def _check_scope(scope: str) -> None:
    if scope not in SCOPES:
        raise InputError(f"unknown scope {scope!r}; use one of {', '.join(SCOPES)}")


def report_for_context(
    ctx: Context,
    scope: str = "primary",
    on_progress: Callable[[int, int], None] | None = None,
) -> Report:
    """FAM-12 over the organizations the acting staff member sees (needs reports.fam12).

    `on_progress(done, 2)` is called before each of its two stages (load the snapshot,
    build the report) and at the end; a background task cancels by raising from it.
    """
    _check_scope(scope)
    ctx.actor.require("reports.fam12")
    step = on_progress or (lambda done, total: None)
    step(0, 2)
    snap = snapshot.load(ctx.store)
    step(1, 2)
    report = build_report(snap.logins, snap.stats, scope, list(ctx.orgs))
    step(2, 2)
    return report


def report_from_export(path: Path, scope: str = "primary", org: int | None = None) -> Report:
    """FAM-12 over an export folder, without importing it (no store, no staff)."""
    _check_scope(scope)
    tables = {name: frame.lazy() for name, frame in read_export(Path(path), validate=False).items()}
    tables["payments"] = tables["payments"].rename({"amount": "amount_cents"})
    logins = frames.logins(tables)
    stats = frames.family_stats(tables)
    orgs = None if org is None else [org]
    return build_report(logins, stats, scope, orgs)
