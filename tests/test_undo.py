"""Undo restores exactly; it is refused while a later action holds the same rows;
purge makes tombstones permanent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from actions_support import dump
from sqlalchemy import select

from famtriage.core.access.context import Context
from famtriage.core.actions import family_edits, merge
from famtriage.core.actions.apply import apply_plan
from famtriage.core.actions.audit import audit_entries, now
from famtriage.core.actions.undo import purge, undo, undo_refusal
from famtriage.core.errors import Conflict, PermissionDenied
from famtriage.core.report.current import report_for_context
from famtriage.core.store import schema


def test_undo_restores_a_merge_and_is_audited(ctx, store) -> None:
    before = dump(store)
    merged = merge.merge(ctx, 1001, [1002], family_name_from=1002, phone_from=1002)
    undone = undo(ctx, merged.audit_id)
    assert dump(store) == before
    entries = {e.audit_id: e for e in audit_entries(ctx)}
    assert entries[merged.audit_id].undone_by == undone.audit_id
    assert entries[undone.audit_id].action == "undo"


def test_undo_restores_a_delete_from_its_tombstone(ctx, store) -> None:
    before = dump(store)
    deleted = family_edits.delete(ctx, 1003)
    undo(ctx, deleted.audit_id)
    assert dump(store) == before


def test_undo_refused_when_a_later_action_touched_the_same_rows(ctx, store) -> None:
    first = merge.merge(ctx, 1001, [1002])
    later = merge.merge(ctx, 1010, [1001])
    before = dump(store)
    with pytest.raises(Conflict, match=f"undo #{later.audit_id} first"):
        undo(ctx, first.audit_id)
    assert dump(store) == before
    undo(ctx, later.audit_id)
    undo(ctx, first.audit_id)


def test_unrelated_later_action_does_not_block_undo(ctx) -> None:
    first = merge.merge(ctx, 1001, [1002])
    family_edits.change_email(ctx, 5001, "jane.new@example.com")
    undo(ctx, first.audit_id)


def test_undo_twice_or_an_undo_is_refused(ctx) -> None:
    done = family_edits.delete(ctx, 1003)
    undone = undo(ctx, done.audit_id)
    with pytest.raises(Conflict, match="already undone"):
        undo(ctx, done.audit_id)
    with pytest.raises(Conflict, match="cannot be undone"):
        undo(ctx, undone.audit_id)


def test_undo_needs_the_permission_of_the_action(ctx, store) -> None:
    done = merge.merge(ctx, 2001, [2002])
    support = Context.open(store, "support@northside.test")
    deleted = family_edits.delete(ctx, 2011)
    with pytest.raises(PermissionDenied, match=r"families\.delete"):
        undo(support, deleted.audit_id)
    undo(support, done.audit_id)


def test_purge_is_admin_only_and_makes_tombstones_permanent(ctx, store) -> None:
    deleted = family_edits.delete(ctx, 1003)
    owner_of_desk = Context.open(store, "desk@riverside.test")
    with pytest.raises(PermissionDenied, match="'admin'"):
        purge(owner_of_desk, 30)
    assert "Made 0" in purge(ctx, 30).summary
    result = purge(ctx, 30, now=now() + timedelta(days=31))
    assert f"#{deleted.audit_id}" in result.summary
    with pytest.raises(Conflict, match="permanent"):
        undo(ctx, deleted.audit_id)
    a = schema.audit_log
    with store.engine.connect() as conn:
        payload = conn.execute(select(a.c.payload).where(a.c.audit_id == deleted.audit_id)).scalar()
    assert "Jane" not in payload


def test_apply_leaves_only_review_groups_and_undoing_all_restores(ctx, store) -> None:
    before = dump(store)
    planned = report_for_context(ctx).groups.height
    result = apply_plan(ctx)
    assert not result.cancelled
    groups = report_for_context(ctx).groups
    assert set(groups["action"]) == {"review"}
    assert {g.skipped for g in result.skipped} == {"needs review"}
    for entry in audit_entries(ctx):
        undo(ctx, entry.audit_id)
    assert dump(store) == before
    assert report_for_context(ctx).groups.height == planned


def test_apply_only_deletes(ctx) -> None:
    result = apply_plan(ctx, only="delete")
    assert {r.action for g in result.applied for r in g.results} == {"delete"}
    left = report_for_context(ctx).groups
    assert set(left["action"]) == {"merge", "review"}


def test_undo_refusal_says_why_without_writing(ctx, store) -> None:
    first = merge.merge(ctx, 1001, [1002])
    later = merge.merge(ctx, 1010, [1001])
    before = dump(store)
    assert f"undo #{later.audit_id} first" in undo_refusal(ctx, first.audit_id)
    assert undo_refusal(ctx, later.audit_id) is None
    assert dump(store) == before


def test_apply_reports_progress_and_stops_when_cancelled(ctx) -> None:
    seen: list[tuple[int, int]] = []
    result = apply_plan(
        ctx,
        on_progress=lambda done, total: seen.append((done, total)),
        is_cancelled=lambda: len(seen) >= 3,
    )
    assert result.cancelled
    assert [d for d, _ in seen] == [1, 2, 3]
    assert report_for_context(ctx).groups.height == seen[0][1] - sum(1 for g in result.applied)
