"""Identity: staff map to an OS account or a database role; the audit log says who
really acted when a global Admin impersonated someone.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("os_account", sa.String(), nullable=True))
        batch.add_column(sa.Column("db_role", sa.String(), nullable=True))
        batch.create_index("ix_staff_os_account", ["os_account"], unique=True)
        batch.create_index("ix_staff_db_role", ["db_role"], unique=True)
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("acting_for", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("acting_for")
    with op.batch_alter_table("staff") as batch:
        batch.drop_index("ix_staff_db_role")
        batch.drop_index("ix_staff_os_account")
        batch.drop_column("db_role")
        batch.drop_column("os_account")
