"""A lost snapshot at a million families: the first answer rebuilt from the store.

    python bench/bench_cold.py [--families 1000000] [--work /tmp/famtriage-bench]
        [--runs 3] [--pg SERVER_URL] [--duckdb-python PYTHON] [--before PYTHON]

Builds (once, then reuses) a synthetic SQLite store and, with --pg, the same data in a
PostgreSQL database on that server, then times whole processes, each after deleting
the snapshot folder (what a lost snapshot, or another engineer's first open of a shared
PostgreSQL store, costs):

  1. `famtriage --db STORE readiness`, on SQLite and on PostgreSQL;
  2. with --duckdb-python, DuckDB reading the same store (its sqlite / postgres
     extension) and computing the same two frames the snapshot keeps (every login of
     an active family with its organization; every active family's history counts,
     payments total, latest date and primary guardian), written as Parquet: the
     yardstick, and the ratio famtriage / DuckDB;
  3. with --before, the same commands with another famtriage (a Python whose famtriage
     is the version to compare with), in the same run.

It prints the median, the spread and the peak memory of --runs runs, and the machine's
load. A Python for DuckDB with those extensions (the extension packages are built for
DuckDB 1.5.5, and DuckDB refuses one not signed by its makers):
    python3 -m venv /tmp/duckvenv && /tmp/duckvenv/bin/pip install duckdb==1.5.5 \\
        duckdb-extension-sqlite-scanner==1.5.5 duckdb-extension-postgres-scanner==1.5.5
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from timing import FAMTRIAGE, HEADER, ROOT, Figures, load_line, measure

from famtriage.core.report.snapshot import cache_dir
from famtriage.core.store.database import Store

DUCKDB_SCRIPT = """
import pathlib, sys
import duckdb
import duckdb_extension_postgres_scanner, duckdb_extension_sqlite_scanner

kind, source, out = sys.argv[1:4]
con = duckdb.connect()
module = duckdb_extension_sqlite_scanner if kind == "sqlite" else duckdb_extension_postgres_scanner
con.sql(f"LOAD '{next(pathlib.Path(module.__file__).parent.rglob('*.duckdb_extension'))}'")
con.sql(f"ATTACH '{source}' AS s (TYPE {kind}, READ_ONLY)")
con.sql(f'''COPY (
  SELECT g.guardian_id, g.family_id, f.org_id, g.first_name, g.last_name, g.email,
         g.email_norm, CAST(g.is_primary AS BOOLEAN) AS is_primary
  FROM s.guardians g JOIN s.families f USING (family_id)
  WHERE f.status = 'active' AND g.email IS NOT NULL AND g.email <> ''
    AND g.email_norm IS NOT NULL
) TO '{out}/logins.parquet' ''')
con.sql(f'''COPY (
  WITH fam AS (SELECT family_id, org_id, family_name, created_at FROM s.families
               WHERE status = 'active'),
  stu AS (SELECT family_id, count(*) AS students FROM s.students GROUP BY ALL),
  enr AS (SELECT t.family_id, count(*) AS enrollments, max(e.start_date) AS enr_last
          FROM s.enrollments e JOIN s.students t USING (student_id) GROUP BY ALL),
  pay AS (SELECT family_id, count(*) AS payments, sum(amount_cents) AS total,
          max(paid_at) AS pay_last FROM s.payments GROUP BY ALL),
  pol AS (SELECT family_id, count(*) AS policies, max(signed_at) AS pol_last
          FROM s.policies GROUP BY ALL),
  act AS (SELECT family_id, count(*) AS activity, max("at") AS act_last
          FROM s.activity GROUP BY ALL),
  prim AS (SELECT family_id, arg_min(trim(coalesce(first_name, '') || ' '
                  || coalesce(last_name, '')), guardian_id) AS primary_guardian
           FROM s.guardians WHERE CAST(is_primary AS BOOLEAN) GROUP BY ALL)
  SELECT fam.*, primary_guardian,
         coalesce(students, 0) AS students, coalesce(enrollments, 0) AS enrollments,
         coalesce(payments, 0) AS payments, coalesce(total, 0) AS payments_total_cents,
         coalesce(policies, 0) AS policies, coalesce(activity, 0) AS activity,
         greatest(CAST(enr_last AS TIMESTAMP), pay_last, pol_last, act_last) AS last_activity
  FROM fam LEFT JOIN prim USING (family_id) LEFT JOIN stu USING (family_id)
  LEFT JOIN enr USING (family_id) LEFT JOIN pay USING (family_id)
  LEFT JOIN pol USING (family_id) LEFT JOIN act USING (family_id)
) TO '{out}/stats.parquet' ''')
"""


def sqlite_store(work: Path, families: int) -> Path:
    db = work / f"cold-{families}.db"
    if not db.exists():
        subprocess.run(
            [*FAMTRIAGE, "--db", str(db), "demo", "--families", str(families), "--yes"],
            check=True,
            cwd=ROOT,
        )
    return db


def pg_store(server: str, families: int) -> str:
    """The database `famtriage_bench_N` on the server, with the same synthetic set."""
    url = make_url(server).set(database=f"famtriage_bench_{families}")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}
        ).first()
        if found is None:
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    shown = url.render_as_string(hide_password=False)
    if found is None:
        subprocess.run(
            [*FAMTRIAGE, "--db", shown, "demo", "--families", str(families), "--yes"],
            check=True,
            cwd=ROOT,
        )
    return shown


def libpq(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as the libpq URI DuckDB's extension takes."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def cold(store: str) -> Path:
    """The snapshot folder of `store`, deleted before each run."""
    return cache_dir(Store.connect(store, create=False))


def same_frames(folder: Path, out: Path) -> bool:
    """DuckDB's frames hold the same logins and counts as the snapshot famtriage wrote."""
    token = json.loads((folder / "stamp.json").read_text())["files"]
    counts = ["students", "enrollments", "payments", "payments_total_cents", "policies"]
    checks = {
        "logins": ["guardian_id", "family_id", "org_id", "email_norm"],
        "stats": ["family_id", "org_id", *counts, "activity", "last_activity"],
    }
    for name, columns in checks.items():
        ours = pl.read_parquet(folder / f"{name}.{token}.parquet").select(columns)
        theirs = pl.read_parquet(out / f"{name}.parquet").select(columns).cast(ours.schema)
        if not ours.sort(columns[0]).equals(theirs.sort(columns[0])):
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/famtriage-bench"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg", help="a PostgreSQL server URL where databases may be created")
    parser.add_argument("--duckdb-python", help="a Python with DuckDB and its store extensions")
    parser.add_argument("--before", help="a Python whose famtriage is the one to compare with")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    stores = {"SQLite": str(sqlite_store(args.work, args.families))}
    if args.pg:
        stores["PostgreSQL"] = pg_store(args.pg, args.families)
    out = args.work / "duckdb-cold"
    out.mkdir(exist_ok=True)
    print(f"\n{args.families:,} families, {args.runs} runs each, snapshot deleted before each")
    print(load_line())
    print(HEADER)
    for kind, store in stores.items():
        folder = cold(store)

        def lose_snapshot(folder: Path = folder) -> None:
            shutil.rmtree(folder, ignore_errors=True)

        ours = measure([*FAMTRIAGE, "--db", store, "readiness"], args.runs, before=lose_snapshot)
        print(ours.row(f"famtriage readiness ({kind}, cold)"))
        if args.before:
            before = [args.before, "-m", "famtriage.tui.cli.main", "--db", store, "readiness"]
            print(measure(before, args.runs, before=lose_snapshot).row(f"  before ({kind})"))
        if args.duckdb_python:
            source = store if kind == "SQLite" else libpq(store)
            name = "sqlite" if kind == "SQLite" else "postgres"
            argv = [args.duckdb_python, "-c", DUCKDB_SCRIPT, name, source, str(out)]
            duck: Figures = measure(argv, args.runs)
            print(duck.row(f"duckdb, same frames from the {kind} store"))
            print(f"{'  ratio famtriage / duckdb':<58} {ours.median / duck.median:>7.2f}")
            measure([*FAMTRIAGE, "--db", store, "readiness"], 1, before=lose_snapshot)
            same = "yes" if same_frames(folder, out) else "NO"
            print(f"  same logins and history counts in both: {same}")
    print(load_line())


if __name__ == "__main__":
    sys.exit(main())
