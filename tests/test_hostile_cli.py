"""Customer text never reaches a terminal raw from the command line: every text command
on the hostile store (escape sequences and bidi overrides in every text column), with
the bytes written to stdout and stderr checked; JSON stays exact and escaped."""

from __future__ import annotations

import builtins
import json
import sys
from pathlib import Path

import pytest
from hostile_support import ADMIN, DESK, HOSTILE_GROUP, NAME, PAYLOAD, SHOWN, assert_clean_text

from famtriage.core.access.identity import os_account
from famtriage.tui.cli.main import main

SHOWN_NAME = "␍␊" + SHOWN
"""A hostile name as printed: its CR LF drawn too."""
SHOWN_KEY = SHOWN.replace("[2J", "[2j")
"""A hostile email as a login key (case-folded)."""


class Cli:
    """Runs `famtriage --db STORE …` and returns the exit code, stdout and stderr as
    written (bytes, decoded as UTF-8 only after checking they are)."""

    def __init__(self, db: Path, capfd: pytest.CaptureFixture[bytes]) -> None:
        self.db, self.capfd = db, capfd

    def __call__(self, *argv: str, clean: bool = True) -> tuple[int, str, str]:
        code = main(["--db", str(self.db), *argv])
        out, err = (data.decode("utf-8") for data in self.capfd.readouterr())
        if clean:
            assert_clean_text(out)
            assert_clean_text(err)
        return code, out, err

    def json(self, *argv: str) -> dict:
        code, out, _ = self(*argv)
        assert code == 0
        return json.loads(out)


@pytest.fixture
def cli(hostile_db: Path, capfdbinary: pytest.CaptureFixture[bytes]) -> Cli:
    return Cli(hostile_db, capfdbinary)


def test_report_plan_and_tasks(cli: Cli) -> None:
    code, out, _ = cli("report")
    assert code == 0 and SHOWN_NAME in out  # family names, guardians, raw emails, reasons
    assert f"grandma.rose{SHOWN_KEY}@miller.net" in out  # the group's login key
    doc = cli.json("report", "--format", "json")
    names = {f["family_name"] for g in doc["groups"] for f in g["families"]}
    assert all(n.startswith(NAME) for n in names if n)  # exact after parsing
    code, out, _ = cli("plan")
    assert code == 0 and "smithfamily␛]0;pwned␇" in out  # cut to its column
    emails = {g["email"] for g in cli.json("plan", "--json")["groups"]}
    assert f"smithfamily{PAYLOAD.lower()}@home.org" in emails
    code, out, _ = cli("tasks")
    assert code == 0 and f"admin{SHOWN}@famtriage.test" in out
    assert SHOWN_NAME + "Riverside Swim School" in out
    assert cli.json("tasks", "--json")["tasks"][0]["staff"] == ADMIN


def test_csv_is_exact_in_a_pipe_and_escaped_on_a_terminal(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = cli("report", "--format", "csv", clean=False)
    assert code == 0 and NAME in out  # a file or a pipe gets the data as it is
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, _ = cli("report", "--format", "csv")
    assert code == 0 and "family_id" in out and SHOWN in out


def test_search_family_readiness(cli: Cli) -> None:
    code, out, _ = cli("search", "miller.net")
    assert code == 0 and SHOWN_NAME in out and f"{SHOWN}@miller.net" in out
    hits = cli.json("search", "miller.net", "--json")["families"]
    assert hits[0]["family_name"].startswith(NAME)
    code, out, _ = cli("family", "1001")  # every table: guardians to activity
    assert code == 0 and out.count(SHOWN_NAME) >= 10
    family = cli.json("family", "1001", "--json")
    assert family["activity"][0]["detail"].startswith(NAME)
    assert family["enrollments"][0]["class_name"].startswith(NAME)
    code, out, _ = cli("readiness")
    assert code == 0 and "␍␊␛]0;pwned␇␛[2J␛[31m" in out  # names cut to their column
    assert cli.json("readiness", "--json")["orgs"][0]["name"].startswith(NAME)


def test_audit_and_staff(cli: Cli) -> None:
    code, out, _ = cli("audit")
    assert code == 0 and f"Deleted family #1003 ({SHOWN_NAME}Jane Doe)" in out
    assert f"Granted families.edit to {SHOWN_NAME}Front Desk" in out
    entries = cli.json("audit", "--json")["entries"]
    assert entries[0]["summary"] == f"Granted families.edit to {HOSTILE_GROUP}"
    code, out, _ = cli("staff")
    assert code == 0 and f"desk{SHOWN}@riverside.test" in out
    staff = cli.json("staff", "--json")["staff"]
    assert DESK in {s["email"] for s in staff}
    code, out, _ = cli("whoami")
    assert code == 0 and f"admin{SHOWN}@famtriage.test" in out
    assert cli.json("whoami", "--json")["email"] == ADMIN
    code, out, _ = cli("map", ADMIN, "--os-account", os_account())  # yourself first
    assert code == 0 and f"admin{SHOWN}@famtriage.test" in out
    code, out, _ = cli("map", DESK, "--os-account", "desk")
    assert code == 0 and f"desk{SHOWN}@riverside.test" in out


def test_actions_print_escaped_summaries(cli: Cli) -> None:
    code, out, _ = cli("delete", "1011", "--yes")  # a Baker family without history
    assert code == 0 and f"({SHOWN_NAME}Baker)" in out
    code, out, _ = cli("change-email", "5010", f"rose{PAYLOAD}@new.net", "--yes")
    assert code == 0 and f"rose{SHOWN}@new.net" in out
    code, out, _ = cli("invite", "1040", f"ann{PAYLOAD}@x.org", "--first", NAME, "--last", "Z")
    assert code == 0 and f"<ann{SHOWN}@x.org>" in out
    code, out, _ = cli("undo", "7", "--yes")
    assert code == 0 and out.startswith("#")
    code, out, _ = cli("grant", HOSTILE_GROUP, "families.delete")
    assert code == 0 and f"to {SHOWN_NAME}Front Desk" in out
    assert cli.json("grant", HOSTILE_GROUP, "families.merge", "--json")["summary"].endswith(
        HOSTILE_GROUP
    )
    code, out, _ = cli("apply", "--yes")
    assert code == 0 and "actions in" in out
    code, out, _ = cli("merge", "2010", "2011", "--yes")  # gone since apply: refused
    assert code != 0


def test_errors_and_questions_quote_data_escaped(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, _, err = cli("delete", "1011")  # not a terminal: the question, refused
    assert code == 1 and f"Delete family #1011 ({SHOWN_NAME}Baker)" in err
    code, _, err = cli("--as", f"nobody{PAYLOAD}@x.org", "audit")  # quoted as typed
    assert code != 0 and "nobody" in err
    code, _, err = cli("--as", DESK, "report")
    assert code == 1 and f"desk{SHOWN}@riverside.test" in err
    code, _, err = cli("report", NAME)  # an unknown argument is quoted by the usage error
    assert code == 2 and "unrecognized arguments: ␍␊␛]0;pwned␇" in err
    code, out, _ = cli("grant", HOSTILE_GROUP, "families.edit")  # already has it: said
    assert code == 0 and f"{SHOWN}Front Desk already has" in out
    asked: list[str] = []
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(builtins, "input", lambda prompt: asked.append(prompt) or "n")
    code, _, err = cli("delete", "1011")
    assert code == 1 and "cancelled" in err
    assert_clean_text(asked[0])
    assert f"({SHOWN_NAME}Baker)" in asked[0]
    code, _, _ = cli("change-email", "5010", f"rose{PAYLOAD}@new.net")
    assert_clean_text(asked[1])
    assert f"rose{SHOWN}@new.net" in asked[1]
    folder = tmp_path / "export"
    folder.mkdir()
    for table in ("guardians", "students", "enrollments", "payments", "policies"):
        (folder / f"{table}.csv").write_text("family_id\n")
    (folder / "families.csv").write_text(f'family_id,family_name\nx{PAYLOAD},"{NAME}"\n')
    code, _, err = cli("import", str(folder))  # problems quote the bad value
    assert code == 2 and "families.csv:2: family_id" in err
