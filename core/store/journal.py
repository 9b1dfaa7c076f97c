"""Row-level change journal: every action writes through it, so its audit payload holds
the exact before and after image of each row it touched.

Undo is then one generic operation (swap the images and replay), and "did a later
action touch the same rows?" is a set intersection on row keys. Images are JSON-safe
dicts; dates and times travel as ISO text and come back as the column's Python type.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Table,
    and_,
    delete,
    func,
    insert,
    select,
    update,
)

from famtriage.core.store import schema

Row = dict[str, Any]
Key = tuple[str, tuple]

PARENTS_FIRST = schema.DATA_TABLES
"""Insert in this order, delete in the reverse one (foreign keys are enforced)."""


@dataclass(frozen=True)
class RowChange:
    """One row's image before and after an action (None: the row did not exist)."""

    table: str
    before: Row | None
    after: Row | None

    @property
    def key(self) -> Key:
        image = self.after if self.after is not None else self.before
        assert image is not None
        return self.table, tuple(image[c.name] for c in _table(self.table).primary_key)

    def inverse(self) -> RowChange:
        return RowChange(self.table, self.after, self.before)

    def family_ids(self) -> set[int]:
        """Families whose rows this change moves in or out of (for `Store.touch`)."""
        ids = set()
        for image in (self.before, self.after):
            if image is not None and image.get("family_id") is not None:
                ids.add(int(image["family_id"]))
        return ids

    def to_json(self) -> dict[str, Any]:
        return {"table": self.table, "before": _encode(self.before), "after": _encode(self.after)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RowChange:
        table = data["table"]
        return cls(table, _decode(table, data["before"]), _decode(table, data["after"]))


def _table(name: str) -> Table:
    return schema.metadata.tables[name]


def _encode(row: Row | None) -> Row | None:
    if row is None:
        return None
    return {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in row.items()}


def _decode(table: str, row: Row | None) -> Row | None:
    if row is None:
        return None
    out = dict(row)
    for col in _table(table).columns:
        value = out.get(col.name)
        if isinstance(value, str) and isinstance(col.type, DateTime):
            out[col.name] = datetime.fromisoformat(value)
        elif isinstance(value, str) and isinstance(col.type, Date):
            out[col.name] = date.fromisoformat(value)
    return out


def _key_clause(table: Table, key: tuple) -> ColumnElement[bool]:
    return and_(*(c == v for c, v in zip(table.primary_key, key, strict=True)))


def current_row(conn: Connection, table: str, key: tuple) -> Row | None:
    target = _table(table)
    found = conn.execute(select(target).where(_key_clause(target, key))).first()
    return None if found is None else dict(found._mapping)


class Journal:
    """Makes row changes on a connection and remembers their images, in order."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.changes: list[RowChange] = []

    def rows(self, table: str, where: ColumnElement[bool]) -> list[Row]:
        target = _table(table)
        order = list(target.primary_key)
        return [
            dict(r._mapping)
            for r in self.conn.execute(select(target).where(where).order_by(*order))
        ]

    def update_where(self, table: str, where: ColumnElement[bool], values: Row) -> list[Row]:
        """Update the matching rows; return their before images."""
        before = self.rows(table, where)
        target = _table(table)
        for row in before:
            key = tuple(row[c.name] for c in target.primary_key)
            after = {**row, **values}
            if after == row:
                continue
            self.conn.execute(update(target).where(_key_clause(target, key)).values(**values))
            self.changes.append(RowChange(table, row, after))
        return before

    def delete_where(self, table: str, where: ColumnElement[bool]) -> list[Row]:
        """Delete the matching rows (children first is the caller's job); return them."""
        before = self.rows(table, where)
        target = _table(table)
        for row in before:
            key = tuple(row[c.name] for c in target.primary_key)
            self.conn.execute(delete(target).where(_key_clause(target, key)))
            self.changes.append(RowChange(table, row, None))
        if before:
            _raise_high_water(self.conn, table, max(_first_key(table, r) for r in before))
        return before

    def insert(self, table: str, row: Row) -> None:
        self.conn.execute(insert(_table(table)).values(**row))
        self.changes.append(RowChange(table, None, dict(row)))

    def family_ids(self) -> set[int]:
        return {f for change in self.changes for f in change.family_ids()}


def _first_key(table: str, row: Row) -> int:
    return int(row[_table(table).primary_key.columns.values()[0].name])


def _high_water_key(table: str) -> str:
    return f"high_water.{table}"


def _high_water(conn: Connection, table: str) -> int:
    m = schema.meta
    found = conn.execute(select(m.c.value).where(m.c.key == _high_water_key(table))).scalar()
    return int(found or 0)


def _raise_high_water(conn: Connection, table: str, key: int) -> None:
    """Remember the highest key a tombstone holds, so a new row never reuses it (undo
    would then restore two rows with one key)."""
    if key <= _high_water(conn, table):
        return
    m = schema.meta
    conn.execute(delete(m).where(m.c.key == _high_water_key(table)))
    conn.execute(insert(m).values(key=_high_water_key(table), value=str(key)))


def next_id(conn: Connection, table: str) -> int:
    """A fresh key: above every row in the table and every row a tombstone may restore."""
    column = _table(table).primary_key.columns.values()[0]
    live = int(conn.execute(select(func.coalesce(func.max(column), 0))).scalar_one())
    return max(live, _high_water(conn, table)) + 1


def replay(conn: Connection, changes: list[RowChange]) -> None:
    """Bring every changed row to its `after` image, in an order foreign keys accept:
    updates first (rows move to families that exist), then deletions children first,
    then insertions parents first."""
    order = {name: i for i, name in enumerate(PARENTS_FIRST)}
    updates = [c for c in changes if c.before is not None and c.after is not None]
    deletions = [c for c in changes if c.after is None]
    insertions = [c for c in changes if c.before is None]
    for change in updates:
        target = _table(change.table)
        conn.execute(
            update(target).where(_key_clause(target, change.key[1])).values(**_image(change))
        )
    for change in sorted(deletions, key=lambda c: -order[c.table]):
        target = _table(change.table)
        conn.execute(delete(target).where(_key_clause(target, change.key[1])))
    for change in sorted(insertions, key=lambda c: order[c.table]):
        conn.execute(insert(_table(change.table)).values(**_image(change)))


def _image(change: RowChange) -> Row:
    if change.after is None:
        raise ValueError(f"{change.table} {change.key[1]}: a deletion has no image to write")
    return change.after


def drifted(conn: Connection, changes: list[RowChange]) -> list[Key]:
    """Keys of rows that no longer look the way `changes` left them."""
    return [c.key for c in changes if current_row(conn, c.table, c.key[1]) != c.after]
