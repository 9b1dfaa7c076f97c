"""SVG snapshots of each screen at 80×24 on the sample data (one class per screen).

Deterministic: the report time is fixed (conftest), workers are awaited and input
cursors do not blink. Update with `pytest tests/tui --snapshot-update` and review.
"""

from __future__ import annotations

from pilot_helpers import FIXED_TIME, press_settled
from textual.pilot import Pilot

from famtriage.core.actions.family_edits import delete
from famtriage.tui.app import FamtriageApp

SIZE = (80, 24)


def keys(*presses: str):
    """A run_before that presses keys, settling (workers done) after each one."""

    async def run(pilot: Pilot) -> None:
        await press_settled(pilot, *presses)

    return run


class TestDashboard:
    def test_admin(self, snap_compare, app: FamtriageApp) -> None:
        assert snap_compare(app, terminal_size=SIZE, run_before=keys())

    def test_front_desk_without_report_permission(self, snap_compare, desk_app) -> None:
        assert snap_compare(desk_app, terminal_size=SIZE, run_before=keys("r"))


class TestReport:
    def test_groups(self, snap_compare, app: FamtriageApp) -> None:
        assert snap_compare(app, terminal_size=SIZE, run_before=keys("r"))

    def test_filtered_and_sorted(self, snap_compare, app: FamtriageApp) -> None:
        presses = ("r", "slash", *"merge", "enter", "s", "S")
        assert snap_compare(app, terminal_size=SIZE, run_before=keys(*presses))

    def test_export_dialog(self, snap_compare, app: FamtriageApp) -> None:
        assert snap_compare(app, terminal_size=SIZE, run_before=keys("r", "e"))

    def test_reopened_task_may_be_stale(self, snap_compare, ctx, app: FamtriageApp) -> None:
        async def run(pilot: Pilot) -> None:
            await press_settled(pilot, "r", "escape")
            delete(ctx, 1003)
            await press_settled(pilot, "t", "enter")

        assert snap_compare(app, terminal_size=SIZE, run_before=run)

    def test_group(self, snap_compare, app: FamtriageApp) -> None:
        assert snap_compare(app, terminal_size=SIZE, run_before=keys("r", "j", "enter"))


class TestFamily:
    def test_guardians(self, snap_compare, app: FamtriageApp) -> None:
        presses = ("r", "j", "j", "enter", "enter")
        assert snap_compare(app, terminal_size=SIZE, run_before=keys(*presses))

    def test_payments(self, snap_compare, app: FamtriageApp) -> None:
        presses = ("r", "j", "j", "enter", "enter", "right", "right", "right")
        assert snap_compare(app, terminal_size=SIZE, run_before=keys(*presses))

    def test_markup_like_names_show_literally(self, snap_compare, app: FamtriageApp) -> None:
        presses = ("slash", *"eve.brackets", "down", "enter")
        assert snap_compare(app, terminal_size=SIZE, run_before=keys(*presses))

    def test_escape_sequences_show_escaped(self, snap_compare, hostile_ctx) -> None:
        """Terminal escapes and bidi overrides in every value (tests/hostile_support)."""
        app = FamtriageApp(hostile_ctx)
        presses = ("r", "enter", "enter", "right", "right", "right", "right", "right")
        assert snap_compare(app, terminal_size=SIZE, run_before=keys(*presses))


class TestSearch:
    def test_results(self, snap_compare, app: FamtriageApp) -> None:
        assert snap_compare(app, terminal_size=SIZE, run_before=keys("slash", *"miller"))


class TestHelp:
    def test_report_keys(self, snap_compare, app: FamtriageApp) -> None:
        assert snap_compare(app, terminal_size=SIZE, run_before=keys("r", "question_mark"))


class TestAudit:
    def test_log_and_entry(self, snap_compare, ctx, app: FamtriageApp, monkeypatch) -> None:
        monkeypatch.setattr(
            "famtriage.core.actions.audit.now", lambda: FIXED_TIME.replace(tzinfo=None)
        )
        delete(ctx, 1003)
        assert snap_compare(app, terminal_size=SIZE, run_before=keys("a", "enter"))
