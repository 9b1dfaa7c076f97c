"""History the snapshot can check: epochs per write, and triggers for foreign writes.

Adds `generations` (the epoch each famtriage write left) and, on every table the report
snapshot is built from, triggers that give the store a new random epoch whenever
something other than famtriage writes to it (`famtriage.core.store.triggers`). The store
starts with a fresh epoch and is marked as rebuilt at its current generation, so a
snapshot made before this revision is rebuilt once.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

from famtriage.core.store import triggers

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_meta = sa.table("meta", sa.column("key", sa.String()), sa.column("value", sa.String()))


def upgrade() -> None:
    generations = op.create_table(
        "generations",
        sa.Column("generation", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("epoch", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("generation"),
    )
    conn = op.get_bind()
    generation = conn.execute(sa.select(_meta.c.value).where(_meta.c.key == "generation")).scalar()
    epoch = uuid.uuid4().hex
    values = {
        "generation": generation or "0",
        "rebuilt_at": generation or "0",
        triggers.EPOCH: epoch,
    }
    conn.execute(_meta.delete().where(_meta.c.key.in_(list(values))))
    conn.execute(_meta.insert().values([{"key": k, "value": v} for k, v in values.items()]))
    conn.execute(generations.insert().values(generation=int(values["generation"]), epoch=epoch))
    triggers.install(conn)


def downgrade() -> None:
    conn = op.get_bind()
    triggers.remove(conn)
    if conn.dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {triggers.PG_FUNCTION}()")
    conn.execute(_meta.delete().where(_meta.c.key == triggers.EPOCH))
    op.drop_table("generations")
