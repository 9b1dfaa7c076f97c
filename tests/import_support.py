"""A small valid export (organization 7) that the import tests spoil one table at a time."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import xlsxwriter

MINI = {
    "families": "family_id,org_id,family_name,created_at\n"
    "1,7,Ant,2020-01-01\n2,7,Bee,2021-02-03T04:05:06Z\n",
    "guardians": "guardian_id,family_id,first_name,last_name,email,phone,is_primary\n"
    "10,1,Ann,Ant,ann@x.com,,true\n11,2,Ann,Ant, ANN@X.COM,,yes\n",
    "students": "student_id,family_id,first_name,last_name,birth_date\n20,1,Kid,Ant,2015-05-05\n",
    "enrollments": "enrollment_id,student_id,class_name,start_date,end_date\n"
    "30,20,Swim,2022-01-01,\n",
    "payments": "payment_id,family_id,amount,paid_at\n"
    "40,1,12.5,2022-01-02\n41,1,-3.05,2022-01-03\n",
    "policies": "policy_id,family_id,policy_name,signed_at\n",
}


def write_export(folder: Path, tables: dict[str, str | bytes] | dict[str, str] = MINI) -> Path:
    """One CSV file per table: text is written as UTF-8, bytes as they are."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in tables.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (folder / f"{name}.csv").write_bytes(data)
    return folder


def replace_with(folder: Path, table: str, frame: pl.DataFrame, suffix: str) -> Path:
    """Swap a table's CSV for a Parquet file or an XLSX workbook holding `frame`."""
    (folder / f"{table}.csv").unlink()
    if suffix == ".parquet":
        frame.write_parquet(folder / f"{table}.parquet")
    else:
        with xlsxwriter.Workbook(folder / f"{table}.xlsx") as book:
            sheet = book.add_worksheet(table)
            sheet.write_row(0, 0, frame.columns)
            for r, row in enumerate(frame.iter_rows(), start=1):
                sheet.write_row(r, 0, row)
    return folder
