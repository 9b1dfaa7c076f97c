"""Background report tasks: progress, cancel, stored results, and the `tasks` commands."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import openpyxl
import pytest
from pdf_support import installed_fonts

from famtriage.core.access.context import Context
from famtriage.core.errors import Conflict, NotFound, PermissionDenied
from famtriage.core.report.current import report_for_context
from famtriage.core.store.database import Store
from famtriage.core.tasks import (
    get_task,
    list_tasks,
    load_task_report,
    start_report_task,
    tasks_dir,
)
from famtriage.tui.cli.main import main

TASK_KEYS = {"task_id", "kind", "state", "progress", "started_at", "finished_at", "staff", "org_id"}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_task_reports_progress_and_stores_a_private_result(ctx: Context) -> None:
    seen: list[tuple[float, int]] = []
    handle = start_report_task(ctx, "primary", lambda done, total: seen.append((done, total)))
    record = handle.wait(30)
    assert (record.state, record.progress, handle.state) == ("done", 1.0, "done")
    assert seen[0] == (0, 3) and seen[-3:] == [(1, 3), (2, 3), (3, 3)]
    reading = [done for done, _ in seen[:-3]]  # the snapshot built on the way, as it reads
    assert len(reading) > 2 and reading == sorted(reading) and reading[-1] == 1
    assert record.staff == "admin@famtriage.test" and record.org_ids == (1, 2)
    assert record.duration_s is not None and record.finished_at is not None
    folder = tasks_dir().path / str(record.task_id)
    assert _mode(folder) == 0o700
    assert all(_mode(f) == 0o600 for f in folder.iterdir())
    assert sorted(f.name for f in folder.iterdir()) == [
        "families.parquet",
        "groups.parquet",
        "possible.parquet",
        "task.json",
    ]


def test_stored_task_reopens_with_the_same_groups(ctx: Context) -> None:
    record = start_report_task(ctx, "all-logins").wait(30)
    stored = load_task_report(ctx, record.task_id)
    fresh = report_for_context(ctx, "all-logins")
    assert stored.scope == "all-logins"
    assert stored.groups.equals(fresh.groups)
    assert stored.families.equals(fresh.families)
    assert stored.generated_at == record.generated_at
    assert [t.task_id for t in list_tasks(ctx)] == [record.task_id]


def test_cancelled_task_leaves_no_result(ctx: Context) -> None:
    gate = threading.Event()

    def hold_first_stage(done: int, total: int) -> None:
        if done == 0:
            gate.wait(30)

    handle = start_report_task(ctx, "primary", hold_first_stage)
    handle.cancel()
    gate.set()
    record = handle.wait(30)
    assert record.state == "cancelled" and record.progress < 1
    folder = tasks_dir().path / str(record.task_id)
    assert [f.name for f in folder.iterdir()] == ["task.json"]
    assert get_task(ctx, record.task_id).state == "cancelled"
    with pytest.raises(Conflict, match="cancelled"):
        load_task_report(ctx, record.task_id)


def test_task_needs_the_report_permission(store) -> None:
    desk = Context.open(store, "desk@riverside.test")
    with pytest.raises(PermissionDenied, match=r"reports\.fam12"):
        start_report_task(desk)
    with pytest.raises(PermissionDenied, match=r"reports\.fam12"):
        list_tasks(desk)
    assert list_tasks(Context.open(store)) == []


def test_unknown_task_is_not_found(ctx: Context) -> None:
    with pytest.raises(NotFound):
        load_task_report(ctx, 42)


def test_cli_report_is_recorded_and_listed(sample_db: Path, capsys) -> None:
    assert main(["--db", str(sample_db), "report", "--format", "json"]) == 0
    groups = len(json.loads(capsys.readouterr().out)["groups"])
    assert main(["--db", str(sample_db), "tasks", "--json"]) == 0
    tasks = json.loads(capsys.readouterr().out)["tasks"]
    assert len(tasks) == 1 and set(tasks[0]) >= TASK_KEYS
    assert (tasks[0]["kind"], tasks[0]["state"], tasks[0]["progress"]) == ("report", "done", 1.0)
    assert tasks[0]["staff"] == "admin@famtriage.test"
    ctx = Context.open(Store.open(sample_db))
    assert load_task_report(ctx, tasks[0]["task_id"]).group_count == groups
    assert main(["--db", str(sample_db), "tasks"]) == 0
    assert "done" in capsys.readouterr().out


def test_cli_tasks_export(sample_db: Path, tmp_path: Path, capsys) -> None:
    db = ["--db", str(sample_db)]
    assert main([*db, "report"]) == 0
    task_id = list_tasks(Context.open(Store.open(sample_db)))[0].task_id
    out = tmp_path / "t.xlsx"
    other = ["--db", str(tmp_path / "other.db")]
    assert main([*other, "tasks", "export", str(task_id), "--format", "csv", "-o", str(out)]) == 2
    assert f"no task with id {task_id} on this store" in capsys.readouterr().err
    assert main([*db, "tasks", "export", str(task_id), "--format", "xlsx", "-o", str(out)]) == 0
    summary = dict(openpyxl.load_workbook(out)["Summary"].iter_rows(min_row=3, values_only=True))
    assert summary["Run by"] == "admin@famtriage.test"
    assert _mode(out) == 0o600
    assert (
        main([*db, "tasks", "export", "999", "--format", "csv", "-o", str(tmp_path / "x.csv")]) == 2
    )
    assert "no task with id 999" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--format", "xlsx"], 2, "-o FILE"),
        (["--format", "pdf"], 2, "-o FILE"),
        (["--format", "csv", "-o", "{tmp}/missing/r.csv"], 2, "no such directory"),
        (["--format", "pdf", "-o", "{tmp}"], 2, "is a directory"),
        (["--format", "csv", "-o", "{tmp}/exists.csv"], 1, "pass --force"),
    ],
)
def test_cli_report_refuses_bad_output(sample_db, tmp_path, capsys, argv, code, message) -> None:
    (tmp_path / "exists.csv").write_text("keep me")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(["--db", str(sample_db), "report", *argv]) == code
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert (tmp_path / "exists.csv").read_text() == "keep me"
    assert list_tasks(Context.open(Store.open(sample_db))) == []


def test_cli_report_formats_to_files(sample_db: Path, tmp_path: Path, capsys) -> None:
    installed_fonts()
    db = ["--db", str(sample_db)]
    for fmt in ("csv", "xlsx", "pdf", "json", "table"):
        path = tmp_path / f"r.{fmt}"
        assert main([*db, "report", "--format", fmt, "-o", str(path)]) == 0
        assert _mode(path) == 0o600 and path.stat().st_size > 0
    path = tmp_path / "r.csv"
    assert main([*db, "report", "--format", "csv", "-o", str(path), "--force", "--excel"]) == 0
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert main([*db, "report", "--format", "csv", "--scope", "all-logins"]) == 0
    assert capsys.readouterr().out.startswith("group,org_id,")


def test_cli_report_from_folder_to_pdf(tmp_path: Path) -> None:
    from famtriage.core.store import config

    installed_fonts()
    path = tmp_path / "r.pdf"
    argv = ["report", "--from", str(config.SAMPLE_DATA), "--format", "pdf", "-o", str(path)]
    assert main([*argv, "--paper", "letter"]) == 0
    assert path.read_bytes().startswith(b"%PDF")


def test_cli_report_still_prints_when_tasks_cannot_be_kept(
    sample_db: Path, monkeypatch, capsys
) -> None:
    def read_only(*args, **kwargs):
        raise PermissionError("read-only file system")

    monkeypatch.setattr("famtriage.core.tasks.new_task_dir", read_only)
    assert main(["--db", str(sample_db), "report", "--format", "csv"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("group,") and "not kept as a task" in captured.err
