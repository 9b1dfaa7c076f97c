"""An audit entry's payload as lines people read."""

from __future__ import annotations

import pytest

from famtriage.core.access.context import Context
from famtriage.core.actions.audit_view import payload_summary
from famtriage.core.actions.family_edits import delete
from famtriage.core.errors import NotFound


def test_delete_payload_reads_as_rows(ctx: Context) -> None:
    result = delete(ctx, 1003)
    summary = payload_summary(ctx, result.audit_id)
    assert summary.action == "delete" and not summary.purged
    assert "families 1003: status active → deleted" in summary.lines
    assert any(line.startswith("guardians 5003: removed (Jane, Doe") for line in summary.lines)


def test_entries_of_other_orgs_stay_hidden(ctx: Context, store) -> None:
    result = delete(ctx, 1003)  # organization 1
    northside = Context.open(store, "support@northside.test")
    with pytest.raises(NotFound):
        payload_summary(northside, result.audit_id)
