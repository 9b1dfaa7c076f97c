"""Fresh guardian ids, issued by the database.

SQLite serializes writers (BEGIN IMMEDIATE), so the next id is simply above every row and
every tombstone that may come back (`journal.next_id`). On PostgreSQL two engineers
invite into two organizations at once, each locking only their organization, and under
row-level security neither even sees the other's rows: a sequence issues the ids, kept
above every id an import brings in, and a clash with a row the role cannot see (a value
the sequence had not reached yet) just takes the next one.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from famtriage.core.store.journal import next_id

GUARDIAN_IDS = "guardian_ids"
_LOCK = 7_340_011
"""pg_advisory_xact_lock key serializing raises of the sequence (never lowered)."""


def ensure_sequence(conn: Connection) -> None:
    """Create the sequence (PostgreSQL; owned by the column, so its grants follow the
    table's) above every guardian id this connection can see."""
    if conn.dialect.name != "postgresql":
        return
    conn.execute(
        text(f"CREATE SEQUENCE IF NOT EXISTS {GUARDIAN_IDS} OWNED BY guardians.guardian_id")
    )
    top = conn.execute(text("SELECT coalesce(max(guardian_id), 0) FROM guardians")).scalar_one()
    raise_above(conn, int(top))


def raise_above(conn: Connection, used: int) -> None:
    """Keep the sequence above `used` (an import's largest id), never lowering it."""
    if conn.dialect.name != "postgresql" or used < 1:
        return
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
    conn.execute(
        text(
            f"SELECT setval('{GUARDIAN_IDS}', :used) "
            f"WHERE :used > (SELECT last_value FROM {GUARDIAN_IDS})"
        ),
        {"used": used},
    )


def next_guardian_id(conn: Connection) -> int:
    """The id a new guardian gets: the sequence's next value on PostgreSQL."""
    if conn.dialect.name != "postgresql":
        return next_id(conn, "guardians")
    return int(conn.execute(text(f"SELECT nextval('{GUARDIAN_IDS}')")).scalar_one())
