"""FAM-12 as CSV: UTF-8 with a header row, one row per family in a group."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from famtriage.core.exports.frame import ExportMeta, export_frame
from famtriage.core.files import write_private
from famtriage.core.formatting import iso_expr, money_expr
from famtriage.core.report.fam12 import Report

BOM = "\ufeff".encode()


def csv_bytes(report: Report, meta: ExportMeta | None = None, *, excel: bool = False) -> bytes:
    """The CSV document. `excel` adds a UTF-8 BOM: without it Excel reads "Zoë" as "ZoÃ«"."""
    frame = export_frame(report, meta or ExportMeta()).with_columns(
        iso_expr(pl.col("created_at")).alias("created_at"),
        iso_expr(pl.col("last_activity")).alias("last_activity"),
        money_expr(pl.col("payments_total_cents")).alias("payments_total_cents"),
    )
    frame = frame.rename({"payments_total_cents": "payments_total"})
    data = frame.write_csv().encode("utf-8")
    return BOM + data if excel else data


def write_csv(
    report: Report, path: Path, meta: ExportMeta, *, force: bool = False, excel: bool = False
) -> list[str]:
    write_private(path, csv_bytes(report, meta, excel=excel), force=force)
    return []
