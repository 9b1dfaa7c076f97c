"""The `--json` documents: a stable, documented interface (DESIGN §6).

Ids are integers, money a string with two decimals, times ISO 8601. Keys may be added,
never changed. The report document is assembled by polars (a million families would be
slow as Python dicts). Strings are exact; control and bidi characters in them are written
as \\uXXXX escapes (`core.safe_text.json_bytes`), so a document printed on a terminal
cannot act on it.
"""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

import polars as pl

from famtriage.core.formatting import iso, iso_date_expr, iso_expr, money, money_expr
from famtriage.core.report.fam12 import TITLE, Report
from famtriage.core.safe_text import json_bytes, json_text

if TYPE_CHECKING:
    from famtriage.core.report.family import FamilyDetail
    from famtriage.core.report.readiness import OrgReadiness
    from famtriage.core.report.search import SearchResult

FAMILY_FIELDS = [
    "family_id",
    "family_name",
    "primary_guardian",
    "email",
    "created_at",
    "students",
    "enrollments",
    "payments",
    "payments_total",
    "policies",
    "activity",
    "last_activity",
    "has_history",
]


def _array(frame: pl.DataFrame) -> str:
    return frame.write_json() if frame.height else "[]"


def _write_array(frame: pl.DataFrame, out: io.BytesIO) -> None:
    """polars serializes straight into the buffer: no str copy of a 40 MB document."""
    if frame.height:
        frame.write_json(out)
    else:
        out.write(b"[]")


def report_groups(report: Report) -> pl.DataFrame:
    """One row per group, with its families (survivor first) and its recommendation."""
    fams = (
        report.families.select(
            "org_id",
            pl.col("email").alias("_key"),
            pl.struct(
                "family_id",
                "family_name",
                "primary_guardian",
                pl.col("raw_email").alias("email"),
                iso_expr(pl.col("created_at")).alias("created_at"),
                "students",
                "enrollments",
                "payments",
                money_expr(pl.col("payments_total_cents")).alias("payments_total"),
                "policies",
                "activity",
                iso_expr(pl.col("last_activity")).alias("last_activity"),
                "has_history",
                "email_valid",
                "login_guardian",
                "role",
                "guardians",
            ).alias("family"),
        )
        .group_by("org_id", "_key", maintain_order=True)
        .agg(pl.col("family").alias("families"))
    )
    return (
        report.groups.drop("families")
        .join(
            fams,
            left_on=["org_id", "email"],
            right_on=["org_id", "_key"],
            how="left",
            maintain_order="left",
        )
        .select(
            "org_id",
            "email",
            "families",
            "email_valid",
            "kind",
            pl.struct("action", "survivor", "merge", "delete", "remove_logins", "reason").alias(
                "recommendation"
            ),
        )
    )


def report_document(report: Report) -> bytes:
    """The report as UTF-8 JSON bytes (control and bidi characters escaped)."""
    head = {"generated_at": iso(report.generated_at), "scope": report.scope, "title": TITLE}
    out = io.BytesIO()
    out.write(json.dumps(head, ensure_ascii=False)[:-1].encode() + b', "groups": ')
    _write_array(report_groups(report), out)
    out.write(b', "possible_same_person": ')
    _write_array(report.possible, out)
    out.write(b"}\n")
    return json_bytes(out.getvalue())


def plan_document(report: Report) -> str:
    groups = report.groups.select(
        "org_id", "email", "action", "survivor", "merge", "delete", "reason"
    )
    return json_text(f'{{"groups": {_array(groups)}}}')


def search_document(result: SearchResult) -> dict[str, Any]:
    """`total` families matched; `families` lists the first of them (`truncated` when
    that is not all)."""
    return {
        "query": result.query,
        "total": result.total,
        "truncated": result.truncated,
        "families": [
            {
                "family_id": h.family_id,
                "org_id": h.org_id,
                "family_name": h.family_name,
                "status": h.status,
                "match": h.match,
                "guardians": [
                    {
                        "guardian_id": g.guardian_id,
                        "name": g.name,
                        "email": g.email,
                        "is_primary": g.is_primary,
                    }
                    for g in h.guardians
                ],
            }
            for h in result.hits
        ],
    }


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows for JSON: datetimes ISO, dates ISO, cents as a money string."""
    exprs = []
    for name, dtype in frame.schema.items():
        if name == "email_norm":
            continue
        if isinstance(dtype, pl.Datetime):
            exprs.append(iso_expr(pl.col(name)))
        elif dtype == pl.Date:
            exprs.append(iso_date_expr(pl.col(name)))
        elif name == "amount_cents":
            exprs.append(money_expr(pl.col(name)).alias("amount"))
        else:
            exprs.append(pl.col(name))
    return frame.select(exprs).to_dicts()


def family_document(detail: FamilyDetail) -> dict[str, Any]:
    return {
        "family_id": detail.family_id,
        "org_id": detail.org_id,
        "family_name": detail.family_name,
        "status": detail.status,
        "merged_into": detail.merged_into,
        "tombstone": detail.tombstone,
        "created_at": iso(detail.created_at),
        "has_history": detail.has_history,
        "payments_total": money(detail.payments_total_cents),
        "guardians": _rows(detail.guardians),
        "students": _rows(detail.students),
        "enrollments": _rows(detail.enrollments),
        "payments": _rows(detail.payments),
        "policies": _rows(detail.policies),
        "activity": _rows(detail.activity),
    }


def readiness_document(orgs: list[OrgReadiness]) -> dict[str, Any]:
    return {
        "orgs": [
            {
                "org_id": o.org_id,
                "name": o.name,
                "families": o.families,
                "groups_left": o.groups_left,
                "login_conflicts": o.login_conflicts,
                "ready": o.ready,
                "by_action": o.by_action,
            }
            for o in orgs
        ]
    }
