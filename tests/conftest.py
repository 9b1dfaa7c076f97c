"""Shared fixtures: a store loaded with the sample data, and a session on it; the same
data made hostile (terminal escapes and bidi overrides in every text column)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hostile_support import build_hostile_store, build_oversized_store

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
    return Path(shutil.copy(_sample_template, tmp_path / "store.db"))


@pytest.fixture
def store(sample_db: Path) -> Store:
    return Store.open(sample_db)


@pytest.fixture
def ctx(store: Store) -> Context:
    """The sample store as its Admin, every organization in view."""
    return Context.open(store)


@pytest.fixture(scope="session")
def _hostile_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "hostile.db"
    build_hostile_store(path)
    return path


@pytest.fixture
def hostile_db(tmp_path: Path, _hostile_template: Path) -> Path:
    """The sample store with escape sequences in every text column (tests/hostile_support)."""
    return Path(shutil.copy(_hostile_template, tmp_path / "hostile.db"))


@pytest.fixture
def hostile_ctx(hostile_db: Path) -> Context:
    return Context.open(Store.open(hostile_db))


@pytest.fixture(scope="session")
def oversized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 10 MB family name (#1001) and 1,000,000-character emails; tests only read it."""
    path = tmp_path_factory.mktemp("oversized") / "oversized.db"
    build_oversized_store(path)
    return path
