"""Schema versions: a new store starts at the newest revision, an older one is upgraded.

The history is Alembic's (`famtriage.core.store.migrations`). Opening a store reads one
row (`alembic_version`); Alembic itself is imported only to create or upgrade a store,
so a scripted command stays quick. A single-user SQLite store upgrades when opened,
after a copy made with SQLite's backup API; a PostgreSQL store is shared by a team, so
it upgrades only through `famtriage upgrade`, run by the role that owns its schema.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from famtriage.core.errors import Conflict, InputError, reason
from famtriage.core.store import ids, row_security, schema
from famtriage.core.store.connections import driver

if TYPE_CHECKING:  # Alembic is imported only to create or upgrade a store
    from alembic.config import Config

REVISIONS = ("0001", "0002", "0003", "0004", "0005")
"""Every revision in `migrations/versions`, oldest first (a test checks Alembic agrees)."""

HEAD = REVISIONS[-1]

LEGACY = REVISIONS[0]
"""A store written before versions existed (famtriage 0.1.0) has this schema."""

SCRIPTS = "famtriage.core.store:migrations"


def current_version(conn: Connection) -> str | None:
    """The store's revision; None for a database famtriage has never written to."""
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" in tables:
        found = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if found is not None:
            return str(found)
    return LEGACY if "families" in tables else None


def prepare(engine: Engine, url: str) -> list[str]:
    """Make the store at `engine` usable by this program; return what to tell the user.

    A new database gets today's tables, stamped with the newest revision. An older
    SQLite store is backed up and upgraded; anything else out of step is refused with
    what to run.
    """
    with engine.connect() as conn:
        version = current_version(conn)
        stamped = inspect(conn).has_table("alembic_version")
    if version == HEAD:
        if not stamped:
            _run_upgrade(engine, version)  # a 0.1.0 store at today's schema: record it
        return []
    if version is None:
        return _create(engine)
    _check_known(version, url)
    if engine.dialect.name != "sqlite":
        raise Conflict(
            f"{url}: the store's schema is at revision {version} and this famtriage needs "
            f"{HEAD}; the role that owns the schema runs `famtriage --db URL upgrade`"
        )
    return [upgrade(engine, url)]


def upgrade(engine: Engine, url: str) -> str:
    """Bring the store to the newest revision (SQLite: after a backup); say what was done."""
    with engine.connect() as conn:
        version = current_version(conn)
    if version is None:
        created = f"{url}: created the store's tables at schema revision {HEAD}"
        return "; ".join([created, *_create(engine)])
    _check_known(version, url)
    if version == HEAD and engine.dialect.name == "sqlite":
        return f"{url}: the store's schema is already at revision {HEAD}"
    if engine.dialect.name == "sqlite":
        backup = _backup(engine, version)
        _run_upgrade(engine, version)
        return (
            f"upgraded the store's schema from revision {version} to {HEAD}; "
            f"the store as it was is saved at {backup}"
        )
    _require_schema_owner(engine, url)
    if version == HEAD:
        done = f"{url}: the store's schema is already at revision {HEAD}"
    else:
        _run_upgrade(engine, version)
        done = f"{url}: upgraded the store's schema from revision {version} to {HEAD}"
    with _writer(engine) as conn:
        notice = row_security.install(conn)
    if notice is not None:
        return f"{done}; {notice}"
    return f"{done}; row-level security and the {row_security.GROUP} grants are in place"


def _check_known(version: str, url: str) -> None:
    if version not in REVISIONS:
        raise Conflict(
            f"{url}: the store's schema (revision {version}) is newer than this famtriage "
            f"knows (up to {HEAD}); install a newer famtriage"
        )


def _config(conn: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPTS)
    config.attributes["connection"] = conn
    return config


def _create(engine: Engine) -> list[str]:
    """Today's tables in one go (faster than replaying history), stamped as the newest,
    with the row-level security and grants an upgraded store has (PostgreSQL); return
    what the owner should hear of them."""
    from alembic import command

    with _writer(engine) as conn:
        if current_version(conn) is not None:
            return []  # another process created it while we waited for the lock
        schema.metadata.create_all(conn)
        ids.ensure_sequence(conn)
        command.stamp(_config(conn), HEAD)
        notice = row_security.install(conn)
    return [] if notice is None else [notice]


def _run_upgrade(engine: Engine, expected: str) -> None:
    from alembic import command

    with _writer(engine) as conn:
        version = current_version(conn)
        if not inspect(conn).has_table("alembic_version"):
            command.stamp(_config(conn), LEGACY)  # a 0.1.0 store: record what it is
        if version == HEAD:
            return  # nothing to change, or another process did it while we waited
        command.upgrade(_config(conn), HEAD)
        if engine.dialect.name == "sqlite":
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
            if broken is not None:
                raise Conflict(f"upgrade from {expected} broke a reference in {broken[0]}")


class _writer:
    """One write transaction for schema work. On SQLite, foreign keys are off while
    tables are rebuilt (SQLite cannot alter a column in place) and checked after."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"

    def __enter__(self) -> Connection:
        self.conn = self.engine.connect()
        if self.sqlite:
            driver(self.conn).execute("PRAGMA foreign_keys=OFF")
        self.conn = self.conn.execution_options(famtriage_write=True)
        self.tx = self.conn.begin()
        return self.conn

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                self.tx.commit()
            else:
                self.tx.rollback()
        finally:
            if self.sqlite:
                driver(self.conn).execute("PRAGMA foreign_keys=ON")
            self.conn.close()


def _backup(engine: Engine, version: str) -> Path:
    """A consistent copy of the whole store (SQLite's backup API), 0600, beside it."""
    source = Path(engine.url.database or "")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = source.with_name(f"{source.name}.schema-{version}.{stamp}.bak")
    try:
        os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise InputError(f"{target}: cannot write the backup: {exc.strerror}") from exc
    try:
        with engine.connect() as conn:
            dst = sqlite3.connect(target)
            try:
                driver(conn).backup(dst)
            finally:
                dst.close()
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        raise InputError(f"{target}: cannot write the backup: {reason(exc)}") from exc
    return target


def _require_schema_owner(engine: Engine, url: str) -> None:
    with engine.connect() as conn:
        owner, me, member = conn.execute(
            text(
                "SELECT pg_get_userbyid(n.nspowner), session_user, "
                "pg_has_role(session_user, n.nspowner, 'MEMBER') FROM pg_namespace n "
                "WHERE n.nspname = current_schema()"
            )
        ).one()
    if not member:  # the owner itself, or a member of the owning role (PostgreSQL 15's
        # public schema belongs to pg_database_owner, whose member is the database owner)
        raise Conflict(
            f"{url}: only {owner}, who owns the schema, may upgrade it (connected as {me})"
        )
