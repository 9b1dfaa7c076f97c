"""Exports of what the report screen shows, exports run as tasks (cancelled ones leave no
file, not even a temp file), and report tasks that may be stale."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import replace
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import xlsxwriter
from fpdf import FPDF
from pdf_support import installed_fonts
from pypdf import PdfReader

from famtriage.core.access.context import Context
from famtriage.core.actions.family_edits import delete
from famtriage.core.errors import Cancelled, Conflict, InputError, Interrupted
from famtriage.core.export_tasks import export_task
from famtriage.core.exports.csv import csv_bytes
from famtriage.core.exports.frame import ExportMeta, export_frame
from famtriage.core.report.fam12 import Report
from famtriage.core.report.view import GroupView, as_shown, group_position, sort_groups
from famtriage.core.task_store import TaskRecord
from famtriage.core.tasks import (
    begin_report,
    finish_task,
    get_task,
    list_tasks,
    load_task_report,
    start_report_task,
    store_stamp,
    task_meta,
    tasks_document,
)

MERGES = GroupView("merge", "families", descending=True)


@pytest.fixture
def done(ctx: Context) -> TaskRecord:
    """A finished report task on the sample store."""
    return start_report_task(ctx).wait(30)


@pytest.fixture
def report(ctx: Context, done: TaskRecord) -> Report:
    return load_task_report(ctx, done.task_id)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def _csv_groups(data: bytes) -> list[tuple[int, str]]:
    """The (org_id, email) of each group, in the order the CSV lists them."""
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    return list(dict.fromkeys((int(r["org_id"]), r["email"]) for r in rows))


# -- what the screen shows ------------------------------------------------------------


def test_as_shown_keeps_the_filtered_groups_in_the_screens_order(report: Report) -> None:
    shown = as_shown(report, MERGES)
    expected = sort_groups(
        report.groups.filter(pl.col("action") == "merge"), "families", descending=True
    )
    assert (
        shown.groups.select("org_id", "email").rows() == expected.select("org_id", "email").rows()
    )
    assert 0 < shown.group_count < report.group_count
    assert set(shown.families.select("org_id", "email").rows()) == set(
        expected.select("org_id", "email").rows()
    )
    assert shown.families.height == int(expected["families"].sum())
    assert _csv_groups(csv_bytes(shown)) == expected.select("org_id", "email").rows()


def test_export_rows_follow_the_groups_order_survivor_first(report: Report) -> None:
    shown = as_shown(report, GroupView("", "email", descending=True))
    assert shown.group_count == report.group_count
    expected = sort_groups(report.groups, "email", descending=True).select("org_id", "email")
    assert _csv_groups(csv_bytes(shown)) == expected.rows()
    frame = export_frame(shown, ExportMeta())
    assert frame["group"].to_list() == sorted(frame["group"].to_list())
    firsts = frame.group_by("group", maintain_order=True).first()
    assert set(firsts["role"]) <= {"survivor", "review"}


def test_everything_is_the_report_in_its_own_order(report: Report) -> None:
    everything = _csv_groups(csv_bytes(report))
    assert everything == report.groups.select("org_id", "email").rows()
    unfiltered = _csv_groups(csv_bytes(as_shown(report, GroupView())))  # by email, then org
    assert unfiltered != everything and sorted(unfiltered) == sorted(everything)


def test_the_filter_keeps_look_alikes_it_matches(report: Report) -> None:
    assert report.possible.height > 0
    first = report.possible.row(0, named=True)
    by_id = as_shown(report, GroupView(f"#{first['families'][0]}"))
    assert first["families"] in by_id.possible["families"].to_list()
    assert as_shown(report, GroupView("no such text anywhere")).possible.height == 0
    assert as_shown(report, GroupView()).possible.equals(report.possible)


def test_the_view_in_words(report: Report) -> None:
    assert MERGES.describe(3, 10) == 'filter "merge", sorted by families ▼ (3 of 10 groups)'
    assert GroupView().describe(1, 1) == "no filter, sorted by email ▲ (1 of 1 group)"
    groups = report.groups
    email = groups["email"][2]
    assert group_position(groups, int(groups["org_id"][2]), email) == 2
    assert group_position(groups, 999, email) is None


def test_files_of_a_view_say_so(ctx: Context, done, report, out: Path) -> None:
    installed_fonts()
    shown = as_shown(report, MERGES)
    meta = replace(task_meta(done), selection=MERGES.describe(shown.group_count, 10))
    export_task(ctx, done, shown, out / "v.xlsx", "xlsx", meta)
    summary = dict(
        openpyxl.load_workbook(out / "v.xlsx")["Summary"].iter_rows(min_row=3, values_only=True)
    )
    assert summary["Rows"] == f"as shown on screen: {meta.selection}"
    assert summary["Groups"] == shown.group_count
    export_task(ctx, done, report, out / "all.xlsx", "xlsx", task_meta(done))
    summary = dict(
        openpyxl.load_workbook(out / "all.xlsx")["Summary"].iter_rows(min_row=3, values_only=True)
    )
    assert summary["Rows"] == "every group"
    export_task(ctx, done, shown, out / "v.pdf", "pdf", meta)
    text = PdfReader(out / "v.pdf").pages[0].extract_text()
    assert "As shown on screen: filter" in text


# -- exports as tasks, and cancelling them --------------------------------------------


def test_an_export_is_a_task_of_its_report(ctx: Context, done, report, out: Path) -> None:
    written, record = export_task(ctx, done, report, out / "r.csv", "csv", task_meta(done))
    assert written.path.read_bytes() == csv_bytes(report, task_meta(done))
    assert (record.kind, record.state, record.progress) == ("export", "done", 1.0)
    assert (record.source_task, record.output, record.fmt) == (
        done.task_id,
        str(out / "r.csv"),
        "csv",
    )
    assert (record.generation, record.epoch) == (done.generation, done.epoch)
    assert [t.task_id for t in list_tasks(ctx)] == [record.task_id, done.task_id]
    assert get_task(ctx, record.task_id).what == "CSV" and done.what == "report"
    with pytest.raises(Conflict, match=f"is an export to .*; its report is task {done.task_id}"):
        load_task_report(ctx, record.task_id)


def test_a_refused_target_is_no_task(ctx: Context, done, report, out: Path) -> None:
    (out / "r.csv").write_text("keep me")
    with pytest.raises(Conflict, match="--force"):
        export_task(ctx, done, report, out / "r.csv", "csv", task_meta(done))
    assert [t.task_id for t in list_tasks(ctx)] == [done.task_id]
    assert (out / "r.csv").read_text() == "keep me"


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_cancel_leaves_no_file_and_records_the_task(ctx, done, report, out: Path, fmt) -> None:
    installed_fonts()
    with pytest.raises(Cancelled, match=r"no file was written; task \d+ is recorded as cancelled"):
        export_task(
            ctx, done, report, out / f"r.{fmt}", fmt, task_meta(done), is_cancelled=lambda: True
        )
    assert os.listdir(out) == []  # neither the target nor a temp file
    (export,) = [t for t in list_tasks(ctx) if t.kind == "export"]
    assert export.state == "cancelled" and export.finished_at is not None


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_ctrl_c_from_the_progress_callback(ctx, done, report, out: Path, fmt) -> None:
    """KeyboardInterrupt is raised wherever the interpreter is: here, from the callback."""
    installed_fonts()

    def interrupt(done_rows: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(Interrupted, match="interrupted: no file was written") as raised:
        export_task(
            ctx, done, report, out / f"r.{fmt}", fmt, task_meta(done), on_progress=interrupt
        )
    assert raised.value.exit_code == 130
    assert os.listdir(out) == []
    assert [t.state for t in list_tasks(ctx)] == ["cancelled", "done"]


@pytest.mark.parametrize(("fmt", "last_step"), [("xlsx", "Workbook.close"), ("pdf", "FPDF.output")])
def test_a_cancel_during_the_last_step_leaves_no_file(
    ctx, done, report, out, monkeypatch, fmt, last_step
):
    """Asked while the finished file was being written (after the last row): the temp
    file is removed instead of renamed."""
    installed_fonts()
    owner, name = last_step.split(".")
    cls = {"Workbook": xlsxwriter.Workbook, "FPDF": FPDF}[owner]
    asked: list[bool] = []
    real = getattr(cls, name)

    def last(self, *args, **kwargs):
        result = real(self, *args, **kwargs)
        asked.append(True)
        return result

    monkeypatch.setattr(cls, name, last)
    with pytest.raises(Cancelled):
        export_task(
            ctx,
            done,
            report,
            out / f"r.{fmt}",
            fmt,
            task_meta(done),
            is_cancelled=lambda: bool(asked),
        )
    assert asked and os.listdir(out) == []


def test_a_failed_export_is_recorded_failed(ctx, done, report, out, monkeypatch) -> None:
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(out / "r.csv"))

    monkeypatch.setattr(pl.DataFrame, "write_csv", full)
    with pytest.raises(InputError, match="No space left"):
        export_task(ctx, done, report, out / "r.csv", "csv", task_meta(done))
    assert os.listdir(out) == []
    (export,) = [t for t in list_tasks(ctx) if t.kind == "export"]
    assert export.state == "failed" and "No space left" in (export.error or "")


# -- stale tasks ----------------------------------------------------------------------


def test_a_task_is_stale_once_the_store_changes(ctx: Context, done: TaskRecord) -> None:
    assert done.generation is not None and done.epoch is not None
    assert not done.is_stale(store_stamp(ctx))
    assert tasks_document([done], store_stamp(ctx))["tasks"][0]["stale"] is False
    delete(ctx, 1003)
    now = store_stamp(ctx)
    assert done.is_stale(now) and get_task(ctx, done.task_id).is_stale(now)
    (task,) = tasks_document(list_tasks(ctx), now)["tasks"]
    assert task["stale"] is True
    assert not start_report_task(ctx).wait(30).is_stale(now)


def test_a_task_without_a_stamp_may_be_stale(ctx: Context, done: TaskRecord) -> None:
    older = replace(done, generation=None, epoch=None)  # written by an older famtriage
    assert older.is_stale(store_stamp(ctx))
    running = begin_report(ctx, "primary")
    document = tasks_document([running], store_stamp(ctx))["tasks"][0]
    assert document["stale"] is None  # no result yet
    assert finish_task(running, "cancelled").state == "cancelled"
