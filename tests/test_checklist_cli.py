"""Issue 13's checklist on the command line, through the CLI's `main` (the app's items
are in tests/tui/test_checklist.py). `staff`'s header row and an empty store's hint are
proved in tests/test_cli_engine.py, `grant` of a permission held in tests/test_scope.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from famtriage.tui.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["bogus"], "famtriage: argument COMMAND: invalid choice: 'bogus'"),
        (["report", "--format", "nope"], "famtriage report: argument --format: invalid choice"),
        (["merge"], "famtriage merge: the following arguments are required: survivor, OTHER"),
        (["family", "x"], "famtriage family: argument family_id:"),
        (["--org", "abc", "readiness"], "famtriage: argument --org:"),
        (["search", "a@b.c", "--nope"], "famtriage: unrecognized arguments: --nope"),
    ],
)
def test_usage_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], sample_db: Path, argv: list[str], says: str
) -> None:
    code, out, err = run(capsys, "--db", str(sample_db), *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(says), err
    assert err.rstrip().endswith("--help`)")  # where to read more, on the same line


def test_grant_of_a_permission_held_exits_0_and_says_so_as_json_too(
    capsys: pytest.CaptureFixture[str], sample_db: Path
) -> None:
    grant = ("--db", str(sample_db), "grant", "Support Lead", "families.merge")
    code, out, err = run(capsys, *grant, "--json")
    assert code == 0 and err == ""
    assert json.loads(out) == {
        "audit_id": None,
        "action": "grant",
        "summary": "Support Lead already has families.merge; nothing changed",
    }
    code, out, _ = run(capsys, *grant)
    assert (code, out) == (0, "Support Lead already has families.merge; nothing changed\n")
    _, out, _ = run(capsys, "--db", str(sample_db), "audit", "--json")
    assert json.loads(out)["entries"] == []  # nothing was written


def test_counts_have_thousands_separators(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "demo.db")
    code, _, err = run(capsys, "--db", db, "demo", "--families", "2500", "--yes")
    assert code == 0 and "demo store ready: 2,500 families in 1 organization" in err
    _, out, _ = run(capsys, "--db", db, "readiness")
    header, row = out.splitlines()
    families_end = header.index("FAMILIES") + len("FAMILIES")
    assert row[:families_end].endswith(" 2,500")  # right-aligned under its header
    _, out, _ = run(capsys, "--db", db, "report")
    summary = out.splitlines()[-1]
    groups = len(json.loads(run(capsys, "--db", db, "report", "--format", "json")[1])["groups"])
    assert summary.startswith(f"FAM-12 (primary): {groups:,} groups, ")
    export = tmp_path / "export"
    code, _, err = run(capsys, "--db", db, "demo", "--families", "1200", "--out", str(export))
    assert code == 0 and "wrote a 1,200-family export" in err
    code, _, err = run(capsys, "--db", str(tmp_path / "new.db"), "import", str(export))
    assert code == 0 and "imported organization 1: 1 organization, 1,200 families, " in err


def test_one_of_a_kind_reads_singular(capsys: pytest.CaptureFixture[str], sample_db: Path) -> None:
    code, out, _ = run(capsys, "--db", str(sample_db), "merge", "1001", "1002", "--yes")
    assert code == 0
    assert "Merged 1 family (#1002) into #1001: 1 student, 1 guardian, 2 payments ($91.25), " in out
    assert "1 policy, 1 activity row moved; 1 identical guardian folded" in out
    _, out, _ = run(capsys, "--db", str(sample_db), "report", "--scope", "readiness")
    assert "grandma.rose@miller.net  4 families  MERGE" in out
    assert out.splitlines()[-1].startswith("FAM-12 (readiness): 11 groups, 24 families; ")


def test_family_text_names_the_student_of_each_enrollment(
    capsys: pytest.CaptureFixture[str], sample_db: Path
) -> None:
    _, out, _ = run(capsys, "--db", str(sample_db), "family", "1001")
    lines = out.splitlines()
    at = lines.index("Enrollments (3)")
    assert lines[at + 1].split()[:4] == ["8001", "7001", "Kid1", "Doe"]
    assert lines[lines.index("Payments, total $333.75 (6)") + 1].endswith("$45.00")
