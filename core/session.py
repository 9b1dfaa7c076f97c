"""Opening a store the way every entry point does: default store seeded on first use."""

from __future__ import annotations

import os
from collections.abc import Callable

from famtriage.core.access.context import Context
from famtriage.core.source.importer import import_export
from famtriage.core.store import config
from famtriage.core.store.database import Store


def open_store(db: str | None, on_progress: Callable[[int, int], None] | None = None) -> Store:
    """Open `--db`/`FAMTRIAGE_DB`, or the default store (created from sample_data/)."""
    target, is_default = config.resolve_db(db)
    store = Store.open(target)
    if is_default and store.is_empty():
        import_export(store, config.SAMPLE_DATA, on_progress=on_progress)
    return store


def open_context(db: str | None, as_email: str | None, org: int | None) -> Context:
    """The session every entry point works in. `--as` wins over FAMTRIAGE_USER; an empty
    `--as ""` names nobody and is refused (an empty variable counts as unset)."""
    named = as_email if as_email is not None else os.environ.get("FAMTRIAGE_USER") or None
    return Context.open(open_store(db), named, org)
