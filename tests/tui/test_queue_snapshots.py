"""SVG snapshots of the resolution queue at 80×24 and 160×50 (deterministic: workers
awaited, no animation). Update with `pytest tests/tui --snapshot-update` and review."""

from __future__ import annotations

from test_snapshots import keys

from famtriage.tui.app import FamtriageApp


class TestQueue:
    def test_first_group_80x24(self, snap_compare, app: FamtriageApp) -> None:
        assert snap_compare(app, terminal_size=(80, 24), run_before=keys("w"))

    def test_merge_confirmation_80x24(self, snap_compare, app: FamtriageApp) -> None:
        presses = ("w", "n", "A")
        assert snap_compare(app, terminal_size=(80, 24), run_before=keys(*presses))

    def test_four_families_scrolled_80x24(self, snap_compare, app: FamtriageApp) -> None:
        """The labels stay while the last family scrolls into view."""
        presses = ("w", "n", "right", "right", "right")
        assert snap_compare(app, terminal_size=(80, 24), run_before=keys(*presses))

    def test_four_families_160x50(self, snap_compare, app: FamtriageApp) -> None:
        presses = ("w", "n", "right")
        assert snap_compare(app, terminal_size=(160, 50), run_before=keys(*presses))

    def test_after_a_delete_160x50(self, snap_compare, app: FamtriageApp) -> None:
        presses = ("w", "A", "y")
        assert snap_compare(app, terminal_size=(160, 50), run_before=keys(*presses))
