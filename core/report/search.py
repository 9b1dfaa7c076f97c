"""Search families by email: every family with the address on any guardian."""

from __future__ import annotations

import re
from collections.abc import Container, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from famtriage.core.access.context import Context
from famtriage.core.emails import normalize_email
from famtriage.core.errors import InputError
from famtriage.core.report import live
from famtriage.core.store import schema

MAX_RESULTS = 500


@dataclass(frozen=True)
class GuardianRef:
    guardian_id: int
    name: str
    email: str | None
    is_primary: bool


@dataclass(frozen=True)
class SearchHit:
    family_id: int
    org_id: int
    family_name: str | None
    status: str
    match: str  # exact | partial
    guardians: tuple[GuardianRef, ...]


@dataclass(frozen=True)
class SearchResult:
    """The families found (at most the limit asked for) and how many matched in all."""

    query: str
    hits: tuple[SearchHit, ...]
    total: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.hits)

    @property
    def summary(self) -> str:
        """ "3 families · 1 exact, 2 partial", or "first 500 of 28,612 families · …"."""
        exact = sum(h.match == "exact" for h in self.hits)
        shown = len(self.hits)
        head = (
            f"first {shown:,} of {self.total:,} families"
            if self.truncated
            else (f"{shown:,} {'family' if shown == 1 else 'families'}")
        )
        return f"{head} · {exact:,} exact, {shown - exact:,} partial"


FAMILY_ID = re.compile(r"#(\d{1,18})")
"""A query naming a family by id, as reasons and audit summaries do ("#1061")."""


def search_families(ctx: Context, query: str, limit: int = MAX_RESULTS) -> SearchResult:
    """Exact login-key matches first, then families whose login key contains the text;
    the first `limit` of them, and how many matched. A query "#1061" finds that family
    whatever its status: a merged or deleted one (a tombstone, which has no login left
    to match) is found this way only.

    The scan runs over every login held in the store's view (`live`; a substring search
    can use no index), so a million families answer in a fraction of a second."""
    ctx.actor.require("families.view")
    by_id = FAMILY_ID.fullmatch(query.strip())
    if by_id is not None:
        return _by_id(ctx, query, int(by_id.group(1)))
    key = normalize_email(query)
    if key is None:
        raise InputError("type an email address, or part of one")
    found = live.view(ctx.store, full=True).find(ctx.orgs, key, limit)
    hits = _hits(ctx, found.family_ids, found.exact)
    return SearchResult(query, hits, found.total)


def _by_id(ctx: Context, query: str, family_id: int) -> SearchResult:
    """The family with this id if the acting staff member sees its organization."""
    hits = _hits(ctx, [family_id], {family_id})
    return SearchResult(query, hits, len(hits))


def _hits(ctx: Context, ids: Sequence[int], exact: Container[int]) -> tuple[SearchHit, ...]:
    """The families `ids` in that order, with their guardians (primary first); a family
    of an organization out of view, or no family, is left out."""
    g, f = schema.guardians, schema.families
    with ctx.store.engine.connect() as conn:
        fams = {
            r.family_id: r
            for r in conn.execute(select(f).where(f.c.family_id.in_(ids)))
            if r.org_id in ctx.orgs
        }
        guardians: dict[int, list[GuardianRef]] = {i: [] for i in ids}
        for r in conn.execute(
            select(g).where(g.c.family_id.in_(ids)).order_by(g.c.is_primary.desc(), g.c.guardian_id)
        ):
            name = " ".join(p for p in (r.first_name, r.last_name) if p)
            guardians[r.family_id].append(GuardianRef(r.guardian_id, name, r.email, r.is_primary))
    return tuple(
        SearchHit(
            i,
            fams[i].org_id,
            fams[i].family_name,
            fams[i].status,
            "exact" if i in exact else "partial",
            tuple(guardians[i]),
        )
        for i in ids
        if i in fams
    )
