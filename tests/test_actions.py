"""Merge, delete, change email and invite on the sample store (DESIGN §5)."""

from __future__ import annotations

import polars as pl
import pytest
from actions_support import dump, history_owners_active, payment_totals

from famtriage.core.actions import family_edits, merge
from famtriage.core.errors import Conflict, InputError, NotFound
from famtriage.core.report.current import report_for_context
from famtriage.core.store import schema


def _group(ctx, email: str) -> list[dict]:
    return report_for_context(ctx).groups.filter(pl.col("email") == email).to_dicts()


def test_merge_moves_everything_and_loses_nothing(ctx, store) -> None:
    before = dump(store)
    totals = payment_totals(store)
    result = merge.merge(ctx, 1041, [1040])
    after = dump(store)
    assert result.action == "merge" and "into #1041" in result.summary
    for name in ("students", "enrollments", "payments", "policies", "activity"):
        assert len(after[name]) == len(before[name])
    assert payment_totals(store) == totals
    assert history_owners_active(store)
    family = store.read_table("families", schema.families.c.family_id == 1040).row(0, named=True)
    assert (family["status"], family["merged_into"]) == ("merged", 1041)


def test_moved_primary_becomes_secondary_and_keeps_login(ctx, store) -> None:
    g = schema.guardians
    family_edits.change_email(ctx, 5002, "jane.second@example.com", expected=None)
    merge.merge(ctx, 1001, [1002])
    moved = store.read_table("guardians", g.c.guardian_id == 5002).row(0, named=True)
    assert moved["family_id"] == 1001
    assert moved["is_primary"] is False
    assert moved["email_norm"] == "jane.second@example.com"


def test_identical_guardian_is_folded(ctx, store) -> None:
    result = merge.merge(ctx, 1001, [1002])
    assert "1 identical guardian folded" in result.summary
    rows = store.read_table("guardians", schema.guardians.c.family_id == 1001)
    assert rows.filter(pl.col("email_norm") == "jane.doe@example.com").height == 1


def test_merge_takes_name_and_phone_from_another_family(ctx, store) -> None:
    merge.merge(ctx, 1001, [1002], family_name_from=1002, phone_from=1002)
    family = store.read_table("families", schema.families.c.family_id == 1001).row(0, named=True)
    primary = store.read_table("guardians", schema.guardians.c.guardian_id == 5001)
    assert family["family_name"] == "Doe"
    assert primary["phone"][0] == "555-0102"


def test_merge_refused_across_organizations(ctx, store) -> None:
    before = dump(store)
    with pytest.raises(Conflict, match="different organizations"):
        merge.merge(ctx, 1001, [2001])
    assert dump(store) == before


def test_merge_shape_is_checked(ctx) -> None:
    with pytest.raises(InputError, match="at most 5"):
        merge.merge(ctx, 1001, [1002, 1003, 1010, 1011, 1020])
    with pytest.raises(InputError, match="twice"):
        merge.merge(ctx, 1001, [1001])
    with pytest.raises(NotFound):
        merge.merge(ctx, 1001, [999999])


def test_merge_refused_when_group_changed_since_preview(ctx, store) -> None:
    preview = merge.preview_merge(ctx, 1001, [1002])
    assert preview.summary.startswith("Merge 1 family (#1002) into #1001: 1 student")
    assert "2 payments ($91.25)" in preview.summary
    family_edits.change_email(ctx, 5002, "someone.else@example.com")
    before = dump(store)
    with pytest.raises(Conflict, match="changed since you looked; reload"):
        merge.merge(ctx, 1001, [1002], expected=preview.fingerprint)
    assert dump(store) == before


def test_merge_refused_for_an_absorbed_family(ctx) -> None:
    merge.merge(ctx, 1001, [1002])
    with pytest.raises(Conflict, match="merged into #1001"):
        merge.merge(ctx, 1003, [1002])


def test_delete_refused_for_a_family_with_history(ctx, store) -> None:
    before = dump(store)
    with pytest.raises(Conflict, match="has history"):
        family_edits.delete(ctx, 1002)
    assert dump(store) == before


def test_delete_leaves_a_tombstone(ctx, store) -> None:
    preview = family_edits.preview_delete(ctx, 1003)
    assert "#1003" in preview.summary
    family_edits.delete(ctx, 1003, expected=preview.fingerprint)
    family = store.read_table("families", schema.families.c.family_id == 1003).row(0, named=True)
    assert family["status"] == "deleted"
    assert store.read_table("guardians", schema.guardians.c.family_id == 1003).is_empty()


def test_change_email_refused_onto_an_existing_login(ctx, store) -> None:
    before = dump(store)
    with pytest.raises(Conflict, match="already the login of guardian #5004"):
        family_edits.change_email(ctx, 5003, "  TOM.BAKER@mail.com ")
    assert dump(store) == before


def test_change_email_validates_and_sets_login_key(ctx, store) -> None:
    with pytest.raises(InputError, match="not a valid email"):
        family_edits.change_email(ctx, 5003, "not an email")
    family_edits.change_email(ctx, 5003, " Jane.Third@Example.com")
    row = store.read_table("guardians", schema.guardians.c.guardian_id == 5003).row(0, named=True)
    assert (row["email"], row["email_norm"]) == ("Jane.Third@Example.com", "jane.third@example.com")


def test_invite_adds_a_secondary_login(ctx, store) -> None:
    result = family_edits.invite(ctx, 1001, "Al", "Doe", "al.doe@example.com")
    added = store.read_table("guardians", schema.guardians.c.email_norm == "al.doe@example.com")
    assert added.height == 1 and added["is_primary"][0] is False
    assert result.action == "invite"
    with pytest.raises(Conflict, match="already the login"):
        family_edits.invite(ctx, 1010, "Al", "Doe", "AL.DOE@example.com")


def test_report_reflects_actions_through_the_snapshot(ctx) -> None:
    assert _group(ctx, "jane.doe@example.com")
    merge.merge(ctx, 1001, [1002])
    family_edits.delete(ctx, 1003)
    assert _group(ctx, "jane.doe@example.com") == []
