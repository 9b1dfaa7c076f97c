"""Row-level security (PostgreSQL): the database itself keeps organizations apart.

Every data table gets a policy per command that asks `famtriage_visible_orgs()` which
organizations the connecting role (SESSION_USER) may see, forced on the owner too; the
NOLOGIN group `famtriage_engineer` gets data rights on the tables (see
`famtriage.core.store.row_security`). A no-op on SQLite.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

from famtriage.core.store import row_security

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # every table of `row_security.RULES` the schema holds: at this revision, all of
        # them (a later revision adding a table with a rule installs it again)
        row_security.install(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        row_security.remove(bind, tuple(row_security.RULES))
