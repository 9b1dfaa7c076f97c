"""The bundled sample organizations: every FAM-12 case, on ~300 families.

`python -m famtriage.core.sample.bundled DIR` writes the CSV files; `sample_data/` holds
its output and a test checks the two agree. The hand-made families (ids 1001+ and 2001+)
carry the cases; synthetic filler families (ids 100000+ and 200000+) carry unique emails.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl

from famtriage.core.sample.synthetic import synthetic
from famtriage.core.store.tablespec import FAMILY_TABLES

ORGS = [(1, "Riverside Swim School"), (2, "Northside Dance Studio")]
STAFF = [
    (1, None, "Ada Admin", "admin@famtriage.test", "Admin"),
    (2, 1, "Owen Owner", "owner@riverside.test", "Account Owner"),
    (3, 1, "Fran Desk", "desk@riverside.test", "Front Desk"),
    (4, 2, "Sam Support", "support@northside.test", "Support Lead"),
]
GROUPS = [
    ("Front Desk", "families.view"),
    ("Support Lead", "reports.fam12 families.view families.merge families.edit"),
]


@dataclass
class Fam:
    """One hand-made family: its primary guardian, extra guardians and history size."""

    family_id: int
    org_id: int
    name: str
    first: str
    last: str
    email: str | None
    created: str
    history: int = 0  # 0 = none; n = n students, 2n payments, n policies...
    others: list[tuple[str, str, str | None]] = field(default_factory=list)


CASES = [
    # A. merge group of 3: case and white-space variants (NBSP), two with history
    Fam(1001, 1, "Doe Family", "Jane", "Doe", "jane.doe@example.com", "2018-02-01", 3),
    Fam(1002, 1, "Doe", "Jane", "Doe", "  Jane.Doe@Example.COM ", "2021-06-15", 1),
    Fam(1003, 1, "Jane Doe", "Jane", "Doe", "JANE.DOE@EXAMPLE.COM\u00a0", "2023-01-10"),
    # B. delete group: one with history
    Fam(1010, 1, "Baker Family", "Tom", "Baker", "tom.baker@mail.com", "2019-04-02", 2),
    Fam(1011, 1, "Baker", "Tom", "Baker", "Tom.Baker@mail.com", "2024-02-20"),
    # C. no history at all (Sam / Samuel: one person): keep the oldest
    Fam(1020, 1, "Lee Family", "Sam", "Lee", "sam.lee@post.net", "2020-01-01"),
    Fam(1021, 1, "Lee", "Samuel", "Lee", "SAM.LEE@POST.NET", "2022-03-03"),
    # D. different people sharing an inbox: review
    Fam(1030, 1, "Smith Family", "John", "Smith", "smithfamily@home.org", "2017-09-09", 2),
    Fam(1031, 1, "Smith Household", "Mary", "Smith", "smithfamily@home.org", "2019-11-11", 1),
    # E. a grandparent with four accounts: two with history
    Fam(1040, 1, "Miller (Rose)", "Rose", "Miller", "grandma.rose@miller.net", "2016-05-05", 1),
    Fam(1041, 1, "Miller Grandkids", "Rose", "Miller", "grandma.rose@miller.net", "2018-08-08", 3),
    Fam(1042, 1, "Miller", "Rose", "Miller", "grandma.rose@miller.net", "2022-12-12"),
    Fam(1043, 1, "Rose Miller", "Rose", "Miller", "Grandma.Rose@Miller.net", "2024-01-01"),
    # F. look-alikes: Gmail dots and +tags are separate logins, shown as possible
    Fam(1050, 1, "Kim Family", "Ann", "Kim", "ann.kim@gmail.com", "2019-01-01", 1),
    Fam(1051, 1, "Kim", "Ann", "Kim", "annkim@gmail.com", "2020-01-01", 1),
    Fam(1052, 1, "Ann Kim", "Ann", "Kim", "ann.kim+swim@gmail.com", "2021-01-01"),
    Fam(1053, 1, "Patel Family", "Raj", "Patel", "raj@fastmail.com", "2019-03-03", 1),
    Fam(1054, 1, "Patel", "Raj", "Patel", "raj+dance@fastmail.com", "2023-03-03"),
    # G. an invalid address, still grouped (and flagged)
    Fam(1060, 1, "Stone Family", "Bob", "Stone", "bob at stone.com", "2018-06-06", 1),
    Fam(1061, 1, "Stone", "Bob", "Stone", "Bob At Stone.com", "2023-06-06"),
    # H. empty and missing emails are never duplicates
    Fam(1070, 1, "Nomail A", "Ari", "Nomail", "", "2020-02-02"),
    Fam(1071, 1, "Nomail B", "Bea", "Nomail", None, "2020-02-03"),
    Fam(1072, 1, "Nomail C", "Cy", "Nomail", "   ", "2020-02-04"),
    Fam(1073, 1, "Nomail D", "Di", "Nomail", None, "2020-02-05"),
    # I. the same email in both organizations: never one group
    Fam(1080, 1, "Jones Family", "Pat", "Jones", "pat.jones@example.com", "2019-07-07", 1),
    Fam(2080, 2, "Jones", "Pat", "Jones", "Pat.Jones@example.com", "2020-07-07", 1),
    # J. a secondary guardian's login held by another family's primary (all-logins only)
    Fam(
        1090,
        1,
        "Garcia Family",
        "Luis",
        "Garcia",
        "luis.garcia@example.com",
        "2018-10-10",
        2,
        [("Maria", "Garcia", "maria.garcia@example.com")],
    ),
    Fam(1091, 1, "Garcia-Lopez", "Maria", "Garcia", "maria.garcia@example.com", "2021-10-10", 1),
    # K. non-Latin names and an IDN domain
    Fam(2001, 2, "Åberg Family", "Zoë", "Åberg", "zoë@exämple.com", "2018-01-15", 2),
    Fam(2002, 2, "Åberg", "Zoë", "Åberg", "ZOË@EXÄMPLE.COM", "2020-01-15", 1),
    Fam(2010, 2, "李家", "伟", "李", "li.wei@example.cn", "2019-05-20", 2),
    Fam(2011, 2, "Li Wei", "伟", "李", "LI.WEI@example.cn", "2024-05-20"),
    Fam(2020, 2, "Hansen", "Øyvind", "Hansen", "oyvind@example.no", "2021-08-08"),
    Fam(2021, 2, "Hansen Family", "Øyvind", "Hansen", "Oyvind@Example.no", "2019-08-08"),
    # L. review in the second organization
    Fam(2030, 2, "Park Family", "Chris", "Park", "parkfamily@example.com", "2018-03-03", 1),
    Fam(2031, 2, "Park", "Dana", "Park", "parkfamily@example.com", "2020-03-03", 1),
    # M. a name that looks like markup must show as typed
    Fam(
        2040,
        2,
        "[bold red]Brackets[/] Family",
        "[link=x]Eve[/link]",
        "Brackets",
        "eve.brackets@example.com",
        "2020-04-04",
        1,
    ),
]


def _history(fam: Fam, counters: dict[str, int]) -> dict[str, list[dict]]:
    """n students each in one class, 2n payments, n policies, n activity rows."""
    out: dict[str, list[dict]] = {
        k: [] for k in ("students", "enrollments", "payments", "policies", "activity")
    }
    start = datetime.fromisoformat(fam.created)

    def next_id(table: str) -> int:
        counters[table] += 1
        return counters[table]

    for i in range(fam.history):
        when = start + timedelta(days=30 * (i + 1))
        sid = next_id("students")
        out["students"].append(
            {
                "student_id": sid,
                "family_id": fam.family_id,
                "first_name": f"Kid{i + 1}",
                "last_name": fam.last,
                "birth_date": f"{2012 + i}-0{i + 1}-15",
            }
        )
        out["enrollments"].append(
            {
                "enrollment_id": next_id("enrollments"),
                "student_id": sid,
                "class_name": ["Minnows", "Ballet I", "Sharks"][i % 3],
                "start_date": when.date().isoformat(),
                "end_date": (when + timedelta(days=90)).date().isoformat(),
            }
        )
        for j in range(2):
            out["payments"].append(
                {
                    "payment_id": next_id("payments"),
                    "family_id": fam.family_id,
                    "amount": f"{45 + 10 * i + j}.{25 * j:02d}",
                    "paid_at": (when + timedelta(days=j)).isoformat(),
                }
            )
        out["policies"].append(
            {
                "policy_id": next_id("policies"),
                "family_id": fam.family_id,
                "policy_name": "Liability Waiver",
                "signed_at": when.isoformat(),
            }
        )
        out["activity"].append(
            {
                "activity_id": next_id("activity"),
                "family_id": fam.family_id,
                "at": when.isoformat(),
                "kind": "note",
                "detail": f"Enrolled {fam.first} household",
            }
        )
    return out


def _cases() -> dict[str, pl.DataFrame]:
    counters = {
        "students": 7000,
        "enrollments": 8000,
        "payments": 9000,
        "policies": 9500,
        "activity": 9800,
        "guardians": 5000,
    }
    rows: dict[str, list[dict]] = {k: [] for k in FAMILY_TABLES}
    for fam in CASES:
        rows["families"].append(
            {
                "family_id": fam.family_id,
                "org_id": fam.org_id,
                "family_name": fam.name,
                "created_at": fam.created,
            }
        )
        people = [(fam.first, fam.last, fam.email, True)] + [(*o, False) for o in fam.others]
        for first, last, email, primary in people:
            counters["guardians"] += 1
            rows["guardians"].append(
                {
                    "guardian_id": counters["guardians"],
                    "family_id": fam.family_id,
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "phone": f"555-01{fam.family_id % 100:02d}",
                    "is_primary": primary,
                }
            )
        for table, found in _history(fam, counters).items():
            rows[table] += found
    return {
        name: pl.DataFrame(r, infer_schema_length=None).cast(pl.String) for name, r in rows.items()
    }


def _filler(org_id: int, n: int, first_id: int, seed: int) -> dict[str, pl.DataFrame]:
    tables = synthetic(n, seed=seed, dup_rate=0.0, first_id=first_id, orgs=1)
    tables["families"] = tables["families"].with_columns(pl.lit(org_id).alias("org_id"))
    tables.pop("orgs")
    return tables


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col(pl.Datetime).dt.strftime("%Y-%m-%dT%H:%M:%S"),
        pl.col(pl.Date).dt.strftime("%Y-%m-%d"),
        pl.col(pl.Float64).map_elements(lambda v: f"{v:.2f}", return_dtype=pl.String),
    ).cast(pl.String)


def sample_tables() -> dict[str, pl.DataFrame]:
    """Every table of the sample set, as text columns (what the CSV files hold)."""
    parts = [_cases(), _filler(1, 135, 100_000, 11), _filler(2, 128, 200_000, 12)]
    tables = {
        name: pl.concat([_as_text(p[name]) for p in parts], how="diagonal") for name in parts[0]
    }
    tables["orgs"] = pl.DataFrame(ORGS, schema=["org_id", "name"], orient="row").cast(pl.String)
    tables["staff"] = pl.DataFrame(
        STAFF, schema=["staff_id", "org_id", "name", "email", "user_group"], orient="row"
    ).cast(pl.String)
    tables["user_groups"] = pl.DataFrame(GROUPS, schema=["user_group", "permissions"], orient="row")
    return tables


def write_sample(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in sample_tables().items():
        frame.write_csv(out / f"{name}.csv")


if __name__ == "__main__":
    write_sample(Path(sys.argv[1] if len(sys.argv) > 1 else "sample_data"))
