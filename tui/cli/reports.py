"""Export and task commands: writing a FAM-12 report as a file, and stored report tasks.

`report` (in cli_engine) hands its result here to be written; `tasks` lists the stored
report tasks and exports one without recomputing it.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
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
    from famtriage.core.exports.frame import ExportMeta
    from famtriage.core.report.fam12 import Report

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


def run_report(args: argparse.Namespace) -> tuple[Report, ExportMeta, threading.Thread | None]:
    """The report for `report`: from --from DIR, or from the store and then recorded as a
    finished task (a folder's report belongs to no store, so it is not kept).

    Returns the report, the metadata its files print (organizations, staff) and the
    thread keeping the task, which writes while the caller prints (join it before exit).
    """
    from famtriage.core.exports.frame import ExportMeta

    started = time.monotonic()
    if opt(args, "from_dir") is not None:
        from famtriage.core.source.direct import report_from_export

        report = report_from_export(args.from_dir, args.scope, opt(args, "org"))
        org_ids = sorted(report.families["org_id"].unique().to_list())
        return report, ExportMeta({o: f"Organization {o}" for o in org_ids}, None), None
    from famtriage.core.report.current import report_for_context

    ctx = context(args)
    with progress("FAM-12 report") as on_progress:
        report = report_for_context(ctx, args.scope, on_progress)
    meta = ExportMeta(ctx.org_names(), ctx.actor.email)
    keeping = threading.Thread(
        target=_record, args=(report, meta, time.monotonic() - started, ctx.store.store_id())
    )
    keeping.start()
    return report, meta, keeping


def _record(report, meta, duration_s: float, store: str) -> None:
    """Keep the result for the TUI's task list; a read-only data dir only costs that."""
    from famtriage.core.errors import FamtriageError
    from famtriage.core.tasks import record_report

    try:
        record_report(report, meta.staff, meta.org_names, duration_s, store)
    except (OSError, FamtriageError) as exc:
        note(f"famtriage: note: the report was not kept as a task ({exc})")


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


def write_report(report, meta, args: argparse.Namespace) -> int:
    """Write `report` in args.format to args.output (or stdout for text formats)."""
    output = opt(args, "output")
    if args.format in ("csv", *BINARY) and output is not None:
        from famtriage.core.exports.write import export_report

        with progress(f"writing {args.format.upper()}") as on_progress:
            written = export_report(
                report,
                output,
                args.format,
                meta,
                force=args.force,
                excel=args.excel,
                paper=args.paper,
                on_progress=on_progress,
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
    from famtriage.core.tasks import list_tasks, tasks_document

    records = list_tasks(context(args))
    if args.json:
        emit(as_json(tasks_document(records)))
        return EXIT_OK
    if not records:
        emit("No report tasks yet: run `famtriage report` or start one in the app.")
        return EXIT_OK
    lines = ["ID    STATE        PROGRESS  STARTED                    SECONDS  STAFF  /  ORGS"]
    for r in records:
        seconds = "" if r.duration_s is None else f"{r.duration_s:.1f}"
        orgs = ", ".join(display(r.org_names.get(o, str(o))) for o in r.org_ids)
        lines.append(
            f"{r.task_id:<5} {r.state:<12} {r.progress:>7.0%}  {iso(r.started_at):<26} {seconds:>7}"
            f"  {display(r.staff or '-')}  /  {orgs} ({r.scope})"
        )
    emit("\n".join(lines))
    return EXIT_OK


def cmd_tasks_export(args: argparse.Namespace) -> int:
    from famtriage.core.tasks import get_task, load_task_report, task_meta

    check_output(args)
    ctx = context(args)
    report = load_task_report(ctx, args.task_id)
    return write_report(report, task_meta(get_task(ctx, args.task_id)), args)
