"""Filtering, sorting and opening FAM-12 groups (the rules the report screen uses)."""

from __future__ import annotations

from datetime import datetime

import pytest

from famtriage.core.access.context import Context
from famtriage.core.access.views import can_view, require_view
from famtriage.core.errors import PermissionDenied
from famtriage.core.report.current import report_for_context
from famtriage.core.report.view import (
    filter_groups,
    group_families,
    group_position,
    group_row,
    sort_groups,
)
from famtriage.core.tasks import TaskRecord, _in_view


def test_filter_matches_email_action_or_family_id(ctx: Context) -> None:
    groups = report_for_context(ctx).groups
    assert filter_groups(groups, "  JANE.doe ")["email"].to_list() == ["jane.doe@example.com"]
    assert set(filter_groups(groups, "review")["action"]) == {"review"}
    assert filter_groups(groups, "#1042")["email"].to_list() == ["grandma.rose@miller.net"]
    assert filter_groups(groups, "").height == groups.height
    assert filter_groups(groups, "[").height == 0  # literal, never a regex


def test_sort_is_stable_by_org_then_email(ctx: Context) -> None:
    groups = report_for_context(ctx).groups
    by_families = sort_groups(groups, "families", descending=True)
    assert by_families["families"].to_list() == sorted(groups["families"], reverse=True)
    twos = by_families.filter(by_families["families"] == 2)
    assert twos.select("org_id", "email").rows() == sorted(twos.select("org_id", "email").rows())
    with pytest.raises(ValueError):
        sort_groups(groups, "reason")


def test_a_group_is_found_again_after_a_sort_or_a_filter(ctx: Context) -> None:
    groups = report_for_context(ctx).groups
    for key in ("email", "families", "action", "org_id"):
        for descending in (False, True):
            rows = sort_groups(groups, key, descending)
            at = group_position(rows, 1, "jane.doe@example.com")
            assert at is not None and rows.row(at, named=True)["email"] == "jane.doe@example.com"
    assert group_position(sort_groups(groups, "families", True), 1, "jane.doe@example.com") == 1
    assert group_position(filter_groups(groups, "review"), 1, "jane.doe@example.com") is None
    assert group_position(groups, 2, "jane.doe@example.com") is None  # another organization


def test_group_families_survivor_first(ctx: Context) -> None:
    report = report_for_context(ctx)
    families = group_families(report, 1, "jane.doe@example.com")
    assert families["family_id"].to_list() == [1001, 1002, 1003]
    assert families["role"].to_list() == ["survivor", "merge", "delete"]
    assert group_row(report, 1, "jane.doe@example.com")["action"] == "merge"
    assert group_row(report, 2, "jane.doe@example.com") is None


def test_views_need_their_permission(store) -> None:
    desk = Context.open(store, "desk@riverside.test").actor
    assert can_view(desk, "search") and can_view(desk, "dashboard")
    assert not can_view(desk, "report")
    with pytest.raises(PermissionDenied, match=r"reports\.fam12"):
        require_view(desk, "report")


def test_only_tasks_of_this_store_and_organizations_in_view(store) -> None:
    def task(task_id: int, orgs: tuple[int, ...], on: str) -> TaskRecord:
        return TaskRecord(
            task_id,
            "report",
            "done",
            1.0,
            datetime(2026, 1, 1),
            None,
            None,
            orgs,
            "primary",
            store=on,
        )

    here = store.store_id()
    owner = Context.open(store, "owner@riverside.test")
    tasks = [
        task(1, (1,), here),
        task(2, (1, 2), here),
        task(3, (1,), "another store"),
        task(4, (), here),
    ]
    seen = [_in_view(owner, t) for t in tasks]
    assert seen[0] == tasks[0] and seen[2] is None
    assert seen[3] == tasks[3]  # run on an empty store: it shows no organization's rows
    assert seen[1] is not None and seen[1].org_ids == (1,)  # org 2's rows stay hidden
    admin = Context.open(store)
    assert [_in_view(admin, t) for t in tasks] == [tasks[0], tasks[1], None, tasks[3]]
