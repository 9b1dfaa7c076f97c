"""Generated stores with every kind of login conflict, and what an engineer does with each
group of the readiness list (for the core tests and the Pilot tests that work the queue
until every organization is login-ready)."""

from __future__ import annotations

import itertools
from pathlib import Path

import polars as pl

from famtriage.core.access.context import Context
from famtriage.core.actions.queue import QueueGroup, QueueView, load_view
from famtriage.core.actions.queue_steps import (
    change_email_steps,
    describe,
    execute,
    key_refusal,
    recommended_steps,
    remove_login_steps,
)
from famtriage.core.errors import FamtriageError
from famtriage.core.report.current import report_for_context
from famtriage.core.sample.synthetic import synthetic
from famtriage.core.source.importer import import_tables
from famtriage.core.source.reader import in_memory, type_tables
from famtriage.core.store import schema
from famtriage.core.store.database import Store

GENERATED = [(6, 0.1), (3, 0.2)]
"""(seed, duplicate rate) of the generated stores: 150 families in two organizations,
every kind of conflict among them; the second holds a group of six families (more than
one merge takes)."""


def raw_guardian(ctx: Context, family: int, first: str, email: str, number: int = 0) -> int:
    """A secondary guardian (id 990,000 + family + 1,000 × number) written as an import
    would write it: invite refuses a login someone holds, an export may hold one twice."""
    g = schema.guardians
    with ctx.store.write() as conn:
        new_id = 990_000 + family + 1000 * number
        conn.execute(
            g.insert().values(
                guardian_id=new_id,
                family_id=family,
                first_name=first,
                last_name="X",
                email=email,
                email_norm=email,
                is_primary=False,
            )
        )
        ctx.store.touch(conn, [family])
    return new_id


def generated_store(path: Path, seed: int, dup_rate: float) -> Store:
    """150 synthetic families in two organizations (`GENERATED` picks seeds with every
    conflict kind among them)."""
    store = Store.open(path)
    tables = synthetic(150, seed, dup_rate=dup_rate, orgs=2)
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


def work_in_core(ctx: Context, limit: int = 500) -> QueueView:
    """Work the queue through core's API, group by group, as `decision` says (what the
    Pilot tests do with keys); the queue as it is at the end."""
    view = load_view(ctx)
    initial = view.progress.total
    for _ in range(limit):
        group = view.group
        if group is None:
            return view
        refused = False
        while True:
            key, index = decision(group, refused)
            family = group.family_ids[index]
            try:
                if key == "A":
                    steps = recommended_steps(group)
                elif key == "r":
                    steps = remove_login_steps(group, family)
                else:
                    steps = change_email_steps(group, family, new_email(group, index))
                describe(ctx, group, steps)
                execute(ctx, group, steps)
                break
            except FamtriageError:
                assert not refused, f"{key} refused twice on {group.key}"
                refused = True
        view = load_view(ctx, initial=initial)
    raise AssertionError(f"the queue was not empty after {limit} groups")
