"""Permissions are checked in core; a refusal names the permission and who can grant."""

from __future__ import annotations

import pytest

from famtriage.core.access.context import Context
from famtriage.core.actions import family_edits, merge
from famtriage.core.actions.staff import AlreadyGranted, grant, list_staff, staff_document
from famtriage.core.actions.undo import undo
from famtriage.core.errors import InputError, PermissionDenied


def test_custom_group_without_the_grant_is_refused(store) -> None:
    desk = Context.open(store, "desk@riverside.test")
    with pytest.raises(PermissionDenied) as refused:
        merge.merge(desk, 1001, [1002])
    message = str(refused.value)
    assert "'families.merge'" in message
    assert 'famtriage grant "Front Desk" families.merge' in message
    assert "a global Admin can grant it" in message


def test_support_lead_cannot_delete(store) -> None:
    support = Context.open(store, "support@northside.test")
    with pytest.raises(PermissionDenied, match=r"families\.delete"):
        family_edits.delete(support, 2011)


def test_grant_then_allowed_and_undo_revokes(ctx, store) -> None:
    granted = grant(ctx, "Front Desk", "families.merge")
    merge.merge(Context.open(store, "desk@riverside.test"), 1001, [1002])
    with pytest.raises(AlreadyGranted, match="already has"):
        grant(ctx, "Front Desk", "families.merge")
    with pytest.raises(InputError, match="unknown permission"):
        grant(ctx, "Front Desk", "families.fly")
    undo(ctx, granted.audit_id)
    with pytest.raises(PermissionDenied):
        merge.merge(Context.open(store, "desk@riverside.test"), 1010, [1011])


def test_grant_is_admin_only(store) -> None:
    support = Context.open(store, "support@northside.test")
    with pytest.raises(PermissionDenied, match="'admin'"):
        grant(support, "Front Desk", "families.merge")


def test_staff_list_shows_effective_permissions(ctx) -> None:
    doc = staff_document(list_staff(ctx))
    by_email = {s["email"]: s for s in doc["staff"]}
    assert by_email["desk@riverside.test"]["permissions"] == ["families.view"]
    assert "admin" in by_email["owner@riverside.test"]["permissions"]
    assert set(doc["staff"][0]) == {
        "staff_id",
        "org_id",
        "name",
        "email",
        "user_group",
        "permissions",
    }


def test_staff_of_one_org_sees_only_its_families(store) -> None:
    owner = Context.open(store, "owner@riverside.test")
    assert owner.orgs == (1,)
    from famtriage.core.errors import NotFound

    with pytest.raises(NotFound):
        family_edits.delete(owner, 2011)
