"""Time the FAM-12 exports (not a test: prints the figures).

    python bench/bench_exports.py [--rows 100000] [--runs 3]
        [--store STORE] [--before PYTHON [--before-runs 1]]

1. In process (`export_report`, the core function): a synthetic report tiled up to
   --rows family rows, its organizations named as a store of 100 organizations names
   them, written as CSV, XLSX and PDF; polars' own `DataFrame.write_excel`
   (xlsxwriter too) over the same rows is the XLSX peer. PDF pages per second.
2. With --store, whole processes on that store's report: `famtriage report --format
   pdf|xlsx -o FILE` (the CLI: the report, then the file), `famtriage tasks export ID`
   (a stored result), and the app (bench/app_export.py: open the report, `e`, the
   format, enter; timed from enter to the file). With --before, the same with another
   famtriage (a Python whose famtriage is the version to compare with).

Medians of --runs runs, the spread, and the machine's load.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import polars as pl
from pypdf import PdfReader
from timing import HEADER, ROOT, Figures, load_line, measure

from famtriage.core.exports.frame import ExportMeta, export_frame
from famtriage.core.exports.write import export_report
from famtriage.core.report.fam12 import Report
from famtriage.core.sample import synthetic as demo
from famtriage.core.source.direct import report_from_export

ORGANIZATIONS = {i: f"Demo Organization {i}" for i in range(1, 101)}


def _tiled(report: Report, rows: int) -> Report:
    """Copies of the report's groups, each copy's emails made distinct (about `rows` rows)."""
    copies = -(-rows // max(report.families.height, 1))

    def tile(frame: pl.DataFrame) -> pl.DataFrame:
        return pl.concat(frame.with_columns(pl.col("email") + f"#{k}") for k in range(copies))

    return replace(report, families=tile(report.families), groups=tile(report.groups))


def _median(runs: int, action: Callable[[], None]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_process(rows: int, runs: int, folder: Path) -> None:
    demo.write_export(demo.synthetic(300_000, 1), folder / "export", lambda d, t: None)
    report = _tiled(report_from_export(folder / "export"), rows)
    meta = ExportMeta(ORGANIZATIONS, "bench")
    print(f"\nin process: {report.families.height:,} family rows in {report.group_count:,} groups")
    print(load_line())
    seconds = {}
    for fmt in ("csv", "xlsx", "pdf"):
        path = folder / f"r.{fmt}"
        seconds[fmt] = _median(
            runs, lambda f=fmt, p=path: export_report(report, p, f, meta, force=True)
        )
        print(f"{'export_report ' + fmt:<40} {seconds[fmt]:7.2f} s (median)")
    peer = _median(runs, lambda: export_frame(report, meta).write_excel(folder / "p.xlsx"))
    print(f"{'peer: polars write_excel':<40} {peer:7.2f} s (median)")
    print(f"{'ratio xlsx (ours / peer)':<40} {seconds['xlsx'] / peer:7.2f}")
    pages = len(PdfReader(folder / "r.pdf").pages)
    print(f"{'pdf pages':<40} {pages:7,}  = {pages / seconds['pdf']:,.0f} pages/s")
    print(load_line())


def _last_task(python: str, store: str) -> int:
    """The latest report task (`report -o` also records its export as a task)."""
    listed = subprocess.run(
        [python, "-m", "famtriage.tui.cli.main", "--db", store, "tasks", "--json"],
        capture_output=True,
        check=True,
        cwd=ROOT,
    )
    tasks = json.loads(listed.stdout)["tasks"]
    return next(int(t["task_id"]) for t in tasks if t.get("kind") != "export")


def whole(store: str, runs: int, folder: Path, python: str, label: str) -> None:
    cli = [python, "-m", "famtriage.tui.cli.main", "--db", store]
    for fmt in ("pdf", "xlsx"):
        out = folder / f"cli.{fmt}"
        figures = measure([*cli, "report", "--format", fmt, "-o", str(out), "--force"], runs)
        print(figures.row(f"{label}famtriage report --format {fmt} -o FILE"))
        task = str(_last_task(python, store))
        stored = [*cli, "tasks", "export", task, "--format", fmt, "-o", str(out), "--force"]
        figures = measure(stored, runs)
        print(figures.row(f"{label}famtriage tasks export ID --format {fmt}"))
        if fmt == "pdf":
            pages = len(PdfReader(out).pages)
            print(f"{label}  {pages:,} pages: {pages / figures.median:,.0f} pages/s (tasks export)")
        driver = [python, str(ROOT / "bench" / "app_export.py"), store, fmt, str(out)]
        app = Figures(
            tuple(
                float(subprocess.run(driver, capture_output=True, check=True, cwd=ROOT).stdout)
                for _ in range(runs)
            ),
            0,
        )
        print(app.row(f"{label}the app: e, {fmt}, enter (enter to file)"))
        if fmt == "pdf":
            print(f"{label}  {len(PdfReader(out).pages) / app.median:,.0f} pages/s in the app")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--store", help="a store (path or URL) whose report to export")
    parser.add_argument("--before", help="a Python whose famtriage is the one to compare with")
    parser.add_argument("--before-runs", type=int, default=1, help="runs of --before (slow)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        in_process(args.rows, args.runs, folder)
        if args.store:
            print(f"\nwhole processes on {args.store}, {args.runs} runs each")
            print(load_line())
            print(HEADER)
            whole(args.store, args.runs, folder, sys.executable, "")
            if args.before:
                whole(args.store, args.before_runs, folder, args.before, "before: ")
            print(load_line())


if __name__ == "__main__":
    main()
