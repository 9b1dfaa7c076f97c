"""The store's view in memory (`core.report.live`) gives exactly the answers of a rebuild.

Random merges, deletes, email changes, invites, undos and writes made outside famtriage
over two small organizations whose guardians share addresses, `+tag` and Gmail
look-alikes among them: after each step the view, patched from the families the step
touched (or rebuilt, when the store's history says so), must give the same report in
every scope (families, groups, look-alike sets, row for row; the groups' keys in that
order), readiness counts, candidate slice and search results as FAM-12 computed from
scratch over the store's tables.
"""

from __future__ import annotations

import sqlite3

import polars as pl
import pytest
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule
from polars.testing import assert_frame_equal
from world_support import Acting, worlds

from famtriage.core.access.context import Context
from famtriage.core.actions.family_edits import delete
from famtriage.core.actions.merge import merge
from famtriage.core.report import frames, live, snapshot, store_frames
from famtriage.core.report.current import report_for_context
from famtriage.core.report.fam12 import SCOPES, Report, build_report, in_order, narrow
from famtriage.core.report.readiness import readiness
from famtriage.core.report.search import search_families
from famtriage.core.store.connections import driver
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


def counts_truth(primary: Report, every: Report, stats: pl.DataFrame) -> live.Counts:
    by_action: dict[int, dict[str, int]] = {}
    for org, action, n in primary.groups.group_by("org_id", "action").len().iter_rows():
        by_action.setdefault(org, {})[action] = n
    return live.Counts(
        dict(stats.group_by("org_id").len().iter_rows()),
        dict(primary.groups.group_by("org_id").len().iter_rows()),
        dict(every.groups.group_by("org_id").len().iter_rows()),
        by_action,
    )


class LiveView(Acting):
    emails = EMAILS
    invited = ("a.n.n@gmail.com", "ann+2@x.org", "cy@z.org")
    undo_refusals = ("first", "outside any audited action")  # a foreign write came between

    @initialize(world=worlds(EMAILS, NAMES, families=(2, 6)))
    def build(self, world: dict[str, list[dict]]) -> None:
        self.open_world(world)
        with self.store.write() as conn:  # the world was written without a generation
            self.store.touch(conn, [])
        live.hold(self.store)
        self.reads: list[str] = []
        self.original = snapshot._store_tables
        self.original_rebuild = store_frames.read

        def spy(store: Store, family_ids: list[int]):
            self.reads.append("some")
            return self.original(store, family_ids)

        def spy_rebuild(store: Store, on_progress=None):
            self.reads.append("all")
            return self.original_rebuild(store, on_progress)

        snapshot._store_tables = spy
        store_frames.read = spy_rebuild
        self.last = live.view(self.store)
        for scope in SCOPES:  # every scope is then patched, never computed whole again
            self.last.report(scope, self.ctx.orgs)

    @rule(data=st.data())
    def write_behind_its_back(self, data: st.DataObject) -> None:
        """A login changed the way the sqlite3 shell changes it: never patched over."""
        guardians = self._ids("guardians", "guardian_id")
        if not guardians or data.draw(st.integers(0, 3)) < 3:  # rarer than famtriage's own
            return
        email = data.draw(st.sampled_from(["ann@x.org", "cy@z.org", "zed@q.org"]))
        conn = sqlite3.connect(self.folder / "store.db")
        try:
            conn.execute(
                "UPDATE guardians SET email = ?, email_norm = ? WHERE guardian_id = ?",
                (email, email, data.draw(st.sampled_from(guardians))),
            )
            conn.commit()
            event("foreign write")
        finally:
            conn.close()

    @invariant()
    def same_answers_as_a_rebuild(self) -> None:
        before = len(self.reads)
        with self.store.engine.connect() as conn:
            changed = self.store.changes_since(conn, self.last.stamp)
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

        tables = self.original(self.store, None)  # from scratch, no snapshot
        logins, stats = frames.logins(tables), frames.family_stats(tables)
        truth = {s: build_report(logins, stats, s, list(self.ctx.orgs)) for s in SCOPES}
        for scope in SCOPES:
            got = current.report(scope, self.ctx.orgs)
            for part in ("families", "groups", "possible"):
                assert_frame_equal(getattr(got, part), getattr(truth[scope], part))
            loose = current.report(scope, self.ctx.orgs, ordered=False)  # what the queue reads
            families, groups = in_order(loose.families, loose.groups, scope)
            assert_frame_equal(families, got.families)
            assert_frame_equal(groups, got.groups)
            # the keys the queue walks, kept patched (`key_order`), in the report's order
            keys = truth[scope].groups.select("org_id", "email").rows()
            assert current.keys(scope, self.ctx.orgs) == keys
            one = min(self.ctx.orgs)
            assert current.keys(scope, [one]) == [k for k in keys if k[0] == one]
        key = ["guardian_id"]
        assert_frame_equal(live._plain(current.candidates).sort(key), narrow(logins).sort(key))
        assert current.counts() == counts_truth(truth["primary"], truth["all-logins"], stats)
        for text in SEARCHED:
            found = current.find(self.ctx.orgs, text, 3)
            got_search = (found.family_ids, found.exact, found.total)
            assert got_search == search_truth(logins, self.ctx.orgs, text)

    def teardown(self) -> None:
        if hasattr(self, "original"):
            snapshot._store_tables = self.original
            store_frames.read = self.original_rebuild
        if hasattr(self, "store"):
            self.close_world()


LiveView.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=15,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
test_live_view_matches_a_rebuild = LiveView.TestCase


def test_the_app_writes_the_snapshot_later_and_it_is_then_fresh(
    store: Store, ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A held view (the app) is patched in memory: no action, report or search writes a
    file; `flush` writes them, and another process then reads them without the store."""
    folder = snapshot.cache_dir(store)
    snapshot.load(store)  # the files, as the CLI leaves them
    live.hold(store)
    first = report_for_context(ctx)
    files = sorted(p.name for p in folder.iterdir())
    stamp = (folder / "stamp.json").read_text()
    merge(ctx, 1001, [1002, 1003])
    delete(ctx, 1061)
    after = report_for_context(ctx)
    assert search_families(ctx, "jane.doe@example.com").total == 1
    assert after.group_count == first.group_count - 2  # jane.doe's and bob's groups
    left = {o.org_id: o.groups_left for o in readiness(ctx)}
    assert left == dict(after.groups.group_by("org_id").len().iter_rows())
    assert sorted(p.name for p in folder.iterdir()) == files
    assert (folder / "stamp.json").read_text() == stamp
    assert live.flush(store) and not live.flush(store)  # written once
    assert (folder / "stamp.json").read_text() != stamp

    reads: list[object] = []
    real = snapshot._store_tables
    monkeypatch.setattr(snapshot, "_store_tables", lambda *a: reads.append(a) or real(*a))
    other = Context.open(Store.open(store.sqlite_path))  # another process, as the CLI
    again = report_for_context(other)
    assert reads == []  # the files were fresh: nothing read from the store's tables
    assert_frame_equal(again.groups, after.groups)
    assert_frame_equal(again.families, after.families)


def test_the_app_folds_sqlites_log_in_when_idle_not_on_a_commit(store: Store, ctx: Context) -> None:
    """SQLite's own checkpoint ran on the commit that filled its log (0.3 s on the way to
    the next group at a million families): a held store's connections leave the log
    alone, and `flush` folds it into the database. Other processes keep SQLite's rule."""
    path = store.sqlite_path
    assert path is not None
    other = Store.open(path)
    live.hold(store)

    def autocheckpoint(s: Store) -> int:
        with s.engine.connect() as conn:
            return driver(conn).execute("PRAGMA wal_autocheckpoint").fetchone()[0]

    assert (autocheckpoint(store), autocheckpoint(other)) == (0, 1000)
    live.flush(store)
    before = path.read_bytes()
    merge(ctx, 1001, [1002, 1003])
    assert path.read_bytes() == before  # in the log only
    live.flush(store)
    assert path.read_bytes() != before  # folded in
    with store.engine.connect() as conn:
        busy, log, done = driver(conn).execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert (busy, log) == (0, done)


@pytest.mark.parametrize("patched", [False, True])
def test_a_rebuild_or_patch_hands_every_login_only_to_who_asks(
    store: Store, ctx: Context, patched: bool
) -> None:
    """The CLI asks for the light view: it must not keep a million families' logins and
    counts beside it (its cold `readiness` peaked over 1 GB)."""
    if patched:
        snapshot.read(store)
        merge(ctx, 1001, [1002, 1003])
    light, whole = snapshot.read(store), snapshot.read(store, full=True)
    assert (light.logins, light.stats) == (None, None)
    assert whole.logins is not None and whole.stats is not None
    assert not live.View.from_snapshot(light).full
