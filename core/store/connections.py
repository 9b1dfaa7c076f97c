"""The DB-API connection under a SQLAlchemy one: bulk reads and writes, pragmas, backups
go straight to the driver (sqlite3 or psycopg) where SQLAlchemy's per-row work costs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection


def driver(conn: Connection) -> Any:
    """The DB-API connection under `conn` (sqlite3 or psycopg), for bulk work and pragmas."""
    raw = conn.connection.driver_connection
    if raw is None:
        raise RuntimeError("the connection is closed")
    return raw
