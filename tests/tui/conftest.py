"""Fixtures for the app: sample-data apps for two staff members, a fixed report time,
and one 100 000-group store per session."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl
import pytest
from pilot_helpers import FIXED_TIME

from famtriage.core.access.context import Context
from famtriage.core.access.permissions import member
from famtriage.core.report.current import report_for_context
from famtriage.core.sample import synthetic as demo
from famtriage.core.source.importer import import_tables
from famtriage.core.source.reader import in_memory, type_tables
from famtriage.core.store.database import Store
from famtriage.tui.app import FamtriageApp

HISTORY_TABLES = ("students", "enrollments", "payments", "policies", "activity")


@pytest.fixture(autouse=True)
def _fixed_report_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports say when they were generated; snapshots need the same moment every run."""

    def fixed(ctx: Context, scope: str = "primary", on_progress=None):
        report = report_for_context(ctx, scope, on_progress)
        return dataclasses.replace(report, generated_at=FIXED_TIME)

    monkeypatch.setattr("famtriage.core.report.current.report_for_context", fixed)


@pytest.fixture
def app(ctx: Context) -> FamtriageApp:
    """The app on the sample data, as its Admin."""
    return FamtriageApp(ctx)


@pytest.fixture
def desk_app(store: Store) -> FamtriageApp:
    """The app as Front Desk staff (established as them, not impersonated), who may only
    view families."""
    return FamtriageApp(Context.acting(store, member(store, 3)))


@pytest.fixture(scope="session")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 000 families in pairs sharing a primary email: exactly 100 000 FAM-12 groups.

    History tables are left empty: the test is about the table's size, and the import
    stays a few seconds.
    """
    tables = demo.synthetic(200_000, seed=5, dup_rate=0.0, orgs=1)
    for name in HISTORY_TABLES:
        tables[name] = tables[name].clear()
    pair = pl.format("pair{}@example.test", (pl.col("family_id") - 1) // 2)
    tables["guardians"] = tables["guardians"].with_columns(
        pl.when(pl.col("is_primary")).then(pair).otherwise(pl.col("email")).alias("email")
    )
    path = tmp_path_factory.mktemp("big") / "big.db"
    store = Store.open(path)
    import_tables(store, type_tables(in_memory(tables), validate=False))
    store.engine.dispose()
    return path
