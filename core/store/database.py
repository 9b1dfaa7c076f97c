"""The store: a SQL database (SQLite by default, PostgreSQL on the same code).

Writes go through SQLAlchemy Core in one transaction each. Every write bumps the
store's generation, gives it a new random epoch and records which families it touched,
so the columnar snapshot (`core.report.snapshot`) can tell when and where it is stale;
writes made outside famtriage change the epoch through triggers (`triggers`), so a
snapshot never answers for another history. Bulk reads come back as polars frames
through the driver's cursor instead of SQLAlchemy rows.
"""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import polars as pl
from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Dialect,
    Engine,
    Executable,
    Integer,
    Select,
    create_engine,
    event,
    insert,
    select,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from famtriage.core.errors import FamtriageError, InputError, PermissionDenied, reason
from famtriage.core.store import schema, triggers, upgrade
from famtriage.core.store.connections import driver
from famtriage.core.store.triggers import EPOCH, WRITING

T = TypeVar("T")

SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S%.6f"
SQLITE_DATE = "%Y-%m-%d"
FETCH_ROWS = 50_000
"""Rows per fetch from a driver's cursor: a big read never holds every row as Python
objects at once."""


def _polars_type(sql_type: object) -> pl.DataType:
    if isinstance(sql_type, BigInteger | Integer):
        return pl.Int64()
    if isinstance(sql_type, Boolean):
        return pl.Boolean()
    if isinstance(sql_type, DateTime):  # before Date: not a subclass, but be explicit
        return pl.Datetime("us")
    if isinstance(sql_type, Date):
        return pl.Date()
    return pl.String()


CANONICAL_DTYPES: dict[str, dict[str, pl.DataType]] = {
    name: {col.name: _polars_type(col.type) for col in table.columns}
    for name, table in schema.metadata.tables.items()
}
"""The polars dtype of every store column: what `read_table` returns."""


def to_url(db: str | Path) -> URL:
    """Accept a SQLAlchemy URL or a plain file path (taken as SQLite). A path is a name,
    never parsed as a URL: in `sqlite:///s?.db` the `?` would start the query string and
    open a store called `s`."""
    text_db = str(db)
    if "://" in text_db:
        return make_url(text_db)
    return URL.create("sqlite", database=str(Path(text_db).expanduser().resolve()))


@dataclass(frozen=True)
class Stamp:
    """Where a store's history stands; a snapshot carries the one it was built at."""

    store_id: str
    generation: int
    epoch: str | None


class Store:
    """One database holding many organizations."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self.notices: list[str] = []
        """What the user should hear of: a schema upgrade when opened, and later a
        snapshot that could not be used (the answer came from the store, slower)."""
        self.on_notice: Callable[[str], None] | None = None
        """Called with each later notice as it happens (the CLI prints it, the app shows
        it); notices before it is set stay in `notices`."""
        self._reader: str | None = None

    @classmethod
    def open(cls, db: str | Path, *, create: bool = True) -> Store:
        """Open (and on first use create) the store at `db`, its schema at this version."""
        store = cls.connect(db, create=create)
        store.notices = store.ensure_schema()
        return store

    @classmethod
    def connect(cls, db: str | Path, *, create: bool = True) -> Store:
        """The store at `db` as it is, its schema neither checked nor changed (`upgrade`)."""
        try:
            url = to_url(db)
        except ArgumentError as exc:
            raise InputError(f"{db}: not a store URL or path: {reason(exc)}") from exc
        if url.get_backend_name() == "sqlite" and url.database:
            path = Path(url.database)
            if not path.parent.is_dir():
                raise InputError(f"{path.parent}: no such directory")
            if not path.exists() and not create:
                raise InputError(f"{path}: no such store")
            _create_private(path)
        shown = url.render_as_string(hide_password=False)
        try:
            engine = create_engine(url)
        except Exception as exc:  # a malformed URL or a missing driver
            raise InputError(f"{shown}: cannot open store: {reason(exc)}") from exc
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        else:
            event.listen(engine, "connect", _postgres_session)
        return cls(shown, engine)

    def checkpoint_later(self) -> None:
        """SQLite folds its write-ahead log into the database on the commit that fills
        it (1,000 pages): at a million families that commit took 0.3 s more, between an
        engineer's `y` and the next group. A process that writes again and again (the
        app) folds the log itself when idle (`checkpoint`); other processes keep
        SQLite's rule. Nothing on PostgreSQL."""
        if self.is_sqlite:
            event.listen(self.engine, "connect", _checkpoint_by_hand)
            self.engine.dispose()  # pooled connections were opened without it

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the database as far as no reader needs it
        (a passive checkpoint: it never waits for, nor blocks, anyone)."""
        if not self.is_sqlite:
            return
        try:
            with self.engine.connect() as conn:
                driver(conn).execute("PRAGMA wal_checkpoint(PASSIVE)").close()
        except (DBAPIError, sqlite3.Error) as exc:  # the log waits for the next try
            self.notice(f"{self.location}: could not fold the write-ahead log in: {exc}")

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        return (
            Path(self.engine.url.database) if self.is_sqlite and self.engine.url.database else None
        )

    @property
    def location(self) -> str:
        """The store as messages name it: its file, or its URL without a password."""
        path = self.sqlite_path
        return str(path) if path is not None else self.engine.url.render_as_string()

    def notice(self, text: str) -> None:
        """Tell the user something once (repeats of the same text are dropped)."""
        if text in self.notices:
            return
        self.notices.append(text)
        if self.on_notice is not None:
            self.on_notice(text)

    def ensure_schema(self) -> list[str]:
        """Create or upgrade the tables (`upgrade.prepare`) and give the store its identity
        (once); return what the user should be told (an upgrade and its backup)."""
        return self._schema_work(
            lambda: upgrade.prepare(self.engine, self.location), "not a usable store"
        )

    def upgrade(self) -> str:
        """`famtriage upgrade`: bring the schema to this version; say what was done."""
        return self._schema_work(
            lambda: upgrade.upgrade(self.engine, self.location), "cannot upgrade the store"
        )

    def _schema_work(self, work: Callable[[], T], failure: str) -> T:
        """Schema work, then the identity; a driver's error becomes one line."""
        try:
            done = work()
            self._give_identity()
        except FamtriageError:
            raise
        except Exception as exc:
            self._raise_if_read_only(exc)
            if _sqlstate(exc) == INSUFFICIENT_PRIVILEGE:
                raise PermissionDenied(self._no_rights(reason(exc))) from exc
            raise InputError(f"{self.location}: {failure}: {reason(exc)}") from exc
        return done

    def _no_rights(self, why: str) -> str:
        """A role PostgreSQL gives no rights on the store's tables: how it gets them."""
        from famtriage.core.store.row_security import GROUP

        role = self.session_role()
        return (
            f"{self.location}: {why}: database role {role} has no rights on this store; its "
            f"owner makes it an engineer with `GRANT {GROUP} TO {role}`, and a global Admin maps "
            f"it to a staff member with `famtriage map STAFF_EMAIL --db-role {role}`"
        )

    def session_role(self) -> str:
        """The database role the connections authenticate as (PostgreSQL's SESSION_USER,
        which `SET ROLE` does not change); "" on SQLite."""
        if self.is_sqlite:
            return ""
        with self.engine.connect() as conn:
            return str(conn.exec_driver_sql("SELECT session_user").scalar_one())

    def reader(self) -> str:
        """Who reads, as far as what the store shows depends on it (what a cache of its
        rows is kept per): on PostgreSQL the session's role and the organizations
        row-level security lets it see (`famtriage_visible_orgs()`); "" on SQLite."""
        if self._reader is None:
            if self.is_sqlite:
                self._reader = ""
            else:
                with self.engine.connect() as conn:
                    role, orgs = conn.exec_driver_sql(
                        "SELECT session_user, famtriage_visible_orgs()"
                    ).one()
                self._reader = f"{role} sees {'every organization' if orgs is None else orgs}"
        return self._reader

    def may_alter_tables(self, conn: Connection) -> bool:
        """Whether this session may change the tables themselves (drop and build an
        index): always on SQLite; on PostgreSQL only as the role owning them (an
        engineer's role has data rights only)."""
        if self.is_sqlite:
            return True
        return bool(
            conn.exec_driver_sql(
                "SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class "
                "WHERE oid = 'families'::regclass"
            ).scalar_one()
        )

    def _give_identity(self) -> None:
        """A random store id and a first epoch, once (a store that has both is not
        written to, so a read-only store still opens for reading)."""
        missing = {"store_id", EPOCH}
        with self.engine.connect() as conn:
            m = schema.meta
            missing -= set(conn.execute(select(m.c.key).where(m.c.key.in_(missing))).scalars())
        if not missing:
            return
        with self.write() as conn:
            for key in missing:
                if self._meta(conn, key) is None:
                    conn.execute(insert(schema.meta).values(key=key, value=uuid.uuid4().hex))

    @staticmethod
    def _meta(conn: Connection, key: str) -> str | None:
        return conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == key)).scalar()

    def store_id(self) -> str:
        with self.engine.connect() as conn:
            return self.identity(conn)

    def identity(self, conn: Connection) -> str:
        """A random id fixed at creation: a snapshot of another store is never trusted."""
        return self._meta(conn, "store_id") or ""

    def stamp(self, conn: Connection) -> Stamp:
        """The store's identity, generation and epoch, as a snapshot records them. A
        committed `writing` row (put there by hand) silences the triggers, so the epoch
        proves nothing then: it reads as None, which no snapshot matches."""
        m = schema.meta
        keys = ["store_id", "generation", EPOCH, WRITING]
        found = {
            key: value
            for key, value in conn.execute(select(m.c.key, m.c.value).where(m.c.key.in_(keys)))
        }
        epoch = None if WRITING in found else found.get(EPOCH)
        return Stamp(found.get("store_id", ""), int(found.get("generation", 0)), epoch)

    def changes_since(self, conn: Connection, stamp: Stamp) -> list[int] | None:
        """The families famtriage's own writes changed after `stamp`, when this store's
        history runs through it; None when it does not and a snapshot built at `stamp`
        must be rebuilt: another store, another history (a restored older copy written to
        since), a write famtriage did not make after it, or an import since."""
        now = self.stamp(conn)
        if stamp == now:
            return []
        if stamp.store_id != now.store_id or stamp.epoch is None or now.epoch is None:
            return None
        if not stamp.generation < now.generation or self.rebuilt_at(conn) > stamp.generation:
            return None
        h = schema.generations
        epochs = {
            generation: epoch
            for generation, epoch in conn.execute(
                select(h.c.generation, h.c.epoch).where(
                    h.c.generation.in_([stamp.generation, now.generation])
                )
            )
        }
        if epochs.get(stamp.generation) != stamp.epoch or epochs.get(now.generation) != now.epoch:
            return None
        return self.changed_since(conn, stamp.generation)

    def epoch_at(self, conn: Connection, generation: int) -> str | None:
        """The epoch famtriage's write of `generation` left (None once pruned)."""
        h = schema.generations
        return conn.execute(select(h.c.epoch).where(h.c.generation == generation)).scalar()

    def is_empty(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(schema.families.c.family_id).limit(1)).first() is None

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction of famtriage's own: the triggers leave the epoch alone
        (`touch` moves it on, with the generation); a read-only store says so, and a row
        the database refuses under row-level security is one line (`_refused_rows`)."""
        with self._writable(), _refused_rows(), self.engine.connect() as conn:
            conn = conn.execution_options(famtriage_write=True)
            with conn.begin(), _own_write(conn):
                yield conn

    @contextmanager
    def _writable(self) -> Iterator[None]:
        try:
            yield
        except DBAPIError as exc:
            self._raise_if_read_only(exc)
            raise

    def _raise_if_read_only(self, exc: BaseException) -> None:
        """A write the database refused because the file, its folder or the server is
        read-only becomes one line naming the store."""
        orig = getattr(exc, "orig", None)
        code = getattr(orig, "sqlite_errorcode", None)
        path = self.sqlite_path
        read_only = getattr(orig, "sqlstate", None) == "25006" or (
            code is not None
            and (
                code & 0xFF == sqlite3.SQLITE_READONLY
                or (path is not None and not _writable_file(path))
            )
        )
        if read_only:
            raise InputError(f"the store is read-only: {self.location}") from exc

    def rebuilt_at(self, conn: Connection) -> int:
        """The generation of the last bulk change (after which snapshots must rebuild)."""
        return int(self._meta(conn, "rebuilt_at") or 0)

    def touch(self, conn: Connection, family_ids: Iterable[int]) -> int:
        """Record, inside `conn`'s transaction, that these families changed: the next
        generation, a new epoch, and the families (so snapshots patch just those)."""
        gen = _advance(SqlBulk(conn, self.is_sqlite), rebuilt=False)
        rows = [{"generation": gen, "family_id": int(f)} for f in set(family_ids)]
        if rows:
            conn.execute(insert(schema.family_changes), rows)
        return gen

    def changed_since(self, conn: Connection, generation: int) -> list[int]:
        fc = schema.family_changes
        return list(
            conn.execute(
                select(fc.c.family_id).where(fc.c.generation > generation).distinct()
            ).scalars()
        )

    @contextmanager
    def bulk(self) -> Iterator[Bulk]:
        """One bulk write transaction (an import).

        On SQLite, foreign keys are not re-checked row by row (the importer has already
        checked every reference, in bulk), the page cache is enlarged, and the triggers
        that mark foreign writes are set aside until the load is in (they would run for
        every row), which together make loading a million families several times faster.
        """
        if not self.is_sqlite:
            with self.write() as conn:
                yield SqlBulk(conn, False)
            return
        with self._writable(), self.engine.connect() as conn:
            raw = driver(conn)
            raw.execute("PRAGMA foreign_keys=OFF")
            raw.execute("PRAGMA cache_size=-262144")
            try:
                conn = conn.execution_options(famtriage_write=True)
                with conn.begin():
                    triggers.remove(conn)
                    yield SqlBulk(conn, True)
                    triggers.install(conn)
            finally:
                raw.execute("PRAGMA cache_size=-2000")
                raw.execute("PRAGMA foreign_keys=ON")

    def touch_all(self, bulk: Bulk) -> int:
        """Record, inside a bulk transaction, that everything changed (rebuild snapshots,
        or let the import hand its frames to one that was current just before it)."""
        gen = _advance(bulk, rebuilt=True)
        bulk.run(schema.family_changes.delete())
        return gen

    def read_table(self, table: str, where: ColumnElement[bool] | None = None) -> pl.DataFrame:
        """A whole table (or the rows matching a SQLAlchemy `where` clause) as a typed frame."""
        target = schema.metadata.tables[table]
        query = select(target) if where is None else select(target).where(where)
        return self.read_query(query, CANONICAL_DTYPES[table])

    def read_query(
        self, query: Select[Any], dtypes: dict[str, pl.DataType], conn: Connection | None = None
    ) -> pl.DataFrame:
        """Run a select through the driver's cursor (no per-value SQLAlchemy processing),
        a batch of rows at a time, and type the columns in polars. On `conn` when given
        (a read that must see what the caller's other statements saw), else on its own."""
        if conn is None:
            with self.engine.connect() as own:
                return self.read_query(query, dtypes, own)
        sql, params = compile_for_driver(query, self.engine.dialect)
        parts = []
        cursor = driver(conn).cursor()
        try:
            cursor.execute(sql, params)
            names = [d[0] for d in cursor.description]
            while rows := cursor.fetchmany(FETCH_ROWS):
                parts.append(
                    pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
                )
        finally:
            cursor.close()
        frame = pl.concat(parts, how="vertical_relaxed") if parts else pl.DataFrame(schema=names)
        return coerce_dtypes(frame, dtypes)


class Bulk(Protocol):
    """What an import needs from a transaction: run statements, read rows, ingest frames
    (and the connection itself, to write its audit entries in the same transaction)."""

    conn: Connection

    def rows(self, stmt: Executable) -> list[tuple]: ...

    def run(self, stmt: Executable) -> None: ...

    def ingest(self, table: str, frame: pl.DataFrame) -> None: ...


class SqlBulk:
    """Bulk work over one SQLAlchemy connection: Core statements, and rows inserted
    through the driver's executemany (parameterized; only tuples cross into the driver)."""

    def __init__(self, conn: Connection, sqlite: bool) -> None:
        self.conn = conn
        self.sqlite = sqlite

    def rows(self, stmt: Executable) -> list[tuple]:
        return [tuple(r) for r in self.conn.execute(stmt)]

    def run(self, stmt: Executable) -> None:
        self.conn.execute(stmt)

    def ingest(self, table: str, frame: pl.DataFrame) -> None:
        if frame.is_empty():
            return
        target = schema.metadata.tables[table]
        frame = frame.select([c.name for c in target.columns if c.name in frame.columns])
        if self.sqlite:
            frame = frame.with_columns(
                pl.col(pl.Datetime).dt.strftime(SQLITE_DATETIME),
                pl.col(pl.Date).dt.strftime(SQLITE_DATE),
                pl.col(pl.Boolean).cast(pl.Int64),
            )
        cursor = driver(self.conn).cursor()
        try:
            if self.conn.dialect.name == "postgresql":
                _copy_rows(cursor, table, frame)
                return
            sql = str(insert(target).compile(dialect=self.conn.dialect, column_keys=frame.columns))
            for batch in frame.iter_slices(200_000):
                cursor.executemany(sql, batch.iter_rows())
        finally:
            cursor.close()


def _copy_rows(cursor: Any, table: str, frame: pl.DataFrame) -> None:
    """PostgreSQL's COPY through psycopg: the fastest way in, still fully parameterized.

    Row-level security refuses COPY into a protected table (its owner included, whom
    FORCE subjects to the policies), so the rows are copied into a temporary table and
    moved with one INSERT ... SELECT, which the policies check row by row."""
    from psycopg import sql

    columns = sql.SQL(", ").join(map(sql.Identifier, frame.columns))
    target = sql.Identifier(table)
    staging = sql.Identifier(f"famtriage_load_{table}")
    cursor.execute(
        sql.SQL(
            "CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA"
        ).format(staging, columns, target)
    )
    with cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(staging, columns)) as copy:
        for row in frame.iter_rows():
            copy.write_row(row)
    cursor.execute(
        sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(target, columns, columns, staging)
    )
    cursor.execute(sql.SQL("DROP TABLE {}").format(staging))


@contextmanager
def _own_write(conn: Connection) -> Iterator[None]:
    """Mark `conn`'s transaction as famtriage's own for the triggers. The row is never
    committed: it is deleted before the commit, and a rollback takes it away too. One
    found already committed (put there by hand) may have hidden foreign writes: the
    epoch is replaced, as a trigger would have, so this write marks a rebuild."""
    m = schema.meta
    if conn.execute(m.delete().where(m.c.key == WRITING)).rowcount:
        conn.execute(m.update().where(m.c.key == EPOCH).values(value=uuid.uuid4().hex))
    conn.execute(insert(m).values(key=WRITING, value="famtriage"))
    yield
    conn.execute(m.delete().where(m.c.key == WRITING))


def _advance(bulk: Bulk, *, rebuilt: bool) -> int:
    """Move the store to its next generation with a new random epoch, and record that
    epoch in its history; return the generation.

    When the epoch is not the one famtriage's previous write left, something else wrote
    in between (the triggers replaced it): the generation is then marked as rebuilt, so
    no snapshot from before it is patched over that unrecorded write. `rebuilt` (an
    import) marks it anyway. The store's meta rows are locked first (PostgreSQL), so a
    concurrent foreign write replaces the new epoch after this commit, not before it.
    """
    m, h = schema.meta, schema.generations
    keys = ["generation", EPOCH]
    found = dict(bulk.rows(select(m.c.key, m.c.value).where(m.c.key.in_(keys)).with_for_update()))
    gen = int(found.get("generation", 0)) + 1
    last = bulk.rows(select(h.c.epoch).where(h.c.generation == gen - 1))
    foreign = found.get(EPOCH) is None or not last or last[0][0] != found[EPOCH]
    values = {"generation": str(gen), EPOCH: uuid.uuid4().hex}
    if rebuilt or foreign:
        values["rebuilt_at"] = str(gen)
    bulk.run(m.delete().where(m.c.key.in_(list(values))))
    bulk.run(insert(m).values([{"key": k, "value": v} for k, v in values.items()]))
    if rebuilt:  # only the generation before it is asked for again (`absorb_import`)
        bulk.run(h.delete().where(h.c.generation < (gen if foreign else gen - 1)))
    bulk.run(insert(h).values(generation=gen, epoch=values[EPOCH]))
    return gen


def _writable_file(path: Path) -> bool:
    """Whether SQLite could write the store: the file and its folder (-wal, -shm)."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _create_private(path: Path) -> None:
    """A new SQLite store holds personal data: create it readable by its owner only
    (SQLite gives its -wal and -shm files the same mode)."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return
    except OSError as exc:
        raise InputError(f"{path}: cannot create the store: {exc.strerror}") from exc


def compile_for_driver(stmt: Executable, dialect: Dialect) -> tuple[str, tuple | dict]:
    """SQL text and its bound values in the driver's own paramstyle."""
    compiled = stmt.compile(  # type: ignore[attr-defined]
        dialect=dialect, compile_kwargs={"render_postcompile": True}
    )
    if compiled.positiontup is not None:
        return str(compiled), tuple(compiled.params[k] for k in compiled.positiontup)
    return str(compiled), dict(compiled.params)


def coerce_dtypes(frame: pl.DataFrame, dtypes: dict[str, pl.DataType]) -> pl.DataFrame:
    """`frame` with exactly the columns of `dtypes`, typed: SQLite's text dates and times
    parsed, integers as booleans, a missing column all null."""
    exprs: list[pl.Expr | pl.Series] = []
    for name, dtype in dtypes.items():
        if name not in frame.columns:
            exprs.append(pl.lit(None, dtype).alias(name))
            continue
        col = pl.col(name)
        current = frame.schema[name]
        if current == dtype:
            exprs.append(col)
        elif current in (pl.String, pl.Null) and dtype == pl.Datetime("us"):
            exprs.append(_datetimes(frame[name].cast(pl.String)))
        elif current in (pl.String, pl.Null) and dtype == pl.Date:
            exprs.append(col.cast(pl.String).str.to_date(SQLITE_DATE, strict=False))
        else:
            exprs.append(col.cast(dtype, strict=False))
    return frame.select(exprs)


def _datetimes(text: pl.Series) -> pl.Series:
    """Text date-times as SQLite keeps them: in the format famtriage writes (fast), or,
    when some are written otherwise, in the format polars infers from the first one."""
    parsed = text.str.to_datetime(SQLITE_DATETIME, time_unit="us", strict=False)
    if parsed.null_count() != text.null_count():
        parsed = text.str.to_datetime(time_unit="us", strict=False)
    return parsed


def _sqlite_pragmas(dbapi_conn: Any, _record: object) -> None:
    dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _checkpoint_by_hand(dbapi_conn: Any, _record: object) -> None:
    dbapi_conn.execute("PRAGMA wal_autocheckpoint=0").close()


INSUFFICIENT_PRIVILEGE = "42501"
UNIQUE_VIOLATION = "23505"
_POLICY = re.compile(r'row-level security policy for table "(?P<table>[^"]+)"')
_TAKEN = re.compile(r"Key \((?P<column>[^)]*)\)=\((?P<value>.*)\) already exists")


def _sqlstate(exc: BaseException) -> str | None:
    """PostgreSQL's error code of a driver error (raised by psycopg, or wrapped by
    SQLAlchemy); None for anything else."""
    return getattr(getattr(exc, "orig", exc), "sqlstate", None)


@contextmanager
def _refused_rows() -> Iterator[None]:
    """A write PostgreSQL refuses row by row becomes one line. Under row-level security
    a role cannot see another organization's rows, so an id that organization uses
    passes every check made before writing (an import's) and only the primary key finds
    it; a row of an organization the role may not write is refused by the policies."""
    try:
        yield
    except Exception as exc:
        state = _sqlstate(exc)
        if state not in (UNIQUE_VIOLATION, INSUFFICIENT_PRIVILEGE):
            raise
        orig = getattr(exc, "orig", exc)
        diag = getattr(orig, "diag", None)
        table = getattr(diag, "table_name", None) or "the store"
        if state == INSUFFICIENT_PRIVILEGE:
            policy = _POLICY.search(str(orig))
            if policy is None:
                raise
            raise PermissionDenied(
                f"{policy['table']}: the database refused the write: a row outside the "
                "organizations this database role may change (row-level security); nothing "
                "was written"
            ) from exc
        taken = _TAKEN.search(getattr(diag, "message_detail", None) or "")
        if taken:  # PostgreSQL names the value only to a role that may see every row
            raise InputError(
                f"{table}: {taken['column']} {taken['value']} is already used in the store; "
                "nothing was written"
            ) from exc
        columns = _constraint_columns(table, getattr(diag, "constraint_name", None) or "")
        raise InputError(
            f"{table}: one of the {columns or 'key'} values written is already used in the "
            "store, by an organization this database role cannot see; nothing was written"
        ) from exc


def _constraint_columns(table: str, constraint: str) -> str:
    """The columns of a table's primary key, unique constraint or unique index, by its
    name in PostgreSQL ("" for a name famtriage's schema does not know)."""
    found = schema.metadata.tables.get(table)
    if found is None:
        return ""
    if constraint == f"{table}_pkey":
        return ", ".join(c.name for c in found.primary_key.columns)
    for index in found.indexes:
        if index.name == constraint:
            return ", ".join(str(getattr(c, "name", c)) for c in index.expressions)
    for column in found.columns:
        if constraint == f"{table}_{column.name}_key":
            return column.name
    return ""


POSTGRES_SESSION = "SET jit = off"
"""What every PostgreSQL connection of famtriage runs first (the store's own, and the
Arrow ones a rebuild reads through): no JIT compilation, as the row-level security
policies' subplans make the planner's cost estimates large enough to compile every
read, which costs more (100-250 ms a query) than the reads themselves."""


def _postgres_session(dbapi_conn: Any, _record: object) -> None:
    dbapi_conn.execute(POSTGRES_SESSION)
    dbapi_conn.commit()


def _sqlite_begin(conn: Connection) -> None:
    """A writer takes SQLite's lock at BEGIN, so two writers queue instead of deadlocking."""
    immediate = conn.get_execution_options().get("famtriage_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
