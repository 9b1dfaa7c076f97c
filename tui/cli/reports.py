"""Export and task commands: writing a FAM-12 report as a file, and stored tasks.

`report` (in cli_engine) runs here as a task and hands its result here to be written;
a file export of it is a task of its own. `tasks` lists the stored tasks (a finished
report's marked when the store has changed since) and `tasks export` writes one without
recomputing it. Ctrl-C during either leaves no file and records the task as cancelled.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from famtriage.core.safe_text import display, display_lines
from famtriage.tui.cli.common import (
    EXIT_OK,
    add_command,
    as_json,
    context,
    emit,
    note,
    opt,
    progress,
    record_id,
)

if TYPE_CHECKING:
    from famtriage.core.access.context import Context
    from famtriage.core.exports.frame import ExportMeta
    from famtriage.core.report.fam12 import Report
    from famtriage.core.task_store import TaskRecord

BINARY = ("xlsx", "pdf")


def register(sub, common: argparse.ArgumentParser) -> None:
    p = add_command(sub, common, "tasks", "stored FAM-12 report tasks (newest first)", cmd_tasks)
    p.add_argument("--json", action="store_true")
    actions = p.add_subparsers(dest="tasks_action", metavar="ACTION")
    e = add_command(
        actions, common, "export", "write a stored task's report as a file", cmd_tasks_export
    )
    e.add_argument("task_id", type=record_id)
    e.add_argument("--format", choices=["csv", "xlsx", "pdf"], required=True)
    add_file_options(e)


def add_file_options(parser: argparse.ArgumentParser) -> None:
    """The options every export takes (`report` and `tasks export`)."""
    parser.add_argument("-o", "--output", type=Path, help="write to FILE instead of stdout")
    parser.add_argument("--force", action="store_true", help="overwrite an existing FILE")
    parser.add_argument("--excel", action="store_true", help="CSV: add a BOM for Excel")
    parser.add_argument("--paper", choices=["a4", "letter"], default="a4", help="PDF paper size")


@dataclass
class Ran:
    """What `report` ran: the report, what its files print and, from a store, the session
    and the task it is recorded as (None when tasks cannot be kept)."""

    report: Report
    meta: ExportMeta
    ctx: Context | None = None
    record: TaskRecord | None = None
    keeping: threading.Thread | None = None
    """Writes the finished task's result while the caller prints."""

    def join(self) -> None:
        if self.keeping is not None:
            self.keeping.join()


def run_report(args: argparse.Namespace) -> Ran:
    """The report for `report`: from --from DIR, or from the store, run as a task that is
    recorded from the start (a folder's report belongs to no store, so it is not kept).

    Ctrl-C while it computes records the task as cancelled (`core.tasks.running`); the
    finished task's result is kept by a thread (`Ran.join` before exit).
    """
    from famtriage.core.exports.frame import ExportMeta

    if opt(args, "from_dir") is not None:
        from famtriage.core.source.direct import report_from_export

        report = report_from_export(args.from_dir, args.scope, opt(args, "org"))
        org_ids = sorted(report.families["org_id"].unique().to_list())
        return Ran(report, ExportMeta({o: f"Organization {o}" for o in org_ids}, None))
    from famtriage.core.report.current import report_for_context
    from famtriage.core.tasks import begin_report, finish_task, running

    ctx = context(args)
    record = _kept(lambda: begin_report(ctx, args.scope))
    kept = "no file was written" if opt(args, "output") else "nothing was printed"
    with running(record, kept), progress("FAM-12 report") as on_progress:
        report = report_for_context(ctx, args.scope, on_progress)
    ran = Ran(report, ExportMeta(ctx.org_names(), ctx.actor.email), ctx, record)
    if record is not None:
        done = record
        ran.keeping = threading.Thread(
            target=_kept, args=(lambda: finish_task(done, "done", report),)
        )
        ran.keeping.start()
    return ran


def _kept(write: Callable[[], TaskRecord]) -> TaskRecord | None:
    """Keep a task's record; a tasks folder that cannot be written (read-only, refused)
    only costs that, and says so."""
    from famtriage.core.errors import Conflict

    try:
        return write()
    except (OSError, Conflict) as exc:
        note(f"famtriage: note: the report was not kept as a task ({exc})")
        return None


def check_output(args: argparse.Namespace) -> None:
    """Refuse a missing or unwritable -o before the report is computed."""
    from famtriage.core.errors import InputError
    from famtriage.core.files import check_target

    output = opt(args, "output")
    if output is None:
        if args.format in BINARY:
            raise InputError(f"--format {args.format} writes a file: name it with -o FILE")
        return
    check_target(output, force=args.force)


def write_report(
    report: Report,
    meta: ExportMeta,
    args: argparse.Namespace,
    ctx: Context | None = None,
    source: TaskRecord | None = None,
) -> int:
    """Write `report` in args.format to args.output (or stdout for text formats). A file
    export of a recorded task (`source`, on `ctx`'s store) is itself run as a task."""
    output = opt(args, "output")
    if args.format in ("csv", *BINARY) and output is not None:
        from famtriage.core.exports.write import FileOptions

        options = FileOptions(force=args.force, excel=args.excel, paper=args.paper)
        with progress(f"writing {args.format.upper()}") as on_progress:
            if ctx is None or source is None:
                from famtriage.core.exports.write import export_report
                from famtriage.core.tasks import running

                with running(None, "no file was written"):
                    written = export_report(
                        report,
                        output,
                        args.format,
                        meta,
                        force=options.force,
                        excel=options.excel,
                        paper=options.paper,
                        on_progress=on_progress,
                    )
            else:
                from famtriage.core.export_tasks import export_task

                written, _ = export_task(
                    ctx, source, report, output, args.format, meta, options, on_progress=on_progress
                )
        for warning in written.warnings:
            note(f"famtriage: warning: {warning}")
    else:
        data = _text(report, meta, args)
        if output is None and args.format == "csv" and sys.stdout.isatty():
            data = display_lines(data.decode("utf-8"), None).encode("utf-8")
        _write_text(data, output, args.force)
    if output is not None:
        note(f"wrote {output}")
    return EXIT_OK


def _text(report, meta, args: argparse.Namespace) -> bytes:
    """The table or JSON (neither holds a raw control character), or the CSV (its values
    exact: the caller escapes it for a terminal)."""
    if args.format == "csv":
        from famtriage.core.exports.csv import csv_bytes

        return csv_bytes(report, meta, excel=args.excel)
    if args.format == "json":
        from famtriage.core.report.documents import report_document

        return report_document(report)
    from famtriage.tui.cli.text_tables import report_text

    return report_text(report).encode("utf-8")


def _write_text(data: bytes, output: Path | None, force: bool) -> None:
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    from famtriage.core.files import write_private

    write_private(output, data, force=force)


def cmd_tasks(args: argparse.Namespace) -> int:
    from famtriage.core.formatting import iso
    from famtriage.core.tasks import list_tasks, store_stamp, tasks_document

    ctx = context(args)
    records = list_tasks(ctx)
    now = store_stamp(ctx)
    if args.json:
        emit(as_json(tasks_document(records, now)))
        return EXIT_OK
    if not records:
        emit("No tasks yet: run `famtriage report` or start one in the app.")
        return EXIT_OK
    lines = [
        "ID    WHAT    STATE        PROGRESS  STARTED                    SECONDS  STAFF  /  ORGS"
    ]
    stale = 0
    for r in records:
        seconds = "" if r.duration_s is None else f"{r.duration_s:.1f}"
        orgs = ", ".join(display(r.org_names.get(o, str(o))) for o in r.org_ids)
        state = r.state
        if r.state == "done" and r.is_stale(now):
            state, stale = "done*", stale + 1
        lines.append(
            f"{r.task_id:<5} {r.what:<7} {state:<12} {r.progress:>7.0%}  {iso(r.started_at):<26}"
            f" {seconds:>7}  {display(r.staff or '-')}  /  {orgs} ({r.scope})"
            + (f" → {display(r.output)}" if r.output else "")
        )
    if stale:
        lines.append(
            "* ran before the store's last change: the result may be stale "
            "(`famtriage report` makes a current one)."
        )
    emit("\n".join(lines))
    return EXIT_OK


def cmd_tasks_export(args: argparse.Namespace) -> int:
    from famtriage.core.tasks import get_task, load_task_report, store_stamp, task_meta

    check_output(args)
    ctx = context(args)
    report = load_task_report(ctx, args.task_id)
    record = get_task(ctx, args.task_id)
    if record.is_stale(store_stamp(ctx)):
        note(
            f"famtriage: note: task {record.task_id} ran before the store's last change; "
            "its report may be stale (`famtriage report` makes a current one)"
        )
    if opt(args, "output") is None:
        return write_report(report, task_meta(record), args)
    return write_report(report, task_meta(record), args, ctx, record)
