"""A columnar snapshot of the store, so reads of a million families stay sub-second.

The snapshot holds, as Parquet files beside the store: every login (`logins`), the slice
of them that can be in a FAM-12 group (`candidates`, see `report.narrow`), and the
history counts of every family (`stats`), stamped with the store's identity, generation
and epoch (`Store.stamp`). It answers only while the store's history runs through that
stamp (`Store.changes_since`): then it patches just the families that famtriage's own
later writes touched (recorded by `Store.touch`); an import hands it the frames it
wrote; anything else (another store, a restored older copy, a write made outside
famtriage, which changes the epoch through the store's triggers) rebuilds it.

Each write is a new set of files named by a random token, which the stamp names last,
so a reader never mixes two versions. The folder must be the user's own and writable by
no one else (`PrivateFolder`); one that is not, or that cannot be written (disk full,
read-only), costs only speed: the answer is read from the store and `Store.notice`
says why.

A process that keeps the store's view in memory (`live`, the app) reads the snapshot
without writing a patched or rebuilt one (`read(persist=False)`) and writes the files
later (`save`); the CLI writes them as it reads.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import polars as pl
from sqlalchemy import select

from famtriage.core.errors import Conflict
from famtriage.core.files import PrivateFolder
from famtriage.core.report import frames, store_frames
from famtriage.core.report.fam12 import narrow
from famtriage.core.store import schema
from famtriage.core.store.database import Stamp, Store
from famtriage.core.store.reads import ProgressCallback
from famtriage.core.store.tablespec import FAMILY_TABLES

PATCH_LIMIT = 20_000
_DERIVED = ("candidates", "candidate_stats", "org_families")
_STAMP = "stamp.json"
_SAVING = threading.Lock()
"""One writer of snapshot files at a time in this process (`save` runs in a thread)."""


@dataclass(frozen=True)
class Snapshot:
    """What reports need: the candidate logins, those families' history counts, and how
    many active families each organization has, as of `stamp`."""

    stamp: Stamp
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


def load(store: Store, on_progress: ProgressCallback | None = None) -> Snapshot:
    """The store's current frames: from the cache if fresh, patched or rebuilt if not
    (a rebuild reports `on_progress(done, total)` as it reads the store)."""
    return read(store, on_progress=on_progress).snapshot


@dataclass(frozen=True)
class Loaded:
    """What `read` found: the snapshot, and (when asked for) every login and every
    family's history counts; `saved` says whether the files hold these frames."""

    snapshot: Snapshot
    logins: pl.DataFrame | None
    stats: pl.DataFrame | None
    saved: bool


def read(
    store: Store,
    *,
    full: bool = False,
    persist: bool = True,
    on_progress: ProgressCallback | None = None,
) -> Loaded:
    """The snapshot at the store's current stamp: from the files if they are fresh,
    patched from the families changed since, or rebuilt (see the module's docstring).

    `full` also returns every login and every family's counts (read from disk only when
    asked for). Without `persist` a patched or rebuilt snapshot is not written: the caller
    keeps it in memory and writes it later (`save`), as the app does. A rebuild reports
    `on_progress(done, total)` as it reads the store."""
    folder = _folder(store)
    cached = _read_stamp(folder) if folder is not None else None
    with store.engine.connect() as conn:
        now = store.stamp(conn)  # read before any data: a stamp is never newer than its data
        changed = store.changes_since(conn, cached[0]) if cached is not None else None
    orgs = store.read_table("orgs")
    if folder is not None and cached is not None and changed is not None:
        token = cached[1]
        try:
            if not changed:
                candidates, stats, org_families = (_read(folder, n, token) for n in _DERIVED)
                snap = Snapshot(now, candidates, stats, org_families, orgs)
                if cached[0] != now:  # writes that changed no family (a grant)
                    _persist(store, folder, now, {}, token)
                if not full:
                    return Loaded(snap, None, None, True)
                every, all_stats = (_read(folder, n, token) for n in ("logins", "stats"))
                return Loaded(snap, every, all_stats, True)
            if len(changed) <= PATCH_LIMIT:
                fresh = _store_tables(store, changed)
                keep = ~pl.col("family_id").is_in(changed)
                every = pl.concat(
                    [_read(folder, "logins", token).filter(keep), frames.logins(fresh)]
                )
                stats = pl.concat(
                    [_read(folder, "stats", token).filter(keep), frames.family_stats(fresh)]
                )
                snap = _write(store, folder if persist else None, now, every, stats, orgs)
                return _loaded(snap, every, stats, persist, full)
        except (OSError, pl.exceptions.PolarsError):
            pass  # a missing or damaged file: rebuild from the store below
    every, stats = store_frames.read(store, on_progress)  # aggregated by the database
    snap = _write(store, folder if persist else None, now, every, stats, orgs)
    return _loaded(snap, every, stats, persist, full)


def _loaded(
    snap: Snapshot, every: pl.DataFrame, stats: pl.DataFrame, saved: bool, full: bool
) -> Loaded:
    """Every login and count only when asked for: a caller that keeps them by mistake
    holds a million families' logins twice (the CLI's rebuild peaked over 1 GB)."""
    return Loaded(snap, every, stats, saved) if full else Loaded(snap, None, None, saved)


def save(store: Store, snap: Snapshot, every: pl.DataFrame, stats: pl.DataFrame) -> None:
    """Write a snapshot kept in memory (`read` without `persist`, then patched), unless
    the files already hold it."""
    folder = _folder(store)
    if folder is None or snap.stamp.epoch is None:
        return
    cached = _read_stamp(folder)
    if cached is not None and cached[0] == snap.stamp:
        return
    files = {
        "logins": every,
        "stats": stats,
        "candidates": snap.candidates,
        "candidate_stats": snap.stats,
        "org_families": snap.org_families,
    }
    _persist(store, folder, snap.stamp, files, secrets.token_hex(8))


def absorb_import(
    store: Store, tables: frames.Tables, org_ids: list[int], generation: int, was_empty: bool
) -> None:
    """Bring the snapshot up to an import from the frames it wrote, instead of reading a
    million rows back: the imported organizations' rows are replaced, the rest kept.

    Only a snapshot that was current just before the import (the store's history at
    `generation - 1`, which `Store.touch_all` keeps only when nothing else wrote there)
    is carried forward; any other is left for the next load to rebuild."""
    folder = _folder(store)
    if folder is None:
        return
    with store.engine.connect() as conn:
        identity = store.identity(conn)
        epoch = store.epoch_at(conn, generation)
        before = Stamp(identity, generation - 1, store.epoch_at(conn, generation - 1))
    every, stats = frames.logins(tables), frames.family_stats(tables)
    if not was_empty:
        cached = _read_stamp(folder)
        if cached is None or cached[0] != before or before.epoch is None:
            return
        others = ~pl.col("org_id").is_in(org_ids)
        try:
            every = pl.concat([_read(folder, "logins", cached[1]).filter(others), every])
            stats = pl.concat([_read(folder, "stats", cached[1]).filter(others), stats])
        except (OSError, pl.exceptions.PolarsError):
            return
    _write(
        store, folder, Stamp(identity, generation, epoch), every, stats, store.read_table("orgs")
    )


def _folder(store: Store) -> PrivateFolder | None:
    """The snapshot's folder, or None (and a notice saying why) when it may not be used."""
    try:
        return PrivateFolder.open(cache_dir(store))
    except Conflict as exc:
        store.notice(f"{exc}; the snapshot is not used, answers are read from the store (slower)")
        return None


def family_tables(store: Store, family_ids: list[int]) -> frames.Tables:
    """The store's rows of these families, in every family table (to patch a view)."""
    return _store_tables(store, family_ids)


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


def _read(folder: PrivateFolder, name: str, token: str) -> pl.DataFrame:
    """One file of the set `token` (opened by famtriage: a name is never a pattern)."""
    return pl.read_parquet(folder.read(f"{name}.{token}.parquet"))


def _read_stamp(folder: PrivateFolder) -> tuple[Stamp, str] | None:
    """The stamp and the token of the file set it names; None when missing or damaged."""
    try:
        data = json.loads(folder.read(_STAMP))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    store, generation, epoch, token = (
        data.get(k) for k in ("store", "generation", "epoch", "files")
    )
    if not (
        isinstance(store, str)
        and isinstance(generation, int)
        and isinstance(epoch, str)
        and isinstance(token, str)
        and token.isalnum()
    ):
        return None
    return Stamp(store, generation, epoch), token


def _write(
    store: Store,
    folder: PrivateFolder | None,
    stamp: Stamp,
    every: pl.DataFrame,
    stats: pl.DataFrame,
    orgs: pl.DataFrame,
) -> Snapshot:
    """The snapshot of these frames, written beside the store when it can be (a store
    without an epoch cannot be checked later, so its snapshot is not kept)."""
    candidates = narrow(every)
    snap = Snapshot(
        stamp,
        candidates,
        stats.join(candidates.select("family_id").unique(), on="family_id", how="semi"),
        stats.group_by("org_id").agg(pl.len().alias("families")),
        orgs,
    )
    if folder is not None and stamp.epoch is not None:
        files = {
            "logins": every,
            "stats": stats,
            "candidates": candidates,
            "candidate_stats": snap.stats,
            "org_families": snap.org_families,
        }
        _persist(store, folder, stamp, files, secrets.token_hex(8))
    return snap


def _persist(
    store: Store, folder: PrivateFolder, stamp: Stamp, files: dict[str, pl.DataFrame], token: str
) -> None:
    """Write the file set `token`, then the stamp naming it, then drop older sets. A
    failure costs only speed: the next load reads from the store again."""
    with _SAVING:
        _persist_locked(store, folder, stamp, files, token)


def _persist_locked(
    store: Store, folder: PrivateFolder, stamp: Stamp, files: dict[str, pl.DataFrame], token: str
) -> None:
    record = {"store": stamp.store_id, "generation": stamp.generation, "epoch": stamp.epoch}
    try:
        for name, frame in files.items():
            buffer = io.BytesIO()  # whole in memory first: a full disk is then an OSError
            frame.write_parquet(buffer)
            folder.write(f"{name}.{token}.parquet", buffer.getbuffer())  # not a copy
        folder.write(_STAMP, json.dumps({**record, "files": token}).encode())
    except OSError as exc:
        why = exc.strerror or str(exc)
        store.notice(
            f"{folder.path}: cannot write the snapshot ({why}); "
            "answers are read from the store (slower)"
        )
        return
    with contextlib.suppress(OSError):
        for name in folder.names():
            if name.endswith(".parquet") and not name.endswith(f".{token}.parquet"):
                folder.remove(name)
