"""A working session: the store, who acts, and which organizations are in view.

The CLI and the TUI each build one of these and pass it to every core function, so
permission and organization checks are made the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from famtriage.core.access.identity import Identity, acting_actor
from famtriage.core.access.permissions import Actor
from famtriage.core.store import schema
from famtriage.core.store.database import Store


@dataclass(frozen=True)
class Context:
    store: Store
    actor: Actor
    orgs: tuple[int, ...]
    identity: Identity | None = None
    """Who is at the keyboard and how famtriage knows (None: a session built by code
    that established the actor itself, e.g. a test)."""

    @classmethod
    def open(cls, store: Store, as_email: str | None = None, org: int | None = None) -> Context:
        """The session of whoever runs famtriage (`identity.establish`), or of the member a
        global Admin impersonates with `--as`."""
        actor, identity = acting_actor(store, as_email)
        return cls.acting(store, actor, org, identity)

    @classmethod
    def acting(
        cls, store: Store, actor: Actor, org: int | None = None, identity: Identity | None = None
    ) -> Context:
        """A session for an actor already established (by `open`, or `member`)."""
        with store.engine.connect() as conn:
            all_orgs = list(
                conn.execute(select(schema.orgs.c.org_id).order_by(schema.orgs.c.org_id)).scalars()
            )
        return cls(store, actor, tuple(actor.visible_orgs(all_orgs, org)), identity)

    def empty_hint(self) -> str | None:
        """What to do first in a store that holds no organization (None: it holds some)."""
        if self.orgs or not self.store.is_empty():
            return None
        return (
            "This store holds no organization yet: import an export "
            "(`famtriage import PATH`) or run `famtriage demo`."
        )

    def org_names(self) -> dict[int, str]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(schema.orgs.c.org_id, schema.orgs.c.name).where(
                    schema.orgs.c.org_id.in_(self.orgs)
                )
            ).all()
        return {r.org_id: r.name or f"Organization {r.org_id}" for r in rows}
