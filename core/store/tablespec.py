"""What an export's files hold: tables, their columns, kinds and keys.

Kept apart from the SQL schema so reading an export (`report --from`) needs no database
library at all.
"""

from __future__ import annotations

from dataclasses import dataclass

DATA_TABLES = (
    "orgs",
    "families",
    "guardians",
    "students",
    "enrollments",
    "payments",
    "policies",
    "activity",
    "staff",
    "user_groups",
)
"""Tables an export holds, parents before children (the order to insert in)."""

ROW_NOUNS: dict[str, tuple[str, str]] = {
    "orgs": ("organization", "organizations"),
    "families": ("family", "families"),
    "guardians": ("guardian", "guardians"),
    "students": ("student", "students"),
    "enrollments": ("enrollment", "enrollments"),
    "payments": ("payment", "payments"),
    "policies": ("policy", "policies"),
    "activity": ("activity row", "activity rows"),
    "staff": ("staff member", "staff members"),
    "user_groups": ("user group", "user groups"),
}
"""What one row of each table is called, and many ("1 family", "386 guardians")."""

FAMILY_TABLES = DATA_TABLES[1:8]
"""The tables that hold families and their history (what the snapshot is built from)."""


@dataclass(frozen=True)
class Field:
    """One column of an import file: its name, kind and whether it must be present."""

    name: str
    kind: str  # int | str | email (text, at most 320 characters) | bool | date | datetime | money
    required: bool = False


@dataclass(frozen=True)
class TableSpec:
    """What an import file for one table must look like."""

    name: str
    key: str
    fields: tuple[Field, ...]
    optional_table: bool = False

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)


IMPORT_SPECS: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec("orgs", "org_id", (Field("org_id", "int", True), Field("name", "str")), True),
        TableSpec(
            "families",
            "family_id",
            (
                Field("family_id", "int", True),
                Field("org_id", "int"),
                Field("family_name", "str"),
                Field("created_at", "datetime"),
            ),
        ),
        TableSpec(
            "guardians",
            "guardian_id",
            (
                Field("guardian_id", "int", True),
                Field("family_id", "int", True),
                Field("first_name", "str"),
                Field("last_name", "str"),
                Field("email", "email"),
                Field("phone", "str"),
                Field("is_primary", "bool", True),
            ),
        ),
        TableSpec(
            "students",
            "student_id",
            (
                Field("student_id", "int", True),
                Field("family_id", "int", True),
                Field("first_name", "str"),
                Field("last_name", "str"),
                Field("birth_date", "date"),
            ),
        ),
        TableSpec(
            "enrollments",
            "enrollment_id",
            (
                Field("enrollment_id", "int", True),
                Field("student_id", "int", True),
                Field("class_name", "str"),
                Field("start_date", "date"),
                Field("end_date", "date"),
            ),
        ),
        TableSpec(
            "payments",
            "payment_id",
            (
                Field("payment_id", "int", True),
                Field("family_id", "int", True),
                Field("amount", "money", True),
                Field("paid_at", "datetime"),
            ),
        ),
        TableSpec(
            "policies",
            "policy_id",
            (
                Field("policy_id", "int", True),
                Field("family_id", "int", True),
                Field("policy_name", "str"),
                Field("signed_at", "datetime"),
            ),
        ),
        TableSpec(
            "activity",
            "activity_id",
            (
                Field("activity_id", "int", True),
                Field("family_id", "int", True),
                Field("at", "datetime", True),
                Field("kind", "str"),
                Field("detail", "str"),
            ),
            True,
        ),
        TableSpec(
            "staff",
            "staff_id",
            (
                Field("staff_id", "int", True),
                Field("org_id", "int"),
                Field("name", "str"),
                Field("email", "email", True),
                Field("user_group", "str", True),
            ),
            True,
        ),
        TableSpec(
            "user_groups",
            "user_group",
            (Field("user_group", "str", True), Field("permissions", "str")),
            True,
        ),
    )
}
