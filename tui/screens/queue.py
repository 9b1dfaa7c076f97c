"""The guided resolution queue: one FAM-12 group at a time, resolved in two keys.

Every rule (order, position, filters, what `A` means, what a confirmation says) comes
from `core.queue` and `core.queue_steps`; the actions run in a thread worker and
refuse on their own (permission, changed since you looked). This screen shows the
result, keeps the engineer's place, and never loses their work on a refusal.
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, WorkerState

from famtriage.core.actions.queue import (
    FILTERS,
    GroupKey,
    QueueGroup,
    QueueView,
    find_group,
    load_view,
    step_index,
)
from famtriage.core.actions.queue_steps import (
    NeedsReview,
    Step,
    Takes,
    change_email_steps,
    delete_steps,
    describe,
    email_problem,
    execute,
    merge_steps,
    recommended_steps,
    undo_last,
)
from famtriage.core.errors import FamtriageError, PermissionDenied
from famtriage.core.safe_text import HEADING_LIMIT, display
from famtriage.tui.messages import QueueLoaded, StepsFinished, StepsPrepared
from famtriage.tui.modals.prompt import PromptModal
from famtriage.tui.modals.queue_confirm import QueueConfirmModal
from famtriage.tui.screens.base import AppScreen
from famtriage.tui.widgets.family_columns import FamilyColumns


def _key(key: str, action: str, name: str, tip: str, **extra) -> Binding:
    return Binding(key, action, name, id=f"queue.{action.split('(')[0]}", tooltip=tip, **extra)


class QueueScreen(AppScreen):
    """Resolve FAM-12 groups one after another: review, decide, confirm, next."""

    CSS_PATH = "queue.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        _key(
            "A", "apply", "Apply", "Apply the recommendation (one confirmation).", key_display="A"
        ),
        _key("m", "merge", "Merge", "Merge every other family into the selected one."),
        _key("d", "delete", "Delete", "Delete the selected family (only one without history)."),
        _key("e", "change_email", "Email", "Change the selected family's primary login email."),
        _key("s", "skip", "Skip", "Leave this group for later; it moves to the end."),
        _key("n", "go(1)", "Next", "Next group (without acting)."),
        _key("p", "go(-1)", "Prev", "Previous group.", show=False),
        _key("u", "undo", "Undo", "Undo the last action taken in the queue."),
        _key(
            "N",
            "take('name')",
            "Name from",
            "A merge keeps the selected family's name (again: stop).",
            key_display="N",
            show=False,
        ),
        _key(
            "P",
            "take('phone')",
            "Phone from",
            "A merge keeps the selected family's primary phone (again: stop).",
            key_display="P",
            show=False,
        ),
        _key(
            "left,h",
            "select(-1)",
            "Select ←",
            "Select the family to the left (the survivor for m).",
            show=False,
        ),
        _key(
            "right,l",
            "select(1)",
            "Select →",
            "Select the family to the right (the survivor for m).",
            show=False,
        ),
        _key(
            "enter", "open_family", "Family", "Open the selected family's full record.", show=False
        ),
        _key(
            "f",
            "filter",
            "Filter",
            "Show only merge, only delete, only review groups, or all.",
            show=False,
        ),
        _key("slash", "jump", "Jump", "Jump to a group by its email.", key_display="/", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view: QueueView | None = None
        self.selected = 0
        self.only = "all"
        self.skipped: frozenset[GroupKey] = frozenset()
        self.initial: int | None = None
        self.history: list[tuple[GroupKey, tuple[int, ...]]] = []
        self.busy = False
        self.drafts: dict[int, str] = {}
        self.takes = Takes()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Opening the queue…", id="queue-position", markup=False)
        yield Static("", id="queue-progress", markup=False)
        yield Static("", id="queue-reason", markup=False)
        yield FamilyColumns(id="queue-families")
        yield Static("", id="queue-message", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Resolution queue"
        self.reload()

    # Loading -------------------------------------------------------------------------

    def reload(
        self, want: GroupKey | None = None, hint: int = 0, note: str = "", error: bool = False
    ) -> None:
        self.busy = True
        self._load(self.only, self.skipped, want, hint, self.initial, note, error)

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue-load")
    def _load(
        self,
        only: str,
        skipped: frozenset[GroupKey],
        want: GroupKey | None,
        hint: int,
        initial: int | None,
        note: str,
        error: bool,
    ) -> None:
        view = load_view(self.ctx, only, skipped, want, hint, initial)
        self.post_message(QueueLoaded(view, note, error))

    async def on_queue_loaded(self, message: QueueLoaded) -> None:
        view = message.view
        self.view = view
        self.skipped = view.skipped
        if self.initial is None:
            self.initial = view.progress.total
        group = view.group
        title = view.position.capitalize()
        if self.only != "all":
            title += f" (only {self.only})"
        if group is not None:
            org, email = (display(v, HEADING_LIMIT) for v in (group.org_name, group.email))
            title += f" · {org} · {email}"
            if not group.email_valid:
                title += " (not a valid address)"
            if view.is_skipped:
                title += " · skipped earlier"
        self.query_one("#queue-position", Static).update(Text(title, style="bold"))
        skipped = f" · {len(view.skipped)} skipped" if view.skipped else ""
        self.query_one("#queue-progress", Static).update(view.progress.text + skipped)
        columns = self.query_one("#queue-families", FamilyColumns)
        columns.display = group is not None
        if group is None:
            self.query_one("#queue-reason", Static).update(
                "Nothing left to resolve here. Press f to change the filter, or escape."
            )
        else:
            reason = Text.assemble((f"{group.action.upper()}: ", "bold"), display(group.reason))
            self.query_one("#queue-reason", Static).update(reason)
            self.selected = group.recommended_index
            self.takes = Takes()
            await columns.show(group, self.selected)
        self._say(message.note, message.error)
        self.busy = False

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An unexpected failure: AppScreen's handler (Textual calls it too) shows the
        dialog; this one keeps the queue usable."""
        if event.state == WorkerState.ERROR:
            self.busy = False

    def _say(self, note: str, error: bool = False) -> None:
        """A line under the families; it may quote customer data (escaped)."""
        box = self.query_one("#queue-message", Static)
        box.set_class(error, "-error")
        box.update(display(note))

    def _here(self) -> tuple[GroupKey | None, int]:
        if self.view is None or self.view.group is None:
            return None, 0
        return self.view.group.key, self.view.index or 0

    # Navigation ----------------------------------------------------------------------

    def action_select(self, delta: int) -> None:
        if self.view is None or self.view.group is None:
            return
        count = self.view.group.families.height
        self.selected = min(max(self.selected + delta, 0), count - 1)
        self.query_one("#queue-families", FamilyColumns).select(self.selected)

    def action_go(self, delta: int) -> None:
        if self.busy or self.view is None or self.view.index is None:
            return
        order = self.view.order
        self.reload(want=order[step_index(len(order), self.view.index, delta)])

    def action_skip(self) -> None:
        key, index = self._here()
        if self.busy or key is None or self.view is None:
            return
        self.skipped = self.skipped | {key}
        order = self.view.order
        after = order[step_index(len(order), index, 1)]
        self.reload(want=after, hint=index, note=f"Skipped {key[1]}; it comes back at the end.")

    def action_filter(self) -> None:
        if self.busy:
            return
        self.only = FILTERS[(FILTERS.index(self.only) + 1) % len(FILTERS)]
        key, _ = self._here()
        self.reload(want=key, note=f"Showing {self.only} groups.")

    def action_jump(self) -> None:
        if self.view is None:
            return
        order = list(self.view.order)

        def check(text: str) -> str | None:
            return None if find_group(order, text) is not None else "no group here matches"

        def go(text: str | None) -> None:
            index = find_group(order, text) if text else None
            if index is not None:
                self.reload(want=order[index])

        self.app.push_screen(
            PromptModal("Jump to a group by email", "Enter jumps · escape cancels", check), go
        )

    def action_open_family(self) -> None:
        if self.view is not None and self.view.group is not None:
            ids = self.view.group.family_ids
            self.famtriage.open_family(ids[self.selected])

    # Actions -------------------------------------------------------------------------

    def action_apply(self) -> None:
        key, index = self._here()
        if self.busy or key is None or self.view is None:
            return
        try:
            steps = recommended_steps(self.view.group, self.takes)
        except NeedsReview as review:
            order = self.view.order
            self.reload(want=order[step_index(len(order), index, 1)], note=str(review))
            return
        self._prepare("Apply the recommendation?", steps)

    def action_merge(self) -> None:
        if not self.busy and self.view is not None and self.view.group is not None:
            group = self.view.group
            steps = merge_steps(group, group.family_ids[self.selected], self.takes)
            self._prepare("Merge these families?", steps)

    def action_take(self, what: str) -> None:
        if not self.busy and self.view is not None and self.view.group is not None:
            group = self.view.group
            self.takes = self.takes.toggled(what, group.family_ids[self.selected])
            self._say(self.takes.describe(group) or "A merge here keeps the survivor's own.")

    def action_delete(self) -> None:
        if not self.busy and self.view is not None and self.view.group is not None:
            family = self.view.group.family_ids[self.selected]
            self._prepare(f"Delete family #{family}?", delete_steps(family))

    def action_change_email(self) -> None:
        if self.busy or self.view is None or self.view.group is None:
            return
        group = self.view.group
        family = group.family_ids[self.selected]
        guardian = group.primaries.get(family)
        check = partial(email_problem, self.ctx, group.org_id, guardian)

        def chosen(text: str | None) -> None:
            if text:
                self.drafts[family] = text  # kept until it works: a refusal loses no typing
                try:
                    steps = change_email_steps(group, family, text)
                except FamtriageError as exc:
                    self._say(str(exc), error=True)
                    return
                self._prepare("Change this login email?", steps)

        title = f"New login email for the primary guardian of family #{family}"
        hint = "Enter checks and continues · escape cancels"
        self.app.push_screen(PromptModal(title, hint, check, self.drafts.get(family, "")), chosen)

    def _prepare(self, title: str, steps: tuple[Step, ...]) -> None:
        self.busy = True
        self._say("Checking what this will do…")
        assert self.view is not None and self.view.group is not None
        self._preview(self.view.group, title, steps)

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue-action")
    def _preview(self, group: QueueGroup, title: str, steps: tuple[Step, ...]) -> None:
        try:
            text = describe(self.ctx, group, steps)
        except FamtriageError as exc:
            self.post_message(StepsFinished((), exc, undo=False))
            return
        self.post_message(StepsPrepared(group, title, steps, text))

    def on_steps_prepared(self, message: StepsPrepared) -> None:
        self._say("")

        def answered(yes: bool | None) -> None:
            if yes:
                self._run(message.group, message.steps)
            else:
                self.busy = False
                self._say("Cancelled: nothing changed.")

        self.app.push_screen(QueueConfirmModal(message.title, message.text), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue-action")
    def _run(self, group: QueueGroup, steps: tuple[Step, ...]) -> None:
        try:
            results = execute(self.ctx, group, steps)
        except FamtriageError as exc:
            self.post_message(StepsFinished((), exc, undo=False))
            return
        self.post_message(StepsFinished(results, None, undo=False))

    def action_undo(self) -> None:
        if self.busy:
            return
        if not self.history:
            self._say("Nothing to undo in this queue session.")
            return
        self.busy = True
        self._undo(self.history[-1][1])

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue-action")
    def _undo(self, audit_ids: tuple[int, ...]) -> None:
        try:
            results = undo_last(self.ctx, audit_ids)
        except FamtriageError as exc:
            self.post_message(StepsFinished((), exc, undo=True))
            return
        self.post_message(StepsFinished(results, None, undo=True))

    def on_steps_finished(self, message: StepsFinished) -> None:
        key, index = self._here()
        if message.error is not None:
            title = "Not permitted" if isinstance(message.error, PermissionDenied) else "Refused"
            note = f"{title}: {message.error} Nothing was changed; the group was reloaded."
            self.reload(want=key, hint=index, note=note, error=True)
            return
        summaries = "; ".join(r.summary for r in message.results)
        if message.undo:
            back, _ = self.history.pop()
            self.reload(want=back, hint=index, note=f"Undone: {summaries}")
            return
        self.drafts.clear()
        if key is not None:
            self.history.append((key, tuple(r.audit_id for r in message.results)))
        self.reload(want=key, hint=index, note=f"Done: {summaries} (u undoes)")
