"""Running FAM-12 for a session or straight from an export folder."""

from __future__ import annotations

from collections.abc import Callable

from famtriage.core.access.context import Context
from famtriage.core.report import live
from famtriage.core.report.fam12 import Report, check_scope


def report_for_context(
    ctx: Context,
    scope: str = "primary",
    on_progress: Callable[[float, int], None] | None = None,
) -> Report:
    """FAM-12 over the organizations the acting staff member sees (needs reports.fam12).

    `on_progress(done, 2)` is called before each of its two stages (bring the store's
    view up to date, take the report from it) and at the end; while the snapshot is
    rebuilt from the store, `done` moves from 0 to 1 with the reading. A background task
    cancels by raising from it.
    """
    check_scope(scope)
    ctx.actor.require("reports.fam12")
    step = on_progress or (lambda done, total: None)
    step(0, 2)
    current = live.view(
        ctx.store, on_progress=lambda done, total: step(done / total if total else 0, 2)
    )
    step(1, 2)
    report = current.report(scope, ctx.orgs)
    step(2, 2)
    return report
