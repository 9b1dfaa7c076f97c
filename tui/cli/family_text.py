"""One family as plain text for the CLI (every value escaped and cut: `core.safe_text`)."""

from __future__ import annotations

import polars as pl

from famtriage.core.formatting import iso, money_display, money_display_expr
from famtriage.core.report.family import FamilyDetail
from famtriage.core.safe_text import display


def _section(title: str, frame: pl.DataFrame, cols: list[str]) -> list[str]:
    lines = [f"{title} ({frame.height:,})"]
    for row in frame.select([c for c in cols if c in frame.columns]).iter_rows():
        lines.append("    " + "  ".join("" if v is None else display(str(v)) for v in row))
    return lines


def family_text(d: FamilyDetail) -> str:
    lines = [
        f"#{d.family_id}  {display(d.family_name or '(no name)')}  org {d.org_id}  "
        f"[{d.status_text()}]",
        f"created {iso(d.created_at) or 'unknown'}; "
        f"{'has history' if d.has_history else 'no history'}",
    ]
    guardians = d.guardians.with_columns(
        pl.when(pl.col("is_primary"))
        .then(pl.lit("primary"))
        .otherwise(pl.lit("secondary"))
        .alias("role")
    )
    lines += _section(
        "Guardians", guardians, ["guardian_id", "role", "first_name", "last_name", "email", "phone"]
    )
    lines += _section(
        "Students", d.students, ["student_id", "first_name", "last_name", "birth_date"]
    )
    lines += _section(
        "Enrollments",
        d.enrollments,
        ["enrollment_id", "student_id", "student", "class_name", "start_date", "end_date"],
    )
    payments = d.payments.with_columns(money_display_expr(pl.col("amount_cents")).alias("amt"))
    lines += _section(
        f"Payments, total {money_display(d.payments_total_cents)}",
        payments,
        ["payment_id", "paid_at", "amt"],
    )
    lines += _section("Policies", d.policies, ["policy_id", "policy_name", "signed_at"])
    lines += _section("Activity", d.activity, ["activity_id", "at", "kind", "detail"])
    return "\n".join(lines)
