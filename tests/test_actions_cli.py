"""The resolution commands: JSON interface, exit codes, confirmations, and two
processes racing to merge the same group."""

from __future__ import annotations

import json

import pytest
from actions_support import dump, payment_totals, race_merges

from famtriage.core.access.context import Context
from famtriage.core.actions.audit import audit_entries
from famtriage.core.store.database import Store
from famtriage.tui.cli.main import main


def run(capsys, db, *argv: str) -> tuple[int, dict | str, str]:
    code = main(["--db", str(db), *argv])
    out, err = capsys.readouterr()
    try:
        return code, json.loads(out), err
    except ValueError:
        return code, out, err


def test_merge_json_and_report_reflects_it(capsys, sample_db) -> None:
    code, doc, _ = run(capsys, sample_db, "merge", "1001", "1002", "--yes", "--json")
    assert code == 0
    assert set(doc) == {"audit_id", "action", "summary"} and doc["action"] == "merge"
    _, report, _ = run(capsys, sample_db, "report", "--format", "json")
    jane = [g for g in report["groups"] if g["email"] == "jane.doe@example.com"]
    assert [f["family_id"] for f in jane[0]["families"]] == [1001, 1003]


def test_destructive_commands_refuse_without_a_terminal(capsys, sample_db) -> None:
    before = dump(Store.open(sample_db))
    for argv in (
        ["merge", "1001", "1002"],
        ["delete", "1003"],
        ["change-email", "5003", "x@example.com"],
        ["apply"],
        ["purge", "--older-than", "0"],
    ):
        code, _, err = run(capsys, sample_db, *argv)
        assert code == 1, argv
        assert "pass --yes" in err
    assert dump(Store.open(sample_db)) == before


def test_delete_states_which_family_it_removes(capsys, sample_db) -> None:
    _, _, err = run(capsys, sample_db, "delete", "1003")
    assert "Delete family #1003 (Jane Doe)" in err


def test_exit_codes(capsys, sample_db) -> None:
    assert run(capsys, sample_db, "delete", "1001", "--yes")[0] == 1  # has history
    assert run(capsys, sample_db, "delete", "424242", "--yes")[0] == 2  # no such family
    assert run(capsys, sample_db, "change-email", "5003", "nope", "--yes")[0] == 2
    code, _, err = run(capsys, sample_db, "--as", "desk@riverside.test", "merge", "1001", "1002")
    assert code == 1 and "families.merge" in err


def test_undo_audit_staff_and_grant_json(capsys, sample_db) -> None:
    _, merged, _ = run(capsys, sample_db, "merge", "1001", "1002", "--yes", "--json")
    _, undone, _ = run(capsys, sample_db, "undo", str(merged["audit_id"]), "--yes", "--json")
    assert undone["action"] == "undo"
    _, audit, _ = run(capsys, sample_db, "audit", "--json")
    first = audit["entries"][-1]
    assert {"audit_id", "at", "staff", "action", "summary", "undone"} <= set(first)
    assert first["undone"] is True and first["staff"] == "Ada Admin"
    _, staff, _ = run(capsys, sample_db, "staff", "--json")
    assert {s["email"] for s in staff["staff"]} >= {"desk@riverside.test"}
    code, granted, _ = run(capsys, sample_db, "grant", "Front Desk", "families.merge", "--json")
    assert code == 0 and granted["action"] == "grant"


def test_apply_json_reports_review_groups(capsys, sample_db) -> None:
    code, doc, _ = run(capsys, sample_db, "apply", "--yes", "--json")
    assert code == 0
    assert {s["why"] for s in doc["skipped"]} == {"needs review"}
    _, plan, _ = run(capsys, sample_db, "plan", "--json")
    assert {g["action"] for g in plan["groups"]} == {"review"}
    _, ready, _ = run(capsys, sample_db, "readiness", "--json")
    assert all(o["groups_left"] == 1 for o in ready["orgs"])


def test_two_processes_merging_the_same_group(sample_db) -> None:
    store = Store.open(sample_db)
    totals = payment_totals(store)
    outcomes = race_merges(str(sample_db))
    assert [o[0] for o in outcomes] == ["ok", "refused"]
    assert "changed since you looked" in outcomes[1][1]
    ctx = Context.open(store)
    assert [e.action for e in audit_entries(ctx)] == ["merge"]
    assert payment_totals(store) == totals


@pytest.fixture(autouse=True)
def _no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands see no terminal on stdin, as under cron."""
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)


def test_interactive_delete_needs_the_family_id_typed(capsys, sample_db, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    code, _, err = run(capsys, sample_db, "delete", "1003")
    assert code == 1 and "cancelled" in err
    monkeypatch.setattr("builtins.input", lambda prompt: "1003")
    code, out, _ = run(capsys, sample_db, "delete", "1003")
    assert code == 0 and out.startswith("#1 Deleted family #1003")
