"""Tasks: FAM-12 reports run in the background, and reports or exports a caller runs
itself but wants listed (the CLI's `report`, every export to a file).

A background task runs `report_for_context` in a thread, reports its stages through
`on_progress(done, total)`, stops between stages when cancelled, and persists a finished
report (`core.task_store`), so the TUI's task list and `famtriage tasks export` can
reopen it without recomputing. A task's frames are written before its record says
"done", so a cancelled or crashed task never leaves a partial result. Each report task
records the store's stamp when it read it: a task whose stamp is not the store's now
may be stale.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

import polars as pl

from famtriage.core.errors import Cancelled, Conflict, FamtriageError, Interrupted, NotFound
from famtriage.core.exports.frame import ExportMeta
from famtriage.core.formatting import iso
from famtriage.core.report.fam12 import Report
from famtriage.core.task_store import (
    KIND_EXPORT,
    KIND_REPORT,
    TaskRecord,
    new_task_dir,
    read_frames,
    read_record,
    save_frames,
    save_record,
    stored_records,
    tasks_dir,
)

if TYPE_CHECKING:  # the store (SQLAlchemy) is loaded only by a task that runs a report
    from famtriage.core.access.context import Context
    from famtriage.core.store.database import Stamp

_STAGES = 3  # load, build, save

ProgressCallback = Callable[[float, int], None]


def store_stamp(ctx: Context) -> Stamp:
    """Where the session's store stands now (`Store.stamp`)."""
    with ctx.store.engine.connect() as conn:
        return ctx.store.stamp(conn)


def _begin(record: TaskRecord) -> TaskRecord:
    """`record` (its id left 0) as a new running task of this process, stored."""
    record = replace(record, task_id=new_task_dir(), pid=os.getpid())
    save_record(record)
    return record


def begin_report(ctx: Context, scope: str) -> TaskRecord:
    """Record a FAM-12 report as running (needs reports.fam12), with the store's stamp
    read before the report reads the store: a write in between makes the task look
    stale, never fresh. A folder that cannot be written is a `Conflict` naming it."""
    ctx.actor.require("reports.fam12")
    stamp = store_stamp(ctx)
    orgs = ctx.org_names()
    return _writing(
        lambda: _begin(
            TaskRecord(
                task_id=0,
                kind=KIND_REPORT,
                state="running",
                progress=0.0,
                started_at=datetime.now().astimezone(),
                finished_at=None,
                staff=ctx.actor.email,
                org_ids=tuple(orgs),
                scope=scope,
                org_names=orgs,
                store=stamp.store_id,
                generation=stamp.generation,
                epoch=stamp.epoch,
            )
        )
    )


def begin_export(
    ctx: Context, source: TaskRecord, output: str, fmt: str, selection: str | None = None
) -> TaskRecord:
    """Record an export of task `source`'s report to `output` as running: it covers the
    source's organizations, its data is as old as the source's, and `ctx`'s staff
    member runs it."""
    return _writing(
        lambda: _begin(
            replace(
                source,
                kind=KIND_EXPORT,
                state="running",
                progress=0.0,
                started_at=datetime.now().astimezone(),
                finished_at=None,
                generated_at=None,
                duration_s=None,
                error=None,
                staff=ctx.actor.email,
                source_task=source.task_id,
                output=output,
                fmt=fmt,
                selection=selection,
            )
        )
    )


def finish_task(
    record: TaskRecord, state: str, report: Report | None = None, error: str | None = None
) -> TaskRecord:
    """End a task begun in this thread: its result's frames first (a report), then the
    record; a file that cannot be written is a `Conflict` naming it."""
    return _writing(lambda: _finish(record, state, report, error))


def _writing(write: Callable[[], TaskRecord]) -> TaskRecord:
    try:
        return write()
    except OSError as exc:
        raise Conflict(f"{exc.filename}: cannot write: {exc.strerror}") from exc


def _finish(record: TaskRecord, state: str, report: Report | None, error: str | None) -> TaskRecord:
    if report is not None:
        save_frames(record.task_id, report)
    done = _ended(record, state, report, error)
    save_record(done)
    return done


def _ended(record: TaskRecord, state: str, report: Report | None, error: str | None) -> TaskRecord:
    now = datetime.now().astimezone()
    return replace(
        record,
        state=state,
        progress=1.0 if state == "done" else record.progress,
        finished_at=now,
        generated_at=report.generated_at if report is not None else None,
        duration_s=round((now - record.started_at).total_seconds(), 3),
        error=error,
    )


class TaskHandle:
    """A running task: its live state and progress, `cancel()` and `wait()`."""

    def __init__(self, record: TaskRecord) -> None:
        self._record = record
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._lock = threading.Lock()

    @property
    def task_id(self) -> int:
        return self._record.task_id

    @property
    def record(self) -> TaskRecord:
        with self._lock:
            return self._record

    @property
    def state(self) -> str:
        return self.record.state

    @property
    def progress(self) -> float:
        return self.record.progress

    def cancel(self) -> None:
        """Ask the task to stop at its next stage boundary; nothing is stored then."""
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def wait(self, timeout: float | None = None) -> TaskRecord:
        """Block until the task ends (or `timeout` passes); returns its record."""
        self._done.wait(timeout)
        return self.record

    def _set(self, record: TaskRecord) -> None:
        with self._lock:
            self._record = record

    def _ended(self, record: TaskRecord) -> None:
        self._set(record)
        self._done.set()


def start_report_task(
    ctx: Context, scope: str = "primary", on_progress: ProgressCallback | None = None
) -> TaskHandle:
    """Start FAM-12 in a thread. The permission is checked here, before anything starts.

    `on_progress(done, total)` is called from the task's thread: a UI must hop back to
    its own thread (Textual: `call_from_thread` or a message) before touching widgets.
    """
    handle = TaskHandle(begin_report(ctx, scope))
    threading.Thread(
        target=_run, args=(handle, ctx, scope, on_progress), daemon=True, name="fam12"
    ).start()
    return handle


def _run(
    handle: TaskHandle, ctx: Context, scope: str, on_progress: ProgressCallback | None
) -> None:
    from famtriage.core.report.current import report_for_context

    def step(done: float, _total: int) -> None:
        """The report's stages are the task's first ones; saving is the last."""
        handle._set(replace(handle.record, progress=done / _STAGES))
        if on_progress is not None:
            on_progress(done, _STAGES)
        if handle.is_cancelled():
            raise Cancelled("cancelled")

    try:
        report = report_for_context(ctx, scope, step)
        handle._ended(_finish(handle.record, "done", report, None))
        if on_progress is not None:
            on_progress(_STAGES, _STAGES)
    except Cancelled:
        handle._ended(_finish(handle.record, "cancelled", None, None))
    except Exception as exc:  # recorded for the task list; the thread must not die silently
        handle._ended(_end_quietly(handle.record, "failed", _failure(exc)))


def _failure(exc: BaseException) -> str:
    """Why a task failed, in one line (a file names itself)."""
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: cannot write: {exc.strerror}"
    return str(exc) or type(exc).__name__


def _end_quietly(record: TaskRecord, state: str, error: str | None = None) -> TaskRecord:
    """End a task without a result; a record that cannot be saved (a full disk) still
    ends in memory."""
    ended = _ended(record, state, None, error)
    with contextlib.suppress(OSError, FamtriageError):
        save_record(ended)
    return ended


class Run:
    """A task run in the caller's thread (`running`); the body keeps `record` current."""

    def __init__(self, record: TaskRecord | None) -> None:
        self.record = record

    def progress(self, share: float) -> None:
        """Save the running record's progress (0..1)."""
        if self.record is not None:
            self.record = replace(self.record, progress=round(share, 3))
            save_record(self.record)


@contextlib.contextmanager
def running(record: TaskRecord | None, kept: str) -> Iterator[Run]:
    """Run the body as task `record` (None: a task that could not be recorded), in the
    caller's thread. Ctrl-C ends it cancelled and raises `Interrupted`; a `Cancelled`
    from the body ends it cancelled too; any other error ends it failed. The body ends
    the task itself when it succeeds. `kept` says what was left behind ("no file was
    written"); the error names the task."""
    run = Run(record)
    named = f"; task {record.task_id} is recorded as cancelled" if record is not None else ""
    try:
        yield run
    except KeyboardInterrupt:
        if run.record is not None:
            _end_quietly(run.record, "cancelled")
        raise Interrupted(f"interrupted: {kept}{named}") from None
    except Cancelled:
        if run.record is not None:
            _end_quietly(run.record, "cancelled")
        raise Cancelled(f"cancelled: {kept}{named}") from None
    except BaseException as exc:
        if run.record is not None:
            _end_quietly(run.record, "failed", _failure(exc))
        raise


def tasks_document(records: list[TaskRecord], now: Stamp) -> dict:
    """The `tasks --json` document (DESIGN §6): times ISO 8601, ids integers; `stale`
    says whether a finished task's data may be older than the store (at `now`), and is
    null for a task with no result."""
    return {
        "tasks": [
            {
                "task_id": r.task_id,
                "kind": r.kind,
                "state": r.state,
                "progress": r.progress,
                "started_at": iso(r.started_at),
                "finished_at": iso(r.finished_at),
                "staff": r.staff,
                "org_id": r.org_id,
                "org_ids": list(r.org_ids),
                "scope": r.scope,
                "duration_s": r.duration_s,
                "error": r.error,
                "stale": r.is_stale(now) if r.state == "done" else None,
                "source_task": r.source_task,
                "output": r.output,
                "format": r.fmt,
                "selection": r.selection,
            }
            for r in records
        ]
    }


def _in_view(ctx: Context, record: TaskRecord) -> TaskRecord | None:
    """`record` as this session may see it: run on this store (tasks live in the OS
    user's data dir, shared by every store that user opens) and narrowed to the
    organizations in view; None when it holds none of them. A task run while the store
    held no organization shows nothing of any, so every session of the store sees it
    (else the app could not show the report it just ran on an empty store)."""
    if record.store != ctx.store.store_id():
        return None
    orgs = tuple(o for o in record.org_ids if o in ctx.orgs)
    if record.org_ids and not orgs:
        return None
    names = {o: n for o, n in record.org_names.items() if o in orgs}
    return replace(record, org_ids=orgs, org_names=names)


def list_tasks(ctx: Context) -> list[TaskRecord]:
    """The stored report tasks this session may see (needs reports.fam12), newest first,
    each narrowed to the organizations in view."""
    ctx.actor.require("reports.fam12")
    return [r for r in map(lambda rec: _in_view(ctx, rec), stored_records()) if r is not None]


def get_task(ctx: Context, task_id: int) -> TaskRecord:
    """One task as `list_tasks` shows it; another store's or organization's is unknown."""
    ctx.actor.require("reports.fam12")
    record = read_record(tasks_dir(), task_id)
    seen = _in_view(ctx, record) if record is not None else None
    if seen is None:
        raise NotFound(f"no task with id {task_id} on this store")
    return seen


def task_meta(record: TaskRecord) -> ExportMeta:
    """What an export of a stored task prints: its organizations and who ran it."""
    return ExportMeta(record.org_names, record.staff)


def load_task_report(ctx: Context, task_id: int) -> Report:
    """Reopen a finished task's report exactly as it was computed, holding only the
    organizations in view (a task over several shows an organization's member their
    own rows)."""
    record = get_task(ctx, task_id)
    if record.kind != KIND_REPORT:
        raise Conflict(
            f"task {task_id} is an export to {record.output}; "
            f"its report is task {record.source_task}"
        )
    if record.state != "done":
        raise Conflict(f"task {task_id} is {record.state}; it has no result to open")
    try:
        frames = read_frames(task_id, list(record.org_ids))
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise Conflict(f"task {task_id}: its stored result is missing or damaged") from exc
    return Report(
        generated_at=record.generated_at or record.started_at, scope=record.scope, **frames
    )
