"""Possibly the same person: which look-alike sets concern a group's families (the
queue's line), the sets family by family (the report's section), never merged."""

from __future__ import annotations

import polars as pl
import pytest

from famtriage.core.access.context import Context
from famtriage.core.actions.family_edits import change_email
from famtriage.core.actions.queue import load_view
from famtriage.core.report.current import report_for_context
from famtriage.core.report.lookalikes import (
    SET_FAMILY_SCHEMA,
    Lookalike,
    listed,
    lookalikes_of,
    set_families,
    with_logins,
)

POSSIBLE = pl.DataFrame(
    {
        "org_id": [1, 1, 2],
        "families": [[10, 11, 12], [20, 21], [10, 30]],
        "emails": [
            ["  A.B@Mail.COM", "a.b+x@mail.com", "a.b@mail.com"],
            ["c+1@x.org", "c@x.org"],
            ["d@y.org", "d+2@y.org"],
        ],
        "why": ["tag", "tag", "tag"],
    }
)
KIM = 5016
"""The primary guardian of #1052 (ann.kim+swim@gmail.com in the sample)."""


def test_a_set_concerns_a_group_holding_one_of_its_families_and_not_all() -> None:
    (found,) = lookalikes_of(POSSIBLE, 1, [10, 11, 99])
    assert found == Lookalike((10, 11), (12,), ("a.b+x@mail.com", "a.b@mail.com"), "tag")
    assert found.text == (
        "#10 and #11 may be the same person as #12: a.b+x@mail.com and a.b@mail.com reach "
        "one mailbox; each is its own login, never merged."
    )
    assert lookalikes_of(POSSIBLE, 1, [10, 11, 12]) == ()  # the group already shows them all
    assert lookalikes_of(POSSIBLE, 1, [30]) == ()  # #30's set is in another organization
    assert [s.others for s in lookalikes_of(POSSIBLE, 2, [30])] == [(10,)]
    assert lookalikes_of(POSSIBLE, 1, []) == ()
    assert lookalikes_of(POSSIBLE.clear(), 1, [10]) == ()


def test_addresses_that_differ_in_case_or_spaces_are_one_login() -> None:
    assert with_logins(POSSIBLE)["logins"].to_list() == [
        ["a.b+x@mail.com", "a.b@mail.com"],
        ["c+1@x.org", "c@x.org"],
        ["d+2@y.org", "d@y.org"],
    ]


def test_sets_family_by_family_are_numbered_with_their_first_row_marked() -> None:
    rows = set_families(POSSIBLE)
    assert rows.schema == SET_FAMILY_SCHEMA
    assert rows.select("set", "family_id", "first").rows() == [
        (1, 10, True),
        (1, 11, False),
        (1, 12, False),
        (2, 20, True),
        (2, 21, False),
        (3, 10, True),
        (3, 30, False),
    ]
    assert rows["logins"][3].to_list() == ["c+1@x.org", "c@x.org"]
    assert set_families(POSSIBLE.clear()).schema == SET_FAMILY_SCHEMA


@pytest.mark.parametrize(
    ("items", "text"),
    [([], ""), (["a"], "a"), (["a", "b"], "a and b"), (["a", "b", "c"], "a, b and c")],
)
def test_listed(items: list[str], text: str) -> None:
    assert listed(items) == text


def test_the_queue_group_carries_the_sets_of_its_families(ctx: Context) -> None:
    """#1052 gets a +tag of the Doe group's login: the group's line names it; the
    sample's own look-alikes (#1050-#1054) are in no group, so no other group has one."""
    change_email(ctx, KIM, "jane.doe+swim@example.com")
    view = load_view(ctx, want=(1, "jane.doe@example.com"))
    assert view.group is not None
    (found,) = view.group.lookalikes
    assert (found.ours, found.others) == ((1001, 1002, 1003), (1052,))
    assert found.logins == ("jane.doe+swim@example.com", "jane.doe@example.com")
    assert view.group.family_ids == (1001, 1002, 1003)  # shown, never grouped
    other = load_view(ctx, want=(1, "tom.baker@mail.com"))
    assert other.group is not None and other.group.lookalikes == ()


def test_the_report_lists_the_sample_sets_family_by_family(ctx: Context) -> None:
    rows = set_families(report_for_context(ctx).possible)
    assert rows.filter(pl.col("first"))["logins"].to_list() == [
        ["ann.kim+swim@gmail.com", "ann.kim@gmail.com", "annkim@gmail.com"],
        ["raj+dance@fastmail.com", "raj@fastmail.com"],
    ]
    assert rows["family_id"].to_list() == [1050, 1051, 1052, 1053, 1054]
