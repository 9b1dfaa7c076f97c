"""The resolution queue's rules, without a terminal: order, position, filters, jump,
progress, differing fields, and what each key does through the actions API."""

from __future__ import annotations

import polars as pl
import pytest

from famtriage.core.access.context import Context
from famtriage.core.actions.queue import (
    differing_fields,
    find_group,
    load_view,
    order_groups,
    pick,
    step_index,
    visible_whitespace,
)
from famtriage.core.actions.queue_steps import (
    NeedsReview,
    Takes,
    change_email_steps,
    delete_steps,
    describe,
    email_problem,
    execute,
    merge_steps,
    recommended_steps,
    undo_last,
)
from famtriage.core.errors import Conflict, PermissionDenied
from famtriage.core.report.family import family_detail
from famtriage.core.report.readiness import readiness
from famtriage.core.store.database import Store

GROUPS = pl.DataFrame(
    {
        "org_id": [2, 1, 1, 1],
        "email": ["d@x", "c@x", "a@x", "b@x"],
        "action": ["merge", "delete", "review", "merge"],
    }
)


def test_order_is_org_then_email_with_skipped_last() -> None:
    assert order_groups(GROUPS, "all", frozenset()) == [
        (1, "a@x"),
        (1, "b@x"),
        (1, "c@x"),
        (2, "d@x"),
    ]
    assert order_groups(GROUPS, "all", frozenset({(1, "a@x")}))[-1] == (1, "a@x")


def test_filters_keep_one_recommendation() -> None:
    assert order_groups(GROUPS, "merge", frozenset()) == [(1, "b@x"), (2, "d@x")]
    assert order_groups(GROUPS, "review", frozenset()) == [(1, "a@x")]
    with pytest.raises(ValueError):
        order_groups(GROUPS, "everything", frozenset())


def test_pick_keeps_the_group_or_opens_the_one_now_in_its_place() -> None:
    order = [(1, "a@x"), (1, "b@x")]
    assert pick(order, (1, "b@x"), 0) == 1
    assert pick(order, (1, "gone@x"), 1) == 1
    assert pick(order, None, 7) == 1
    assert pick([], None, 0) is None
    assert step_index(3, 2, 1) == 0 and step_index(3, 0, -1) == 2


def test_jump_normalizes_then_falls_back_to_partial() -> None:
    order = [(1, "a@x"), (1, "bob@home.org")]
    assert find_group(order, "  BOB@Home.org ") == 1
    assert find_group(order, "home") == 1
    assert find_group(order, "nobody") is None


def test_differing_fields_and_visible_whitespace() -> None:
    fams = pl.DataFrame(
        {f: [1, 1] for f in ("students", "enrollments", "payments", "policies", "activity")}
        | {
            "family_name": ["A", "B"],
            "primary_guardian": ["X", "X"],
            "raw_email": ["a@x", " a@x"],
            "created_at": [None, None],
            "payments_total_cents": [0, 5],
            "last_activity": [None, None],
            "has_history": [True, True],
            "primary_names": [["X"], ["X"]],
            "secondary_names": [[], ["Y"]],
            "student_names": [["K"], ["K"]],
            "last_class": ["Minnows", "Minnows"],
        }
    )
    assert differing_fields(fams) == {
        "family_name",
        "raw_email",
        "payments_total_cents",
        "secondary_names",
    }
    assert differing_fields(fams.head(1)) == frozenset()
    assert visible_whitespace(" a@x\t\u200b") == "·a@x→⍽"


def test_view_position_progress_and_fast_path(ctx: Context) -> None:
    view = load_view(ctx)
    assert view.position == f"group 1 of {len(view.order)}"
    assert view.progress.resolved == 0
    group = view.group
    steps = recommended_steps(group)
    assert "restorable" in describe(ctx, group, steps)
    execute(ctx, group, steps)
    after = load_view(ctx, initial=view.progress.total)
    assert group.key not in after.order
    assert after.progress.resolved == 1


def test_merge_confirmation_states_what_moves(ctx: Context) -> None:
    view = load_view(ctx, want=(1, "jane.doe@example.com"))
    group = view.group
    text = describe(ctx, group, recommended_steps(group))
    assert text.startswith(f"Merge 1 family (#1002) into #{group.survivor}:")
    assert "$" in text


def test_a_merge_keeps_the_name_and_phone_the_engineer_took(ctx: Context) -> None:
    group = load_view(ctx, want=(1, "jane.doe@example.com")).group
    takes = Takes().toggled("name", 1002).toggled("phone", 1002)
    assert takes.toggled("name", 1002).name_from is None  # pressed again: no longer taken
    steps = recommended_steps(group, takes.toggled("phone", 1003))
    assert (steps[0].name_from, steps[0].phone_from) == (1002, None)  # 1003 is deleted, not merged
    text = describe(ctx, group, steps)
    assert "The survivor takes the family name “Doe” (#1002)." in text
    execute(ctx, group, merge_steps(group, 1001, takes))
    detail = family_detail(ctx, 1001)
    assert detail.family_name == "Doe"
    primary = detail.guardians.filter(pl.col("is_primary"))
    assert primary["phone"].to_list() == ["555-0102"]


def test_review_group_needs_a_person(ctx: Context) -> None:
    group = load_view(ctx, only="review").group
    with pytest.raises(NeedsReview):
        recommended_steps(group)


def test_changed_since_you_looked_is_refused(ctx: Context) -> None:
    group = load_view(ctx, want=(1, "jane.doe@example.com")).group
    execute(ctx, group, delete_steps(group.delete[0]))
    with pytest.raises(Conflict):
        execute(ctx, group, merge_steps(group, group.survivor))


def test_change_email_checks_logins_and_undo_restores(ctx: Context) -> None:
    group = load_view(ctx, only="review").group
    family = group.family_ids[1]
    guardian = group.primaries[family]
    assert "already the login" in email_problem(ctx, group.org_id, guardian, "jane.doe@example.com")
    assert "not a valid" in email_problem(ctx, group.org_id, guardian, "nope")
    assert email_problem(ctx, group.org_id, guardian, "new.one@home.org") is None
    done = execute(ctx, group, change_email_steps(group, family, "new.one@home.org"))
    assert group.key not in load_view(ctx).order
    undo_last(ctx, tuple(r.audit_id for r in done))
    assert group.key in load_view(ctx).order


def test_refused_without_delete_permission(store: Store) -> None:
    support = Context.open(store, "support@northside.test")
    group = load_view(support, only="delete").group
    with pytest.raises(PermissionDenied):
        describe(support, group, recommended_steps(group))
    with pytest.raises(PermissionDenied):
        execute(support, group, recommended_steps(group))
    assert group.key in load_view(support).order


def test_fast_path_clears_every_merge_and_delete_group(ctx: Context) -> None:
    while (view := load_view(ctx, only="merge")).group or load_view(ctx, only="delete").group:
        group = view.group or load_view(ctx, only="delete").group
        execute(ctx, group, recommended_steps(group))
    left = {o.org_id: o.by_action for o in readiness(ctx)}
    assert all(set(actions) <= {"review"} for actions in left.values())
