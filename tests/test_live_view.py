"""The store's view in memory (`core.report.live`) gives exactly the answers of a rebuild.

Random merges, deletes, email changes, invites, undos and writes made outside famtriage
over two small organizations whose guardians share addresses, `+tag` and Gmail
look-alikes among them: after each step the view, patched from the families the step
touched (or rebuilt, after a foreign write), must give the same report in both scopes
(families, groups, look-alike sets, row for row), readiness counts, candidate slice and
search results as FAM-12 computed from scratch over the store's tables.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from datetime import date, datetime
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from polars.testing import assert_frame_equal
from sqlalchemy import insert, select

from famtriage.core.access.context import Context
from famtriage.core.actions.family_edits import change_email, delete, invite
from famtriage.core.actions.merge import merge
from famtriage.core.actions.undo import undo
from famtriage.core.emails import normalize_email
from famtriage.core.errors import Conflict
from famtriage.core.report import frames, live, snapshot
from famtriage.core.report.fam12 import SCOPES, build_report, narrow
from famtriage.core.store import schema
from famtriage.core.store.database import Store

EMAILS = [
    "ann@x.org",
    " ANN@x.org",
    "ann+school@x.org",
    "bob@gmail.com",
    "b.o.b@gmail.com",
    "bob+1@googlemail.com",
    "cy@z.org",
    None,
]
NAMES = ["Ann", "Annie", "Bob", "Cy"]
SEARCHED = ["ann@x.org", "x.org", "bob", "gmail.com", "nobody@none"]
RAM_DISK = Path("/dev/shm")


@st.composite
def worlds(draw) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {name: [] for name in schema.DATA_TABLES}
    ids = iter(range(1, 100_000))
    for org in (1, 2):
        rows["orgs"].append({"org_id": org, "name": f"Org {org}"})
        for _ in range(draw(st.integers(2, 6))):
            fid = next(ids)
            rows["families"].append(
                {
                    "family_id": fid,
                    "org_id": org,
                    "family_name": draw(st.sampled_from(NAMES)),
                    "created_at": datetime(2020, 1, draw(st.integers(1, 3))),
                    "status": "active",
                }
            )
            for n in range(draw(st.integers(1, 2))):
                email = draw(st.sampled_from(EMAILS))
                rows["guardians"].append(
                    {
                        "guardian_id": next(ids),
                        "family_id": fid,
                        "first_name": draw(st.sampled_from([*NAMES, None])),
                        "last_name": "Doe",
                        "email": email,
                        "email_norm": normalize_email(email),
                        "phone": None,
                        "is_primary": n == 0,
                    }
                )
            if draw(st.booleans()):
                sid = next(ids)
                rows["students"].append({"student_id": sid, "family_id": fid, "first_name": "K"})
                rows["enrollments"].append(
                    {"enrollment_id": next(ids), "student_id": sid, "start_date": date(2021, 1, 1)}
                )
            if draw(st.booleans()):
                rows["payments"].append(
                    {"payment_id": next(ids), "family_id": fid, "amount_cents": 100}
                )
    return rows


def truth(store: Store, orgs: tuple[int, ...]) -> dict:
    """Every answer computed from scratch over the store's tables (no snapshot)."""
    tables = snapshot._store_tables(store, None)
    logins, stats = frames.logins(tables), frames.family_stats(tables)
    return {"logins": logins, "stats": stats, "orgs": orgs}


def search_truth(logins: pl.DataFrame, orgs: tuple[int, ...], key: str) -> tuple[list, set, int]:
    matched = (
        logins.filter(
            pl.col("org_id").is_in(list(orgs))
            & pl.col("email_norm").str.contains(key, literal=True)
        )
        .group_by("family_id")
        .agg((pl.col("email_norm") == key).any().alias("exact"))
        .sort(["exact", "family_id"], descending=[True, False])
    )
    first = matched.head(3)
    return first["family_id"].to_list(), set(first.filter("exact")["family_id"]), matched.height


class LiveView(RuleBasedStateMachine):
    @initialize(world=worlds())
    def build(self, world: dict[str, list[dict]]) -> None:
        self.folder = Path(tempfile.mkdtemp(dir=RAM_DISK if RAM_DISK.is_dir() else None))
        self.db = self.folder / "store.db"
        self.store = Store.open(self.db)
        with self.store.write() as conn:
            for name in schema.DATA_TABLES:
                if world[name]:
                    conn.execute(insert(schema.metadata.tables[name]), world[name])
        self.ctx = Context.open(self.store)
        live.hold(self.store)
        self.reads: list[str] = []
        original = snapshot._store_tables

        def spy(store: Store, family_ids: list[int] | None):
            self.reads.append("all" if family_ids is None else "some")
            return original(store, family_ids)

        self.spy, self.original = spy, original
        snapshot._store_tables = spy
        self.last = live.view(self.store)
        for scope in SCOPES:  # every scope is then patched, never recomputed whole
            self.last.report(scope, self.ctx.orgs)
        self.last.counts()

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
            merge(self.ctx, group[0], group[1:])
        except Conflict:
            event("merge refused")

    @rule(data=st.data())
    def delete_family(self, data: st.DataObject) -> None:
        try:
            delete(self.ctx, data.draw(st.sampled_from(self._ids("families", "family_id"))))
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
        except Conflict:
            event("change_email refused")

    @rule(data=st.data())
    def invite_guardian(self, data: st.DataObject) -> None:
        email = data.draw(st.sampled_from(["a.n.n@gmail.com", "ann+2@x.org", "cy@z.org"]))
        try:
            invite(
                self.ctx,
                data.draw(st.sampled_from(self._ids("families", "family_id"))),
                "In",
                "Vited",
                email,
            )
        except Conflict:
            event("invite refused")

    @rule(data=st.data())
    def undo_something(self, data: st.DataObject) -> None:
        a = schema.audit_log
        entries = self._ids(
            "audit_log", "audit_id", a.c.undone_by.is_(None) & (a.c.action != "undo")
        )
        if entries:
            try:
                undo(self.ctx, data.draw(st.sampled_from(entries)))
            except Conflict:
                event("undo refused")

    @rule(data=st.data())
    def write_behind_its_back(self, data: st.DataObject) -> None:
        """The sqlite3 shell changes a login: the view must not patch over it."""
        guardians = self._ids("guardians", "guardian_id")
        if not guardians or data.draw(st.integers(0, 3)):  # rarer than famtriage's own
            return
        email = data.draw(st.sampled_from(["ann@x.org", "cy@z.org", "zed@q.org"]))
        conn = sqlite3.connect(self.db)
        try:
            conn.execute(
                "UPDATE guardians SET email = ?, email_norm = ? WHERE guardian_id = ?",
                (email, email, data.draw(st.sampled_from(guardians))),
            )
            conn.commit()
        finally:
            conn.close()

    @invariant()
    def same_answers_as_a_rebuild(self) -> None:
        before, previous = len(self.reads), self.last
        with self.store.engine.connect() as conn:
            changed = self.store.changes_since(conn, previous.stamp)
        current = self.last = live.view(self.store)
        reads = self.reads[before:]
        if changed is None:  # another history (a foreign write): rebuilt, never patched
            assert reads == ["all"], reads
            event("rebuilt")
            for scope in SCOPES:
                current.report(scope, self.ctx.orgs)
        else:
            assert reads == (["some"] if changed else []), reads
            event("patched" if changed else "unchanged")
        want = truth(self.store, self.ctx.orgs)
        for scope in SCOPES:
            got = current.report(scope, self.ctx.orgs)
            expected = build_report(want["logins"], want["stats"], scope, list(self.ctx.orgs))
            for part in ("families", "groups", "possible"):
                assert_frame_equal(getattr(got, part), getattr(expected, part))
        key = ["guardian_id"]
        assert_frame_equal(
            live._plain(current.candidates).sort(key), narrow(want["logins"]).sort(key)
        )
        counts = current.counts()
        primary = build_report(want["logins"], want["stats"], "primary")
        every = build_report(want["logins"], want["stats"], "all-logins")
        assert counts.groups_left == dict(primary.groups.group_by("org_id").len().iter_rows())
        assert counts.conflicts == dict(every.groups.group_by("org_id").len().iter_rows())
        by_action: dict[int, dict[str, int]] = {}
        for org, action, n in primary.groups.group_by("org_id", "action").len().iter_rows():
            by_action.setdefault(org, {})[action] = n
        assert counts.by_action == by_action
        assert counts.families == dict(want["stats"].group_by("org_id").len().iter_rows())
        for text in SEARCHED:
            found = current.find(self.ctx.orgs, text, 3)
            assert (found.family_ids, found.exact, found.total) == search_truth(
                want["logins"], self.ctx.orgs, text
            )

    def teardown(self) -> None:
        if hasattr(self, "original"):
            snapshot._store_tables = self.original
        if hasattr(self, "store"):
            self.store.engine.dispose()
            shutil.rmtree(self.folder, ignore_errors=True)


LiveView.TestCase.settings = settings(
    max_examples=40,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
test_live_view_matches_a_rebuild = LiveView.TestCase
