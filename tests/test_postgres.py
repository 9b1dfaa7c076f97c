"""The same engine on PostgreSQL: a real server, started by .ci/run.

Runs when FAMTRIAGE_TEST_PG_URL names a server where databases may be created
(e.g. postgresql+psycopg://postgres@127.0.0.1:55432/postgres); skipped otherwise.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from store_support import split_baker_group

from famtriage.core.access.context import Context
from famtriage.core.errors import Conflict
from famtriage.core.report.current import report_for_context
from famtriage.core.report.family import family_detail
from famtriage.core.report.search import search_families
from famtriage.core.source.importer import import_export
from famtriage.core.store import config
from famtriage.core.store.database import Store

SERVER = os.environ.get("FAMTRIAGE_TEST_PG_URL")
pytestmark = pytest.mark.skipif(not SERVER, reason="no PostgreSQL server (FAMTRIAGE_TEST_PG_URL)")


@pytest.fixture
def pg_store() -> Iterator[Store]:
    """A fresh database on the server for each test, dropped afterwards."""
    name = f"famtriage_{uuid.uuid4().hex[:12]}"
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    store = Store.open(make_url(SERVER).set(database=name).render_as_string(hide_password=False))
    yield store
    store.engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_report_on_postgres_equals_sqlite(pg_store: Store, ctx: Context) -> None:
    import_export(pg_store, config.SAMPLE_DATA)
    pg_ctx = Context.open(pg_store)
    for scope in ("primary", "all-logins"):
        pg_report = report_for_context(pg_ctx, scope)
        lite = report_for_context(ctx, scope)
        assert pg_report.groups.equals(lite.groups)
        key = ["org_id", "email", "family_id"]
        assert pg_report.families.sort(key).equals(lite.families.sort(key))


def test_search_family_and_snapshot_patch_on_postgres(pg_store: Store) -> None:
    import_export(pg_store, config.SAMPLE_DATA)
    pg_ctx = Context.open(pg_store)
    hits = search_families(pg_ctx, "JANE.DOE@example.com").hits
    assert [h.family_id for h in hits] == [1001, 1002, 1003]
    detail = family_detail(pg_ctx, 1001)
    assert detail.payments_total_cents == 33375 and detail.students.height == 3
    split_baker_group(pg_store, pg_ctx)


def test_import_conflict_leaves_postgres_untouched(pg_store: Store) -> None:
    import_export(pg_store, config.SAMPLE_DATA)
    families = pg_store.read_table("families").height
    with pytest.raises(Conflict):
        import_export(pg_store, config.SAMPLE_DATA)
    assert pg_store.read_table("families").height == families
    import_export(pg_store, config.SAMPLE_DATA, replace=True)
    assert pg_store.read_table("families").height == families
