"""The guided resolution queue: which group of the readiness list comes next, and what
it shows.

The queue works on the readiness list (`report --scope readiness`): FAM-12 groups
first, then every other login conflict, each login once, so when it is empty every
organization in view is login-ready. The terminal's queue screen only renders what this
module decides: the order of the groups (skipped ones last), the position ("group 17 of
342"), the filters, jumping to a group by email, progress toward login-ready, which
fields differ between the families of a group, and what an empty queue says. What the
keys *do* to a group lives in `core.queue_steps`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import polars as pl
from sqlalchemy import select

from famtriage.core.access.context import Context
from famtriage.core.actions import preconditions
from famtriage.core.actions.queue_facts import COMPARED_FACTS, read_facts, with_facts
from famtriage.core.actions.queue_progress import FILTER_NAMES, Progress, progress
from famtriage.core.emails import normalize_email
from famtriage.core.report import live
from famtriage.core.report.fam12 import Report
from famtriage.core.report.key_order import GroupKey, KeyOrder
from famtriage.core.report.lookalikes import Lookalike, lookalikes_of
from famtriage.core.report.readiness import readiness
from famtriage.core.report.view import KIND_LABELS, group_families
from famtriage.core.store import schema
from famtriage.core.store.database import Stamp

SCOPE = "readiness"
"""The report scope the queue works on: everything that blocks login-readiness."""
FILTERS = tuple(FILTER_NAMES)
"""What the queue can be narrowed to: every group, or one recommendation."""

COMPARED_FIELDS = (
    "family_name",
    "primary_guardian",
    "raw_email",
    "created_at",
    "students",
    "enrollments",
    "payments",
    "payments_total_cents",
    "policies",
    "activity",
    "last_activity",
    "has_history",
    *COMPARED_FACTS,
)
"""The family fields compared side by side; a field whose values differ is highlighted
(the facts `queue_facts` adds that are worth comparing, too)."""


def order_groups(groups: pl.DataFrame, only: str, skipped: frozenset[GroupKey]) -> list[GroupKey]:
    """The readiness list's order: FAM-12 groups first, then the other login conflicts,
    each by organization and email; only the groups of one recommendation, if asked;
    skipped groups last (`skipped_last`)."""
    if only not in FILTERS:
        raise ValueError(f"unknown queue filter {only!r}")
    if only != "all":
        groups = groups.filter(pl.col("action") == only)
    return skipped_last(KeyOrder.of(groups, SCOPE).keys(), skipped)


def skipped_last(keys: list[GroupKey], skipped: frozenset[GroupKey]) -> list[GroupKey]:
    """Skipped groups go to the end (by organization and email), so the engineer meets
    them again only after everything else."""
    if not skipped:
        return keys
    return [k for k in keys if k not in skipped] + sorted(k for k in keys if k in skipped)


def pick(order: Sequence[GroupKey], want: GroupKey | None, hint: int = 0) -> int | None:
    """Where the queue opens: `want` if it is still there, else the group now at `hint`
    (the one after a group that just left the queue), else the last one."""
    if not order:
        return None
    if want is not None and want in order:
        return order.index(want)
    return min(max(hint, 0), len(order) - 1)


def step_index(count: int, index: int, delta: int) -> int:
    """Next/previous wrap around: after the last group comes the first again."""
    return (index + delta) % count if count else 0


def find_group(order: Sequence[GroupKey], text: str) -> int | None:
    """Jump by email: the group whose login email is `text` (normalized like every
    login), else the first whose email contains it."""
    key = normalize_email(text)
    if not key:
        return None
    emails = [email for _, email in order]
    if key in emails:
        return emails.index(key)
    return next((i for i, email in enumerate(emails) if key in email), None)


def differing_fields(families: pl.DataFrame) -> frozenset[str]:
    """The compared fields whose values are not the same in every family of the group.

    Raw emails are compared as typed (case and white space count): that difference is
    often the clue to how the duplicate came about.
    """
    if families.height < 2:
        return frozenset()
    counts = families.select(pl.col(f).n_unique() for f in COMPARED_FIELDS).row(0, named=True)
    return frozenset(f for f, n in counts.items() if n > 1)


_DRAWN = {" ": "·", "\t": "→"}
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")


def visible_whitespace(raw: str | None) -> str:
    """A raw email with every space, tab and invisible character drawn, so " Bob@x.com"
    and "bob@x.com\u200b" do not look identical on screen."""
    if raw is None:
        return "(none)"
    return "".join(_DRAWN.get(c, "⍽" if c.isspace() or c in _ZERO_WIDTH else c) for c in raw)


@dataclass(frozen=True)
class QueueGroup:
    """One group as the engineer sees it, and the fingerprints taken as they looked:
    an action is refused if any of these families changed since. `families` holds the
    report's columns and each family's facts (`queue_facts.FACT_DTYPES`)."""

    org_id: int
    org_name: str
    email: str
    action: str
    survivor: int | None
    merge: tuple[int, ...]
    delete: tuple[int, ...]
    reason: str
    email_valid: bool
    families: pl.DataFrame = field(repr=False)
    differ: frozenset[str]
    primaries: dict[int, int]
    looked: str
    kind: str = "fam12"
    """fam12 (primary guardians share the login) or login (any other login conflict)."""
    remove_logins: tuple[int, ...] = ()
    """The guardians whose login the recommendation removes."""
    lookalikes: tuple[Lookalike, ...] = ()
    """Look-alike sets holding one of these families and one outside the group: shown
    as "possibly the same person", never merged (`report.lookalikes`)."""

    @property
    def key(self) -> GroupKey:
        return (self.org_id, self.email)

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def holders(self, family_id: int) -> tuple[int, ...]:
        """The family's guardians holding the login (its primary first, if it holds it)."""
        rows = self.families.filter(pl.col("family_id") == family_id)
        return tuple(rows["guardians"][0]) if rows.height else ()

    def is_member(self, family_id: int) -> bool:
        """Whether the family is in the group through its primary guardian's login: the
        families a FAM-12 merge or delete may touch (another family holding the login
        through a secondary guardian is never merged or deleted because of it)."""
        return self.kind == "fam12" and self.primaries.get(family_id) in self.holders(family_id)

    @property
    def family_ids(self) -> tuple[int, ...]:
        return tuple(self.families["family_id"].to_list())

    @property
    def recommended_index(self) -> int:
        """The column pre-selected: the survivor, or the first family of a review group."""
        ids = self.family_ids
        return ids.index(self.survivor) if self.survivor in ids else 0


@dataclass(frozen=True)
class Place:
    """Where the engineer is: the order of the groups (skipped ones last), the filter,
    the skipped groups and the position. Moving is pure and instant (no store is read),
    so keys typed ahead apply in order to the place they leave each other; opening the
    group at a place is `move`'s job."""

    order: tuple[GroupKey, ...] = field(repr=False)
    """Left out of the repr: tens of thousands of keys (a worker's description is a
    repr of its arguments, built on the UI thread)."""
    index: int | None
    only: str = "all"
    skipped: frozenset[GroupKey] = frozenset()

    @property
    def key(self) -> GroupKey | None:
        return self.order[self.index] if self.index is not None else None

    def moved(self, delta: int) -> Place:
        """`n`/`p`: the next or previous group (wrapping around)."""
        if self.index is None:
            return self
        return replace(self, index=step_index(len(self.order), self.index, delta))

    def skipping(self) -> Place:
        """`s`: this group goes to the end and the one after it takes its place."""
        key, index = self.key, self.index
        if key is None or index is None:
            return self
        after = self.order[step_index(len(self.order), index, 1)]
        skipped = self.skipped | {key}
        order = skipped_last(list(self.order), skipped)
        return Place(tuple(order), pick(order, after, index), self.only, skipped)

    def filtered(self, groups: pl.DataFrame, only: str) -> Place:
        """`f`: only one recommendation (or all); the same group if it is still listed."""
        order = order_groups(groups, only, self.skipped)
        skipped = _still_listed(self.skipped, order) if only == "all" else self.skipped
        return Place(tuple(order), pick(order, self.key), only, skipped)

    def at(self, key: GroupKey) -> Place | None:
        """The same order at the group `key` (None: it is not listed here)."""
        return replace(self, index=self.order.index(key)) if key in self.order else None

    def toward(self, key: GroupKey, groups: pl.DataFrame) -> Place | None:
        """Another screen opens the queue at `key`: here if it is listed, else with the
        filter off (skipped groups stay skipped); None if `groups` has no such group."""
        return self.at(key) or self.filtered(groups, "all").at(key)

    def jumped(self, text: str) -> Place | None:
        """`/`: the group whose email is `text`, or the first containing it (None: none)."""
        index = find_group(self.order, text)
        return replace(self, index=index) if index is not None else None


@dataclass(frozen=True)
class QueueView:
    """Everything the queue screen shows at one moment, taken at the store's `stamp`
    (the report it came from is kept, so moving in the same order reads only the group)."""

    place: Place
    group: QueueGroup | None
    progress: Progress
    stamp: Stamp | None = None
    report: Report | None = field(default=None, compare=False, repr=False)

    @property
    def order(self) -> tuple[GroupKey, ...]:
        return self.place.order

    @property
    def index(self) -> int | None:
        return self.place.index

    @property
    def only(self) -> str:
        return self.place.only

    @property
    def skipped(self) -> frozenset[GroupKey]:
        return self.place.skipped

    @property
    def position(self) -> str:
        return position_text(self.place)

    @property
    def is_skipped(self) -> bool:
        return self.group is not None and self.group.key in self.skipped


def position_text(place: Place) -> str:
    if place.index is None:
        named = FILTER_NAMES.get(place.only, place.only)
        return "no group left" if place.only == "all" else f"no {named} group left"
    return f"group {place.index + 1:,} of {len(place.order):,}"


def _still_listed(skipped: frozenset[GroupKey], order: Sequence[GroupKey]) -> frozenset[GroupKey]:
    """The skipped groups still in the queue (all of them are at its end)."""
    return frozenset(order[max(len(order) - len(skipped), 0) :]) & skipped if skipped else skipped


OPEN_ATTEMPTS = 3
"""How often opening a group is tried again when the store moves on meanwhile."""


def load_view(
    ctx: Context,
    only: str = "all",
    skipped: frozenset[GroupKey] = frozenset(),
    want: GroupKey | None = None,
    hint: int = 0,
    initial: int | None = None,
) -> QueueView:
    """The queue at the store's current generation (its view in memory, `live`), opened
    at `want` if it is still there, else at the group now at `hint`."""
    ctx.actor.require("reports.fam12")
    opened = None
    for _ in range(OPEN_ATTEMPTS):
        current = live.view(ctx.store)
        report = current.report(SCOPE, ctx.orgs, ordered=False)  # the order is ours
        if only == "all":  # the view keeps it, patched (`key_order`)
            order = skipped_last(current.keys(SCOPE, ctx.orgs), skipped)
        else:
            order = order_groups(report.groups, only, skipped)
        still = _still_listed(skipped, order) if only == "all" else skipped
        place = Place(tuple(order), pick(order, want, hint), only, still)
        progress_now = progress(readiness(ctx), initial)
        opened = _opened(ctx, current.stamp, report, place, progress_now)
        if opened.stamp == current.stamp:
            break
    assert opened is not None
    return opened


def move(ctx: Context, shown: QueueView, place: Place, initial: int | None = None) -> QueueView:
    """The queue at `place`, a place reached from `shown` by moving (`Place`): only the
    group is read when the store is where `shown` saw it, else all is loaded again."""
    current = live.view(ctx.store)
    if shown.report is not None and current.stamp == shown.stamp:
        opened = _opened(ctx, current.stamp, shown.report, place, shown.progress)
        if opened.stamp == current.stamp:
            return opened
    return load_view(ctx, place.only, place.skipped, place.key, place.index or 0, initial)


def _opened(
    ctx: Context, stamp: Stamp, report: Report, place: Place, progress_now: Progress
) -> QueueView:
    """The view of `place` over `report` (taken at `stamp`); its stamp is the store's as
    the group was read, so a caller sees when the store moved on in between."""
    key = place.key
    if key is None:
        return QueueView(place, None, progress_now, stamp, report)
    group, seen = open_group(ctx, report, key)
    return QueueView(place, group, progress_now, seen, report)


def open_group(ctx: Context, report: Report, key: GroupKey) -> tuple[QueueGroup, Stamp]:
    """A group's families (survivor first) with their facts, what differs, and the
    fingerprint of now (read with the store's stamp, in one read)."""
    org_id, email = key
    row = report.groups.filter((pl.col("org_id") == org_id) & (pl.col("email") == email)).row(
        0, named=True
    )
    families = group_families(report, org_id, email)
    ids = families["family_id"].to_list()
    g = schema.guardians
    with ctx.store.engine.connect() as conn:
        seen = ctx.store.stamp(conn)
        looked = preconditions.fingerprint(conn, ids)
        families = with_facts(families, read_facts(ctx.store, conn, ids))
        primaries = dict(
            conn.execute(
                select(g.c.family_id, g.c.guardian_id)
                .where(g.c.family_id.in_(ids), g.c.is_primary)
                .order_by(g.c.guardian_id.desc())
            ).all()
        )
    group = QueueGroup(
        org_id,
        ctx.org_names().get(org_id, f"Organization {org_id}"),
        email,
        row["action"],
        row["survivor"],
        tuple(row["merge"] or ()),
        tuple(row["delete"] or ()),
        row["reason"],
        bool(row["email_valid"]),
        families,
        differing_fields(families),
        primaries,
        looked,
        kind=row["kind"],
        remove_logins=tuple(row["remove_logins"] or ()),
        lookalikes=lookalikes_of(report.possible, org_id, ids),
    )
    return group, seen
