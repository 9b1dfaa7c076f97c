"""FAM-12 as CSV: UTF-8 with a header row, one row per family in a group."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from famtriage.core.exports.frame import ExportMeta, Steps, export_frame
from famtriage.core.files import private_target
from famtriage.core.formatting import iso_expr, money_expr
from famtriage.core.report.fam12 import Report

BOM = "\ufeff".encode()
CHUNK_ROWS = 20_000
"""Rows written between two progress reports (and chances to cancel)."""


def _csv_frame(report: Report, meta: ExportMeta | None) -> pl.DataFrame:
    """The export rows with times and money as the CSV writes them."""
    frame = export_frame(report, meta or ExportMeta()).with_columns(
        iso_expr(pl.col("created_at")).alias("created_at"),
        iso_expr(pl.col("last_activity")).alias("last_activity"),
        money_expr(pl.col("payments_total_cents")).alias("payments_total_cents"),
    )
    return frame.rename({"payments_total_cents": "payments_total"})


def csv_bytes(report: Report, meta: ExportMeta | None = None, *, excel: bool = False) -> bytes:
    """The CSV document. `excel` adds a UTF-8 BOM: without it Excel reads "Zoë" as "ZoÃ«"."""
    data = _csv_frame(report, meta).write_csv().encode("utf-8")
    return BOM + data if excel else data


def write_csv(
    report: Report,
    path: Path,
    meta: ExportMeta,
    *,
    force: bool = False,
    excel: bool = False,
    steps: Steps | None = None,
) -> list[str]:
    """The same bytes as `csv_bytes`, written to a private temp file a slice of rows at a
    time (progress and cancel between slices), renamed onto `path` when complete."""
    frame = _csv_frame(report, meta)
    steps = steps or Steps()
    with private_target(path, force=force) as tmp:
        with tmp.open("wb") as out:
            if excel:
                out.write(BOM)
            for start in range(0, max(frame.height, 1), CHUNK_ROWS):
                frame.slice(start, CHUNK_ROWS).write_csv(out, include_header=start == 0)
                steps(min(start + CHUNK_ROWS, frame.height), frame.height)
        steps.check()
    return []
