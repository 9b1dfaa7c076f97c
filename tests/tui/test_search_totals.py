"""A search lists at most 500 families and says how many matched: "first 500 of
200,000" on the screen and in the CLI's text, `total` and `truncated` in `--json`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pilot_helpers import press_settled

from famtriage.core.access.context import Context
from famtriage.core.store.database import Store
from famtriage.tui.app import FamtriageApp
from famtriage.tui.cli.main import main
from famtriage.tui.screens.search import SearchScreen


def _search(capsys: pytest.CaptureFixture[str], db: Path, *argv: str) -> str:
    assert main(["--db", str(db), "search", *argv]) == 0
    return capsys.readouterr().out


def test_the_cli_says_how_many_matched(big_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(_search(capsys, big_db, "example.test", "--json"))
    assert (doc["total"], doc["truncated"], len(doc["families"])) == (200_000, True, 500)
    assert [f["family_id"] for f in doc["families"][:3]] == [1, 2, 3]  # by id after exact
    doc = json.loads(_search(capsys, big_db, "PAIR7@example.test", "--json"))
    assert (doc["total"], doc["truncated"]) == (2, False)
    assert [(f["family_id"], f["match"]) for f in doc["families"]] == [
        (15, "exact"),
        (16, "exact"),
    ]
    text = _search(capsys, big_db, "example.test")
    assert text.startswith("First 500 of 200,000 families · 0 exact, 500 partial:\n")


async def test_the_search_screen_says_how_many_matched(big_db: Path) -> None:
    app = FamtriageApp(Context.open(Store.open(big_db)))
    async with app.run_test(size=(120, 40)) as pilot:
        await press_settled(pilot, "slash", *"example.test")
        assert isinstance(app.screen, SearchScreen)
        status = str(app.screen.query_one("#search-status").render())
        assert status.startswith("First 500 of 200,000 families · 0 exact, 500 partial")
        for _ in "example.test":
            await pilot.press("backspace")
        await press_settled(pilot, *"pair7@example.test")
        status = str(app.screen.query_one("#search-status").render())
        assert status == "2 families · 2 exact, 0 partial."
