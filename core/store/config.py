"""Where things live: the default store, the bundled sample data, the data directory."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import platformdirs

SAMPLE_DATA = Path(str(resources.files("famtriage.sample_data")))
"""The bundled sample organizations: package data, a folder on disk in every install."""


def data_dir() -> Path:
    """The user data dir (respects XDG_DATA_HOME), private to the user."""
    path = Path(platformdirs.user_data_dir("famtriage", appauthor=False))
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def default_db() -> Path:
    return data_dir() / "famtriage.db"


def resolve_db(db: str | None) -> tuple[str | Path, bool]:
    """The store to open and whether it is the default one (seeded from the sample data).

    `--db` wins over `FAMTRIAGE_DB`; a store named either way starts empty.
    """
    named = db or os.environ.get("FAMTRIAGE_DB")
    if named:
        return named, False
    return default_db(), True
