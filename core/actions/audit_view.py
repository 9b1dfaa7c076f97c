"""An audit entry's payload as sentences: what each row looked like before and after.

The audit screen shows this when an engineer opens an entry, so they can see exactly
what an action changed (and what its undo would restore) without reading JSON.
"""

from __future__ import annotations

from dataclasses import dataclass

from famtriage.core.access.context import Context
from famtriage.core.actions import audit
from famtriage.core.errors import NotFound
from famtriage.core.formatting import counted
from famtriage.core.store.journal import RowChange

MAX_LINES = 200
_IDENTITY = ("first_name", "last_name", "family_name", "class_name", "policy_name", "email")


@dataclass(frozen=True)
class PayloadSummary:
    audit_id: int
    action: str
    undone_by: int | None
    purged: bool
    lines: tuple[str, ...]


def payload_summary(ctx: Context, audit_id: int) -> PayloadSummary:
    """One line per changed row (capped), for an entry the acting staff member may see."""
    ctx.actor.require("families.view")
    with ctx.store.engine.connect() as conn:
        entry = audit.load(conn, audit_id)
    if entry.org_id is None and not ctx.actor.can("admin"):
        raise NotFound(f"no audit entry #{audit_id}")
    if entry.org_id is not None and entry.org_id not in ctx.orgs:
        raise NotFound(f"no audit entry #{audit_id}")
    lines = [describe_change(c) for c in entry.changes[:MAX_LINES]]
    if len(entry.changes) > MAX_LINES:
        lines.append(f"… and {counted(len(entry.changes) - MAX_LINES, 'more changed row')}")
    if entry.purged_by is not None:
        lines.append(f"Purged by #{entry.purged_by}: the row images were dropped.")
    return PayloadSummary(
        entry.audit_id, entry.action, entry.undone_by, entry.purged_by is not None, tuple(lines)
    )


def describe_change(change: RowChange) -> str:
    """One row's change in a line.

    For example "guardians 5003: removed (Jane, Doe, jane@x.com)" or
    "families 1003: status active → deleted".
    """
    table, key = change.key
    name = f"{table} {'/'.join(str(k) for k in key)}"
    if change.before is None:
        return f"{name}: added{_identity(change.after)}"
    if change.after is None:
        return f"{name}: removed{_identity(change.before)}"
    diffs = [
        f"{col} {_text(change.before.get(col))} → {_text(value)}"
        for col, value in change.after.items()
        if change.before.get(col) != value
    ]
    return f"{name}: {', '.join(diffs) or 'unchanged'}"


def _identity(row: dict | None) -> str:
    values = [str(row[c]) for c in _IDENTITY if row and row.get(c)]
    return f" ({', '.join(values)})" if values else ""


def _text(value: object) -> str:
    return "(none)" if value is None or value == "" else str(value)
