"""Helpers for the action tests: full table dumps and the nothing-lost ledger."""

from __future__ import annotations

import json
import multiprocessing

from sqlalchemy import func, select

from famtriage.core.store import schema
from famtriage.core.store.database import Store

COMPARED = tuple(schema.DATA_TABLES)
"""Tables compared by dumps: everything but audit_log, meta and family_changes."""

LEDGER_TABLES = ("students", "guardians", "enrollments", "payments", "policies", "activity")


def dump(store: Store) -> dict[str, list[tuple]]:
    """Every row of every data table, in key order, as plain tuples."""
    out = {}
    with store.engine.connect() as conn:
        for name in COMPARED:
            table = schema.metadata.tables[name]
            rows = conn.execute(select(table).order_by(*table.primary_key)).all()
            out[name] = [tuple(r) for r in rows]
    return out


def restorable_rows(store: Store) -> dict[str, set]:
    """Row keys held only by audit payloads still in effect (tombstones, folded rows)."""
    held: dict[str, set] = {t: set() for t in LEDGER_TABLES}
    a = schema.audit_log
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(a.c.payload).where(a.c.undone_by.is_(None), a.c.action != "undo")
        ).scalars()
        for payload in rows:
            for change in json.loads(payload or "{}").get("changes", []):
                if change["after"] is None and change["table"] in held:
                    table = schema.metadata.tables[change["table"]]
                    key = change["before"][table.primary_key.columns.values()[0].name]
                    held[change["table"]].add(key)
    return held


def live_keys(store: Store) -> dict[str, set]:
    """Row keys in the tables, each attached to an existing family (or student)."""
    out = {}
    with store.engine.connect() as conn:
        for name in LEDGER_TABLES:
            table = schema.metadata.tables[name]
            key = table.primary_key.columns.values()[0]
            out[name] = set(conn.execute(select(key)).scalars())
    return out


def payment_totals(store: Store) -> dict[int, int]:
    p, f = schema.payments, schema.families
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(f.c.org_id, func.sum(p.c.amount_cents))
            .join(f, f.c.family_id == p.c.family_id)
            .group_by(f.c.org_id)
        ).all()
    return {int(o): int(t) for o, t in rows}


def history_owners_active(store: Store) -> bool:
    """No student, payment, policy or activity row belongs to a non-active family."""
    f = schema.families
    with store.engine.connect() as conn:
        for name in ("students", "guardians", "payments", "policies", "activity"):
            table = schema.metadata.tables[name]
            stray = conn.execute(
                select(func.count())
                .select_from(table.join(f, f.c.family_id == table.c.family_id))
                .where(f.c.status != "active")
            ).scalar()
            if stray:
                return False
    return True


def _race(db: str, barrier, results) -> None:
    from famtriage.core.access.context import Context
    from famtriage.core.actions.merge import merge
    from famtriage.core.errors import Conflict

    ctx = Context.open(Store.open(db))
    barrier.wait()
    try:
        results.put(("ok", merge(ctx, 1041, [1040]).audit_id))
    except Conflict as refused:
        results.put(("refused", str(refused)))


def race_merges(db: str) -> list[tuple[str, object]]:
    """Two processes merge #1040 into #1041 at the same moment; their sorted outcomes."""
    mp = multiprocessing.get_context("spawn")
    barrier, results = mp.Barrier(2), mp.Queue()
    workers = [mp.Process(target=_race, args=(db, barrier, results)) for _ in "ab"]
    for w in workers:
        w.start()
    outcomes = sorted(results.get(timeout=60) for _ in workers)
    for w in workers:
        w.join(timeout=60)
    return outcomes
