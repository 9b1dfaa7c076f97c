"""A notice from core (a snapshot folder that may not be used) shows in the app, as
written (a path is never read as markup), instead of going to a hidden stderr; a
snapshot rebuilt on opening shows its progress."""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_helpers import settle, spy_on, until

from famtriage.tui import app as app_module
from famtriage.tui.app import FamtriageApp
from famtriage.tui.screens.dashboard import DashboardScreen
from famtriage.tui.widgets.frame_table import FrameTable


async def test_a_snapshot_folder_open_to_all_is_shown_in_the_app(
    app: FamtriageApp, sample_db: Path
) -> None:
    folder = sample_db.with_name(sample_db.name + ".snapshot")
    folder.mkdir()
    folder.chmod(0o777)
    async with app.run_test() as pilot:
        await settle(pilot)
        shown = [n.message for n in app._notifications]
    assert shown == [
        f"{folder}: other users may write to it (mode 0777); run chmod go-w on it; "
        "the snapshot is not used, answers are read from the store (slower)."
    ]
    assert list(folder.iterdir()) == []


async def test_a_snapshot_rebuilt_on_opening_shows_its_progress(
    app: FamtriageApp, sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first open (no snapshot beside the store yet) reads the store: the dashboard
    shows how far, then the readiness it computed."""
    seen = spy_on(monkeypatch, DashboardScreen, "on_rebuilding")
    assert not sample_db.with_name(sample_db.name + ".snapshot").exists()
    async with app.run_test() as pilot:
        await settle(pilot)
        assert seen[0] == (0, 7) and seen[-1] == (7, 7)
        assert not app.screen.query_one("#orgs-progress").display
        assert app.screen.query_one("#orgs", FrameTable).row_count == 2


async def test_after_writes_the_log_is_folded_in_then_the_snapshot_saved_once_idle(
    app: FamtriageApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's log is folded in (`Store.checkpoint`) and the snapshot's files written
    (`live.flush`) in threads once the app has written nothing for a while: each write
    starts the wait again, so a run of actions pays for neither."""
    monkeypatch.setattr(app_module, "FOLD_AFTER_S", 1.0)
    monkeypatch.setattr(app_module, "SAVE_AFTER_S", 1.5)
    done = _spy_idle_work(app, monkeypatch)
    async with app.run_test() as pilot:
        await settle(pilot)
        for _ in range(3):
            app.wrote()
            await pilot.pause(0.1)
        assert done == []
        await until(pilot, lambda: len(done) == 2)
        await pilot.pause(0.3)
    assert done == ["fold", "save"]  # each once, after the last write


async def test_a_long_run_of_writes_folds_the_log_in_meanwhile(
    app: FamtriageApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writes that never pause long enough still have the log folded in, at the latest
    `FOLD_WITHIN_S` after the first of them."""
    monkeypatch.setattr(app_module, "FOLD_AFTER_S", 10.0)
    monkeypatch.setattr(app_module, "FOLD_WITHIN_S", 0.3)
    done = _spy_idle_work(app, monkeypatch)
    async with app.run_test() as pilot:
        await settle(pilot)
        app.wrote()
        await until(pilot, lambda: done == ["fold"])
        for _ in range(3):
            app.wrote()  # the next run starts its own count
            await pilot.pause(0.05)
        await until(pilot, lambda: done == ["fold", "fold"])


def _spy_idle_work(app: FamtriageApp, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    done: list[str] = []
    monkeypatch.setattr(app.ctx.store, "checkpoint", lambda: done.append("fold"))
    monkeypatch.setattr(app_module.live, "flush", lambda store: done.append("save"))
    return done
