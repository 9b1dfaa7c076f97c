"""Background FAM-12 report tasks, and the stored results they leave behind.

A task runs `report_for_context` in a thread, reports its stages through
`on_progress(done, total)`, stops between stages when cancelled, and persists a finished
report (frames as Parquet, metadata as JSON) under the user data dir, so the TUI's task
list and `famtriage tasks export` can reopen it without recomputing. The directory is
0700 and every file 0600: results hold personal data. A task's frames are written before
its record says "done", so a cancelled or crashed task never leaves a partial result.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

import polars as pl

from famtriage.core.errors import Cancelled, Conflict, FamtriageError, NotFound
from famtriage.core.exports.frame import ExportMeta
from famtriage.core.files import PrivateFolder
from famtriage.core.formatting import iso
from famtriage.core.report.fam12 import Report
from famtriage.core.store.config import data_dir

if TYPE_CHECKING:  # the store (SQLAlchemy) is loaded only by a task that runs a report
    from famtriage.core.access.context import Context

KIND_REPORT = "report"
STATES = ("running", "done", "cancelled", "failed", "interrupted")
_FRAMES = ("families", "groups", "possible")
_STAGES = 3  # load, build, save
KEEP = 100

ProgressCallback = Callable[[float, int], None]


@dataclass(frozen=True)
class TaskRecord:
    """What the task list shows about one task, and what an export of it prints."""

    task_id: int
    kind: str
    state: str
    progress: float
    started_at: datetime
    finished_at: datetime | None
    staff: str | None
    org_ids: tuple[int, ...]
    scope: str
    org_names: dict[int, str] = field(default_factory=dict, hash=False)
    generated_at: datetime | None = None
    duration_s: float | None = None
    error: str | None = None
    pid: int | None = None
    store: str | None = None
    """The identity of the store it ran on (tasks live in the user's data dir, shared by
    every store that user opens)."""

    @property
    def org_id(self) -> int | None:
        """The organization, when the task covered exactly one."""
        return self.org_ids[0] if len(self.org_ids) == 1 else None

    def to_json(self) -> dict:
        data = asdict(self)
        for key in ("started_at", "finished_at", "generated_at"):
            value = data[key]
            data[key] = value.isoformat() if value is not None else None
        data["org_ids"] = list(self.org_ids)
        data["org_names"] = {str(k): v for k, v in self.org_names.items()}
        return data

    @classmethod
    def from_json(cls, data: dict) -> TaskRecord:
        def when(key: str) -> datetime | None:
            return datetime.fromisoformat(data[key]) if data.get(key) else None

        return cls(
            task_id=int(data["task_id"]),
            kind=data["kind"],
            state=data["state"],
            progress=float(data["progress"]),
            started_at=datetime.fromisoformat(data["started_at"]),
            finished_at=when("finished_at"),
            staff=data.get("staff"),
            org_ids=tuple(data.get("org_ids") or ()),
            scope=data.get("scope", "primary"),
            org_names={int(k): v for k, v in (data.get("org_names") or {}).items()},
            generated_at=when("generated_at"),
            duration_s=data.get("duration_s"),
            error=data.get("error"),
            pid=data.get("pid"),
            store=data.get("store"),
        )


def tasks_dir() -> PrivateFolder:
    """The folder of stored tasks, in the user data dir: refused, with the path and why,
    unless it is the user's own and no one else may write to it (a result planted there
    would be shown as a report)."""
    return PrivateFolder.open(data_dir() / "tasks")


def _task_ids(root: PrivateFolder) -> list[int]:
    return [int(name) for name in root.names() if name.isdigit()]


def _prune(root: PrivateFolder) -> None:
    """Keep the newest KEEP tasks: a cron job running `report` must not fill the disk."""
    for task_id in sorted(_task_ids(root), reverse=True)[KEEP:]:
        shutil.rmtree(root.path / str(task_id), ignore_errors=True)


def _new_task_dir() -> int:
    """The next free task id, its private folder made (safe across processes)."""
    root = tasks_dir()
    _prune(root)
    task_id = max(_task_ids(root), default=0) + 1
    while True:
        try:
            (root.path / str(task_id)).mkdir(mode=0o700)
        except FileExistsError:
            task_id += 1
            continue
        return task_id


def _task_folder(task_id: int) -> PrivateFolder:
    return tasks_dir().folder(str(task_id))


def _save_record(record: TaskRecord) -> None:
    data = json.dumps(record.to_json(), ensure_ascii=False).encode("utf-8")
    _task_folder(record.task_id).write("task.json", data)


def _save_frames(task_id: int, report: Report) -> None:
    folder = _task_folder(task_id)
    for name in _FRAMES:
        buffer = io.BytesIO()
        getattr(report, name).write_parquet(buffer, compression="lz4")
        folder.write(f"{name}.parquet", buffer.getvalue())


def _begin(
    staff: str | None,
    orgs: dict[int, str],
    scope: str,
    started_at: datetime | None = None,
    store: str | None = None,
) -> TaskRecord:
    task_id = _new_task_dir()
    record = TaskRecord(
        task_id=task_id,
        kind=KIND_REPORT,
        state="running",
        progress=0.0,
        started_at=started_at or datetime.now().astimezone(),
        finished_at=None,
        staff=staff,
        org_ids=tuple(orgs),
        scope=scope,
        org_names=dict(orgs),
        pid=os.getpid(),
        store=store,
    )
    _save_record(record)
    return record


def _finish(record: TaskRecord, state: str, report: Report | None, error: str | None) -> TaskRecord:
    if report is not None:
        _save_frames(record.task_id, report)
    done = _ended(record, state, report, error)
    _save_record(done)
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


def record_report(
    report: Report,
    staff: str | None,
    orgs: dict[int, str],
    duration_s: float,
    store: str | None = None,
) -> TaskRecord:
    """Store a report computed elsewhere (the CLI's `report`) as a finished task; a file
    that cannot be written is a `Conflict` naming it."""
    started = datetime.fromtimestamp(time.time() - duration_s).astimezone()
    try:
        return _finish(_begin(staff, orgs, report.scope, started, store), "done", report, None)
    except OSError as exc:
        raise Conflict(f"{exc.filename}: cannot write: {exc.strerror}") from exc


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
    ctx.actor.require("reports.fam12")
    handle = TaskHandle(_begin(ctx.actor.email, ctx.org_names(), scope, store=ctx.store.store_id()))
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
        why = (
            f"{exc.filename}: cannot write: {exc.strerror}"
            if isinstance(exc, OSError) and exc.filename
            else str(exc) or type(exc).__name__
        )
        failed = _ended(handle.record, "failed", None, why)
        with contextlib.suppress(OSError, FamtriageError):  # a full disk: the handle still ends
            _save_record(failed)
        handle._ended(failed)


def tasks_document(records: list[TaskRecord]) -> dict:
    """The `tasks --json` document (DESIGN §6): times ISO 8601, ids integers."""
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
            }
            for r in records
        ]
    }


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_record(root: PrivateFolder, task_id: int) -> TaskRecord | None:
    try:
        folder = root.folder(str(task_id))
        record = TaskRecord.from_json(json.loads(folder.read("task.json").decode("utf-8")))
    except (Conflict, OSError, ValueError, KeyError, TypeError):
        return None
    if record.state == "running" and not _alive(record.pid):
        return replace(record, state="interrupted")
    return record


def _stored_records() -> list[TaskRecord]:
    """Every stored task of this OS user, newest first (a running task whose process
    died: interrupted), whatever store it ran on."""
    root = tasks_dir()
    records = [r for r in (_read_record(root, i) for i in _task_ids(root)) if r is not None]
    return sorted(records, key=lambda r: r.task_id, reverse=True)


def _in_view(ctx: Context, record: TaskRecord) -> TaskRecord | None:
    """`record` as this session may see it: run on this store (tasks live in the OS
    user's data dir, shared by every store that user opens) and narrowed to the
    organizations in view; None when it holds none of them."""
    if record.store != ctx.store.store_id():
        return None
    orgs = tuple(o for o in record.org_ids if o in ctx.orgs)
    if not orgs:
        return None
    names = {o: n for o, n in record.org_names.items() if o in orgs}
    return replace(record, org_ids=orgs, org_names=names)


def list_tasks(ctx: Context) -> list[TaskRecord]:
    """The stored report tasks this session may see (needs reports.fam12), newest first,
    each narrowed to the organizations in view."""
    ctx.actor.require("reports.fam12")
    return [r for r in map(lambda rec: _in_view(ctx, rec), _stored_records()) if r is not None]


def get_task(ctx: Context, task_id: int) -> TaskRecord:
    """One task as `list_tasks` shows it; another store's or organization's is unknown."""
    ctx.actor.require("reports.fam12")
    record = _read_record(tasks_dir(), task_id)
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
    if record.state != "done":
        raise Conflict(f"task {task_id} is {record.state}; it has no result to open")
    folder = _task_folder(task_id)
    mine = pl.col("org_id").is_in(list(record.org_ids))
    try:
        frames = {
            name: pl.read_parquet(folder.read(f"{name}.parquet")).filter(mine) for name in _FRAMES
        }
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise Conflict(f"task {task_id}: its stored result is missing or damaged") from exc
    return Report(
        generated_at=record.generated_at or record.started_at, scope=record.scope, **frames
    )
