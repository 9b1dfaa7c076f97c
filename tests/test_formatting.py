"""Money and counts read alike on every path (the bulk expressions equal the one-value
functions); messages end their sentences."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from famtriage.core.formatting import (
    counted,
    counted_expr,
    money_display,
    money_display_expr,
    sentence,
)


@given(st.lists(st.integers(-(10**14), 10**14), max_size=50))
def test_money_display_expr_equals_money_display(cents: list[int]) -> None:
    frame = pl.DataFrame({"c": cents}, schema={"c": pl.Int64})
    shown = frame.select(money_display_expr(pl.col("c")).alias("m"))["m"].to_list()
    assert shown == [money_display(c) for c in cents]


def test_counted_says_one_and_many_with_separators() -> None:
    assert counted(1, "enrollment") == "1 enrollment"
    assert counted(0, "enrollment") == "0 enrollments"
    assert counted(37_895, "group") == "37,895 groups"
    assert counted(1, "family", "families") == "1 family"
    assert counted(1_000_000, "family", "families") == "1,000,000 families"


@given(st.lists(st.integers(0, 10**12), max_size=50))
def test_counted_expr_equals_counted(counts: list[int]) -> None:
    frame = pl.DataFrame({"n": counts}, schema={"n": pl.Int64})
    shown = frame.select(counted_expr(pl.col("n"), "family", "families").alias("s"))["s"]
    assert shown.to_list() == [counted(n, "family", "families") for n in counts]


def test_a_message_ends_its_sentence_and_keeps_its_first_letter() -> None:
    assert sentence("no family with id 5") == "no family with id 5."
    assert sentence("x is not a valid email address") == "x is not a valid email address."
    assert sentence("  Done (u undoes) ") == "Done (u undoes)."
    for whole in ("Apply the recommendation?", "Writing out.csv…", "Nothing changed.", ""):
        assert sentence(whole) == whole
