"""The store in memory: one view per store generation, patched from what each write touched.

`view(store)` answers at the store's current stamp (`Store.stamp`). The first call reads
the snapshot (`snapshot.read`). After famtriage's own writes it patches the view it has
from just the families those writes touched (`Store.changes_since`), reading their rows
from the store and no file: their logins and history counts are replaced, the candidate
slice (`fam12.narrow`) is re-decided for the login keys and mailboxes they held before or
hold now, and only the groups and look-alike sets of those keys are computed again (in
each scope asked for so far); every other group is carried over as it was. Whatever the
snapshot would rebuild for (another store, another history, a write famtriage did not
make, a `writing` mark left by hand) discards the view, and the snapshot's own rules
apply. The answers are exactly those of a rebuild (tests/test_live_view.py).

A process that acts again and again (the app) `hold`s its store: its views keep every
login and every family's counts, so they can be patched and searched, and the snapshot's
files are written later by `flush` (the app calls it from a thread, when idle and at
exit) instead of after each write. Any other process (the CLI) keeps the light view a
report needs, and a patched or rebuilt snapshot is written at once, as before.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from famtriage.core.report import frames, snapshot
from famtriage.core.report.fam12 import (
    Report,
    grouped,
    in_order,
    in_scope,
    key_hashes,
    lookalike_sets,
)
from famtriage.core.report.key_order import GroupKey, KeyOrder
from famtriage.core.store.database import Stamp, Store
from famtriage.core.store.reads import ProgressCallback

LOGIN_KEY, MAILBOX_KEY = "_login", "_mailbox"
"""Columns the view adds to logins: `fam12.key_hashes`, compared in bulk."""
KEY = "_key"
"""The column a scope's rows carry: their group's (or look-alike set's) integer key."""
MAX_CHUNKS, CHUNKS = 64, 16
"""Every login and every count are kept as CHUNKS even pieces (polars filters the pieces
of a frame in parallel); a patch appends one, and past MAX_CHUNKS they are cut again."""


@dataclass(frozen=True)
class Scoped:
    """One scope's FAM-12 answer over every organization, its rows in no set order, each
    with the integer key of its group or look-alike set (`_key`, as `key_hashes` computes
    it) so a patch finds what to replace without hashing text again."""

    families: pl.DataFrame
    groups: pl.DataFrame
    possible: pl.DataFrame

    @classmethod
    def of(cls, candidates: pl.DataFrame, stats: pl.DataFrame, scope: str) -> Scoped:
        """The answer over these logins in scope (`fam12.in_scope`)."""
        return cls(*_groups_of(candidates, stats, scope), _sets_of(candidates))

    def ordered(self, scope: str) -> Scoped:
        """Rows in report order (`fam12.in_order`)."""
        families, groups = in_order(self.families.drop(KEY), self.groups.drop(KEY), scope)
        return Scoped(
            families, groups, self.possible.sort("org_id", "mailbox").drop(KEY, "mailbox")
        )


@dataclass(frozen=True)
class Counts:
    """Per organization: active families, FAM-12 groups (primary emails), login
    conflicts (any guardian) and groups by recommendation."""

    families: dict[int, int]
    groups_left: dict[int, int]
    conflicts: dict[int, int]
    by_action: dict[int, dict[str, int]]


@dataclass(frozen=True)
class Found:
    """A search over every login: the first `limit` families (exact matches first, then
    by id), which of them matched exactly, and how many families matched in all."""

    family_ids: list[int]
    exact: set[int]
    total: int


class View:
    """The store at one stamp. Frames are never changed in place: a later generation is
    a new view (which shares the unchanged frames). Scopes, readiness counts and the
    candidates' history counts are computed when first asked for, once."""

    def __init__(
        self,
        stamp: Stamp,
        orgs: pl.DataFrame,
        candidates: pl.DataFrame,
        org_families: dict[int, int],
        logins: pl.DataFrame | None,
        stats: pl.DataFrame | None,
        *,
        candidate_stats: pl.DataFrame | None = None,
        scoped: dict[str, Scoped] | None = None,
        orders: dict[str, KeyOrder] | None = None,
        saved: bool = True,
    ) -> None:
        self.stamp = stamp
        self.orgs = orgs
        self.candidates = candidates
        self.org_families = org_families
        self.logins = logins
        self.stats = stats
        self.saved = saved
        """Whether the snapshot's files hold this view (else `flush` writes them)."""
        self._candidate_stats = candidate_stats
        self._scoped = dict(scoped or {})
        self._orders = dict(orders or {})
        self._ordered: dict[str, Scoped] = {}
        self._counts: Counts | None = None
        self._lock = threading.RLock()

    @classmethod
    def from_snapshot(cls, loaded: snapshot.Loaded) -> View:
        snap = loaded.snapshot
        every = _even(_keyed(loaded.logins)) if loaded.logins is not None else None
        return cls(
            snap.stamp,
            snap.orgs,
            _keyed(snap.candidates).rechunk(),
            _per_org(snap.org_families, "families"),
            every,
            _even(loaded.stats) if loaded.stats is not None else None,
            candidate_stats=snap.stats,
            saved=loaded.saved,
        )

    @property
    def full(self) -> bool:
        """Whether every login and every family's counts are at hand (to patch, search)."""
        return self.logins is not None and self.stats is not None

    # Answers ---------------------------------------------------------------------------

    def scoped(self, scope: str) -> Scoped:
        with self._lock:
            if scope not in self._scoped:
                candidates = in_scope(self.candidates, scope, None)
                self._scoped[scope] = Scoped.of(candidates, self.candidate_stats(), scope)
            return self._scoped[scope]

    def report(
        self,
        scope: str,
        orgs: Iterable[int],
        generated_at: datetime | None = None,
        *,
        ordered: bool = True,
    ) -> Report:
        """The FAM-12 report of these organizations: what `fam12.build_report` gives, row
        for row. Without `ordered` the rows come in no set order (a group's families
        still survivor first): for a caller that sorts or looks up what it needs."""
        if ordered:
            with self._lock:
                if scope not in self._ordered:
                    self._ordered[scope] = self.scoped(scope).ordered(scope)
                answer = self._ordered[scope]
        else:
            answer = self.scoped(scope)
        families, groups, possible = answer.families, answer.groups, answer.possible
        if not self._sees_all(orgs):
            visible = pl.col("org_id").is_in(list(orgs))
            families, groups, possible = (f.filter(visible) for f in (families, groups, possible))
        if not ordered:
            families, groups = families.drop(KEY), groups.drop(KEY)
            possible = possible.drop(KEY, "mailbox")
        return Report(
            generated_at=generated_at or datetime.now().astimezone(),
            scope=scope,
            families=families,
            groups=groups,
            possible=possible,
        )

    def keys(self, scope: str, orgs: Iterable[int]) -> list[GroupKey]:
        """The keys of these organizations' groups in report order (`KeyOrder`)."""
        with self._lock:
            if scope not in self._orders:
                self._orders[scope] = KeyOrder.of(self.scoped(scope).groups, scope)
            order = self._orders[scope]
        return order.keys(None if self._sees_all(orgs) else orgs)

    def _sees_all(self, orgs: Iterable[int]) -> bool:
        return set(self.org_families) | set(self.orgs["org_id"]) <= set(orgs)

    def counts(self) -> Counts:
        """Readiness counts, straight from the readiness list's groups: the list the app
        works through, so the numbers and the list agree by construction (and the app
        keeps one scope, patched after each action, not two)."""
        with self._lock:
            if self._counts is None:
                every = self.scoped("readiness").groups
                fam12 = every.filter(pl.col("kind") == "fam12")
                by_action: dict[int, dict[str, int]] = {}
                for org, action, n in (
                    fam12.group_by("org_id", "action").len().sort("org_id", "action").iter_rows()
                ):
                    by_action.setdefault(org, {})[action] = n
                self._counts = Counts(
                    dict(self.org_families),
                    _per_org(fam12.group_by("org_id").len(), "len"),
                    _per_org(every.group_by("org_id").len(), "len"),
                    by_action,
                )
            return self._counts

    def find(self, orgs: Iterable[int], key: str, limit: int) -> Found:
        """Families with a login of these organizations containing `key` (a login key)."""
        if self.logins is None:
            raise ValueError("this view keeps no logins; ask for a full view")
        matched = (
            self.logins.lazy()
            .filter(
                pl.col("org_id").is_in(list(orgs))
                & pl.col("email_norm").str.contains(key, literal=True)
            )
            .group_by("family_id")
            .agg((pl.col("email_norm") == key).any().alias("exact"))
            .collect()
        )
        first = matched.sort(["exact", "family_id"], descending=[True, False]).head(limit)
        return Found(
            first["family_id"].to_list(),
            set(first.filter(pl.col("exact"))["family_id"].to_list()),
            matched.height,
        )

    def candidate_stats(self) -> pl.DataFrame:
        """The history counts of the families with a candidate login."""
        with self._lock:
            if self._candidate_stats is None:
                assert self.stats is not None
                ids = self.candidates.select("family_id").unique()
                self._candidate_stats = self.stats.join(ids, on="family_id", how="semi")
            return self._candidate_stats

    def as_snapshot(self) -> snapshot.Snapshot:
        org_families = pl.DataFrame(
            {
                "org_id": list(self.org_families),
                "families": list(self.org_families.values()),
            },
            schema={"org_id": pl.Int64, "families": pl.UInt32},
        )
        return snapshot.Snapshot(
            self.stamp,
            _plain(self.candidates),
            self.candidate_stats(),
            org_families,
            self.orgs,
        )

    # Patching --------------------------------------------------------------------------

    def patched(self, store: Store, changed: list[int], stamp: Stamp) -> View:
        """This view after writes that touched `changed` families, now at `stamp`."""
        assert self.logins is not None and self.stats is not None
        tables = snapshot.family_tables(store, changed)
        fresh_logins = _keyed(frames.logins(tables)).rechunk()  # one piece, cut alike
        fresh_stats = frames.family_stats(tables).rechunk()
        ids = pl.Series(changed, dtype=pl.Int64).implode()
        hit = self.logins.select(pl.col("family_id").is_in(ids)).to_series()
        before = self.logins.filter(hit)
        logins = _compact(pl.concat([self.logins.filter(~hit), fresh_logins]))
        hit_stats = self.stats.select(pl.col("family_id").is_in(ids)).to_series()
        gone_stats = self.stats.filter(hit_stats)
        stats = _compact(pl.concat([self.stats.filter(~hit_stats), fresh_stats]))

        touched = pl.concat([before, fresh_logins])
        login_keys = touched[LOGIN_KEY].unique()
        mailbox_keys = touched[MAILBOX_KEY].unique()
        near = pl.col(LOGIN_KEY).is_in(login_keys.implode()) | pl.col(MAILBOX_KEY).is_in(
            mailbox_keys.implode()
        )
        stale = near | pl.col("family_id").is_in(ids)
        candidates = pl.concat(
            [self.candidates.filter(~stale), _shared_among(logins, login_keys, mailbox_keys)]
        )

        with self._lock:  # another thread may be asking this view for a scope
            answers, kept_orders = dict(self._scoped), dict(self._orders)
        scoped = {
            scope: _patch_scope(answer, candidates, stats, scope, login_keys, mailbox_keys)
            for scope, answer in answers.items()
        }
        redone = pl.col(KEY).is_in(login_keys.implode())
        orders = {
            scope: order.patched(
                answers[scope].groups.filter(redone), scoped[scope].groups.filter(redone), scope
            )
            for scope, order in kept_orders.items()
        }
        org_families = dict(self.org_families)
        for org, n in _per_org(gone_stats.group_by("org_id").len(), "len").items():
            org_families[org] -= n
        for org, n in _per_org(fresh_stats.group_by("org_id").len(), "len").items():
            org_families[org] = org_families.get(org, 0) + n
        return View(
            stamp,
            store.read_table("orgs"),
            candidates,
            {org: n for org, n in org_families.items() if n > 0},
            logins,
            stats,
            scoped=scoped,
            orders=orders,
            saved=False,
        )


def _shared_among(
    logins: pl.DataFrame, login_keys: pl.Series, mailbox_keys: pl.Series
) -> pl.DataFrame:
    """The logins holding one of these login keys or mailboxes that share their login key
    or mailbox with another login (`fam12.narrow`'s test), counted among every login
    that holds one of their keys."""
    near = _holding(login_keys, mailbox_keys)
    rows = logins.filter(near)
    more_logins = _missing(rows[LOGIN_KEY], login_keys)
    more_mailboxes = _missing(rows[MAILBOX_KEY], mailbox_keys)
    around = rows
    if more_logins.len() or more_mailboxes.len():  # keys of theirs no touched login holds
        around = logins.filter(
            _holding(
                pl.concat([login_keys, more_logins]), pl.concat([mailbox_keys, more_mailboxes])
            )
        )
    shared = (pl.len().over(LOGIN_KEY) > 1) | (pl.len().over(MAILBOX_KEY) > 1)
    marked = around.with_columns(shared.alias("_shared"))
    return marked.filter(near & pl.col("_shared")).drop("_shared")


def _holding(login_keys: pl.Series, mailbox_keys: pl.Series) -> pl.Expr:
    return pl.col(LOGIN_KEY).is_in(login_keys.implode()) | pl.col(MAILBOX_KEY).is_in(
        mailbox_keys.implode()
    )


def _missing(keys: pl.Series, known: pl.Series) -> pl.Series:
    keys = keys.unique()
    return keys.filter(~keys.is_in(known.implode()))


def _patch_scope(
    answer: Scoped,
    candidates: pl.DataFrame,
    stats: pl.DataFrame,
    scope: str,
    login_keys: pl.Series,
    mailbox_keys: pl.Series,
) -> Scoped:
    """`answer` with the groups of `login_keys` and the look-alike sets of `mailbox_keys`
    computed again from the candidates; every other group kept as it was."""
    logins, mailboxes = login_keys.implode(), mailbox_keys.implode()
    rows = in_scope(candidates.filter(pl.col(LOGIN_KEY).is_in(logins)), scope, None)
    ids = rows["family_id"].unique().implode()
    families, groups = _groups_of(rows, stats.filter(pl.col("family_id").is_in(ids)), scope)
    sets = _sets_of(in_scope(candidates.filter(pl.col(MAILBOX_KEY).is_in(mailboxes)), scope, None))
    return Scoped(
        pl.concat([answer.families.filter(~pl.col(KEY).is_in(logins)), families]),
        pl.concat([answer.groups.filter(~pl.col(KEY).is_in(logins)), groups]),
        pl.concat([answer.possible.filter(~pl.col(KEY).is_in(mailboxes)), sets]),
    )


def _groups_of(
    candidates: pl.DataFrame, stats: pl.DataFrame, scope: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    families, groups = grouped(candidates, stats, scope)
    key = _hash("org_id", "email").alias(KEY)
    return families.with_columns(key), groups.with_columns(key)


def _sets_of(candidates: pl.DataFrame) -> pl.DataFrame:
    return lookalike_sets(candidates).with_columns(_hash("org_id", "mailbox").alias(KEY))


def _hash(org: str, key: str) -> pl.Expr:
    """The integer key of (organization, text), as `fam12.key_hashes` computes it."""
    return pl.struct(pl.col(org), pl.col(key).alias("email_norm")).hash()


def _keyed(logins: pl.DataFrame) -> pl.DataFrame:
    keys = key_hashes(logins)
    return logins.with_columns(keys["login"].alias(LOGIN_KEY), keys["mailbox"].alias(MAILBOX_KEY))


def _plain(logins: pl.DataFrame) -> pl.DataFrame:
    return logins.drop(LOGIN_KEY, MAILBOX_KEY)


def _compact(frame: pl.DataFrame) -> pl.DataFrame:
    return _even(frame) if frame.n_chunks() > MAX_CHUNKS else frame


def _even(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame as CHUNKS pieces of one size, every column cut alike (a column in
    other pieces than the rest makes polars re-cut the frame on every filter)."""
    frame = frame.rechunk()
    if frame.height < CHUNKS:
        return frame
    size = -(-frame.height // CHUNKS)
    return pl.concat(
        [frame.slice(start, size).rechunk() for start in range(0, frame.height, size)],
        rechunk=False,
    )


def _per_org(counts: pl.DataFrame, column: str) -> dict[int, int]:
    return dict(counts.select("org_id", column).iter_rows())


# The view of each store ------------------------------------------------------------------


class _Slot:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.view: View | None = None
        self.held = False


_SLOTS: weakref.WeakKeyDictionary[Store, _Slot] = weakref.WeakKeyDictionary()
_SLOTS_LOCK = threading.Lock()


def _slot(store: Store) -> _Slot:
    with _SLOTS_LOCK:
        slot = _SLOTS.get(store)
        if slot is None:
            slot = _SLOTS[store] = _Slot()
        return slot


def hold(store: Store) -> None:
    """Keep this store's view whole in memory and write its snapshot, and fold SQLite's
    log, later (`flush`)."""
    _slot(store).held = True
    store.checkpoint_later()


def view(store: Store, *, full: bool = False, on_progress: ProgressCallback | None = None) -> View:
    """The store's view at its current stamp (`full`: with every login and count). A
    snapshot rebuilt on the way reports `on_progress(done, total)` as it reads the store."""
    slot = _slot(store)
    with slot.lock:
        slot.view = _current(store, slot.view, full or slot.held, not slot.held, on_progress)
        return slot.view


def _current(
    store: Store,
    old: View | None,
    full: bool,
    persist: bool,
    on_progress: ProgressCallback | None,
) -> View:
    if old is not None and old.stamp.epoch is not None and (old.full or not full):
        with store.engine.connect() as conn:
            now = store.stamp(conn)
            changed = [] if now == old.stamp else store.changes_since(conn, old.stamp)
        if changed == []:
            return old
        if changed is not None and old.full and len(changed) <= snapshot.PATCH_LIMIT:
            return old.patched(store, changed, now)
    loaded = snapshot.read(store, full=full, persist=persist, on_progress=on_progress)
    return View.from_snapshot(loaded)


def flush(store: Store) -> bool:
    """Write the snapshot's files for the view in memory, if they do not hold it yet;
    whether anything was written. A failure costs only speed (`Store.notice` says it).
    A store held here has its SQLite log folded in too (`Store.checkpoint`)."""
    slot = _SLOTS.get(store)
    if slot is not None and slot.held:
        store.checkpoint()
    current = slot.view if slot is not None else None
    if current is None or current.saved or current.logins is None or current.stats is None:
        return False
    snapshot.save(store, current.as_snapshot(), _plain(current.logins), current.stats)
    current.saved = True
    return True
