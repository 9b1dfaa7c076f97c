"""An export of a stored report task, itself run as a task: listed by `famtriage tasks`
and the app's Tasks screen while it writes, then done, cancelled or failed.

The app and the CLI export through `export_task`, so an export stopped in the app (its
cancel key, or leaving the screen: `is_cancelled`) and one interrupted on the CLI
(Ctrl-C, raised from wherever the interpreter is) end the same way: no file, not even
the temp file it was written to (`core.files.private_target`), and the task recorded
as cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from famtriage.core.access.context import Context
from famtriage.core.exports.frame import ExportMeta, ProgressCallback
from famtriage.core.exports.write import Exported, FileOptions, check_export, export_report
from famtriage.core.report.fam12 import Report
from famtriage.core.task_store import TaskRecord
from famtriage.core.tasks import begin_export, finish_task, running

DEFAULTS = FileOptions()
SAVE_EVERY = 0.1
"""The running record's progress is saved each time it moves on by this much."""


def export_task(
    ctx: Context,
    source: TaskRecord,
    report: Report,
    path: Path,
    fmt: str,
    meta: ExportMeta,
    options: FileOptions = DEFAULTS,
    *,
    on_progress: ProgressCallback | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> tuple[Exported, TaskRecord]:
    """Write `report` (task `source`'s, or the part of it a screen showed: `meta.selection`
    says which) as `export_report` does, recorded as an export task of `source`.

    Cancelled (`is_cancelled`, or `on_progress` raising `Cancelled`) and interrupted
    (KeyboardInterrupt) exports raise `Cancelled` / `Interrupted` naming the task."""
    check_export(path, fmt, options.paper, force=options.force)  # a refusal is no task
    record = begin_export(ctx, source, str(path), fmt, meta.selection)
    with running(record, "no file was written") as run:
        saved = 0.0

        def step(done: int, total: int) -> None:
            nonlocal saved
            share = done / total if total else 1.0
            if share - saved >= SAVE_EVERY:
                saved = share
                run.progress(share)
            if on_progress is not None:
                on_progress(done, total)

        written = export_report(
            report,
            path,
            fmt,
            meta,
            force=options.force,
            excel=options.excel,
            paper=options.paper,
            on_progress=step,
            is_cancelled=is_cancelled,
            fonts=options.fonts,
        )
    return written, finish_task(record, "done")
