"""Money reads alike on every path: the bulk expression equals the one-value function."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from famtriage.core.formatting import money_display, money_display_expr


@given(st.lists(st.integers(-(10**14), 10**14), max_size=50))
def test_money_display_expr_equals_money_display(cents: list[int]) -> None:
    frame = pl.DataFrame({"c": cents}, schema={"c": pl.Int64})
    shown = frame.select(money_display_expr(pl.col("c")).alias("m"))["m"].to_list()
    assert shown == [money_display(c) for c in cents]
