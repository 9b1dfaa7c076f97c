"""The resolution engine on PostgreSQL (a real server, started by .ci/run): the plan
applied and undone restores the store exactly, and two processes racing to merge one
group serialize (exactly one wins). Skipped without FAMTRIAGE_TEST_PG_URL."""

from __future__ import annotations

from actions_support import dump, payment_totals, race_merges
from test_postgres import pg_store, pytestmark  # noqa: F401  (fixture and skip mark)

from famtriage.core.access.context import Context
from famtriage.core.actions.apply import apply_plan
from famtriage.core.actions.audit import audit_entries
from famtriage.core.actions.undo import undo
from famtriage.core.report.current import report_for_context
from famtriage.core.source.importer import import_export
from famtriage.core.store import config
from famtriage.core.store.database import Store


def test_apply_then_undo_everything_on_postgres(pg_store: Store) -> None:  # noqa: F811
    import_export(pg_store, config.SAMPLE_DATA)
    ctx = Context.open(pg_store)
    before, totals = dump(pg_store), payment_totals(pg_store)
    apply_plan(ctx)
    assert set(report_for_context(ctx).groups["action"]) == {"review"}
    assert payment_totals(pg_store) == totals
    for entry in audit_entries(ctx):
        undo(ctx, entry.audit_id)
    assert dump(pg_store) == before


def test_two_processes_merging_on_postgres(pg_store: Store) -> None:  # noqa: F811
    import_export(pg_store, config.SAMPLE_DATA)
    url = pg_store.engine.url.render_as_string(hide_password=False)
    outcomes = race_merges(url)
    assert [o[0] for o in outcomes] == ["ok", "refused"]
    assert [e.action for e in audit_entries(Context.open(pg_store))] == ["merge"]


def test_two_undos_of_one_entry_race_and_the_loser_hears_why(pg_store: Store) -> None:  # noqa: F811
    import threading

    from famtriage.core.actions.family_edits import delete
    from famtriage.core.errors import Conflict

    import_export(pg_store, config.SAMPLE_DATA)
    ctx = Context.open(pg_store)
    done = delete(ctx, 1003)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def undo_it() -> None:
        start.wait()
        try:
            undo(Context.open(pg_store), done.audit_id)
            outcomes.append("ok")
        except Conflict as refused:
            outcomes.append(str(refused))

    threads = [threading.Thread(target=undo_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes)[0].startswith(f"#{done.audit_id} was already undone by #")
    assert sorted(outcomes)[1] == "ok"


def test_invites_into_two_organizations_at_once_get_their_own_ids(pg_store: Store) -> None:  # noqa: F811
    import threading

    from famtriage.core.actions.family_edits import invite

    import_export(pg_store, config.SAMPLE_DATA)
    start = threading.Barrier(2)
    results: list[object] = []

    def invite_into(family: int) -> None:
        start.wait()
        try:
            results.append(
                invite(Context.open(pg_store), family, "New", "One", f"n{family}@x.test")
            )
        except Exception as exc:  # the assertion below shows what went wrong
            results.append(exc)

    threads = [threading.Thread(target=invite_into, args=(f,)) for f in (1001, 2001)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(not isinstance(r, Exception) for r in results), results
    from sqlalchemy import select

    from famtriage.core.store import schema

    g = schema.guardians
    with pg_store.engine.connect() as conn:
        ids = conn.execute(select(g.c.guardian_id).where(g.c.email.like("n%@x.test"))).scalars()
        assert len(set(ids)) == 2
