"""A scope's group keys in the report's order, kept as Python lists that a patch edits.

The queue walks the readiness list by (organization, email) key. Building that list
again after each action made tens of thousands of tuples (10 ms at a million families)
and, as many new objects do, woke Python's full garbage collection (15-35 ms more)
between the confirming key and the next group. The view keeps the keys instead, and a
patch removes the keys of the groups it recomputed and inserts their new keys, in
place by bisection: the order is exactly the one `fam12.in_order` sorts.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

GroupKey = tuple[int, str]
"""A group is named by its organization and login key (the normalized email)."""


def _leads(scope: str) -> pl.Expr:
    """The groups listed first: the readiness list's FAM-12 groups (`fam12.in_order`);
    in the other scopes, every group (one sorted list)."""
    return pl.col("kind") == "fam12" if scope == "readiness" else pl.repeat(True, pl.len())


def _sorted_keys(groups: pl.DataFrame) -> list[GroupKey]:
    ordered = groups.select("org_id", "email").sort("org_id", "email")
    return list(zip(ordered["org_id"].to_list(), ordered["email"].to_list(), strict=True))


@dataclass(frozen=True)
class KeyOrder:
    """The keys listed first and the keys listed after them, each sorted (Python orders
    strings by code point, as polars orders them by UTF-8 bytes: the same order)."""

    first: list[GroupKey]
    rest: list[GroupKey]

    @classmethod
    def of(cls, groups: pl.DataFrame, scope: str) -> KeyOrder:
        leads = groups.select(_leads(scope)).to_series()
        return cls(_sorted_keys(groups.filter(leads)), _sorted_keys(groups.filter(~leads)))

    def patched(self, gone: pl.DataFrame, new: pl.DataFrame, scope: str) -> KeyOrder:
        """This order without the groups `gone` and with the groups `new` (a patch's few
        groups: their keys are looked up by bisection, the rest are not touched)."""
        first, rest = list(self.first), list(self.rest)
        for groups, edit in ((gone, _remove), (new, insort)):
            leads = groups.select(_leads(scope)).to_series().to_list()
            keys = zip(groups["org_id"].to_list(), groups["email"].to_list(), strict=True)
            for lead, key in zip(leads, keys, strict=True):
                edit(first if lead else rest, key)
        return KeyOrder(first, rest)

    def keys(self, orgs: Iterable[int] | None = None) -> list[GroupKey]:
        """Every key in order, or only those of `orgs`."""
        every = self.first + self.rest
        if orgs is None:
            return every
        allowed = set(orgs)
        return [key for key in every if key[0] in allowed]


def _remove(keys: list[GroupKey], key: GroupKey) -> None:
    at = bisect_left(keys, key)
    if at < len(keys) and keys[at] == key:
        del keys[at]
