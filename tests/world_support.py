"""Random small stores and random actions on them, for the stateful (hypothesis) tests:
two organizations whose families often share guardian emails, and rules that merge,
delete, change emails, invite and undo through the actions API (refusals are events)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule
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
INVITED = ["inv1@w.org", "inv2@w.org", "bob@y.org"]
RAM_DISK = Path("/dev/shm")
"""Each example builds a store; in memory-backed files its fsyncs cost nothing."""


@st.composite
def worlds(
    draw,
    emails: Sequence[str | None] = EMAILS,
    names: Sequence[str] = NAMES,
    families: tuple[int, int] = (2, 4),
) -> dict[str, list[dict]]:
    """Two small organizations whose families often share guardian emails."""
    rows: dict[str, list[dict]] = {name: [] for name in schema.DATA_TABLES}
    ids = iter(range(1, 10_000))
    for org in (1, 2):
        rows["orgs"].append({"org_id": org, "name": f"Org {org}"})
        for _ in range(draw(st.integers(*families))):
            fid = next(ids)
            rows["families"].append(
                {
                    "family_id": fid,
                    "org_id": org,
                    "family_name": draw(st.sampled_from(names)),
                    "created_at": datetime(2020, 1, draw(st.integers(1, 28))),
                    "status": "active",
                }
            )
            for n in range(draw(st.integers(1, 2))):
                email = draw(st.sampled_from(emails))
                rows["guardians"].append(
                    {
                        "guardian_id": next(ids),
                        "family_id": fid,
                        "first_name": draw(st.sampled_from(names)),
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


class Acting(RuleBasedStateMachine):
    """Rules that act on `self.ctx` at random; a subclass's initialize rule sets up the
    store with `open_world`, and `close_world` ends it."""

    emails: Sequence[str | None] = EMAILS
    invited: Sequence[str] = INVITED
    undo_refusals: Sequence[str] = ("first",)
    """Why an undo may be refused here: a later action touched the same rows."""
    ctx: Context
    store: Store
    folder: Path

    def open_world(self, world: dict[str, list[dict]]) -> None:
        self.folder = Path(tempfile.mkdtemp(dir=RAM_DISK if RAM_DISK.is_dir() else None))
        self.store = Store.open(self.folder / "store.db")
        with self.store.write() as conn:
            for name in schema.DATA_TABLES:
                if world[name]:
                    conn.execute(insert(schema.metadata.tables[name]), world[name])
        self.ctx = Context.open(self.store)

    def close_world(self) -> None:
        self.store.engine.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _ids(self, table: str, column: str, where=None) -> list[int]:
        target = schema.metadata.tables[table]
        query = select(target.c[column]).order_by(target.c[column])
        with self.store.engine.connect() as conn:
            return list(conn.execute(query if where is None else query.where(where)).scalars())

    def open_entries(self) -> list[int]:
        a = schema.audit_log
        return self._ids("audit_log", "audit_id", a.c.undone_by.is_(None) & (a.c.action != "undo"))

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
        email = data.draw(st.sampled_from([e for e in self.emails if e] + ["new@w.org"]))
        try:
            change_email(self.ctx, data.draw(st.sampled_from(guardians)), email)
            event("change_email done")
        except Conflict:
            event("change_email refused")

    @rule(data=st.data())
    def invite_guardian(self, data: st.DataObject) -> None:
        email = data.draw(st.sampled_from(self.invited))
        family = data.draw(st.sampled_from(self._ids("families", "family_id")))
        try:
            invite(self.ctx, family, "In", "Vited", email)
            event("invite done")
        except Conflict:
            event("invite refused")

    @rule(data=st.data())
    def undo_something(self, data: st.DataObject) -> None:
        entries = self.open_entries()
        if not entries:
            return
        try:
            undo(self.ctx, data.draw(st.sampled_from(entries)))
            event("undo done")
        except Conflict as refused:
            assert any(why in str(refused) for why in self.undo_refusals), str(refused)
            event("undo refused")
