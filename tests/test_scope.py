"""Who may do what, tried as an attacker would through the CLI: each case asserts the
exit code, the message, and that the store did not change."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from actions_support import dump
from sqlalchemy import select

from famtriage.core.access.context import Context
from famtriage.core.access.permissions import member
from famtriage.core.actions import family_edits
from famtriage.core.actions.apply import apply_plan
from famtriage.core.actions.undo import undo
from famtriage.core.errors import Conflict
from famtriage.core.source import importer
from famtriage.core.source.reader import read_export
from famtriage.core.store import config, schema
from famtriage.core.store.database import Store
from famtriage.tui.cli.main import main

OWNER, DESK, SUPPORT = "owner@riverside.test", "desk@riverside.test", "support@northside.test"


def run(capsys, db: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["--db", str(db), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _export(folder: Path, tables: dict[str, pl.DataFrame]) -> Path:
    folder.mkdir()
    for name, frame in tables.items():
        frame.write_parquet(folder / f"{name}.parquet")
    return folder


def _org_export(folder: Path, org: int, **changes: pl.DataFrame) -> Path:
    """The sample data of one organization as an export folder, some tables replaced
    (the families' own rows follow the families kept)."""
    tables = {**read_export(config.SAMPLE_DATA), **changes}
    out = {}
    families = tables["families"].filter(pl.col("org_id") == org)["family_id"].implode()
    for name, frame in tables.items():
        if name in changes:
            out[name] = frame
        elif name in ("orgs", "families", "staff"):
            out[name] = frame.filter(pl.col("org_id") == org)
        elif "family_id" in frame.columns:
            out[name] = frame.filter(pl.col("family_id").is_in(families))
        else:
            out[name] = frame
    students = out["students"]["student_id"].implode()
    out["enrollments"] = out["enrollments"].filter(pl.col("student_id").is_in(students))
    return _export(folder, out)


@pytest.mark.parametrize(
    ("as_email", "message"),
    [
        ("%", "no staff member has the email '%'"),
        ("%@riverside.test", "no staff member has the email"),
        ("admin", "no staff member has the email 'admin'"),
        ("admin@famtriage.test%", "no staff member has the email"),
        ("", "an empty one names nobody"),
        ("   ", "an empty one names nobody"),
        ("nobody@nowhere.test", "no staff member has the email"),
    ],
)
def test_as_names_one_staff_member_exactly(sample_db, capsys, as_email, message) -> None:
    before = dump(Store.open(sample_db))
    commands = (["report"], ["search", "jane"], ["family", "1001"], ["merge", "1001", "1002"])
    for argv in commands:
        code, out, err = run(capsys, sample_db, "--as", as_email, *argv)
        assert (code, out) == (1, "") and message in err and len(err.splitlines()) == 1
    assert dump(Store.open(sample_db)) == before


def test_as_matches_after_normalization(sample_db, capsys) -> None:
    code, out, _ = run(capsys, sample_db, "--as", "  OWNER@Riverside.TEST ", "staff", "--json")
    assert code == 0 and {m["org_id"] for m in json.loads(out)["staff"]} <= {1, None}


def test_empty_env_user_is_unset_but_empty_as_is_refused(sample_db, capsys, monkeypatch) -> None:
    monkeypatch.setenv("FAMTRIAGE_USER", "")
    assert run(capsys, sample_db, "readiness")[0] == 0
    assert run(capsys, sample_db, "--as", "", "readiness")[0] == 1


@pytest.mark.parametrize("who", [DESK, OWNER, SUPPORT])
def test_demo_needs_a_global_admin(sample_db, capsys, who) -> None:
    before = dump(Store.open(sample_db))
    code, _, err = run(capsys, sample_db, "--as", who, "demo", "--yes")
    assert code == 1 and ("rebuild the whole store" in err or "permission 'admin'" in err)
    assert dump(Store.open(sample_db)) == before


def test_demo_without_a_terminal_asks_and_refuses(sample_db, capsys) -> None:
    before = dump(Store.open(sample_db))
    code, _, err = run(capsys, sample_db, "demo")
    assert code == 1 and "not a terminal; pass --yes" in err
    assert dump(Store.open(sample_db)) == before


def test_demo_that_fails_half_way_leaves_the_old_store(sample_db, capsys, monkeypatch) -> None:
    store = Store.open(sample_db)
    family_edits.delete(Context.open(store), 1003)
    before = dump(store)
    real = importer.DropIndex

    def crash(index):
        raise RuntimeError("killed while loading")

    monkeypatch.setattr(importer, "DropIndex", crash)
    assert main(["--db", str(sample_db), "demo", "--families", "500", "--yes"]) == 1
    err = capsys.readouterr().err
    assert "unexpected error (RuntimeError): killed while loading" in err
    assert len(err.strip().splitlines()) == 1
    monkeypatch.setattr(importer, "DropIndex", real)
    assert dump(Store.open(sample_db)) == before


def test_demo_by_the_global_admin_is_audited(sample_db, capsys) -> None:
    assert run(capsys, sample_db, "demo", "--families", "200", "--yes")[0] == 0
    _, out, _ = run(capsys, sample_db, "audit", "--json")
    (entry,) = json.loads(out)["entries"]
    assert entry["action"] == "rebuild" and "200 families" in entry["summary"]


@pytest.mark.parametrize(
    ("org", "changes", "message"),
    [
        (2, {}, "may import only organization 1; this export holds organization(s) 2"),
        (
            1,
            {"orgs": pl.DataFrame({"org_id": [1, 9], "name": ["Riverside", "New Org"]})},
            "may import only organization 1; this export holds organization(s) 9",
        ),
        (
            1,
            {
                "staff": pl.DataFrame(
                    {
                        "staff_id": [90],
                        "org_id": [None],
                        "name": ["Mallory"],
                        "email": ["mallory@evil.test"],
                        "user_group": ["Admin"],
                    },
                    schema_overrides={"org_id": pl.Int64},
                )
            },
            "staff #90 (mallory@evil.test) into no organization (a global Admin)",
        ),
        (
            1,
            {
                "staff": pl.DataFrame(
                    {
                        "staff_id": [91],
                        "org_id": [2],
                        "name": ["Mallory"],
                        "email": ["mallory@evil.test"],
                        "user_group": ["Account Owner"],
                    }
                )
            },
            "staff #91 (mallory@evil.test) into organization 2",
        ),
        (
            1,
            {"user_groups": pl.DataFrame({"user_group": ["Root"], "permissions": ["admin"]})},
            "may not create user group(s) Root",
        ),
    ],
)
def test_an_owner_imports_only_their_organization(
    sample_db, tmp_path, capsys, org, changes, message
) -> None:
    folder = _org_export(tmp_path / "export", org, **changes)
    before = dump(Store.open(sample_db))
    code, _, err = run(
        capsys, sample_db, "--as", OWNER, "import", str(folder), "--replace", "--yes"
    )
    assert code == 1 and message in err, err
    assert dump(Store.open(sample_db)) == before


def test_an_owner_replaces_their_own_organization_audited(sample_db, tmp_path, capsys) -> None:
    smaller = read_export(config.SAMPLE_DATA)["families"].filter(pl.col("family_id") == 1001)
    folder = _org_export(tmp_path / "export", 1, families=smaller)
    code, _, err = run(
        capsys, sample_db, "--as", OWNER, "import", str(folder), "--replace", "--yes"
    )
    assert code == 0, err
    store = Store.open(sample_db)
    with store.engine.connect() as conn:
        rows = conn.execute(select(schema.families.c.family_id, schema.families.c.org_id)).all()
        orgs = {r.family_id: r.org_id for r in rows}
        audit = conn.execute(select(schema.audit_log)).all()
    assert [f for f, o in orgs.items() if o == 1] == [1001]
    assert sum(1 for o in orgs.values() if o == 2) == 138  # org 2 untouched
    (entry,) = audit
    assert (entry.action, entry.org_id, entry.staff_id) == ("replace", 1, 2)
    assert "families 162 → 1" in entry.summary
    assert json.loads(entry.payload)["rows_before"]["families"] == 162


def test_replace_asks_on_a_terminal(sample_db, tmp_path, capsys) -> None:
    folder = _org_export(tmp_path / "export", 2)
    before = dump(Store.open(sample_db))
    code, _, err = run(capsys, sample_db, "import", str(folder), "--replace")
    assert code == 1 and "Replace every family and staff member of organization(s) 2" in err
    assert dump(Store.open(sample_db)) == before


def test_every_import_is_audited(tmp_path, capsys) -> None:
    db = tmp_path / "new.db"
    folder = _org_export(tmp_path / "export", 2)
    Store.open(db)
    assert run(capsys, db, "import", str(folder))[0] == 0
    _, out, _ = run(capsys, db, "--as", SUPPORT, "audit", "--json")
    (entry,) = json.loads(out)["entries"]
    assert entry["action"] == "import" and "Imported organization 2" in entry["summary"]


@pytest.mark.parametrize("who", [OWNER, SUPPORT, DESK])
def test_only_a_global_admin_grants(sample_db, capsys, who) -> None:
    before = dump(Store.open(sample_db))
    code, _, err = run(capsys, sample_db, "--as", who, "grant", "Support Lead", "families.delete")
    assert code == 1 and ("only a global Admin" in err or "lacks the permission" in err)
    assert dump(Store.open(sample_db)) == before


def test_grant_already_held_says_so_and_exits_0(sample_db, capsys) -> None:
    code, out, _ = run(capsys, sample_db, "grant", "Support Lead", "families.merge")
    assert code == 0 and "already has families.merge; nothing changed" in out
    _, out, _ = run(capsys, sample_db, "audit", "--json")
    assert json.loads(out)["entries"] == []


def test_grants_are_audited_and_hidden_from_an_owner(sample_db, capsys) -> None:
    assert run(capsys, sample_db, "grant", "Front Desk", "families.merge")[0] == 0
    _, out, _ = run(capsys, sample_db, "audit", "--json")
    assert [e["action"] for e in json.loads(out)["entries"]] == ["grant"]
    _, out, _ = run(capsys, sample_db, "--as", OWNER, "audit", "--json")
    assert json.loads(out)["entries"] == []


def test_tasks_need_the_report_permission(sample_db, capsys) -> None:
    assert run(capsys, sample_db, "report")[0] == 0
    code, out, err = run(capsys, sample_db, "--as", DESK, "tasks")
    assert code == 1 and "reports.fam12" in err and out == ""


def test_an_org_member_sees_only_their_rows_of_a_shared_task(sample_db, tmp_path, capsys):
    assert run(capsys, sample_db, "report")[0] == 0
    _, out, _ = run(capsys, sample_db, "--as", SUPPORT, "tasks", "--json")
    (task,) = json.loads(out)["tasks"]
    assert task["org_ids"] == [2]
    out_file = tmp_path / "t.csv"
    argv = ["tasks", "export", str(task["task_id"]), "--format", "csv", "-o", str(out_file)]
    assert run(capsys, sample_db, "--as", SUPPORT, *argv)[0] == 0
    assert set(pl.read_csv(out_file)["org_id"].to_list()) == {2}


def test_undo_does_not_give_back_a_login_taken_since(ctx) -> None:
    changed = family_edits.change_email(ctx, 100001, "aisha.new@example.test")
    family_edits.change_email(ctx, 100002, "aisha.jones100001@gmail.com")  # taken by another
    before = dump(ctx.store)
    with pytest.raises(Conflict, match=r"aisha\.jones100001@gmail\.com has since become the"):
        undo(ctx, changed.audit_id)
    assert dump(ctx.store) == before


def test_undo_restores_a_login_that_was_shared_already(ctx) -> None:
    changed = family_edits.change_email(ctx, 5009, "mary@home.org")  # Mary, of a shared inbox
    undo(ctx, changed.audit_id)
    with ctx.store.engine.connect() as conn:
        g = schema.guardians
        email = conn.execute(select(g.c.email).where(g.c.guardian_id == 5009)).scalar()
    assert email == "smithfamily@home.org"


def test_undo_of_a_delete_refuses_a_login_taken_since(ctx) -> None:
    g = schema.guardians
    for family_id in range(100001, 100100):  # the first filler family without history
        with ctx.store.engine.connect() as conn:
            login = conn.execute(
                select(g.c.email).where(g.c.family_id == family_id, g.c.is_primary)
            ).scalar_one()
        try:
            deleted = family_edits.delete(ctx, family_id)
        except Conflict:
            continue
        break
    family_edits.invite(ctx, 1001, "New", "Holder", login)  # free since the delete
    before = dump(ctx.store)
    with pytest.raises(Conflict, match="has since become the login of guardian"):
        undo(ctx, deleted.audit_id)
    assert dump(ctx.store) == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["family", "9223372036854775808"], "is not an id"),
        (["merge", "1001", "-5"], "is not an id"),
        (["delete", "1e3"], "'1e3' is not a whole number"),
        (["undo", "0"], "is not an id"),
        (["--org", "99999999999999999999", "readiness"], "is not an id"),
        (["purge", "--older-than", "nan", "--yes"], "--older-than nan"),
        (["purge", "--older-than", "inf", "--yes"], "--older-than inf"),
        (["purge", "--older-than", "1e308", "--yes"], "--older-than 1e+308"),
        (["demo", "--families", "99999999999", "--yes"], "is not between 0 and 10,000,000"),
        (["audit", "--limit", "-1"], "is not between 0"),
    ],
)
def test_numbers_out_of_range_are_one_line(sample_db, capsys, argv, message) -> None:
    before = dump(Store.open(sample_db))
    code, out, err = run(capsys, sample_db, *argv)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and out == ""
    assert dump(Store.open(sample_db)) == before


def test_apply_stopped_by_a_full_disk_reports_what_it_committed(ctx, monkeypatch) -> None:
    from sqlalchemy.exc import OperationalError

    from famtriage.core.actions import apply

    real = apply.delete_in
    calls = {"n": 0}

    def full_after_two(conn, ctx_, family_id):
        calls["n"] += 1
        if calls["n"] > 2:
            raise OperationalError("INSERT", {}, Exception("database or disk is full"))
        return real(conn, ctx_, family_id)

    monkeypatch.setattr(apply, "delete_in", full_after_two)
    outcome = apply_plan(ctx, "delete")
    assert outcome.stopped is not None and "database or disk is full" in outcome.stopped
    with ctx.store.engine.connect() as conn:
        committed = conn.execute(select(schema.audit_log.c.audit_id)).all()
    assert outcome.actions == len(committed) >= 1  # a group is one transaction: all or none


def test_member_identity_is_established_not_typed(store) -> None:
    support = Context.acting(store, member(store, 4))
    assert support.orgs == (2,) and support.actor.email == SUPPORT
