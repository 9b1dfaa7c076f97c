"""Alembic revisions, named `NNNN_what.py`; `famtriage.core.store.upgrade` lists them."""
