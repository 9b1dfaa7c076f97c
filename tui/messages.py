"""Messages that carry a background result up to the screen that asked for it.

Workers run in threads and never touch widgets; they post one of these and the
screen's handler updates the display on the UI thread.
"""

from __future__ import annotations

from textual.message import Message

from famtriage.core.actions.audit import ActionResult, AuditEntry
from famtriage.core.actions.queue import QueueGroup, QueueView
from famtriage.core.actions.queue_steps import Step
from famtriage.core.errors import FamtriageError
from famtriage.core.exports.frame import ExportMeta
from famtriage.core.exports.write import Exported
from famtriage.core.report.fam12 import Report
from famtriage.core.report.family import GroupOf
from famtriage.core.report.readiness import OrgReadiness
from famtriage.core.tasks import TaskHandle, TaskRecord


class ReportReady(Message):
    """A FAM-12 report finished computing (or a stored one was opened): `meta` is what
    an export of it says, `task` the task it is the result of."""

    def __init__(self, report: Report, meta: ExportMeta, task: TaskRecord) -> None:
        super().__init__()
        self.report = report
        self.meta = meta
        self.task = task


class StaleChecked(Message):
    """Whether the store has changed since the report on screen read it."""

    def __init__(self, stale: bool) -> None:
        super().__init__()
        self.stale = stale


class ReportProgress(Message):
    """A report task finished stage `done` of `total`."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class TaskStarted(Message):
    """A background report task started; the app keeps its handle to cancel it."""

    def __init__(self, handle: TaskHandle) -> None:
        super().__init__()
        self.handle = handle


class TaskEnded(Message):
    """A report task ended without a result (cancelled)."""

    def __init__(self, record: TaskRecord) -> None:
        super().__init__()
        self.record = record


class TasksListed(Message):
    """The stored report tasks (newest first) were read."""

    def __init__(self, tasks: list[TaskRecord]) -> None:
        super().__init__()
        self.tasks = tasks


class ExportProgress(Message):
    """An export has written `done` of its `total` families (posted every few thousand:
    a message per row would flood the UI thread the export shares the GIL with)."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class FamilyGroups(Message):
    """The readiness groups a family is in (loaded after the family screen opens)."""

    def __init__(self, groups: list[GroupOf]) -> None:
        super().__init__()
        self.groups = groups


class ExportCancelled(Message):
    """An export was cancelled; `reason` says what was kept (nothing) and the task."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class ExportWritten(Message):
    """An export file was written (atomically, 0600); `warnings` say what it could not
    hold as it should (a PDF glyph no installed font has)."""

    def __init__(self, written: Exported) -> None:
        super().__init__()
        self.written = written


class Rebuilding(Message):
    """The snapshot is being rebuilt from the store: `done` of `total` reads finished."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class ReadinessReady(Message):
    """Per-organization readiness finished computing."""

    def __init__(self, orgs: list[OrgReadiness]) -> None:
        super().__init__()
        self.orgs = orgs


class AuditListed(Message):
    """The audit log (newest first) was read."""

    def __init__(self, entries: list[AuditEntry]) -> None:
        super().__init__()
        self.entries = entries


class ActionDone(Message):
    """An action (an undo, from this app) finished and was audited."""

    def __init__(self, result: ActionResult) -> None:
        super().__init__()
        self.result = result


class QueueLoaded(Message):
    """The queue was opened at a place: `seq` names the place it was asked for."""

    def __init__(self, view: QueueView, seq: int) -> None:
        super().__init__()
        self.view, self.seq = view, seq


class StepsPrepared(Message):
    """The actions' previews: the exact sentence the confirmation states."""

    def __init__(self, group: QueueGroup, title: str, steps: tuple[Step, ...], text: str) -> None:
        super().__init__()
        self.group, self.title, self.steps, self.text = group, title, steps, text


class StepsRefused(Message):
    """A preview was refused (permission, precondition): nothing is asked or changed."""

    def __init__(self, error: FamtriageError) -> None:
        super().__init__()
        self.error = error


class StepsFinished(Message):
    """Actions (or undos) done, or refused with the engine's own reason, and the queue
    as it now stands (the next group, or the same one reloaded)."""

    def __init__(
        self,
        results: tuple[ActionResult, ...],
        error: FamtriageError | None,
        undo: bool,
        view: QueueView,
    ) -> None:
        super().__init__()
        self.results, self.error, self.undo, self.view = results, error, undo, view
