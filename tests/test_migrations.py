"""Schema history: a store written by 0.1.0 upgrades on open (after a backup), the
revisions Alembic knows are the ones the store checks, and a mismatch is refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, select, text
from trust_support import answers, groups, truth

from famtriage.core.errors import Conflict
from famtriage.core.store import row_security, schema, triggers, upgrade
from famtriage.core.store.database import Store
from famtriage.tui.cli.main import main

FIXTURE = Path(__file__).parent / "fixtures" / "store_v0_1_0.sql"
DATA_TABLES = ("orgs", "families", "guardians", "students", "payments", "audit_log")


def _legacy_store(folder: Path) -> Path:
    path = folder / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(FIXTURE.read_text())
    conn.close()
    return path


def _counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in DATA_TABLES}
    finally:
        conn.close()


def test_alembic_history_is_the_list_the_store_checks() -> None:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", upgrade.SCRIPTS)
    script = ScriptDirectory.from_config(config)
    history = [r.revision for r in reversed(list(script.walk_revisions()))]
    assert tuple(history) == upgrade.REVISIONS
    assert script.get_current_head() == upgrade.HEAD


def test_the_fixture_store_upgrades_on_open_and_keeps_every_row(tmp_path: Path) -> None:
    path = _legacy_store(tmp_path)
    before = _counts(path)
    store = Store.open(path)
    with store.engine.connect() as conn:
        assert upgrade.current_version(conn) == upgrade.HEAD
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            upgrade.HEAD
        )
        assert conn.execute(select(func.sum(schema.payments.c.amount_cents))).scalar() > 0
    assert _counts(path) == before
    (backup,) = sorted(tmp_path.glob("old.db.schema-*.bak"))
    assert backup.stat().st_mode & 0o777 == 0o600
    assert _counts(backup) == before
    assert _triggers(backup) == []  # the store as it was, before revision 0004
    assert str(backup) in store.notices[0]


def _triggers(path: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        ).fetchall()
    finally:
        conn.close()


def _meta(path: Path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT key, value FROM meta").fetchall())
    finally:
        conn.close()


def test_revision_0004_gives_the_fixture_the_triggers_of_a_new_store(tmp_path: Path) -> None:
    old = _legacy_store(tmp_path)
    Store.open(old).engine.dispose()
    Store.open(tmp_path / "new.db").engine.dispose()
    found = _triggers(old)
    assert found == _triggers(tmp_path / "new.db")
    assert {table for _, table, _ in found} == set(triggers.TRACKED)
    assert len(found) == len(triggers.TRACKED) * len(triggers.OPERATIONS)


def test_after_revision_0004_foreign_writes_move_the_epoch_and_own_ones_record_it(
    tmp_path: Path, capsys
) -> None:
    path = _legacy_store(tmp_path)
    db = str(path)
    assert main(["--db", db, "upgrade"]) == 0
    assert "the store as it was is saved at" in capsys.readouterr().err
    first = answers(capsys, db)
    meta = _meta(path)
    assert meta["rebuilt_at"] == meta["generation"] and len(meta["epoch"]) == 32
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO guardians VALUES (99101, 1010, 'Jane', 'Doe', 'jane.doe@example.com', "
        "'jane.doe@example.com', NULL, TRUE)"
    )
    conn.commit()
    conn.close()
    foreign = _meta(path)
    assert foreign["epoch"] != meta["epoch"] and foreign["generation"] == meta["generation"]
    got = answers(capsys, db)
    assert 1010 in groups(got)["jane.doe@example.com"]
    assert 1010 not in groups(first)["jane.doe@example.com"]
    assert main(["--db", db, "change-email", "5005", "tom.b@mail.com", "--yes"]) == 0
    mine = _meta(path)
    assert int(mine["generation"]) == int(meta["generation"]) + 1
    assert mine["rebuilt_at"] == mine["generation"]  # a foreign write came before it
    assert main(["--db", db, "change-email", "5004", "tom.b2@mail.com", "--yes"]) == 0
    assert _meta(path)["rebuilt_at"] == mine["generation"]  # nothing foreign since
    capsys.readouterr()
    assert answers(capsys, db) == truth(capsys, db, path.with_name(path.name + ".snapshot"))


def test_an_upgraded_store_matches_todays_tables(tmp_path: Path) -> None:
    store = Store.open(_legacy_store(tmp_path))
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    assert diffs == []


def test_a_new_store_is_created_at_the_newest_revision(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "new.db")
    with store.engine.connect() as conn:
        assert upgrade.current_version(conn) == upgrade.HEAD
        diffs = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    assert diffs == []


def test_a_store_newer_than_the_program_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "future.db"
    Store.open(path).engine.dispose()
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(Conflict, match=r"revision 9999.*newer than this famtriage"):
        Store.open(path)
    assert main(["--db", str(path), "readiness"]) == 1
    assert "install a newer famtriage" in capsys.readouterr().err


def test_upgrade_command_says_what_it_did(tmp_path: Path, capsys) -> None:
    path = _legacy_store(tmp_path)
    assert main(["--db", str(path), "upgrade"]) == 0
    assert main(["--db", str(path), "upgrade"]) == 0
    err = capsys.readouterr().err
    assert f"already at revision {upgrade.HEAD}" in err


def test_every_table_is_protected_or_holds_no_organizations_data() -> None:
    """A table added to the schema gets a row-level security rule (PostgreSQL), or is
    listed as holding no organization's data: never readable by every engineer by
    oversight."""
    tables = set(schema.metadata.tables)
    assert tables - set(row_security.RULES) == set(row_security.NO_ORGANIZATION) - {
        "alembic_version"
    }
    assert set(row_security.RULES) <= tables
