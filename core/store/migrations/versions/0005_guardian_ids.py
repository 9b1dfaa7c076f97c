"""Guardian ids from the database: a sequence on PostgreSQL (invites into two
organizations at once no longer pick the same max+1). A no-op on SQLite.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

from famtriage.core.store import ids, row_security

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        ids.ensure_sequence(bind)
        row_security.install(bind)  # the engineers' group gets its rights on the sequence


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP SEQUENCE IF EXISTS {ids.GUARDIAN_IDS}")
