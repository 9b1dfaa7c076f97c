"""The queue works on the readiness list, without a terminal: it agrees with `readiness`,
the report and the dashboard's counts on generated stores; a login conflict is resolved
by removing logins (one transaction, exact undo), never by a merge or a delete; working
it group by group makes every organization login-ready, and the empty queue says so."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from actions_support import dump
from readiness_support import (
    GENERATED,
    generated_store,
    kinds_present,
    raw_guardian,
    work_in_core,
)
from sqlalchemy import select

from famtriage.core.access.context import Context
from famtriage.core.actions.family_edits import change_email, invite
from famtriage.core.actions.queue import QueueGroup, load_view
from famtriage.core.actions.queue_progress import Progress, remaining
from famtriage.core.actions.queue_steps import (
    NeedsReview,
    Refused,
    change_email_steps,
    delete_steps,
    describe,
    describe_undo,
    execute,
    key_refusal,
    login_holder,
    merge_steps,
    recommended_steps,
    remove_login_steps,
    undo_last,
)
from famtriage.core.errors import Conflict
from famtriage.core.report.current import report_for_context
from famtriage.core.report.documents import readiness_document
from famtriage.core.report.readiness import readiness
from famtriage.core.store import schema


@pytest.fixture(params=GENERATED, ids=lambda p: f"seed{p[0]}")
def generated(request: pytest.FixtureRequest, tmp_path: Path) -> Context:
    seed, dup_rate = request.param
    return Context.open(generated_store(tmp_path / "generated.db", seed, dup_rate))


def _group(ctx: Context, email: str) -> QueueGroup:
    group = load_view(ctx, want=(1, email)).group
    assert group is not None and group.email == email
    return group


def test_generated_stores_hold_every_kind_of_conflict(generated: Context) -> None:
    present = kinds_present(generated)
    assert all(present.values()), present


def test_queue_report_readiness_and_dashboard_agree(generated: Context) -> None:
    view = load_view(generated)
    report = report_for_context(generated, "readiness")
    orgs = readiness(generated)
    document = json.loads(json.dumps(readiness_document(orgs)))
    listed = dict(report.groups.group_by("org_id").len().iter_rows())
    assert {o["org_id"]: o["login_conflicts"] for o in document["orgs"]} == listed
    assert len(view.order) == report.groups.height == view.progress.left
    assert set(view.order) == set(report.groups.select("org_id", "email").iter_rows())
    assert report.groups.select("org_id", "email").is_unique().all()  # each login once
    kinds = report.groups["kind"].to_list()
    assert kinds == sorted(kinds, key=lambda k: k != "fam12")
    assert [k for k, _ in zip(kinds, view.order, strict=True)] == kinds  # the same order
    by_order = report.groups.select("org_id", "email").rows()
    assert list(view.order) == by_order
    # what the dashboard shows: Left = Merge + Delete + Review + Logins, per organization
    for org in orgs:
        parts = sum(org.by_action.values()) + (org.login_conflicts - org.groups_left)
        assert parts == org.login_conflicts == listed.get(org.org_id, 0)


def test_every_login_shared_by_two_guardians_is_listed_with_every_holder(
    generated: Context,
) -> None:
    g, f = schema.guardians, schema.families
    with generated.store.engine.connect() as conn:
        rows = conn.execute(
            select(g.c.guardian_id, g.c.family_id, g.c.email_norm, f.c.org_id)
            .join_from(g, f, g.c.family_id == f.c.family_id)
            .where(f.c.status == "active", g.c.email_norm.is_not(None))
        ).all()
    logins = pl.DataFrame(
        rows, schema=["guardian_id", "family_id", "email", "org_id"], orient="row"
    ).filter(pl.len().over("org_id", "email") >= 2)
    report = report_for_context(generated, "readiness")
    listed = report.families.explode("guardians").select(
        "org_id", "email", "family_id", pl.col("guardians").alias("guardian_id")
    )
    held = logins.select("org_id", "email", "family_id", "guardian_id")
    assert held.join(listed, on=held.columns, how="anti").is_empty()
    assert listed.join(held, on=held.columns, how="anti").is_empty()


def test_working_the_queue_makes_every_organization_login_ready(generated: Context) -> None:
    view = work_in_core(generated)
    assert view.group is None
    assert all(o.ready for o in readiness(generated))
    assert remaining(view.progress, view.only, None).text == "Every organization is login-ready."
    assert report_for_context(generated, "readiness").groups.is_empty()


def test_a_on_a_login_conflict_removes_the_logins_at_once_and_undo_is_exact(ctx) -> None:
    raw_guardian(ctx, 1050, "Kim", "shared@example.test")  # the lowest id keeps it
    zed = raw_guardian(ctx, 1051, "Zed", "shared@example.test")
    yan = raw_guardian(ctx, 1052, "Yan", "shared@example.test")
    before = dump(ctx.store)
    group = _group(ctx, "shared@example.test")
    assert (group.kind, group.action, group.remove_logins) == ("login", "remove_login", (zed, yan))
    steps = recommended_steps(group)
    assert [(s.kind, s.guardian_id) for s in steps] == [
        ("remove_login", zed),
        ("remove_login", yan),
    ]
    text = describe(ctx, group, steps)
    assert "Remove the login shared@example.test of Zed X (guardian #991051" in text
    done = execute(ctx, group, steps)
    assert [r.action for r in done] == ["remove_login", "remove_login"]
    assert (1, "shared@example.test") not in load_view(ctx).order
    undo_text = describe_undo(ctx, done)
    assert undo_text.index(f"#{done[1].audit_id}") < undo_text.index(f"#{done[0].audit_id}")
    assert "(remove login): Removed the login shared@example.test of Yan X" in undo_text
    undo_last(ctx, tuple(r.audit_id for r in done))
    assert dump(ctx.store) == before


def test_a_login_conflict_is_never_merged_or_deleted(ctx) -> None:
    group = _group(ctx, "maria.garcia@example.com")  # a review: one person, two families
    assert group.kind == "login"
    for family in group.family_ids:
        for action in ("merge", "delete"):
            why = key_refusal(group, action, family)
            assert why is not None and "never leads to a merge or a delete" in why
        with pytest.raises(Refused):
            merge_steps(group, family)
        with pytest.raises(Refused):
            delete_steps(group, family)
    with pytest.raises(NeedsReview, match="press r on the family that gives up the login"):
        recommended_steps(group)


def test_r_removes_a_secondary_login_and_refuses_a_primary_one(ctx) -> None:
    group = _group(ctx, "maria.garcia@example.com")
    primary_family, secondary_family = group.family_ids  # #1091 (primary Maria), #1090
    why = key_refusal(group, "remove_login", primary_family)
    assert why is not None and "change it with e" in why
    steps = remove_login_steps(group, secondary_family)
    assert [s.guardian_id for s in steps] == [5028]
    execute(ctx, group, steps)
    assert all(o.ready for o in readiness(ctx) if o.org_id == 1) is False  # FAM-12 left
    assert (1, "maria.garcia@example.com") not in load_view(ctx).order


def test_e_changes_the_login_the_family_holds_here(ctx) -> None:
    group = _group(ctx, "maria.garcia@example.com")
    assert login_holder(group, 1090) == 5028  # the secondary Maria, not Luis (primary)
    assert login_holder(group, 1091) == group.primaries[1091]
    steps = change_email_steps(group, 1090, "maria.work@example.com")
    assert "Change the login email of Maria Garcia (guardian #5028, family #1090)" in describe(
        ctx, group, steps
    )
    execute(ctx, group, steps)
    assert (1, "maria.garcia@example.com") not in load_view(ctx).order


def test_one_family_holding_a_login_twice_keeps_it_once(ctx) -> None:
    first = raw_guardian(ctx, 1050, "Janet", "only@example.test")
    twin = raw_guardian(ctx, 1050, "Jo", "only@example.test", number=1)
    group = _group(ctx, "only@example.test")
    assert group.family_ids == (1050,) and group.remove_logins == (twin,)
    assert group.holders(1050) == (first, twin)
    assert [s.guardian_id for s in remove_login_steps(group, 1050)] == [twin]
    assert [s.guardian_id for s in recommended_steps(group)] == [twin]


def test_a_fam12_group_lists_its_secondary_holders_and_a_applies_all(ctx) -> None:
    outsider = raw_guardian(ctx, 1050, "Zed", "jane.doe@example.com")
    inside = raw_guardian(ctx, 1002, "Bob", "jane.doe@example.com")  # merged into #1001
    doomed = raw_guardian(ctx, 1003, "Kim", "jane.doe@example.com")  # deleted with #1003
    group = _group(ctx, "jane.doe@example.com")
    assert (group.kind, group.action, group.survivor) == ("fam12", "merge", 1001)
    assert group.family_ids == (1001, 1002, 1003, 1050)
    assert group.remove_logins == (inside, outsider)
    assert set(group.holders(1003)) == {5003, doomed}
    roles = dict(group.families.select("family_id", "role").iter_rows())
    assert roles[1050] == "remove_login"
    assert (
        "Also remove the login of Bob X (guardian #991002, family #1002), Zed X (guardian "
        "#991050, family #1050): the guardians stay in their families."
    ) in group.reason
    assert merge_steps(group, 1001)[0].family_ids == (1001, 1002, 1003)  # never #1050
    why = key_refusal(group, "delete", 1050)
    assert why is not None and "holds this login through a secondary guardian" in why
    steps = recommended_steps(group)
    assert [s.kind for s in steps] == ["remove_login", "remove_login", "merge", "delete"]
    execute(ctx, group, steps)
    assert (1, "jane.doe@example.com") not in load_view(ctx).order


def test_a_fam12_holder_who_may_be_the_survivor_is_left_for_review(ctx) -> None:
    same = raw_guardian(ctx, 1050, "Jane", "jane.doe@example.com")
    group = _group(ctx, "jane.doe@example.com")
    assert same not in group.remove_logins
    assert dict(group.families.select("family_id", "role").iter_rows())[1050] == "review"
    assert "may be the survivor's primary guardian" in group.reason
    execute(ctx, group, recommended_steps(group))
    left = _group(ctx, "jane.doe@example.com")  # the rest is a login conflict to decide
    assert (left.kind, left.action) == ("login", "review")


def test_the_undo_confirmation_is_refused_when_a_later_action_took_the_rows(ctx) -> None:
    group = _group(ctx, "maria.garcia@example.com")
    done = execute(ctx, group, change_email_steps(group, 1090, "maria.work@example.com"))
    change_email(ctx, 5028, "maria.home@example.com")  # a colleague, meanwhile
    with pytest.raises(Conflict, match="undo #"):
        describe_undo(ctx, done)


def test_an_empty_queue_says_what_is_left(ctx) -> None:
    ready = Progress(3, 0, 2, 2)
    assert remaining(ready, "all", None).text == "Every organization is login-ready."
    assert not remaining(ready, "all", None).show_all
    view = load_view(ctx, only="remove_login")
    assert view.group is None and view.position == "no remove-login group left"
    assert view.report is not None
    said = remaining(view.progress, view.only, view.report.groups)
    assert said.show_all and said.text.startswith(
        "No remove-login group is left; 11 groups left in all (5 delete, 3 merge, 3 review)."
    )
    assert "Press a to show them all." in said.text
    waiting = Progress(3, 1, 2, 1, ("Riverside Swim School",))
    text = remaining(waiting, "all", None).text
    assert text.startswith("Not login-ready yet: Riverside Swim School (1 group left)")


def test_invited_guardians_count_until_their_login_is_unique(ctx) -> None:
    invite(ctx, 1050, "Ann", "Other", "ann.other@example.test")
    before = load_view(ctx).progress.left
    raw_guardian(ctx, 1051, "Bea", "ann.other@example.test")
    assert load_view(ctx).progress.left == before + 1
