"""Issue 13's checklist, in the app at 80×24: one test each (the CLI's items are in
tests/test_checklist_cli.py, the rules behind them in tests/test_formatting.py and
tests/test_report_view.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_helpers import press_settled, settle
from sqlalchemy import text
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Static
from textual.widgets._toast import Toast

from famtriage.core.access.context import Context
from famtriage.core.actions.family_edits import delete
from famtriage.core.store.database import Store
from famtriage.tui.app import FamtriageApp
from famtriage.tui.modals.confirm import ConfirmModal
from famtriage.tui.modals.export import ExportModal
from famtriage.tui.modals.notice import NoticeModal
from famtriage.tui.screens.family import FamilyScreen
from famtriage.tui.screens.help import HelpScreen
from famtriage.tui.screens.queue import QueueScreen
from famtriage.tui.screens.report import ReportScreen
from famtriage.tui.screens.search import SearchScreen
from famtriage.tui.widgets.frame_table import FrameTable

SIZE = (80, 24)
LONG_ORG = "Riverside Community Aquatics and Swim School of the Greater Valley Area"[:70]
LONG_GUARDIAN = ("Johnathan Alexander Maximilian", "Smithington-Worthingham")


@pytest.fixture
def long_names(store: Store) -> Context:
    """The sample store with a 70-character organization name and a review group whose
    reason names a long guardian name (smithfamily@home.org, #1030 and #1031)."""
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE orgs SET name = :n WHERE org_id = 1"), {"n": LONG_ORG})
        conn.execute(
            text("UPDATE guardians SET first_name = :f, last_name = :l WHERE guardian_id = 5008"),
            dict(zip(("f", "l"), LONG_GUARDIAN, strict=True)),
        )
    return Context.open(store)


def raw_lines(widget: Widget) -> list[str]:
    """What `widget` shows inside its border and padding, line by line, as drawn."""
    width, height = widget.outer_size
    top, right, bottom, left = widget.styles.gutter
    strips = widget.render_lines(Region(0, 0, width, height))[top : height - bottom]
    return ["".join(s.text for s in strip.crop(left, width - right)) for strip in strips]


def lines_of(widget: Widget) -> list[str]:
    return [line.strip() for line in raw_lines(widget)]


def column_lines(grid: FrameTable, label: str) -> list[str]:
    """One column of a table as drawn, below its header (cut out by the header's labels)."""
    header, *rows = raw_lines(grid)
    labels = [c.label for c in grid.columns]
    start = header.index(label)
    later = labels[labels.index(label) + 1 :]
    end = header.index(later[0], start) if later else None
    return [row[start:end].strip() for row in rows]


def assert_whole(widget: Widget, message: str, lines: list[str] | None = None) -> None:
    """`message` shows in full: inside the widget (wrapped, never cut) and the widget
    inside the screen (not pushed under the footer or clipped by its container)."""
    geometry = widget.screen.find_widget(widget)
    assert geometry.region == geometry.region.intersection(geometry.clip), "clipped"
    lines = lines_of(widget) if lines is None else lines
    shown = "".join("".join(lines).split())
    assert "".join(message.split()) in shown, f"{message!r} not whole in {lines}"


def text_of(widget: Static) -> str:
    return str(widget.render())


def ends_its_sentence(message: str) -> bool:
    return message.rstrip().endswith((".", "?", "!", "…"))


def table(app: FamtriageApp, selector: str) -> FrameTable:
    return app.screen.query_one(selector, FrameTable)


def shown_rows(grid: FrameTable) -> list[str]:
    """The table's lines on screen below its header."""
    return lines_of(grid)[1:]


# --- after an undo in the audit log the cursor stays on the entry acted on ---------------


async def test_undo_in_the_audit_log_keeps_the_cursor_on_its_entry(
    ctx: Context, app: FamtriageApp
) -> None:
    for family in (1061, 1011, 1021):
        delete(ctx, family)
    async with app.run_test(size=SIZE) as pilot:
        await press_settled(pilot, "a", "j")  # the middle entry: #2, deleting #1011
        entries = table(app, "#entries")
        assert entries.current_row()["audit_id"] == 2
        await press_settled(pilot, "u", "y")
        assert entries.frame["audit_id"].to_list() == [4, 3, 2, 1]  # the undo on top
        assert entries.current_row()["audit_id"] == 2 and entries.cursor_row == 2


# --- messages are never cut at 80×24 and end their sentences ------------------------------


async def test_messages_show_whole_and_end_their_sentences(
    long_names: Context, tmp_path: Path
) -> None:
    app = FamtriageApp(long_names)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        note = app.screen.query_one("#orgs-note", Static)
        assert_whole(note, text_of(note))
        assert ends_its_sentence(text_of(note))

        # The queue: a refusal under a two-line heading and a three-line reason.
        await press_settled(pilot, "w", *"nnnn")
        assert isinstance(app.screen, QueueScreen)
        reason = app.screen.query_one("#queue-reason", Static)
        assert LONG_GUARDIAN[1] in text_of(reason)
        await press_settled(pilot, "d")  # #1030 has history: refused
        message = app.screen.query_one("#queue-message", Static)
        assert text_of(message).startswith("Refused: family #1030 has history")
        assert text_of(message).endswith("Nothing was changed.")
        for line in ("#queue-position", "#queue-progress", "#queue-reason", "#queue-message"):
            widget = app.screen.query_one(line, Static)
            assert_whole(widget, text_of(widget))
        await press_settled(pilot, "y")  # nothing asks for a yes: counted, with why
        ignored = app.screen.query_one("#queue-status", Static)
        assert text_of(ignored) == "Ignored 1 key (y): nothing was asking for a yes."
        assert_whole(ignored, text_of(ignored))

        # A dialog: a core refusal (a clause) as a sentence.
        delete(long_names, 1061)
        await press_settled(pilot, "escape", "a", "u", "y", "u")
        assert isinstance(app.screen, NoticeModal)
        refusal = app.screen.query_one("#notice-message", Static)
        assert text_of(refusal) == "#1 was already undone by #2."
        assert_whole(refusal, text_of(refusal))

        # The report's status line and the notification after an export to a long path.
        await press_settled(pilot, "escape", "escape", "r", "e")
        assert isinstance(app.screen, ExportModal)
        path = tmp_path / ("a-folder-with-a-long-name-" * 3) / "the-report.csv"
        path.parent.mkdir()
        app.screen.query_one("#path").value = str(path)
        await press_settled(pilot, "tab", "enter")
        status = app.screen.query_one("#report-status", Static)
        assert text_of(status) == f"Exported to {path}."
        assert_whole(status, text_of(status))
        toasts = {str(t._notification.message): t for t in app.screen.query(Toast)}
        assert set(toasts) == {"Undid #1 (delete).", f"Writing {path}…", f"Wrote {path}."}
        for shown, toast in toasts.items():
            assert_whole(toast, shown)


# --- numbers formatted alike ("Group 1 of 37,895") ---------------------------------------


async def test_counts_have_thousands_separators(big_db: Path) -> None:
    app = FamtriageApp(Context.open(Store.open(big_db)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        row = table(app, "#orgs").frame.row(0, named=True)
        assert (row["families"], row["left"]) == ("200,000", "100,000")
        by_action = [int(row[a].replace(",", "")) for a in ("merge", "delete", "review")]
        assert sum(by_action) == 100_000 and row["delete"] == f"{by_action[1]:,}"
        await press_settled(pilot, "w")
        heading = text_of(app.screen.query_one("#queue-position", Static))
        assert heading.startswith("Group 1 of 100,000 · ")
        progress = text_of(app.screen.query_one("#queue-progress", Static))
        assert progress.startswith("0 of 100,000 groups resolved")
        await press_settled(pilot, "escape", "r")
        status = text_of(app.screen.query_one("#report-status", Static))
        assert status.startswith("100,000 groups: 100,000 FAM-12, 0 login conflicts, sorted by")


# --- singular and plural ("1 enrollment") ------------------------------------------------


async def test_one_of_a_kind_reads_singular(ctx: Context, app: FamtriageApp) -> None:
    delete(ctx, 1021)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_family(1060)  # one guardian, student, enrollment, policy, activity row
        await settle(pilot)
        summary = text_of(app.screen.query_one("#family-summary", Static))
        assert "1 guardian, 1 student, 1 enrollment, 2 payments, total $91.25, " in summary
        assert summary.endswith("1 policy, 1 activity row")
        await press_settled(pilot, "escape", "r", "slash", *"stone", "enter")
        status = text_of(app.screen.query_one("#report-status", Static))
        assert status.startswith("1 of 10 groups: 1 FAM-12, 0 login conflicts,")
        await press_settled(pilot, "escape", "escape", "a")
        assert text_of(app.screen.query_one("#audit-status", Static)) == (
            "1 entry, newest first. Enter shows what changed."
        )


# --- an empty store says "import an export or run famtriage demo" -----------------------


async def test_an_empty_store_says_what_to_do_first(tmp_path: Path) -> None:
    app = FamtriageApp(Context.open(Store.open(tmp_path / "empty.db")))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        orgs = table(app, "#orgs")
        assert orgs.row_count == 0
        hint = "This store holds no organization yet: import an export (`famtriage import PATH`)"
        assert_whole(orgs, hint + " or run `famtriage demo`.")
        assert orgs.size.height == 3  # the header and the hint, wrapped on two lines
        await press_settled(pilot, "r")  # the report of an empty store: none, and no error
        assert isinstance(app.screen, ReportScreen)
        status = text_of(app.screen.query_one("#report-status", Static))
        assert status.startswith("0 groups: 0 FAM-12, 0 login conflicts, sorted by kind")


# --- search says nothing before you type -------------------------------------------------


async def test_search_says_nothing_before_you_type(app: FamtriageApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await press_settled(pilot, "slash")
        assert isinstance(app.screen, SearchScreen)
        hits = table(app, "#hits")
        assert hits.row_count == 0 and shown_rows(hits) == [""] * len(shown_rows(hits))
        status = text_of(app.screen.query_one("#search-status", Static))
        assert status == "Type an email; exact matches come first."
        await press_settled(pilot, *"nobody-here")
        assert shown_rows(hits)[0] == "No family has an email matching nobody-here."
        for _ in "nobody-here":
            await pilot.press("backspace")
        await settle(pilot)
        assert shown_rows(hits) == [""] * len(shown_rows(hits))  # silent again


# --- sorting shows its arrow and keeps the cursor on its row -----------------------------


async def test_sorting_shows_its_arrow_and_keeps_the_cursor_on_its_group(
    app: FamtriageApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await press_settled(pilot, "r")
        groups = table(app, "#groups")
        header = lines_of(groups)[0]
        assert "Kind ▲" in header and "Fams ▲" not in header  # the list's order
        await press_settled(pilot, "j", "j")  # jane.doe@example.com (3 families)
        assert groups.current_row()["email"] == "jane.doe@example.com"
        await press_settled(pilot, "s", "s")  # by email, then by families, fewest first
        assert "Fams ▲" in lines_of(groups)[0] and "Kind ▲" not in lines_of(groups)[0]
        assert groups.current_row()["email"] == "jane.doe@example.com"
        assert groups.cursor_row == 9  # nine 2-family groups, then this one
        await press_settled(pilot, "S")
        assert "Fams ▼" in lines_of(groups)[0]
        assert groups.current_row()["email"] == "jane.doe@example.com"
        assert groups.cursor_row == 1  # after the 4-family group
        shown = "".join(shown_rows(groups))
        assert "jane.doe@example.com" in shown  # scrolled into view


# --- the Enrollments tab names the students; Payments has a total -----------------------


async def test_the_enrollments_tab_names_the_students(app: FamtriageApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_family(1001)
        await press_settled(pilot, "right", "right")
        assert isinstance(app.screen, FamilyScreen)
        enrollments = table(app, "#enrollments-table")
        assert lines_of(enrollments)[0].startswith("Student")
        assert column_lines(enrollments, "Student")[:3] == ["Kid1 Doe", "Kid2 Doe", "Kid3 Doe"]


async def test_the_payments_tab_has_a_total(app: FamtriageApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_family(1001)
        await press_settled(pilot, "right", "right", "right")
        total = app.screen.query_one("#payments-total", Static)
        assert text_of(total) == "6 payments, total $333.75."
        assert_whole(total, text_of(total))
        assert table(app, "#payments-table").row_count == 6


# --- help and dialogs use the window's width ----------------------------------------------


@pytest.mark.parametrize("size", [SIZE, (160, 50)])
async def test_help_and_dialogs_use_the_window_width(app: FamtriageApp, size) -> None:
    width = min(size[0], 100)  # dialogs stop growing at 100 columns, help at 120
    async with app.run_test(size=size) as pilot:
        await press_settled(pilot, "r", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        frame = app.screen.query_one("Vertical")
        assert frame.outer_size.width == min(size[0], 120)
        keys = app.screen.query_one("#help-keys", Static)
        wanted = "Type part of an email, a kind, an action or a family id to filter groups."
        shown = "".join("".join(lines_of(keys)).split())  # wrapped, never cut sideways;
        assert "".join(wanted.split()) in shown  # the help scrolls when keys outgrow it
        assert keys.outer_size.width <= frame.size.width
        await press_settled(pilot, "escape", "e")
        assert app.screen.query_one("Vertical").outer_size.width == width
        await press_settled(pilot, "escape", "escape", "w", "A")
        assert isinstance(app.screen, ConfirmModal)
        assert app.screen.query_one("Vertical").outer_size.width == width
        detail = app.screen.query_one("#confirm-detail", Static)
        assert_whole(detail, "Delete family #1061 (Stone): 1 guardian, 0 students;")


# --- organization names and reasons wrap at 80 columns instead of vanishing -------------


async def test_organization_names_and_reasons_wrap(long_names: Context) -> None:
    app = FamtriageApp(long_names)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        orgs = table(app, "#orgs")  # the cursor row, whole; the others one line each
        assert_whole(orgs, LONG_ORG, column_lines(orgs, "Organization"))
        assert column_lines(orgs, "Organization")[-1].startswith("Northside")

        await press_settled(pilot, "r", "slash", *"smith", "enter")
        groups = table(app, "#groups")
        reason = groups.current_row()["reason"]
        assert LONG_GUARDIAN[1] in reason
        assert_whole(groups, reason, column_lines(groups, "Why"))

        await press_settled(pilot, "enter")  # the group screen
        title = app.screen.query_one("#group-title", Static)
        assert_whole(title, f"smithfamily@home.org · {LONG_ORG} · 2 families · REVIEW")
        assert_whole(app.screen.query_one("#group-reason", Static), reason)
        families = table(app, "#families")
        holders = column_lines(families, "Login holder")
        assert_whole(families, " ".join(LONG_GUARDIAN), holders)

        await press_settled(pilot, "escape", "escape", "escape", "w", *"nnnn")
        heading = app.screen.query_one("#queue-position", Static)
        assert_whole(heading, f"Group 5 of 11 · {LONG_ORG} · smithfamily@home.org")
        assert_whole(app.screen.query_one("#queue-reason", Static), f"FAM-12 · REVIEW: {reason}")
