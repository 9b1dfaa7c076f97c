"""Search families by email: every family with the address on any guardian."""

from __future__ import annotations

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


def search_families(ctx: Context, query: str, limit: int = MAX_RESULTS) -> SearchResult:
    """Exact login-key matches first, then families whose login key contains the text;
    the first `limit` of them, and how many matched.

    The scan runs over every login held in the store's view (`live`; a substring search
    can use no index), so a million families answer in a fraction of a second."""
    ctx.actor.require("families.view")
    key = normalize_email(query)
    if key is None:
        raise InputError("type an email address, or part of one")
    g, f = schema.guardians, schema.families
    found = live.view(ctx.store, full=True).find(ctx.orgs, key, limit)
    ids = found.family_ids
    with ctx.store.engine.connect() as conn:
        fams = {r.family_id: r for r in conn.execute(select(f).where(f.c.family_id.in_(ids)))}
        guardians: dict[int, list[GuardianRef]] = {i: [] for i in ids}
        for r in conn.execute(
            select(g).where(g.c.family_id.in_(ids)).order_by(g.c.is_primary.desc(), g.c.guardian_id)
        ):
            name = " ".join(p for p in (r.first_name, r.last_name) if p)
            guardians[r.family_id].append(GuardianRef(r.guardian_id, name, r.email, r.is_primary))
    hits = tuple(
        SearchHit(
            i,
            fams[i].org_id,
            fams[i].family_name,
            fams[i].status,
            "exact" if i in found.exact else "partial",
            tuple(guardians[i]),
        )
        for i in ids
        if i in fams
    )
    return SearchResult(query, hits, found.total)
