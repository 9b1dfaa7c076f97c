"""Typed columns out of text: the parsers import and `--from` share.

Each parser returns the typed column; a value that was present but did not parse comes
back null, which the caller turns into a `file:row: column: problem` line.
"""

from __future__ import annotations

import polars as pl

_TRUE = ["true", "t", "yes", "y", "1"]
_FALSE = ["false", "f", "no", "n", "0"]
_MONEY = r"^-?\d+(\.\d{1,2})?$"

PROBLEMS = {
    "int": "not a whole number",
    "bool": "not true/false",
    "date": "not a date (YYYY-MM-DD)",
    "datetime": "not a date-time (ISO 8601)",
    "money": "not an amount with at most two decimals",
    "str": "not text",
}


def _text(col: pl.Expr) -> pl.Expr:
    return col.cast(pl.String).str.strip_chars()


def parse_int(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype.is_integer():
        return col.cast(pl.Int64)
    if dtype.is_float():
        return pl.when(col == col.floor()).then(col.cast(pl.Int64, strict=False))
    return _text(col).str.to_integer(strict=False)


def parse_bool(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Boolean:
        return col
    text = _text(col).str.to_lowercase()
    return pl.when(text.is_in(_TRUE)).then(True).when(text.is_in(_FALSE)).then(False)


def parse_datetime(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Datetime or isinstance(dtype, pl.Datetime):
        if getattr(dtype, "time_zone", None):
            col = col.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        return col.cast(pl.Datetime("us"))
    if dtype == pl.Date:
        return col.cast(pl.Datetime("us"))
    text = _text(col).str.replace("T", " ", literal=True).str.replace(r"Z$", "+00:00")
    return pl.coalesce(
        text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us", strict=False),
        text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f%z", time_unit="us", strict=False)
        .dt.convert_time_zone("UTC")
        .dt.replace_time_zone(None),
        text.str.to_datetime("%Y-%m-%d %H:%M", time_unit="us", strict=False),
        text.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us")),
    )


def parse_date(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Date:
        return col
    return parse_datetime(col, dtype).dt.date()


def parse_money(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Amounts to integer cents, exactly (text is never routed through a float)."""
    if dtype.is_integer():
        return col.cast(pl.Int64) * 100
    if dtype.is_float():
        return (col * 100).round(0).cast(pl.Int64, strict=False)
    if isinstance(dtype, pl.Decimal):
        return (col * 100).cast(pl.Int64, strict=False)
    text = _text(col)
    ok = text.str.contains(_MONEY)
    whole = text.str.extract(r"^(-?\d+)", 1).str.to_integer(strict=False)
    frac = text.str.extract(r"\.(\d{1,2})$", 1).str.pad_end(2, "0").fill_null("0")
    cents = frac.str.to_integer(strict=False)
    sign = pl.when(text.str.starts_with("-")).then(-1).otherwise(1)
    return pl.when(ok).then(whole * 100 + sign * cents)


def parse_str(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    return col.cast(pl.String)


PARSERS = {
    "int": parse_int,
    "bool": parse_bool,
    "date": parse_date,
    "datetime": parse_datetime,
    "money": parse_money,
    "str": parse_str,
}
