"""The report screen stays usable on 100 000 groups (correctness, not timing)."""

from __future__ import annotations

from pathlib import Path

from pilot_helpers import press_settled

from famtriage.core.access.context import Context
from famtriage.core.store.database import Store
from famtriage.tui.app import FamtriageApp
from famtriage.tui.screens.report import ReportScreen
from famtriage.tui.widgets.frame_table import FrameTable


async def test_report_opens_and_scrolls_to_the_end(big_db: Path) -> None:
    app = FamtriageApp(Context.open(Store.open(big_db)))
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "r")
        assert isinstance(app.screen, ReportScreen)
        groups = app.screen.query_one("#groups", FrameTable)
        assert groups.row_count == 100_000
        await pilot.press("G")
        await pilot.pause()
        assert groups.cursor_row == 99_999
        assert groups.scroll_offset.y == groups.max_scroll_y
        last_email = groups.frame["email"][-1]
        bottom = groups.scrollable_content_region.height - 1
        lines = ["".join(s.text for s in groups.render_line(y)) for y in range(1, bottom + 1)]
        assert last_email in "".join(lines)  # its reason, wrapped, ends on the last line
        assert lines[-1].strip().endswith(".")
        await pilot.press("pageup", "k", "g")
        assert groups.cursor_row == 0 and groups.scroll_offset.y == 0
        await pilot.press("slash", *"pair99999@")
        await pilot.pause()
        assert groups.row_count == 1
