"""Importing an export into the store: all or nothing, in one transaction."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import delete, select
from sqlalchemy.schema import CreateIndex, DropIndex

from famtriage.core.emails import normalize_series
from famtriage.core.errors import Conflict
from famtriage.core.report import snapshot
from famtriage.core.source.origin import MAX_PROBLEMS, Source, raise_problems, source_of
from famtriage.core.source.reader import locate, read_located
from famtriage.core.store import schema
from famtriage.core.store.database import Bulk, Store
from famtriage.core.store.tablespec import FAMILY_TABLES


@dataclass(frozen=True)
class ImportSummary:
    orgs: list[int]
    rows: dict[str, int]


def to_store_frames(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Export columns to store columns: login keys, cents, tombstone status."""
    out = dict(tables)
    out["guardians"] = out["guardians"].with_columns(
        normalize_series(out["guardians"]["email"]).alias("email_norm")
    )
    out["payments"] = out["payments"].rename({"amount": "amount_cents"})
    out["families"] = out["families"].with_columns(
        pl.lit("active").alias("status"), pl.lit(None, pl.Int64).alias("merged_into")
    )
    out["user_groups"] = out["user_groups"].with_columns(pl.col("permissions").fill_null(""))
    return out


def import_export(
    store: Store,
    path: Path,
    *,
    replace: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Import an export folder or workbook, all or nothing."""
    sources = locate(Path(path))
    return import_tables(
        store, read_located(sources), replace=replace, on_progress=on_progress, sources=sources
    )


def import_tables(
    store: Store,
    tables: dict[str, pl.DataFrame],
    *,
    replace: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
    sources: dict[str, Source] | None = None,
) -> ImportSummary:
    """Write checked tables in one transaction; an organization already held needs `replace`.
    What clashes with the store is refused like a bad row, naming its file (`sources`) and
    row, and nothing is written."""
    tables = to_store_frames(tables)
    org_ids = tables["orgs"]["org_id"].to_list()
    steps = len(schema.DATA_TABLES) + 1
    with store.bulk() as bulk:
        held = {
            r[0]
            for r in bulk.rows(
                select(schema.orgs.c.org_id).where(schema.orgs.c.org_id.in_(org_ids))
            )
        }
        if held and not replace:
            raise Conflict(
                f"the store already holds organization(s) {', '.join(map(str, sorted(held)))}; "
                "use --replace to swap in this export"
            )
        for org_id in held:
            _remove_org(bulk, org_id)
        was_empty = not bulk.rows(select(schema.families.c.family_id).limit(1))
        staff = _new_staff(bulk, tables["staff"].with_row_index("_row"))
        where = sources or {}
        numbered = {n: tables[n].with_row_index("_row") for n in FAMILY_TABLES if not was_empty}
        restorable = _restorable(bulk, held) if not was_empty else {}
        problems = [
            line
            for name, frame in {**numbered, "staff": staff}.items()
            for line in _collisions(bulk, frame, source_of(where, name), restorable.get(name, {}))
        ]
        raise_problems(problems + _staff_logins(bulk, staff, source_of(where, "staff")))
        tables["staff"] = staff.drop("_row")
        if on_progress:
            on_progress(1, steps)
        indexes = _secondary_indexes() if was_empty else []
        for index in indexes:
            bulk.run(DropIndex(index))
        for done, name in enumerate(schema.DATA_TABLES, start=2):
            frame = tables[name]
            if name == "user_groups":
                known = [r[0] for r in bulk.rows(select(schema.user_groups.c.user_group))]
                frame = frame.filter(~pl.col("user_group").is_in(known))
            bulk.ingest(name, frame)
            if on_progress:
                on_progress(done, steps)
        for index in indexes:
            bulk.run(CreateIndex(index))
        generation = store.touch_all(bulk)
    lazy = {name: tables[name].lazy() for name in FAMILY_TABLES}
    snapshot.absorb_import(store, lazy, org_ids, generation, was_empty)
    return ImportSummary(orgs=org_ids, rows={n: tables[n].height for n in schema.DATA_TABLES})


def _new_staff(bulk: Bulk, staff: pl.DataFrame) -> pl.DataFrame:
    """Staff already in the store (same id and email, e.g. a global Admin listed in every
    organization's export) are kept as they are, not imported twice."""
    st = schema.staff
    known = bulk.rows(
        select(st.c.staff_id, st.c.email).where(st.c.staff_id.in_(staff["staff_id"].to_list()))
    )
    if not known:
        return staff
    same = pl.DataFrame(known, schema={"staff_id": pl.Int64, "email": pl.String}, orient="row")
    return staff.join(same, on=["staff_id", "email"], how="anti")


def _secondary_indexes() -> list:
    """Indexes an empty store can build once after loading, instead of row by row."""
    return [index for name in schema.DATA_TABLES for index in schema.metadata.tables[name].indexes]


def _collisions(
    bulk: Bulk, frame: pl.DataFrame, source: Source, restorable: dict[int, int]
) -> list[str]:
    """Ids are global: each row (numbered in `_row`) whose id the store already holds, for
    another organization, or that an audit entry can still restore (`restorable`: id →
    entry), is a problem. (A store without families holds no family rows, so the caller
    checks only staff there.)"""
    table = schema.metadata.tables[source.table]
    key = schema.IMPORT_SPECS[source.table].key
    ids = frame[key].to_list()
    taken: list[int] = []
    for start in range(0, len(ids), 50_000):
        chunk = ids[start : start + 50_000]
        query = select(table.c[key]).where(table.c[key].in_(chunk)).limit(MAX_PROBLEMS)
        taken += [r[0] for r in bulk.rows(query)]
        if len(taken) >= MAX_PROBLEMS:
            break
    why = pl.format("id {} is already used in the store", pl.col(key))
    lines = source.rows(frame.filter(pl.col(key).is_in(taken)), "_row", key, why)
    entry = pl.col(key).replace_strict(restorable, default=None, return_dtype=pl.Int64)
    why = pl.format(
        "id {} belongs to a deleted row that audit entry #{} can restore", pl.col(key), entry
    )
    return lines + source.rows(frame.filter(pl.col(key).is_in(list(restorable))), "_row", key, why)


def _restorable(bulk: Bulk, replaced: set[int]) -> dict[str, dict[int, int]]:
    """Keys of the rows that audit entries still in effect deleted and can restore (a
    deleted family's guardians, a merge's folded rows), by table, with their entry: a new
    row may not take one, or that undo would fail. (Entries about an organization being
    replaced no longer apply: its rows are gone.) Read from the entries' journals, so the
    cost follows the audit log, not the export."""
    a = schema.audit_log
    entries = bulk.rows(
        select(a.c.audit_id, a.c.org_id, a.c.payload).where(
            a.c.undone_by.is_(None), a.c.action != "undo"
        )
    )
    held: dict[str, dict[int, int]] = {}
    for audit_id, org_id, payload in entries:
        if org_id in replaced:
            continue
        for change in json.loads(payload or "{}").get("changes", []):
            table = change["table"]
            if change["after"] is None and table in FAMILY_TABLES:
                key = change["before"][schema.IMPORT_SPECS[table].key]
                held.setdefault(table, {})[int(key)] = audit_id
    return held


def _staff_logins(bulk: Bulk, staff: pl.DataFrame, source: Source) -> list[str]:
    """A new staff member whose email is one login with a member the store holds (in
    another organization: the export's own were removed by `--replace`) would make
    `--as EMAIL` ambiguous."""
    st = schema.staff
    held = pl.DataFrame(
        bulk.rows(select(st.c.staff_id, st.c.email)),
        schema={"held_id": pl.Int64, "held_email": pl.String},
        orient="row",
    )
    if held.is_empty() or staff.is_empty():
        return []
    held = held.with_columns(normalize_series(held["held_email"]).alias("key"))
    new = staff.with_columns(normalize_series(staff["email"]).alias("key"))
    clash = new.join(held, on="key").sort("_row")
    why = pl.format("the same login as staff member #{} in the store", pl.col("held_id"))
    return source.rows(clash, "_row", "email", why, value="email")


def _remove_org(bulk: Bulk, org_id: int) -> None:
    """Delete one organization's rows, children first (inside the caller's transaction)."""
    fam_ids = select(schema.families.c.family_id).where(schema.families.c.org_id == org_id)
    student_ids = select(schema.students.c.student_id).where(
        schema.students.c.family_id.in_(fam_ids)
    )
    bulk.run(delete(schema.enrollments).where(schema.enrollments.c.student_id.in_(student_ids)))
    for name in ("students", "guardians", "payments", "policies", "activity"):
        table = schema.metadata.tables[name]
        bulk.run(delete(table).where(table.c.family_id.in_(fam_ids)))
    bulk.run(delete(schema.families).where(schema.families.c.org_id == org_id))
    bulk.run(delete(schema.staff).where(schema.staff.c.org_id == org_id))
    bulk.run(delete(schema.orgs).where(schema.orgs.c.org_id == org_id))
