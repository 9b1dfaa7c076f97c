"""Every case the sample data was built to exercise, checked through the core API."""

from __future__ import annotations

import polars as pl
import pytest

from famtriage.core.access.context import Context
from famtriage.core.report.current import report_for_context
from famtriage.core.sample.bundled import sample_tables
from famtriage.core.store import config


@pytest.fixture
def report(ctx: Context):
    return report_for_context(ctx, "primary")


def _group(report, email: str, org: int = 1) -> dict:
    rows = report.groups.filter((pl.col("email") == email) & (pl.col("org_id") == org))
    assert rows.height == 1, f"no single group for {email} in org {org}"
    return rows.row(0, named=True)


def _grouped_ids(report) -> set[int]:
    return set(report.families["family_id"].to_list())


def test_sample_csv_files_match_their_generator() -> None:
    for name, frame in sample_tables().items():
        on_disk = pl.read_csv(config.SAMPLE_DATA / f"{name}.csv", infer_schema=False)
        assert on_disk.equals(frame), name


def test_case_and_whitespace_variants_merge(report) -> None:
    g = _group(report, "jane.doe@example.com")
    assert (g["families"], g["action"], g["survivor"]) == (3, "merge", 1001)
    assert g["merge"] == [1002] and g["delete"] == [1003]
    assert "merge #1002 into #1001" in g["reason"]


def test_one_with_history_deletes_the_rest(report) -> None:
    g = _group(report, "tom.baker@mail.com")
    assert (g["action"], g["survivor"], g["delete"]) == ("delete", 1010, [1011])


def test_no_history_keeps_the_oldest(report) -> None:
    g = _group(report, "sam.lee@post.net")
    assert (g["action"], g["survivor"], g["delete"]) == ("delete", 1020, [1021])
    assert "keep the oldest" in g["reason"]


def test_different_people_sharing_an_inbox_need_review(report) -> None:
    g = _group(report, "smithfamily@home.org")
    assert g["action"] == "review" and g["survivor"] is None
    assert g["merge"] == [] and g["delete"] == []
    assert "John Smith" in g["reason"] and "Mary Smith" in g["reason"]


def test_group_of_four_merges_the_most_history(report) -> None:
    g = _group(report, "grandma.rose@miller.net")
    assert (g["families"], g["survivor"], g["merge"]) == (4, 1041, [1040])
    assert sorted(g["delete"]) == [1042, 1043]


def test_lookalikes_are_listed_not_grouped(report) -> None:
    assert not {1050, 1051, 1052, 1053, 1054} & _grouped_ids(report)
    sets = {tuple(r["families"]): r for r in report.possible.to_dicts()}
    assert "Gmail" in sets[(1050, 1051, 1052)]["why"]
    assert "+tag" in sets[(1053, 1054)]["why"]


def test_invalid_email_is_grouped_and_flagged(report) -> None:
    g = _group(report, "bob at stone.com")
    assert g["email_valid"] is False and g["action"] == "delete"


def test_empty_and_missing_emails_never_group(report) -> None:
    assert not {1070, 1071, 1072, 1073} & _grouped_ids(report)


def test_same_email_in_two_orgs_is_not_a_group(report) -> None:
    assert report.groups.filter(pl.col("email") == "pat.jones@example.com").is_empty()


def test_unicode_and_idn_variants_group(report) -> None:
    g = _group(report, "zoë@xn--exmple-cua.com", org=2)
    assert (g["action"], g["survivor"]) == ("merge", 2001)
    assert _group(report, "li.wei@example.cn", org=2)["delete"] == [2011]


def test_all_logins_scope_adds_secondary_guardians(ctx: Context, report) -> None:
    wide = report_for_context(ctx, "all-logins")
    assert report.groups.filter(pl.col("email") == "maria.garcia@example.com").is_empty()
    g = _group(wide, "maria.garcia@example.com")
    assert g["families"] == 2
    assert wide.groups.height == report.groups.height + 1


def test_org_scope_limits_groups(store) -> None:
    only2 = report_for_context(Context.open(store, org=2))
    assert set(only2.groups["org_id"].to_list()) == {2}


def test_custom_group_without_fam12_is_refused(store) -> None:
    from famtriage.core.errors import PermissionDenied

    desk = Context.open(store, "desk@riverside.test")
    with pytest.raises(PermissionDenied, match=r"reports\.fam12.*grant"):
        report_for_context(desk)


def test_account_owner_sees_only_their_org(store) -> None:
    owner = Context.open(store, "owner@riverside.test")
    assert owner.orgs == (1,)
    assert set(report_for_context(owner).groups["org_id"].to_list()) == {1}
