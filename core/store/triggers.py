"""Writes famtriage did not make leave a mark: the store's epoch changes.

The report snapshot is stamped with the store's (generation, epoch). famtriage's own
writes (`Store.write`, `Store.bulk`) hold a `meta` row `writing` while their transaction
is open, and give the store a new random epoch when they record what they changed
(`Store.touch`). Any other write to a table the snapshot is built from (the sqlite3
shell, psql, another program) fires a trigger that, not seeing that row, replaces the
epoch with a random one: no stamp matches it, so the snapshot is rebuilt instead of
answering from another history.

On SQLite the triggers run per row (SQLite has no statement triggers) and cost one
primary-key lookup each inside famtriage's own writes; an import, millions of rows, drops
them and creates them again inside its own transaction instead (`Store.bulk`). On
PostgreSQL they run once per statement (COPY and TRUNCATE included), as the schema
owner, so a role that may write the data but not `meta` still leaves its mark.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from famtriage.core.store.tablespec import FAMILY_TABLES

TRACKED = ("orgs", *FAMILY_TABLES)
"""The tables the snapshot reads (staff, groups and the audit log are not in it)."""

WRITING = "writing"
"""The `meta` key present only inside famtriage's own open write transactions."""

EPOCH = "epoch"
"""The `meta` key holding the store's epoch: random, replaced by every write."""

OPERATIONS = ("insert", "update", "delete")
PG_FUNCTION = "famtriage_foreign_write"

_SQLITE = """
CREATE TRIGGER famtriage_{table}_{op} AFTER {verb} ON {table}
WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = '{writing}')
BEGIN
    UPDATE meta SET value = lower(hex(randomblob(16))) WHERE key = '{epoch}';
END
"""

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION {schema}.{function}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM meta WHERE key = '{writing}') THEN
        UPDATE meta SET value = replace(gen_random_uuid()::text, '-', '')
        WHERE key = '{epoch}';
    END IF;
    RETURN NULL;
END
$$
"""

_PG_TRIGGER = """
CREATE TRIGGER {function} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {schema}.{table}
FOR EACH STATEMENT EXECUTE FUNCTION {schema}.{function}()
"""


def install(conn: Connection) -> None:
    """Create, or re-create, the triggers on every tracked table (inside `conn`'s
    transaction): revision 0004 runs this, and so does creating a new store."""
    names = {"writing": WRITING, "epoch": EPOCH, "function": PG_FUNCTION}
    if conn.dialect.name == "postgresql":
        quote = conn.dialect.identifier_preparer.quote
        schema = quote(conn.execute(text("SELECT current_schema()")).scalar_one())
        conn.exec_driver_sql(_PG_FUNCTION.format(schema=schema, **names))
        remove(conn)
        for table in TRACKED:
            conn.exec_driver_sql(_PG_TRIGGER.format(schema=schema, table=table, **names))
        return
    remove(conn)
    for table in TRACKED:
        for op in OPERATIONS:
            conn.exec_driver_sql(_SQLITE.format(table=table, op=op, verb=op.upper(), **names))


def remove(conn: Connection) -> None:
    """Drop the triggers (inside `conn`'s transaction: a rollback brings them back)."""
    if conn.dialect.name == "postgresql":
        for table in TRACKED:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {PG_FUNCTION} ON {table}")
        return
    for table in TRACKED:
        for op in OPERATIONS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS famtriage_{table}_{op}")
