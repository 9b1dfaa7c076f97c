"""A hostile corpus for imports: whatever a file holds, an import never alters data
silently. Each way it could (a wrapped amount, a rounded cent, a dropped column, a
formula's placeholder, a sibling folder read through a glob) ends as exit 2 with one
`file:row: column: problem` line per problem, and the store exactly as it was."""

from __future__ import annotations

import datetime as dt
import decimal
import time
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import xlsxwriter
from actions_support import dump
from import_support import MINI, replace_with, write_export

from famtriage.core.emails import normalize_email
from famtriage.core.store.database import Store
from famtriage.tui.cli.main import main

MONEY_RANGE = "out of range (amounts are at most ±1,000,000,000,000.00)"
NOT_MONEY = "not an amount with at most two decimals"
ID_RANGE = "out of range (ids are whole numbers up to 9223372036854775807)"
FORMULA = "a formula, not a value; save the sheet with values only"
BAD_QUOTES = "a quote inside a field, or text after a closing quote"
NOT_A_NUMBER = "a true/false cell, not a number"
UNCLOSED = "a quote is never closed (or stands inside a field)"
PAYMENTS = "payment_id,family_id,amount\n"
GUARDIANS = "guardian_id,family_id,first_name,email,is_primary\n"


def _lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    err = capsys.readouterr().err.splitlines()
    return [line.removeprefix("famtriage: ").strip() for line in err]


def refused(db: Path, argv: list[str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    """Run the command on `db`: it must exit 2 and change no row; the lines it printed."""
    before = dump(Store.open(db))
    assert main(["--db", str(db), *argv]) == 2
    assert dump(Store.open(db)) == before
    return _lines(capsys)


def imported(db: Path, folder: Path, table: str) -> pl.DataFrame:
    assert main(["--db", str(db), "import", str(folder)]) == 0
    return Store.open(db).read_table(table)


CSV_CASES = [
    # money: never wrapped, never past what a total can hold
    pytest.param(
        {"payments": PAYMENTS + "40,1,9223372036854775807\n"},
        [f"payments.csv:2: amount: {MONEY_RANGE} ('9223372036854775807')"],
        id="money-int64-max",
    ),
    pytest.param(
        {"payments": PAYMENTS + "40,1,12\n41,1,92233720368547758.07\n"},
        [f"payments.csv:3: amount: {MONEY_RANGE} ('92233720368547758.07')"],
        id="money-int64-max-in-cents",
    ),
    pytest.param(
        {"payments": PAYMENTS + "40,1,-1000000000000.01\n"},
        [f"payments.csv:2: amount: {MONEY_RANGE} ('-1000000000000.01')"],
        id="money-one-cent-past-the-limit",
    ),
    pytest.param(
        {"payments": PAYMENTS + "40,1,NaN\n41,1,inf\n42,1,1e3\n43,1,12.345\n"},
        [
            f"payments.csv:2: amount: {NOT_MONEY} ('NaN')",
            f"payments.csv:3: amount: {NOT_MONEY} ('inf')",
            f"payments.csv:4: amount: {NOT_MONEY} ('1e3')",
            f"payments.csv:5: amount: {NOT_MONEY} ('12.345')",
        ],
        id="money-not-numbers",
    ),
    # text: bytes that are not UTF-8, one field in two columns, what no database stores
    pytest.param(
        {"guardians": b"guardian_id,family_id,first_\xffname,email,is_primary\n10,1,A,a@x.co,1\n"},
        ["guardians.csv:1: 'first_\ufffdname': column name is not valid UTF-8"],
        id="bad-byte-in-header",
    ),
    pytest.param(
        {"guardians": b"guardian_id,family_id,email,is_primary\n10,1,a@x.co,1\n11,2,\xe9@x.co,1\n"},
        ["guardians.csv:3: email: not valid UTF-8 ('\ufffd@x.co')"],
        id="bad-byte-in-login",
    ),
    pytest.param(
        {"families": b"family_id,org_id,family_name\n1,7,Ant\n2,7,\xed\xa0\x80Bee\n"},
        ["families.csv:3: family_name: not valid UTF-8 ('\ufffd\ufffd\ufffdBee')"],
        id="surrogate-encoded-as-utf8",
    ),
    pytest.param(
        {"guardians": "guardian_id,family_id,email,EMAIL,is_primary\n10,1,a@x.co,b@x.co,1\n"},
        ["guardians.csv:1: email: two columns for one field ('email', 'EMAIL')"],
        id="two-columns-for-email",
    ),
    pytest.param(
        {"guardians": "guardian_id,family_id,email, Email ,is_primary\n10,1,a@x.co,b@x.co,1\n"},
        ["guardians.csv:1: email: two columns for one field ('email', ' Email ')"],
        id="two-columns-for-email-padded",
    ),
    pytest.param(
        {"families": "family_id,org_id,family_name\n1,7,Ant\x00Hill\n2,7,Bee\n"},
        ["families.csv:2: family_name: holds a NUL character ('Ant\\x00Hill')"],
        id="nul-in-text",
    ),
    # ids: nothing beyond int64, in either direction
    pytest.param(
        {"families": "family_id,org_id\n1,7\n2,7\n99999999999999999999,7\n"},
        [f"families.csv:4: family_id: {ID_RANGE} ('99999999999999999999')"],
        id="id-beyond-int64",
    ),
    pytest.param(
        {"students": "student_id,family_id\n-9223372036854775809,1\n"},
        [f"students.csv:2: student_id: {ID_RANGE} ('-9223372036854775809')"],
        id="id-below-int64",
    ),
    # CSV records: every one as wide as the header, quotes around whole fields only
    pytest.param(
        {"students": 'student_id,family_id\n20,1\n"21,1\n22,1\n'},
        [f"students.csv:3: (row): {UNCLOSED}"],
        id="unterminated-quote",
    ),
    pytest.param(
        {"students": "student_id,family_id\n20,1,5\n21\n22,1\n"},
        [
            "students.csv:2: (row): 3 field(s) where the header has 2",
            "students.csv:3: (row): 1 field(s) where the header has 2",
        ],
        id="ragged-rows",
    ),
    pytest.param(
        {"guardians": GUARDIANS + '10,1,O"Neil,a@x.co,1\n11,2,Bo,b@x.co,1\n'},
        [f"guardians.csv:2: (row): {UNCLOSED}"],
        id="stray-quote",
    ),
    pytest.param(
        {"guardians": GUARDIANS + '10,1,"Ann"ie,a@x.co,1\n11,2,"Bo" ,b@x.co,1\n'},
        [f"guardians.csv:2: (row): {BAD_QUOTES}", f"guardians.csv:3: (row): {BAD_QUOTES}"],
        id="text-after-a-closing-quote",
    ),
    pytest.param(
        {"guardians": GUARDIANS + "10,1,Ann\nMarie,a@x.co,1\n11,2,Bo,b@x.co,1\n"},
        [
            "guardians.csv:2: (row): 3 field(s) where the header has 5",
            "guardians.csv:3: (row): 3 field(s) where the header has 5",
        ],
        id="record-split-by-a-bare-newline",
    ),
    pytest.param(
        {"payments": PAYMENTS + '\n_at\n4"0,1,12.25\n41,1,-3.0\n'},
        [
            "payments.csv:3: (row): 1 field(s) where the header has 3",
            f"payments.csv:4: (row): {UNCLOSED}",
        ],
        id="split-header-then-stray-quote-found-by-fuzzing",  # polars 2.1 panicked on it
    ),
    pytest.param(
        {"policies": b""},
        ["policies.csv:1: (row): the file is empty: no header"],
        id="empty-file",
    ),
    # dates every reader of the store can read back
    pytest.param(
        {"families": "family_id,org_id,created_at\n1,7,0000-01-01\n2,7,2020-01-01\n"},
        ["families.csv:2: created_at: outside the years 1 to 9999 ('0000-01-01')"],
        id="year-zero",
    ),
    # staff: one login each, so `--as EMAIL` names exactly one member
    pytest.param(
        {"staff": "staff_id,org_id,email,user_group\n8,7,Ops@X.co,Admin\n9,7, ops@x.co,Admin\n"},
        ["staff.csv:3: email: the same login as row 2 after normalization (' ops@x.co')"],
        id="staff-logins-alike",
    ),
    pytest.param(
        {"staff": "staff_id,org_id,email,user_group\n9,7,ADMIN@famtriage.test ,Admin\n"},
        [
            "staff.csv:2: email: the same login as staff member #1 in the store "
            "('ADMIN@famtriage.test ')"
        ],
        id="staff-login-held-by-another-org",
    ),
    pytest.param(
        {"staff": "staff_id,org_id,email,user_group\n2,7,new@x.co,Admin\n"},
        ["staff.csv:2: staff_id: id 2 is already used in the store"],
        id="staff-id-held-by-another-org",
    ),
    pytest.param(
        {"families": "family_id,org_id\n1,7\n2,7\n1001,7\n"},
        ["families.csv:4: family_id: id 1001 is already used in the store"],
        id="family-id-held-by-another-org",
    ),
]


@pytest.mark.parametrize(("tables", "expected"), CSV_CASES)
def test_hostile_csv_is_refused_line_by_line(
    sample_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    tables: dict[str, str | bytes],
    expected: list[str],
) -> None:
    folder = write_export(tmp_path / "export", {**MINI, **tables})
    assert refused(sample_db, ["import", str(folder)], capsys) == expected


def test_an_id_a_tombstone_can_restore_is_taken(
    sample_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Deleting #1003 keeps its guardian #5003 in the audit entry, to restore on undo: a
    new guardian with that id would make the undo fail, so the import is refused."""
    assert main(["--db", str(sample_db), "delete", "1003", "--yes"]) == 0
    guardians = MINI["guardians"].replace("10,1,", "5003,1,")
    folder = write_export(tmp_path / "export", {**MINI, "guardians": guardians})
    capsys.readouterr()
    assert refused(sample_db, ["import", str(folder)], capsys) == [
        "guardians.csv:2: guardian_id: id 5003 belongs to a deleted row that audit entry #1 "
        "can restore"
    ]
    assert main(["--db", str(sample_db), "undo", "1", "--yes"]) == 0


def test_payments_that_no_total_can_hold(
    sample_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each amount is within the limit, but 92,234 of them at the limit pass int64 cents:
    the row where the running total of sizes crosses it is named."""
    rows = "".join(f"{i},1,1000000000000.00\n" for i in range(100, 92_334))
    folder = write_export(tmp_path / "export", {**MINI, "payments": PAYMENTS + rows})
    assert refused(sample_db, ["import", str(folder)], capsys) == [
        "payments.csv:92235: amount: the amounts up to this row add up past "
        "±92,233,720,368,547,758.07, more than a total can hold"
    ]


PARQUET_CASES = [
    pytest.param(
        "payments",
        pl.DataFrame({"payment_id": [40], "family_id": [1], "amount": [10**17]}),
        [f"payments.parquet:1: amount: {MONEY_RANGE} ('100000000000000000')"],
        id="int-amount-wraps",
    ),
    pytest.param(
        "payments",
        pl.DataFrame(
            {
                "payment_id": [40, 41, 42, 43, 44],
                "family_id": [1] * 5,
                "amount": [1.005, 0.125, 10.1, float("nan"), float("-inf")],
            }
        ),
        [
            f"payments.parquet:1: amount: {NOT_MONEY} ('1.005')",
            f"payments.parquet:2: amount: {NOT_MONEY} ('0.125')",
            f"payments.parquet:4: amount: {NOT_MONEY} ('NaN')",
            f"payments.parquet:5: amount: {NOT_MONEY} ('-inf')",
        ],
        id="float-amounts-off-the-cent",
    ),
    pytest.param(
        "payments",
        pl.DataFrame(
            {"payment_id": [40, 41], "family_id": [1, 1], "amount": ["2.999", "2.990"]}
        ).with_columns(pl.col("amount").cast(pl.Decimal(10, 3))),
        [f"payments.parquet:1: amount: {NOT_MONEY} ('2.999')"],
        id="decimal-amount-off-the-cent",
    ),
    pytest.param(
        "families",
        pl.DataFrame({"family_id": [1, 2, 2**64 - 1], "org_id": [7, 7, 7]}).cast(
            {"family_id": pl.UInt64}
        ),
        [f"families.parquet:3: family_id: {ID_RANGE} ('18446744073709551615')"],
        id="uint64-id",
    ),
    pytest.param(
        "families",
        pl.DataFrame({"family_id": [1.0, 2.0, 2.0**60], "org_id": [7, 7, 7]}),
        [
            "families.parquet:3: family_id: beyond 9007199254740992 in a number cell, where "
            "digits may be lost; write it as text ('1.152921504606847e+18')"
        ],
        id="float-id-past-exact",
    ),
    pytest.param(
        "families",
        pl.DataFrame({"family_id": [1.0, 2.0, 2.0**24 + 2], "org_id": [7, 7, 7]}).cast(
            {"family_id": pl.Float32}
        ),
        [
            "families.parquet:3: family_id: beyond 16777216 in a number cell, where "
            "digits may be lost; write it as text ('16777218.0')"
        ],
        id="float32-id-past-exact",
    ),
    pytest.param(
        "payments",
        pl.DataFrame({"payment_id": [40, 41], "family_id": [1, 1], "amount": [10.1, 1.005]}).cast(
            {"amount": pl.Float32}
        ),
        [f"payments.parquet:2: amount: {NOT_MONEY} ('1.005')"],
        id="float32-amount-off-the-cent",
    ),
    pytest.param(
        "families",
        pl.DataFrame(
            {"family_id": [[1], [2]], "org_id": [{"o": 7}, {"o": 7}], "family_name": [b"A", b"B"]}
        ),
        [
            "families.parquet:1: family_id: a column of List(Int64), a type no field takes",
            "families.parquet:1: org_id: a column of Struct({'o': Int64}), a type no field takes",
            "families.parquet:1: family_name: a column of Binary, a type no field takes",
        ],
        id="nested-and-binary-columns",
    ),
    pytest.param(
        "families",
        pl.DataFrame({"family_id": [1, 2], "org_id": [7, 7], "created_at": [0, 4 * 10**17]}).cast(
            {"created_at": pl.Datetime("us")}
        ),
        [
            "families.parquet:2: created_at: outside the years 1 to 9999 "
            "('+14645-06-30 15:06:40.000000')"
        ],
        id="datetime-past-year-9999",
    ),
]


@pytest.mark.parametrize(("table", "frame", "expected"), PARQUET_CASES)
def test_hostile_parquet_is_refused_line_by_line(
    sample_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    table: str,
    frame: pl.DataFrame,
    expected: list[str],
) -> None:
    folder = replace_with(write_export(tmp_path / "export"), table, frame, ".parquet")
    assert refused(sample_db, ["import", str(folder)], capsys) == expected


def _openpyxl_payments(
    folder: Path, rows: list[list[object]], errors: tuple[str, ...] = ()
) -> None:
    """payments.xlsx as openpyxl writes it: formulas without a cached value; `errors`
    names cells that hold an error value (like a pasted #N/A)."""
    (folder / "payments.csv").unlink()
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "payments"
    for row in rows:
        sheet.append(row)
    for ref in errors:
        sheet[ref].value = "#N/A"
        sheet[ref].data_type = "e"
    book.save(folder / "payments.xlsx")


def test_xlsx_formulas_and_errors_are_refused(
    sample_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """xlsxwriter caches 0 for a formula, openpyxl nothing, and an error reads as empty:
    none of them is a value."""
    folder = write_export(tmp_path / "xlsxwriter")
    (folder / "payments.csv").unlink()
    with xlsxwriter.Workbook(folder / "payments.xlsx") as book:
        sheet = book.add_worksheet("payments")
        sheet.write_row(0, 0, ["payment_id", "family_id", "amount", "note"])
        sheet.write_row(1, 0, [40, 1])
        sheet.write_formula(1, 2, "=10+2.5")
        sheet.write_formula(2, 0, "=40+1")
        sheet.write_row(2, 1, [1, 3])
        sheet.write_row(3, 0, [42, 1, 4])
        sheet.write_formula(3, 3, "=1")  # an unknown column is never read
    assert refused(sample_db, ["import", str(folder)], capsys) == [
        f"payments.xlsx:2: amount: {FORMULA}",
        f"payments.xlsx:3: payment_id: {FORMULA}",
    ]
    folder = write_export(tmp_path / "openpyxl")
    _openpyxl_payments(
        folder, [["payment_id", "family_id", "amount"], [40, 1, "=10+2.5"], [41, 1, 3]], ("B3",)
    )
    assert refused(sample_db, ["import", str(folder)], capsys) == [
        f"payments.xlsx:2: amount: {FORMULA}",
        "payments.xlsx:3: family_id: an error value (like #N/A), not a value",
    ]


def test_xlsx_cells_are_read_as_they_are(
    sample_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Float cents, a boolean in a money column, text after the first 1,000 rows (which
    type guessing would have turned into empty cells), one field in two columns."""
    folder = write_export(tmp_path / "floats")
    frame = pl.DataFrame({"payment_id": [40, 41], "family_id": [1, 1], "amount": [10.1, 1.005]})
    replace_with(folder, "payments", frame, ".xlsx")
    assert refused(sample_db, ["import", str(folder)], capsys) == [
        f"payments.xlsx:3: amount: {NOT_MONEY} ('1.005')"
    ]
    header = ["payment_id", "family_id", "amount", "paid_at"]
    rows = [[i, 1, 5, dt.datetime(2022, 1, 2)] for i in range(100, 1_200)]
    folder = write_export(tmp_path / "late")
    _openpyxl_payments(folder, [header, *rows, [2_001, 1, 5, "last week"]])
    assert refused(sample_db, ["import", str(folder)], capsys) == [
        "payments.xlsx:1102: paid_at: not a date-time (ISO 8601) ('last week')"
    ]
    folder = write_export(tmp_path / "boolean")
    _openpyxl_payments(folder, [header, *rows, [2_000, 1, True, None]])
    assert refused(sample_db, ["import", str(folder)], capsys) == [
        f"payments.xlsx:1102: amount: {NOT_A_NUMBER}"
    ]
    folder = write_export(tmp_path / "twice")
    frame = pl.DataFrame({"guardian_id": [10], "family_id": [1], "a": ["a@x.co"], "b": ["b@x.co"]})
    replace_with(folder, "guardians", frame.rename({"a": "email", "b": "Email"}), ".xlsx")
    assert refused(sample_db, ["import", str(folder)], capsys) == [
        "guardians.xlsx:1: email: two columns for one field ('email', 'Email')"
    ]


def test_a_workbook_names_its_sheet(
    sample_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "export.xlsx"
    _workbook(book, {**MINI, "payments": PAYMENTS + "40,1,=1+2\n"})
    assert refused(sample_db, ["import", str(book)], capsys) == [
        f"export.xlsx[payments]:2: amount: {FORMULA}"
    ]


def _workbook(path: Path, tables: dict[str, str]) -> None:
    """One sheet per table from CSV text (no quoting); a cell starting `=` is a formula."""
    with xlsxwriter.Workbook(path) as wb:
        for name, text in tables.items():
            sheet = wb.add_worksheet(name)
            for r, line in enumerate(text.splitlines()):
                for c, cell in enumerate(line.split(",")):
                    if cell.startswith("="):
                        sheet.write_formula(r, c, cell)
                    else:
                        sheet.write_string(r, c, cell)


@pytest.mark.parametrize("table", ["families", "guardians"])
def test_report_from_a_folder_refuses_a_row_listed_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str
) -> None:
    """A family (or a login) listed twice would show one family twice in a group."""
    header, first = MINI[table].splitlines()[:2]
    folder = write_export(tmp_path / "export", {**MINI, table: f"{MINI[table]}{first}\n"})
    key = header.split(",")[0]
    assert main(["report", "--from", str(folder), "--format", "json"]) == 2
    assert _lines(capsys) == [
        f"{table}.csv:2: {key}: duplicate id {first.split(',')[0]}",
        f"{table}.csv:4: {key}: duplicate id {first.split(',')[0]}",
    ]


@pytest.mark.parametrize(
    ("name", "decoy"), [("exp[o]rt", "export"), ("data*", "data1"), ("a?b", "axb"), ("~", None)]
)
def test_a_path_is_a_name_not_a_pattern(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    decoy: str | None,
) -> None:
    """Each folder, Parquet file and workbook is read by its own name, never its sibling
    that the name would match as a glob (or the home folder, for `~`)."""
    monkeypatch.chdir(tmp_path)
    target = {**MINI, "families": MINI["families"].replace("Ant,", "Target,")}
    folder = write_export(tmp_path / name, target)  # absolute: polars writers expand `~` too
    replace_with(folder, "payments", pl.read_csv(folder / "payments.csv", glob=False), ".parquet")
    if decoy:
        replace_with(
            write_export(tmp_path / decoy), "payments", pl.DataFrame({"x": [1]}), ".parquet"
        )
    names = imported(tmp_path / "store.db", Path(name), "families")["family_name"]
    assert sorted(names.to_list()) == ["Bee", "Target"]
    assert main(["report", "--from", name, "--format", "json"]) == 0
    assert '"family_name":"Target"' in capsys.readouterr().out
    if decoy:
        _workbook(tmp_path / f"{decoy}.xlsx", MINI)
        _workbook(tmp_path / f"{name}.xlsx", target)
        names = imported(tmp_path / "book.db", Path(f"{name}.xlsx"), "families")["family_name"]
        assert sorted(names.to_list()) == ["Bee", "Target"]


def test_oversized_values_are_refused_or_imported_in_seconds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 1,000,000-character login is refused (no address is that long), and so is a
    1,000,000-character column name with a bad byte, each in a short line; a 10 MB note
    is imported; all in seconds. Normalizing a huge address stays linear."""
    db = tmp_path / "store.db"
    huge = "é" + " " * 1_000_000 + "x@example.com"
    started = time.monotonic()
    assert normalize_email(f" {huge}\u200b ") == huge
    login = GUARDIANS + f"10,1,Ann,{'a' * 999_995}@x.co,1\n"
    name = "n" * 999_999
    header = f"family_id,org_id,{name}".encode() + b"\xff\n1,7,x\n2,7,y\n"
    folder = write_export(tmp_path / "huge", {**MINI, "guardians": login, "families": header})
    many = "(1,000,000 characters)"
    assert refused(db, ["import", str(folder)], capsys) == [
        f"families.csv:1: '{'n' * 60}…' {many}: column name is not valid UTF-8",
        f"guardians.csv:2: email: longer than 320 characters ('{'a' * 60}…' {many})",
    ]
    note = "n" * 10_000_000
    activity = f"activity_id,family_id,at,detail\n50,1,2022-01-01,{note}\n"
    folder = write_export(tmp_path / "note", {**MINI, "activity": activity})
    assert imported(db, folder, "activity")["detail"].str.len_chars().to_list() == [10_000_000]
    assert time.monotonic() - started < 20


def test_values_at_the_edges_are_kept_exactly(tmp_path: Path) -> None:
    """What the rules accept is stored to the cent: the limits themselves, leading zeros,
    XLSX's 10.1, a Decimal with trailing zeros, a phone number typed as a number."""
    payments = PAYMENTS + "40,1,1000000000000.00\n41,1,-1000000000000\n42,1,0000012.50\n"
    folder = write_export(tmp_path / "csv", {**MINI, "payments": payments + "43,1,-0.05\n"})
    cents = imported(tmp_path / "a.db", folder, "payments").sort("payment_id")["amount_cents"]
    assert cents.to_list() == [10**14, -(10**14), 1250, -5]
    folder = write_export(tmp_path / "pq")
    amounts = [decimal.Decimal("10.100"), decimal.Decimal("2.990")]
    frame = pl.DataFrame(
        {
            "payment_id": [40, 41],
            "family_id": [1, 1],
            "amount": pl.Series(amounts, dtype=pl.Decimal(10, 3)),
        }
    )
    replace_with(folder, "payments", frame, ".parquet")
    replace_with(
        folder, "policies", pl.DataFrame({"policy_id": [60], "family_id": [1.0]}), ".parquet"
    )
    cents = imported(tmp_path / "b.db", folder, "payments").sort("payment_id")["amount_cents"]
    assert cents.to_list() == [1010, 299]
    folder = write_export(tmp_path / "float32")
    frame = frame.with_columns(pl.Series("amount", [10.1, -0.05], dtype=pl.Float32))
    replace_with(folder, "payments", frame, ".parquet")
    cents = imported(tmp_path / "f.db", folder, "payments").sort("payment_id")["amount_cents"]
    assert cents.to_list() == [1010, -5]
    folder = write_export(tmp_path / "xlsx")
    frame = pl.DataFrame({"payment_id": [40], "family_id": [1], "amount": [10.1]})
    replace_with(folder, "payments", frame, ".xlsx")
    guardians = pl.DataFrame(
        {"guardian_id": [10], "family_id": [1], "phone": [5551234], "is_primary": [True]}
    )
    replace_with(folder, "guardians", guardians, ".xlsx")
    assert imported(tmp_path / "c.db", folder, "payments")["amount_cents"].to_list() == [1010]
    assert Store.open(tmp_path / "c.db").read_table("guardians")["phone"].to_list() == ["5551234"]
