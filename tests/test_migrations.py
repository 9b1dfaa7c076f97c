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

from famtriage.core.errors import Conflict
from famtriage.core.store import row_security, schema, upgrade
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
    backups = sorted(tmp_path.glob("old.db.schema-*.bak"))
    if upgrade.HEAD == upgrade.LEGACY:
        assert backups == [] and store.notices == []
    else:
        (backup,) = backups
        assert backup.stat().st_mode & 0o777 == 0o600
        assert _counts(backup) == before
        assert str(backup) in store.notices[0]


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
