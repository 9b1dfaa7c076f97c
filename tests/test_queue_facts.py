"""What the queue shows of each family beyond the report's counts: the guardians' and
students' names, the latest enrollment and payment; read in bulk, one query a table."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert, select

from famtriage.core.access.context import Context
from famtriage.core.actions.family_edits import invite
from famtriage.core.actions.queue import load_view
from famtriage.core.actions.queue_facts import (
    FACT_DTYPES,
    last_enrollment,
    last_payment,
    names,
    read_facts,
)
from famtriage.core.store import schema
from famtriage.core.store.connections import driver
from famtriage.core.store.database import Store

JANE = (1, "jane.doe@example.com")


def _rows(ctx: Context, key: tuple[int, str]) -> dict[int, dict]:
    group = load_view(ctx, want=key).group
    assert group is not None and group.key == key
    return {row["family_id"]: row for row in group.families.iter_rows(named=True)}


def test_a_group_shows_who_is_in_each_family_and_its_latest_history(ctx: Context) -> None:
    rows = _rows(ctx, JANE)
    assert list(rows) == [1001, 1002, 1003]  # the survivor first, as the report ranks them
    kept = rows[1001]
    assert kept["primary_names"] == ["Jane Doe"] and kept["secondary_names"] == []
    assert names(kept["student_names"]) == ["Kid1 Doe", "Kid2 Doe", "Kid3 Doe"]
    assert last_enrollment(kept) == ("Sharks", "2018-05-02")
    assert last_payment(kept) == ("2018-05-03", "$66.25")
    assert last_enrollment(rows[1002]) == ("Minnows", "2021-07-15")


def test_a_family_without_students_enrollments_or_payments_says_so(ctx: Context) -> None:
    empty = _rows(ctx, JANE)[1003]
    assert names(empty["student_names"]) == ["none"]
    assert last_enrollment(empty) == ("no enrollment", "—")
    assert last_payment(empty) == ("no payment", "—")


def test_guardians_primaries_apart_in_name_order_and_compared(ctx: Context) -> None:
    invite(ctx, 1001, "Zed", "Doe", "zed.doe@example.com")
    invite(ctx, 1001, "Ann", "", "ann@example.com")
    group = load_view(ctx, want=JANE).group
    assert group is not None
    kept = group.families.row(0, named=True)
    assert kept["primary_names"] == ["Jane Doe"]
    assert kept["secondary_names"] == ["Ann", "Zed Doe"]
    assert {"secondary_names", "student_names", "last_class"} <= group.differ
    assert "primary_names" not in group.differ  # Jane Doe in all three
    assert not {"last_class_start", "last_paid_at", "last_paid_cents"} & group.differ


def test_the_latest_is_the_newest_date_then_the_highest_id(store: Store) -> None:
    check_latest(store)


def check_latest(store: Store) -> None:
    """An unknown date counts as the oldest (SQLite and PostgreSQL sort nulls apart);
    on the same day the later entry wins."""
    s, e, p = schema.students, schema.enrollments, schema.payments
    with store.engine.begin() as conn:
        (student,) = conn.execute(select(s.c.student_id).where(s.c.family_id == 1002)).one()
        enrollment = {"student_id": student, "start_date": date(2030, 1, 1)}
        conn.execute(
            insert(e),
            [
                enrollment | {"enrollment_id": 99001, "class_name": "Undated", "start_date": None},
                enrollment | {"enrollment_id": 99003, "class_name": "Second"},
                enrollment | {"enrollment_id": 99002, "class_name": "First"},
            ],
        )
        payment = {"family_id": 1002, "paid_at": datetime(2030, 2, 1, 9)}
        conn.execute(
            insert(p),
            [
                payment | {"payment_id": 99001, "amount_cents": 999999, "paid_at": None},
                payment | {"payment_id": 99003, "amount_cents": 123456},
                payment | {"payment_id": 99002, "amount_cents": 1250},
            ],
        )
    with store.engine.connect() as conn:
        (row,) = read_facts(store, conn, [1002]).iter_rows(named=True)
    assert last_enrollment(row) == ("Second", "2030-01-01")
    assert last_payment(row) == ("2030-02-01", "$1,234.56")


def test_one_query_per_table_however_many_families(store: Store) -> None:
    """Two families or five: the same four selects (guardians, students, enrollments,
    payments), each for all of them."""

    def selects(ids: list[int]) -> int:
        seen: list[str] = []
        with store.engine.connect() as conn:
            driver(conn).set_trace_callback(seen.append)
            facts = read_facts(store, conn, ids)
            driver(conn).set_trace_callback(None)
        assert facts["family_id"].to_list() == ids and dict(facts.schema) == FACT_DTYPES
        return sum(sql.lstrip().upper().startswith("SELECT") for sql in seen)

    assert selects([1001, 1002]) == selects([1041, 1040, 1042, 1043, 1001]) == 4
