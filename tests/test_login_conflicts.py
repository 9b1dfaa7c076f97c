"""Login conflicts beyond FAM-12 (the readiness list): a secondary guardian's login is
removed or reviewed, never merged or deleted; FAM-12 groups come first; each email once;
readiness counts what the list holds."""

from __future__ import annotations

import polars as pl
import pytest
from readiness_support import raw_guardian

from famtriage.core.actions.family_edits import invite, remove_login
from famtriage.core.report.current import report_for_context
from famtriage.core.report.readiness import readiness


def _group(report, email: str) -> dict:
    rows = report.groups.filter(pl.col("email") == email)
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def test_the_same_person_in_two_families_is_a_review(ctx) -> None:
    report = report_for_context(ctx, "readiness")
    maria = _group(report, "maria.garcia@example.com")
    assert (maria["kind"], maria["action"]) == ("login", "review")
    assert maria["merge"] == [] and maria["delete"] == [] and maria["survivor"] is None
    assert "may be one person with two families" in maria["reason"]


def test_a_different_persons_secondary_login_is_removed(ctx) -> None:
    guardian = raw_guardian(ctx, 100003, "Zed", "aisha.jones100001@gmail.com")
    group = _group(report_for_context(ctx, "readiness"), "aisha.jones100001@gmail.com")
    assert (group["kind"], group["action"]) == ("login", "remove_login")
    assert group["remove_logins"] == [guardian]
    assert "remove the login of Zed X" in group["reason"]
    remove_login(ctx, guardian)
    after = report_for_context(ctx, "readiness")
    assert after.groups.filter(pl.col("email") == "aisha.jones100001@gmail.com").is_empty()


def test_one_login_on_two_guardians_of_one_family_is_a_conflict(ctx) -> None:
    guardian = raw_guardian(ctx, 100001, "Aisha", "aisha.jones100001@gmail.com")
    group = _group(report_for_context(ctx, "readiness"), "aisha.jones100001@gmail.com")
    assert (group["families"], group["action"], group["remove_logins"]) == (
        1,
        "remove_login",
        [guardian],
    )
    assert "more than one guardian of one family" in group["reason"]


def test_an_invalid_login_in_a_conflict_is_flagged(ctx) -> None:
    raw_guardian(ctx, 100003, "Zed", "not-an-email")
    raw_guardian(ctx, 100004, "Yan", "not-an-email")
    group = _group(report_for_context(ctx, "readiness"), "not-an-email")
    assert group["email_valid"] is False and "not a valid email: change it" in group["reason"]


def test_readiness_lists_fam12_first_and_each_email_once(ctx) -> None:
    invite(ctx, 1050, "Other", "Person", "other.person@example.test")
    report = report_for_context(ctx, "readiness")
    kinds = report.groups["kind"].to_list()
    assert kinds == sorted(kinds, key=lambda k: k != "fam12")
    keys = report.groups.select("org_id", "email")
    assert keys.is_unique().all()
    assert (
        report.groups.filter(pl.col("kind") == "login")["action"]
        .is_in(["remove_login", "review"])
        .all()
    )


@pytest.mark.parametrize("scope", ["primary", "all-logins", "readiness"])
def test_no_login_conflict_ever_merges_or_deletes(ctx, scope) -> None:
    raw_guardian(ctx, 100003, "Zed", "aisha.jones100001@gmail.com")
    groups = report_for_context(ctx, scope).groups.filter(pl.col("kind") == "login")
    assert groups.filter(
        (pl.col("merge").list.len() > 0) | (pl.col("delete").list.len() > 0)
    ).is_empty()


def test_readiness_counts_what_the_list_holds(ctx) -> None:
    raw_guardian(ctx, 100003, "Zed", "aisha.jones100001@gmail.com")
    listed = report_for_context(ctx, "readiness").groups.group_by("org_id").len()
    counted = {o.org_id: o.login_conflicts for o in readiness(ctx)}
    assert dict(listed.iter_rows()) == counted
    assert all(not o.ready for o in readiness(ctx) if counted[o.org_id])
