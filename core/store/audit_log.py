"""Writing one row of the audit log. Below every action, so an import (which the
`source` package runs) is audited in its own transaction like a merge is."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from famtriage.core.store import schema


def write_entry(
    conn: Connection,
    *,
    at: datetime,
    staff_id: int,
    action: str,
    org_id: int | None,
    summary: str,
    payload: dict[str, Any],
    acting_for: str | None = None,
) -> int:
    """Insert the row inside `conn`'s transaction; the database issues its id."""
    return int(
        conn.execute(
            insert(schema.audit_log)
            .values(
                at=at,
                staff_id=staff_id,
                action=action,
                org_id=org_id,
                summary=summary,
                payload=json.dumps(payload, ensure_ascii=False, sort_keys=True),
                acting_for=acting_for,
            )
            .returning(schema.audit_log.c.audit_id)
        ).scalar_one()
    )
