"""Import: all or nothing, every problem reported as file:row: column: problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from import_support import MINI, write_export

from famtriage.core.errors import Conflict, InputError
from famtriage.core.source.importer import import_export
from famtriage.core.source.origin import ImportProblems
from famtriage.core.store import config, schema
from famtriage.core.store.database import Store
from famtriage.tui.cli.main import main


def counts(store: Store) -> dict[str, int]:
    return {n: store.read_table(n).height for n in schema.DATA_TABLES}


@pytest.fixture
def empty_store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "empty.db")


def test_import_types_and_defaults(empty_store: Store, tmp_path: Path) -> None:
    summary = import_export(empty_store, write_export(tmp_path / "ok"))
    assert summary.orgs == [7]
    pays = empty_store.read_table("payments").sort("payment_id")
    assert pays["amount_cents"].to_list() == [1250, -305]
    g = empty_store.read_table("guardians").sort("guardian_id")
    assert g["email_norm"].to_list() == ["ann@x.com", "ann@x.com"]
    assert g["is_primary"].to_list() == [True, True]
    assert empty_store.read_table("orgs")["name"].to_list() == ["Organization 7"]


def _problems(store: Store, folder: Path) -> list[str]:
    before = counts(store)
    with pytest.raises(ImportProblems) as info:
        import_export(store, folder)
    assert counts(store) == before, "a failed import wrote something"
    return info.value.problems


@pytest.mark.parametrize(
    ("table", "text", "expected"),
    [
        (
            "families",
            "family_id,org_id\nx,1\n",
            "families.csv:2: family_id: not a whole number ('x')",
        ),
        (
            "families",
            "family_id,created_at\n1,yesterday\n",
            "families.csv:2: created_at: not a date-time",
        ),
        (
            "payments",
            "payment_id,family_id,amount\n40,1,12.345\n",
            "payments.csv:2: amount: not an amount",
        ),
        (
            "guardians",
            "guardian_id,family_id,email,is_primary\n10,1,a@b.co,maybe\n",
            "guardians.csv:2: is_primary: not true/false ('maybe')",
        ),
        (
            "guardians",
            "guardian_id,family_id,email\n10,1,a@b.co\n",
            "guardians.csv:1: is_primary: required column missing",
        ),
        (
            "guardians",
            "guardian_id,family_id,is_primary\n10,999,true\n",
            "guardians.csv:2: family_id: no family with id 999",
        ),
        (
            "students",
            "student_id,family_id\n20,1\n20,1\n",
            "students.csv:3: student_id: duplicate id 20",
        ),
        (
            "payments",
            "payment_id,family_id,amount\n40,,1\n",
            "payments.csv:2: family_id: required value missing",
        ),
    ],
)
def test_bad_rows_are_reported_and_nothing_written(
    sample_db: Path, tmp_path: Path, table: str, text: str, expected: str
) -> None:
    store = Store.open(sample_db)
    folder = write_export(tmp_path / "bad", {**MINI, table: text})
    problems = _problems(store, folder)
    assert any(p.startswith(expected) for p in problems), problems


def test_missing_table_and_two_files(empty_store: Store, tmp_path: Path) -> None:
    folder = write_export(tmp_path / "e", {k: v for k, v in MINI.items() if k != "payments"})
    with pytest.raises(InputError, match=r"missing table file.*payments"):
        import_export(empty_store, folder)
    write_export(folder, MINI)
    pl.read_csv(folder / "payments.csv").write_parquet(folder / "payments.parquet")
    with pytest.raises(InputError, match="two files for table payments"):
        import_export(empty_store, folder)


def test_wrong_path_and_wrong_file(empty_store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        import_export(empty_store, tmp_path / "nowhere")
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(InputError, match="expected a folder"):
        import_export(empty_store, tmp_path / "x.txt")


def test_malformed_csv_is_one_clear_error(empty_store: Store, tmp_path: Path) -> None:
    folder = write_export(tmp_path / "m", {**MINI, "students": 'student_id,family_id\n"20,1\n'})
    with pytest.raises(InputError):
        import_export(empty_store, folder)
    assert counts(empty_store)["families"] == 0


def test_org_already_held_needs_replace(empty_store: Store, tmp_path: Path) -> None:
    folder = write_export(tmp_path / "ok")
    import_export(empty_store, folder)
    before = counts(empty_store)
    with pytest.raises(Conflict, match=r"already holds organization.*7.*--replace"):
        import_export(empty_store, folder)
    assert counts(empty_store) == before
    changed = {**MINI, "families": MINI["families"].replace("Bee", "Wasp")}
    import_export(empty_store, write_export(tmp_path / "v2", changed), replace=True)
    names = empty_store.read_table("families").sort("family_id")["family_name"].to_list()
    assert names == ["Ant", "Wasp"] and counts(empty_store) == before


def test_ids_used_by_another_org_are_refused(sample_db: Path, tmp_path: Path) -> None:
    store = Store.open(sample_db)
    clash = {**MINI, "families": "family_id,org_id\n1001,7\n2,7\n"}
    clash["guardians"] = clash["guardians"].replace("10,1,", "10,1001,")
    clash["students"] = "student_id,family_id\n"
    clash["enrollments"] = "enrollment_id,student_id\n"
    clash["payments"] = "payment_id,family_id,amount\n"
    problems = _problems(store, write_export(tmp_path / "c", clash))
    assert problems == ["families.csv:2: family_id: id 1001 is already used in the store"]


def test_workbook_and_parquet_imports_equal_csv(tmp_path: Path) -> None:
    csv_store = Store.open(tmp_path / "a.db")
    import_export(csv_store, config.SAMPLE_DATA)
    book = tmp_path / "export.xlsx"
    with xlsxwriter.Workbook(book) as wb:
        for csv in sorted(config.SAMPLE_DATA.glob("*.csv")):
            pl.read_csv(csv, infer_schema=False).write_excel(wb, worksheet=csv.stem)
    xlsx_store = Store.open(tmp_path / "b.db")
    import_export(xlsx_store, book)
    parquet_dir = tmp_path / "pq"
    parquet_dir.mkdir()
    for csv in config.SAMPLE_DATA.glob("*.csv"):
        pl.read_csv(csv, infer_schema=False).write_parquet(parquet_dir / f"{csv.stem}.parquet")
    pq_store = Store.open(tmp_path / "c.db")
    import_export(pq_store, parquet_dir)
    for name in schema.DATA_TABLES:
        expected = csv_store.read_table(name)
        key = expected.columns[0]
        for other in (xlsx_store, pq_store):
            assert other.read_table(name).sort(key).equals(expected.sort(key)), name


def test_cli_import_bad_file_exits_2_and_says_where(
    sample_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_export(tmp_path / "bad", {**MINI, "families": "family_id\nnope\n"})
    assert main(["--db", str(sample_db), "import", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "families.csv:2: family_id: not a whole number" in err


def test_cli_import_into_named_store(tmp_path: Path) -> None:
    db = tmp_path / "named.db"
    copy = tmp_path / "sample"
    shutil.copytree(config.SAMPLE_DATA, copy)
    assert main(["--db", str(db), "import", str(copy)]) == 0
    assert main(["--db", str(db), "import", str(copy)]) == 1


def test_replacing_the_sample_keeps_shared_staff(sample_db: Path) -> None:
    store = Store.open(sample_db)
    before = counts(store)
    import_export(store, config.SAMPLE_DATA, replace=True)
    assert counts(store) == before
