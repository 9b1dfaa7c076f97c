"""A snapshot rebuild asks the database for its aggregates (`report.store_frames`): the
frames must equal what `report.frames` computes in polars from the raw tables, on the
sample store and on a synthetic one with every kind of history and every odd row (no
primary, two primaries, blank and missing emails, merged and deleted families, missing
dates, hostile text), in several batches, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, insert, select, update
from test_postgres import pg_store  # noqa: F401  (fixture)
from test_postgres import pytestmark as needs_postgres

from famtriage.core.errors import Cancelled
from famtriage.core.report import frames, snapshot, store_frames
from famtriage.core.sample.synthetic import synthetic
from famtriage.core.source.importer import import_export, import_tables
from famtriage.core.source.reader import in_memory, type_tables
from famtriage.core.store import config, reads, schema
from famtriage.core.store.database import Store

HOSTILE = 'Zo"ë \\ \x1b]0;x\x07\n\t李 \u202e'


def _both_ways(store: Store) -> None:
    """The database's aggregates equal the polars computation over the raw tables."""
    tables = snapshot._store_tables(store, None)
    logins, stats = store_frames.read(store)
    assert logins.schema == frames.LOGINS_SCHEMA and stats.schema == frames.STATS_SCHEMA
    key = ["family_id", "guardian_id"]
    assert logins.sort(key).equals(frames.logins(tables).sort(key))
    assert stats.sort("family_id").equals(frames.family_stats(tables).sort("family_id"))
    assert stats.height > 0


def _odd_rows(store: Store) -> None:
    """Every odd case a customer's data or famtriage's own actions leave behind."""
    f, g, p = schema.families, schema.guardians, schema.payments
    e, po, s, a = schema.enrollments, schema.policies, schema.students, schema.activity
    fid, gid = f.c.family_id, g.c.guardian_id
    with store.write() as conn:
        conn.execute(update(f).where(fid % 17 == 0).values(status="deleted"))
        conn.execute(update(f).where(fid % 19 == 0).values(status="merged", merged_into=1))
        conn.execute(update(f).where(fid % 23 == 0).values(created_at=None, family_name=None))
        conn.execute(update(g).where(gid % 13 == 0).values(email=None, email_norm=None))
        conn.execute(update(g).where(gid % 29 == 0).values(email="", email_norm=None))
        conn.execute(update(g).where(gid % 31 == 0).values(email="  ", email_norm=None))
        conn.execute(update(g).where(g.c.family_id % 7 == 0).values(is_primary=True))
        conn.execute(update(g).where(g.c.family_id % 37 == 0).values(is_primary=False))
        conn.execute(update(g).where(gid % 11 == 0).values(first_name=None))
        conn.execute(update(g).where(gid % 5 == 0).values(last_name=" \tDoe \u3000"))
        conn.execute(update(g).where(gid % 9 == 0).values(first_name=HOSTILE, last_name=""))
        conn.execute(update(p).where(p.c.payment_id % 3 == 0).values(paid_at=None))
        conn.execute(update(p).where(p.c.payment_id % 4 == 0).values(amount_cents=-250))
        conn.execute(update(e).where(e.c.enrollment_id % 4 == 0).values(start_date=None))
        conn.execute(update(po).where(po.c.policy_id % 2 == 0).values(signed_at=None))
        conn.execute(p.delete().where(p.c.family_id % 3 == 0))
        conn.execute(a.delete().where(a.c.family_id % 5 == 0))
        conn.execute(
            s.delete().where(s.c.family_id % 8 == 0, ~s.c.student_id.in_(select(e.c.student_id)))
        )
        top = conn.execute(func.max(g.c.guardian_id).select()).scalar_one()
        conn.execute(  # a primary guardian whose id sorts after the family's first one
            insert(g).values(guardian_id=top + 1, family_id=14, first_name=HOSTILE, is_primary=True)
        )


def _synthetic(store: Store) -> Store:
    tables = type_tables(in_memory(synthetic(3_000, seed=7, orgs=3)), validate=False)
    import_tables(store, tables, everything=True)
    _odd_rows(store)
    return store


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 700 families, so a read of 3,000 is several jobs per table."""
    monkeypatch.setattr(reads, "BATCH_ROWS", 700)


def test_sample_store_aggregated_by_sqlite(store: Store) -> None:
    _both_ways(store)


def test_synthetic_store_with_odd_rows_aggregated_by_sqlite(
    tmp_path: Path, small_batches: None
) -> None:
    store = _synthetic(Store.open(tmp_path / "synthetic.db"))
    assert len(reads.family_bounds(store)) == 6  # 3,000 families: 5 batches
    _both_ways(store)


def test_sqlite_values_of_another_type_read_as_their_column(tmp_path: Path) -> None:
    """SQLite keeps what it is given: a number in a text column is read as text, a
    whole float in an integer column as the integer."""
    store = Store.open(tmp_path / "typed.db")
    import_export(store, config.SAMPLE_DATA)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE guardians SET first_name = 42 WHERE guardian_id = 5001")
        conn.exec_driver_sql("UPDATE payments SET amount_cents = 1500.0")
    logins, stats = store_frames.read(store)
    assert logins.filter(pl.col("guardian_id") == 5001)["first_name"].to_list() == ["42"]
    paid = stats.filter(pl.col("payments") > 0)
    assert (paid["payments_total_cents"] == paid["payments"].cast(pl.Int64) * 1500).all()


def test_progress_counts_every_job(store: Store) -> None:
    seen: list[tuple[int, int]] = []
    store_frames.read(store, lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 7) and seen[-1] == (7, 7)
    assert [d for d, _ in seen] == list(range(8))


def test_a_read_stopped_by_its_progress_reads_no_further(
    tmp_path: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A background task cancels by raising from its progress: the batches not yet
    started are dropped, the running ones stop before their next query."""
    store = _synthetic(Store.open(tmp_path / "synthetic.db"))
    ran: list[str] = []
    original = reads._sqlite_frame
    monkeypatch.setattr(
        reads, "_sqlite_frame", lambda s, job: ran.append(job.name) or original(s, job)
    )

    def stop(done: int, total: int) -> None:
        if done == 3:
            raise Cancelled("cancelled")

    with pytest.raises(Cancelled):
        store_frames.read(store, stop)
    assert 3 <= len(ran) < 5 * 7


@needs_postgres
def test_synthetic_store_with_odd_rows_aggregated_by_postgres(pg_store: Store) -> None:  # noqa: F811
    _both_ways(_synthetic(pg_store))


@needs_postgres
def test_postgres_without_adbc_reads_through_psycopg(
    pg_store: Store,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import_export(pg_store, config.SAMPLE_DATA)
    monkeypatch.setattr(reads, "_adbc_uri", lambda store: None)
    _both_ways(pg_store)


@needs_postgres
def test_postgres_reads_go_through_adbc_set_up_as_the_stores_own(
    pg_store: Store,  # noqa: F811
) -> None:
    """The Arrow connections authenticate as the store's role (the same rows under
    row-level security) and run the same session set-up (no JIT)."""
    uri = reads._adbc_uri(pg_store)
    assert uri is not None
    with reads._AdbcConnections(uri) as connections, connections.get().cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), session_user::text")
        got = pl.DataFrame(cursor.fetch_arrow()).row(0)
    with pg_store.engine.connect() as conn:
        assert got == ("off", conn.exec_driver_sql("SELECT session_user").scalar_one())
