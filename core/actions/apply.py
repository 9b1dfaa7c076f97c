"""Carry out the FAM-12 plan: each group in its own transaction.

A crash between groups therefore leaves a consistent store whose audit log holds
exactly the groups that took effect, and rerunning finishes the rest (the plan is
recomputed, so finished groups no longer appear). Review groups are never touched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, select
from sqlalchemy.exc import SQLAlchemyError

from famtriage.core.access.context import Context
from famtriage.core.actions.audit import ActionResult
from famtriage.core.actions.family_edits import delete_in
from famtriage.core.actions.merge import MergeRequest, merge_in
from famtriage.core.actions.preconditions import STALE
from famtriage.core.errors import Conflict, FamtriageError, InputError, reason
from famtriage.core.formatting import counted
from famtriage.core.report.current import report_for_context
from famtriage.core.store import schema

ONLY = ("merge", "delete")


@dataclass(frozen=True)
class GroupOutcome:
    """One plan group and what happened to it: actions done, or why it was skipped."""

    org_id: int
    email: str
    action: str
    results: tuple[ActionResult, ...] = ()
    skipped: str | None = None


@dataclass(frozen=True)
class ApplyResult:
    applied: tuple[GroupOutcome, ...]
    skipped: tuple[GroupOutcome, ...]
    cancelled: bool
    stopped: str | None = None
    """Why the run ended early (a full disk, a lost connection): the groups in `applied`
    are committed, the rest untouched."""

    @property
    def actions(self) -> int:
        return sum(len(g.results) for g in self.applied)


@dataclass(frozen=True)
class _Group:
    org_id: int
    email: str
    action: str
    survivor: int | None
    merge: tuple[int, ...]
    delete: tuple[int, ...]


def _permissions(only: str | None) -> list[str]:
    if only is not None and only not in ONLY:
        raise InputError(f"--only takes one of {', '.join(ONLY)}, not {only!r}")
    return {"merge": ["families.merge"], "delete": ["families.delete"]}.get(
        only or "", ["families.merge", "families.delete"]
    )


def apply_plan(
    ctx: Context,
    only: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> ApplyResult:
    """Apply every merge/delete group of the plan (or only one kind); review groups and
    groups refused because they changed are reported as skipped."""
    for permission in _permissions(only):
        ctx.actor.require(permission)
    groups = [_Group(**row) for row in _plan_rows(ctx)]
    applied: list[GroupOutcome] = []
    skipped: list[GroupOutcome] = []
    for done, group in enumerate(groups):
        if is_cancelled is not None and is_cancelled():
            return ApplyResult(tuple(applied), tuple(skipped), True)
        try:
            outcome = _apply_group(ctx, group, only)
        except (FamtriageError, SQLAlchemyError, OSError) as exc:
            why = f"group {group.email} (org {group.org_id}): {reason(exc)}"
            return ApplyResult(tuple(applied), tuple(skipped), False, stopped=why)
        (skipped if outcome.skipped else applied).append(outcome)
        if on_progress is not None:
            on_progress(done + 1, len(groups))
    return ApplyResult(tuple(applied), tuple(skipped), False)


def _plan_rows(ctx: Context) -> list[dict]:
    groups = report_for_context(ctx, "primary").groups
    return [
        {
            "org_id": r["org_id"],
            "email": r["email"],
            "action": r["action"],
            "survivor": r["survivor"],
            "merge": tuple(r["merge"] or ()),
            "delete": tuple(r["delete"] or ()),
        }
        for r in groups.iter_rows(named=True)
    ]


def _apply_group(ctx: Context, group: _Group, only: str | None) -> GroupOutcome:
    if group.action == "review":
        return GroupOutcome(group.org_id, group.email, group.action, skipped="needs review")
    do_merge = only in (None, "merge") and bool(group.merge)
    do_delete = only in (None, "delete") and bool(group.delete)
    if not (do_merge or do_delete):
        return GroupOutcome(group.org_id, group.email, group.action, skipped=f"not a {only}")
    try:
        with ctx.store.write() as conn:
            _check_still_grouped(conn, group)
            results = []
            if do_merge and group.survivor is not None:
                results.append(merge_in(conn, ctx, MergeRequest(group.survivor, group.merge)))
            if do_delete:
                results.extend(delete_in(conn, ctx, f) for f in group.delete)
    except Conflict as exc:
        return GroupOutcome(group.org_id, group.email, group.action, skipped=str(exc))
    return GroupOutcome(group.org_id, group.email, group.action, tuple(results))


def _check_still_grouped(conn: Connection, group: _Group) -> None:
    """The plan came from a snapshot: inside the transaction, each family must still
    have a primary guardian with the group's login email."""
    g = schema.guardians
    ids = [group.survivor, *group.merge, *group.delete]
    holding = set(
        conn.execute(
            select(g.c.family_id).where(
                g.c.family_id.in_(ids), g.c.is_primary, g.c.email_norm == group.email
            )
        ).scalars()
    )
    missing = [i for i in ids if i not in holding]
    if missing:
        raise Conflict(f"group {group.email}: family #{missing[0]} {STALE}")


def plan_summary(ctx: Context, only: str | None = None) -> str:
    """What `apply_plan` is about to do, for a confirmation."""
    _permissions(only)
    rows = _plan_rows(ctx)
    merges = sum(1 for r in rows if r["merge"] and only in (None, "merge"))
    deletes = sum(len(r["delete"]) for r in rows if only in (None, "delete"))
    review = sum(1 for r in rows if r["action"] == "review")
    return (
        f"Apply the plan to {counted(len(rows) - review, 'group')}: {counted(merges, 'merge')} "
        f"and {counted(deletes, 'family deletion')} (restorable until purged); "
        f"{counted(review, 'review group')} "
        "are left for you."
    )
