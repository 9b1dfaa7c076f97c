"""A notice from core (a snapshot folder that may not be used) shows in the app, as
written (a path is never read as markup), instead of going to a hidden stderr."""

from __future__ import annotations

from pathlib import Path

from pilot_helpers import settle

from famtriage.tui.app import FamtriageApp


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
        "the snapshot is not used, answers are read from the store (slower)"
    ]
    assert list(folder.iterdir()) == []
