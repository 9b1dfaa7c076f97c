"""Random sequences of merges, deletes, email changes, invites and undos over random
small organizations: nothing is ever lost, payment totals never move, and undoing
everything in reverse gives back the starting store exactly."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date, datetime
from pathlib import Path

from actions_support import (
    dump,
    history_owners_active,
    live_keys,
    payment_totals,
    restorable_rows,
)
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import insert, select

from famtriage.core.access.context import Context
from famtriage.core.actions.family_edits import change_email, delete, invite
from famtriage.core.actions.merge import merge
from famtriage.core.actions.undo import undo
from famtriage.core.emails import normalize_email
from famtriage.core.errors import Conflict
from famtriage.core.store import schema
from famtriage.core.store.database import Store

EMAILS = ["ann@x.org", "ANN@x.org ", "bob@y.org", "cy@z.org", None]
NAMES = ["Ann", "Bob", "Cy"]
RAM_DISK = Path("/dev/shm")
"""Each example builds a store; in memory-backed files its fsyncs cost nothing."""


@st.composite
def worlds(draw) -> dict[str, list[dict]]:
    """Two small organizations whose families often share guardian emails."""
    rows: dict[str, list[dict]] = {name: [] for name in schema.DATA_TABLES}
    ids = iter(range(1, 10_000))
    for org in (1, 2):
        rows["orgs"].append({"org_id": org, "name": f"Org {org}"})
        for _ in range(draw(st.integers(2, 4))):
            fid = next(ids)
            rows["families"].append(
                {
                    "family_id": fid,
                    "org_id": org,
                    "family_name": draw(st.sampled_from(NAMES)),
                    "created_at": datetime(2020, 1, draw(st.integers(1, 28))),
                    "status": "active",
                }
            )
            for n in range(draw(st.integers(1, 2))):
                email = draw(st.sampled_from(EMAILS))
                rows["guardians"].append(
                    {
                        "guardian_id": next(ids),
                        "family_id": fid,
                        "first_name": draw(st.sampled_from(NAMES)),
                        "last_name": "Doe",
                        "email": email,
                        "email_norm": normalize_email(email),
                        "phone": draw(st.sampled_from(["555-1", "555-2", None])),
                        "is_primary": n == 0,
                    }
                )
            for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
                sid = next(ids)
                rows["students"].append({"student_id": sid, "family_id": fid, "first_name": "K"})
                if draw(st.sampled_from([False, False, True])):
                    rows["enrollments"].append(
                        {
                            "enrollment_id": next(ids),
                            "student_id": sid,
                            "start_date": date(2021, 1, 1),
                        }
                    )
            for table, key in (("payments", "payment_id"), ("policies", "policy_id")):
                for _ in range(draw(st.sampled_from([0, 0, 1]))):
                    row = {key: next(ids), "family_id": fid}
                    if table == "payments":
                        row["amount_cents"] = draw(st.integers(1, 10_000))
                    rows[table].append(row)
            if draw(st.sampled_from([False, False, True])):
                rows["activity"].append(
                    {"activity_id": next(ids), "family_id": fid, "at": datetime(2022, 2, 2)}
                )
    return rows


class Resolutions(RuleBasedStateMachine):
    @initialize(world=worlds())
    def build(self, world: dict[str, list[dict]]) -> None:
        self.folder = Path(tempfile.mkdtemp(dir=RAM_DISK if RAM_DISK.is_dir() else None))
        self.store = Store.open(self.folder / "store.db")
        with self.store.write() as conn:
            for name in schema.DATA_TABLES:
                if world[name]:
                    conn.execute(insert(schema.metadata.tables[name]), world[name])
        self.ctx = Context.open(self.store)
        self.start = dump(self.store)
        self.totals = payment_totals(self.store)
        self.keys = live_keys(self.store)

    def _ids(self, table: str, column: str, where=None) -> list[int]:
        target = schema.metadata.tables[table]
        query = select(target.c[column]).order_by(target.c[column])
        with self.store.engine.connect() as conn:
            return list(conn.execute(query if where is None else query.where(where)).scalars())

    @rule(data=st.data())
    def merge_families(self, data: st.DataObject) -> None:
        f = schema.families
        org = data.draw(st.sampled_from([1, 2]))
        active = self._ids("families", "family_id", (f.c.org_id == org) & (f.c.status == "active"))
        if len(active) < 2:
            return
        group = data.draw(st.lists(st.sampled_from(active), min_size=2, max_size=5, unique=True))
        try:
            merge(
                self.ctx,
                group[0],
                group[1:],
                family_name_from=data.draw(st.sampled_from([None, *group])),
                phone_from=data.draw(st.sampled_from([None, *group])),
            )
            event("merge done")
        except Conflict:
            event("merge refused")

    @rule(data=st.data())
    def delete_family(self, data: st.DataObject) -> None:
        try:
            delete(self.ctx, data.draw(st.sampled_from(self._ids("families", "family_id"))))
            event("delete done")
        except Conflict:
            event("delete refused")

    @rule(data=st.data())
    def change_an_email(self, data: st.DataObject) -> None:
        guardians = self._ids("guardians", "guardian_id")
        if not guardians:
            return
        email = data.draw(st.sampled_from([e for e in EMAILS if e] + ["new@w.org"]))
        try:
            change_email(self.ctx, data.draw(st.sampled_from(guardians)), email)
            event("change_email done")
        except Conflict:
            event("change_email refused")

    @rule(data=st.data())
    def invite_guardian(self, data: st.DataObject) -> None:
        email = data.draw(st.sampled_from(["inv1@w.org", "inv2@w.org", "bob@y.org"]))
        family = data.draw(st.sampled_from(self._ids("families", "family_id")))
        try:
            invite(self.ctx, family, "In", "Vited", email)
            event("invite done")
        except Conflict:
            event("invite refused")

    @rule(data=st.data())
    def undo_something(self, data: st.DataObject) -> None:
        a = schema.audit_log
        open_entries = self._ids(
            "audit_log", "audit_id", a.c.undone_by.is_(None) & (a.c.action != "undo")
        )
        if not open_entries:
            return
        try:
            undo(self.ctx, data.draw(st.sampled_from(open_entries)))
            event("undo done")
        except Conflict as refused:
            assert "first" in str(refused)

    @invariant()
    def nothing_is_lost(self) -> None:
        live, held = live_keys(self.store), restorable_rows(self.store)
        for table, keys in self.keys.items():
            assert keys <= live[table] | held[table], table
            assert not (live[table] & held[table]), table
        assert payment_totals(self.store) == self.totals
        assert history_owners_active(self.store)

    def teardown(self) -> None:
        if not hasattr(self, "store"):
            return
        a = schema.audit_log
        try:
            for audit_id in reversed(
                self._ids("audit_log", "audit_id", a.c.undone_by.is_(None) & (a.c.action != "undo"))
            ):
                undo(self.ctx, audit_id)
            assert dump(self.store) == self.start
        finally:
            self.store.engine.dispose()
            shutil.rmtree(self.folder, ignore_errors=True)


Resolutions.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
test_resolutions = Resolutions.TestCase
