"""The same report whichever way the data arrives: from a store, its snapshot, or a folder."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import polars as pl
from store_support import split_baker_group

from famtriage.core.access.context import Context
from famtriage.core.emails import normalize_email
from famtriage.core.report import frames, snapshot
from famtriage.core.report.current import report_for_context
from famtriage.core.report.fam12 import narrow
from famtriage.core.source.direct import report_from_export
from famtriage.core.store import config
from famtriage.core.store.database import Store
from famtriage.tui.cli.main import main


def _comparable(report) -> pl.DataFrame:
    return report.families.drop("reason").sort("org_id", "email", "family_id")


def test_report_from_folder_equals_report_after_import(ctx: Context) -> None:
    for scope in ("primary", "all-logins"):
        stored = report_for_context(ctx, scope)
        direct = report_from_export(config.SAMPLE_DATA, scope)
        assert _comparable(direct).equals(_comparable(stored))
        assert direct.groups.equals(stored.groups)


def test_foreign_export_json_equals_group_by(tmp_path: Path, capsys) -> None:
    """An export with the DESIGN §3 columns only: the JSON groups are a GROUP BY."""
    folder = tmp_path / "foreign"
    folder.mkdir()
    wanted = {
        "families": ["family_id", "org_id", "family_name", "created_at"],
        "guardians": [
            "guardian_id",
            "family_id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "is_primary",
        ],
        "students": ["student_id", "family_id", "first_name", "last_name", "birth_date"],
        "enrollments": ["enrollment_id", "student_id", "class_name", "start_date", "end_date"],
        "payments": ["payment_id", "family_id", "amount", "paid_at"],
        "policies": ["policy_id", "family_id", "policy_name", "signed_at"],
    }
    for name, cols in wanted.items():
        frame = pl.read_csv(config.SAMPLE_DATA / f"{name}.csv", infer_schema=False)
        frame.select(cols).write_parquet(folder / f"{name}.parquet")
    assert main(["report", "--from", str(folder), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    got = {
        (g["org_id"], g["email"]): sorted(f["family_id"] for f in g["families"])
        for g in doc["groups"]
    }

    fams = pl.read_csv(config.SAMPLE_DATA / "families.csv", infer_schema=False)
    org = dict(zip(fams["family_id"].cast(int), fams["org_id"].cast(int), strict=True))
    guardians = pl.read_csv(config.SAMPLE_DATA / "guardians.csv", infer_schema=False)
    by_key: dict[tuple[int, str], set[int]] = defaultdict(set)
    for fid, email, primary in guardians.select("family_id", "email", "is_primary").iter_rows():
        key = normalize_email(email)
        if primary == "true" and key is not None:
            by_key[(org[int(fid)], key)].add(int(fid))
    expected = {k: sorted(v) for k, v in by_key.items() if len(v) >= 2}
    assert got == expected


def test_snapshot_patches_after_a_write(store: Store, ctx: Context) -> None:
    split_baker_group(store, ctx)
    tables = snapshot._store_tables(store, None)
    fresh = snapshot.load(store)
    key = ["family_id", "guardian_id"]
    assert fresh.candidates.sort(key).equals(narrow(frames.logins(tables)).sort(key))
    stats = frames.family_stats(tables).filter(
        pl.col("family_id").is_in(fresh.candidates["family_id"].implode())
    )
    assert fresh.stats.sort("family_id").equals(stats.sort("family_id"))


def test_snapshot_of_another_store_is_never_trusted(tmp_path: Path, sample_db: Path) -> None:
    target = tmp_path / "other.db"
    store = Store.open(target)
    folder = snapshot.cache_dir(store)
    folder.mkdir()
    snapshot.load(Store.open(sample_db))
    for source in snapshot.cache_dir(Store.open(sample_db)).iterdir():
        (folder / source.name).write_bytes(source.read_bytes())
    assert snapshot.load(store).candidates.is_empty()
