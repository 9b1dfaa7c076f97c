"""Running FAM-12 for a session or straight from an export folder."""

from __future__ import annotations

from core import snapshot
from core.context import Context
from core.report import Report, build_report, check_scope


def report_for_context(ctx: Context, scope: str = "primary") -> Report:
    """FAM-12 over the organizations the acting staff member sees (needs reports.fam12)."""
    check_scope(scope)
    ctx.actor.require("reports.fam12")
    snap = snapshot.load(ctx.store)
    return build_report(snap.candidates, snap.stats, scope, list(ctx.orgs), narrowed=True)
