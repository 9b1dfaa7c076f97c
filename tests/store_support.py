"""Checks shared by the SQLite and PostgreSQL store tests."""

from __future__ import annotations

import polars as pl
from sqlalchemy import update

from famtriage.core.access.context import Context
from famtriage.core.report.current import report_for_context
from famtriage.core.store import schema
from famtriage.core.store.database import Store


def split_baker_group(store: Store, ctx: Context) -> None:
    """Give #1011 another login in one audited-style write and check the next report
    (served from the patched snapshot) no longer groups it with #1010."""
    before = report_for_context(ctx).groups
    assert before.filter(pl.col("email") == "tom.baker@mail.com").height == 1
    g = schema.guardians
    with store.write() as conn:
        conn.execute(
            update(g)
            .where(g.c.family_id == 1011)
            .values(email="tom.b@mail.com", email_norm="tom.b@mail.com")
        )
        store.touch(conn, [1011])
    after = report_for_context(ctx).groups
    assert after.filter(pl.col("email") == "tom.baker@mail.com").is_empty()
    assert after.height == before.height - 1
