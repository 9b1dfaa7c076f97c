"""Files famtriage writes and folders it keeps: refused when not the user's own or open to
others, never written through a planted symlink, paths never read as glob patterns, no
device or FIFO ever replaced by an export, and every failure one line naming the path.

Each case checks the exit code, the message and that nothing else changed. Cases that
need file permissions to bind (which root overrides) or a full disk run famtriage as its
own process, without root's override.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from test_snapshot_trust import sqlite_write
from trust_support import famtriage, ready, run

from famtriage.core.errors import InputError
from famtriage.core.files import check_target
from famtriage.core.report import snapshot, store_frames
from famtriage.core.store.config import data_dir

ROOT = os.geteuid() == 0
as_root = pytest.mark.skipif(not ROOT, reason="only root can hand a folder to another user")

UNIQUE_EMAILS = (
    "UPDATE guardians SET email = 'g' || guardian_id || '@decoy.test', "
    "email_norm = 'g' || guardian_id || '@decoy.test';"
)
"""Every login its own: a store with no group, every organization ready."""

DECOY = (
    UNIQUE_EMAILS + "UPDATE guardians SET email = 'one@decoy.test', email_norm = 'one@decoy.test' "
    "WHERE is_primary AND family_id IN (SELECT family_id FROM families WHERE org_id = 1);"
)
"""A store whose answers differ from the sample's every way: organization 1 is one big
group, organization 2 is ready."""


def snapshot_folder(db: Path) -> Path:
    return db.with_name(db.name + ".snapshot")


def tree(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, tuple[int, bytes | str]]:
    """What a folder holds, to compare before and after: mode and content (or link);
    entries at its top whose names are in `skip` are left out."""
    out: dict[str, tuple[int, bytes | str]] = {}
    for path in sorted(folder.rglob("*")):
        if path.relative_to(folder).parts[0] in skip:
            continue
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            body: bytes | str = os.readlink(path)
        elif stat.S_ISREG(info.st_mode):
            body = path.read_bytes()
        else:
            body = ""
        out[str(path.relative_to(folder))] = (info.st_mode, body)
    return out


def store_rows(db: Path) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(
            "SELECT guardian_id, family_id, email FROM guardians ORDER BY 1"
        ).fetchall()
    finally:
        conn.close()


@pytest.fixture
def reference(
    sample_db: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """What a pristine copy of the store answers (its own snapshot, its own data dir)."""
    twin = tmp_path / "twin" / "store.db"
    twin.parent.mkdir()
    shutil.copy(sample_db, twin)
    data_home = os.environ["XDG_DATA_HOME"]
    monkeypatch.setenv("XDG_DATA_HOME", str(twin.parent / "data"))
    out = {}
    for name, argv in ANSWERS.items():
        code, text, err = run(capsys, "--db", str(twin), *argv)
        assert (code, err) == (0, "")
        out[name] = text
    monkeypatch.setenv("XDG_DATA_HOME", data_home)
    return out


def same(name: str, got: str, expected: str) -> bool:
    """One answer as the reference gave it (JSON compared as data: key order is free)."""
    return json.loads(got) == json.loads(expected) if name == "readiness" else got == expected


ANSWERS = {"readiness": ["readiness", "--json"], "csv": ["report", "--format", "csv"]}


# --- the snapshot folder ----------------------------------------------------------------


def _open_to_all(folder: Path, victim: Path) -> str:
    folder.mkdir()
    folder.chmod(0o777)
    for name in (".logins.parquet.tmp", "stamp.json", "logins.parquet"):
        (folder / name).symlink_to(victim)
    return "other users may write to it (mode 0777); run chmod go-w on it"


def _a_symlink(folder: Path, victim: Path) -> str:
    elsewhere = victim.parent / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    folder.symlink_to(elsewhere)
    return "is a symbolic link, not a folder; remove it"


def _a_file(folder: Path, victim: Path) -> str:
    folder.write_text("not a folder")
    return "is not a folder; remove it"


def _someone_elses(folder: Path, victim: Path) -> str:
    folder.mkdir(mode=0o700)
    os.chown(folder, 12345, 12345)
    return "belongs to another user (uid 12345), not to you; remove it"


SNAPSHOT_FOLDERS: dict[str, Callable[[Path, Path], str]] = {
    "open to all, symlinks planted": _open_to_all,
    "a symlink to a folder": _a_symlink,
    "a regular file": _a_file,
    "another user's": _someone_elses,
}


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=as_root) if c == "another user's" else c for c in SNAPSHOT_FOLDERS],
)
def test_a_snapshot_folder_not_the_users_own_is_not_used(
    case: str, sample_db: Path, tmp_path: Path, reference: dict[str, str], capsys
) -> None:
    folder = snapshot_folder(sample_db)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    why = SNAPSHOT_FOLDERS[case](folder, victim)
    skip = ("store.db", "store.db-wal", "store.db-shm", "twin")
    before = tree(tmp_path, skip)
    for name, argv in ANSWERS.items():
        code, out, err = run(capsys, "--db", str(sample_db), *argv)
        assert code == 0 and same(name, out, reference[name])
        assert err == (
            f"famtriage: warning: {folder}: {why}; "
            "the snapshot is not used, answers are read from the store (slower)\n"
        )
    assert victim.read_text() == "precious"
    assert tree(tmp_path, skip) == before


def test_a_symlink_planted_in_the_users_own_snapshot_folder_is_never_followed(
    sample_db: Path, tmp_path: Path, reference: dict[str, str], capsys
) -> None:
    """A decoy stamp behind a symlink (as a world-writable folder once allowed) is not
    read, and the rename that writes the real stamp replaces the link, not its target."""
    code, _, _ = run(capsys, "--db", str(sample_db), "readiness")
    folder = snapshot_folder(sample_db)
    decoy = tmp_path / "decoy-stamp.json"
    decoy.write_bytes((folder / "stamp.json").read_bytes())
    (folder / "stamp.json").unlink()
    (folder / "stamp.json").symlink_to(decoy)
    sqlite_write(sample_db, "UPDATE guardians SET email_norm = 'x@y.z' WHERE guardian_id = 5005")
    code, out, err = run(capsys, "--db", str(sample_db), "report", "--format", "csv")
    assert (code, err) == (0, "") and out != reference["csv"]
    assert "tom.baker@mail.com" not in {line.split(",")[3] for line in out.splitlines()[1:]}
    assert decoy.read_bytes() != b"" and not (folder / "stamp.json").is_symlink()
    assert (
        json.loads(decoy.read_text())["epoch"]
        != json.loads((folder / "stamp.json").read_text())["epoch"]
    )


# --- paths are names, not patterns ------------------------------------------------------

GLOB_NAMES = [("s[1].db", "s1.db"), ("s*.db", "sX.db"), ("s?.db", "sA.db")]


@pytest.mark.parametrize("name, decoy", GLOB_NAMES, ids=[n for n, _ in GLOB_NAMES])
def test_a_store_named_like_a_pattern_reads_its_own_snapshot(
    name: str, decoy: str, sample_db: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    """Beside the store sits a decoy whose snapshot has the very same file names (every
    organization ready): a path read as a glob would answer from it."""
    target, other = tmp_path / name, tmp_path / decoy
    shutil.copy(sample_db, target)
    shutil.copy(sample_db, other)
    sqlite_write(other, DECOY)
    first = json.loads(run(capsys, "--db", str(target), "readiness", "--json")[1])
    assert ready({"readiness": first}) == {1: False, 2: False}
    assert run(capsys, "--db", str(other), "readiness")[0] == 0
    mine, theirs = snapshot_folder(target), snapshot_folder(other)
    decoys = {path.name.split(".")[0]: path for path in theirs.glob("*.parquet")}
    for path in mine.glob("*.parquet"):
        decoys[path.name.split(".")[0]].rename(theirs / path.name)
    reads: list[object] = []
    monkeypatch.setattr(snapshot, "_store_tables", lambda *a: reads.append(a))
    monkeypatch.setattr(store_frames, "read", lambda *a: reads.append(a))
    code, out, err = run(capsys, "--db", str(target), "readiness", "--json")
    assert (code, err, reads) == (0, "", [])  # answered from its own files
    assert json.loads(out) == first


def test_a_data_dir_named_like_a_pattern_reads_its_own_tasks(
    sample_db: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    decoy_db = tmp_path / "decoy.db"
    shutil.copy(sample_db, decoy_db)
    sqlite_write(decoy_db, UNIQUE_EMAILS)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "d1"))
    assert run(capsys, "--db", str(decoy_db), "report")[0] == 0
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "d[1]"))
    assert run(capsys, "--db", str(sample_db), "report")[0] == 0
    out = tmp_path / "task.csv"
    argv = ["--db", str(sample_db), "tasks", "export", "1", "--format", "csv", "-o", str(out)]
    code, _, err = run(capsys, *argv)
    assert code == 0 and err == f"wrote {out}\n"
    emails = {line.split(",")[3] for line in out.read_text().splitlines()[1:]}
    assert "jane.doe@example.com" in emails


# --- the tasks folder -------------------------------------------------------------------


def _tasks_open_to_all(folder: Path) -> str:
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    return "other users may write to it (mode 0777); run chmod go-w on it"


def _tasks_a_symlink(folder: Path) -> str:
    elsewhere = folder.parent / "elsewhere"
    elsewhere.mkdir(parents=True, mode=0o700)
    folder.symlink_to(elsewhere)
    return "is a symbolic link, not a folder; remove it"


def _tasks_someone_elses(folder: Path) -> str:
    folder.mkdir(parents=True, mode=0o700)
    os.chown(folder, 12345, 12345)
    return "belongs to another user (uid 12345), not to you; remove it"


TASK_FOLDERS: dict[str, Callable[[Path], str]] = {
    "open to all": _tasks_open_to_all,
    "a symlink": _tasks_a_symlink,
    "another user's": _tasks_someone_elses,
}


@pytest.mark.parametrize(
    "case", [pytest.param(c, marks=as_root) if c == "another user's" else c for c in TASK_FOLDERS]
)
def test_a_tasks_folder_not_the_users_own_is_refused(
    case: str, sample_db: Path, reference: dict[str, str], capsys
) -> None:
    folder = data_dir() / "tasks"
    why = TASK_FOLDERS[case](folder)
    before = tree(data_dir())
    code, out, err = run(capsys, "--db", str(sample_db), "tasks")
    assert (code, out, err) == (1, "", f"famtriage: {folder}: {why}\n")
    code, out, err = run(capsys, "--db", str(sample_db), "report", "--format", "csv")
    assert (code, out) == (0, reference["csv"])
    assert err == f"famtriage: note: the report was not kept as a task ({folder}: {why})\n"
    assert tree(data_dir()) == before


def test_a_task_folder_that_is_a_symlink_is_not_listed_or_opened(
    sample_db: Path, tmp_path: Path, capsys
) -> None:
    assert run(capsys, "--db", str(sample_db), "report")[0] == 0
    root = data_dir() / "tasks"
    planted = tmp_path / "planted"
    shutil.copytree(root / "1", planted)
    (root / "7").symlink_to(planted)
    db = ["--db", str(sample_db)]
    code, out, _ = run(capsys, *db, "tasks", "--json")
    assert code == 0 and [t["task_id"] for t in json.loads(out)["tasks"]] == [1]
    target = tmp_path / "t.csv"
    code, out, err = run(capsys, *db, "tasks", "export", "7", "--format", "csv", "-o", str(target))
    assert (code, out, err) == (2, "", "famtriage: no task with id 7 on this store\n")
    assert not target.exists()


# --- -o onto what is not a regular file -------------------------------------------------


def _fifo(path: Path) -> str:
    os.mkfifo(path)
    return "is a FIFO"


def _socket(path: Path) -> str:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    sock.close()
    return "is a socket"


def _null_device(path: Path) -> str:
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return "is a character device"


def _link_to_fifo(path: Path) -> str:
    os.mkfifo(path.with_name("fifo"))
    path.symlink_to(path.with_name("fifo"))  # what /dev/stdout is to a pipe
    return "is a FIFO"


SPECIAL: dict[str, Callable[[Path], str]] = {
    "FIFO": _fifo,
    "socket": _socket,
    "character device (a /dev/null twin)": _null_device,
    "symlink to a FIFO": _link_to_fifo,
}


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=as_root) if "device" in c else c for c in SPECIAL],
)
def test_an_export_never_replaces_a_special_file(
    case: str, fmt: str, sample_db: Path, capsys
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="ft-", dir="/tmp"))  # short: socket paths
    try:
        target = folder / "out"
        why = SPECIAL[case](target)
        before = tree(folder)
        argv = ["--db", str(sample_db), "report", "--format", fmt, "-o", str(target), "--force"]
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, "")
        assert err == f"famtriage: {target}: {why}; famtriage writes only regular files\n"
        assert tree(folder) == before
    finally:
        shutil.rmtree(folder)


@pytest.mark.parametrize("device", ["/dev/null", "/dev/full", "/dev/zero"])
def test_devices_are_refused_before_anything_is_written(device: str) -> None:
    with pytest.raises(InputError, match=rf"^{device}: is a character device;"):
        check_target(Path(device), force=True)


def test_demo_out_writes_private_files(tmp_path: Path, capsys) -> None:
    out = tmp_path / "export"
    code, _, err = run(capsys, "demo", "--families", "50", "--out", str(out))
    assert code == 0 and err == f"wrote a 50-family export to {out}\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    files = sorted(out.iterdir())
    assert {f.name for f in files} >= {"families.parquet", "guardians.parquet"}
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)


def test_demo_out_onto_a_file_is_one_line(tmp_path: Path, capsys) -> None:
    out = tmp_path / "export"
    out.write_text("keep me")
    code, _, err = run(capsys, "demo", "--families", "50", "--out", str(out))
    assert (code, err) == (2, f"famtriage: {out}: cannot create the folder: File exists\n")
    assert out.read_text() == "keep me"


# --- failures are one line naming the path ----------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["report"],
        ["report", "--format", "json"],
        ["report", "--format", "csv"],
        ["readiness"],
        ["search", "jane.doe@example.com", "--json"],
        ["plan", "--json"],
        ["tasks"],
    ],
    ids=" ".join,
)
def test_writing_to_a_full_stdout_is_one_line(
    argv: list[str], sample_db: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As `famtriage ... > /dev/full`."""
    before = store_rows(sample_db)
    with open("/dev/full", "w") as full:
        monkeypatch.setattr(sys, "stdout", full)
        code, _, err = run(capsys, "--db", str(sample_db), *argv)
    assert (code, err) == (1, "famtriage: /dev/full: cannot write: No space left on device\n")
    assert store_rows(sample_db) == before


def test_a_store_in_a_folder_that_does_not_exist(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "missing"
    code, out, err = run(capsys, "--db", str(missing / "s.db"), "readiness")
    assert (code, out, err) == (2, "", f"famtriage: {missing}: no such directory\n")
    assert not missing.exists()


def _in_home(sample_db: Path, home: Path) -> Path:
    db = home / "store" / "s.db"
    db.parent.mkdir()
    shutil.copy(sample_db, db)
    return db


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_read_only_store_says_so(what: str, sample_db: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    db = _in_home(sample_db, home)
    (db if what == "file" else db.parent).chmod(0o400 if what == "file" else 0o500)
    before = store_rows(sample_db)
    try:
        done = famtriage("--db", str(db), "change-email", "5005", "t@x.test", "--yes", home=home)
        assert (done.returncode, done.stdout) == (2, "")
        assert done.stderr == f"famtriage: the store is read-only: {db}\n"
    finally:
        db.chmod(0o600)
        db.parent.chmod(0o700)
    assert store_rows(db) == before


def test_a_snapshot_that_cannot_be_written_costs_only_speed(
    sample_db: Path, tmp_path: Path, reference: dict[str, str]
) -> None:
    """A full disk (files limited to 8 KiB) and a read-only snapshot folder: the answer
    comes from the store, with one warning line; nothing is left in the folder."""
    home = tmp_path / "home"
    home.mkdir()
    db = _in_home(sample_db, home)
    folder = snapshot_folder(db)
    hold = sqlite3.connect(db)  # keeps -wal and -shm in place: SQLite itself needs no room
    hold.execute("SELECT count(*) FROM families").fetchone()
    try:
        full = famtriage("--db", str(db), "readiness", "--json", home=home, file_limit=8192)
        assert full.returncode == 0 and same("readiness", full.stdout, reference["readiness"])
        assert full.stderr == (
            f"famtriage: warning: {folder}: cannot write the snapshot (File too large); "
            "answers are read from the store (slower)\n"
        )
        assert os.listdir(folder) == []
        folder.chmod(0o500)
        done = famtriage("--db", str(db), "readiness", "--json", home=home)
        assert done.returncode == 0 and same("readiness", done.stdout, reference["readiness"])
        assert done.stderr == (
            f"famtriage: warning: {folder}: cannot write the snapshot (Permission denied); "
            "answers are read from the store (slower)\n"
        )
        assert os.listdir(folder) == []
    finally:
        hold.close()
        folder.chmod(0o700)


@pytest.mark.parametrize("failing", ["the frames", "every file"])
def test_a_background_task_on_a_full_disk_ends_failed_naming_the_file(
    failing: str, ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's report task: a write that fails for want of room ends the task (it
    never hangs "running"), saying which file; its record says so when it still can."""
    from famtriage.core import files
    from famtriage.core.tasks import get_task, start_report_task

    written = files.PrivateFolder.write
    names: list[str] = []

    def full(folder, name: str, data: bytes) -> None:
        names.append(name)
        if name.endswith(".parquet") or (failing == "every file" and len(names) > 1):
            raise OSError(28, "No space left on device", str(folder.path / name))
        written(folder, name, data)

    monkeypatch.setattr(files.PrivateFolder, "write", full)
    record = start_report_task(ctx).wait(30)  # the first write is its "running" record
    target = data_dir() / "tasks" / "1" / "families.parquet"
    assert (record.state, record.error) == (
        "failed",
        f"{target}: cannot write: No space left on device",
    )
    monkeypatch.setattr(files.PrivateFolder, "write", written)
    stored = get_task(ctx, 1)
    assert stored.state == ("failed" if failing == "the frames" else "running")
    assert list((data_dir() / "tasks" / "1").iterdir()) == [
        data_dir() / "tasks" / "1" / "task.json"
    ]
