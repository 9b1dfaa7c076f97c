"""The queue's side-by-side families: the row labels stay on the left while the families
scroll sideways (80×24) and move with them up and down; at 160×50 everything fits."""

from __future__ import annotations

import re

from pilot_helpers import burst, on_screen, press_settled, settle

from famtriage.tui.app import FamtriageApp
from famtriage.tui.screens.help import binding_rows
from famtriage.tui.widgets.family_columns import LABEL_WIDTH, FamilyColumns

GRANDMA = ("w", "n")
"""The sample's second group: grandma.rose@miller.net, four families (#1041 first)."""
LABELS = {"Name", "Primary", "Raw email", "Created", "Students", "Enrollments", "Last class"}


def _labels(app: FamtriageApp) -> list[str]:
    """What the screen shows in the label column, line by line."""
    return [line[:LABEL_WIDTH].strip() for line in on_screen(app).splitlines()]


def _titles(app: FamtriageApp) -> list[int]:
    """The families whose column's title (its top border) is on screen whole."""
    return [int(n) for n in re.findall(r"[─━] #(\d+) [─━]", on_screen(app))]


def _line(app: FamtriageApp, label: str) -> str:
    """The screen line whose label is `label`."""
    lines = on_screen(app).splitlines()
    return next(line.rstrip() for line in lines if line.startswith(label + " "))


async def test_labels_stay_while_the_families_scroll_80x24(app: FamtriageApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, *GRANDMA)
        assert set(_labels(app)) >= LABELS
        assert _titles(app) == [1041, 1040, 1042]  # three fit, the fourth peeks in
        assert "Kid1 Miller" in _line(app, "Students")
        await press_settled(pilot, "right", "right", "right")  # the last family
        assert _titles(app) == [1040, 1042, 1043]
        assert set(_labels(app)) >= LABELS  # the labels did not move
        assert _line(app, "Last class").endswith("┃ no enrollment    ┃")
        assert "History" not in _labels(app)  # taller than the window
        burst(pilot, "down", "down", "down", "down")  # typed fast: each counts
        await settle(pilot)
        assert "History" in _labels(app) and "Primary" not in _labels(app)
        assert _line(app, "History").endswith("┃ no               ┃")
        assert _line(app, "  amount").endswith("┃ —                ┃")
        await press_settled(pilot, "left", "left", "left", "up", "up", "up", "up")
        assert _titles(app) == [1041, 1040, 1042] and "Primary" in _labels(app)
        assert _line(app, "Last paid").startswith("Last paid    ┃ 2018-11-07")
        names = set(binding_rows(app.screen)["name"])
        assert {"Scroll ↑", "Scroll ↓", "Select ←", "Select →"} <= names


async def test_everything_fits_at_160x50(app: FamtriageApp) -> None:
    async with app.run_test(size=(160, 50)) as pilot:
        await press_settled(pilot, *GRANDMA)
        columns = app.screen.query_one(FamilyColumns)
        for _ in range(4):
            assert _titles(app) == [1041, 1040, 1042, 1043]
            assert LABELS | {"Last paid", "Last active", "History"} <= set(_labels(app))
            assert columns.max_scroll_y == 0 and columns.strip.max_scroll_x == 0
            await press_settled(pilot, "right")
        line = _line(app, "Last paid")
        assert line.count("no payment") == 2 and "2018-11-07" in line and "2016-06-05" in line
