"""A bulk `apply` killed with SIGKILL half way leaves a consistent store whose audit
log holds exactly the actions that took effect; rerunning it finishes the rest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from actions_support import dump, history_owners_active, payment_totals
from sqlalchemy import func, select

from famtriage.core.access.context import Context
from famtriage.core.actions.audit import audit_entries
from famtriage.core.actions.undo import undo
from famtriage.core.report.current import report_for_context
from famtriage.core.store import schema
from famtriage.core.store.database import Store
from famtriage.core.store.journal import drifted
from famtriage.tui.cli.actions import APPLY_PAUSE_ENV


def _audit_rows(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(schema.audit_log)).scalar())


def _apply(db, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "famtriage.tui.cli.main", "--db", str(db), "apply", "--yes"],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_for_actions(store: Store, proc: subprocess.Popen, at_least: int) -> None:
    """Poll (not a timing assertion) until the run has committed a few groups."""
    for _ in range(600):
        if _audit_rows(store) >= at_least or proc.poll() is not None:
            return
        time.sleep(0.05)


def test_killed_apply_is_consistent_and_rerun_finishes(sample_db) -> None:
    store = Store.open(sample_db)
    original, totals = dump(store), payment_totals(store)
    ctx = Context.open(store)
    planned = report_for_context(ctx).groups.height
    proc = _apply(sample_db, **{APPLY_PAUSE_ENV: "0.5"})
    _wait_for_actions(store, proc, 2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    done = _audit_rows(store)
    assert 2 <= done < 9, "the kill did not land half way"
    assert payment_totals(store) == totals and history_owners_active(store)
    from famtriage.core.actions import audit

    with store.engine.connect() as conn:
        for entry in audit_entries(ctx):
            assert drifted(conn, list(audit.load(conn, entry.audit_id).changes)) == []
    left = report_for_context(ctx).groups.height
    assert 2 < left < planned

    rerun = _apply(sample_db)
    assert rerun.wait(timeout=120) == 0, rerun.stderr.read().decode()
    assert set(report_for_context(ctx).groups["action"]) == {"review"}

    for entry in audit_entries(ctx):
        undo(ctx, entry.audit_id)
    assert dump(store) == original
