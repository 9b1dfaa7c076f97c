"""Filtering, sorting and opening FAM-12 groups (the rules the report screen uses)."""

from __future__ import annotations

import pytest

from core.access import can_view, require_view
from core.context import Context
from core.errors import PermissionDenied
from core.report_view import filter_groups, group_families, group_row, sort_groups
from core.reporting import report_for_context


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
