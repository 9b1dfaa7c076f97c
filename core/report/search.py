"""Search families by email: every family with the address on any guardian."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from sqlalchemy import select

from famtriage.core.access.context import Context
from famtriage.core.emails import normalize_email
from famtriage.core.errors import InputError
from famtriage.core.report import snapshot
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


def search_families(ctx: Context, query: str, limit: int = MAX_RESULTS) -> list[SearchHit]:
    """Exact login-key matches first, then families whose login key contains the text.

    The scan runs over the snapshot's columnar copy of every login (a substring search
    can use no index), so a million families answer in a fraction of a second."""
    ctx.actor.require("families.view")
    key = normalize_email(query)
    if key is None:
        raise InputError("type an email address, or part of one")
    g, f = schema.guardians, schema.families
    matched = (
        snapshot.logins(ctx.store)
        .filter(
            pl.col("org_id").is_in(list(ctx.orgs))
            & pl.col("email_norm").str.contains(key, literal=True)
        )
        .group_by("family_id")
        .agg((pl.col("email_norm") == key).any().alias("exact"))
        .sort(["exact", "family_id"], descending=[True, False])
        .head(limit)
        .collect()
    )
    ids = matched["family_id"].to_list()
    exact = set(matched.filter(pl.col("exact"))["family_id"].to_list())
    with ctx.store.engine.connect() as conn:
        fams = {r.family_id: r for r in conn.execute(select(f).where(f.c.family_id.in_(ids)))}
        guardians: dict[int, list[GuardianRef]] = {i: [] for i in ids}
        for r in conn.execute(
            select(g).where(g.c.family_id.in_(ids)).order_by(g.c.is_primary.desc(), g.c.guardian_id)
        ):
            name = " ".join(p for p in (r.first_name, r.last_name) if p)
            guardians[r.family_id].append(GuardianRef(r.guardian_id, name, r.email, r.is_primary))
    return [
        SearchHit(
            i,
            fams[i].org_id,
            fams[i].family_name,
            fams[i].status,
            "exact" if i in exact else "partial",
            tuple(guardians[i]),
        )
        for i in ids
    ]
