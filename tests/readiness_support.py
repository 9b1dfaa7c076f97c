"""Generated stores with every kind of login conflict, and what an engineer does with each
group of the readiness list (for the core tests and the Pilot tests that work the queue
until every organization is login-ready)."""

from __future__ import annotations

import itertools
from pathlib import Path

import polars as pl

from famtriage.core.access.context import Context
from famtriage.core.actions.queue import QueueGroup
from famtriage.core.actions.queue_steps import key_refusal
from famtriage.core.report.current import report_for_context
from famtriage.core.sample.synthetic import synthetic
from famtriage.core.source.importer import import_tables
from famtriage.core.source.reader import in_memory, type_tables
from famtriage.core.store.database import Store

GENERATED = [(1, 0.1), (2, 0.2)]
"""(seed, duplicate rate) of the generated stores: 300 families in two organizations;
the second holds a group of six families (more than one merge takes)."""


def generated_store(path: Path, seed: int, dup_rate: float) -> Store:
    """300 synthetic families in two organizations, every conflict kind among them."""
    store = Store.open(path)
    tables = synthetic(300, seed, dup_rate=dup_rate, orgs=2)
    import_tables(store, type_tables(in_memory(tables), validate=False))
    return store


def kinds_present(ctx: Context) -> dict[str, int]:
    """How many of each case the readiness list of a store holds."""
    report = report_for_context(ctx, "readiness")
    groups = report.groups
    fam12, login = pl.col("kind") == "fam12", pl.col("kind") == "login"
    return {
        "secondary login": groups.filter(login & (pl.col("families") >= 2)).height,
        "same-family duplicate": groups.filter(pl.col("families") == 1).height,
        "review": groups.filter(pl.col("action") == "review").height,
        "login review": groups.filter(login & (pl.col("action") == "review")).height,
        "five families": groups.filter(fam12 & (pl.col("families") >= 5)).height,
        "FAM-12 with a secondary holder": groups.filter(
            fam12 & (pl.col("remove_logins").list.len() > 0)
        ).height,
        "look-alikes": report.possible.height,
    }


def decision(group: QueueGroup, refused: bool) -> tuple[str, int]:
    """What the engineer does with the group shown: ("A", 0) takes the recommendation,
    ("r", i) removes the login held in family i, ("e", i) changes it. A review, or a
    recommendation the actions refused (a merge of more than five families), is decided
    family by family."""
    if group.action != "review" and not refused:
        return "A", 0
    for index, family in enumerate(group.family_ids):
        if key_refusal(group, "remove_login", family) is None:
            return "r", index
    return "e", len(group.family_ids) - 1


_FRESH = itertools.count(1)


def new_email(group: QueueGroup, index: int) -> str:
    """A login no one holds yet."""
    return f"fresh{next(_FRESH)}.{group.family_ids[index]}@example.test"
