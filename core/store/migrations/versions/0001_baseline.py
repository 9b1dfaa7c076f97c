"""Baseline: the schema of famtriage 0.1.0, the last release without schema versions.

A store written by 0.1.0 has these tables and no `alembic_version`: it is stamped with
this revision, then upgraded.

Revision ID: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("audit_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("undone_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("audit_id"),
    )
    op.create_table(
        "family_changes",
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("family_id", sa.BigInteger(), nullable=False),
    )
    with op.batch_alter_table("family_changes", schema=None) as batch_op:
        batch_op.create_index("ix_family_changes_generation", ["generation"], unique=False)

    op.create_table(
        "meta",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "orgs",
        sa.Column("org_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("org_id"),
    )
    op.create_table(
        "staff",
        sa.Column("staff_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("user_group", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("staff_id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "user_groups",
        sa.Column("user_group", sa.String(), nullable=False),
        sa.Column("permissions", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("user_group"),
    )
    op.create_table(
        "families",
        sa.Column("family_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("family_name", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("merged_into", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.org_id"],
        ),
        sa.PrimaryKeyConstraint("family_id"),
    )
    with op.batch_alter_table("families", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_families_org_id"), ["org_id"], unique=False)

    op.create_table(
        "activity",
        sa.Column("activity_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("family_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["families.family_id"],
        ),
        sa.PrimaryKeyConstraint("activity_id"),
    )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_family_id"), ["family_id"], unique=False)

    op.create_table(
        "guardians",
        sa.Column("guardian_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("family_id", sa.BigInteger(), nullable=False),
        sa.Column("first_name", sa.String(), nullable=True),
        sa.Column("last_name", sa.String(), nullable=True),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("email_norm", sa.String(), nullable=True),
        sa.Column("phone", sa.String(), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["families.family_id"],
        ),
        sa.PrimaryKeyConstraint("guardian_id"),
    )
    with op.batch_alter_table("guardians", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guardians_email_norm"), ["email_norm"], unique=False)
        batch_op.create_index(batch_op.f("ix_guardians_family_id"), ["family_id"], unique=False)

    op.create_table(
        "payments",
        sa.Column("payment_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("family_id", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("paid_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["families.family_id"],
        ),
        sa.PrimaryKeyConstraint("payment_id"),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_family_id"), ["family_id"], unique=False)

    op.create_table(
        "policies",
        sa.Column("policy_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("family_id", sa.BigInteger(), nullable=False),
        sa.Column("policy_name", sa.String(), nullable=True),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["families.family_id"],
        ),
        sa.PrimaryKeyConstraint("policy_id"),
    )
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policies_family_id"), ["family_id"], unique=False)

    op.create_table(
        "students",
        sa.Column("student_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("family_id", sa.BigInteger(), nullable=False),
        sa.Column("first_name", sa.String(), nullable=True),
        sa.Column("last_name", sa.String(), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["families.family_id"],
        ),
        sa.PrimaryKeyConstraint("student_id"),
    )
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_students_family_id"), ["family_id"], unique=False)

    op.create_table(
        "enrollments",
        sa.Column("enrollment_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("student_id", sa.BigInteger(), nullable=False),
        sa.Column("class_name", sa.String(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.student_id"],
        ),
        sa.PrimaryKeyConstraint("enrollment_id"),
    )
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrollments_student_id"), ["student_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrollments_student_id"))

    op.drop_table("enrollments")
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_students_family_id"))

    op.drop_table("students")
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policies_family_id"))

    op.drop_table("policies")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_family_id"))

    op.drop_table("payments")
    with op.batch_alter_table("guardians", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guardians_family_id"))
        batch_op.drop_index(batch_op.f("ix_guardians_email_norm"))

    op.drop_table("guardians")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_family_id"))

    op.drop_table("activity")
    with op.batch_alter_table("families", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_families_org_id"))

    op.drop_table("families")
    op.drop_table("user_groups")
    op.drop_table("staff")
    op.drop_table("orgs")
    op.drop_table("meta")
    with op.batch_alter_table("family_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_family_changes_generation")

    op.drop_table("family_changes")
    op.drop_table("audit_log")
