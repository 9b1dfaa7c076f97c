"""Ctrl-C during `report -o FILE` and `tasks export` on the command line: no file (not even
a temp file), the task recorded as cancelled, exit 130 with one line; stale tasks."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from famtriage.core.access.context import Context
from famtriage.core.actions.family_edits import delete
from famtriage.core.store.database import Store
from famtriage.tui.cli.main import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def tasks(capsys, db: Path) -> list[dict]:
    code, out, _ = run(capsys, "--db", str(db), "tasks", "--json")
    assert code == 0
    return json.loads(out)["tasks"]


@contextlib.contextmanager
def interrupt_while(stage: str) -> Iterator[None]:
    """Ctrl-C while the CLI shows the progress of `stage` ("FAM-12 report", "writing"):
    KeyboardInterrupt raised from the progress callback, as the interpreter raises it
    wherever the main thread is when SIGINT comes."""

    @contextlib.contextmanager
    def progress(label: str) -> Iterator:
        def step(done: int, total: int) -> None:
            if label.startswith(stage):
                raise KeyboardInterrupt

        yield step

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("famtriage.tui.cli.reports.progress", progress)
        yield


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_ctrl_c_while_report_writes_its_file(sample_db, out, capsys, fmt) -> None:
    with interrupt_while("writing"):
        code, stdout, err = run(
            capsys, "--db", str(sample_db), "report", "--format", fmt, "-o", str(out / f"r.{fmt}")
        )
    (export, report) = tasks(capsys, sample_db)
    assert (code, stdout) == (130, "")
    assert err == (
        f"famtriage: interrupted: no file was written; task {export['task_id']} is recorded "
        "as cancelled\n"
    )
    assert os.listdir(out) == []
    assert (export["kind"], export["state"], export["source_task"]) == (
        "export",
        "cancelled",
        report["task_id"],
    )
    assert (report["kind"], report["state"]) == ("report", "done")  # its result is kept


def test_ctrl_c_while_report_computes(sample_db, out, capsys) -> None:
    with interrupt_while("FAM-12 report"):
        code, _, err = run(
            capsys, "--db", str(sample_db), "report", "--format", "csv", "-o", str(out / "r.csv")
        )
    (report,) = tasks(capsys, sample_db)
    assert code == 130 and os.listdir(out) == []
    assert err == (
        f"famtriage: interrupted: no file was written; task {report['task_id']} is recorded "
        "as cancelled\n"
    )
    assert report["state"] == "cancelled" and report["stale"] is None


def test_ctrl_c_during_tasks_export(sample_db, out, capsys) -> None:
    db = ["--db", str(sample_db)]
    assert run(capsys, *db, "report")[0] == 0
    (report,) = tasks(capsys, sample_db)
    with interrupt_while("writing"):
        target = str(out / "t.xlsx")
        code, _, err = run(
            capsys, *db, "tasks", "export", str(report["task_id"]), "--format", "xlsx", "-o", target
        )
    assert code == 130 and len(err.splitlines()) == 1 and "recorded as cancelled" in err
    assert os.listdir(out) == []
    export, report = tasks(capsys, sample_db)
    assert (export["state"], export["format"], export["output"]) == ("cancelled", "xlsx", target)
    code, _, _ = run(
        capsys, *db, "tasks", "export", str(report["task_id"]), "--format", "xlsx", "-o", target
    )
    assert code == 0 and os.listdir(out) == ["t.xlsx"]  # the report is still there to export
    assert [t["state"] for t in tasks(capsys, sample_db)] == ["done", "cancelled", "done"]
    code, text, _ = run(capsys, *db, "tasks")
    assert code == 0
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["ID", "WHAT", "STATE"]
    assert lines[2].split()[1:3] == ["XLSX", "cancelled"] and lines[3].split()[1:3] == [
        "report",
        "done",
    ]


def test_sigint_during_a_real_export(tmp_path: Path, out: Path, capsys) -> None:
    """The real thing: famtriage in its own process, sent SIGINT once its temp file exists
    (the PDF of 50,000 families takes most of a second to lay out and write)."""
    db = tmp_path / "big.db"
    assert run(capsys, "--db", str(db), "demo", "--families", "50000", "--yes")[0] == 0
    argv = ["--db", str(db), "report", "--format", "pdf", "-o", str(out / "r.pdf")]
    proc = subprocess.Popen(
        [sys.executable, "-m", "famtriage.tui.cli.main", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not os.listdir(out):
        assert proc.poll() is None and time.monotonic() < deadline, "no temp file was made"
        time.sleep(0.002)
    proc.send_signal(signal.SIGINT)
    stdout, err = proc.communicate(timeout=60)
    export = tasks(capsys, db)[0]
    assert (proc.returncode, stdout) == (130, "")
    assert err == (
        f"famtriage: interrupted: no file was written; task {export['task_id']} is recorded "
        "as cancelled\n"
    )
    assert os.listdir(out) == []
    assert (export["kind"], export["state"]) == ("export", "cancelled")


def test_stale_tasks_on_the_cli(sample_db: Path, out: Path, capsys) -> None:
    db = ["--db", str(sample_db)]
    assert run(capsys, *db, "report")[0] == 0
    code, text, _ = run(capsys, *db, "tasks")
    assert code == 0 and "done*" not in text and "stale" not in text
    delete(Context.open(Store.open(sample_db)), 1003)
    code, text, _ = run(capsys, *db, "tasks")
    assert code == 0
    assert text.splitlines()[1].split()[1:3] == ["report", "done*"]
    assert text.splitlines()[-1].startswith("* ran before the store's last change")
    assert tasks(capsys, sample_db)[0]["stale"] is True
    task_id = tasks(capsys, sample_db)[0]["task_id"]
    code, _, err = run(
        capsys, *db, "tasks", "export", str(task_id), "--format", "csv", "-o", str(out / "t.csv")
    )
    assert code == 0
    assert err.splitlines()[0] == (
        f"famtriage: note: task {task_id} ran before the store's last change; its report may "
        "be stale (`famtriage report` makes a current one)"
    )
