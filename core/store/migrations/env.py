"""Alembic's entry point: run the revisions on the connection famtriage hands over.

famtriage never reads an alembic.ini: `famtriage.core.store.upgrade` builds the Config
in code and passes its open connection in `config.attributes["connection"]`.
"""

from __future__ import annotations

from alembic import context

from famtriage.core.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
