"""Shared fixtures: a store loaded with the sample data, and a session on it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from famtriage.core.access.context import Context
from famtriage.core.source.importer import import_export
from famtriage.core.store import config
from famtriage.core.store.database import Store


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """No test touches the real user data dir, cache or an env-named store."""
    home = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.delenv("FAMTRIAGE_DB", raising=False)
    monkeypatch.delenv("FAMTRIAGE_USER", raising=False)


@pytest.fixture(scope="session")
def _sample_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample store, built once per session; tests get their own copy."""
    path = tmp_path_factory.mktemp("template") / "sample.db"
    store = Store.open(path)
    import_export(store, config.SAMPLE_DATA)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.engine.dispose()
    return path


@pytest.fixture
def sample_db(tmp_path: Path, _sample_template: Path) -> Path:
    target = tmp_path / "store.db"
    shutil.copy(_sample_template, target)
    return target


@pytest.fixture
def store(sample_db: Path) -> Store:
    return Store.open(sample_db)


@pytest.fixture
def ctx(store: Store) -> Context:
    """The sample store as its Admin, every organization in view."""
    return Context.open(store)
