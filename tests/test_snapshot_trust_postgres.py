"""The snapshot never answers for another history, on PostgreSQL: writes through psycopg
(psql would make the same), TRUNCATE, a role that may write the data but not famtriage's
own tables, and a database restored from a copy and written to the same generation."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from test_snapshot_trust import DELETE_1061, NEW_FAMILIES, _bob_gone, _jane_grows, _tom_split
from trust_support import answers, groups, run, truth

from famtriage.core.report import snapshot
from famtriage.core.source.importer import import_export
from famtriage.core.store import config, triggers, upgrade
from famtriage.core.store.database import Store

SERVER = os.environ.get("FAMTRIAGE_TEST_PG_URL")
pytestmark = pytest.mark.skipif(not SERVER, reason="no PostgreSQL server (FAMTRIAGE_TEST_PG_URL)")


def _url(name: str) -> str:
    return make_url(SERVER).set(database=name).render_as_string(hide_password=False)


def _conninfo(name: str) -> str:
    """The same database for psycopg itself, without SQLAlchemy's driver name."""
    url = make_url(SERVER).set(drivername="postgresql", database=name)
    return url.render_as_string(hide_password=False)


def _quiet(admin: Engine, name: str) -> None:
    """End every other session on `name` (the in-process CLI runs leave pooled ones)."""
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )


@pytest.fixture
def admin() -> Iterator[Engine]:
    engine = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture
def pg_name(admin: Engine) -> Iterator[str]:
    """A database holding the sample data; it and its copies are dropped afterwards."""
    name = f"famtriage_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    store = Store.open(_url(name))
    import_export(store, config.SAMPLE_DATA)
    store.engine.dispose()
    yield name
    with admin.connect() as conn:
        for db in (name, f"{name}_copy"):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))


def psql(name: str, script: str) -> None:
    """A write famtriage did not make, committed through psycopg."""
    with psycopg.connect(_conninfo(name)) as conn:
        conn.execute(script)


def _folder(name: str):
    return snapshot.cache_dir(Store.connect(_url(name)))


@pytest.mark.parametrize(
    "script, expect",
    [(NEW_FAMILIES, _jane_grows), (DELETE_1061, _bob_gone)],
    ids=["guardians sharing an email", "a family deleted"],
)
def test_a_psycopg_write_is_seen(script: str, expect, pg_name: str, capsys) -> None:
    db = _url(pg_name)
    answers(capsys, db)
    psql(pg_name, script)
    got = answers(capsys, db)
    expect(got)
    assert got == truth(capsys, db, _folder(pg_name))


def test_truncate_is_seen(pg_name: str, capsys) -> None:
    db = _url(pg_name)
    before = answers(capsys, db)
    assert any(f["activity"] for g in before["report"]["groups"] for f in g["families"])
    psql(pg_name, "TRUNCATE activity")
    got = answers(capsys, db)
    assert not any(f["activity"] for g in got["report"]["groups"] for f in g["families"])
    assert got == truth(capsys, db, _folder(pg_name))


def test_a_role_that_may_not_touch_meta_still_leaves_its_mark(
    pg_name: str, admin: Engine, capsys
) -> None:
    db = _url(pg_name)
    answers(capsys, db)
    role = f"clerk_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_conninfo(pg_name), autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role}")
        conn.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON families, guardians TO {role}")
    try:
        with psycopg.connect(_conninfo(pg_name)) as conn:
            conn.execute(f"SET ROLE {role}")
            conn.execute(
                "UPDATE guardians SET email = 'tom.b@mail.com', email_norm = 'tom.b@mail.com' "
                "WHERE guardian_id = 5005"
            )
        got = answers(capsys, db)
        _tom_split(got)
        assert got == truth(capsys, db, _folder(pg_name))
    finally:
        _quiet(admin, pg_name)
        with psycopg.connect(_conninfo(pg_name), autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")


def test_a_restored_database_written_to_the_same_generation(
    pg_name: str, admin: Engine, capsys
) -> None:
    db = _url(pg_name)
    answers(capsys, db)
    _quiet(admin, pg_name)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{pg_name}_copy" TEMPLATE "{pg_name}"'))
    assert run(capsys, "--db", db, "change-email", "5005", "tom.b@mail.com", "--yes")[0] == 0
    _tom_split(answers(capsys, db))
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{pg_name}" WITH (FORCE)'))
        conn.execute(text(f'ALTER DATABASE "{pg_name}_copy" RENAME TO "{pg_name}"'))
    assert run(capsys, "--db", db, "delete", "1061", "--yes")[0] == 0
    got = answers(capsys, db)
    _bob_gone(got)
    assert groups(got)["tom.baker@mail.com"] == [1010, 1011]
    assert got == truth(capsys, db, _folder(pg_name))


def test_upgrade_to_0004_installs_the_triggers_on_postgres(admin: Engine, capsys) -> None:
    """A database at revision 0001 (as famtriage 0.1.0 left it, with data), upgraded by
    `famtriage upgrade`: every tracked table gets the trigger, and it works."""
    from alembic import command
    from alembic.config import Config

    name = f"famtriage_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(_url(name))
    try:
        with engine.begin() as conn:
            config = Config()
            config.set_main_option("script_location", upgrade.SCRIPTS)
            config.attributes["connection"] = conn
            command.upgrade(config, "0001")
            conn.execute(text("INSERT INTO meta VALUES ('store_id', 'old'), ('generation', '7')"))
            conn.execute(text("INSERT INTO orgs VALUES (1, 'Old')"))
            conn.execute(
                text(
                    "INSERT INTO families VALUES (1, 1, 'A', NULL, 'active', NULL), "
                    "(2, 1, 'B', NULL, 'active', NULL)"
                )
            )
        engine.dispose()
        db = _url(name)
        assert run(capsys, "--db", db, "readiness")[0] == 1  # refused until upgraded
        code, _, err = run(capsys, "--db", db, "upgrade")
        assert code == 0 and f"from revision 0001 to {upgrade.HEAD}" in err
        with engine.connect() as conn:
            tables = conn.execute(
                text(
                    "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "WHERE t.tgname = :name"
                ),
                {"name": triggers.PG_FUNCTION},
            ).scalars()
            assert set(tables) == set(triggers.TRACKED)
            meta = dict(conn.execute(text("SELECT key, value FROM meta")).all())
        assert (meta["generation"], meta["rebuilt_at"]) == ("7", "7")
        psql(
            name,
            "INSERT INTO guardians VALUES (11, 1, 'A', 'A', 'a@x.test', 'a@x.test', NULL, TRUE), "
            "(12, 2, 'B', 'B', 'A@x.test', 'a@x.test', NULL, TRUE)",
        )
        with engine.connect() as conn:
            epoch = conn.execute(text("SELECT value FROM meta WHERE key = 'epoch'")).scalar()
        assert epoch != meta["epoch"]
        got = answers(capsys, db)
        assert groups(got) == {"a@x.test": [1, 2]}
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
