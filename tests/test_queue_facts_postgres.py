"""The queue's family facts on PostgreSQL (its window functions and null ordering differ
from SQLite's). Skipped without FAMTRIAGE_TEST_PG_URL."""

from __future__ import annotations

from test_postgres import pg_store, pytestmark  # noqa: F401  (fixture and skip mark)
from test_queue_facts import check_latest

from famtriage.core.access.context import Context
from famtriage.core.actions.queue import load_view
from famtriage.core.actions.queue_facts import last_enrollment, last_payment, names
from famtriage.core.source.importer import import_export
from famtriage.core.store import config
from famtriage.core.store.database import Store


def test_facts_and_the_latest_on_postgres(pg_store: Store) -> None:  # noqa: F811
    import_export(pg_store, config.SAMPLE_DATA)
    group = load_view(Context.open(pg_store), want=(1, "jane.doe@example.com")).group
    assert group is not None
    kept, _, empty = group.families.iter_rows(named=True)
    assert names(kept["student_names"]) == ["Kid1 Doe", "Kid2 Doe", "Kid3 Doe"]
    assert last_payment(kept) == ("2018-05-03", "$66.25")
    assert last_enrollment(empty) == ("no enrollment", "—")
    check_latest(pg_store)
