"""A columnar snapshot of the store, so reads of a million families stay sub-second.

The snapshot holds, as Parquet files beside the store: every login (`logins`), the slice
of them that can be in a FAM-12 group (`candidates`, see `report.narrow`), and the
history counts of every family (`stats`), stamped with the store's identity and the
generation they reflect. When the store has moved on, the snapshot patches only the
families that the newer writes touched (recorded by `Store.touch`); an import hands it
the frames it wrote; anything else rebuilds it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import polars as pl
from sqlalchemy import select

from famtriage.core.report import frames
from famtriage.core.report.fam12 import narrow
from famtriage.core.store import schema
from famtriage.core.store.database import Store
from famtriage.core.store.tablespec import FAMILY_TABLES

PATCH_LIMIT = 20_000
_DERIVED = ("candidates", "candidate_stats", "org_families")


@dataclass(frozen=True)
class Snapshot:
    """What reports need: the candidate logins, those families' history counts, and how
    many active families each organization has."""

    generation: int
    candidates: pl.DataFrame
    stats: pl.DataFrame
    org_families: pl.DataFrame
    orgs: pl.DataFrame


def cache_dir(store: Store) -> Path:
    path = store.sqlite_path
    if path is not None:
        return path.with_name(path.name + ".snapshot")
    # one folder per store and reader: under row-level security a role's snapshot holds
    # only the rows its organizations show it, never to be read by another role's session
    digest = hashlib.sha256(f"{store.url}\n{store.reader()}".encode()).hexdigest()[:16]
    return Path(platformdirs.user_cache_dir("famtriage")) / f"snapshot-{digest}"


def load(store: Store) -> Snapshot:
    """The store's current frames: from the cache if fresh, patched or rebuilt if not."""
    folder = cache_dir(store)
    with store.engine.connect() as conn:
        identity = store.identity(conn)
        generation = store.generation(conn)
        rebuilt_at = store.rebuilt_at(conn)
        cached = _read_stamp(folder, identity)
        changed = None
        if cached is not None and rebuilt_at <= cached <= generation:
            changed = store.changed_since(conn, cached)
    orgs = store.read_table("orgs")
    try:
        if cached == generation:
            candidates, stats, org_families = (_read(folder, n) for n in _DERIVED)
            return Snapshot(generation, candidates, stats, org_families, orgs)
        if changed is not None and len(changed) <= PATCH_LIMIT:
            fresh = _store_tables(store, changed)
            keep = ~pl.col("family_id").is_in(changed)
            logins = pl.concat([_read(folder, "logins").filter(keep), frames.logins(fresh)])
            stats = pl.concat([_read(folder, "stats").filter(keep), frames.family_stats(fresh)])
            return _write(folder, identity, generation, logins, stats, orgs)
    except (OSError, pl.exceptions.PolarsError):
        pass  # a missing or damaged file: rebuild from the store below
    tables = _store_tables(store, None)
    logins, stats = frames.logins(tables), frames.family_stats(tables)
    return _write(folder, identity, generation, logins, stats, orgs)


def logins(store: Store) -> pl.LazyFrame:
    """Every login of an active family, fresh: for scans no index can serve. (Where the
    snapshot cannot be written, they are read from the store instead: slower, as right.)"""
    snap = load(store)
    path = cache_dir(store) / "logins.parquet"
    if _read_stamp(cache_dir(store), store.store_id()) == snap.generation and path.exists():
        return pl.scan_parquet(path)
    return frames.logins(_store_tables(store, None)).lazy()


def absorb_import(
    store: Store, tables: frames.Tables, org_ids: list[int], generation: int, was_empty: bool
) -> None:
    """Bring the snapshot up to an import from the frames it wrote, instead of reading a
    million rows back: the imported organizations' rows are replaced, the rest kept."""
    folder = cache_dir(store)
    with store.engine.connect() as conn:
        identity = store.identity(conn)
    logins, stats = frames.logins(tables), frames.family_stats(tables)
    if not was_empty:
        if _read_stamp(folder, identity) != generation - 1:
            return  # it was stale already: the next load rebuilds it
        others = ~pl.col("org_id").is_in(org_ids)
        logins = pl.concat([_read(folder, "logins").filter(others), logins])
        stats = pl.concat([_read(folder, "stats").filter(others), stats])
    _write(folder, identity, generation, logins, stats, store.read_table("orgs"))


def _store_tables(store: Store, family_ids: list[int] | None) -> frames.Tables:
    """The store's raw tables (or only those rows that belong to `family_ids`)."""
    if family_ids is None:
        return {n: store.read_table(n).lazy() for n in FAMILY_TABLES}
    tables = {
        n: store.read_table(n, schema.metadata.tables[n].c.family_id.in_(family_ids)).lazy()
        for n in FAMILY_TABLES
        if n != "enrollments"
    }
    students = select(schema.students.c.student_id).where(
        schema.students.c.family_id.in_(family_ids)
    )
    tables["enrollments"] = store.read_table(
        "enrollments", schema.enrollments.c.student_id.in_(students)
    ).lazy()
    return tables


def _read(folder: Path, name: str) -> pl.DataFrame:
    return pl.read_parquet(folder / f"{name}.parquet")


def _read_stamp(folder: Path, identity: str) -> int | None:
    try:
        stamp = json.loads((folder / "stamp.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or stamp.get("store") != identity:
        return None
    generation = stamp.get("generation")
    return generation if isinstance(generation, int) else None


def _write(
    folder: Path,
    identity: str,
    generation: int,
    logins: pl.DataFrame,
    stats: pl.DataFrame,
    orgs: pl.DataFrame,
) -> Snapshot:
    """Write beside the store, stamp last: a torn write is simply not trusted next time.

    A location that cannot be written only costs speed (the next read rebuilds)."""
    candidates = narrow(logins)
    snap = Snapshot(
        generation,
        candidates,
        stats.join(candidates.select("family_id").unique(), on="family_id", how="semi"),
        stats.group_by("org_id").agg(pl.len().alias("families")),
        orgs,
    )
    files = {
        "logins": logins,
        "stats": stats,
        "candidates": candidates,
        "candidate_stats": snap.stats,
        "org_families": snap.org_families,
    }
    with contextlib.suppress(OSError):
        _persist(folder, files, {"store": identity, "generation": generation})
    return snap


def _persist(folder: Path, files: dict[str, pl.DataFrame], stamp: dict) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    (folder / "stamp.json").unlink(missing_ok=True)
    for name, frame in files.items():
        tmp = folder / f".{name}.parquet.tmp"
        frame.write_parquet(tmp)
        os.chmod(tmp, 0o600)
        os.replace(tmp, folder / f"{name}.parquet")
    tmp = folder / ".stamp.tmp"
    tmp.write_text(json.dumps(stamp))
    os.chmod(tmp, 0o600)
    os.replace(tmp, folder / "stamp.json")
