"""Possibly the same person: look-alike logins (Gmail dots, `+tags`) as the app shows them.

A report's `possible` frame (`fam12.lookalike_sets`) holds the sets of different logins
a provider delivers to one mailbox. They are shown, never grouped or merged: each
address is its own login. This module decides which sets concern the families of a
group (the queue's line) and lists the sets family by family (the report's section).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from famtriage.core.emails import normalize_series

SET_FAMILY_SCHEMA = pl.Schema(
    {
        "set": pl.Int64(),
        "org_id": pl.Int64(),
        "family_id": pl.Int64(),
        "first": pl.Boolean(),
        "logins": pl.List(pl.String()),
        "why": pl.String(),
    }
)
"""`set_families`: a set's number (1 first), its organization, one of its families,
whether that is the set's first row, and the set's logins and why (on every row)."""


@dataclass(frozen=True)
class Lookalike:
    """A look-alike set as seen from one group: the group's families in it (`ours`),
    the set's families outside the group (`others`), and the set's logins."""

    ours: tuple[int, ...]
    others: tuple[int, ...]
    logins: tuple[str, ...]
    why: str

    @property
    def text(self) -> str:
        """ "#1090 may be the same person as #1205: a+1@x.com and a@x.com reach one
        mailbox; each is its own login, never merged." (customer emails: display them
        escaped)."""
        return (
            f"{listed(f'#{f}' for f in self.ours)} may be the same person as "
            f"{listed(f'#{f}' for f in self.others)}: {listed(self.logins)} reach one "
            "mailbox; each is its own login, never merged."
        )


def lookalikes_of(
    possible: pl.DataFrame, org_id: int, family_ids: Sequence[int]
) -> tuple[Lookalike, ...]:
    """The look-alike sets that hold one of these families (a group's, in `org_id`) and
    at least one family outside them: a set whose families are all in the group says
    nothing the group does not already show. Sets in the frame's order."""
    if possible.is_empty() or not family_ids:
        return ()
    members = set(family_ids)
    touching = possible.filter(
        (pl.col("org_id") == org_id)
        & pl.col("families").list.eval(pl.element().is_in(list(members))).list.any()
    )
    found = []
    for families, logins, why in with_logins(touching).select("families", "logins", "why").rows():
        ours = tuple(f for f in families if f in members)
        others = tuple(f for f in families if f not in members)
        if others:
            found.append(Lookalike(ours, others, tuple(logins), why))
    return tuple(found)


def set_families(possible: pl.DataFrame) -> pl.DataFrame:
    """Every look-alike set family by family (`SET_FAMILY_SCHEMA`), sets numbered in the
    frame's order and each set's families by id, so each family can be opened."""
    if possible.is_empty():
        return pl.DataFrame(schema=SET_FAMILY_SCHEMA)
    return (
        with_logins(possible)
        .with_row_index("set", offset=1)
        .with_columns(pl.col("set").cast(pl.Int64))
        .explode("families")
        .rename({"families": "family_id"})
        .with_columns((pl.int_range(pl.len()).over("set") == 0).alias("first"))
        .select(list(SET_FAMILY_SCHEMA))
        .cast(SET_FAMILY_SCHEMA)
    )


def with_logins(possible: pl.DataFrame) -> pl.DataFrame:
    """The sets with `logins`: their distinct login keys, sorted. The raw `emails` may
    differ only in case or spaces ("  Jane.Doe@Example.COM", "jane.doe@example.com"):
    those are one login, listed once."""
    numbered = possible.with_row_index("_row")
    emails = numbered.select("_row", "emails").explode("emails")
    logins = (
        emails.with_columns(normalize_series(emails["emails"]).alias("login"))
        .group_by("_row")
        .agg(pl.col("login").drop_nulls().unique().sort().alias("logins"))
    )
    return numbered.join(logins, on="_row", how="left").sort("_row").drop("_row")


def listed(items: Iterable[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    words = list(items)
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"
