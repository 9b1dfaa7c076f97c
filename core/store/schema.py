"""The store's tables (SQLAlchemy Core, portable SQLite/PostgreSQL) and the import spec.

Money is kept as integer cents (`amount_cents`) so totals are exact; files carry
`amount` with two decimals. Guardians carry `email_norm`, the login key, so exact
login checks are an indexed lookup.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    event,
)

from famtriage.core.store import triggers
from famtriage.core.store.tablespec import DATA_TABLES, IMPORT_SPECS

metadata = MetaData()

orgs = Table(
    "orgs",
    metadata,
    Column("org_id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", String),
)
families = Table(
    "families",
    metadata,
    Column("family_id", BigInteger, primary_key=True, autoincrement=False),
    Column("org_id", BigInteger, ForeignKey("orgs.org_id"), nullable=False, index=True),
    Column("family_name", String),
    Column("created_at", DateTime),
    Column("status", String(8), nullable=False, default="active"),
    Column("merged_into", BigInteger),
)
guardians = Table(
    "guardians",
    metadata,
    Column("guardian_id", BigInteger, primary_key=True, autoincrement=False),
    Column("family_id", BigInteger, ForeignKey("families.family_id"), nullable=False, index=True),
    Column("first_name", String),
    Column("last_name", String),
    Column("email", String),
    Column("email_norm", String, index=True),
    Column("phone", String),
    Column("is_primary", Boolean, nullable=False),
)
students = Table(
    "students",
    metadata,
    Column("student_id", BigInteger, primary_key=True, autoincrement=False),
    Column("family_id", BigInteger, ForeignKey("families.family_id"), nullable=False, index=True),
    Column("first_name", String),
    Column("last_name", String),
    Column("birth_date", Date),
)
enrollments = Table(
    "enrollments",
    metadata,
    Column("enrollment_id", BigInteger, primary_key=True, autoincrement=False),
    Column("student_id", BigInteger, ForeignKey("students.student_id"), nullable=False, index=True),
    Column("class_name", String),
    Column("start_date", Date),
    Column("end_date", Date),
)
payments = Table(
    "payments",
    metadata,
    Column("payment_id", BigInteger, primary_key=True, autoincrement=False),
    Column("family_id", BigInteger, ForeignKey("families.family_id"), nullable=False, index=True),
    Column("amount_cents", BigInteger, nullable=False),
    Column("paid_at", DateTime),
)
policies = Table(
    "policies",
    metadata,
    Column("policy_id", BigInteger, primary_key=True, autoincrement=False),
    Column("family_id", BigInteger, ForeignKey("families.family_id"), nullable=False, index=True),
    Column("policy_name", String),
    Column("signed_at", DateTime),
)
activity = Table(
    "activity",
    metadata,
    Column("activity_id", BigInteger, primary_key=True, autoincrement=False),
    Column("family_id", BigInteger, ForeignKey("families.family_id"), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("kind", String),
    Column("detail", Text),
)
staff = Table(
    "staff",
    metadata,
    Column("staff_id", BigInteger, primary_key=True, autoincrement=False),
    Column("org_id", BigInteger),
    Column("name", String),
    Column("email", String, nullable=False, unique=True),
    Column("user_group", String, nullable=False),
    Column("os_account", String),
    Column("db_role", String),
    Index("ix_staff_os_account", "os_account", unique=True),
    Index("ix_staff_db_role", "db_role", unique=True),
)
user_groups = Table(
    "user_groups",
    metadata,
    Column("user_group", String, primary_key=True),
    Column("permissions", Text, nullable=False, default=""),
)
audit_log = Table(
    "audit_log",
    metadata,
    Column("audit_id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("staff_id", BigInteger, nullable=False),
    Column("action", String, nullable=False),
    Column("org_id", BigInteger),
    Column("summary", Text),
    Column("payload", Text),
    Column("undone_by", Integer),
    Column("acting_for", String),
)
meta = Table(
    "meta",
    metadata,
    Column("key", String, primary_key=True),
    Column("value", String, nullable=False),
)
family_changes = Table(
    "family_changes",
    metadata,
    Column("generation", BigInteger, nullable=False),
    Column("family_id", BigInteger, nullable=False),
    Index("ix_family_changes_generation", "generation"),
)
generations = Table(
    "generations",
    metadata,
    Column("generation", BigInteger, primary_key=True, autoincrement=False),
    Column("epoch", String, nullable=False),
)
"""The epoch each famtriage write left (see `core.store.triggers`): a snapshot stamped
with (generation, epoch) belongs to this store's history only if the row matches."""


@event.listens_for(metadata, "after_create")
def _install_triggers(_metadata: MetaData, connection: Connection, **_kw: Any) -> None:
    """A store created from these tables (a new store, a demo rebuild) gets the same
    triggers as one upgraded through revision 0004."""
    triggers.install(connection)


__all__ = ["DATA_TABLES", "IMPORT_SPECS", "metadata"]
