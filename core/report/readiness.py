"""Login-readiness: is every login email in an organization held by one family only?"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from famtriage.core.access.context import Context
from famtriage.core.report import snapshot
from famtriage.core.report.fam12 import Report, build_report
from famtriage.core.store.reads import ProgressCallback


@dataclass(frozen=True)
class OrgReadiness:
    org_id: int
    name: str
    families: int
    groups_left: int
    login_conflicts: int
    by_action: dict[str, int]

    @property
    def ready(self) -> bool:
        return self.login_conflicts == 0


def readiness(ctx: Context, on_progress: ProgressCallback | None = None) -> list[OrgReadiness]:
    """FAM-12 groups left (primary emails) and login conflicts (any guardian) per org
    (needs reports.fam12: it counts what the report lists). A snapshot rebuilt on the
    way reports `on_progress(done, total)` as it reads the store."""
    ctx.actor.require("reports.fam12")
    snap = snapshot.load(ctx.store, on_progress)
    primary = build_report(snap.candidates, snap.stats, "primary", list(ctx.orgs), narrowed=True)
    logins = build_report(snap.candidates, snap.stats, "all-logins", list(ctx.orgs), narrowed=True)
    families = _per_org(snap.org_families.rename({"families": "n"}))
    left = _per_org(primary.groups.group_by("org_id").agg(pl.len().alias("n")))
    conflicts = _per_org(logins.groups.group_by("org_id").agg(pl.len().alias("n")))
    actions = _actions(primary)
    names = ctx.org_names()
    return [
        OrgReadiness(
            org,
            names.get(org, f"Organization {org}"),
            families.get(org, 0),
            left.get(org, 0),
            conflicts.get(org, 0),
            actions.get(org, {}),
        )
        for org in ctx.orgs
    ]


def _per_org(counts: pl.DataFrame) -> dict[int, int]:
    return dict(counts.select("org_id", "n").iter_rows())


def _actions(report: Report) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for org, action, n in report.groups.group_by("org_id", "action").agg(pl.len()).iter_rows():
        out.setdefault(org, {})[action] = n
    return out
