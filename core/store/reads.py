"""Big reads into polars frames: what a snapshot rebuild asks of a million families.

A read is a list of batches of `Job`s (SQLAlchemy selects with the polars dtypes of
their columns), run by worker threads (`WORKERS`): a batch's jobs one after the other
on one worker, which then combines them into the batch's result, so a batch's rows are
let go of as soon as they are read. Progress is `on_progress(jobs_done, jobs)`, called
from the caller's thread.

- SQLite, through Python's own `sqlite3` (one SQLite library per process): a job is
  one statement whose one value is its rows as JSON lines, built by SQLite itself
  (`json_object`, `group_concat`), which polars parses in bulk. No Python object per
  row, and one step per job: `sqlite3` lets go of the GIL for each step, so the
  workers run SQLite side by side (with a step per row they would queue on the GIL).
  Callers cut a big read into batches (`family_bounds`) to bound each job's text.
- PostgreSQL, through ADBC's PostgreSQL driver (`adbc-driver-postgresql`, in the
  `postgres` extra; one connection per worker, as the store's role and with its session
  set-up): the server's binary COPY straight into Arrow columns, handed to polars
  without a Python row. Without it, psycopg's cursor in batches.
"""

from __future__ import annotations

import importlib.util
import io
import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import polars as pl
from sqlalchemy import Dialect, Integer, LargeBinary, Select, cast, func, literal, select
from sqlalchemy.engine import URL

from famtriage.core.errors import Cancelled
from famtriage.core.store import schema
from famtriage.core.store.connections import driver
from famtriage.core.store.database import (
    POSTGRES_SESSION,
    Store,
    coerce_dtypes,
    compile_for_driver,
)

WORKERS = {"sqlite": 3, "postgresql": 2}
"""Worker threads per dialect. SQLite's work is done in this process: on two cores a
third worker keeps SQLite busy while the others parse, combine or wait for the GIL
(measured: 6.5 s instead of 7.7 s for a million families). PostgreSQL's is done by the
server: a third only holds more Arrow buffers at once."""
BATCH_ROWS = 100_000
"""Families per batch: a job's JSON text stays in the tens of megabytes, and a batch's
rows are combined (and let go of) as soon as they are read."""

ProgressCallback = Callable[[int, int], None]
T = TypeVar("T")


@dataclass(frozen=True)
class Job:
    """One select of a batch, whose result is the batch's frame `name`."""

    name: str
    query: Select[Any]
    dtypes: Mapping[str, pl.DataType]
    """The polars dtype of each column the select names (its labels), in order."""


def read_batches(
    store: Store,
    batches: Sequence[Sequence[Job]],
    combine: Callable[[dict[str, pl.DataFrame]], T],
    on_progress: ProgressCallback | None = None,
) -> list[T]:
    """Each batch's jobs, in turn on one of the workers, typed as their dtypes say; then
    `combine(frames by job name)` on that worker too, so a batch's rows are let go of as
    soon as they are combined. The results in batch order; `on_progress(jobs done,
    jobs)` from the caller's thread, which stops the rest when it raises."""
    total = sum(len(batch) for batch in batches)
    finished: queue.SimpleQueue[BaseException | None] = queue.SimpleQueue()
    stop = threading.Event()

    def work(batch: Sequence[Job], run: Callable[[Job], pl.DataFrame]) -> T:
        try:
            frames = {}
            for job in batch:
                if stop.is_set():
                    raise Cancelled("stopped")
                frames[job.name] = coerce_dtypes(run(job), dict(job.dtypes))
                finished.put(None)
            return combine(frames)
        except BaseException as exc:
            finished.put(exc)
            raise

    report = on_progress or (lambda done, total: None)
    report(0, total)
    with _job_runner(store) as run:
        workers = WORKERS.get(store.engine.dialect.name, 2)
        pool = ThreadPoolExecutor(workers, thread_name_prefix="famtriage-read")
        try:
            futures = [pool.submit(work, batch, run) for batch in batches]
            for done in range(1, total + 1):
                failed = finished.get()
                if failed is not None:
                    raise failed
                report(done, total)
            return [future.result() for future in futures]
        finally:
            stop.set()
            pool.shutdown(wait=True, cancel_futures=True)


def family_bounds(store: Store) -> list[int | None]:
    """Family ids that cut the store into batches of `BATCH_ROWS` families, as
    `[None, b1, …, bn, None]` (open at both ends): batch k is `b[k] <= id < b[k+1]`.
    Each bound is found from the one before it, so the index is walked once."""
    ids = schema.families.c.family_id
    bounds: list[int | None] = [None]
    with store.engine.connect() as conn:
        while True:
            after = select(ids).order_by(ids).offset(BATCH_ROWS).limit(1)
            low = bounds[-1]
            found = conn.execute(after if low is None else after.where(ids >= low)).scalar()
            if found is None:
                return [*bounds, None]
            bounds.append(found)


@contextmanager
def _job_runner(store: Store) -> Iterator[Callable[[Job], pl.DataFrame]]:
    if store.is_sqlite:
        yield lambda job: _sqlite_frame(store, job)
        return
    uri = _adbc_uri(store)
    if uri is None:
        yield lambda job: _cursor_frame(store, job)
        return
    with _AdbcConnections(uri) as connections:
        yield lambda job: _adbc_frame(connections.get(), job)


def _sqlite_frame(store: Store, job: Job) -> pl.DataFrame:
    """The job's rows as JSON lines made by SQLite (keyed by column number, to keep the
    text short), parsed by polars. SQLite stores what it is given: integer columns are
    cast (a whole float in one reads as the integer); polars reads a number in a text
    column as its text."""
    rows = job.query.subquery()
    raw = {str(i): _json_dtype(dtype) for i, dtype in enumerate(job.dtypes.values())}
    pairs = []
    for key, name in zip(raw, job.dtypes, strict=True):
        value = rows.c[name]
        pairs += [literal(key), cast(value, Integer) if raw[key] == pl.Int64 else value]
    lines = func.group_concat(func.json_object(*pairs), literal("\n"))
    sql, params = compile_for_driver(
        select(cast(lines, LargeBinary)).select_from(rows), store.engine.dialect
    )
    with store.engine.connect() as conn:
        cursor = driver(conn).cursor()
        try:
            (text,) = cursor.execute(sql, params).fetchone()
        finally:
            cursor.close()
    frame = pl.read_ndjson(io.BytesIO(text), schema=raw) if text else pl.DataFrame(schema=raw)
    return frame.rename(dict(zip(raw, job.dtypes, strict=True)))


def _json_dtype(dtype: pl.DataType) -> pl.DataType:
    """How a column travels as JSON from SQLite: integers (booleans are 0/1) as numbers,
    everything else (text, dates and times as SQLite keeps them) as strings."""
    return pl.Int64() if dtype.is_integer() or dtype == pl.Boolean else pl.String()


def _adbc_uri(store: Store) -> str | None:
    """The libpq URI of a PostgreSQL store when ADBC's driver is installed."""
    if importlib.util.find_spec("adbc_driver_postgresql") is None:
        return None
    url: URL = store.engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


@cache
def _dollar_dialect() -> Dialect:
    """PostgreSQL's SQL with `$1` placeholders, the ones libpq (and ADBC) bind."""
    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

    return PGDialect_psycopg(paramstyle="numeric_dollar")


class _AdbcConnections:
    """One ADBC connection per worker thread, for all its jobs (a connection costs
    tens of milliseconds to open), closed together at the end."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.local = threading.local()
        self.opened: list[Any] = []
        self.lock = threading.Lock()

    def get(self) -> Any:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            import adbc_driver_postgresql.dbapi as adbc

            conn = self.local.conn = adbc.connect(self.uri)
            with conn.cursor() as cursor:
                cursor.execute(POSTGRES_SESSION)
            conn.commit()
            with self.lock:
                self.opened.append(conn)
        return conn

    def __enter__(self) -> _AdbcConnections:
        return self

    def __exit__(self, *exc: object) -> None:
        for conn in self.opened:
            conn.close()


def _adbc_frame(conn: Any, job: Job) -> pl.DataFrame:
    """The job's result as Arrow, through ADBC (the same role as the store's own
    connections, so the same rows)."""
    sql, params = compile_for_driver(job.query, _dollar_dialect())
    with conn.cursor() as cursor:
        cursor.execute(sql, params or None)
        return pl.DataFrame(cursor.fetch_arrow())


def _cursor_frame(store: Store, job: Job) -> pl.DataFrame:
    """The job's rows through the driver's cursor, a batch at a time."""
    return store.read_query(job.query, dict(job.dtypes))
