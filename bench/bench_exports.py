"""Time the FAM-12 exports on a large report (not a test: prints the figures).

    .venv/bin/python bench/bench_exports.py [ROWS]

Builds a synthetic export folder, runs FAM-12 on it, tiles the result up to ROWS family
rows (default 100,000), then writes CSV, XLSX and PDF. The XLSX writer is compared with
polars' own `DataFrame.write_excel` (also xlsxwriter) over the same rows, as the peer.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import polars as pl

from famtriage.core.exports.frame import ExportMeta, export_frame
from famtriage.core.exports.write import export_report
from famtriage.core.report.fam12 import Report
from famtriage.core.sample import synthetic as demo
from famtriage.core.source.direct import report_from_export


def _tiled(report: Report, rows: int) -> Report:
    """Copies of the report's groups, each copy's emails made distinct (about `rows` rows)."""
    copies = -(-rows // max(report.families.height, 1))

    def tile(frame: pl.DataFrame) -> pl.DataFrame:
        return pl.concat(frame.with_columns(pl.col("email") + f"#{k}") for k in range(copies))

    return replace(report, families=tile(report.families), groups=tile(report.groups))


def _timed(label: str, action) -> float:
    start = time.perf_counter()
    action()
    seconds = time.perf_counter() - start
    print(f"{label:<34} {seconds:7.2f} s")
    return seconds


def main(rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        demo.write_export(demo.synthetic(300_000, 1), folder / "export", lambda d, t: None)
        report = _tiled(report_from_export(folder / "export"), rows)
        meta = ExportMeta({1: "Bench Org"}, "bench")
        print(f"{report.families.height} family rows in {report.group_count} groups")
        for fmt in ("csv", "xlsx", "pdf"):
            ours = _timed(
                f"famtriage {fmt}", lambda f=fmt: export_report(report, folder / f"r.{f}", f, meta)
            )
            if fmt == "xlsx":
                peer = _timed(
                    "peer: polars write_excel",
                    lambda: export_frame(report, meta).write_excel(folder / "p.xlsx"),
                )
                print(f"{'ratio (ours / peer)':<34} {ours / peer:7.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
