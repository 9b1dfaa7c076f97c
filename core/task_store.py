"""Where tasks are kept: one private folder per task in the user data dir, holding its
record (`task.json`) and, for a finished report, its frames as Parquet.

The folder is 0700 and every file 0600: results hold personal data. Tasks of every store
the OS user opens share it (`TaskRecord.store` says which store a task ran on); the
newest KEEP are kept.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

import polars as pl

from famtriage.core.errors import Conflict
from famtriage.core.files import PrivateFolder
from famtriage.core.report.fam12 import Report
from famtriage.core.store.config import data_dir

if TYPE_CHECKING:
    from famtriage.core.store.database import Stamp

KIND_REPORT = "report"
KIND_EXPORT = "export"
"""A task computes a FAM-12 report, or writes one (a stored task's) to a file."""
STATES = ("running", "done", "cancelled", "failed", "interrupted")
FRAMES = ("families", "groups", "possible")
KEEP = 100


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
    generation: int | None = None
    epoch: str | None = None
    """The store's generation and epoch (`Store.stamp`) when the report's data was read:
    a store whose stamp differs now has changed since (`is_stale`)."""
    source_task: int | None = None
    output: str | None = None
    fmt: str | None = None
    selection: str | None = None
    """An export: the report task it wrote, the file, its format, and what part of the
    report (None: all of it; else the screen's view in words)."""

    @property
    def what(self) -> str:
        """The task in a word, as lists show it: "report", or an export's format ("CSV")."""
        return self.fmt.upper() if self.fmt else self.kind

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
            generation=data.get("generation"),
            epoch=data.get("epoch"),
            source_task=data.get("source_task"),
            output=data.get("output"),
            fmt=data.get("fmt"),
            selection=data.get("selection"),
        )

    def is_stale(self, now: Stamp) -> bool:
        """Whether the store (at stamp `now`) may have changed since this task read it:
        another generation or epoch, a stamp that proves nothing (None epoch), or a task
        that recorded none (made by an older famtriage)."""
        if self.generation is None or now.epoch is None:
            return True
        return (self.generation, self.epoch) != (now.generation, now.epoch)


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


def new_task_dir() -> int:
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


def task_folder(task_id: int) -> PrivateFolder:
    return tasks_dir().folder(str(task_id))


def save_record(record: TaskRecord) -> None:
    data = json.dumps(record.to_json(), ensure_ascii=False).encode("utf-8")
    task_folder(record.task_id).write("task.json", data)


def save_frames(task_id: int, report: Report) -> None:
    folder = task_folder(task_id)
    for name in FRAMES:
        buffer = io.BytesIO()
        getattr(report, name).write_parquet(buffer, compression="lz4")
        folder.write(f"{name}.parquet", buffer.getvalue())


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


def read_record(root: PrivateFolder, task_id: int) -> TaskRecord | None:
    """A task's record, or None when it cannot be read (a damaged or planted folder)."""
    try:
        folder = root.folder(str(task_id))
        record = TaskRecord.from_json(json.loads(folder.read("task.json").decode("utf-8")))
    except (Conflict, OSError, ValueError, KeyError, TypeError):
        return None
    if record.state == "running" and not _alive(record.pid):
        return replace(record, state="interrupted")
    return record


def stored_records() -> list[TaskRecord]:
    """Every stored task of this OS user, newest first (a running task whose process
    died: interrupted), whatever store it ran on."""
    root = tasks_dir()
    records = [r for r in (read_record(root, i) for i in _task_ids(root)) if r is not None]
    return sorted(records, key=lambda r: r.task_id, reverse=True)


def read_frames(task_id: int, org_ids: list[int]) -> dict[str, pl.DataFrame]:
    """A finished report task's frames, holding only the rows of `org_ids`."""
    folder = task_folder(task_id)
    mine = pl.col("org_id").is_in(org_ids)
    return {name: pl.read_parquet(folder.read(f"{name}.parquet")).filter(mine) for name in FRAMES}
