"""A hostile store: the sample data with terminal escape sequences and bidi overrides in
every text column, and audit entries whose summaries quote them.

`PAYLOAD` retitles a terminal (OSC 0), clears it (CSI 2J), colours it, reverses the
text after it (U+202E RLO), and carries a C1 CSI, DEL and an isolate. Names get it in
front (so it shows even when a cell is cut); emails get it before the @ (they stay
valid and group as before).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from famtriage.core.access.context import Context
from famtriage.core.actions.family_edits import change_email, delete, invite
from famtriage.core.actions.merge import merge
from famtriage.core.actions.staff import grant
from famtriage.core.safe_text import has_escaped
from famtriage.core.source.importer import import_tables
from famtriage.core.source.reader import read_export
from famtriage.core.store import config
from famtriage.core.store.database import Store

PAYLOAD = "\x1b]0;pwned\x07\x1b[2J\x1b[31m\u202e\x9b\x7f\u2066"
SHOWN = "␛]0;pwned␇␛[2J␛[31m<U+202E><U+009B>␡<U+2066>"
"""What the payload looks like on every display path."""
NAME = "\r\n\x1b]0;pwned\x07\x1b[2J\x1b[31m\u202e\x9b\x7f\u2066"
"""Names also carry CR LF (a CLI line overwritten, a table row broken)."""
RAW_FRAGMENTS = ("\x1b]0;pwned", "\x1b[2J", "\x1b[31m\u202e", "\u202e", "\x9b", "\x7f", "\u2066")
"""Pieces of the payload that must never reach a terminal."""

TEXT_COLUMNS = {
    "orgs": ("name",),
    "families": ("family_name",),
    "guardians": ("first_name", "last_name", "phone"),
    "students": ("first_name", "last_name"),
    "enrollments": ("class_name",),
    "policies": ("policy_name",),
    "activity": ("kind", "detail"),
    "staff": ("name",),
}
EMAIL_COLUMNS = {"guardians": ("email",), "staff": ("email",)}
RENAMED_GROUP = "Front Desk"
"""A custom user group renamed (its staff and its permissions row follow)."""
HOSTILE_GROUP = NAME + RENAMED_GROUP
ADMIN = f"admin{PAYLOAD}@famtriage.test"
INVITED = "ivy@mail.com"
"""The one plain login (of a guardian with hostile names), for a prompt to quote them."""
DESK = f"desk{PAYLOAD}@riverside.test"


def hostile_tables() -> dict[str, pl.DataFrame]:
    tables = read_export(config.SAMPLE_DATA, validate=False)
    for table, columns in TEXT_COLUMNS.items():
        tables[table] = tables[table].with_columns(
            (pl.lit(NAME) + pl.col(c)).alias(c) for c in columns
        )
    for table, columns in EMAIL_COLUMNS.items():
        tables[table] = tables[table].with_columns(
            pl.col(c).str.replace("@", PAYLOAD + "@", literal=True) for c in columns
        )
    for table in ("staff", "user_groups"):
        tables[table] = tables[table].with_columns(
            pl.col("user_group").replace(RENAMED_GROUP, HOSTILE_GROUP)
        )
    return tables


def build_hostile_store(path: Path) -> None:
    """Import the hostile tables, then act on hostile families so the audit log quotes
    their names: a delete, a merge, an email change, an invite and a grant."""
    store = Store.open(path)
    import_tables(store, hostile_tables())
    ctx = Context.open(store)
    delete(ctx, 1003)
    merge(ctx, 1001, [1002])
    change_email(ctx, 5006, f"tom{PAYLOAD}.new@mail.com")
    invite(ctx, 1020, NAME + "Ivy", NAME + "Invited", INVITED)
    grant(ctx, HOSTILE_GROUP, "families.edit")
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.engine.dispose()


BIG_NAME = "N" * 10_000_000
BIG_LOCAL = "x" * 1_000_000
"""Prepended to the jane.doe@example.com logins: 1,000,020 characters, still one group."""


def build_oversized_store(path: Path) -> None:
    """The sample store with family #1001 named by 10,000,000 characters and the
    jane.doe@example.com logins 1,000,000 characters longer."""
    tables = read_export(config.SAMPLE_DATA, validate=False)
    tables["families"] = tables["families"].with_columns(
        pl.when(pl.col("family_id") == 1001)
        .then(pl.lit(BIG_NAME))
        .otherwise(pl.col("family_name"))
        .alias("family_name")
    )
    jane = pl.col("email").str.strip_chars().str.to_lowercase() == "jane.doe@example.com"
    tables["guardians"] = tables["guardians"].with_columns(
        pl.when(jane).then(BIG_LOCAL + pl.col("email")).otherwise(pl.col("email")).alias("email")
    )
    store = Store.open(path)
    import_tables(store, tables)
    store.engine.dispose()


def assert_clean_text(text: str) -> None:
    """Nothing of the payload arrives raw; no control or bidi character but LF at all."""
    for fragment in RAW_FRAGMENTS:
        assert fragment not in text, f"{fragment!r} reached the output"
    assert not has_escaped(text.replace("\n", "")), "a control or bidi character got through"
