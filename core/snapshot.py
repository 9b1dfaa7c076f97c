"""A columnar snapshot of the store, so reads of a million families stay sub-second.

The snapshot holds the `logins` and `family_stats` frames as Parquet files beside the
store, stamped with the store generation they reflect. When the store has moved on, the
snapshot patches only the families the newer writes touched (recorded by
`Store.touch`), or rebuilds after a bulk change (an import).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import polars as pl
from sqlalchemy import select

from core import frames, schema
from core.store import Store

PATCH_LIMIT = 20_000


@dataclass(frozen=True)
class Snapshot:
    generation: int
    logins: pl.DataFrame
    stats: pl.DataFrame
    orgs: pl.DataFrame


def cache_dir(store: Store) -> Path:
    path = store.sqlite_path
    if path is not None:
        return path.with_name(path.name + ".snapshot")
    digest = hashlib.sha256(store.url.encode()).hexdigest()[:16]
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
    if cached == generation:
        snap = Snapshot(
            generation,
            pl.read_parquet(folder / "logins.parquet"),
            pl.read_parquet(folder / "stats.parquet"),
            orgs,
        )
    elif changed is not None and len(changed) <= PATCH_LIMIT:
        snap = _patch(store, folder, generation, changed, orgs)
        _write(folder, snap, identity)
    else:
        snap = _rebuild(store, generation, orgs)
        _write(folder, snap, identity)
    return snap


def _store_tables(store: Store, family_ids: list[int] | None) -> frames.Tables:
    """The store's raw tables (or only those rows that belong to `family_ids`)."""
    if family_ids is None:
        return {n: store.read_table(n).lazy() for n in _TABLES}
    tables = {
        n: store.read_table(n, schema.metadata.tables[n].c.family_id.in_(family_ids)).lazy()
        for n in _TABLES
        if n != "enrollments"
    }
    students = select(schema.students.c.student_id).where(
        schema.students.c.family_id.in_(family_ids)
    )
    tables["enrollments"] = store.read_table(
        "enrollments", schema.enrollments.c.student_id.in_(students)
    ).lazy()
    return tables


_TABLES = ("families", "guardians", "students", "enrollments", "payments", "policies", "activity")


def _rebuild(store: Store, generation: int, orgs: pl.DataFrame) -> Snapshot:
    tables = _store_tables(store, None)
    return Snapshot(generation, frames.logins(tables), frames.family_stats(tables), orgs)


def _patch(
    store: Store, folder: Path, generation: int, changed: list[int], orgs: pl.DataFrame
) -> Snapshot:
    logins = pl.read_parquet(folder / "logins.parquet")
    stats = pl.read_parquet(folder / "stats.parquet")
    if changed:
        fresh = _store_tables(store, changed)
        keep = ~pl.col("family_id").is_in(changed)
        logins = pl.concat([logins.filter(keep), frames.logins(fresh)])
        stats = pl.concat([stats.filter(keep), frames.family_stats(fresh)])
    return Snapshot(generation, logins, stats, orgs)


def _read_stamp(folder: Path, identity: str) -> int | None:
    try:
        stamp = json.loads((folder / "stamp.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or stamp.get("store") != identity:
        return None
    generation = stamp.get("generation")
    return generation if isinstance(generation, int) else None


def _write(folder: Path, snap: Snapshot, identity: str) -> None:
    """Write beside the store, stamp last: a torn write is simply not trusted next time."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        (folder / "stamp.json").unlink(missing_ok=True)
        for name, frame in (("logins", snap.logins), ("stats", snap.stats)):
            tmp = folder / f".{name}.parquet.tmp"
            frame.write_parquet(tmp)
            os.chmod(tmp, 0o600)
            os.replace(tmp, folder / f"{name}.parquet")
        stamp = folder / ".stamp.tmp"
        stamp.write_text(json.dumps({"store": identity, "generation": snap.generation}))
        os.replace(stamp, folder / "stamp.json")
    except OSError:
        return  # a read-only location only costs speed: the next read rebuilds
