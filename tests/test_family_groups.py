"""The family screen says which group of the readiness list a family is in."""

from __future__ import annotations

from famtriage.core.access.context import Context
from famtriage.core.access.permissions import member
from famtriage.core.report.family import family_groups


def test_a_family_knows_its_groups(ctx) -> None:
    (group,) = family_groups(ctx, 1001)
    assert (group.email, group.kind, group.action) == ("jane.doe@example.com", "fam12", "merge")
    (maria,) = family_groups(ctx, 1090)
    assert (maria.kind, maria.action) == ("login", "review")
    assert family_groups(ctx, 100001) == []


def test_without_the_report_permission_no_group_is_shown(store) -> None:
    assert family_groups(Context.acting(store, member(store, 3)), 1001) == []
