"""FAM-12 at a million families: famtriage against DuckDB, whole processes, same files.

    python bench/bench_report.py [--families 1000000] [--work /tmp/famtriage-bench] [--runs 3]

Builds (once, then reuses) a synthetic Parquet export and a SQLite store from it, then
times, best of --runs:
  1. `famtriage report --from DIR --format json` (Parquet straight in)
  2. DuckDB: the same groups, per-family history, survivor ranking, merge/delete lists and
     review detection, over the same Parquet files, as JSON (its emails are only trimmed
     and lower-cased: famtriage does more, with Unicode case-folding and IDN)
  3. `famtriage report` and `famtriage report --format json` on the SQLite store
and prints wall time, peak memory (RSS) and the famtriage/DuckDB ratio.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from timing import measure

FAMTRIAGE = [sys.executable, "-m", "famtriage.tui.cli.main"]
ROOT = Path(__file__).resolve().parent.parent

DUCKDB_SQL = """
COPY (
  WITH fam AS (SELECT family_id, org_id, family_name, created_at FROM '{d}/families.parquet'),
  login AS (
    SELECT DISTINCT ON (g.family_id, lower(trim(g.email))) g.family_id, f.org_id,
           lower(trim(g.email)) AS email_norm, g.email AS raw_email,
           lower(trim(coalesce(g.first_name, ''))) AS first_key,
           trim(coalesce(g.first_name, '') || ' ' || coalesce(g.last_name, '')) AS guardian
    FROM '{d}/guardians.parquet' g JOIN fam f USING (family_id)
    WHERE g.is_primary AND g.email IS NOT NULL AND trim(g.email) <> ''),
  grp AS (
    SELECT org_id, email_norm FROM login GROUP BY ALL HAVING count(DISTINCT family_id) >= 2),
  members AS (SELECT l.* FROM login l JOIN grp USING (org_id, email_norm)),
  stu AS (SELECT family_id, count(*) AS students FROM '{d}/students.parquet'
          WHERE family_id IN (SELECT family_id FROM members) GROUP BY ALL),
  enr AS (SELECT s.family_id, count(*) AS enrollments, max(e.start_date) AS last_enr
          FROM '{d}/enrollments.parquet' e JOIN '{d}/students.parquet' s USING (student_id)
          WHERE s.family_id IN (SELECT family_id FROM members) GROUP BY ALL),
  pay AS (SELECT family_id, count(*) AS payments, sum(amount) AS total, max(paid_at) AS last_pay
          FROM '{d}/payments.parquet'
          WHERE family_id IN (SELECT family_id FROM members) GROUP BY ALL),
  pol AS (SELECT family_id, count(*) AS policies, max(signed_at) AS last_pol
          FROM '{d}/policies.parquet'
          WHERE family_id IN (SELECT family_id FROM members) GROUP BY ALL),
  act AS (SELECT family_id, count(*) AS activity, max("at") AS last_act
          FROM '{d}/activity.parquet'
          WHERE family_id IN (SELECT family_id FROM members) GROUP BY ALL),
  rows AS (
    SELECT m.org_id, m.email_norm, m.family_id, f.family_name, m.guardian, m.raw_email,
           m.first_key, f.created_at,
           coalesce(students, 0) AS students, coalesce(enrollments, 0) AS enrollments,
           coalesce(payments, 0) AS payments, coalesce(total, 0) AS total,
           coalesce(policies, 0) AS policies, coalesce(activity, 0) AS activity,
           greatest(last_enr::TIMESTAMP, last_pay, last_pol, last_act) AS last_activity,
           coalesce(enrollments, 0) + coalesce(payments, 0) + coalesce(policies, 0)
             + coalesce(activity, 0) AS history
    FROM members m JOIN fam f USING (family_id)
    LEFT JOIN stu USING (family_id) LEFT JOIN enr USING (family_id)
    LEFT JOIN pay USING (family_id) LEFT JOIN pol USING (family_id)
    LEFT JOIN act USING (family_id)),
  ranked AS (
    SELECT *, row_number() OVER (PARTITION BY org_id, email_norm
                                 ORDER BY history DESC, created_at, family_id) AS rk
    FROM rows),
  differ AS (
    SELECT DISTINCT a.org_id, a.email_norm FROM ranked a JOIN ranked b USING (org_id, email_norm)
    WHERE a.first_key <> '' AND b.first_key <> '' AND a.first_key < b.first_key
      AND NOT starts_with(a.first_key, b.first_key)
      AND NOT starts_with(b.first_key, a.first_key))
  SELECT r.org_id, r.email_norm AS email,
         list({{'family_id': family_id, 'family_name': family_name, 'guardian': guardian,
                'email': raw_email, 'created_at': created_at, 'students': students,
                'enrollments': enrollments, 'payments': payments, 'total': total,
                'policies': policies, 'activity': activity, 'last_activity': last_activity,
                'has_history': history > 0}} ORDER BY rk) AS families,
         CASE WHEN any_value(d.org_id) IS NOT NULL THEN 'review'
              WHEN count(*) FILTER (WHERE history > 0) >= 2 THEN 'merge'
              ELSE 'delete' END AS action,
         any_value(family_id) FILTER (WHERE rk = 1) AS survivor,
         list(family_id ORDER BY rk) FILTER (WHERE rk > 1 AND history > 0) AS merge,
         list(family_id ORDER BY rk) FILTER (WHERE rk > 1 AND history = 0) AS delete
  FROM ranked r LEFT JOIN differ d USING (org_id, email_norm)
  GROUP BY ALL ORDER BY r.org_id, email
) TO '{out}' (FORMAT JSON, ARRAY true)
"""


def timed(argv: list[str], runs: int, stdout_path: Path) -> tuple[float, float]:
    """Best wall time (s) and peak RSS (MiB) of `argv` over `runs` fresh processes."""
    figures = measure(argv, runs, stdout=stdout_path)
    return min(figures.walls), figures.peak_mib


def prepare(work: Path, families: int) -> tuple[Path, Path]:
    export, db = work / f"export-{families}", work / f"store-{families}.db"
    work.mkdir(parents=True, exist_ok=True)
    if not (export / "families.parquet").exists():
        t = time.perf_counter()
        subprocess.run(
            [*FAMTRIAGE, "demo", "--families", str(families), "--out", str(export)],
            check=True,
            cwd=ROOT,
        )
        print(f"generated {families:,} families as Parquet in {time.perf_counter() - t:.1f} s")
    if not db.exists():
        t = time.perf_counter()
        subprocess.run([*FAMTRIAGE, "--db", str(db), "import", str(export)], check=True, cwd=ROOT)
        print(f"imported into SQLite in {time.perf_counter() - t:.1f} s")
    return export, db


def _same_plan(duckdb_json: Path, argv_from: list[str]) -> bool:
    """Both tools found the same groups and recommend the same survivor, merges, deletes."""
    ours = json.loads(subprocess.run(argv_from, capture_output=True, check=True, cwd=ROOT).stdout)
    mine = {
        (g["org_id"], g["email"]): (
            g["recommendation"]["action"],
            g["recommendation"]["survivor"],
            sorted(g["recommendation"]["merge"]),
            sorted(g["recommendation"]["delete"]),
        )
        for g in ours["groups"]
    }
    theirs = {
        (g["org_id"], g["email"]): (
            g["action"],
            None if g["action"] == "review" else g["survivor"],
            [] if g["action"] == "review" else sorted(g["merge"] or []),
            [] if g["action"] == "review" else sorted(g["delete"] or []),
        )
        for g in json.loads(duckdb_json.read_text())
    }
    return mine == theirs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/famtriage-bench"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clean", action="store_true", help="rebuild the data first")
    args = parser.parse_args()
    if args.clean:
        shutil.rmtree(args.work, ignore_errors=True)
    export, db = prepare(args.work, args.families)
    out = args.work / "out.json"
    sql = DUCKDB_SQL.format(d=export, out=args.work / "duckdb.json")
    rows = [
        (
            "famtriage report --from DIR --format json",
            [*FAMTRIAGE, "report", "--from", str(export), "--format", "json"],
        ),
        (
            "duckdb (same groups, history and plan)",
            [sys.executable, "-c", f"import duckdb; duckdb.sql({sql!r})"],
        ),
        ("famtriage report (SQLite store, table)", [*FAMTRIAGE, "--db", str(db), "report"]),
        (
            "famtriage report --format json (SQLite store)",
            [*FAMTRIAGE, "--db", str(db), "report", "--format", "json"],
        ),
    ]
    print(f"\n{args.families:,} families, best of {args.runs} (whole processes)")
    print(f"{'command':<48} {'wall s':>7} {'peak MiB':>9}")
    results = {}
    for label, argv in rows:
        wall, rss = timed(argv, args.runs, out)
        results[label] = wall
        print(f"{label:<48} {wall:>7.2f} {rss:>9.0f}")
    same = _same_plan(args.work / "duckdb.json", argv_from=rows[0][1])
    print(f"\nsame groups and plan in both outputs: {'yes' if same else 'NO'}")
    ratio = results[rows[0][0]] / results[rows[1][0]]
    print(f"\nratio famtriage --from / duckdb: {ratio:.2f} (<= 1.0 means famtriage is faster)")


if __name__ == "__main__":
    main()
