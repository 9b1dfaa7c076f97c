"""The store: a SQL database (SQLite by default, PostgreSQL on the same code).

Writes go through SQLAlchemy Core in one transaction each. Every write bumps the
store's generation and records which families it touched, so the columnar snapshot
(`core.snapshot`) can tell when and where it is stale. Bulk reads come back as polars
frames through an Arrow-native driver (ADBC) instead of Python rows.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
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
from sqlalchemy.engine import make_url

from famtriage.core.errors import FamtriageError, InputError, PermissionDenied, reason
from famtriage.core.store import schema, upgrade
from famtriage.core.store.connections import driver

T = TypeVar("T")

SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S%.6f"
SQLITE_DATE = "%Y-%m-%d"


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


def to_url(db: str | Path) -> str:
    """Accept a SQLAlchemy URL or a plain file path (taken as SQLite)."""
    text_db = str(db)
    if "://" in text_db:
        return text_db
    return f"sqlite:///{Path(text_db).expanduser().resolve()}"


class Store:
    """One database holding many organizations."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self.notices: list[str] = []
        """What opening it did that the user should hear of (a schema upgrade)."""
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
        url = to_url(db)
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database:
            path = Path(parsed.database)
            if not path.parent.is_dir():
                raise InputError(f"{path.parent}: no such directory")
            if not path.exists() and not create:
                raise InputError(f"{path}: no such store")
            _create_private(path)
        try:
            engine = create_engine(url)
        except Exception as exc:  # a malformed URL or a missing driver
            raise InputError(f"{url}: cannot open store: {reason(exc)}") from exc
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        else:
            event.listen(engine, "connect", _postgres_session)
        return cls(url, engine)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        return (
            Path(self.engine.url.database) if self.is_sqlite and self.engine.url.database else None
        )

    def ensure_schema(self) -> list[str]:
        """Create or upgrade the tables (`upgrade.prepare`) and give the store its identity
        (once); return what the user should be told (an upgrade and its backup)."""
        return self._schema_work(
            lambda: upgrade.prepare(self.engine, self.url), "not a usable store"
        )

    def upgrade(self) -> str:
        """`famtriage upgrade`: bring the schema to this version; say what was done."""
        return self._schema_work(
            lambda: upgrade.upgrade(self.engine, self.url), "cannot upgrade the store"
        )

    def _schema_work(self, work: Callable[[], T], failure: str) -> T:
        """Schema work, then the identity; a driver's error becomes one line."""
        try:
            done = work()
            self._give_identity()
        except FamtriageError:
            raise
        except Exception as exc:
            if _sqlstate(exc) == INSUFFICIENT_PRIVILEGE:
                raise PermissionDenied(self._no_rights(reason(exc))) from exc
            raise InputError(f"{self.url}: {failure}: {reason(exc)}") from exc
        return done

    def _no_rights(self, why: str) -> str:
        """A role PostgreSQL gives no rights on the store's tables: how it gets them."""
        from famtriage.core.store.row_security import GROUP

        role = self.session_role()
        return (
            f"{self.url}: {why}: database role {role} has no rights on this store; its owner "
            f"makes it an engineer with `GRANT {GROUP} TO {role}`, and a global Admin maps "
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
        with self.write() as conn:
            if self._meta(conn, "store_id") is None:
                conn.execute(insert(schema.meta).values(key="store_id", value=uuid.uuid4().hex))

    @staticmethod
    def _meta(conn: Connection, key: str) -> str | None:
        return conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == key)).scalar()

    def store_id(self) -> str:
        with self.engine.connect() as conn:
            return self.identity(conn)

    def identity(self, conn: Connection) -> str:
        """A random id fixed at creation: a snapshot of another store is never trusted."""
        return self._meta(conn, "store_id") or ""

    def is_empty(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(schema.families.c.family_id).limit(1)).first() is None

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction; the generation moves on when it commits. A row the
        database refuses under row-level security is one line (`_refused_rows`)."""
        with _refused_rows(), self.engine.connect() as conn:
            conn = conn.execution_options(famtriage_write=True)
            with conn.begin():
                yield conn

    def generation(self, conn: Connection) -> int:
        """How many write transactions the store has committed."""
        return int(self._meta(conn, "generation") or 0)

    def rebuilt_at(self, conn: Connection) -> int:
        """The generation of the last bulk change (after which snapshots must rebuild)."""
        return int(self._meta(conn, "rebuilt_at") or 0)

    def touch(self, conn: Connection, family_ids: Iterable[int]) -> int:
        """Record, inside `conn`'s transaction, that these families changed."""
        gen = self.generation(conn) + 1
        conn.execute(schema.meta.delete().where(schema.meta.c.key == "generation"))
        conn.execute(insert(schema.meta).values(key="generation", value=str(gen)))
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
        checked every reference, in bulk) and the page cache is enlarged, which together
        make loading a million families several times faster.
        """
        if not self.is_sqlite:
            with self.write() as conn:
                yield SqlBulk(conn, False)
            return
        with self.engine.connect() as conn:
            raw = driver(conn)
            raw.execute("PRAGMA foreign_keys=OFF")
            raw.execute("PRAGMA cache_size=-262144")
            try:
                conn = conn.execution_options(famtriage_write=True)
                with conn.begin():
                    yield SqlBulk(conn, True)
            finally:
                raw.execute("PRAGMA cache_size=-2000")
                raw.execute("PRAGMA foreign_keys=ON")

    def touch_all(self, bulk: Bulk) -> int:
        """Record, inside a bulk transaction, that everything changed (rebuild snapshots)."""
        m = schema.meta
        found = bulk.rows(select(m.c.value).where(m.c.key == "generation"))
        gen = (int(found[0][0]) if found else 0) + 1
        bulk.run(m.delete().where(m.c.key.in_(["generation", "rebuilt_at"])))
        bulk.run(insert(m).values(key="generation", value=str(gen)))
        bulk.run(insert(m).values(key="rebuilt_at", value=str(gen)))
        bulk.run(schema.family_changes.delete())
        return gen

    def read_table(self, table: str, where: ColumnElement[bool] | None = None) -> pl.DataFrame:
        """A whole table (or the rows matching a SQLAlchemy `where` clause) as a typed frame."""
        target = schema.metadata.tables[table]
        query = select(target) if where is None else select(target).where(where)
        return self.read_query(query, CANONICAL_DTYPES[table])

    def read_query(self, query: Select[Any], dtypes: dict[str, pl.DataType]) -> pl.DataFrame:
        """Run a select through the driver's cursor (no per-value SQLAlchemy processing)
        and type the columns in polars."""
        sql, params = compile_for_driver(query, self.engine.dialect)
        with self.engine.connect() as conn:
            cursor = driver(conn).cursor()
            try:
                cursor.execute(sql, params)
                names = [d[0] for d in cursor.description]
                rows = cursor.fetchall()
            finally:
                cursor.close()
        frame = pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
        return _coerce(frame, dtypes)


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


def _coerce(frame: pl.DataFrame, dtypes: dict[str, pl.DataType]) -> pl.DataFrame:
    exprs = []
    for name, dtype in dtypes.items():
        if name not in frame.columns:
            exprs.append(pl.lit(None, dtype).alias(name))
            continue
        col = pl.col(name)
        current = frame.schema[name]
        if current == dtype:
            exprs.append(col)
        elif current in (pl.String, pl.Null) and dtype == pl.Datetime("us"):
            exprs.append(col.cast(pl.String).str.to_datetime(time_unit="us", strict=False))
        elif current in (pl.String, pl.Null) and dtype == pl.Date:
            exprs.append(col.cast(pl.String).str.to_date(SQLITE_DATE, strict=False))
        else:
            exprs.append(col.cast(dtype, strict=False))
    return frame.select(exprs)


def _sqlite_pragmas(dbapi_conn: Any, _record: object) -> None:
    dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


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


def _postgres_session(dbapi_conn: Any, _record: object) -> None:
    """No JIT compilation: the row-level security policies' subplans make the planner's
    cost estimates large enough to compile every read, which costs more (100-250 ms a
    query) than the reads themselves."""
    dbapi_conn.execute("SET jit = off")
    dbapi_conn.commit()


def _sqlite_begin(conn: Connection) -> None:
    """A writer takes SQLite's lock at BEGIN, so two writers queue instead of deadlocking."""
    immediate = conn.get_execution_options().get("famtriage_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
