"""The resolution queue driven from the keyboard on the sample data, then checked
through the core API (readiness and the report), not through the screen."""

from __future__ import annotations

from pilot_helpers import press_settled, settle
from textual.widgets import Input

from famtriage.core.access.context import Context
from famtriage.core.actions.family_edits import delete, invite
from famtriage.core.report.current import report_for_context
from famtriage.core.report.family import family_detail
from famtriage.core.report.readiness import readiness
from famtriage.core.store.database import Store
from famtriage.tui.app import FamtriageApp
from famtriage.tui.modals.confirm import ConfirmModal
from famtriage.tui.modals.notice import NoticeModal
from famtriage.tui.modals.prompt import PromptModal
from famtriage.tui.screens.help import binding_rows
from famtriage.tui.screens.queue import QueueScreen
from famtriage.tui.widgets.frame_table import FrameTable


def _key(app: FamtriageApp) -> tuple[int, str] | None:
    screen = app.screen
    assert isinstance(screen, QueueScreen)
    assert screen.view is not None
    return screen.view.group.key if screen.view.group else None


def _message(app: FamtriageApp) -> str:
    return str(app.screen.query_one("#queue-message").render())


async def test_resolve_the_sample_through_the_queue(app: FamtriageApp, ctx: Context) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await press_settled(pilot, "w")
        assert _key(app) == (1, "bob at stone.com")
        assert "group 1 of 11" in str(app.screen.query_one("#queue-position").render()).lower()
        await press_settled(pilot, "A")
        assert isinstance(app.screen, ConfirmModal)
        await press_settled(pilot, "y")
        assert _key(app) == (1, "grandma.rose@miller.net")
        await press_settled(pilot, "A", "enter")  # Enter confirms too
        assert _key(app) == (1, "jane.doe@example.com")
        await press_settled(pilot, "m", "y")  # merge everything into the survivor
        assert _key(app) == (1, "sam.lee@post.net")
        await press_settled(pilot, "right", "d")
        assert "#1021" in str(app.screen.query_one("#confirm-detail").render())
        await press_settled(pilot, "n")  # cancelled: nothing changes
        assert _key(app) == (1, "sam.lee@post.net")
        await press_settled(pilot, "d", "y")
        assert _key(app) == (1, "smithfamily@home.org")
        await press_settled(pilot, "right", "e")
        assert isinstance(app.screen, PromptModal)
        await press_settled(pilot, *"jane.doe@example.com")
        assert "already the login" in str(app.screen.query_one("#prompt-problem").render())
        await press_settled(pilot, *["backspace"] * 20, *"mary@home.org", "enter")
        assert isinstance(app.screen, ConfirmModal)
        await press_settled(pilot, "y")
        assert _key(app) == (1, "tom.baker@mail.com")
        await press_settled(pilot, "A", "y")
        assert _key(app) == (2, "li.wei@example.cn")
        await press_settled(pilot, "s")
        assert _key(app) == (2, "oyvind@example.no")
        await press_settled(pilot, "A", "y")
        assert _key(app) == (2, "parkfamily@example.com")
        await press_settled(pilot, "A")  # a review group: said so, and moved on
        assert "human decision" in _message(app)
        assert _key(app) == (2, "zoë@xn--exmple-cua.com")
        await press_settled(pilot, "A", "y")
        assert _key(app) == (1, "maria.garcia@example.com")  # then the other login conflicts
        await press_settled(pilot, "u")  # asks first, naming what it undoes
        assert isinstance(app.screen, ConfirmModal)
        assert "(merge): Merged 1 family (#2002) into #2001" in str(
            app.screen.query_one("#confirm-detail").render()
        )
        await press_settled(pilot, "y")
        assert _key(app) == (2, "zoë@xn--exmple-cua.com")
        assert "Undone" in _message(app)
        await press_settled(pilot, "A", "y")
    left = {(r["org_id"], r["email"]) for r in report_for_context(ctx).groups.iter_rows(named=True)}
    assert left == {(2, "li.wei@example.cn"), (2, "parkfamily@example.com")}
    by_org = {o.org_id: o for o in readiness(ctx)}
    assert by_org[1].groups_left == 0
    assert by_org[2].by_action == {"delete": 1, "review": 1}


async def test_filters_and_jump(app: FamtriageApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await press_settled(pilot, "w", "f")
        assert _key(app) == (1, "grandma.rose@miller.net")  # only merge groups
        await press_settled(pilot, "f", "f")
        assert _key(app) == (1, "smithfamily@home.org")  # only review groups
        await press_settled(pilot, "n", "n")
        assert _key(app) == (1, "maria.garcia@example.com")  # a login conflict's review
        await press_settled(pilot, "f")  # only remove-login groups: the sample has none
        assert _key(app) is None
        reason = str(app.screen.query_one("#queue-reason").render())
        assert "No remove-login group is left; 11 groups left in all" in reason
        assert "Press a to show them all." in reason
        await press_settled(pilot, "a")
        assert _key(app) == (1, "bob at stone.com")
        await press_settled(pilot, "slash", *"OYVIND@", "enter")
        assert _key(app) == (2, "oyvind@example.no")
        await press_settled(pilot, "p")
        assert _key(app) == (2, "li.wei@example.cn")


async def test_refusal_is_shown_in_place_and_nothing_is_lost(store: Store) -> None:
    app = FamtriageApp(Context.open(store, "support@northside.test"))
    async with app.run_test(size=(100, 30)) as pilot:
        await press_settled(pilot, "w")
        assert _key(app) == (2, "li.wei@example.cn")
        await press_settled(pilot, "A")
        assert isinstance(app.screen, QueueScreen)
        assert "families.delete" in _message(app)
        assert _key(app) == (2, "li.wei@example.cn")
        await press_settled(pilot, "p", "A", "y")  # the merge group: merging is granted
        assert _message(app).startswith("Done: Merged")
    assert {o.org_id: o.groups_left for o in readiness(Context.open(store))}[2] == 3


async def test_front_desk_may_not_open_the_queue(desk_app: FamtriageApp) -> None:
    async with desk_app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press_settled(pilot, "w")
        assert isinstance(desk_app.screen, NoticeModal)


async def test_changed_since_you_looked_is_refused_and_reloaded(
    app: FamtriageApp, ctx: Context
) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await press_settled(pilot, "w", "n", "n")
        assert _key(app) == (1, "jane.doe@example.com")
        delete(ctx, 1003)  # a colleague acts on the group meanwhile
        await press_settled(pilot, "A", "y")
        assert "Refused" in _message(app)
        assert _key(app) == (1, "jane.doe@example.com")
        assert app.screen.view.group.family_ids == (1001, 1002)  # reloaded
        await press_settled(pilot, "A", "y")
        assert _message(app).startswith("Done: Merged")


async def test_help_lists_every_queue_key(app: FamtriageApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await press_settled(pilot, "w")
        names = set(binding_rows(app.screen)["name"])
        assert {"Apply", "Merge", "Delete", "Remove login", "Email", "Skip", "Next"} <= names
        assert {"Prev", "Undo", "Show all"} <= names
        assert {"Select ←", "Select →", "Family", "Filter", "Jump"} <= names


async def test_dashboard_counts_follow_the_queue(app: FamtriageApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await press_settled(pilot, "w", "A", "y", "escape")
        assert app.screen.query_one("#orgs", FrameTable).frame["left"].to_list() == ["6", "4"]


async def test_a_refused_email_change_keeps_the_typing(app: FamtriageApp, ctx: Context) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await press_settled(pilot, "w", "slash", *"smithfamily", "enter")
        assert _key(app) == (1, "smithfamily@home.org")
        await press_settled(pilot, "right", "e", *"mary@home.org", "enter")
        invite(ctx, 1031, "Sam", "Smith", "sam@home.org")  # the family changes meanwhile
        await press_settled(pilot, "y")
        assert "changed since you looked" in _message(app)
        await press_settled(pilot, "right", "e")
        assert app.screen.query_one(Input).value == "mary@home.org"


async def test_a_merge_takes_the_name_chosen_with_n(app: FamtriageApp, ctx: Context) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await press_settled(pilot, "w", "n", "n")
        assert _key(app) == (1, "jane.doe@example.com")
        await press_settled(pilot, "right", "N")  # the survivor is #1001; take #1002's name
        assert "“Doe” (#1002)" in _message(app)
        await press_settled(pilot, "A")
        assert "The survivor takes the family name “Doe” (#1002)" in str(
            app.screen.query_one("#confirm-detail").render()
        )
        await press_settled(pilot, "y")
    assert family_detail(ctx, 1001).family_name == "Doe"
