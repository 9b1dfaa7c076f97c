"""What the ways between screens rely on, in core: the queue opened at a group, a family
found by "#id" (tombstones too), and a tombstone's record shaped like any family's."""

from __future__ import annotations

import polars as pl

from famtriage.core.access.context import Context
from famtriage.core.access.permissions import member
from famtriage.core.actions.family_edits import delete
from famtriage.core.actions.queue import Place, load_view, order_groups
from famtriage.core.report.family import family_detail
from famtriage.core.report.search import search_families
from famtriage.core.store.database import Store

GROUPS = pl.DataFrame(
    {
        "org_id": [1, 1, 1, 2],
        "email": ["a@x", "b@x", "c@x", "d@x"],
        "action": ["merge", "review", "delete", "merge"],
        "kind": ["fam12"] * 4,
    }
)


def test_the_queue_goes_to_a_group_listed_or_lifts_its_filter() -> None:
    merges = order_groups(GROUPS, "merge", frozenset())
    place = Place(tuple(merges), 0, "merge")
    assert place.at((2, "d@x")) == Place(tuple(merges), 1, "merge")
    assert place.at((1, "b@x")) is None
    lifted = place.toward((1, "b@x"), GROUPS)
    assert lifted is not None and (lifted.only, lifted.key, lifted.index) == ("all", (1, "b@x"), 1)
    assert place.toward((9, "gone@x"), GROUPS) is None


def test_skipped_groups_stay_skipped_when_the_queue_goes_to_one() -> None:
    place = Place(tuple(order_groups(GROUPS, "all", frozenset())), 0).skipping()
    assert place.order[-1] == (1, "a@x")
    there = place.toward((1, "a@x"), GROUPS)
    assert there is not None and there.index == 3 and there.skipped == {(1, "a@x")}


def test_load_view_opens_at_the_group_asked_for(ctx: Context) -> None:
    view = load_view(ctx, want=(1, "sam.lee@post.net"))
    assert view.group is not None and view.group.key == (1, "sam.lee@post.net")
    gone = load_view(ctx, want=(1, "nobody@example.com"))
    assert gone.group is not None and gone.index == 0  # the first group left instead


def test_search_by_id_finds_any_family_tombstones_too(ctx: Context) -> None:
    done = delete(ctx, 1061)
    (hit,) = search_families(ctx, " #1061 ").hits
    assert (hit.family_id, hit.status, hit.match, hit.guardians) == (1061, "deleted", "exact", ())
    assert search_families(ctx, "bob at stone").total == 1  # by email: active families only
    assert search_families(ctx, "#99999999").hits == ()
    assert family_detail(ctx, 1061).tombstone == done.audit_id


def test_search_by_id_stays_inside_the_organizations_in_view(store: Store) -> None:
    owner = Context.acting(store, member(store, 2))  # Account Owner of organization 1
    assert list(owner.orgs) == [1]
    assert search_families(owner, "#2001").hits == ()
    assert [h.family_id for h in search_families(owner, "#1001").hits] == [1001]


def test_a_tombstone_has_the_sections_of_any_family(ctx: Context) -> None:
    delete(ctx, 1061)
    alive, gone = family_detail(ctx, 1060), family_detail(ctx, 1061)
    for name in ("guardians", "students", "enrollments", "payments", "policies", "activity"):
        assert getattr(gone, name).schema == getattr(alive, name).schema, name
