"""remove-login: a secondary guardian's login goes, the guardian and family stay; audited,
undone exactly, refused for a primary guardian, and held to families.edit."""

from __future__ import annotations

import json

import pytest
from actions_support import dump
from sqlalchemy import select

from famtriage.core.access.context import Context
from famtriage.core.access.permissions import member
from famtriage.core.actions.family_edits import remove_login
from famtriage.core.actions.undo import undo
from famtriage.core.errors import Conflict, NotFound, PermissionDenied
from famtriage.core.report.readiness import readiness
from famtriage.core.store import schema
from famtriage.tui.cli.main import main

MARIA_SECONDARY, MARIA_PRIMARY = 5028, 5029  # maria.garcia@ on #1090 (secondary), #1091


def _guardian(ctx: Context, guardian_id: int):
    g = schema.guardians
    with ctx.store.engine.connect() as conn:
        return conn.execute(select(g).where(g.c.guardian_id == guardian_id)).one()


def test_removing_a_secondary_login_clears_the_conflict_and_undo_restores_it(ctx) -> None:
    before = dump(ctx.store)
    conflicts = {o.org_id: o.login_conflicts for o in readiness(ctx)}
    done = remove_login(ctx, MARIA_SECONDARY)
    row = _guardian(ctx, MARIA_SECONDARY)
    assert (row.email, row.email_norm, row.family_id) == (None, None, 1090)
    assert "Removed the login maria.garcia@example.com of Maria Garcia" in done.summary
    after = {o.org_id: o.login_conflicts for o in readiness(ctx)}
    assert after[1] == conflicts[1] - 1
    undo(ctx, done.audit_id)
    assert dump(ctx.store) == before


@pytest.mark.parametrize(
    ("guardian", "error", "message"),
    [
        (MARIA_PRIMARY, Conflict, "primary guardian: change their email instead"),
        (999_999, NotFound, "no guardian with id 999999"),
    ],
)
def test_refusals_leave_the_store_as_it_was(ctx, guardian, error, message) -> None:
    before = dump(ctx.store)
    with pytest.raises(error, match=message):
        remove_login(ctx, guardian)
    assert dump(ctx.store) == before


def test_a_removed_login_cannot_be_removed_twice(ctx) -> None:
    remove_login(ctx, MARIA_SECONDARY)
    with pytest.raises(Conflict, match="has no login to remove"):
        remove_login(ctx, MARIA_SECONDARY)


@pytest.mark.parametrize(("staff_id", "error"), [(3, PermissionDenied), (4, NotFound)])
def test_needs_families_edit_in_the_organization(store, staff_id, error) -> None:
    before = dump(store)
    with pytest.raises(error):
        remove_login(Context.acting(store, member(store, staff_id)), MARIA_SECONDARY)
    assert dump(store) == before


def test_cli_asks_then_prints_the_action_document(sample_db, capsys) -> None:
    assert main(["--db", str(sample_db), "remove-login", str(MARIA_SECONDARY)]) == 1
    assert "not a terminal; pass --yes" in capsys.readouterr().err
    argv = ["--db", str(sample_db), "remove-login", str(MARIA_SECONDARY), "--yes", "--json"]
    assert main(argv) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["action"] == "remove_login" and isinstance(document["audit_id"], int)
