"""The engine's commands as a script would use them: JSON shapes and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from famtriage.tui.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_report_json_shape(sample_db: Path, capsys) -> None:
    code, out, _ = run(capsys, "--db", str(sample_db), "report", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["scope"] == "primary" and "T" in doc["generated_at"]
    group = next(g for g in doc["groups"] if g["email"] == "jane.doe@example.com")
    fam = group["families"][0]
    assert fam["family_id"] == 1001 and fam["payments_total"] == "333.75"
    assert fam["created_at"] == "2018-02-01T00:00:00"
    rec = group["recommendation"]
    assert (rec["action"], rec["survivor"], rec["merge"], rec["delete"]) == (
        "merge",
        1001,
        [1002],
        [1003],
    )
    assert {len(p["families"]) for p in doc["possible_same_person"]} == {3, 2}


def test_plan_search_family_readiness_json(sample_db: Path, capsys) -> None:
    db = ["--db", str(sample_db)]
    code, out, _ = run(capsys, *db, "plan", "--json")
    plan = json.loads(out)["groups"]
    assert code == 0 and {g["action"] for g in plan} == {"merge", "delete", "review"}
    code, out, _ = run(capsys, *db, "search", " JANE.doe@example.com ", "--json")
    hits = json.loads(out)["families"]
    assert [h["family_id"] for h in hits] == [1001, 1002, 1003]
    assert {h["match"] for h in hits} == {"exact"}
    code, out, _ = run(capsys, *db, "search", "rose@miller", "--json")
    assert {h["match"] for h in json.loads(out)["families"]} == {"partial"}
    code, out, _ = run(capsys, *db, "family", "1001", "--json")
    fam = json.loads(out)
    assert (fam["status"], len(fam["students"]), fam["payments"][0]["amount"]) == (
        "active",
        3,
        "45.00",
    )
    code, out, _ = run(capsys, *db, "readiness", "--json")
    orgs = {o["org_id"]: o for o in json.loads(out)["orgs"]}
    assert orgs[1]["groups_left"] == 6 and orgs[1]["login_conflicts"] == 7
    assert orgs[1]["ready"] is False


def test_search_partial_wildcards_are_literal(sample_db: Path, capsys) -> None:
    code, out, _ = run(capsys, "--db", str(sample_db), "search", "%", "--json")
    assert code == 0 and json.loads(out)["families"] == []


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["family", "99"], 2, "no family with id 99"),
        (["--as", "desk@riverside.test", "report"], 1, "lacks the permission 'reports.fam12'"),
        (["--as", "nobody@x.test", "report"], 1, "no staff member has the email"),
        (["--org", "9", "report"], 2, "no organization with id 9"),
        (["--as", "owner@riverside.test", "--org", "2", "plan"], 1, "does not belong"),
        (["--as", "owner@riverside.test", "family", "2001"], 2, "no family with id 2001"),
        (["search", "   "], 2, "type an email"),
    ],
)
def test_refusals_and_bad_input(sample_db: Path, capsys, argv, code, message) -> None:
    got, out, err = run(capsys, "--db", str(sample_db), *argv)
    assert got == code and message in err and out == ""
    assert len(err.strip().splitlines()) == 1


def test_missing_store_directory_is_bad_input(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "--db", str(tmp_path / "no" / "such.db"), "plan")
    assert code == 2 and "no such directory" in err


def test_named_store_starts_empty(tmp_path: Path, capsys) -> None:
    code, out, _ = run(capsys, "--db", str(tmp_path / "new.db"), "report")
    assert code == 0 and "No FAM-12 groups" in out


def test_default_store_is_seeded_from_sample(capsys) -> None:
    code, out, _ = run(capsys, "plan", "--json")
    assert code == 0 and len(json.loads(out)["groups"]) == 10


def test_report_from_missing_folder(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, "report", "--from", str(tmp_path / "nope"))
    assert code == 2 and "no such file or folder" in err


def test_demo_synthetic_builds_groups(tmp_path: Path, capsys) -> None:
    db = ["--db", str(tmp_path / "demo.db")]
    assert run(capsys, *db, "demo", "--families", "3000", "--seed", "4", "--yes")[0] == 0
    code, out, _ = run(capsys, *db, "plan", "--json")
    groups = json.loads(out)["groups"]
    assert code == 0 and 20 < len(groups) < 300
    assert {g["action"] for g in groups} == {"merge", "delete", "review"}


def test_demo_refuses_to_replace_without_a_terminal(sample_db: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "famtriage.tui.cli.main", "--db", str(sample_db), "demo"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1 and "pass --yes" in result.stderr


def test_json_pipes_into_json_tool(sample_db: Path) -> None:
    report = subprocess.run(
        [
            sys.executable,
            "-m",
            "famtriage.tui.cli.main",
            "--db",
            str(sample_db),
            "report",
            "--format",
            "json",
        ],
        capture_output=True,
        check=True,
    )
    subprocess.run(
        [sys.executable, "-m", "json.tool"], input=report.stdout, check=True, capture_output=True
    )
    assert report.stderr == b""


def test_new_store_is_private(tmp_path: Path, capsys) -> None:
    db = tmp_path / "private.db"
    assert run(capsys, "--db", str(db), "plan")[0] == 0
    assert db.stat().st_mode & 0o777 == 0o600


def test_an_empty_store_says_what_to_do_first(tmp_path: Path, capsys) -> None:
    assert main(["--db", str(tmp_path / "empty.db"), "readiness"]) == 0
    err = capsys.readouterr().err
    assert "import an export (`famtriage import PATH`) or run `famtriage demo`" in err


def test_staff_has_a_header_row(sample_db: Path, capsys) -> None:
    assert main(["--db", str(sample_db), "staff"]) == 0
    first, *rows = capsys.readouterr().out.splitlines()
    assert first.split()[:4] == ["ID", "ORG", "NAME", "EMAIL"] and len(rows) == 4
