"""A merged or deleted family shows its tombstone and the audit entry whose undo brings
it back; enrollments name their student."""

from __future__ import annotations

from famtriage.core.actions import family_edits, merge
from famtriage.core.actions.undo import purge, undo
from famtriage.core.report.documents import family_document
from famtriage.core.report.family import family_detail


def test_a_deleted_family_shows_what_its_tombstone_keeps(ctx) -> None:
    done = family_edits.delete(ctx, 1003)
    detail = family_detail(ctx, 1003)
    assert detail.status == "deleted" and detail.tombstone == done.audit_id
    assert detail.guardians["guardian_id"].to_list() == [5003]
    assert detail.status_text() == (
        f"deleted by audit entry #{done.audit_id}; undoing #{done.audit_id} restores it"
    )
    assert family_document(detail)["tombstone"] == done.audit_id
    undo(ctx, done.audit_id)
    assert family_detail(ctx, 1003).status_text() == "active"


def test_a_merged_family_names_the_merge_and_a_purge_makes_it_permanent(ctx) -> None:
    done = merge.merge(ctx, 1001, [1002])
    detail = family_detail(ctx, 1002)
    assert (detail.merged_into, detail.tombstone) == (1001, done.audit_id)
    assert detail.status_text().startswith(f"merged into #1001 by audit entry #{done.audit_id}")
    purge(ctx, 0)
    assert family_detail(ctx, 1002).status_text() == (
        "merged into #1001; permanent (its tombstone was purged)"
    )


def test_enrollments_name_their_student(ctx) -> None:
    detail = family_detail(ctx, 1001)
    assert detail.enrollments.height > 0
    assert detail.enrollments["student"].null_count() == 0
