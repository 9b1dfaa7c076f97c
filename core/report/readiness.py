"""Login-readiness: is every login email in an organization held by one family only?"""

from __future__ import annotations

from dataclasses import dataclass

from famtriage.core.access.context import Context
from famtriage.core.report import live
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
    (needs reports.fam12: it counts what the report lists), counted from the store's
    view (`live`): no report is built for it. A snapshot rebuilt on the way reports
    `on_progress(done, total)` as it reads the store."""
    ctx.actor.require("reports.fam12")
    counts = live.view(ctx.store, on_progress=on_progress).counts()
    names = ctx.org_names()
    return [
        OrgReadiness(
            org,
            names.get(org, f"Organization {org}"),
            counts.families.get(org, 0),
            counts.groups_left.get(org, 0),
            counts.conflicts.get(org, 0),
            counts.by_action.get(org, {}),
        )
        for org in ctx.orgs
    ]
