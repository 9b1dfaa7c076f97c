"""Importing an export into the store: all or nothing, in one transaction."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from sqlalchemy import ColumnElement, and_, delete, func, insert, select
from sqlalchemy.schema import CreateIndex, DropIndex

from famtriage.core.access.permissions import Actor
from famtriage.core.emails import normalize_series
from famtriage.core.errors import Conflict, PermissionDenied
from famtriage.core.formatting import counted
from famtriage.core.report import snapshot
from famtriage.core.source.origin import MAX_PROBLEMS, Source, raise_problems, source_of
from famtriage.core.source.reader import locate, read_located
from famtriage.core.store import ids, schema
from famtriage.core.store.audit_log import write_entry
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
    actor: Actor | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Import an export folder or workbook, all or nothing (see `import_tables`)."""
    sources = locate(Path(path))
    return import_tables(
        store,
        read_located(sources),
        replace=replace,
        actor=actor,
        on_progress=on_progress,
        sources=sources,
    )


def held_orgs(store: Store, tables: dict[str, pl.DataFrame]) -> dict[int, str]:
    """Organizations of this export the store already holds (what `--replace` would
    swap), with their names: what a confirmation names."""
    o = schema.orgs
    ids = tables["orgs"]["org_id"].to_list()
    with store.engine.connect() as conn:
        rows = conn.execute(select(o.c.org_id, o.c.name).where(o.c.org_id.in_(ids))).all()
    return {r.org_id: r.name or f"Organization {r.org_id}" for r in rows}


def import_tables(
    store: Store,
    tables: dict[str, pl.DataFrame],
    *,
    replace: bool = False,
    everything: bool = False,
    actor: Actor | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    sources: dict[str, Source] | None = None,
) -> ImportSummary:
    """Write checked tables in one transaction.

    An organization already held needs `replace`; `everything` empties the whole store
    first (demo), in the same transaction, so a crash leaves the old store whole. What
    clashes with the store is refused like a bad row, naming its file (`sources`) and
    row, and nothing is written. `actor` is who imports: they need `admin`, an
    organization's member may bring in only that organization (its families and staff,
    no new user group), and each organization imported gets an audit entry with its row
    counts before and after. None is the program itself, seeding a new default store.
    """
    if actor is not None:
        actor.require("admin")
        if everything:
            actor.require_global_admin("rebuild the whole store")
    tables = to_store_frames(tables)
    org_ids = tables["orgs"]["org_id"].to_list()
    steps = len(schema.DATA_TABLES) + 1
    with store.bulk() as bulk:
        if everything:
            _remove_everything(bulk)
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
        before = {org: _org_rows(bulk, org) for org in sorted(held)}
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
        if actor is not None:  # a refusal rolls the removal back with everything else
            _check_scope(bulk, tables, actor, org_ids)
        if on_progress:
            on_progress(1, steps)
        indexes = _secondary_indexes() if was_empty and store.may_alter_tables(bulk.conn) else []
        for index in indexes:
            bulk.run(DropIndex(index))
        for done, name in enumerate(schema.DATA_TABLES, start=2):
            frame = tables[name]
            if name == "user_groups":
                frame = frame.filter(~pl.col("user_group").is_in(_known_groups(bulk)))
            bulk.ingest(name, frame)
            if on_progress:
                on_progress(done, steps)
        for index in indexes:
            bulk.run(CreateIndex(index))
        top = tables["guardians"].select(pl.col("guardian_id").max().fill_null(0)).item()
        ids.raise_above(bulk.conn, int(top))
        if actor is not None:
            _audit(bulk, actor, tables, before, everything)
        generation = store.touch_all(bulk)
    lazy = {name: tables[name].lazy() for name in FAMILY_TABLES}
    snapshot.absorb_import(store, lazy, org_ids, generation, was_empty)
    return ImportSummary(orgs=org_ids, rows={n: tables[n].height for n in schema.DATA_TABLES})


def _known_groups(bulk: Bulk) -> list[str]:
    return [r[0] for r in bulk.rows(select(schema.user_groups.c.user_group))]


def _check_scope(
    bulk: Bulk, tables: dict[str, pl.DataFrame], actor: Actor, org_ids: list[int]
) -> None:
    """An organization's member imports that organization and nothing else: no other
    organization, no staff of another organization or of none (a global Admin), no
    user group (groups are shared by every organization)."""
    if actor.is_global:
        return
    who = f"{actor.email} ({actor.user_group} of organization {actor.org_id})"
    others = sorted(set(org_ids) - {actor.org_id})
    if others:
        raise PermissionDenied(
            f"{who} may import only organization {actor.org_id}; this export holds "
            f"organization(s) {', '.join(map(str, others))}"
        )
    strangers = tables["staff"].filter(
        pl.col("org_id").is_null() | (pl.col("org_id") != actor.org_id)
    )
    if strangers.height:
        row = strangers.row(0, named=True)
        where = (
            "no organization (a global Admin)"
            if row["org_id"] is None
            else (f"organization {row['org_id']}")
        )
        raise PermissionDenied(
            f"{who} may not import staff #{row['staff_id']} ({row['email']}) into {where}: "
            f"only staff of organization {actor.org_id}"
        )
    new_groups = set(tables["user_groups"]["user_group"].to_list()) - set(_known_groups(bulk))
    if new_groups:
        raise PermissionDenied(
            f"{who} may not create user group(s) {', '.join(sorted(new_groups))}: user groups "
            "are shared by every organization, so only a global Admin may"
        )


_COUNTED = ("families", "guardians", "students", "enrollments", "payments", "policies", "activity")


def _org_rows(bulk: Bulk, org_id: int) -> dict[str, int]:
    """How many rows of each family table an organization holds (for its audit entry)."""
    f = schema.families
    fam_ids = select(f.c.family_id).where(f.c.org_id == org_id).scalar_subquery()
    counts = {}
    for name in _COUNTED:
        table = schema.metadata.tables[name]
        if name == "families":
            where = table.c.org_id == org_id
        elif name == "enrollments":
            s = schema.students
            where = table.c.student_id.in_(select(s.c.student_id).where(s.c.family_id.in_(fam_ids)))
        else:
            where = table.c.family_id.in_(fam_ids)
        counts[name] = int(bulk.rows(select(func.count()).select_from(table).where(where))[0][0])
    return counts


def _audit(
    bulk: Bulk,
    actor: Actor,
    tables: dict[str, pl.DataFrame],
    before: dict[int, dict[str, int]],
    everything: bool,
) -> None:
    """One audit entry per organization brought in (a rebuild: one for the store)."""
    at = datetime.now(UTC).replace(tzinfo=None)
    if everything:
        families = tables["families"].height
        summary = (
            f"Rebuilt the whole store: {counted(families, 'family', 'families')} in "
            f"{counted(tables['orgs'].height, 'organization')}"
        )
        payload: dict[str, object] = {"orgs": tables["orgs"]["org_id"].to_list()}
        write_entry(
            bulk.conn,
            at=at,
            staff_id=actor.staff_id,
            acting_for=actor.acting_for,
            action="rebuild",
            org_id=None,
            summary=summary,
            payload=payload,
        )
        return
    names = dict(zip(tables["orgs"]["org_id"], tables["orgs"]["name"], strict=True))
    for org_id in tables["orgs"]["org_id"].to_list():
        after = _org_rows(bulk, org_id)
        old = before.get(org_id)
        counts = ", ".join(
            f"{name} {old[name]} → {after[name]}" if old is not None else f"{after[name]} {name}"
            for name in _COUNTED
        )
        label = names.get(org_id) or f"Organization {org_id}"
        verb = "Replaced" if old is not None else "Imported"
        summary = f"{verb} organization {org_id} ({label}): {counts}"
        payload = {"rows_before": old, "rows_after": after}
        action = "replace" if old is not None else "import"
        write_entry(
            bulk.conn,
            at=at,
            staff_id=actor.staff_id,
            acting_for=actor.acting_for,
            action=action,
            org_id=org_id,
            summary=summary,
            payload=payload,
        )


def _remove_everything(bulk: Bulk) -> None:
    """Every row of every table, children first, and a new identity for the store (so no
    snapshot or task of the old one is trusted): inside the rebuild's transaction. Staff
    mapped to the account they log in as stay (`_unmapped`)."""
    for name in (*reversed(schema.DATA_TABLES), "audit_log", "family_changes"):
        table = schema.metadata.tables[name]
        bulk.run(delete(table).where(_unmapped()) if name == "staff" else delete(table))
    m = schema.meta
    bulk.run(m.delete().where(m.c.key == "store_id"))
    bulk.run(insert(m).values(key="store_id", value=uuid.uuid4().hex))


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
    """Delete one organization's rows, children first (inside the caller's transaction);
    its staff mapped to an account stay (`_unmapped`)."""
    fam_ids = select(schema.families.c.family_id).where(schema.families.c.org_id == org_id)
    student_ids = select(schema.students.c.student_id).where(
        schema.students.c.family_id.in_(fam_ids)
    )
    bulk.run(delete(schema.enrollments).where(schema.enrollments.c.student_id.in_(student_ids)))
    for name in ("students", "guardians", "payments", "policies", "activity"):
        table = schema.metadata.tables[name]
        bulk.run(delete(table).where(table.c.family_id.in_(fam_ids)))
    bulk.run(delete(schema.families).where(schema.families.c.org_id == org_id))
    bulk.run(delete(schema.staff).where(schema.staff.c.org_id == org_id, _unmapped()))
    bulk.run(delete(schema.orgs).where(schema.orgs.c.org_id == org_id))


def _unmapped() -> ColumnElement[bool]:
    """Staff mapped to no account: what a rebuild or a replace removes. A mapped member
    stays as they are (an import of the same id and email keeps them, `_new_staff`), so
    whoever may act still can, and on PostgreSQL the importing role keeps, through its
    own transaction, the organizations row-level security shows it."""
    st = schema.staff
    return and_(st.c.os_account.is_(None), st.c.db_role.is_(None))
