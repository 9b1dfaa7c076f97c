"""The Family Merge Tool: fold up to four families into a survivor, losing nothing.

Students (and so their enrollments), payments, policies and activity move to the
survivor; guardians move as secondary guardians keeping their own login email, except
one identical (same login key and name) to a survivor's guardian, which is folded into
it. Absorbed families stay as tombstones (`status='merged'`, `merged_into`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from famtriage.core.access.context import Context
from famtriage.core.actions import audit, preconditions
from famtriage.core.actions.audit import ActionResult
from famtriage.core.errors import Conflict, InputError
from famtriage.core.formatting import counted, money_display
from famtriage.core.store import schema
from famtriage.core.store.journal import Journal

MAX_FAMILIES = 5
MOVED_TABLES = ("students", "payments", "policies", "activity")


@dataclass(frozen=True)
class MergePreview:
    """Exactly what a merge will move, for a confirmation, and the fingerprint to pass
    back as `expected` so the merge is refused if anything changed meanwhile."""

    survivor_id: int
    other_ids: tuple[int, ...]
    students: int
    enrollments: int
    guardians: int
    payments: int
    payments_cents: int
    policies: int
    activity: int
    fingerprint: str

    @property
    def summary(self) -> str:
        return self.describe(done=False)

    def describe(self, *, done: bool) -> str:
        """The sentence for a confirmation (to come) or for the audit log (done)."""
        n = len(self.other_ids)
        moved = [
            counted(self.students, "student"),
            counted(self.guardians, "guardian"),
            counted(self.payments, "payment")
            + (f" ({money_display(self.payments_cents)})" if self.payments else ""),
            counted(self.policies, "policy", "policies"),
            counted(self.activity, "activity row"),
        ]
        what = ", ".join(m for m in moved if not m.startswith("0 ")) or "nothing"
        listed = ", ".join(f"#{i}" for i in self.other_ids)
        return (
            f"{'Merged' if done else 'Merge'} {counted(n, 'family', 'families')} ({listed}) "
            f"into #{self.survivor_id}: {what} {'moved' if done else 'move'}"
        )


def _check_shape(survivor_id: int, other_ids: list[int]) -> None:
    if not other_ids:
        raise InputError("name at least one family to merge into the survivor")
    group = [survivor_id, *other_ids]
    if len(set(group)) != len(group):
        raise InputError("a family is named twice in the merge")
    if len(group) > MAX_FAMILIES:
        raise InputError(f"a merge takes at most {MAX_FAMILIES} families, not {len(group)}")


def _check_group(conn: Connection, ctx: Context, group: list[int], *, lock: bool = False) -> int:
    """Same organization, all active; returns the organization."""
    rows = preconditions.families(conn, ctx, group, lock=lock)
    orgs = {rows[i].org_id for i in group}
    if len(orgs) > 1:
        where = ", ".join(f"#{i} in org {rows[i].org_id}" for i in group)
        raise Conflict(f"families of different organizations are never merged ({where})")
    for i in group:
        preconditions.require_active(rows[i])
    return orgs.pop()


def preview_merge(ctx: Context, survivor_id: int, other_ids: list[int]) -> MergePreview:
    """Say what `merge` would move, without writing anything."""
    ctx.actor.require("families.merge")
    _check_shape(survivor_id, other_ids)
    with ctx.store.engine.connect() as conn:
        _check_group(conn, ctx, [survivor_id, *other_ids])
        mark = preconditions.fingerprint(conn, [survivor_id, *other_ids])
        return _preview(conn, survivor_id, other_ids, mark)


@dataclass(frozen=True)
class MergeRequest:
    """One merge as asked: the survivor, the families it absorbs, where the family name
    and phone come from, and the fingerprint the caller saw (None: don't compare)."""

    survivor_id: int
    other_ids: tuple[int, ...]
    family_name_from: int | None = None
    phone_from: int | None = None
    expected: str | None = None


def merge(
    ctx: Context,
    survivor_id: int,
    other_ids: list[int],
    *,
    family_name_from: int | None = None,
    phone_from: int | None = None,
    expected: str | None = None,
) -> ActionResult:
    """Merge `other_ids` into `survivor_id` in one transaction (needs families.merge)."""
    request = MergeRequest(survivor_id, tuple(other_ids), family_name_from, phone_from, expected)
    ctx.actor.require("families.merge")
    with ctx.store.write() as conn:
        return merge_in(conn, ctx, request)


def merge_in(conn: Connection, ctx: Context, request: MergeRequest) -> ActionResult:
    """`merge` inside a transaction the caller owns (bulk apply runs a group in one)."""
    survivor_id, other_ids = request.survivor_id, list(request.other_ids)
    family_name_from, phone_from = request.family_name_from, request.phone_from
    ctx.actor.require("families.merge")
    _check_shape(survivor_id, other_ids)
    group = [survivor_id, *other_ids]
    for source in (family_name_from, phone_from):
        if source is not None and source not in group:
            raise InputError(f"#{source} is not one of the families being merged")
    org_id = _check_group(conn, ctx, group, lock=True)
    preconditions.check_expected(conn, group, request.expected)
    summary = _preview(conn, survivor_id, other_ids, "").describe(done=True)
    journal = Journal(conn)
    _take_name_and_phone(journal, survivor_id, family_name_from, phone_from)
    folded = _move_guardians(journal, survivor_id, other_ids)
    for name in MOVED_TABLES:
        table = schema.metadata.tables[name]
        journal.update_where(name, table.c.family_id.in_(other_ids), {"family_id": survivor_id})
    f = schema.families
    for other in other_ids:
        journal.update_where(
            "families", f.c.family_id == other, {"status": "merged", "merged_into": survivor_id}
        )
    if folded:
        summary += f"; {counted(folded, 'identical guardian')} folded into the survivor's"
    return audit.record(conn, ctx, "merge", org_id, summary, journal, families=group)


def _preview(conn: Connection, survivor_id: int, other_ids: list[int], mark: str) -> MergePreview:
    totals = [preconditions.history(conn, i) for i in other_ids]
    s, g = schema.students, schema.guardians
    students = len(conn.execute(select(s.c.student_id).where(s.c.family_id.in_(other_ids))).all())
    guardians = len(conn.execute(select(g.c.guardian_id).where(g.c.family_id.in_(other_ids))).all())
    return MergePreview(
        survivor_id,
        tuple(other_ids),
        students,
        sum(t.enrollments for t in totals),
        guardians,
        sum(t.payments for t in totals),
        sum(t.payments_cents for t in totals),
        sum(t.policies for t in totals),
        sum(t.activity for t in totals),
        mark,
    )


def _identity(row: dict) -> tuple | None:
    """Two guardians are the same person when login key and name match exactly."""
    if not row["email_norm"]:
        return None
    name = tuple((row[k] or "").strip().casefold() for k in ("first_name", "last_name"))
    return (row["email_norm"], *name)


def _move_guardians(journal: Journal, survivor_id: int, other_ids: list[int]) -> int:
    """Move the others' guardians as secondaries; fold exact duplicates. Returns folds."""
    g = schema.guardians
    known = {_identity(r) for r in journal.rows("guardians", g.c.family_id == survivor_id)}
    folded = 0
    for row in journal.rows("guardians", g.c.family_id.in_(other_ids)):
        ident = _identity(row)
        where = g.c.guardian_id == row["guardian_id"]
        if ident is not None and ident in known:
            journal.delete_where("guardians", where)
            folded += 1
            continue
        known.add(ident)
        journal.update_where("guardians", where, {"family_id": survivor_id, "is_primary": False})
    return folded


def _primary(journal: Journal, family_id: int) -> dict | None:
    g = schema.guardians
    rows = journal.rows("guardians", (g.c.family_id == family_id) & g.c.is_primary)
    return rows[0] if rows else None


def _take_name_and_phone(
    journal: Journal, survivor_id: int, name_from: int | None, phone_from: int | None
) -> None:
    """Copy the chosen family name and primary phone onto the survivor (before any
    guardian moves, so each family's primary is still its own)."""
    f, g = schema.families, schema.guardians
    if name_from is not None and name_from != survivor_id:
        name = journal.conn.execute(
            select(f.c.family_name).where(f.c.family_id == name_from)
        ).scalar()
        journal.update_where("families", f.c.family_id == survivor_id, {"family_name": name})
    if phone_from is not None and phone_from != survivor_id:
        source, target = _primary(journal, phone_from), _primary(journal, survivor_id)
        if source is not None and target is not None:
            journal.update_where(
                "guardians", g.c.guardian_id == target["guardian_id"], {"phone": source["phone"]}
            )
