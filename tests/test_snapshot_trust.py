"""The snapshot never answers for another history.

Writes made outside famtriage (the sqlite3 module, as the sqlite3 shell would), a
restored older copy of the store (untouched, written to by hand, or written to by
famtriage up to the very generation the snapshot has), and famtriage writes that follow
a foreign one: after each, `report`, `readiness` and `search` say what a snapshot
rebuilt from the store says, and readiness never says "ready" while groups exist.
famtriage's own writes still patch the snapshot instead of rebuilding it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from trust_support import answers, found, groups, ready, run, truth

from famtriage.core.report import snapshot, store_frames
from famtriage.core.store.database import Store

NEW_FAMILIES = """
INSERT INTO families (family_id, org_id, family_name, created_at, status) VALUES
  (99001, 1, 'Doe again', '2024-01-01 00:00:00.000000', 'active'),
  (99002, 1, 'New', '2024-02-01 00:00:00.000000', 'active'),
  (99003, 1, 'New too', '2024-03-01 00:00:00.000000', 'active');
INSERT INTO guardians (guardian_id, family_id, first_name, last_name, email, email_norm,
                       phone, is_primary) VALUES
  (99101, 99001, 'Jane', 'Doe', ' Jane.Doe@example.com', 'jane.doe@example.com', NULL, TRUE),
  (99102, 99002, 'Ann', 'New', 'ann.new@example.com', 'ann.new@example.com', NULL, TRUE),
  (99103, 99003, 'Ann', 'New', 'ANN.NEW@example.com', 'ann.new@example.com', NULL, TRUE);
"""

DELETE_1061 = """
DELETE FROM enrollments WHERE student_id IN (SELECT student_id FROM students
                                             WHERE family_id = 1061);
DELETE FROM students WHERE family_id = 1061;
DELETE FROM guardians WHERE family_id = 1061;
DELETE FROM payments WHERE family_id = 1061;
DELETE FROM policies WHERE family_id = 1061;
DELETE FROM activity WHERE family_id = 1061;
DELETE FROM families WHERE family_id = 1061;
"""


def _jane_grows(got: dict) -> None:
    assert groups(got)["jane.doe@example.com"] == [1001, 1002, 1003, 99001]
    assert groups(got)["ann.new@example.com"] == [99002, 99003]
    assert found(got, "ann.new@example.com") == [99002, 99003]
    assert 99001 in found(got, "jane.doe@example.com")


def _bob_gone(got: dict) -> None:
    assert "bob at stone.com" not in groups(got)


def _tom_split(got: dict) -> None:
    assert "tom.baker@mail.com" not in groups(got)
    assert found(got, "tom.baker@mail.com") == [1010]


def _1003_has_history(got: dict) -> None:
    (jane,) = [g for g in got["report"]["groups"] if g["email"] == "jane.doe@example.com"]
    assert 1003 not in jane["recommendation"]["delete"]
    assert 1003 in jane["recommendation"]["merge"]


def _1002_moves_out(got: dict) -> None:
    assert groups(got)["jane.doe@example.com"] == [1001, 1003]


FOREIGN_WRITES = {
    "guardians sharing an email (a group grows, a new one)": (NEW_FAMILIES, _jane_grows),
    "a family deleted": (DELETE_1061, _bob_gone),
    "a login email updated": (
        "UPDATE guardians SET email = 'tom.b@mail.com', email_norm = 'tom.b@mail.com' "
        "WHERE guardian_id = 5005;",
        _tom_split,
    ),
    "history added (survivor ranking moves)": (
        "INSERT INTO payments VALUES (99901, 1003, 1000, '2024-05-01 00:00:00.000000');",
        _1003_has_history,
    ),
    "REPLACE INTO (delete + insert under one statement)": (
        "REPLACE INTO guardians VALUES (5002, 1002, 'Jane', 'Doe', 'jane.d@example.com', "
        "'jane.d@example.com', NULL, TRUE);",
        _1002_moves_out,
    ),
}


def sqlite_write(db: Path, script: str) -> None:
    """A write made the way the sqlite3 shell makes it: not through famtriage."""
    conn = sqlite3.connect(db)
    try:
        conn.executescript(script)
    finally:
        conn.close()


def copy_store(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite store, page for page (SQLite's backup API: what a
    backup tool makes, and how it is put back)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def rebuilds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record each read of the store's tables: "all" (rebuild) or "some" (patch)."""
    reads: list[str] = []
    patch, rebuild = snapshot._store_tables, store_frames.read

    def patching(store: Store, family_ids: list[int]):
        reads.append("some")
        return patch(store, family_ids)

    def rebuilding(store: Store, on_progress=None):
        reads.append("all")
        return rebuild(store, on_progress)

    monkeypatch.setattr(snapshot, "_store_tables", patching)
    monkeypatch.setattr(store_frames, "read", rebuilding)
    return reads


@pytest.fixture
def db(sample_db: Path) -> str:
    return str(sample_db)


@pytest.fixture
def folder(sample_db: Path) -> Path:
    return sample_db.with_name(sample_db.name + ".snapshot")


@pytest.mark.parametrize("case", FOREIGN_WRITES)
def test_a_foreign_write_is_seen(case: str, db: str, folder: Path, capsys, monkeypatch) -> None:
    script, expect = FOREIGN_WRITES[case]
    answers(capsys, db)
    reads = rebuilds(monkeypatch)
    sqlite_write(Path(db), script)
    got = answers(capsys, db)
    assert reads[0] == "all"
    expect(got)
    assert got == truth(capsys, db, folder)


@pytest.mark.parametrize("case", FOREIGN_WRITES)
def test_a_famtriage_write_after_a_foreign_one_does_not_patch_over_it(
    case: str, db: str, folder: Path, capsys
) -> None:
    script, expect = FOREIGN_WRITES[case]
    answers(capsys, db)
    sqlite_write(Path(db), script)
    assert run(capsys, "--db", db, "change-email", "5034", "o@example.no", "--yes")[0] == 0
    got = answers(capsys, db)
    expect(got)
    assert "oyvind@example.no" not in groups(got)
    assert got == truth(capsys, db, folder)


def test_a_writing_mark_left_by_hand_silences_no_write(db: str, folder: Path, capsys) -> None:
    """A `writing` row committed by hand turns the triggers off: while it is there no
    snapshot is trusted, and famtriage's next write removes it and rebuilds once."""
    answers(capsys, db)
    sqlite_write(Path(db), "INSERT INTO meta VALUES ('writing', 'x');" + NEW_FAMILIES)
    got = answers(capsys, db)
    _jane_grows(got)
    assert got == truth(capsys, db, folder)
    sqlite_write(Path(db), DELETE_1061)
    _bob_gone(answers(capsys, db))
    assert run(capsys, "--db", db, "change-email", "5005", "tom.b@mail.com", "--yes")[0] == 0
    sqlite_write(Path(db), "DELETE FROM guardians WHERE guardian_id = 99103;")
    got = answers(capsys, db)
    _tom_split(got)
    assert groups(got).get("ann.new@example.com") is None
    assert got == truth(capsys, db, folder)


def test_own_writes_patch_and_foreign_ones_rebuild(db: str, capsys, monkeypatch) -> None:
    answers(capsys, db)
    reads = rebuilds(monkeypatch)
    assert run(capsys, "--db", db, "change-email", "5005", "tom.b@mail.com", "--yes")[0] == 0
    _tom_split(answers(capsys, db))
    assert reads == ["some"]
    answers(capsys, db)
    assert reads == ["some"]  # fresh: nothing read again
    sqlite_write(Path(db), DELETE_1061)
    answers(capsys, db)
    assert reads == ["some", "all"]


def test_readiness_never_says_ready_over_a_group_written_behind_its_back(
    db: str, folder: Path, capsys
) -> None:
    sqlite_write(
        Path(db),
        "UPDATE guardians SET email = 'g' || guardian_id || '@ready.test', "
        "email_norm = 'g' || guardian_id || '@ready.test' "
        "WHERE family_id IN (SELECT family_id FROM families WHERE org_id = 2);",
    )
    assert ready(answers(capsys, db)) == {1: False, 2: True}
    sqlite_write(
        Path(db),
        "UPDATE guardians SET email = 'g5030@ready.test', email_norm = 'g5030@ready.test' "
        "WHERE guardian_id = 5031;",
    )
    got = answers(capsys, db)
    assert ready(got) == {1: False, 2: False}
    assert groups(got)["g5030@ready.test"] == [2001, 2002]
    assert got == truth(capsys, db, folder)


def test_a_restored_copy_written_to_the_same_generation_is_another_history(
    db: str, folder: Path, tmp_path: Path, capsys
) -> None:
    """Backup at g; famtriage writes g+1 (the snapshot follows); the backup comes back and
    famtriage writes a different g+1: same store id, same generation, other history."""
    answers(capsys, db)
    backup = tmp_path / "backup.db"
    copy_store(Path(db), backup)
    assert run(capsys, "--db", db, "change-email", "5005", "tom.b@mail.com", "--yes")[0] == 0
    _tom_split(answers(capsys, db))
    generation = _generation(Path(db))
    copy_store(backup, Path(db))
    assert run(capsys, "--db", db, "delete", "1061", "--yes")[0] == 0
    assert _generation(Path(db)) == generation
    got = answers(capsys, db)
    _bob_gone(got)
    assert groups(got)["tom.baker@mail.com"] == [1010, 1011]
    assert got == truth(capsys, db, folder)


@pytest.mark.parametrize("then", ["nothing", "a foreign write", "a famtriage write"])
def test_a_restored_older_copy(then: str, db: str, folder: Path, tmp_path: Path, capsys) -> None:
    backup = tmp_path / "backup.db"
    copy_store(Path(db), backup)
    assert run(capsys, "--db", db, "change-email", "5005", "tom.b@mail.com", "--yes")[0] == 0
    assert run(capsys, "--db", db, "delete", "1061", "--yes")[0] == 0
    answers(capsys, db)
    copy_store(backup, Path(db))
    if then == "a foreign write":
        sqlite_write(Path(db), NEW_FAMILIES)
    if then == "a famtriage write":
        assert run(capsys, "--db", db, "change-email", "5004", "tom.b@mail.com", "--yes")[0] == 0
    got = answers(capsys, db)
    assert "bob at stone.com" in groups(got)
    assert ("tom.baker@mail.com" in groups(got)) is (then != "a famtriage write")
    assert ("ann.new@example.com" in groups(got)) is (then == "a foreign write")
    assert got == truth(capsys, db, folder)


def _generation(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
    finally:
        conn.close()
