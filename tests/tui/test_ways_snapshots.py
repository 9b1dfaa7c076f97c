"""SVG snapshots of the screen states the ways between screens and the look-alikes add:
the report's "possibly the same person" section, the queue's look-alike line, a
tombstone found by id, and the queue opened from a group. Update with
`pytest tests/tui --snapshot-update` and review."""

from __future__ import annotations

from test_snapshots import keys

from famtriage.core.access.context import Context
from famtriage.core.actions.family_edits import change_email, delete
from famtriage.tui.app import FamtriageApp

KIM = 5016


class TestLookalikes:
    def test_report_section_80x24(self, snap_compare, app: FamtriageApp) -> None:
        assert snap_compare(app, terminal_size=(80, 24), run_before=keys("r", "L"))

    def test_queue_line_80x24(self, snap_compare, app: FamtriageApp, ctx: Context) -> None:
        change_email(ctx, KIM, "jane.doe+swim@example.com")
        assert snap_compare(app, terminal_size=(80, 24), run_before=keys("w", "n", "n"))

    def test_queue_line_160x50(self, snap_compare, app: FamtriageApp, ctx: Context) -> None:
        change_email(ctx, KIM, "jane.doe+swim@example.com")
        assert snap_compare(app, terminal_size=(160, 50), run_before=keys("w", "n", "n"))


class TestWays:
    def test_queue_from_a_group_80x24(self, snap_compare, app: FamtriageApp) -> None:
        presses = ("r", "slash", *"sam.lee", "enter", "enter", "w")
        assert snap_compare(app, terminal_size=(80, 24), run_before=keys(*presses))

    def test_tombstone_found_by_id_80x24(
        self, snap_compare, app: FamtriageApp, ctx: Context
    ) -> None:
        delete(ctx, 1061)
        presses = ("slash", *"#1061", "enter", "enter")
        assert snap_compare(app, terminal_size=(80, 24), run_before=keys(*presses))
