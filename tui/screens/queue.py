"""The guided resolution queue: one group of the readiness list at a time (FAM-12 groups
first, then the other login conflicts), resolved in two keys, until every organization
is login-ready.

Every rule (order, position, filters, what `A` means, what a confirmation says) comes
from `core.queue` and `core.queue_steps`; the actions run in a thread worker and
refuse on their own (permission, changed since you looked). This screen shows the
result, keeps the engineer's place, and never loses their work on a refusal.

Keys and time (`queue_keys`): moving changes the place at once, in the order typed, and
a worker opens the group there (one at a time; the latest place wins); keys that act on
a group wait for it to be shown, and while an action is prepared, confirmed or run no
key applies. The app asks `admit_key` before the bindings, so a refused key is counted
on the status line (`widgets/key_notice`) instead of vanishing, and while busy the
footer shows the keys disabled (`check_action`). The action's worker runs it, brings the
store's view up to date and opens the next group, all off the UI thread.
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.reactive import reactive
from textual.widgets import Header
from textual.worker import Worker, WorkerState

from famtriage.core.actions.audit import ActionResult
from famtriage.core.actions.queue import (
    FILTERS,
    GroupKey,
    Place,
    QueueGroup,
    QueueView,
    find_group,
    load_view,
    move,
)
from famtriage.core.actions.queue_progress import FILTER_NAMES
from famtriage.core.actions.queue_steps import (
    NeedsReview,
    Step,
    Takes,
    change_email_steps,
    delete_steps,
    describe,
    describe_undo,
    email_problem,
    execute,
    login_holder,
    merge_steps,
    recommended_steps,
    remove_login_steps,
    undo_last,
)
from famtriage.core.errors import FamtriageError, PermissionDenied
from famtriage.core.formatting import sentence
from famtriage.tui.messages import (
    QueueLoaded,
    StepsFinished,
    StepsPrepared,
    StepsRefused,
    UndoPrepared,
)
from famtriage.tui.modals.prompt import PromptModal
from famtriage.tui.modals.queue_confirm import QueueConfirmModal
from famtriage.tui.paint import let_widgets_ask
from famtriage.tui.screens.base import AppScreen
from famtriage.tui.screens.queue_keys import BUSY, QUEUE_BINDINGS, refusal, shown_refusal
from famtriage.tui.widgets.keys_footer import KeysFooter
from famtriage.tui.widgets.queue_panel import QueuePanel


def _action_worker(description: str) -> Any:
    """One action's thread at a time. The description is given: Textual otherwise
    describes a worker by the repr of its arguments, on the UI thread."""
    return work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="queue-action",
        description=description,
    )


class QueueScreen(AppScreen):
    """Resolve the readiness list's groups one after another: review, decide, confirm,
    next, until every organization is login-ready."""

    CSS_PATH = "queue.tcss"
    BINDINGS: ClassVar[list[BindingType]] = QUEUE_BINDINGS

    busy: reactive[bool] = reactive(False, bindings=True)
    """An action is being prepared, confirmed or run: the footer shows the keys disabled
    (a group being opened, a matter of milliseconds, does not flip the footer)."""

    def __init__(self, at: GroupKey | None = None) -> None:
        super().__init__()
        self.want = at
        """The group another screen opened the queue at, until it is shown (`open_at`)."""
        self.view: QueueView | None = None
        """What is shown."""
        self.place: Place | None = None
        """Where the keys typed so far lead (shown, or being opened)."""
        self.seq = 0
        self.opening = False
        self.select_ahead = 0
        self.selected = 0
        self.initial: int | None = None
        self.history: list[tuple[GroupKey, tuple[ActionResult, ...]]] = []
        self.drafts: dict[int, str] = {}
        self.takes = Takes()
        self.note, self.note_error = "", False
        self._phase = "loading"

    @property
    def phase(self) -> str:
        """loading (a group is being opened) · idle · preparing (a confirmation) ·
        confirming (it is shown) · running (an action)."""
        return self._phase

    @phase.setter
    def phase(self, phase: str) -> None:
        self._phase = phase
        self.busy = phase in BUSY
        if not self.busy:
            self.panel.notice.busy("")
        if phase == "idle":  # the keys that apply to the group shown (`shown_refusal`)
            self.refresh_bindings()

    def compose(self) -> ComposeResult:
        yield Header()
        yield QueuePanel()
        yield KeysFooter()

    @property
    def panel(self) -> QueuePanel:
        return self.query_one(QueuePanel)

    def on_mount(self) -> None:
        self.sub_title = "Resolution queue"
        self.seq += 1
        self._open()

    # Which keys apply now ------------------------------------------------------------

    def admit_key(self, event: events.Key, *, bubbled: bool) -> bool:
        """Judged once the keys before it have acted (`bubbled`; `tui/keys.KeyGate`)."""
        if not bubbled:
            return True
        bindings = self._bindings.key_to_bindings.get(event.key, [])
        action = bindings[0].action.split("(")[0] if bindings else None
        why = refusal(self.phase, action, event.key) or self._refused(action)
        if why is None:
            self.panel.notice.clear()
            return True
        self.panel.notice.dropped(event, why)
        return False

    def _refused(self, action: str | None) -> str | None:
        if self.phase != "idle":
            return None
        return shown_refusal(self.view, self.selected, action)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.busy or self._refused(action):
            return None  # shown disabled in the footer
        return super().check_action(action, parameters)

    # Opening groups ------------------------------------------------------------------

    def _go_to(
        self, place: Place, note: str = "", error: bool = False, reload: bool = False
    ) -> None:
        """Move to `place` at once; its group is opened by a worker (one at a time)."""
        self.place, self.note, self.note_error = place, note, error
        self.select_ahead = 0
        self.seq += 1
        if not reload and self.view is not None and place == self.view.place:
            self.phase = "idle"
            self._say(note, error)
            return
        self.phase = "loading"
        if not self.opening:
            self._open()

    def _open(self) -> None:
        self.opening = True
        self._load(self.view, self.place, self.seq, self.initial)

    @work(thread=True, exit_on_error=False, group="queue-open", description="open a group")
    def _load(
        self, shown: QueueView | None, place: Place | None, seq: int, initial: int | None
    ) -> None:
        if shown is None or place is None:
            view = load_view(self.ctx, initial=initial, want=self.want)
        else:
            view = move(self.ctx, shown, place, initial)
        self.post_message(QueueLoaded(view, seq))

    async def on_queue_loaded(self, message: QueueLoaded) -> None:
        self.opening = False
        if message.seq != self.seq:  # keys moved on meanwhile: open where they lead
            if self.phase == "loading":
                self._open()
            return
        if self.want is not None:
            self.note, self.note_error = arrival(message.view, self.want), False
            self.want = None
        await self._show(message.view, self.note, self.note_error)

    def open_at(self, key: GroupKey) -> None:
        """Another screen asks for the group `key` (the app brought this queue back, so
        its session, undo included, goes on)."""
        if self.view is None or self.place is None or self.view.report is None:
            self.want = key  # the first group is still being opened: open this one
            self.seq += 1
            if not self.opening:
                self._open()
            return
        place = self.place.toward(key, self.view.report.groups)
        if place is None:
            self._say(arrival(self.view, key), error=True)
        else:
            self._go_to(place)

    async def _show(self, view: QueueView, note: str, error: bool = False) -> None:
        self.view, self.place = view, view.place
        if self.initial is None:
            self.initial = view.progress.total
        if view.group is not None:
            last = view.group.families.height - 1
            self.selected = min(max(view.group.recommended_index + self.select_ahead, 0), last)
            self.takes = Takes()
        self.select_ahead = 0
        await self.panel.show(view, self.selected, note, error)
        self.phase = "idle"
        await let_widgets_ask()  # one layout and paint, not two frames apart

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An unexpected failure: AppScreen's handler (Textual calls it too) shows the
        dialog; this one keeps the queue usable."""
        if event.state == WorkerState.ERROR:
            self.opening = False
            self.phase = "idle"

    def _say(self, note: str, error: bool = False) -> None:
        self.panel.say(note, error)

    def _shown_group(self) -> QueueGroup | None:
        return self.view.group if self.view is not None else None

    # Moving --------------------------------------------------------------------------

    def action_select(self, delta: int) -> None:
        if self.phase == "loading":
            self.select_ahead += delta  # for the group about to be shown
            return
        group = self._shown_group()
        if group is not None:
            self.selected = min(max(self.selected + delta, 0), group.families.height - 1)
            self.panel.columns.select(self.selected)
            self.refresh_bindings()  # m, d, r may apply to one family and not another

    def action_go(self, delta: int) -> None:
        if self.place is not None and self.place.index is not None:
            self._go_to(self.place.moved(delta))

    def action_skip(self) -> None:
        if self.place is not None and self.place.key is not None:
            key = self.place.key
            self._go_to(self.place.skipping(), f"Skipped {key[1]}; it comes back at the end.")

    def action_filter(self) -> None:
        if self.place is not None and self.view is not None and self.view.report is not None:
            only = FILTERS[(FILTERS.index(self.place.only) + 1) % len(FILTERS)]
            place = self.place.filtered(self.view.report.groups, only)
            self._go_to(place, f"Showing {FILTER_NAMES[only]} groups.")

    def action_show_all(self) -> None:
        """The empty queue's key: every group left, read from the store again."""
        if self.place is not None and self.view is not None and self.view.report is not None:
            place = self.place.filtered(self.view.report.groups, "all")
            self._go_to(place, "Showing every group left.", reload=True)

    def action_jump(self) -> None:
        if self.place is None:
            return
        order = self.place.order

        def check(text: str) -> str | None:
            return None if find_group(order, text) is not None else "no group here matches"

        def go(text: str | None) -> None:
            place = self.place.jumped(text) if text and self.place is not None else None
            if place is not None:
                self._go_to(place)

        self.app.push_screen(
            PromptModal("Jump to a group by email", "Enter jumps · escape cancels", check), go
        )

    def action_open_family(self) -> None:
        group = self._shown_group()
        if group is not None:
            self.famtriage.open_family(group.family_ids[self.selected])

    # Acting --------------------------------------------------------------------------

    def action_apply(self) -> None:
        group = self._shown_group()
        if group is None or self.place is None:
            return
        try:
            steps = recommended_steps(group, self.takes)
        except NeedsReview as review:
            self._go_to(self.place.moved(1), str(review))
            return
        self._prepare("Apply the recommendation?", steps)

    def action_merge(self) -> None:
        group = self._shown_group()
        if group is not None:
            steps = merge_steps(group, group.family_ids[self.selected], self.takes)
            self._prepare("Merge these families?", steps)

    def action_take(self, what: str) -> None:
        group = self._shown_group()
        if group is not None:
            self.takes = self.takes.toggled(what, group.family_ids[self.selected])
            self._say(self.takes.describe(group) or "A merge here keeps the survivor's own.")

    def action_delete(self) -> None:
        group = self._shown_group()
        if group is not None:
            family = group.family_ids[self.selected]
            self._prepare(f"Delete family #{family}?", delete_steps(group, family))

    def action_remove_login(self) -> None:
        group = self._shown_group()
        if group is not None:
            family = group.family_ids[self.selected]
            self._prepare("Remove this login?", remove_login_steps(group, family))

    def action_change_email(self) -> None:
        group = self._shown_group()
        if group is None:
            return
        family = group.family_ids[self.selected]
        guardian = login_holder(group, family)
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

        title = f"New login email for guardian #{guardian} of family #{family}"
        hint = "Enter checks and continues · escape cancels"
        self.app.push_screen(PromptModal(title, hint, check, self.drafts.get(family, "")), chosen)

    def _prepare(self, title: str, steps: tuple[Step, ...]) -> None:
        group = self._shown_group()
        assert group is not None
        self.phase = "preparing"
        self.panel.notice.busy("Checking what this will do…")
        self._say("")
        self._preview(group, title, steps)

    @_action_worker("describe an action")
    def _preview(self, group: QueueGroup, title: str, steps: tuple[Step, ...]) -> None:
        try:
            text = describe(self.ctx, group, steps)
        except FamtriageError as exc:
            self.post_message(StepsRefused(exc))
            return
        self.post_message(StepsPrepared(group, title, steps, text))

    def on_steps_refused(self, message: StepsRefused) -> None:
        """Refused before asking (permission, or the group changed): the group is read
        again, in case it changed."""
        if self.place is not None:
            note = sentence(f"{_refused(message.error)}: {message.error}") + " Nothing was changed."
            self._go_to(self.place, note, error=True, reload=True)

    def on_steps_prepared(self, message: StepsPrepared) -> None:
        def answered(yes: bool | None) -> None:
            if yes and self.place is not None:
                self.phase = "running"
                work = message.title.rstrip("?")
                self.panel.notice.busy(f"{work}: working…")
                self._run(message.group, message.steps, self.place, self.initial)
            else:
                self.phase = "idle"
                self._say("Cancelled: nothing changed.")

        self.phase = "confirming"
        self.app.push_screen(QueueConfirmModal(message.title, message.text, answered))

    @_action_worker("run an action")
    def _run(
        self, group: QueueGroup, steps: tuple[Step, ...], place: Place, initial: int | None
    ) -> None:
        try:
            results, error = execute(self.ctx, group, steps), None
        except FamtriageError as exc:
            results, error = (), exc
        view = load_view(self.ctx, place.only, place.skipped, place.key, place.index or 0, initial)
        self.post_message(StepsFinished(results, error, False, view))

    def action_undo(self) -> None:
        """`u`: asks first, naming what the undo restores (checked by core first)."""
        if not self.history:
            self._say("Nothing to undo in this queue session.")
            return
        self.phase = "preparing"
        self.panel.notice.busy("Checking what the undo restores…")
        self._say("")
        self._undo_preview(self.history[-1][1])

    @_action_worker("describe an undo")
    def _undo_preview(self, done: tuple[ActionResult, ...]) -> None:
        try:
            text = describe_undo(self.ctx, done)
        except FamtriageError as exc:
            self.post_message(StepsRefused(exc))
            return
        self.post_message(UndoPrepared(text))

    def on_undo_prepared(self, message: UndoPrepared) -> None:
        def answered(yes: bool | None) -> None:
            if yes and self.place is not None:
                self.phase = "running"
                self.panel.notice.busy("Undoing the last action: working…")
                back, done = self.history[-1]
                audit_ids = tuple(r.audit_id for r in done)
                self._undo(audit_ids, back, self.place, self.initial)
            else:
                self.phase = "idle"
                self._say("Cancelled: nothing was undone.")

        self.phase = "confirming"
        self.app.push_screen(QueueConfirmModal("Undo the last action?", message.text, answered))

    @_action_worker("run an undo")
    def _undo(
        self, audit_ids: tuple[int, ...], back: GroupKey, place: Place, initial: int | None
    ) -> None:
        try:
            results, error = undo_last(self.ctx, audit_ids), None
        except FamtriageError as exc:
            results, error = (), exc
        view = load_view(self.ctx, place.only, place.skipped, back, place.index or 0, initial)
        self.post_message(StepsFinished(results, error, True, view))

    async def on_steps_finished(self, message: StepsFinished) -> None:
        key = self.place.key if self.place is not None else None
        if message.error is not None:
            note = sentence(f"{_refused(message.error)}: {message.error}")
            note += " Nothing was changed; the group was reloaded."
        elif message.undo:
            self.history.pop()
            note = "Undone: " + "; ".join(r.summary for r in message.results)
        else:
            self.drafts.clear()
            if key is not None:
                self.history.append((key, message.results))
            note = "Done: " + "; ".join(r.summary for r in message.results) + " (u undoes)"
        if message.results:
            self.famtriage.wrote()
        self.seq += 1
        self.select_ahead = 0
        await self._show(message.view, note, message.error is not None)


def arrival(view: QueueView, want: GroupKey) -> str:
    """What the queue says when another screen opened it at `want`."""
    if view.group is not None and view.group.key == want:
        return ""
    return f"{want[1]} is not in the queue now (resolved meanwhile, or not one of its groups)."


def _refused(error: FamtriageError) -> str:
    return "Not permitted" if isinstance(error, PermissionDenied) else "Refused"
