"""Search families by email: every family with the address on any guardian."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from core import schema
from core.context import Context
from core.emails import normalize_email
from core.errors import InputError

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
    """Exact login-key matches first, then families whose login key contains the text."""
    ctx.actor.require("families.view")
    key = normalize_email(query)
    if key is None:
        raise InputError("type an email address, or part of one")
    g, f = schema.guardians, schema.families
    pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with ctx.store.engine.connect() as conn:
        matched = conn.execute(
            select(g.c.family_id, g.c.email_norm)
            .join(f, f.c.family_id == g.c.family_id)
            .where(f.c.org_id.in_(ctx.orgs))
            .where(or_(g.c.email_norm == key, g.c.email_norm.like(pattern, escape="\\")))
        ).all()
        exact = {r.family_id for r in matched if r.email_norm == key}
        ids = sorted({r.family_id for r in matched}, key=lambda i: (i not in exact, i))[:limit]
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
