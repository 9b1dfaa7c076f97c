"""The store's schema history (Alembic): one revision per schema change, oldest first."""
